"""The web client (sao) in a real browser, on the demo database.

The session fixtures of tests/conftest.py build the demo database
(scripts/demo_data.py) in a temporary directory and start trytond on a free
port; Chromium (Debian's,
driven by Playwright) logs in as the users of the SOP roles. What a click
changed is checked through JSON-RPC, not only on the screen. Screenshots of
each stage go to tests/artifacts/; the helpers are in tests/sao.py."""
import re

from sao import (
    ASSESSMENT, MENU_OPD, MENU_QUEUE, MET, RESULT_PRESENT, TAB_ALL,
    TAB_COMPLETENESS, Session, rpc_client)


def _request(admin, domain):
    found = admin.call('model.egov.request.search_read', domain, 0, None,
        None, ['number', 'title', 'state', 'opd.name'])
    assert found, domain
    return found


def test_register_at_step_1(browser, demo_server):
    "The ICT Governance team lead registers a request from the queue"
    url, password = demo_server.url, demo_server.password
    tatakelola = rpc_client(url, 'tatakelola', password)
    request, *_ = _request(tatakelola, [
            ('state', '=', 'received'), ('opd.code', '=', 'dishub')])
    assert request['state'] == 'received'

    session = Session(browser, demo_server, 'tatakelola')
    try:
        page = session.page
        session.login('tatakelola')
        session.shot('02_menu')

        session.open_menu(MENU_QUEUE)
        row = session.list_rows().filter(has_text=request['number'])
        row.first.wait_for()
        session.shot('03_queue')

        row.first.dblclick()
        register = session.pane().locator('button[name="register"]')
        register.wait_for(state='visible')
        session.idle()
        values = session.pane().locator('input, textarea').evaluate_all(
            "elements => elements.map(e => e.value)")
        assert request['number'] in values, values
        assert request['title'] in values, values
        assert session.state_label().startswith('1.'), session.state_label()
        register.scroll_into_view_if_needed()
        session.shot('04_request_step1')

        register.click()
        told = session.step_done()
        assert 'Kini pada "2. Pemeriksaan Kelengkapan"' in told, told
        register.wait_for(state='hidden')
        session.pane().locator('button[name="mark_complete"]').wait_for(
            state='visible')
        session.idle()
        session.check_errors('register')
        session.shot('05_request_step2_buttons')
        session.pane().evaluate(
            "pane => pane.querySelectorAll('*').forEach("
            "e => { if (e.scrollTop) { e.scrollTop = 0; } })")
        assert session.state_label().startswith('2.'), session.state_label()
        session.shot('06_request_step2')

        # Step 2: the checklist of a new application, one row per item
        # (data); each is marked "Ada" in the editable list.
        session.select_tab(TAB_COMPLETENESS)
        rows = session.pane().locator(
            '.treeview tbody tr:visible').filter(has=page.locator('td'))
        rows.first.wait_for()
        count = rows.count()
        assert count == 6, count
        for i in range(count):
            session.set_checklist_result(i, RESULT_PRESENT)
        session.shot('07_checklist_filled')
        complete = session.pane().locator('button[name="mark_complete"]')
        complete.click()
        told = session.step_done()
        assert 'Kini pada "3. Disposisi"' in told, told
        complete.wait_for(state='hidden')
        session.pane().locator('button[name="forward"]').wait_for(
            state='attached')
        session.idle()
        session.check_errors('mark_complete')
        assert session.state_label().startswith('3.'), session.state_label()
        session.shot('08_request_step3')
    finally:
        session.close()

    # The server agrees: the request went through step 1, registered by
    # tatakelola, and step 2 with every item of its checklist present.
    read, = tatakelola.call('model.egov.request.read', [request['id']],
        ['state', 'history', 'checklist'])
    assert read['state'] == 'disposition'
    lines = tatakelola.read('egov.request.checklist',
        read['checklist'], ['result'])
    assert [l['result'] for l in lines] == ['present'] * 6
    history = tatakelola.read('egov.request.history',
        read['history'], ['state', 'outcome', 'actor.login'])
    registered = [h for h in history if h['state'] == 'received']
    assert registered and registered[-1]['outcome'] == 'done'
    assert registered[-1]['actor.']['login'] == 'tatakelola'


