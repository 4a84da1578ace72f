"""The OPD portal and the managers' board in a real browser.

The demo database (scripts/demo_data.py) of tests/conftest.py, served by
trytond on a free port; Debian's Chromium driven by Playwright. What a click changed is checked
through JSON-RPC. Screenshots go to tests/artifacts/portal/."""
import re
import sys

import pytest

from server import DEMO_DATABASE as DATABASE
from server import ROOT, Client

sys.path.insert(0, str(ROOT / 'scripts'))

ARTIFACTS = ROOT / 'tests' / 'artifacts' / 'portal'
TIMEOUT = 30_000  # ms


def _pdf(title):
    from demo_data import _pdf as make
    return make(title)


@pytest.fixture
def portal_server(demo_server):
    "The demo server of tests/conftest.py (one build for both browser files)"
    return demo_server


def rpc(server, login):
    client = Client(server.url, DATABASE)
    if not client.url.endswith('/rpc/'):
        client.url += 'rpc/'
    return client.login(login, server.password)


class Visit:
    "One user in the portal, with the JavaScript errors the page raised"

    def __init__(self, browser, server, name, mobile=False):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.server = server
        self.name = name
        viewport = ({'width': 390, 'height': 844} if mobile
            else {'width': 1366, 'height': 768})
        self.context = browser.new_context(viewport=viewport,
            locale='id-ID')
        self.page = self.context.new_page()
        self.page.set_default_timeout(TIMEOUT)
        self.errors = []
        self.page.on('pageerror', lambda e: self.errors.append(str(e)))

    def close(self):
        assert not self.errors, self.errors
        self.context.close()

    def shot(self, stage, full_page=True):
        # Nothing wider than the screen (no sideways scrolling on a phone).
        width = self.page.viewport_size['width']
        assert self.page.evaluate(
            'document.documentElement.scrollWidth') <= width, stage
        path = ARTIFACTS / f'{self.name}_{stage}.png'
        self.page.screenshot(path=str(path), full_page=full_page)
        return path

    def said_once(self, text):
        """The message `text` about what was just done is shown, and the
        address no longer carries it: a reload does not say it again"""
        page = self.page
        page.get_by_text(text).wait_for()
        assert 'pesan=' not in page.url, page.url
        heading = page.locator('h1').inner_text()
        page.reload()
        page.wait_for_load_state()
        assert page.locator('h1').inner_text() == heading
        assert page.get_by_text(text).count() == 0
        assert page.locator('main > .msg[role=status]').count() == 0

    def login(self, login, shot=None):
        page = self.page
        page.goto(self.server.base + '/portal/login')
        page.get_by_label('Nama pengguna').fill(login)
        page.get_by_label('Kata sandi').fill(self.server.password)
        if shot:
            self.shot(shot)
        page.get_by_role('button', name='Masuk').click()
        page.wait_for_load_state()


def test_eligible_official_submits_a_complete_request(browser, portal_server):
    visit = Visit(browser, portal_server, 'kadis_dinkes')
    page = visit.page
    title = "Sistem Informasi Rujukan Terintegrasi (SIRUJUK)"
    try:
        visit.login('kadis.dinkes', shot='01_login')
        page.get_by_role('heading', name='Pengajuan OPD Saya').wait_for()
        visit.shot('02_requests')
        page.get_by_role('link', name='Ajukan permohonan baru').click()
        page.get_by_role('heading', name='Permohonan baru').wait_for()
        page.get_by_label('Pembangunan Aplikasi', exact=True).check()
        page.get_by_label('Judul aplikasi').fill(title)
        page.get_by_label('Uraian singkat').fill(
            "Rujukan pasien dari Puskesmas ke rumah sakit secara daring.")
        for name, text in [
                ('business_process_policy',
                    "SOP rujukan berjenjang Dinas Kesehatan."),
                ('legal_basis', "Permenkes 001/2012 tentang Sistem Rujukan."),
                ('user_requirements',
                    "Dokter Puskesmas merujuk; rumah sakit menerima."),
                ('app_inputs', "Data pasien, diagnosis, fasilitas tujuan."),
                ('app_outputs', "Surat rujukan elektronik, rekap rujukan."),
                ]:
            page.locator(f'textarea#{name}').fill(text)
        required = page.locator('[data-required-new="1"] input[type=file]')
        assert required.count() >= 1
        for i in range(required.count()):
            field = required.nth(i)
            field.set_input_files({'name': f'dokumen_{i + 1}.pdf',
                    'mimeType': 'application/pdf',
                    'buffer': _pdf(f"Dokumen {i + 1} {title}")})
        visit.shot('03_new_request_filled')
        page.get_by_role('button', name='Ajukan', exact=True).click()
        page.get_by_text('Permohonan telah diajukan').wait_for()
        assert page.locator('h1').inner_text() == title
        visit.shot('04_submitted')
        timeline = page.locator('ol.timeline li')
        assert timeline.count() == 9
        assert 'current' in timeline.first.get_attribute('class')
    finally:
        visit.close()

    kadis = rpc(portal_server, 'kadis.dinkes')
    found = kadis.call('model.egov.request.search_read',
        [('title', '=', title)], 0, None, None,
        ['state', 'number', 'documents', 'submitter.login'])
    assert len(found) == 1
    assert found[0]['state'] == 'received'
    assert found[0]['number']
    assert found[0]['submitter.']['login'] == 'kadis.dinkes'
    assert len(found[0]['documents']) == required_count(kadis)


