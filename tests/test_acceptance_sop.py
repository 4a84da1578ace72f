"""Acceptance in the real client: one new request goes from the
OPD portal through the nine SOP steps in the web client (sao) and ends in
the decision the OPD reads, and the reply letter it downloads, in the
portal.

The story, as the people act it:

- dr. Dini Anggraeni, Kepala Dinas Kesehatan, submits SIANTRE in the portal;
  her letter number lost a digit of its year.
- 1. Rina (Ketua Tim Tata Kelola) finds it in her queue, corrects the
  letter number and registers it.
- 2. She checks the checklist in the editable list: the application's
  inputs are missing, she marks the request incomplete. Dr. Dini answers
  in the portal (the inputs, in the design she attaches), uploads the
  design and resubmits; Rina marks the item present and the request
  complete.
- 3. Agus (Kabid E-Government) makes the disposition urgent ("Segera"),
  writes his instruction and forwards it.
- 4. Rina assesses the eight feasibility criteria (the budget only partly
  met), concludes and writes the summary.
- 5. Agus validates it with a note; 6. categorizes it (public service,
  Aplikasi Khusus) with the reason.
- 7. Bayu (Ketua Tim Aplikasi Layanan Publik) starts on the technical
  sections; meanwhile Dewi (Kabid Sarana dan Prasarana), who finds the
  request in her queue, writes the infrastructure needs, the only field
  she writes at step 7, and saves. Bayu finishes the form he opened
  before her save and sends it to validation.
- 8. Agus and Dewi validate, each with a note.
- 9. The Kepala Dinas approves with conditions and signs; dr. Dini reads the
  decision and its conditions in the portal and downloads the reply letter.

Each role has its own browser, logged in once, its tab kept open; it finds
the request in "Antrean Saya" the first time, and reloads the form when it
comes back to it. Every press is checked: no error dialog, the state shown
and the state on the server (JSON-RPC). What fails stops the story with
what sao sent (the JSON-RPC calls after the press) and the dialog's text;
what is only wrong (the content of a step, a missing message after a
button) is collected and reported at the end. The clicks and key presses
of each step are counted and printed; screenshots go to
tests/artifacts/acceptance/."""
import re
import shutil
import subprocess
import sys

from playwright.sync_api import expect
from sao import (
    ARTIFACTS, MENU_QUEUE, TAB_COMPLETENESS, Session, Tally, rpc_client)
from server import ROOT

sys.path.insert(0, str(ROOT / 'scripts'))

SHOTS = ARTIFACTS / 'acceptance'

TITLE = "Sistem Informasi Antrean Puskesmas (SIANTRE)"
LETTER_TYPO = "000.7/0412/Dinkes/202"  # the year lost its last digit
LETTER = "000.7/0412/Dinkes/2026"
# Step 2: the checklist item found missing and the document that fills it.
MISSING_ITEM = "Input aplikasi"
MISSING_NOTE = "Rancangan input aplikasi belum dilampirkan."
MISSING_TYPE = "Rancangan input dan output aplikasi"
# Her answer, added to the inputs she had written.
OPD_ANSWER = " Rinciannya pada rancangan input dan output yang kami lampirkan."
RECHECK_NOTE = "Dilampirkan pada pengajuan ulang."
INSTRUCTION = ("Mohon dianalisis kelayakannya paling lambat besok; "
    "prioritas layanan kesehatan.")
# Step 4: one criterion only partly met, the others met.
PARTLY = "Anggaran dan keberlanjutan"
PARTLY_NOTE = "Anggaran pemeliharaan tahun kedua belum dipastikan."
SUMMARY = ("Layak dibangun: kewenangan dan dasar hukum jelas, sejalan dengan "
    "Arsitektur SPBE; anggaran pemeliharaan perlu dipastikan.")
NOTE_5 = "Analisis kelayakan lengkap; perhatikan anggaran pemeliharaan."
REASON_6 = ("Melayani pasien Puskesmas secara langsung; belum ada Aplikasi "
    "Umum nasional untuk antrean Puskesmas.")