def test_opd_sees_only_its_requests(browser, demo_server):
    "The head of Dinas Kesehatan sees Dinas Kesehatan's requests only"
    url, password = demo_server.url, demo_server.password
    admin = rpc_client(url, 'admin', password)
    dinkes = {r['number'] or r['title'] for r in _request(admin, [
                ('opd.code', '=', 'dinkes')])}
    others = _request(admin, [('opd.code', '!=', 'dinkes')])
    assert any(r['opd.']['name'] == 'Dinas Perhubungan' for r in others)

    session = Session(browser, demo_server, 'kadis_dinkes')
    try:
        session.login('kadis.dinkes')
        session.open_menu(MENU_OPD)
        session.select_tab(TAB_ALL)
        rows = session.list_rows()
        rows.first.wait_for()
        session.shot('07_opd_requests')
        texts = rows.all_inner_texts()

        # A decided request: the OPD's tabs, without the analyses that
        # stay inside Diskominfo.
        rows.filter(has_text=re.compile(
            r'(Decided|Sudah Diputuskan)')).first.dblclick()
        tabs = session.pane().locator('.nav-tabs a, [role="tab"]')
        tabs.filter(has_text=TAB_COMPLETENESS).first.wait_for()
        session.idle()
        labels = [t.strip() for t in tabs.evaluate_all(
                "tabs => tabs.filter(t => t.offsetParent !== null)"
                ".map(t => t.textContent)") if t.strip()]
        session.shot('08_opd_request_tabs')
    finally:
        session.close()

    assert any(TAB_COMPLETENESS.match(label) for label in labels), labels
    for internal in [r'^4-5\.', r'^7-8\.', r'^(Validations|Validasi)$']:
        assert not any(re.match(internal, label) for label in labels), (
            internal, labels)

    assert len(texts) == len(dinkes), texts
    for text in texts:
        assert 'Dinas Kesehatan' in text, text
        assert 'Dinas Perhubungan' not in text, text
    for other in others:
        assert not any(other['title'] in t for t in texts), other

    # Through JSON-RPC too: the record rules, not only the menu's domain.
    kadis = rpc_client(url, 'kadis.dinkes', password)
    seen = kadis.call('model.egov.request.search_read', [], 0, None, None,
        ['opd.code'])
    assert {r['opd.']['code'] for r in seen} == {'dinkes'}
    assert len(seen) == len(dinkes)


def test_step_3_selection_changed_then_forwarded(browser, demo_server):
    """The Kabid changes "Sifat" and types the instruction, then presses
    Teruskan at once: the save before the button sends what she changed,
    and only that (sao redrew its selections a tick late and sent their
    first option: null, or another kind of request)."""
    url, password = demo_server.url, demo_server.password
    kabid = rpc_client(url, 'kabid.egov', password)
    request, *_ = _request(kabid, [('state', '=', 'disposition')])
    before, = kabid.call('model.egov.request.read', [request['id']],
        ['kind', 'disposition_nature'])

    session = Session(browser, demo_server, 'kabid_egov_step3')
    writes = []

    def record_write(rpc):
        if rpc.method == 'POST' and rpc.url.endswith('/rpc/'):
            body = rpc.post_data_json or {}
            if body.get('method') == 'model.egov.request.write':
                writes.append(body['params'][1])
    session.page.on('request', record_write)
    try:
        session.login('kabid.egov')
        session.open_menu(MENU_QUEUE)
        session.list_rows().filter(has_text=request['number']).first.dblclick()
        forward = session.pane().locator('button[name="forward"]')
        forward.wait_for(state='visible')
        session.idle()
        session.select_tab(re.compile(r'^\s*1-3\.'))
        session.choose('disposition_nature', value='"segera"')
        instruction = session.pane().locator(
            'textarea[name="disposition_instruction"]')
        instruction.fill('Mohon dikaji kelayakannya minggu ini.')
        # No pause, no "Simpan": straight from typing to the button.
        forward.click()
        told = session.step_done()
        session.shot('after_forward')
        forward.wait_for(state='hidden')
        session.pane().locator('button[name="submit_feasibility"]').wait_for(
            state='attached')
        session.idle()
        session.check_errors('forward')
    finally:
        session.close()

    # She is told what happened, who acts next and by when.
    assert re.search(r'Langkah "3\. Disposisi": Selesai — Agus Setiawan, '
        r'\w+, \d+ \w+ \d{4} \d\d\.\d\d WIB\.', told), told
    assert re.search(r'Kini pada "4\. Analisis Kelayakan", di tangan Ketua '
        r'Tim Kerja Tata Kelola TIK, paling lambat \w+, \d+ \w+ \d{4} '
        r'\d\d\.\d\d WIB\.', told), told
    assert writes == [{
            'disposition_nature': 'segera',
            'disposition_instruction': 'Mohon dikaji kelayakannya minggu ini.',
            }], writes
    after, = kabid.call('model.egov.request.read', [request['id']],
        ['state', 'kind', 'disposition_nature', 'disposition_instruction'])
    assert after['state'] == 'feasibility'
    assert after['kind'] == before['kind']
    assert after['disposition_nature'] == 'segera'


