"""The request form fits the screen of Diskominfo's staff: 1366x768, the
web client's menu open.

For each role of ROLE_USERS and each step the role acts on, the user opens
a request at that step from *My Queue* (the demo database, see
tests/conftest.py) and, without scrolling, reads the status block (number,
state, responsible, deadline, time left, timing) and sees the step's
buttons; no part of the form scrolls sideways, on any page of its notebook
(the editable checklist and feasibility criteria included), and a click on
a page does not move the form sideways. A screenshot of each form goes to
tests/artifacts/layout_<login>_<step>.png."""
import re

import pytest

from egov_app_request.tests.tools import ROLE_USERS
from sao import MENU_QUEUE, Session, rpc_client

VIEWPORT = {'width': 1366, 'height': 768}

# The steps each role acts on (SOP defaults, data/sop_data.xml) and, for
# step 7, the category that routes it to the team.
ROLE_STEPS = {
    'tatakelola': ['received', 'completeness', 'feasibility'],
    'kabid.egov': [
        'disposition', 'feasibility_validation', 'categorization',
        'technical_validation'],
    'kabid.sarpras': ['technical_validation'],
    'katim.publik': ['technical'],
    'katim.manajemen': ['technical'],
    'kadis': ['signing'],
    }
CATEGORY = {
    'katim.publik': 'layanan_publik',
    'katim.manajemen': 'manajemen_pemerintahan',
    }
# The buttons that complete each step (request.py).
STEP_BUTTONS = {
    'received': ['register'],
    'completeness': ['mark_incomplete', 'mark_complete'],
    'disposition': ['forward'],
    'feasibility': ['submit_feasibility'],
    'feasibility_validation': [
        'revise_feasibility', 'reject_feasibility', 'approve_feasibility'],
    'categorization': ['categorize'],
    'technical': ['submit_technical'],
    'technical_validation': [
        'revise_technical', 'reject_technical', 'approve_technical'],
    'signing': ['decide'],
    }
STATUS_FIELDS = [
    'number', 'state', 'responsible', 'deadline', 'time_left', 'timing']
# Room for the arrow of a selection, beside its text.
SELECT_ARROW = 24  # px

# Every element of the form that scrolls sideways (overflow auto or scroll)
# and does: the web client's own scroller of the form ('content-box'), the
# lists. An element hidden (other notebook page) does not count.
SIDEWAYS = """(pane, lists) => [pane, ...pane.querySelectorAll('*')]
    .filter(e => e.offsetParent !== null
        && ['auto', 'scroll'].includes(getComputedStyle(e).overflowX)
        && e.scrollWidth > e.clientWidth
        && (lists || !e.closest('.form-one2many')))
    .map(e => `${e.className}: ${e.scrollWidth} > ${e.clientWidth}`)"""
# The list of the issued documents (letter_list.xml) is 1 px wider than its
# page: its own test below says so until its columns get widths.
LETTERS_PAGE = re.compile(r'^\s*(Issued Documents|Dokumen Terbit)\s*$')

# Where an element is, and how wide its text is against its width.
BOX = """el => {
    const r = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    const text = el.tagName === 'SELECT'
        ? (el.selectedIndex >= 0 ? el.options[el.selectedIndex].text : '')
        : (el.value !== undefined ? el.value : el.textContent);
    const probe = document.createElement('span');
    probe.style.font = style.font;
    probe.style.whiteSpace = 'pre';
    probe.style.position = 'absolute';
    probe.style.visibility = 'hidden';
    probe.textContent = text;
    document.body.appendChild(probe);
    const width = probe.getBoundingClientRect().width;
    probe.remove();
    return {
        left: r.left, right: r.right, top: r.top, bottom: r.bottom,
        text: text,
        needed: width + parseFloat(style.paddingLeft)
            + parseFloat(style.paddingRight),
        available: el.clientWidth,
        select: el.tagName === 'SELECT',
    };
}"""


class LayoutSession(Session):
    "A user of the web client on a 1366x768 screen"

    def __init__(self, browser, server, name):
        super().__init__(browser, server, name, viewport=VIEWPORT)

    def scroller(self):
        "The web client's scrolling box of the form"
        return self.pane().locator('.content-box').first

    def sideways(self, where, lists=True):
        found = self.pane().evaluate(SIDEWAYS, lists)
        assert not found, (
            f"{self.name}: the form scrolls sideways ({where}): {found} "
            f"(screenshot {self.shot('sideways')})")


def _box_inside(box, frame):
    return (box['left'] >= frame['left'] - 0.5
        and box['right'] <= frame['right'] + 0.5
        and box['top'] >= frame['top'] - 0.5
        and box['bottom'] <= frame['bottom'] + 0.5)


def _waiting(client, state, category=None):
    "A request at `state` waiting for the client's user, first of the queue"
    domain = [('waiting_for_me', '=', True), ('state', '=', state)]
    if category:
        domain.append(('category.code', '=', category))
    found = client.call('model.egov.request.search_read', domain, 0, 1,
        [('timing', 'ASC'), ('deadline', 'ASC NULLS LAST')], ['number'])
    assert found, f"no request at {state} waits for the user in the demo"
    return found[0]['number']