def required_count(client):
    return client.call('model.egov.document.type.search_count',
        [('required_new', '=', True)])


def test_upt_is_refused_with_its_parent_named(browser, portal_server):
    visit = Visit(browser, portal_server, 'kepala_upt')
    page = visit.page
    try:
        visit.login('kepala.upt')
        page.goto(portal_server.base + '/portal/new')
        alert = page.get_by_role('alert')
        alert.wait_for()
        text = alert.inner_text()
        assert 'Dinas Kesehatan' in text, text
        assert 'UPT Puskesmas Cikokol' in text, text
        assert page.locator('form[data-request-form]').count() == 0
        visit.shot('01_refused')
    finally:
        visit.close()


def test_incomplete_request_is_completed_and_resubmitted(
        browser, portal_server):
    kadis = rpc(portal_server, 'kadis.dinkes')
    request, = kadis.call('model.egov.request.search_read',
        [('state', '=', 'incomplete')], 0, None, None,
        ['title', 'documents'])
    visit = Visit(browser, portal_server, 'kadis_dinkes_incomplete')
    page = visit.page
    try:
        visit.login('kadis.dinkes')
        page.get_by_label('Status').select_option('incomplete')
        page.get_by_role('button', name='Tampilkan').click()
        page.get_by_role('link', name=request['title']).click()
        page.get_by_role('heading', name='Yang perlu dilengkapi').wait_for()
        assert 'Kerangka Acuan Kerja' in page.locator(
            'section.card-box').first.inner_text()
        visit.shot('01_incomplete')
        letters = page.locator('a[href*="/letter/"]')
        if letters.count():  # the request has issued documents
            with page.expect_download() as download:
                letters.first.click()
            assert download.value.suggested_filename.endswith('.pdf')
        kak, = kadis.call('model.egov.document.type.search',
            [('code', '=', 'user_requirements')], 0, None, None)
        page.get_by_label('Jenis dokumen').select_option(str(kak))
        page.locator('input#file').set_input_files({
                'name': 'KAK_ditandatangani.pdf',
                'mimeType': 'application/pdf',
                'buffer': _pdf("KAK SI-KIA ditandatangani")})
        page.get_by_role('button', name='Unggah').click()
        page.get_by_text('Dokumen telah diunggah').wait_for()
        assert page.get_by_role(
            'link', name='KAK_ditandatangani.pdf').count() == 1
        visit.shot('02_uploaded')
        page.get_by_role('button', name='Ajukan ulang').click()
        page.get_by_text('telah diajukan ulang').wait_for()
        visit.shot('03_resubmitted')
    finally:
        visit.close()
    read, = kadis.call('model.egov.request.read', [request['id']],
        ['state', 'documents'])
    assert read['state'] == 'completeness'
    assert len(read['documents']) == len(request['documents']) + 1