def test_step_4_criteria_then_one_press(browser, demo_server):
    """The team lead assesses the criteria in the editable list, writes the
    summary and the conclusion, and presses "Ajukan untuk Validasi" once:
    that one press moves the request (the row left editing scrolled the
    form under the pointer, and the first press did nothing)."""
    url, password = demo_server.url, demo_server.password
    tatakelola = rpc_client(url, 'tatakelola', password)
    request, *_ = _request(tatakelola, [
            ('state', '=', 'feasibility'),
            ('feasibility_conclusion', '=', None)])
    request_kind, = [r['kind'] for r in tatakelola.call(
            'model.egov.request.read', [request['id']], ['kind'])]
    similar_rows = None

    session = Session(browser, demo_server, 'tatakelola_step4')
    try:
        page = session.page
        session.login('tatakelola')
        session.open_menu(MENU_QUEUE)
        session.list_rows().filter(has_text=request['number']).first.dblclick()
        submit = session.pane().locator('button[name="submit_feasibility"]')
        submit.wait_for(state='visible')
        session.idle()
        session.select_tab(re.compile(r'^\s*4-5\.'))
        rows = session.pane().locator('.treeview').filter(
            has=page.locator('th', has_text=ASSESSMENT)).first.locator(
            'tbody tr:visible')
        rows.first.wait_for()
        count = rows.count()
        for i in range(count):
            session.set_list_selection(ASSESSMENT, i, MET)
        session.choose('feasibility_conclusion', value='"feasible"')
        session.pane().locator('textarea[name="feasibility_analysis"]').fill(
            "Delapan kriteria terpenuhi; layak dibangun.")
        if request_kind == 'new':
            # The duplicate check: the similar applications of the catalog
            # with their score and the words that matched, then the
            # "Aplikasi Umum first" answer.
            similar = session.pane().locator('.treeview').filter(
                has=page.locator('th', has_text="Kata yang Cocok")).first
            similar.locator('tbody tr:visible').first.wait_for()
            similar_rows = similar.locator('tbody tr:visible').count()
            session.choose('general_app_answer', value='"build"')
            session.pane().locator(
                'textarea[name="general_app_reason"]').fill(
                "Aplikasi serupa tidak memenuhi alur rujukan khusus OPD.")
            session.shot('step4_similar_applications')
        # The last row is still being edited when the button is pressed.
        submit.click()
        told = session.step_done()
        session.shot('after_submit')
    finally:
        session.close()

    assert count == 8, count
    assert 'Kini pada "5. Validasi Kelayakan"' in told, told
    after, = tatakelola.call('model.egov.request.read', [request['id']],
        ['state', 'feasibility_conclusion', 'feasibility_lines'])
    assert after['state'] == 'feasibility_validation'
    assert after['feasibility_conclusion'] == 'feasible'
    lines = tatakelola.read('egov.request.feasibility',
        after['feasibility_lines'], ['assessment'])
    assert [l['assessment'] for l in lines] == ['met'] * 8
    if request_kind == 'new':
        assert 1 <= similar_rows <= 10, similar_rows
        answer, = tatakelola.call('model.egov.request.read',
            [request['id']], ['general_app_answer', 'general_app_reason'])
        assert answer['general_app_answer'] == 'build'
        assert answer['general_app_reason'].startswith("Aplikasi serupa")