INFRASTRUCTURE = ("2 VM (4 vCPU, 8 GB RAM) di Pusat Data Pemkot, sertifikat "
    "TLS, segmen jaringan DMZ.")
TECHNICAL = {
    'tech_architecture': "Aplikasi web tiga lapis (Python, PostgreSQL), "
    "antarmuka responsif untuk ponsel.",
    'tech_integration': "SPLP untuk data kependudukan dan SATUSEHAT.",
    'tech_security_needs': "TLS, autentikasi dua faktor untuk petugas, log "
    "audit, pencadangan harian.",
    'tech_effort_days': "90",
    'technical_analysis': "Dapat dibangun oleh Tim Aplikasi Layanan Publik "
    "dalam satu tahun anggaran.",
    }
NOTE_8 = {
    'kabid.egov': "Sesuai Arsitektur SPBE dan standar aplikasi Pemkot.",
    'kabid.sarpras': "Infrastruktur dan klasifikasi keamanan memadai.",
    }
CONDITIONS = ("Disetujui dengan ketentuan: anggaran pemeliharaan tahun kedua "
    "dipastikan sebelum pembangunan dimulai.")

# Column headers of the editable lists (id.po, with the English source).
RESULT = re.compile(r'^(Hasil|Result)$')
ASSESSMENT = re.compile(r'^(Penilaian|Assessment)$')
ITEM = re.compile(r'^(Persyaratan|Item)$')
CRITERION = re.compile(r'^(Kriteria|Criterion)$')


def _pdf(title):
    from demo_data import _pdf as make
    return make(title)


class Portal:
    "The OPD official in the portal, in a browser of her own"

    def __init__(self, browser, server, tally):
        self.server = server
        self.tally = tally
        self.context = browser.new_context(
            viewport={'width': 1366, 'height': 900}, locale='id-ID',
            accept_downloads=True)
        self.page = self.context.new_page()
        self.page.set_default_timeout(30_000)
        self.errors = []
        self.page.on('pageerror', lambda e: self.errors.append(str(e)))

    def click(self, target):
        target.click()
        self.tally.add('click')
        self.page.wait_for_load_state()

    def fill(self, target, text):
        self.click(target)
        target.fill(text)
        self.tally.add('field')
        self.tally.add('char', len(text))

    def attach(self, target, name, title):
        "Choose a file (the file dialog: one click, one choice)"
        target.set_input_files({'name': name, 'mimeType': 'application/pdf',
                'buffer': _pdf(title)})
        self.tally.add('click', 2)

    def login(self, login):
        page = self.page
        page.goto(self.server.base + '/portal/login')
        self.fill(page.get_by_label('Nama pengguna'), login)
        self.fill(page.get_by_label('Kata sandi'), self.server.password)
        self.click(page.get_by_role('button', name='Masuk'))

    def fact(self, term):
        "A fact of the request page (Nomor, Status…)"
        return self.page.locator('dl.facts dt', has_text=re.compile(
                rf'^{term}$')).locator('xpath=following-sibling::dd[1]'
            ).inner_text().strip()

    def close(self):
        self.context.close()