def test_manager_sees_a_late_card_in_red(browser, portal_server):
    visit = Visit(browser, portal_server, 'kadis_board')
    page = visit.page
    try:
        visit.login('kadis')
        page.wait_for_url(re.compile(r'/board$'))
        page.get_by_role('heading', name='Papan Pemantauan Permohonan'
            ).wait_for()
        columns = page.locator('.kanban section.column')
        assert columns.count() == 10  # nine steps and "with the OPD"
        late = page.locator('a.kcard.late')
        assert late.count() >= 1
        colours = late.first.evaluate(
            "e => [getComputedStyle(e).backgroundColor, "
            "getComputedStyle(e).borderLeftColor]")
        assert colours == ['rgb(253, 232, 234)', 'rgb(176, 0, 32)'], colours
        # The timing word of the translated selection (vocabulary.py).
        late_word = dict(rpc(portal_server, 'kadis').call(
                'model.egov.request.fields_get', ['timing'],
                context={'language': 'id'})['timing']['selection'])['late']
        assert late_word in late.first.inner_text()
        href = late.first.get_attribute('href')
        assert re.match(rf'^/#{DATABASE}/model/egov\.request/\d+$', href)
        late.first.scroll_into_view_if_needed()
        visit.shot('01_board', full_page=False)
        visit.shot('02_board_full')
    finally:
        visit.close()


def test_phone_list(browser, portal_server):
    visit = Visit(browser, portal_server, 'phone', mobile=True)
    try:
        visit.login('camat.cipondoh')
        visit.page.get_by_role('heading', name='Pengajuan OPD Saya'
            ).wait_for()
        visit.shot('01_requests')
        visit.page.locator('table a').first.click()
        visit.page.locator('ol.timeline').wait_for()
        visit.shot('02_request')
    finally:
        visit.close()


# --- An OPD user's walk, on a phone and on a desktop -------------------------

VIEWPORTS = pytest.mark.parametrize('mobile', [False, True],
    ids=['desktop', 'phone'])
EXE = b'MZ\x90\x00\x03\x00\x00\x00' + b'\x00' * 200
ID = {'language': 'id'}


def _bytes(data):
    import base64
    return {'__class__': 'bytes', 'base64': base64.b64encode(data).decode()}


def make_incomplete(server, title):
    """A request of Dinas Kesehatan, submitted with its documents and
    returned incomplete at step 2 with one item missing (JSON-RPC). Returns
    its id and the document type of the missing item."""
    kadis = rpc(server, 'kadis.dinkes')
    types = kadis.call('model.egov.document.type.search_read',
        [('required_new', '=', True)], 0, None, None, ['name'])
    request_id, = kadis.call('model.egov.request.create', [{
                'kind': 'new', 'title': title,
                'business_process_policy': "SOP layanan.",
                'legal_basis': "Perwal 1/2026.",
                'user_requirements': "Petugas dan warga.",
                'app_inputs': "Formulir.", 'app_outputs': "Laporan.",
                'documents': [['create', [{
                                'type': t['id'], 'description': t['name'],
                                'filename': f"dokumen-{t['id']}.pdf",
                                'file': _bytes(_pdf(title))}
                            for t in types]]],
                }])
    kadis.call('model.egov.request.submit', [request_id])
    tatakelola = rpc(server, 'tatakelola')
    tatakelola.call('model.egov.request.register', [request_id])
    record, = tatakelola.call('model.egov.request.read', [request_id],
        ['checklist'])
    lines = tatakelola.read('egov.request.checklist',
        record['checklist'], ['item.document_type'])
    missing = [l for l in lines if l['item.']['document_type']][-1]
    tatakelola.call('model.egov.request.checklist.write',
        [l['id'] for l in lines if l is not missing], {'result': 'present'})
    tatakelola.call('model.egov.request.checklist.write', [missing['id']],
        {'result': 'missing', 'note': "Belum ditandatangani."})
    tatakelola.call('model.egov.request.mark_incomplete', [request_id])
    return request_id, missing['item.']['document_type']