def test_every_role_has_steps():
    assert set(ROLE_STEPS) == set(ROLE_USERS)
    assert {s for steps in ROLE_STEPS.values() for s in steps} == set(
        STEP_BUTTONS)


@pytest.mark.parametrize('login', list(ROLE_STEPS))
def test_request_form_fits_the_screen(browser, demo_server, login):
    client = rpc_client(demo_server.url, login, demo_server.password)
    numbers = {state: _waiting(client, state, CATEGORY.get(login))
        for state in ROLE_STEPS[login]}

    session = LayoutSession(browser, demo_server, 'layout_' + login)
    try:
        page = session.page
        session.login(login)
        menu = page.locator('#menu')
        assert menu.is_visible(), "the menu is not open"
        session.open_menu(MENU_QUEUE)
        for state, number in numbers.items():
            session.name = f'layout_{login}_{state}'
            _check_form(session, state, number, menu.bounding_box())
            session.pane().locator('button#switch_').click()
            session.wait_list()
    finally:
        session.close()


def _check_form(session, state, number, menu):
    page = session.page
    row = session.list_rows().filter(has_text=number).first
    row.wait_for()
    # A click on the number (other cells hold links).
    row.locator('td', has_text=number).first.dblclick()
    buttons = STEP_BUTTONS[state]
    pane = session.pane()
    pane.locator(f'button[name="{buttons[0]}"]').wait_for(state='visible')
    session.idle()
    session.check_errors(f'{number} opened')

    # The menu stays open beside the form.
    scroller = session.scroller()
    frame = scroller.bounding_box()
    assert menu['width'] > 200 and frame['x'] >= menu['x'] + menu['width'], (
        menu, frame)
    assert scroller.evaluate('e => [e.scrollTop, e.scrollLeft]') == [0, 0]
    # What shows without scrolling: the scroller's box, inside the screen.
    visible = {
        'left': frame['x'], 'top': frame['y'],
        'right': min(frame['x'] + frame['width'], VIEWPORT['width']),
        'bottom': min(frame['y'] + frame['height'], VIEWPORT['height']),
        }
    values = pane.locator('input, select').evaluate_all(
        "elements => elements.map(e => e.value)")
    assert number in values, values

    session.shot('form')
    for name in STATUS_FIELDS:
        widget = pane.locator(f'[name="{name}"]:visible').first
        box = widget.evaluate(BOX)
        assert _box_inside(box, visible), (
            f"{name} of {number} is not on the screen: {box}, {visible}")
        room = box['available'] - (SELECT_ARROW if box['select'] else 0)
        assert box['needed'] <= room + 0.5, (
            f"{name} of {number} is cut: {box}")
        assert box['text'].strip() or name == 'time_left', (name, box)
    for name in buttons:
        button = pane.locator(f'button[name="{name}"]')
        assert button.is_visible(), (name, number)
        box = button.evaluate(BOX)
        assert _box_inside(box, visible), (
            f"button {name} of {number} is not on the screen: {box}")
    others = {b for bs in STEP_BUTTONS.values() for b in bs} - set(buttons)
    for name in others:
        assert not pane.locator(f'button[name="{name}"]').is_visible(), name
    session.sideways(f'{number}, first page')

    # Every page of the notebook: nothing scrolls sideways, and a click on
    # a page does not move the form sideways.
    tabs = pane.locator('.form-notebook > .nav-tabs > li > a')
    labels = [t.strip() for t in tabs.evaluate_all(
            "tabs => tabs.filter(t => t.offsetParent !== null)"
            ".map(t => t.textContent)")]
    assert len(labels) >= 9, labels
    for label in labels:
        tabs.filter(has_text=re.compile(
                r'^\s*' + re.escape(label) + r'\s*$')).first.click()
        session.idle()
        session.sideways(f'{number}, page {label}',
            lists=not LETTERS_PAGE.match(label))
        assert scroller.evaluate('e => e.scrollLeft') == 0, label
    session.check_errors(f'{number} pages')


def test_issued_documents_list_fits(browser, demo_server):
    "The list of the issued documents on the request form"
    client = rpc_client(demo_server.url, 'kadis', demo_server.password)
    number = _waiting(client, 'signing')
    session = LayoutSession(browser, demo_server, 'layout_letters')
    try:
        session.login('kadis')
        session.open_menu(MENU_QUEUE)
        row = session.list_rows().filter(has_text=number).first
        row.wait_for()
        row.locator('td', has_text=number).first.dblclick()
        session.pane().locator('button[name="decide"]').wait_for(
            state='visible')
        session.idle()
        session.select_tab(LETTERS_PAGE)
        session.pane().locator(
            '.form-one2many .treeview:visible tbody tr').first.wait_for()
        session.sideways(f'{number}, issued documents')
    finally:
        session.close()
