"""The OPD portal and the managers' board over real HTTP.

A real trytond on a database of its own (tests/dbbuild.py: the users of the
SOP roles, six submitted requests and a draft of Dinas Kesehatan), spoken
to as a browser without JavaScript does: forms, cookies, redirects. What a
refused request changed is checked through JSON-RPC as the administrator."""
import http.cookiejar
import re
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dbbuild import new_database  # noqa: E402
from server import relax_throttle  # noqa: E402

from egov_app_request.tests.tools import DEMO_PASSWORD, PDF  # noqa: E402

SECRET_TITLE = "Aplikasi Uji Serentak 1"
EXE = b'MZ\x90\x00\x03\x00\x00\x00' + b'\x00' * 200


@pytest.fixture(scope='module')
def site():
    database = new_database('egov_portal')
    try:
        database.start()
        database.base = database.url.rstrip('/') + '/' + database.name
        database.admin = database.client('admin')
        # Not about throttling: drafts and uploads in quick succession.
        relax_throttle(database.admin)
        database.received = database.data['received'][0]
        database.draft = database.data['draft'][0]
        yield database
    finally:
        database.destroy()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Visitor:
    "A browser without JavaScript: cookies, forms, no redirect followed"

    def __init__(self, site):
        self.site = site
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect())

    def open(self, path, data=None, headers=None):
        url = self.site.base + path
        request = urllib.request.Request(url, data=data,
            headers=headers or {})
        try:
            response = self.opener.open(request, timeout=60)
        except urllib.error.HTTPError as error:
            response = error
        body = response.read()
        response.text = body.decode('utf-8', 'replace')
        response.body = body
        return response

    def get(self, path):
        return self.open(path)

    def post(self, path, fields, files=None):
        if files is None:
            data = urllib.parse.urlencode(fields).encode()
            headers = {'Content-Type': 'application/x-www-form-urlencoded'}
        else:
            data, content_type = multipart(fields, files)
            headers = {'Content-Type': content_type}
        return self.open(path, data=data, headers=headers)

    def token(self, path):
        "The CSRF token of the form on `path`"
        page = self.get(path)
        found = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page.text)
        assert found, (path, page.status, page.text[:500])
        return found.group(1)

    def login(self, login, password=DEMO_PASSWORD):
        token = self.token('/portal/login')
        response = self.post('/portal/login', {
                'csrf_token': token, 'login': login, 'password': password})
        assert response.status == 303, (response.status, response.text)
        return self

    @property
    def cookie(self):
        return {c.name: c for c in self.jar}.get('egov_portal')


def multipart(fields, files):
    boundary = uuid.uuid4().hex
    lines = []
    for name, value in fields.items():
        lines += [f'--{boundary}'.encode(),
            f'Content-Disposition: form-data; name="{name}"'.encode(), b'',
            str(value).encode()]
    for name, (filename, content) in files.items():
        lines += [f'--{boundary}'.encode(),
            (f'Content-Disposition: form-data; name="{name}"; '
                f'filename="{filename}"').encode(),
            b'Content-Type: application/octet-stream', b'', content]
    lines += [f'--{boundary}--'.encode(), b'']
    return b'\r\n'.join(lines), f'multipart/form-data; boundary={boundary}'


def documents_of(site, request_id):
    read, = site.admin.call('model.egov.request.read', [request_id],
        ['documents', 'state'])
    return read['documents'], read['state']


def request_count(site):
    return site.admin.call('model.egov.request.search_count', [])


# --- Anonymous ---------------------------------------------------------------

def test_anonymous_is_sent_to_login(site):
    visitor = Visitor(site)
    for path in ['/portal/', '/portal/requests', '/portal/new',
            f'/portal/request/{site.received}',
            f'/portal/request/{site.draft}/edit',
            f'/portal/request/{site.received}/document/1', '/board']:
        response = visitor.get(path)
        assert response.status == 303, (path, response.status)
        location = response.headers['Location']
        assert '/portal/login' in location, (path, location)
        assert SECRET_TITLE not in response.text
    # A POST without a session is refused before its body is read.
    before = documents_of(site, site.draft)
    for path in [f'/portal/request/{site.draft}/upload',
            f'/portal/request/{site.received}/resubmit', '/portal/new']:
        response = visitor.post(path, {'csrf_token': 'x'})
        assert response.status == 401, (path, response.status)
    assert documents_of(site, site.draft) == before