class Story:
    """The request's way through the roles: their sessions, the clicks of
    each step, the screenshots, and what went wrong without stopping it"""

    def __init__(self, browser, server):
        self.browser = browser
        self.server = server
        self.tally = Tally()
        self.staff = {}
        self.admin = rpc_client(server.url, 'admin', server.password)
        self.problems = []
        self.shots = 0
        self.request_id = None
        self.number = None
        SHOTS.mkdir(parents=True, exist_ok=True)
        for old in SHOTS.glob('*.png'):
            old.unlink()

    def member(self, login):
        "The staff member's browser: logged in the first time only"
        if login not in self.staff:
            session = Session(self.browser, self.server,
                login.replace('.', '_'), artifacts=SHOTS, tally=self.tally)
            session.login(login)
            self.staff[login] = session
        return self.staff[login]

    def shot(self, page, what):
        "A numbered screenshot; the portal's pages whole"
        self.shots += 1
        path = SHOTS / f'{self.shots:02d}_{what}.png'
        page.screenshot(path=str(path), full_page=what.startswith('opd_'))
        return path

    def step(self, name):
        print(f"\n{name}")
        return self.tally.step(name)

    def done(self, name):
        print(f"  {name}: {self.tally.describe(self.tally.steps[name])}")

    def note(self, problem):
        print(f"  PROBLEM: {problem}")
        self.problems.append(problem)

    def read(self, *names):
        return self.admin.call('model.egov.request.read', [self.request_id],
            list(names))[0]

    def find(self, session):
        "Open the request from the role's queue (Antrean Saya)"
        session.open_menu(MENU_QUEUE)
        rows = session.list_rows().filter(has_text=self.number)
        if not rows.count():
            shown = [' '.join(t.split())[:80]
                for t in session.list_rows().all_inner_texts()]
            path = self.shot(session.page, f'{session.name}_queue_missing')
            raise AssertionError(
                f"{session.name}: {self.number} is not in the queue "
                f"'Antrean Saya' (tab shown first). The queue shows: "
                f"{shown}. Screenshot: {path}")
        session.open_from_list(self.number)

    def check(self, step, session, press, state, what, told):
        """After a press: no error, the state expected on the screen and on
        the server, and a message that tells what the press did (`told`, a
        regular expression)"""
        path = self.shot(session.page, f'{session.name}_{what}')
        print(f"  pressed {press.name}: dialogs {press.dialogs}, "
            f"messages {press.messages}")
        assert not press.errors, (
            f"{step}: {session.name} pressed '{press.name}' and sao showed "
            f"an error: {press.errors}\n"
            f"What sao sent after the press:\n{press.evidence()}\n"
            f"Screenshot: {path}")
        if press.feedback:
            text = '\n'.join(press.feedback)
            if not re.search(told, text):
                self.note(f"{step}: after '{press.name}' {session.name} "
                    f"read {text!r}; expected it to say {told!r}")
            session.dismiss()
            self.shot(session.page, f'{session.name}_{what}_form')
        else:
            self.note(f"{step}: no message told {session.name} what "
                f"'{press.name}' did (screenshot {path.name})")
        value, label = session.shown_state()
        on_server = self.read('state')['state']
        assert value == state and on_server == state, (
            f"{step}: after '{press.name}' the form of {session.name} shows "
            f"{label!r} ({value}), the server holds {on_server}; expected "
            f"{state}.\nWhat sao sent after the press:\n{press.evidence()}\n"
            f"Screenshot: {path}")

    def keyed(self, session, key, expected):
        "A key on the focused selection, and the value it shows after"
        session.key(key)
        value = session.page.evaluate("document.activeElement.value")
        assert value == f'"{expected}"', (
            f"{session.name}: the key {key!r} left the cell at {value}, "
            f"expected {expected}")


def rows_text(tree, column, count):
    """The texts of one column of an editable list, once it shows its
    `count` rows: after a reload sao draws the list before all its rows."""
    headers = tree.locator('thead th').evaluate_all(
        "ths => ths.map(th => th.textContent.trim())")
    index = next(i for i, h in enumerate(headers) if column.match(h))
    rows = tree.locator('tbody tr:visible')
    expect(rows).to_have_count(count)
    return [' '.join(t.split()) for t in rows.locator(
            f'td:nth-child({index + 1})').all_inner_texts()]


def pdf_text(data):
    out = subprocess.run(['pdftotext', '-', '-'], input=data,
        capture_output=True, check=True)
    return ' '.join(out.stdout.decode().split())