def test_steps_5_and_6_in_one_tab(browser, demo_server):
    """The Head of e-Government Development keeps one tab open: at step 5
    a return without a reason is refused and the form still shows the
    request as it is; she validates with a note; at step 6 she picks the
    category and the SPBE class, writes the reason and presses once."""
    url, password = demo_server.url, demo_server.password
    kabid = rpc_client(url, 'kabid.egov', password)
    request, *_ = _request(kabid, [('state', '=', 'feasibility_validation')])

    session = Session(browser, demo_server, 'kabid_egov_steps56')
    try:
        page = session.page
        session.login('kabid.egov')
        session.open_menu(MENU_QUEUE)
        session.list_rows().filter(has_text=request['number']).first.dblclick()
        revise = session.pane().locator('button[name="revise_feasibility"]')
        revise.wait_for(state='visible')
        session.idle()

        # A return for revision says why: refused, and nothing changes.
        revise.click()
        error = page.locator('.modal.in .modal-body').first
        error.wait_for(state='visible')
        refusal = error.inner_text()
        session.shot('5_refused')
        page.locator('.modal.in .modal-footer button').first.click()
        session.idle()
        state_after_refusal = session.state_label()
        revise.wait_for(state='visible')

        note = session.pane().locator('textarea[name="step_note"]')
        note.fill("Analisis kelayakan sudah memadai.")
        session.pane().locator('button[name="approve_feasibility"]').click()
        told_5 = session.step_done()

        categorize = session.pane().locator('button[name="categorize"]')
        categorize.wait_for(state='visible')
        session.select_tab(re.compile(r'^\s*6\.'))
        # Two categories: a drop-down, not a search.
        session.choose('category', label='Aplikasi Layanan Publik')
        session.choose('spbe_class', value='"khusus"')
        session.pane().locator('textarea[name="category_reason"]').fill(
            "Melayani kebutuhan khusus OPD; tidak ada Aplikasi Umum serupa.")
        session.shot('6_filled')
        categorize.click()
        told_6 = session.step_done()
        session.shot('6_done')
        session.check_errors('steps 5 and 6')
    finally:
        session.close()

    assert re.search(r'Catatan', refusal), refusal
    assert state_after_refusal.startswith('5.'), state_after_refusal
    assert 'Kini pada "6. Pengategorian"' in told_5, told_5
    assert 'Kini pada "7. Analisis Teknis"' in told_6, told_6
    after, = kabid.call('model.egov.request.read', [request['id']],
        ['state', 'spbe_class', 'category.code', 'validations'])
    assert after['state'] == 'technical'
    assert after['spbe_class'] == 'khusus'
    assert after['category.']['code'] == 'layanan_publik'
    validations = kabid.read('egov.request.validation',
        after['validations'], ['analysis', 'decision', 'reason'])
    assert validations[-1] == {'id': validations[-1]['id'],
        'analysis': 'feasibility', 'decision': 'validated',
        'reason': "Analisis kelayakan sudah memadai."}, validations