def test_login_page_and_cookie(site):
    visitor = Visitor(site)
    page = visitor.get('/portal/login')
    assert page.status == 200
    assert '<html lang="id">' in page.text
    assert 'Masuk' in page.text and 'Lupa kata sandi' in page.text
    assert 'for="login"' in page.text and 'for="password"' in page.text

    token = visitor.token('/portal/login')
    wrong = visitor.post('/portal/login', {'csrf_token': token,
            'login': 'kadis.dinkes', 'password': 'salah-sekali-123'})
    assert wrong.status == 401
    assert 'salah' in wrong.text
    assert visitor.cookie is None

    visitor.login('kadis.dinkes')
    cookie = visitor.cookie
    assert cookie is not None
    assert cookie.has_nonstandard_attr('HttpOnly')
    assert cookie.path == f'/{site.name}/'
    assert not cookie.secure  # plain http; Secure over https
    raw = [h for h in visitor.opener.open(urllib.request.Request(
                site.base + '/portal/login')).headers.get_all(
                'Set-Cookie') or []]
    assert all('SameSite=Lax' in h for h in raw), raw
    assert visitor.get('/portal/requests').status == 200


def test_login_without_csrf_token_is_refused(site):
    visitor = Visitor(site)
    visitor.get('/portal/login')
    response = visitor.post('/portal/login', {
            'login': 'kadis.dinkes', 'password': DEMO_PASSWORD})
    assert response.status == 403
    assert visitor.cookie is None


def test_logout_ends_the_tryton_session(site):
    visitor = Visitor(site).login('kadis.dinkes')
    value = visitor.cookie.value
    token = visitor.token('/portal/requests')
    # Without the token: refused, still logged in.
    assert visitor.post('/portal/logout', {}).status == 403
    assert visitor.get('/portal/requests').status == 200
    response = visitor.post('/portal/logout', {'csrf_token': token})
    assert response.status == 303
    assert visitor.cookie is None
    # The old cookie no longer opens anything: the ir.session is gone.
    thief = Visitor(site)
    response = thief.open('/portal/requests',
        headers={'Cookie': f'egov_portal={value}'})
    assert response.status == 303


# --- CSRF --------------------------------------------------------------------

def test_csrf_refused(site):
    visitor = Visitor(site).login('kadis.dinkes')
    count = request_count(site)
    before = documents_of(site, site.draft)
    fields = {'title': "Aplikasi Tanpa Token", 'kind': 'new',
        'action': 'draft'}
    for token in [None, '', 'f' * 64]:
        data = dict(fields)
        if token is not None:
            data['csrf_token'] = token
        response = visitor.post('/portal/new', data)
        assert response.status == 403, response.status
        response = visitor.post(f'/portal/request/{site.draft}/upload',
            dict(data, type='1'), files={'file': ('surat.pdf', PDF)})
        assert response.status == 403, response.status
    # Another session's token does not fit this session.
    other = Visitor(site).login('kadis.dinkes')
    response = visitor.post('/portal/new', dict(
            fields, csrf_token=other.token('/portal/requests')))
    assert response.status == 403
    assert request_count(site) == count
    assert documents_of(site, site.draft) == before


# --- Another OPD -------------------------------------------------------------

