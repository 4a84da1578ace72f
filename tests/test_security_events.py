"""Over real HTTP: refusals are in the security log, a wrong id
answers 404, and an unexpected failure tells the client nothing of the
server's internals.

A real server started the production way (tests/dbbuild.py: gunicorn, one
site file, the shipped logging configuration) whose logs are read back:
the security log (logger egov_app_request.security) in its own file, the
service's log for what the client must not see."""
import json
import re
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dbbuild import new_database  # noqa: E402
from server import RPCError  # noqa: E402
from test_portal_http import Visitor  # noqa: E402

from egov_app_request.errors import GENERIC_MESSAGE  # noqa: E402
from egov_app_request.tests.tools import DEMO_PASSWORD  # noqa: E402

HUGE = '10000000000000000000000000'
# What an answer must never show: the database's and Python's own words.
INTERNALS = re.compile(
    r'sqlite|psycopg|postgres|SQL|Traceback|OverflowError|TypeError|'
    r'too large|out of range|not iterable|File "', re.IGNORECASE)


@pytest.fixture(scope='module')
def site():
    database = new_database('egov_security')
    try:
        database.start()
        database.base = database.url.rstrip('/') + '/' + database.name
        database.received = database.data['received'][0]
        database.draft = database.data['draft'][0]
        yield database
    finally:
        database.destroy()


def events(site, event, **fields):
    "The security log lines of `event` whose fields have these values"
    found = []
    for line in site.security_log_text().splitlines():
        if f'event={event} ' not in line:
            continue
        if all(re.search(rf'\b{key}={re.escape(str(value))}(\s|$)', line)
                for key, value in fields.items()):
            found.append(line)
    return found


def all_logs(site):
    "The service's log and the security log"
    return site.server_log() + site.security_log_text()


def wait_for(site, event, **fields):
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        lines = events(site, event, **fields)
        if lines:
            return lines
        time.sleep(0.1)
    raise AssertionError(
        f'no {event} {fields} in the log:\n'
        + site.security_log_text()[-3000:])


def rpc_error(call, *args):
    with pytest.raises(RPCError) as info:
        call(*args)
    return info.value.args


# --- 404 for a wrong id -------------------------------------------------------

@pytest.mark.parametrize('request_id', [
        HUGE, '2147483648', '99999999999', '0', '-1', '00', '1e3'])
def test_wrong_request_id_answers_404(site, request_id):
    visitor = Visitor(site).login('kadis.dinkes')
    token = visitor.token('/portal/requests')
    for method, path in [
            ('GET', f'/portal/request/{request_id}'),
            ('GET', f'/portal/request/{request_id}/edit'),
            ('GET', f'/portal/request/{request_id}/document/1'),
            ('GET', f'/portal/request/{request_id}/letter/1'),
            ('GET', f'/portal/request/{site.received}/document/{request_id}'),
            ('GET', f'/portal/request/{site.received}/letter/{request_id}'),
            ('POST', f'/portal/request/{request_id}/resubmit'),
            ('POST', f'/portal/request/{request_id}/upload'),
            ]:
        if method == 'GET':
            response = visitor.get(path)
        else:
            response = visitor.post(path, {'csrf_token': token})
        assert response.status == 404, (method, path, response.status,
            response.text[:500])
        assert not INTERNALS.search(response.text), response.text


def test_portal_404_page_is_the_portal_s(site):
    visitor = Visitor(site).login('kadis.dinkes')
    response = visitor.get(f'/portal/request/{HUGE}')
    assert response.status == 404
    assert 'Tidak ditemukan' in response.text
    assert '<html lang="id">' in response.text


def test_wrong_ids_in_forms_and_filters(site):
    # An out-of-range document type in an upload: the form's own refusal.
    visitor = Visitor(site).login('kadis.dinkes')
    token = visitor.token(f'/portal/request/{site.draft}')
    response = visitor.post(f'/portal/request/{site.draft}/upload',
        {'csrf_token': token, 'type': HUGE})
    assert response.status == 422, (response.status, response.text[:300])
    assert 'Pilih jenis dokumen' in response.text
    # The board's filters: a wrong id filters nothing.
    staff = Visitor(site).login('kabid.egov')
    for query in [f'opd={HUGE}', f'kategori={HUGE}', 'opd=%C2%B2',
            'kategori=-1']:
        response = staff.get(f'/board?{query}')
        assert response.status == 200, (query, response.status)
        assert not INTERNALS.search(response.text)


# --- Generic errors over JSON-RPC ---------------------------------------------