def test_step_7_team_lead_and_contributor(browser, demo_server):
    """Step 7 with two people: the team lead opens the request; the Head of
    ICT Infrastructure finds it in her "Menunggu Saya" and saves her part;
    the team lead, whose tab still holds the form she loaded before, writes
    the technical sections and presses once: no error, no "modified
    meanwhile", and her colleague's part is kept."""
    url, password = demo_server.url, demo_server.password
    admin = rpc_client(url, 'admin', password)
    # A public service application: the steps 5 and 6 test above brings
    # one more to step 7, and the government management one stays for the
    # layout test of that team's form.
    request, *_ = _request(admin, [('state', '=', 'technical'),
            ('category.code', '=', 'layanan_publik'),
            ('tech_infrastructure', '=', None)])
    infrastructure = "2 VM di Pusat Data Pemkot (4 vCPU, 8 GB), TLS BSrE."

    lead = Session(browser, demo_server, 'katim_publik_step7')
    sarpras = Session(browser, demo_server, 'kabid_sarpras_step7')
    try:
        lead.login('katim.publik')
        lead.open_menu(MENU_QUEUE)
        lead.list_rows().filter(has_text=request['number']).first.dblclick()
        submit = lead.pane().locator('button[name="submit_technical"]')
        submit.wait_for(state='visible')
        lead.idle()
        awaiting = lead.pane().locator('input[name="awaiting_input"]'
            ).input_value()

        sarpras.login('kabid.sarpras')
        sarpras.open_menu(MENU_QUEUE)
        waiting = sarpras.list_rows().filter(has_text=request['number'])
        waiting.first.wait_for()
        waiting.first.dblclick()
        sarpras.pane().locator('textarea[name="tech_infrastructure"]'
            ).wait_for(state='attached')
        sarpras.idle()
        sarpras.select_tab(re.compile(r'^\s*7-8\.'))
        sarpras.pane().locator('textarea[name="tech_infrastructure"]').fill(
            infrastructure)
        sarpras.page.keyboard.press('Control+s')
        sarpras.idle()
        sarpras.check_errors('sarpras save')
        sarpras_errors = sarpras.page.locator('.modal.in .modal-body'
            ).all_inner_texts()
        sarpras.shot('saved')

        pane = lead.pane()
        lead.select_tab(re.compile(r'^\s*7-8\.'))
        pane.locator('textarea[name="tech_architecture"]').fill(
            "Aplikasi web tiga lapis, PostgreSQL, SSO Tangerang.")
        lead.choose('tech_hosting',
            value='"pusat_data"')
        pane.locator('textarea[name="tech_integration"]').fill(
            "SPLP untuk data kepegawaian; aplikasi persuratan kota.")
        lead.choose('tech_security_class',
            value='"rendah"')
        pane.locator('textarea[name="tech_security_needs"]').fill(
            "TLS, autentikasi dua faktor untuk admin, log audit.")
        lead.type_number('tech_effort_days', '60')
        lead.choose('technical_recommendation',
            value='"build"')
        pane.locator('textarea[name="technical_analysis"]').fill(
            "Dapat dibangun oleh tim aplikasi dalam satu triwulan.")
        submit.click()
        told = lead.step_done()
        lead.shot('submitted')
        lead.check_errors('submit_technical')
    finally:
        lead.close()
        sarpras.close()

    assert 'Sarana dan Prasarana' in awaiting, awaiting
    assert not sarpras_errors, sarpras_errors
    assert 'Kini pada "8. Validasi Teknis"' in told, told
    after, = admin.call('model.egov.request.read', [request['id']],
        ['state', 'tech_infrastructure', 'tech_hosting', 'tech_effort_days',
            'technical_recommendation'])
    assert after == {'id': request['id'], 'state': 'technical_validation',
        'tech_infrastructure': infrastructure, 'tech_hosting': 'pusat_data',
        'tech_effort_days': 60, 'technical_recommendation': 'build'}, after
TAB_VALIDATIONS = re.compile(r'^\s*(Validations|Validasi)\s*$')


def _open_from_queue(session, number):
    "Open request `number` from the user's queue; wait for its buttons"
    session.open_menu(MENU_QUEUE)
    row = session.list_rows().filter(has_text=number)
    row.first.wait_for()
    row.first.dblclick()
    session.pane().locator('button[name="revise_technical"]').wait_for(
        state='visible')
    session.idle()