def test_other_opd_cannot_see_download_or_act(site):
    dishub = Visitor(site).login('kabid.dishub')
    listing = dishub.get('/portal/requests')
    assert listing.status == 200
    assert SECRET_TITLE not in listing.text
    search = dishub.get('/portal/requests?cari=Serentak')
    assert SECRET_TITLE not in search.text

    documents, _ = documents_of(site, site.received)
    draft_documents, draft_state = documents_of(site, site.draft)
    token = dishub.token('/portal/requests')
    for request_id in [site.received, site.draft]:
        for path in [f'/portal/request/{request_id}',
                f'/portal/request/{request_id}/edit']:
            response = dishub.get(path)
            assert response.status == 404, (path, response.status)
            assert SECRET_TITLE not in response.text
    for document_id in documents + draft_documents:
        for request_id in [site.received, site.draft]:
            response = dishub.get(
                f'/portal/request/{request_id}/document/{document_id}')
            assert response.status == 404
            assert not response.body.startswith(b'%PDF')
    for letter_id in range(1, 6):  # the OPD's letters, when issued
        response = dishub.get(
            f'/portal/request/{site.received}/letter/{letter_id}')
        assert response.status == 404
        assert not response.body.startswith(b'%PDF')
    # Acting: upload, resubmit, edit/submit the draft.
    response = dishub.post(f'/portal/request/{site.draft}/upload',
        {'csrf_token': token, 'type': '1'},
        files={'file': ('surat.pdf', PDF)})
    assert response.status == 404
    response = dishub.post(f'/portal/request/{site.received}/resubmit',
        {'csrf_token': token})
    assert response.status == 404
    response = dishub.post(f'/portal/request/{site.draft}/edit', {
            'csrf_token': token, 'title': "Diambil alih", 'kind': 'new',
            'action': 'submit'})
    assert response.status == 404
    assert documents_of(site, site.draft) == (draft_documents, draft_state)
    title = site.admin.call('model.egov.request.read', [site.draft],
        ['title'])[0]['title']
    assert title != "Diambil alih"

    # The owner does see and download them.
    dinkes = Visitor(site).login('kadis.dinkes')
    page = dinkes.get(f'/portal/request/{site.received}')
    assert page.status == 200 and SECRET_TITLE in page.text
    download = dinkes.get(
        f'/portal/request/{site.received}/document/{documents[0]}')
    assert download.status == 200 and download.body.startswith(b'%PDF')
    assert 'attachment' in download.headers['Content-Disposition']
    # A document id of another request under this request's URL: no.
    response = dinkes.get(
        f'/portal/request/{site.draft}/document/{documents[0]}')
    assert response.status == 404


# --- Uploads -----------------------------------------------------------------

def test_refused_uploads_change_nothing(site):
    site.admin.call('model.egov.configuration.write', [1],
        {'max_upload_size': 1})
    try:
        dinkes = Visitor(site).login('kadis.dinkes')
        token = dinkes.token(f'/portal/request/{site.draft}')
        before = documents_of(site, site.draft)
        oversize = PDF + b'0' * (1024 * 1024)
        for filename, content in [
                ('surat.pdf', EXE),  # a program disguised by its name
                ('surat.docx', PDF),  # a PDF named as a Word file
                ('surat.exe', EXE),
                ('besar.pdf', oversize),  # over the 1 MB limit
                ('kosong.pdf', b''),
                ]:
            response = dinkes.post(f'/portal/request/{site.draft}/upload',
                {'csrf_token': token, 'type': '1'},
                files={'file': (filename, content)})
            assert response.status == 422, (filename, response.status)
            assert 'msg error' in response.text
            assert filename in response.text
            assert documents_of(site, site.draft) == before, filename
        # A good file goes in.
        response = dinkes.post(f'/portal/request/{site.draft}/upload',
            {'csrf_token': token, 'type': '1'},
            files={'file': ('surat.pdf', PDF)})
        assert response.status == 303, response.text
        after, _ = documents_of(site, site.draft)
        assert len(after) == len(before[0]) + 1
        # A refused file in the new-request form saves no request either.
        count = request_count(site)
        response = dinkes.post('/portal/new', {
                'csrf_token': token, 'kind': 'new', 'title': "Aplikasi X",
                'action': 'draft'}, files={'doc_1': ('surat.pdf', EXE)})
        assert response.status == 422
        assert request_count(site) == count
    finally:
        site.admin.call('model.egov.configuration.write', [1],
            {'max_upload_size': 10})


def test_staff_may_not_submit_but_saves_a_draft(site):
    "Eligibility is checked before anything is saved"
    staff = Visitor(site).login('staf.dinkes')
    token = staff.token('/portal/new')
    count = request_count(site)
    fields = {'csrf_token': token, 'kind': 'new',
        'title': "Aplikasi Staf", 'business_process_policy': 'x',
        'legal_basis': 'x', 'user_requirements': 'x', 'app_inputs': 'x',
        'app_outputs': 'x'}
    response = staff.post('/portal/new', dict(fields, action='submit'))
    assert response.status == 403
    assert 'msg error' in response.text
    assert request_count(site) == count
    response = staff.post('/portal/new', dict(fields, action='draft'))
    assert response.status == 303
    assert request_count(site) == count + 1


# --- Board -------------------------------------------------------------------

def test_board_for_staff_only(site):
    dinkes = Visitor(site).login('kadis.dinkes')
    response = dinkes.get('/board')
    assert response.status == 403
    assert SECRET_TITLE not in response.text

    staff = Visitor(site).login('tatakelola')
    # A staff user in the portal is sent to the board.
    assert staff.get('/portal/requests').status == 303
    board = staff.get('/board')
    assert board.status == 200
    assert 'Papan Pemantauan' in board.text
    assert SECRET_TITLE in board.text
    assert f'/#{site.name}/model/egov.request/{site.received}' in board.text
    filtered = staff.get('/board?opd=999999&periode=month')
    assert filtered.status == 200
    assert SECRET_TITLE not in filtered.text


