"""Over real HTTP, an OPD sees only its own requests, and nobody moves a
request or rewrites its audit trail except through the workflow.

A real trytond on a database of its own (SQLite, or PostgreSQL when
TRYTOND_DATABASE_URI says so), spoken to as the web client does (JSON-RPC
with a session) and as an integration does (the REST API with a user
application key)."""
import base64
import json
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dbbuild import new_database  # noqa: E402
from server import refused  # noqa: E402

SECRET_TITLE = "Aplikasi Uji Serentak 1"


@pytest.fixture(scope='module')
def site():
    database = new_database('egov_http')
    try:
        database.start()
        # A submitted (step 1) and a draft request of Dinas Kesehatan.
        database.received = database.data['received'][0]
        database.draft = database.data['draft'][0]
        yield database
    finally:
        database.destroy()



def access_refused(call, *args, **kwargs):
    message = refused(call, *args, **kwargs)
    assert 'not allowed' in message, message
    return message


def assert_hidden(message, site):
    assert SECRET_TITLE not in message, message


# --- JSON-RPC: another OPD ----------------------------------------------------

def test_other_opd_does_not_find_the_request(site):
    dishub = site.as_('kabid.dishub')
    found = dishub.call('model.egov.request.search', [], 0, None, None)
    assert site.received not in found and site.draft not in found
    assert dishub.call('model.egov.request.search',
        [('id', 'in', [site.received, site.draft])], 0, None, None) == []
    assert dishub.call('model.egov.request.search_count',
        [('title', '=', SECRET_TITLE)]) == 0
    rows = dishub.call('model.egov.request.search_read',
        [], 0, None, None, ['title'])
    assert SECRET_TITLE not in {r['title'] for r in rows}
    # Nor its documents and history.
    assert dishub.call('model.egov.request.history.search',
        [('request', '=', site.received)], 0, None, None) == []
    assert dishub.call('model.egov.request.document.search',
        [('request', '=', site.received)], 0, None, None) == []


def test_other_opd_cannot_read_or_export(site):
    dishub = site.as_('kabid.dishub')
    for request_id in [site.received, site.draft]:
        message = access_refused(dishub.call,
            'model.egov.request.read', [request_id], ['title', 'state'])
        assert_hidden(message, site)
        message = access_refused(dishub.call,
            'model.egov.request.export_data', [request_id],
            ['title', 'state', 'history/state'])
        assert_hidden(message, site)
    assert dishub.call('model.egov.request.export_data_domain',
        [('id', '=', site.received)], ['title']) == []


def test_other_opd_cannot_print_the_summary(site):
    dishub = site.as_('kabid.dishub')
    message = access_refused(dishub.call,
        'report.egov.request.summary.execute', [site.received], {})
    assert_hidden(message, site)


BUTTON_CLICKS = [
    # (button, request): from the right state and from a wrong one
    ('submit', 'draft'),
    ('register', 'received'),
    ('resubmit', 'received'),
    ('mark_complete', 'draft'),
    ]


def test_other_opd_cannot_press_buttons(site):
    dishub = site.as_('kabid.dishub')
    for button, request in BUTTON_CLICKS:
        refused(dishub.call,
            f'model.egov.request.{button}', [getattr(site, request)])
    # Nothing moved.
    dinkes = site.as_('kadis.dinkes')
    states = {r['id']: r['state'] for r in dinkes.call(
            'model.egov.request.read', [site.received, site.draft],
            ['state'])}
    assert states == {site.received: 'received', site.draft: 'draft'}


def test_refused_buttons_tell_nothing_about_the_request(site):
    dishub = site.as_('kabid.dishub')
    for button, request in BUTTON_CLICKS:
        message = access_refused(dishub.call,
            f'model.egov.request.{button}', [getattr(site, request)])
        assert 'changed nothing' not in message, message
        assert_hidden(message, site)


