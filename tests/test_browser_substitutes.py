"""A substitute (Plh.) in the web client: the Kabid E-Government, Plh. of
the Kepala Dinas on leave, finds her request at step 9 in his queue, signs
the reply letter with the step's button, and the letter and the step
history name him Plh. (absence.py)."""
import datetime as dt
import re

from sao import MENU_QUEUE, TAB_ALL, Session, rpc_client

TAB_DECISION = re.compile(r'^\s*(Decision|Keputusan)\s*$')
MENU_ABSENCES = re.compile(
    r'^(Absences and Substitutes|Ketidakhadiran dan Pengganti \(Plh\./Plt\.\))$')


def _date(day):
    return {'__class__': 'date', 'year': day.year, 'month': day.month,
        'day': day.day}


def _kadis_away(demo_server, kind, reason):
    """The Kepala Dinas records an absence from yesterday to in three days
    with the Kabid E-Government as her substitute: (her RPC client, a
    request of hers at step 9 to approve, the Kabid's id, the absence)"""
    kadis = rpc_client(demo_server.url, 'kadis', demo_server.password)
    request, *_ = kadis.call('model.egov.request.search_read',
        [('state', '=', 'signing'), ('rejection_concluded', '=', False)],
        0, None, None, ['number'])
    kabid, = kadis.call('model.res.user.search',
        [('login', '=', 'kabid.egov')], 0, None, None)
    today = dt.datetime.now(dt.timezone.utc).date()
    absence, = kadis.call('model.egov.absence.create', [{
                'kind': kind,
                'date_from': _date(today - dt.timedelta(days=1)),
                'date_to': _date(today + dt.timedelta(days=3)),
                'substitute': kabid,
                'reason': reason,
                }])
    kadis.call('model.egov.absence.confirm', [absence])
    return kadis, request, kabid, absence


# sao writes a button's label in capitals (CSS).
RETURN_EARLY = re.compile(
    r'^\s*(Return Early|Kembali Lebih Awal)\s*$', re.IGNORECASE)


def test_absent_official_is_refused_and_returns_early(browser, demo_server):
    """The Kepala Dinas on leave presses her step button: refused, with
    the name of her Plh. and the way back; "Kembali Lebih Awal" on her
    absence ends it today, and her queue is hers again"""
    kadis, request, kabid, absence = _kadis_away(demo_server,
        'dinas_luar', "Rapat koordinasi SPBE di Jakarta.")
    try:
        session = Session(browser, demo_server, 'absent_kadis')
        try:
            session.login('kadis')
            session.open_menu(MENU_QUEUE)
            session.select_tab(TAB_ALL)
            session.open_from_list(request['number'])
            session.select_tab(TAB_DECISION)
            session.choose('decision', value='"approved"')
            session.write_text('decision_text', "Disetujui.")
            press = session.press('decide')
            refusal, = press.errors
            assert 'Agus Setiawan' in refusal, refusal
            assert ('Kembali Lebih Awal' in refusal
                or 'Return Early' in refusal), refusal
            session.shot('01_refused')
            session.dismiss()
            session.open_menu(MENU_ABSENCES)
            session.open_from_list('Plh.')
            button = session.pane().locator(
                '.form button[name="end_early"]')
            assert RETURN_EARLY.match(button.inner_text()), (
                button.inner_text())
            session.shot('02_absence')
            press = session.press('end_early')
            assert press.asked, "the button asks before it ends the leave"
            assert not press.errors, press.errors
            button.wait_for(state='hidden')
            session.shot('03_returned')
        finally:
            session.close()
        read, = kadis.call('model.egov.absence.read', [absence],
            ['state', 'returned_on'])
        assert read['state'] == 'ended'
        assert read['returned_on'] is not None
        state, = kadis.call('model.egov.request.read', [request['id']],
            ['state'])
        assert state['state'] == 'signing'
        waiting = kadis.call('model.egov.request.search',
            [('waiting_for_me', '=', True)], 0, None, None)
        assert request['id'] in waiting
    finally:
        still, = kadis.call('model.egov.absence.read', [absence], ['state'])
        if still['state'] == 'confirmed':
            kadis.call('model.egov.absence.cancel', [absence])


def test_plh_signs_reply_letter(browser, demo_server):
    kadis, request, kabid, absence = _kadis_away(demo_server, 'cuti',
        "Cuti tahunan.")
    try:
        session = Session(browser, demo_server, 'plh_kadis')
        try:
            session.login('kabid.egov')
            session.open_menu(MENU_QUEUE)
            row = session.list_rows().filter(has_text=request['number'])
            row.first.wait_for()
            row.first.dblclick()
            decide = session.pane().locator('.form button[name="decide"]')
            decide.wait_for(state='visible')
            session.idle()
            session.select_tab(TAB_DECISION)
            session.choose('decision', value='"approved"')
            session.write_text('decision_text',
                "Dapat dibangun sesuai SOP Pembangunan Aplikasi.")
            decide.scroll_into_view_if_needed()
            session.shot('substitute_01_plh_at_step_9')
            session.press('decide')
            told = session.step_done()
            decide.wait_for(state='hidden')
            session.idle()
            session.check_errors('decide as Plh.')
            session.shot('substitute_02_signed')
            # The absences: the Plh. reads the one he holds the roles by.
            session.open_menu(MENU_ABSENCES)
            row = session.list_rows().filter(has_text='Plh.')
            row.first.wait_for()
            session.shot('substitute_03_absences')
        finally:
            session.close()
        assert told, told
        read, = kadis.call('model.egov.request.read', [request['id']],
            ['state', 'signatory_acting', 'decided_by', 'history'])
        assert read['state'] == 'done'
        assert read['signatory_acting'] == 'plh'
        assert read['decided_by'] == kabid
        history = kadis.call('model.egov.request.history.read',
            read['history'], ['state', 'actor', 'acting_as'])
        signing, = [h for h in history if h['state'] == 'signing']
        assert signing['actor'] == kabid
        assert signing['acting_as'] == (
            'Plh. Kepala Dinas Komunikasi dan Informatika Kota Tangerang')
    finally:
        kadis.call('model.egov.absence.cancel', [absence])