def test_password_reset_uses_trytons_reset(site):
    visitor = Visitor(site)
    token = visitor.token('/portal/reset')
    # Without the form's token: refused.
    assert visitor.post('/portal/reset', {'login': 'camat.cipondoh'}
        ).status == 403
    for login in ['camat.cipondoh', 'tidak.ada']:
        response = visitor.post('/portal/reset', {
                'csrf_token': token, 'login': login})
        # The same answer whether the account exists or not.
        assert response.status == 303
        assert response.headers['Location'].endswith(
            '/portal/login?pesan=reset')
    user, = site.admin.call('model.res.user.search_read',
        [('login', '=', 'camat.cipondoh')], 0, None, None,
        ['password_reset_expire'])
    assert user['password_reset_expire'], user
    # The usual password still works until it is changed.
    Visitor(site).login('camat.cipondoh')


def test_draft_finished_and_submitted(site):
    dinkes = Visitor(site).login('kadis.dinkes')
    page = dinkes.get(f'/portal/request/{site.draft}/edit')
    assert page.status == 200
    assert 'Simpan draf' in page.text and 'Ajukan' in page.text
    token = dinkes.token(f'/portal/request/{site.draft}/edit')
    fields = {'csrf_token': token, 'kind': 'new', 'title': "Aplikasi Draf 1",
        'business_process_policy': "Perwal layanan.",
        'legal_basis': "Perpres 95/2018.", 'user_requirements': "Petugas.",
        'app_inputs': "Formulir.", 'app_outputs': ""}
    # An input missing: refused with the module's message, nothing moved.
    response = dinkes.post(f'/portal/request/{site.draft}/edit',
        dict(fields, action='submit'))
    assert response.status == 422
    _, state = documents_of(site, site.draft)
    assert state == 'draft'
    # A request letter date that is not a date: refused, nothing moved.
    response = dinkes.post(f'/portal/request/{site.draft}/edit',
        dict(fields, app_outputs="Laporan bulanan.", action='submit',
            letter_number="000.7/77/Dinkes/2026", letter_date="20/11/2026"))
    assert response.status == 422
    assert 'Tanggal surat permohonan tidak valid' in response.text
    _, state = documents_of(site, site.draft)
    assert state == 'draft'
    response = dinkes.post(f'/portal/request/{site.draft}/edit',
        dict(fields, app_outputs="Laporan bulanan.", action='submit',
            letter_number="000.7/77/Dinkes/2026", letter_date="2026-11-20"))
    assert response.status == 303, response.text
    _, state = documents_of(site, site.draft)
    assert state == 'received'
    # The OPD's own letter number and date are kept for the receipt and
    # the disposition sheet.
    record, = site.admin.call('model.egov.request.read', [site.draft],
        ['letter_number', 'letter_date'])
    assert record['letter_number'] == "000.7/77/Dinkes/2026"
    assert record['letter_date']['day'] == 20
    # A submitted request is no longer edited.
    response = dinkes.get(f'/portal/request/{site.draft}/edit')
    assert response.status == 303


def test_letters_for_the_opd_only(site):
    "The documents Diskominfo issues for the OPD, and only those"
    try:
        site.admin.call('model.egov.request.letter.search_count', [])
    except Exception:
        pytest.skip("no letter model (egov.request.letter) installed")
    request_id = site.data['received'][1]
    tatakelola = site.client('tatakelola')
    tatakelola.call('model.egov.request.register', [request_id])
    # Step 2: every item of the checklist found present.
    record, = tatakelola.call('model.egov.request.read', [request_id],
        ['checklist'])
    tatakelola.call('model.egov.request.checklist.write',
        record['checklist'], {'result': 'present'})
    tatakelola.call('model.egov.request.mark_complete', [request_id])
    site.client('kabid.egov').call('model.egov.request.forward',
        [request_id])
    letters = site.admin.call('model.egov.request.letter.search_read',
        [('request', '=', request_id)], 0, None, None,
        ['kind', 'for_opd'])
    for_opd = [l['id'] for l in letters if l['for_opd']]
    internal = [l['id'] for l in letters if not l['for_opd']]
    assert for_opd and internal, letters

    dinkes = Visitor(site).login('kadis.dinkes')
    page = dinkes.get(f'/portal/request/{request_id}')
    assert 'Dokumen dari Diskominfo' in page.text
    for letter_id in for_opd:
        assert f'/letter/{letter_id}"' in page.text
        download = dinkes.get(
            f'/portal/request/{request_id}/letter/{letter_id}')
        assert download.status == 200
        assert download.body.startswith(b'%PDF')
    for letter_id in internal:
        assert f'/letter/{letter_id}"' not in page.text
        response = dinkes.get(
            f'/portal/request/{request_id}/letter/{letter_id}')
        assert response.status == 404
    dishub = Visitor(site).login('kabid.dishub')
    for letter_id in for_opd + internal:
        response = dishub.get(
            f'/portal/request/{request_id}/letter/{letter_id}')
        assert response.status == 404
        assert not response.body.startswith(b'%PDF')


