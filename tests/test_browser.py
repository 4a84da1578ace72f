"""The web client (sao) in a real browser, on the demo database.

The session fixtures of tests/conftest.py build the demo database
(scripts/demo_data.py) in a temporary directory and start trytond on a free
port; Chromium (Debian's,
driven by Playwright) logs in as the users of the SOP roles. What a click
changed is checked through JSON-RPC, not only on the screen. Screenshots of
each stage go to tests/artifacts/."""
import re

from sao import (
    MENU_OPD, MENU_QUEUE, RESULT_PRESENT, TAB_ALL, TAB_COMPLETENESS, Session,
    rpc_client)


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
        # A confirmation, if the button asks for one.
        confirm = page.locator('.modal.in .modal-footer .btn-primary')
        try:
            confirm.first.wait_for(state='visible', timeout=1500)
            confirm.first.click()
        except Exception:
            pass
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
    lines = tatakelola.call('model.egov.request.checklist.read',
        read['checklist'], ['result'])
    assert [l['result'] for l in lines] == ['present'] * 6
    history = tatakelola.call('model.egov.request.history.read',
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