def test_own_opd_reads_exports_and_prints(site):
    for login in ['kadis.dinkes', 'staf.dinkes']:
        dinkes = site.as_(login)
        assert site.received in dinkes.call(
            'model.egov.request.search', [], 0, None, None)
        record, = dinkes.call(
            'model.egov.request.read', [site.received], ['title', 'state'])
        assert record['title'] == SECRET_TITLE
        assert record['state'] == 'received'
        rows = dinkes.call('model.egov.request.export_data',
            [site.received], ['title', 'state'], True)
        assert rows[0] == ['Application Title', 'State']
        assert rows[1][0] == SECRET_TITLE
    ext, content, _, name = site.as_('kadis.dinkes').call(
        'report.egov.request.summary.execute', [site.received], {})
    assert content


# --- JSON-RPC: fields only the workflow sets -----------------------------------

def _protected_values(site, client):
    opds = client.call('model.egov.opd.search',
        [('code', '=', 'dishub')], 0, None, None)
    return [
        {'state': 'done'},
        {'state': 'completeness'},
        {'opd': opds[0]},
        {'history': [('create', [{
                            'state': 'done', 'started': None,
                            }])]},
        {'history': [('delete', client.call(
                        'model.egov.request.history.search',
                        [('request', '=', site.received)], 0, None, None))]},
        {'number': 'PA/9999/0001'},
        # Another submitter (the same one sent back is no change).
        {'submitter': 1 if client.user_id != 1 else 2},
        ]


def _snapshot(client, request_id):
    record, = client.call('model.egov.request.read', [request_id],
        ['state', 'opd', 'number', 'submitter', 'history'])
    return record


@pytest.mark.parametrize('login, request_key', [
        ('kadis.dinkes', 'draft'),
        ('kadis.dinkes', 'received'),
        ('tatakelola', 'received'),
        ])
def test_workflow_fields_refuse_direct_writes(site, login, request_key):
    client = site.as_(login)
    request_id = getattr(site, request_key)
    before = _snapshot(client, request_id)
    for values in _protected_values(site, client):
        refused(client.call, 'model.egov.request.write',
            [request_id], values)
    assert _snapshot(client, request_id) == before


def test_history_cannot_be_written_through_its_own_model(site):
    for login in ['kadis.dinkes', 'tatakelola']:
        client = site.as_(login)
        history = client.call('model.egov.request.history.search',
            [('request', '=', site.received)], 0, None, None)
        assert history
        refused(client.call, 'model.egov.request.history.write',
            history, {'outcome': 'rejected'})
        refused(client.call, 'model.egov.request.history.delete', history)
        refused(client.call, 'model.egov.request.history.create', [{
                    'request': site.received, 'state': 'done',
                    'started': None}])


def test_opd_cannot_create_a_request_past_draft(site):
    dinkes = site.as_('kadis.dinkes')
    refused(dinkes.call, 'model.egov.request.create', [{
                'title': "Lompat Langkah", 'kind': 'new',
                'state': 'signing'}])
    dishub_opd, = dinkes.call('model.egov.opd.search',
        [('code', '=', 'dishub')], 0, None, None)
    # Not in the name of another OPD either.
    refused(dinkes.call, 'model.egov.request.create', [{
                'title': "Atas Nama Lain", 'kind': 'new',
                'opd': dishub_opd}])


# --- The REST API -------------------------------------------------------------

def http(site, method, path, key=None, data=None):
    "(status, body) of an HTTP request to the server"
    url = site.url.rstrip('/') + '/' + site.name + path
    body = json.dumps(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, method=method)
    if body is not None:
        request.add_header('Content-Type', 'application/json')
    if key:
        request.add_header('Authorization', f'Bearer {key}')
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def rest_key(site, login):
    """A REST application key, obtained as a user does: the application
    asks for one, the user validates it in their preferences."""
    status, body = http(site, 'POST', '/user/application/',
        data={'user': login, 'application': 'rest'})
    assert status == 200, body
    key = json.loads(body)
    client = site.as_(login)
    applications = client.call('model.res.user.application.search',
        [('key', '=', key)], 0, None, None)
    assert len(applications) == 1
    client.call('model.res.user.application.validate_', applications)
    return key