# --- What each user is offered, corrections, resubmission --------------------

def test_refused_units_and_positions_are_not_offered_what_they_cannot_do(
        site):
    "UPT and Kelurahan go through their parent; staff prepare drafts"
    for login, parent in [('kepala.upt', "Dinas Kesehatan"),
            ('lurah.cikokol', "Kecamatan Tangerang")]:
        visitor = Visitor(site).login(login)
        page = visitor.get('/portal/requests')
        assert page.status == 200
        assert '/portal/new"' not in page.text, login
        assert 'Ajukan Baru' not in page.text, login
        assert 'id="cara-mengajukan"' in page.text
        assert parent in page.text, (login, parent)
        # The server refuses all the same.
        assert visitor.get('/portal/new').status == 403
    staff = Visitor(site).login('staf.dinkes')
    page = staff.get('/portal/requests')
    assert 'Siapkan Draf' in page.text and 'Ajukan Baru' not in page.text
    form = staff.get('/portal/new')
    assert form.status == 200
    assert 'value="draft"' in form.text
    assert 'value="submit"' not in form.text
    head = Visitor(site).login('kadis.dinkes')
    page = head.get('/portal/requests')
    assert 'Ajukan Baru' in page.text and 'id="cara-mengajukan"' not in page.text
    assert 'value="submit"' in head.get('/portal/new').text


def test_refused_form_names_the_files_to_choose_again(site):
    "Without JavaScript the browser forgets the files: the page says which"
    dinkes = Visitor(site).login('kadis.dinkes')
    token = dinkes.token('/portal/new')
    count = request_count(site)
    response = dinkes.post('/portal/new', {'csrf_token': token,
            'kind': 'new', 'title': "Aplikasi Berkas Hilang",
            'action': 'submit'},
        files={'doc_1': ('surat-permohonan.pdf', PDF)})
    assert response.status == 422
    assert 'data-files-lost' in response.text
    assert 'surat-permohonan.pdf' in response.text
    assert "Aplikasi Berkas Hilang" in response.text  # the answers stay
    assert request_count(site) == count


def _return_incomplete(site, request_id):
    "Steps 1-2 by the team lead: one item missing, the request goes back"
    tatakelola = site.client('tatakelola')
    state = site.admin.call('model.egov.request.read', [request_id],
        ['state'])[0]['state']
    if state == 'received':
        tatakelola.call('model.egov.request.register', [request_id])
    record, = tatakelola.call('model.egov.request.read', [request_id],
        ['checklist'])
    lines = tatakelola.call('model.egov.request.checklist.read',
        record['checklist'], ['item.document_type', 'item.name'])
    missing = next(l for l in lines if l['item.']['document_type'])
    others = [l['id'] for l in lines if l['id'] != missing['id']]
    tatakelola.call('model.egov.request.checklist.write', others,
        {'result': 'present'})
    tatakelola.call('model.egov.request.checklist.write', [missing['id']],
        {'result': 'missing', 'note': "Belum ditandatangani."})
    tatakelola.call('model.egov.request.mark_incomplete', [request_id])
    return missing['item.']['document_type']


def _checklists(site, request_id):
    return site.admin.call('model.egov.request.letter.search_count',
        [('request', '=', request_id), ('kind', '=', 'checklist')])