@VIEWPORTS
def test_failed_submit_keeps_the_chosen_files(browser, portal_server, mobile):
    """Checked before upload (inputs, type); a refusal by the server keeps
    the files chosen; then the request goes in"""
    name = 'keep_files_' + ('phone' if mobile else 'desktop')
    visit = Visit(browser, portal_server, name, mobile=mobile)
    page = visit.page
    title = f"Aplikasi Berkas Terjaga ({name})"
    posts = []
    page.on('request', lambda r: posts.append(r.url)
        if r.method == 'POST' and r.url.endswith('/portal/new') else None)
    try:
        visit.login('kadis.dinkes')
        page.goto(portal_server.base + '/portal/new')
        page.get_by_label('Judul aplikasi').fill(title)
        required = page.locator('[data-required-new="1"] input[type=file]')
        count = required.count()
        assert count >= 2
        for i in range(count):
            required.nth(i).set_input_files({'name': f'dokumen_{i + 1}.pdf',
                    'mimeType': 'application/pdf',
                    # The first is a program named as a PDF: only the
                    # server, reading the content, can tell.
                    'buffer': EXE if i == 0 else _pdf(f"Dokumen {i + 1}")})
        optional = page.locator(
            '[data-required-new="0"] input[type=file]').first
        optional.set_input_files({'name': 'virus.exe',
                'mimeType': 'application/octet-stream', 'buffer': EXE})
        page.get_by_role('button', name='Ajukan', exact=True).click()
        alert = page.locator('[data-errors] .msg.error')
        alert.wait_for()
        text = alert.inner_text()
        assert 'Untuk diajukan, isi juga' in text, text
        assert 'Kebijakan proses bisnis' in text, text
        assert 'virus.exe' in text and 'tidak diterima' in text, text
        assert posts == [], "checked before anything is uploaded"
        visit.shot('01_checked_before_upload')
        optional.set_input_files([])
        for field, value in [
                ('business_process_policy', "SOP layanan."),
                ('legal_basis', "Perwal 1/2026."),
                ('user_requirements', "Petugas."),
                ('app_inputs', "Formulir."), ('app_outputs', "Laporan.")]:
            page.locator(f'textarea#{field}').fill(value)
        page.get_by_role('button', name='Ajukan', exact=True).click()
        page.locator('[data-files-kept]').wait_for()
        text = alert.inner_text()
        assert 'dokumen_1.pdf' in text, text
        assert 'pilih kembali' not in text, text
        assert len(posts) == 1
        for i in range(count):
            assert required.nth(i).evaluate('e => e.files.length') == 1
        assert page.get_by_label('Judul aplikasi').input_value() == title
        visit.shot('02_server_refused_files_kept')
        required.nth(0).set_input_files({'name': 'dokumen_1.pdf',
                'mimeType': 'application/pdf', 'buffer': _pdf("Dokumen 1")})
        page.get_by_role('button', name='Ajukan', exact=True).click()
        page.get_by_text('Permohonan telah diajukan').wait_for()
        assert page.locator('h1').inner_text() == title
        visit.shot('03_submitted')
        visit.said_once('Permohonan telah diajukan')
    finally:
        visit.close()
    found = rpc(portal_server, 'kadis.dinkes').call(
        'model.egov.request.search_read', [('title', '=', title)], 0, None,
        None, ['state', 'documents'])
    assert [(f['state'], len(f['documents'])) for f in found] == [
        ('received', count)]


@VIEWPORTS
def test_incomplete_answers_corrected_and_resubmission_confirmed(
        browser, portal_server, mobile):
    name = 'incomplete_' + ('phone' if mobile else 'desktop')
    request_id, type_id = make_incomplete(portal_server,
        f"Aplikasi Perlu Dilengkapi ({name})")
    visit = Visit(browser, portal_server, name, mobile=mobile)
    page = visit.page
    base = f'{portal_server.base}/portal/request/{request_id}'
    try:
        visit.login('kadis.dinkes')
        page.goto(base)
        page.get_by_role('heading', name='Yang perlu dilengkapi').wait_for()
        # The missing item's document type is preselected.
        assert page.locator('select#type').input_value() == str(type_id)
        assert 'perlu dilengkapi' in page.locator(
            'select#type option:checked').inner_text()
        visit.shot('01_preselected')
        # Nothing changed yet: the portal asks first.
        page.get_by_role('button', name='Ajukan ulang').click()
        page.get_by_role('heading',
            name='Ajukan ulang tanpa perubahan?').wait_for()
        visit.shot('02_confirm')
        page.get_by_role('link', name='Kembali dan lengkapi').click()
        page.get_by_role('link', name='Perbaiki isian permohonan').click()
        page.get_by_role('heading', name=re.compile('^Perbaiki isian')
            ).wait_for()
        assert page.get_by_role('button', name='Ajukan', exact=True
            ).count() == 0
        page.locator('textarea#legal_basis').fill(
            "UU 25/2009 tentang Pelayanan Publik; Perwal 1/2026.")
        visit.shot('03_correct_answers')
        page.get_by_role('button', name='Simpan perubahan').click()
        page.get_by_text('Perubahan isian tersimpan').wait_for()
        assert 'isian diperbaiki' in page.locator('[data-changes]'
            ).inner_text()
        visit.shot('04_saved')
        page.get_by_role('button', name='Ajukan ulang').click()
        page.get_by_text('telah diajukan ulang').wait_for()
        visit.shot('05_resubmitted')
        visit.said_once('telah diajukan ulang')
    finally:
        visit.close()
    read, = rpc(portal_server, 'kadis.dinkes').call(
        'model.egov.request.read', [request_id],
        ['state', 'legal_basis', 'documents'])
    assert read['state'] == 'completeness'
    assert read['legal_basis'].startswith("UU 25/2009")


