"""The calendar of a year not yet confirmed, in the web client:
the warning on the calendar forms and "Perkiraan" beside a deadline counted
on the provisional calendar.

The demo (scripts/demo_data.py) ships the SKB of 2025 and 2026 only and
fills the provisional calendar of this year and the next; its request
"e-KIR" was registered on Thursday 31 December 2026 at 15:30, its step 2
due on Monday 4 January 2027 on the provisional calendar of 2027."""
import re

from playwright.sync_api import expect

from sao import Session, rpc_client

VIEWPORT = {'width': 1366, 'height': 768}
WARNING = re.compile(r'Kalender tahun (\d{4}) belum ditetapkan')


def _open(session, path):
    session.page.goto(f'{session.server.url}#egov_demo/model/{path}')
    session.idle()


def test_warning_on_the_calendar_forms(browser, demo_server):
    admin = rpc_client(demo_server.url, 'admin', demo_server.password)
    # The server's own answer: the demo has no confirmed calendar for the
    # year after 2026, and the machine's date is after 1 October 2026.
    warning, = admin.call('model.egov.configuration.read', [1],
        ['calendar_warning'], context={'language': 'id'})
    year = WARNING.match(warning['calendar_warning'] or '')
    assert year and int(year.group(1)) >= 2027, warning
    holiday, = admin.call('model.egov.holiday.search',
        [('provisional', '=', True)], 0, 1, None)

    session = Session(browser, demo_server, 'admin_calendar_warning',
        viewport=VIEWPORT)
    try:
        session.login('admin')
        for path in [f'egov.holiday/{holiday}', 'egov.configuration/1']:
            _open(session, path)
            label = session.pane().locator('label', has_text=WARNING)
            label.first.wait_for(state='visible')
            assert f'impor SKB tahun {year.group(1)}' in label.first.inner_text()
            session.shot(path.split('/')[0].replace('.', '_'))
        session.check_errors('calendar forms')
    finally:
        session.close()


def test_estimate_beside_the_deadline(browser, demo_server):
    tatakelola = rpc_client(demo_server.url, 'tatakelola',
        demo_server.password)
    crossing, = tatakelola.call('model.egov.request.search_read',
        [('title', 'like', '%(e-KIR)%')], 0, None, None,
        ['deadline', 'deadline_provisional'])
    assert crossing['deadline_provisional'], crossing
    other, = tatakelola.call('model.egov.request.search_read', [
            ('state', '=', 'completeness'), ('id', '!=', crossing['id'])],
        0, 1, None, ['number', 'deadline_provisional'])
    assert not other['deadline_provisional'], other

    session = Session(browser, demo_server, 'tatakelola_estimate',
        viewport=VIEWPORT)
    try:
        session.login('tatakelola')
        _open(session, f"egov.request/{crossing['id']}")
        deadline = session.pane().locator('input[name="deadline"]')
        deadline.wait_for(state='visible')
        assert deadline.input_value().startswith('04/01/2027 08:00')
        estimate = session.pane().locator('label', has_text=re.compile(
                r'^\s*Perkiraan\s*$'))
        estimate.first.wait_for(state='visible')
        # Beside the deadline, on its row of the status block.
        box, mark = deadline.bounding_box(), estimate.first.bounding_box()
        assert abs(box['y'] - mark['y']) < box['height'], (box, mark)
        assert mark['x'] > box['x'], (box, mark)
        assert estimate.first.get_attribute('title'), "no help text"
        session.shot('request')

        _open(session, f"egov.request/{other['id']}")
        # sao may show the other request in the same tab: wait for it.
        expect(session.pane().locator('input[name="number"]')).to_have_value(
            other['number'])
        expect(session.pane().locator('label', has_text=re.compile(
                    r'^\s*Perkiraan\s*$')).first).to_be_hidden()
        session.check_errors('request forms')
    finally:
        session.close()