def test_incomplete_request_corrected_and_resubmission_confirmed(site):
    request_id = site.data['received'][2]
    type_id = _return_incomplete(site, request_id)
    dinkes = Visitor(site).login('kadis.dinkes')
    base = f'/portal/request/{request_id}'
    page = dinkes.get(base)
    assert page.status == 200
    # The missing item's document type is preselected.
    assert re.search(rf'<option value="{type_id}" selected>', page.text), (
        type_id, re.findall(r'<option[^>]*selected[^>]*>', page.text))
    assert 'Perbaiki isian permohonan' in page.text
    token = dinkes.token(base)
    documents, _ = documents_of(site, request_id)
    checklists = _checklists(site, request_id)

    # Nothing changed: asked first, nothing moves.
    response = dinkes.post(f'{base}/resubmit', {'csrf_token': token})
    assert response.status == 409, response.status
    assert 'Ajukan ulang tanpa perubahan?' in response.text
    assert 'name="confirm" value="1"' in response.text
    assert re.search(r'name="csrf_token" value="[0-9a-f]{64}"', response.text)
    assert documents_of(site, request_id) == (documents, 'incomplete')
    # The confirmation carries the form's token like every form.
    response = dinkes.post(f'{base}/resubmit', {'confirm': '1'})
    assert response.status == 403
    assert documents_of(site, request_id) == (documents, 'incomplete')

    # The text answers may be corrected; the documents stay as they are.
    edit = dinkes.get(f'{base}/edit')
    assert edit.status == 200
    assert 'Perbaiki isian' in edit.text and 'value="submit"' not in edit.text
    before, = site.admin.call('model.egov.request.read', [request_id],
        ['title', 'kind', 'legal_basis', 'user_requirements',
            'business_process_policy', 'app_inputs', 'app_outputs',
            'description', 'letter_number'])
    fields = {'csrf_token': token, 'action': 'draft'}
    for name in ['title', 'kind', 'user_requirements',
            'business_process_policy', 'app_inputs', 'app_outputs',
            'description', 'letter_number']:
        fields[name] = before[name] or ''
    # An empty title is refused and changes nothing.
    response = dinkes.post(f'{base}/edit', dict(fields, title='',
            legal_basis="UU 25/2009."))
    assert response.status == 422
    response = dinkes.post(f'{base}/edit', dict(fields,
            legal_basis="UU 25/2009 tentang Pelayanan Publik."))
    assert response.status == 303, response.text
    assert response.headers['Location'].endswith('pesan=diperbarui')
    after, = site.admin.call('model.egov.request.read', [request_id],
        ['legal_basis', 'title', 'documents', 'state'])
    assert after['legal_basis'] == "UU 25/2009 tentang Pelayanan Publik."
    assert after['title'] == before['title']
    assert after['documents'] == documents and after['state'] == 'incomplete'
    locked = site.admin.call('model.egov.request.document.read', documents,
        ['locked'])
    assert all(d['locked'] for d in locked)
    page = dinkes.get(base)
    assert 'isian diperbaiki' in page.text

    # Changed: resubmitted at once.
    response = dinkes.post(f'{base}/resubmit', {'csrf_token': token})
    assert response.status == 303, response.text
    assert documents_of(site, request_id)[1] == 'completeness'

    # Back again, the OPD confirms a resubmission without change.
    _return_incomplete(site, request_id)
    response = dinkes.post(f'{base}/resubmit', {'csrf_token': token})
    assert response.status == 409
    response = dinkes.post(f'{base}/resubmit', {'csrf_token': token,
            'confirm': '1'})
    assert response.status == 303
    assert documents_of(site, request_id)[1] == 'completeness'
    assert _checklists(site, request_id) == checklists + 1

    # The versions of the checklist say which one counts.
    page = dinkes.get(base)
    versions = re.findall(r'<li data-version="(\d+)"( data-current)?>',
        page.text)
    checklist_items = re.findall(
        r'ceklis-kelengkapan[^"]*-v(\d+)\.pdf</a> <span class="badge '
        r'([a-z-_ ]+)">([^<]+)</span><span class="hint">[^<]*diterbitkan '
        r'(\d+ \w+ \d{4}, \d\d\.\d\d\.\d\d WIB)', page.text)
    assert len(checklist_items) == 2, (versions, checklist_items)
    (new, css_new, word_new, _), (old, _, word_old, _) = checklist_items
    assert (new, old) == ('2', '1')
    assert word_new == 'Berlaku' and 'current' in css_new
    assert word_old == 'Tidak berlaku — diganti versi 2'


XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_user_text_is_shown_as_text_never_as_markup(site):
    """What an OPD types (title, inputs) is escaped on the portal's pages
    and on the board; every page carries the browser's protections"""
    dinkes = Visitor(site).login('kadis.dinkes')
    token = dinkes.token('/portal/new')
    response = dinkes.post('/portal/new', {
            'csrf_token': token, 'kind': 'new', 'action': 'draft',
            'title': "Aplikasi " + XSS, 'business_process_policy': XSS,
            'legal_basis': "", 'user_requirements': "", 'app_inputs': "",
            'app_outputs': ""})
    assert response.status == 303, response.text[:2000]
    request_id, = site.admin.call('model.egov.request.search',
        [('title', '=', "Aplikasi " + XSS)])
    pages = [
        dinkes.get('/portal/requests'),
        dinkes.get(f'/portal/request/{request_id}'),
        dinkes.get(f'/portal/request/{request_id}/edit'),
        ]
    for page in pages:
        assert '&lt;script&gt;alert' in page.text, page.url
    # The board (drafts are not on it) has the same protections.
    pages.append(Visitor(site).login('kadis').get('/board'))
    for page in pages:
        assert page.status == 200, (page.url, page.status)
        assert '<script>alert' not in page.text, page.url
        assert '<img src=x' not in page.text, page.url
        assert 'default-src \'self\'' in page.headers[
            'Content-Security-Policy'], page.url
        assert page.headers['X-Frame-Options'] == 'DENY'
        assert page.headers['X-Content-Type-Options'] == 'nosniff'


# --- The OPD's applications (Katalog Aplikasi) --------------------------------

def test_opd_reads_its_own_applications(site):
    """"Aplikasi OPD": the catalog entries of the user's OPD, none of
    another OPD nor the national list; the catalog's text is shown as text
    and only a web address is a link"""
    lead = site.client('tatakelola')
    opd_ids = {code: lead.call('model.egov.opd.search',
            [('code', '=', code)])[0] for code in ['dinkes', 'dishub']}
    created = lead.call('model.egov.application.create', [{
                'name': "e-Puskesmas Uji", 'opd': opd_ids['dinkes'],
                'category': 'public', 'status': 'live',
                'hosting': 'pusat_data',
                'url': 'https://epuskesmas.tangerangkota.go.id',
                'purpose': "Rekam medis <b>puskesmas</b>",
                'users': "Pasien, tenaga kesehatan",
                }, {
                'name': "SIM Gizi Uji", 'opd': opd_ids['dinkes'],
                'category': 'public', 'status': 'planned',
                'hosting': 'pusat_data', 'url': 'javascript:alert(1)',
                }, {
                'name': "e-Parkir Uji", 'opd': opd_ids['dishub'],
                'category': 'public', 'status': 'live',
                'hosting': 'pusat_data',
                }])

    dinkes = Visitor(site).login('kadis.dinkes')
    page = dinkes.get('/portal/applications')
    assert page.status == 200
    assert 'Aplikasi OPD' in page.text
    assert 'href="/' + site.name + '/portal/applications"' in dinkes.get(
        '/portal/requests').text
    assert "e-Puskesmas Uji" in page.text and "SIM Gizi Uji" in page.text
    assert "e-Parkir Uji" not in page.text
    assert "SRIKANDI" not in page.text
    assert 'Beroperasi' in page.text and 'Direncanakan' in page.text
    assert '<a href="https://epuskesmas.tangerangkota.go.id"' in page.text
    assert 'href="javascript:' not in page.text
    assert '&lt;b&gt;puskesmas&lt;/b&gt;' in page.text

    dishub = Visitor(site).login('kabid.dishub')
    page = dishub.get('/portal/applications')
    assert "e-Parkir Uji" in page.text
    assert "e-Puskesmas Uji" not in page.text

    # Staff work in the web client: the portal page sends them to the board.
    staff = Visitor(site).login('tatakelola')
    assert staff.get('/portal/applications').status == 303
    assert Visitor(site).get('/portal/applications').status in {302, 303}

    # A request for development picks one of the OPD's own applications.
    puskesmas, _, parkir = created
    form = dinkes.get('/portal/new').text
    assert f'<option value="{puskesmas}">e-Puskesmas Uji</option>' in form
    assert "e-Parkir Uji" not in form
    fields = {'csrf_token': dinkes.token('/portal/new'),
        'kind': 'development', 'title': "Pengembangan Uji",
        'business_process_policy': 'x', 'legal_basis': 'x',
        'user_requirements': 'x', 'app_inputs': 'x', 'app_outputs': 'x',
        'action': 'draft'}
    count = request_count(site)
    response = dinkes.post('/portal/new',
        dict(fields, developed_application=parkir))
    assert response.status == 422
    assert 'Pilih aplikasi yang dikembangkan dari daftar' in response.text
    assert request_count(site) == count
    response = dinkes.post('/portal/new',
        dict(fields, developed_application=puskesmas))
    assert response.status == 303
    new_id = int(re.search(r'/request/(\d+)', response.headers['Location'])
        .group(1))
    read, = site.admin.call('model.egov.request.read', [new_id],
        ['developed_application'])
    assert read['developed_application'] == puskesmas