@pytest.fixture(scope='module')
def rest_keys(site):
    return {login: rest_key(site, login)
        for login in ['kabid.dishub', 'kadis.dinkes']}


def test_rest_needs_a_key(site):
    status, _ = http(site, 'GET', f'/rest/model/egov.request/{site.received}')
    assert status == 401
    status, _ = http(site, 'GET', f'/rest/model/egov.request/{site.received}',
        key='0' * 128)
    assert status == 401


def test_rest_own_opd_reads(site, rest_keys):
    key = rest_keys['kadis.dinkes']
    status, body = http(site, 'GET',
        f'/rest/model/egov.request/{site.received}?f=title&f=state', key=key)
    assert status == 200, body
    record = json.loads(body)
    assert record['title'] == SECRET_TITLE
    assert record['state'] == 'received'
    status, body = http(site, 'GET', '/rest/model/egov.request?f=title',
        key=key)
    assert status == 200, body
    assert site.received in {r['id'] for r in json.loads(body)}
    # The routes the other OPD is refused below exist: the owner gets past
    # the record lookup (an unchanged title is saved; registering is not
    # the OPD's step: refused with a reason, not 404).
    status, body = http(site, 'PUT', f'/rest/model/egov.request/{site.draft}',
        key=key, data={'title': "Aplikasi Draf 1"})
    assert status == 200, body
    status, body = http(site, 'POST',
        f'/rest/model/egov.request/{site.received}/register', key=key,
        data={})
    assert status in {400, 403} and b'not allowed' in body, (status, body)


def test_rest_other_opd_cannot_reach_the_request(site, rest_keys):
    key = rest_keys['kabid.dishub']
    base = f'/rest/model/egov.request/{site.received}'
    responses = {}
    responses['get'] = http(site, 'GET', base + '?f=title&f=state', key=key)
    assert responses['get'][0] == 404

    status, body = http(site, 'GET', '/rest/model/egov.request?f=title',
        key=key)
    assert status == 200, body
    assert site.received not in {r['id'] for r in json.loads(body)}
    domain = base64.urlsafe_b64encode(
        json.dumps([['id', '=', site.received]]).encode()).decode()
    status, body = http(site, 'GET',
        f'/rest/model/egov.request?d={urllib.parse.quote(domain)}', key=key)
    assert status == 200 and json.loads(body) == [], body

    responses['history'] = http(site, 'GET',
        '/rest/model/egov.request.history?f=state&f=request', key=key)
    assert responses['history'][0] == 200
    assert site.received not in {
        r['request'] for r in json.loads(responses['history'][1])}

    responses['report'] = http(site, 'GET',
        f'/rest/report/egov.request.summary/{site.received}', key=key)
    assert responses['report'][0] in {400, 403, 404}
    responses['put'] = http(site, 'PUT', base, key=key,
        data={'title': "Diubah Dishub"})
    assert responses['put'][0] == 404
    responses['register'] = http(site, 'POST', base + '/register', key=key,
        data={})
    assert responses['register'][0] in {403, 404}
    responses['delete'] = http(site, 'DELETE',
        f'/rest/model/egov.request/{site.draft}', key=key)
    assert responses['delete'][0] == 404
    for name, (status, body) in responses.items():
        assert SECRET_TITLE.encode() not in body, (name, body)

    # Nothing changed.
    record, = site.as_('kadis.dinkes').call('model.egov.request.read',
        [site.received, site.draft][:1], ['title', 'state'])
    assert record == {'id': site.received, 'title': SECRET_TITLE,
        'state': 'received'}
    assert site.as_('kadis.dinkes').call('model.egov.request.search',
        [('id', '=', site.draft)], 0, None, None) == [site.draft]