@VIEWPORTS
def test_decided_page_shows_the_conditions(browser, portal_server, mobile):
    dishub = rpc(portal_server, 'kabid.dishub')
    decided, = dishub.call('model.egov.request.search_read',
        [('state', '=', 'done'), ('decision', '=', 'approved_conditions')],
        0, None, None, ['decision_text'])
    word = dict(dishub.call('model.egov.request.fields_get', ['decision'],
            context=ID)['decision']['selection'])['approved_conditions']
    name = 'decided_' + ('phone' if mobile else 'desktop')
    visit = Visit(browser, portal_server, name, mobile=mobile)
    page = visit.page
    try:
        visit.login('kabid.dishub')
        page.goto(f"{portal_server.base}/portal/request/{decided['id']}")
        section = page.locator('section#keputusan, section.decision')
        section.wait_for()
        text = section.inner_text()
        assert word in text, text
        assert 'Ketentuan yang wajib dipenuhi' in text
        for line in decided['decision_text'].splitlines():
            assert line.split('. ', 1)[-1].strip() in text, (line, text)
        assert section.get_by_role('link', name='Unduh surat jawaban'
            ).count() == 1
        section.scroll_into_view_if_needed()
        visit.shot('01_decision', full_page=False)
    finally:
        visit.close()


@VIEWPORTS
def test_follow_up_after_approval(browser, portal_server, mobile):
    """The OPD reads the follow-up of its approved request: the next SOP,
    the team, the planned start in working days, the catalog entry and the
    conditions, readable on a phone as on a desktop"""
    dishub = rpc(portal_server, 'kabid.dishub')
    handoffs = dishub.call('model.egov.handoff.search_read',
        [('items', '!=', None)], 0, 1, None,
        ['request', 'kind', 'planned_start', 'planned_start_days', 'items'],
        context=ID)
    assert handoffs, "the demo has an approval with conditions for Dishub"
    handoff, = handoffs
    items = dishub.call('model.egov.handoff.item.read', handoff['items'],
        ['text', 'satisfied'])
    kind = dict(dishub.call('model.egov.handoff.fields_get', ['kind'],
            context=ID)['kind']['selection'])[handoff['kind']]
    name = 'follow_up_' + ('phone' if mobile else 'desktop')
    visit = Visit(browser, portal_server, name, mobile=mobile)
    page = visit.page
    try:
        visit.login('kabid.dishub')
        page.goto(
            f"{portal_server.base}/portal/request/{handoff['request']}")
        section = page.locator('section[aria-labelledby="tindak-lanjut"]')
        section.wait_for()
        assert section.get_by_role('heading', name='Tindak lanjut'
            ).is_visible()
        text = section.inner_text()
        assert kind in text, (kind, text)
        if handoff['planned_start_days']:
            assert (f"({handoff['planned_start_days']} hari kerja setelah "
                "persetujuan)") in text, text
        assert 'Syarat yang harus dipenuhi' in text
        for item in items:
            state = 'terpenuhi' if item['satisfied'] else 'belum terpenuhi'
            assert f"{item['text']} — {state}" in text, (item, text)
        # Each row of the table fits the screen: label and value readable.
        width = page.viewport_size['width']
        for row in section.locator('tr').all():
            box = row.bounding_box()
            assert box['x'] >= 0 and box['x'] + box['width'] <= width, box
        section.scroll_into_view_if_needed()
        visit.shot('01_follow_up', full_page=False)
        visit.shot('02_page')
    finally:
        visit.close()


@VIEWPORTS
def test_units_are_told_how_to_submit(browser, portal_server, mobile):
    name = 'upt_' + ('phone' if mobile else 'desktop')
    visit = Visit(browser, portal_server, name, mobile=mobile)
    page = visit.page
    try:
        visit.login('kepala.upt')
        page.get_by_role('heading', name='Pengajuan OPD Saya').wait_for()
        assert page.get_by_role('link', name='Ajukan Baru').count() == 0
        assert page.locator('a[href$="/portal/new"]').count() == 0
        note = page.locator('#cara-mengajukan')
        assert note.is_visible()
        assert 'Dinas Kesehatan' in note.inner_text()
        visit.shot('01_how_to_submit')
    finally:
        visit.close()