# --- The OPD's list, page by page -------------------------------------------

LISTED_TITLE = re.compile(
    r'<td data-label="Judul"><a href="[^"]+">([^<]+)</a></td>')


def _titles(page):
    return LISTED_TITLE.findall(page.text)


def _link(page, rel):
    "The address of the list's link `rel` (prev, next), or None"
    found = re.search(rf'<a class="btn secondary" rel="{rel}" '
        rf'href="([^"]+)">', page.text)
    return found.group(1).replace('&amp;', '&') if found else None


def test_opd_list_is_paged(site):
    """The OPD's list shows 25 requests a page, newest first, with links to
    the pages before and after that keep the filters; a page number that
    is no page shows the first (or the last) page and says so"""
    camat = site.client('camat.cipondoh')
    # 60 drafts of the Kecamatan, made one after the other: the market's
    # and the park's, alternately.
    camat.call('model.egov.request.create', [{'kind': 'new',
                'title': f"Uji Halaman {'Pasar' if i % 2 else 'Taman'} "
                f"{i:02d}"} for i in range(1, 61)])
    visitor = Visitor(site).login('camat.cipondoh')
    newest_first = [f"Uji Halaman {'Pasar' if i % 2 else 'Taman'} {i:02d}"
        for i in range(60, 0, -1)]

    first = visitor.get('/portal/requests')
    assert first.status == 200
    assert _titles(first) == newest_first[:25]
    assert 'Halaman 1 dari 3' in first.text
    assert 'pengajuan 1–25 dari 60' in first.text
    assert _link(first, 'prev') is None
    base = f'/{site.name}/portal/requests'
    assert _link(first, 'next') == f'{base}?halaman=2'
    second = visitor.get(_link(first, 'next')[len(f'/{site.name}'):])
    assert _titles(second) == newest_first[25:50]
    assert 'Halaman 2 dari 3' in second.text
    assert _link(second, 'prev') == base
    last = visitor.get('/portal/requests?halaman=3')
    assert _titles(last) == newest_first[50:]
    assert 'pengajuan 51–60 dari 60' in last.text
    assert _link(last, 'next') is None
    assert 'halaman-tidak-ada' not in first.text + second.text + last.text

    # The filters are kept from page to page.
    parks = [t for t in newest_first if 'Taman' in t]
    page = visitor.get('/portal/requests?status=draft&cari=Taman')
    assert _titles(page) == parks[:25]
    assert 'Halaman 1 dari 2' in page.text
    following = _link(page, 'next')
    assert following == f'{base}?status=draft&cari=Taman&halaman=2'
    page = visitor.get(following[len(f'/{site.name}'):])
    assert _titles(page) == parks[25:]
    assert _link(page, 'prev') == f'{base}?status=draft&cari=Taman'
    # A filter that leaves less than a page: one page, no links.
    page = visitor.get('/portal/requests?status=done&cari=Taman')
    assert _titles(page) == []
    assert '<nav class="pager"' not in page.text
    assert 'Tidak ada pengajuan yang cocok.' in page.text

    # A page number that is no page.
    for asked, shown in [('abc', 1), ('0', 1), ('-1', 1), ('2.5', 1),
            ('4', 3), ('99999999999999999999', 3)]:
        page = visitor.get(f'/portal/requests?halaman={asked}')
        assert page.status == 200, (asked, page.status)
        assert _titles(page) == newest_first[
            (shown - 1) * 25:shown * 25], asked
        assert (f'Halaman yang diminta tidak ada; ditampilkan halaman '
            f'{shown} dari 3.') in page.text, asked
    # Beyond the last page of a filter: its last page, the filter kept.
    page = visitor.get('/portal/requests?status=draft&cari=Taman&halaman=7')
    assert _titles(page) == parks[25:]
    assert _link(page, 'prev') == f'{base}?status=draft&cari=Taman'