def _validation_rows(session):
    session.select_tab(TAB_VALIDATIONS)
    rows = session.pane().locator('.treeview tbody tr:visible').filter(
        has=session.page.locator('td'))
    rows.first.wait_for()
    return [' '.join(t.split()) for t in rows.all_inner_texts()]


def test_step8_each_kabid_validates(browser, demo_server):
    """Step 8: the Head of e-Government Development validated first; she
    finds her validation with her note and is not offered "Validate" again.
    The Head of ICT Infrastructure validates with her own note and the
    request moves to step 9."""
    url, password = demo_server.url, demo_server.password
    sarpras = rpc_client(url, 'kabid.sarpras', password)
    # The demo's request that the first Kabid validated (another test may
    # bring a request to step 8 too).
    request, = _request(sarpras, [('state', '=', 'technical_validation'),
            ('validations.analysis', '=', 'technical')])
    read, = sarpras.call('model.egov.request.read', [request['id']],
        ['validations'])
    first, = sarpras.call('model.egov.request.validation.read',
        read['validations'], ['analysis', 'validator.login', 'reason'])[-1:]
    assert first['analysis'] == 'technical'
    assert first['validator.']['login'] == 'kabid.egov'
    note = "Kapasitas server dan sertifikat TLS tersedia di Pusat Data."

    egov = Session(browser, demo_server, 'kabid_egov')
    try:
        egov.login('kabid.egov')
        # Validated by her: no longer waiting for her, among all the others.
        egov.open_menu(MENU_QUEUE)
        assert not egov.list_rows().filter(
            has_text=request['number']).count()
        egov.select_tab(TAB_ALL)
        row = egov.list_rows().filter(has_text=request['number'])
        row.first.dblclick()
        egov.pane().locator('button[name="revise_technical"]').wait_for(
            state='visible')
        egov.idle()
        buttons = egov.pane().locator('button[name="reject_technical"]')
        buttons.scroll_into_view_if_needed()
        egov.shot('step8_01_validated_no_button')
        assert not egov.pane().locator(
            'button[name="approve_technical"]').is_visible()
        rows = _validation_rows(egov)
        egov.shot('step8_02_her_validation')
        egov.check_errors('step8 validations')
    finally:
        egov.close()
    technical = [r for r in rows if 'Agus Setiawan' in r
        and re.search(r'(Technical|Teknis)', r)]
    assert len(technical) == 1, rows
    assert ' '.join(first['reason'].split()) in technical[0], technical

    session = Session(browser, demo_server, 'kabid_sarpras')
    try:
        session.login('kabid.sarpras')
        _open_from_queue(session, request['number'])
        approve = session.pane().locator('button[name="approve_technical"]')
        assert approve.is_visible()
        session.pane().locator('textarea[name="step_note"]').fill(note)
        approve.scroll_into_view_if_needed()
        session.shot('step8_03_second_validator')
        approve.click()
        told = session.step_done()
        approve.wait_for(state='hidden')
        session.idle()
        session.check_errors('approve_technical')
        assert session.state_label().startswith('9.'), session.state_label()
        rows = _validation_rows(session)
        session.shot('step8_04_both_validations')
    finally:
        session.close()
    assert 'Kini pada "9. Penandatanganan Surat Jawaban"' in told, told
    technical = [r for r in rows if re.search(r'(Technical|Teknis)', r)]
    assert len(technical) == 2, rows
    assert 'Agus Setiawan' in technical[0] and 'Dewi Lestari' in technical[1]
    assert note in technical[1], technical

    # The server agrees: one validation each, each with its own note.
    read, = sarpras.call('model.egov.request.read', [request['id']],
        ['state', 'validations', 'step_note'])
    assert read['state'] == 'signing'
    assert read['step_note'] is None
    validations = sarpras.read('egov.request.validation',
        read['validations'], ['analysis', 'validator.login', 'reason'])
    assert [(v['validator.']['login'], v['reason']) for v in validations
        if v['analysis'] == 'technical'] == [
        ('kabid.egov', first['reason']), ('kabid.sarpras', note)]