def test_one_request_through_the_nine_steps(browser, demo_server):
    story = Story(browser, demo_server)
    opd = Portal(browser, demo_server, story.tally)
    try:
        _play(story, opd)
    finally:
        print("\nClicks and key presses per step:\n" + story.tally.report())
        (SHOTS / 'clicks.txt').write_text(story.tally.report() + '\n')
        for session in story.staff.values():
            session.close()
        opd.close()
    assert not opd.errors, opd.errors
    assert not story.problems, (
        "The request went through the nine steps, but:\n- "
        + '\n- '.join(story.problems))


def _play(story, opd):
    page = opd.page

    # --- The OPD submits -------------------------------------------------
    story.step("OPD: permohonan baru")
    opd.login('kadis.dinkes')
    opd.click(page.get_by_role('link', name='Ajukan permohonan baru'))
    page.get_by_role('heading', name='Permohonan baru').wait_for()
    opd.click(page.get_by_label('Pembangunan Aplikasi', exact=True))
    opd.fill(page.get_by_label('Judul aplikasi'), TITLE)
    opd.fill(page.get_by_label('Uraian singkat'),
        "Pasien mengambil nomor antrean Puskesmas dari rumah.")
    opd.fill(page.get_by_label('Nomor surat'), LETTER_TYPO)
    opd.fill(page.get_by_label('Tanggal surat'), '2026-11-30')
    for name, text in [
            ('business_process_policy', "SOP pendaftaran pasien Puskesmas."),
            ('legal_basis', "Permenkes 43/2019 tentang Puskesmas."),
            ('user_requirements', "Pasien, petugas pendaftaran, dokter."),
            ('app_inputs', "Data pasien, poli tujuan, jadwal dokter."),
            ('app_outputs', "Nomor antrean, rekap kunjungan harian."),
            ]:
        opd.fill(page.locator(f'textarea#{name}'), text)
    required = page.locator('[data-required-new="1"] input[type=file]')
    for i in range(required.count()):
        opd.attach(required.nth(i), f'dokumen_{i + 1}.pdf',
            f"Dokumen {i + 1} {TITLE}")
    story.shot(page, 'opd_new_request')
    opd.click(page.get_by_role('button', name='Ajukan', exact=True))
    page.get_by_text('Permohonan telah diajukan').wait_for()
    story.request_id = int(re.search(r'/request/(\d+)', page.url).group(1))
    story.number = opd.fact('Nomor')
    story.shot(page, 'opd_submitted')
    assert story.read('state')['state'] == 'received'
    story.done("OPD: permohonan baru")

    # --- 1. Registration: the letter number corrected ---------------------
    name = "1. Penerimaan"
    story.step(name)
    rina = story.member('tatakelola')
    story.find(rina)
    rina.select_tab(re.compile(r'^\s*1-3\.'))
    assert rina.field('letter_number').input_value() == LETTER_TYPO
    rina.write_text('letter_number', '6', replace=False)
    story.shot(rina.page, 'step1_letter_corrected')
    press = rina.press('register')
    story.check(name, rina, press, 'completeness', 'step1_registered',
        r'Kini pada "2\. Pemeriksaan Kelengkapan"')
    if story.read('letter_number')['letter_number'] != LETTER:
        story.note(f"{name}: the corrected letter number was not kept")
    story.done(name)

    # --- 2. Completeness: incomplete, completed by the OPD, complete ------
    name = "2. Kelengkapan (1): tidak lengkap"
    story.step(name)
    rina.select_tab(TAB_COMPLETENESS)
    tree = rina.editable_list(RESULT)
    items = rows_text(tree, ITEM, 6)
    assert len(items) == 6 and MISSING_ITEM in items, items
    rina.edit_cell(tree, 0, RESULT)
    for i, item in enumerate(items):
        if item == MISSING_ITEM:
            story.keyed(rina, 't', 'missing')
            rina.key('Tab')
            rina.type(MISSING_NOTE)
            rina.key('Shift+Tab')
        else:
            story.keyed(rina, 'a', 'present')
        if i < len(items) - 1:
            rina.key('ArrowDown')
    story.shot(rina.page, 'step2_checklist_one_missing')
    press = rina.press('mark_incomplete')
    story.check(name, rina, press, 'incomplete', 'step2_incomplete',
        r'Dikembalikan kepada Dinas Kesehatan')
    story.done(name)

    name = "OPD: melengkapi"
    story.step(name)
    page.reload()
    told = page.locator('section.card-box').filter(
        has=page.get_by_role('heading', name='Yang perlu dilengkapi'))
    told.wait_for()
    assert MISSING_NOTE in told.inner_text(), told.inner_text()
    story.shot(page, 'opd_incomplete')
    # She answers: the inputs of the application, in the design attached.
    opd.click(page.get_by_role('link', name='Perbaiki isian permohonan'))
    inputs = page.locator('textarea#app_inputs')
    opd.click(inputs)
    inputs.press('End')
    page.keyboard.type(OPD_ANSWER)
    opd.tally.add('key')
    opd.tally.add('field')
    opd.tally.add('char', len(OPD_ANSWER))
    opd.click(page.get_by_role('button', name='Simpan perubahan'))
    page.get_by_text('Perubahan isian tersimpan').wait_for()
    # The upload offers the missing document's type first.
    kind = page.get_by_label('Jenis dokumen')
    chosen = kind.evaluate("s => s.options[s.selectedIndex].text")
    assert chosen.startswith(MISSING_TYPE), chosen
    opd.attach(page.locator('input#file'), 'rancangan_input_output.pdf',
        f"Rancangan input dan output {TITLE}")
    opd.click(page.get_by_role('button', name='Unggah'))
    page.get_by_text('Dokumen telah diunggah').wait_for()
    story.shot(page, 'opd_completed')
    opd.click(page.get_by_role('button', name='Ajukan ulang'))
    page.get_by_text('telah diajukan ulang').wait_for()
    story.shot(page, 'opd_resubmitted')
    answered = story.read('state', 'app_inputs')
    assert answered['state'] == 'completeness', answered
    assert answered['app_inputs'].endswith(OPD_ANSWER), answered
    story.done(name)

    name = "2. Kelengkapan (2): lengkap"
    story.step(name)
    rina.reload()
    assert rina.shown_state()[0] == 'completeness', rina.shown_state()
    tree = rina.editable_list(RESULT)
    results = rows_text(tree, RESULT, 6)
    missing = rows_text(tree, ITEM, 6).index(MISSING_ITEM)
    assert results[missing] == 'Tidak Ada', results
    rina.edit_cell(tree, missing, RESULT)
    story.keyed(rina, 'a', 'present')
    rina.key('Tab')
    rina.key('Control+a')
    rina.type(RECHECK_NOTE)
    story.shot(rina.page, 'step2_checklist_complete')
    press = rina.press('mark_complete')
    story.check(name, rina, press, 'disposition', 'step2_complete',
        r'Kini pada "3\. Disposisi"')
    story.done(name)

    # --- 3. Disposition: urgent, with an instruction ----------------------
    name = "3. Disposisi"
    story.step(name)
    agus = story.member('kabid.egov')
    story.find(agus)
    agus.select_tab(re.compile(r'^\s*1-3\.'))
    agus.choose('disposition_nature', 'Segera')
    agus.write_text('disposition_instruction', INSTRUCTION)
    story.shot(agus.page, 'step3_disposition')
    press = agus.press('forward')
    story.check(name, agus, press, 'feasibility', 'step3_forwarded',
        r'Kini pada "4\. Analisis Kelayakan"')
    story.done(name)

    # --- 4. Feasibility: eight criteria, conclusion, summary -------------
    name = "4. Analisis Kelayakan"
    story.step(name)
    rina.reload()
    rina.select_tab(re.compile(r'^\s*4-5\.'))
    tree = rina.editable_list(ASSESSMENT)
    criteria = rows_text(tree, CRITERION, 8)
    assert len(criteria) == 8 and PARTLY in criteria, criteria
    rina.edit_cell(tree, 0, ASSESSMENT)
    for i, criterion in enumerate(criteria):
        story.keyed(rina, 'm', 'met')
        if criterion == PARTLY:
            # The second option that starts with M: Memenuhi Sebagian.
            story.keyed(rina, 'm', 'partly')
            rina.key('Tab')
            rina.type(PARTLY_NOTE)
            rina.key('Shift+Tab')
        if i < len(criteria) - 1:
            rina.key('ArrowDown')
    rina.choose('feasibility_conclusion', 'Layak dengan Catatan')
    rina.write_text('feasibility_analysis', SUMMARY)
    # "Aplikasi Umum first": the similar applications read, she builds.
    rina.choose('general_app_answer', 'Tetap Dibangun')
    rina.write_text('general_app_reason', "Aplikasi serupa dalam katalog "
        "tidak mengatur antrean lintas puskesmas.")
    story.shot(rina.page, 'step4_feasibility')
    press = rina.press('submit_feasibility')
    story.check(name, rina, press, 'feasibility_validation',
        'step4_submitted', r'Kini pada "5\. Validasi Kelayakan"')
    story.done(name)

    # --- 5. Validation of the feasibility analysis -----------------------
    name = "5. Validasi Kelayakan"
    story.step(name)
    agus.reload()
    agus.select_tab(re.compile(r'^\s*4-5\.'))
    agus.write_text('step_note', NOTE_5)
    story.shot(agus.page, 'step5_note')
    press = agus.press('approve_feasibility')
    story.check(name, agus, press, 'categorization', 'step5_validated',
        r'Kini pada "6\. Pengategorian"')
    story.done(name)

    # --- 6. Category ------------------------------------------------------
    name = "6. Pengategorian"
    story.step(name)
    agus.select_tab(re.compile(r'^\s*6\.'))
    agus.choose('category', 'Aplikasi Layanan Publik')
    agus.choose('spbe_class', 'Aplikasi Khusus')
    agus.write_text('category_reason', REASON_6)
    story.shot(agus.page, 'step6_category')
    press = agus.press('categorize')
    story.check(name, agus, press, 'technical', 'step6_categorized',
        r'Kini pada "7\. Analisis Teknis"(.|\n)*Menunggu masukan: '
        r'.*Sarana dan Prasarana')
    story.done(name)

    # --- 7. Technical analysis: the team lead of the category writes the
    # sections; meanwhile the Kabid Sarpras writes the infrastructure needs,
    # the only field she writes at step 7 ---------------------------------
    name = "7. Analisis Teknis"
    story.step(name)
    bayu = story.member('katim.publik')
    story.find(bayu)
    bayu.select_tab(re.compile(r'^\s*7-8\.'))
    bayu.write_text('tech_architecture', TECHNICAL['tech_architecture'])
    bayu.choose('tech_hosting', 'Pusat Data Pemerintah Kota Tangerang')
    bayu.choose('tech_security_class', 'Tinggi')

    dewi = story.member('kabid.sarpras')
    story.find(dewi)
    dewi.select_tab(re.compile(r'^\s*7-8\.'))
    dewi.write_text('tech_infrastructure', INFRASTRUCTURE)
    saved = dewi.save()
    path = story.shot(dewi.page, 'kabid_sarpras_step7_infrastructure')
    print(f"  saved: dialogs {saved.dialogs}, messages {saved.messages}")
    assert not saved.errors, (
        f"{name}: kabid_sarpras saved the infrastructure needs and sao "
        f"showed an error: {saved.errors}\nWhat sao sent:\n"
        f"{saved.evidence()}\nScreenshot: {path}")
    assert story.read('tech_infrastructure')['tech_infrastructure'] == (
        INFRASTRUCTURE), saved.evidence()
    dewi.dismiss()

    # Bayu goes on with the form he opened before her save.
    for field in ['tech_integration', 'tech_security_needs']:
        bayu.write_text(field, TECHNICAL[field])
    bayu.type_number('tech_effort_days', TECHNICAL['tech_effort_days'])
    bayu.choose('technical_recommendation', 'Pembangunan Aplikasi')
    bayu.write_text('technical_analysis', TECHNICAL['technical_analysis'])
    story.shot(bayu.page, 'step7_technical')
    press = bayu.press('submit_technical')
    story.check(name, bayu, press, 'technical_validation',
        'step7_submitted', r'Kini pada "8\. Validasi Teknis"')
    shown = bayu.field('tech_infrastructure').input_value()
    if shown != INFRASTRUCTURE:
        story.note(f"{name}: after the press the team lead's form shows "
            f"the infrastructure needs {shown!r}")
    story.done(name)

    # --- 8. Validation of the technical analysis by both Kabid -----------
    name = "8. Validasi Teknis"
    story.step(name)
    agus.reload()
    agus.select_tab(re.compile(r'^\s*7-8\.'))
    agus.write_text('step_note', NOTE_8['kabid.egov'])
    press = agus.press('approve_technical')
    # He is told that his validation is recorded and waits for the other
    # Kabid's.
    story.check(name + " (Kabid E-Government)", agus, press,
        'technical_validation', 'step8_first_validation',
        r'Validasi Anda .* tercatat(.|\n)*Menunggu validasi: .*Sarana dan '
        r'Prasarana')
    given = story.admin.call('model.egov.request.validation.search_read', [
            ('request', '=', story.request_id),
            ('analysis', '=', 'technical'),
            ], 0, None, None, ['validator.login', 'reason'])
    assert [(v['validator.']['login'], v['reason']) for v in given] == [
        ('kabid.egov', NOTE_8['kabid.egov'])], given
    # He is not offered the button again; she still is.
    assert not agus.pane().locator(
        '.form button[name="approve_technical"]').is_visible()
    dewi.reload()
    dewi.write_text('step_note', NOTE_8['kabid.sarpras'])
    press = dewi.press('approve_technical')
    story.check(name + " (Kabid Sarpras)", dewi, press, 'signing',
        'step8_validated', r'Kini pada "9\. Penandatanganan')
    story.done(name)

    # --- 9. The Kepala Dinas decides and signs ----------------------------
    name = "9. Penandatanganan"
    story.step(name)
    kadis = story.member('kadis')
    story.find(kadis)
    kadis.select_tab(re.compile(r'^\s*(Keputusan|Decision)\s*$'))
    kadis.choose('decision', 'Disetujui dengan Ketentuan')
    kadis.write_text('decision_text', CONDITIONS)
    story.shot(kadis.page, 'step9_decision')
    press = kadis.press('decide')
    assert press.asked, "the Kepala Dinas signed without being asked"
    story.check(name, kadis, press, 'done', 'step9_signed',
        r'Diputuskan: Disetujui dengan Ketentuan')
    story.done(name)

    # --- The OPD reads the decision and downloads the reply letter ------
    name = "OPD: keputusan"
    story.step(name)
    page.reload()
    decision = page.locator('section.decision')
    decision.wait_for()
    shown = ' '.join(decision.inner_text().split())
    story.shot(page, 'opd_decision')
    # The word the Kepala Dinas chose in the web client, and her conditions.
    assert 'Disetujui dengan Ketentuan' in shown, shown
    if CONDITIONS not in shown:
        story.note(f"OPD: the decision shows {shown!r}, without the "
            f"conditions")
    with page.expect_download() as download:
        opd.click(decision.get_by_role('link', name='Unduh surat jawaban'))
    data = download.value.path().read_bytes()
    assert data.startswith(b'%PDF'), data[:20]
    if shutil.which('pdftotext'):
        text = pdf_text(data)
        for expected in [story.number, LETTER, CONDITIONS]:
            if expected not in text:
                story.note(f"OPD: the reply letter does not read {expected!r}")
    story.done(name)

    _check_record(story)