def test_rpc_unexpected_errors_are_generic(site):
    admin = site.client('admin')
    message, details = rpc_error(
        admin.call, 'model.egov.request.read', [1], 42)
    assert message == GENERIC_MESSAGE, message
    assert not details, details
    # The server's log keeps what failed.
    assert 'not iterable' in all_logs(site)
    # What the database driver refuses (SQLite: an integer beyond 64 bits;
    # PostgreSQL: a NUL in a text) fails generically, or not at all.
    for domain in [[('id', '=', int(HUGE))], [('title', '=', 'a\x00b')]]:
        try:
            result = admin.call('model.egov.request.search', domain, 0,
                None, None)
        except RPCError as error:
            message, details = error.args
            assert message == GENERIC_MESSAGE, (domain, message)
            assert not details, details
        else:
            assert result == [], result


def test_rpc_user_errors_keep_their_message(site):
    tatakelola = site.client('tatakelola')
    error_type, details = rpc_error(tatakelola.call,
        'model.egov.request.approve_feasibility', [site.received])
    assert error_type == 'UserError'
    assert 'not at step' in details[0], details


# --- The security log ---------------------------------------------------------

def test_rpc_access_refused_is_logged(site):
    dishub = site.client('kabid.dishub')
    error_type, details = rpc_error(dishub.call,
        'model.egov.request.read', [site.draft], ['title'])
    assert error_type == 'UserError'
    line = wait_for(site, 'access_refused', user='kabid.dishub',
        ip='127.0.0.1', model='egov.request', id=site.draft)[-1]
    assert re.search(r'time=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ', line), line
    assert 'read' in line and 'AccessError' in line
    assert DEMO_PASSWORD not in all_logs(site)
    assert dishub.session not in all_logs(site)


def test_rpc_refused_transitions_are_logged(site):
    # A step 5 button on a request at step 1: not at that step.
    tatakelola = site.client('tatakelola')
    rpc_error(tatakelola.call,
        'model.egov.request.approve_feasibility', [site.received])
    line = wait_for(site, 'transition_refused', user='tatakelola',
        model='egov.request', id=site.received)[-1]
    assert 'approve_feasibility' in line and 'WrongStepError' in line
    # The right step, the wrong role.
    sarpras = site.client('kabid.sarpras')
    rpc_error(sarpras.call, 'model.egov.request.register', [site.received])
    line = wait_for(site, 'transition_refused', user='kabid.sarpras',
        model='egov.request', id=site.received)[-1]
    # The platform's check of the button's groups (AccessButtonError) or
    # the step's (NotResponsibleError), whichever comes first.
    assert 'register' in line and re.search(
        r'AccessButtonError|NotResponsibleError', line), line
    # Another OPD's draft: refused, and logged as a refused transition.
    dishub = site.client('kabid.dishub')
    rpc_error(dishub.call, 'model.egov.request.submit', [site.draft])
    wait_for(site, 'transition_refused', user='kabid.dishub',
        model='egov.request', id=site.draft)
    assert DEMO_PASSWORD not in all_logs(site)
    for client in [tatakelola, sarpras, dishub]:
        assert client.session not in all_logs(site)


def test_portal_refusals_are_logged(site):
    dishub = Visitor(site).login('kabid.dishub')
    response = dishub.get(f'/portal/request/{site.draft}')
    assert response.status == 404
    wait_for(site, 'access_refused', user='kabid.dishub', ip='127.0.0.1',
        model='egov.request', id=site.draft)
    # An OPD user on the managers' board.
    response = dishub.get('/board')
    assert response.status == 403
    wait_for(site, 'access_refused', user='kabid.dishub',
        detail='"portal: Papan pemantauan hanya untuk pimpinan dan tim '
        'Diskominfo."')
    # The staff of an OPD may prepare but not submit: a refused transition.
    staff = Visitor(site).login('staf.dinkes')
    token = staff.token('/portal/new')
    response = staff.post('/portal/new', {'csrf_token': token,
            'title': "Aplikasi Tanpa Wewenang", 'kind': 'new',
            'action': 'submit'})
    assert response.status == 403, response.status
    wait_for(site, 'transition_refused', user='staf.dinkes',
        model='egov.request')
    cookie = dishub.cookie.value.partition(':')[2]
    log = all_logs(site)
    assert cookie not in log and token not in log
    assert DEMO_PASSWORD not in log


def test_log_lines_are_one_per_event(site):
    "Every security line is key=value pairs, in order, on one line"
    lines = site.security_log_text().splitlines()
    assert lines
    for line in lines:
        fields = line.split(' ', 1)[1]  # after the level
        keys = re.findall(r'(?:^| )(\w+)=', fields)
        assert keys[:7] == ['event', 'time', 'user', 'ip', 'model', 'id',
            'detail'], line
    json.dumps(lines)