def _check_record(story):
    "What the server kept of each step (JSON-RPC as the administrator)"
    admin = story.admin
    request = story.read('letter_number', 'disposition_nature',
        'disposition_instruction', 'checklist', 'feasibility_lines',
        'feasibility_conclusion', 'feasibility_analysis', 'category.code',
        'spbe_class', 'category_reason', 'tech_infrastructure',
        'tech_hosting', 'tech_security_class', 'technical_recommendation',
        'tech_effort_days', 'decision', 'decision_text', 'history',
        'validations')
    expected = {
        'letter_number': LETTER,
        'disposition_nature': 'segera',
        'disposition_instruction': INSTRUCTION,
        'feasibility_conclusion': 'feasible_notes',
        'feasibility_analysis': SUMMARY,
        'spbe_class': 'khusus',
        'category_reason': REASON_6,
        'tech_infrastructure': INFRASTRUCTURE,
        'tech_hosting': 'pusat_data',
        'tech_security_class': 'tinggi',
        'technical_recommendation': 'build',
        'tech_effort_days': 90,
        'decision': 'approved_conditions',
        'decision_text': CONDITIONS,
        }
    for field, value in expected.items():
        if request[field] != value:
            story.note(f"record: {field} is {request[field]!r}, "
                f"expected {value!r}")
    if (request['category.'] or {}).get('code') != 'layanan_publik':
        story.note(f"record: category {request['category.']}")
    lines = admin.read('egov.request.checklist',
        request['checklist'], ['item.rec_name', 'result', 'note'])
    if [l['result'] for l in lines] != ['present'] * 6:
        story.note(f"record: checklist {lines}")
    lines = admin.read('egov.request.feasibility',
        request['feasibility_lines'],
        ['criterion.rec_name', 'assessment', 'note'])
    partly = [l for l in lines if l['assessment'] == 'partly']
    if (len(lines) != 8 or len(partly) != 1
            or partly[0]['note'] != PARTLY_NOTE
            or any(l['assessment'] != 'met' for l in lines
                if l not in partly)):
        story.note(f"record: feasibility criteria {lines}")
    history = admin.read('egov.request.history',
        request['history'], ['state', 'outcome', 'actor.login'])
    actors = [(h['state'], h['outcome'], (h['actor.'] or {}).get('login'))
        for h in history]
    expected_actors = [
        # The OPD's submit is recorded too: the audit trail names every actor.
        ('draft', 'submitted', 'kadis.dinkes'),
        ('received', 'done', 'tatakelola'),
        ('completeness', 'incomplete', 'tatakelola'),
        ('incomplete', 'resubmitted', 'kadis.dinkes'),
        ('completeness', 'complete', 'tatakelola'),
        ('disposition', 'done', 'kabid.egov'),
        ('feasibility', 'done', 'tatakelola'),
        ('feasibility_validation', 'validated', 'kabid.egov'),
        ('categorization', 'done', 'kabid.egov'),
        ('technical', 'done', 'katim.publik'),
        ('technical_validation', 'validated', 'kabid.sarpras'),
        ('signing', 'approved_conditions', 'kadis'),
        ]
    if actors != expected_actors:
        story.note(f"record: history {actors}")
    validations = admin.call('model.egov.request.validation.read',
        request['validations'],
        ['analysis', 'decision', 'validator.login', 'reason'])
    given = sorted((v['analysis'], v['decision'],
            (v['validator.'] or {}).get('login'), v['reason'])
        for v in validations)
    wanted = sorted([
            ('feasibility', 'validated', 'kabid.egov', NOTE_5),
            ('technical', 'validated', 'kabid.egov', NOTE_8['kabid.egov']),
            ('technical', 'validated', 'kabid.sarpras',
                NOTE_8['kabid.sarpras']),
            ])
    if given != wanted:
        story.note(f"record: validations {given}, expected {wanted}")
    for step in ["2. Kelengkapan (1): tidak lengkap",
            "4. Analisis Kelayakan"]:
        clicks = story.tally.steps[step]['click']
        if clicks >= 20:
            story.note(f"{step}: {clicks} clicks (aim: well under 20)")
