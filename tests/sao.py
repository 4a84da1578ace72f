"""The web client (sao) driven as a person drives it, for the browser tests.

A `Session` is one user in one browser context: logged in once, it keeps
its tab open. What it does goes through real clicks and key presses, each
counted on a `Tally` (how much work a step asks of its users), at a
person's pace: after every action it waits until sao has answered every
call it made and has been quiet for a moment. The JSON-RPC calls the page
sends are kept, to show what sao sent when the server refused it."""
import json
import re
import time
from collections import Counter

from server import DEMO_DATABASE as DATABASE
from server import ROOT, Client

ARTIFACTS = ROOT / 'tests' / 'artifacts'
TIMEOUT = 30_000  # ms

# Labels in English (source) and Indonesian (locale/id.po): the demo users
# speak Indonesian, but the translation may lag behind the source.
MENU_ROOT = re.compile(r'^(e-Government Applications|Aplikasi e-Government)$')
MENU_QUEUE = re.compile(r'^(My Queue|Antrean Saya)$')
MENU_OPD = re.compile(r"^(My OPD's Requests|Pengajuan OPD Saya)$")
TAB_ALL = re.compile(r'^\s*(All|Semua)\b')
TAB_WAITING = re.compile(r'^\s*(Waiting for Me|Menunggu Saya)\b')
TAB_COMPLETENESS = re.compile(r'^\s*2\. (Completeness|Kelengkapan)')
RESULT_PRESENT = re.compile(r'^(Present|Ada)$')
ASSESSMENT = re.compile(r'^(Assessment|Penilaian)$')
MET = re.compile(r'^(Met|Memenuhi)$')
# The dialog that answers a step button (wizard egov.request.moved).
STEP_DONE = re.compile(r'(Langkah Selesai|Step Done)')

# Counts the calls sao has in flight (jQuery.ajax: XMLHttpRequest) and
# when the page last sent or received one.
PENDING_CALLS = """
(() => {
    window.__saoPending = 0;
    window.__saoQuiet = performance.now();
    const send = XMLHttpRequest.prototype.send;
    XMLHttpRequest.prototype.send = function(...args) {
        window.__saoPending += 1;
        window.__saoQuiet = performance.now();
        this.addEventListener('loadend', () => {
            window.__saoPending -= 1;
            window.__saoQuiet = performance.now();
        });
        return send.apply(this, args);
    };
})();
"""
# sao chains its callbacks through timers: "settled" is no call in flight
# for this long, and no "processing" indicator.
QUIET_MS = 100
SETTLED = """
quiet => window.__saoPending === 0
    && performance.now() - window.__saoQuiet > quiet
    && !Array.from(document.querySelectorAll('#processing'))
        .some(e => e.offsetParent !== null)
"""
# The dialogs sao opens (common.js): a question before a button, a message,
# a refusal (UserError, UserWarning) and a crash.
DIALOG_KINDS = {
    'confirmation-dialog': 'confirm',
    'message-dialog': 'message',
    'warning-dialog': 'error',
    'user-warning-dialog': 'error',
    'error-dialog': 'error',
    }


def rpc_client(url, login, password):
    client = Client(url, DATABASE)
    # trytond 8.0 answers JSON-RPC on /<database>/rpc/ (405 on /<database>/)
    if not client.url.endswith('/rpc/'):
        client.url += 'rpc/'
    return client.login(login, password)


class Tally:
    "The clicks, key presses and typed characters of each step"

    def __init__(self):
        self.steps = {}
        self.current = Counter()
        self.started = time.monotonic()

    def step(self, name):
        "Count from now on for step `name` (and time it)"
        now = time.monotonic()
        self.current['seconds'] += now - self.started
        self.started = now
        self.current = self.steps.setdefault(name, Counter())
        return self.current

    def add(self, kind, n=1):
        self.current[kind] += n

    @staticmethod
    def describe(counter):
        return (f"{counter['click']} clicks, {counter['key']} key presses, "
            f"{counter['field']} fields typed ({counter['char']} characters)"
            f", {counter['seconds']:.0f} s")

    def report(self):
        self.step(None)
        del self.steps[None]
        width = max((len(n) for n in self.steps), default=0)
        return '\n'.join(f"{name.ljust(width)}  {self.describe(counter)}"
            for name, counter in self.steps.items())


class Session:
    "One user in the web client, with the JavaScript errors it raised"

    def __init__(self, browser, server, name, artifacts=ARTIFACTS,
            tally=None, viewport=None):
        self.artifacts = artifacts
        artifacts.mkdir(parents=True, exist_ok=True)
        self.server = server
        self.name = name
        self.tally = tally if tally is not None else Tally()
        # A browser in Kota Tangerang: sao shows times in its time zone.
        self.context = browser.new_context(
            viewport=viewport or {'width': 1366, 'height': 800},
            locale='id-ID', timezone_id='Asia/Jakarta')
        self.context.add_init_script(PENDING_CALLS)
        self.page = self.context.new_page()
        self.page.set_default_timeout(TIMEOUT)
        self.errors = []
        self.page.on('pageerror', lambda error: self.errors.append(
                str(error)))
        # Every JSON-RPC call of the page, to tell what sao sent.
        self.calls = []
        self.page.on('request', self._record_call)

    def _record_call(self, request):
        if request.method == 'POST' and '"method"' in (
                request.post_data or ''):
            self.calls.append(request)

    def close(self):
        self.context.close()

    def shot(self, stage):
        path = self.artifacts / f'{self.name}_{stage}.png'
        self.page.screenshot(path=str(path))
        return path

    def check_errors(self, stage):
        assert not self.errors, (
            f"the web client raised JavaScript errors at {stage}: "
            f"{self.errors} (screenshot {self.shot(stage + '_error')}); "
            "note: sao 8.0 has no list column for datetime/timestamp "
            "fields, list views must use widget=\"date\" / widget=\"time\"")

    # --- Waiting ----------------------------------------------------------

    def idle(self):
        "Wait until sao has no call in progress"
        page = self.page
        page.wait_for_load_state('networkidle')
        page.wait_for_function(
            "() => !document.querySelector('#processing') || "
            "getComputedStyle(document.querySelector('#processing'))"
            ".display === 'none' || "
            "document.querySelector('#processing').offsetParent === null")
        time.sleep(0.3)

    def settle(self):
        """Wait until sao answered every call and has been quiet a moment
        since the last action (it moves the focus and redraws on timers)"""
        self.page.evaluate("window.__saoQuiet = Math.max("
            "window.__saoQuiet, performance.now())")
        self.page.wait_for_function(SETTLED, arg=QUIET_MS, polling=50)

    # --- Counted actions --------------------------------------------------

    def click(self, target, count=1):
        target.click()
        self.tally.add('click', count)
        self.settle()

    def dblclick(self, target):
        target.dblclick()
        self.tally.add('click', 2)
        self.settle()

    def key(self, key):
        self.page.keyboard.press(key)
        self.tally.add('key')
        self.settle()

    def type(self, text):
        self.page.keyboard.type(text)
        self.tally.add('field')
        self.tally.add('char', len(text))
        self.settle()

    # --- Login and menus --------------------------------------------------

    def login(self, login):
        page = self.page
        # The database in the address: sao's login asks only the user.
        page.goto(f'{self.server.url}#{DATABASE}')
        page.wait_for_selector('#login')
        database = page.locator('input#database')
        if database.is_visible() and database.is_editable() and not (
                database.input_value()):
            database.fill(DATABASE)
        page.fill('#login', login)
        self.shot('01_login')
        page.locator('#login').press('Enter')
        page.wait_for_selector('#ask-dialog-entry')
        page.fill('#ask-dialog-entry', self.server.password)
        page.locator('#ask-dialog-entry').press('Enter')
        page.locator('#menu .column-char').first.wait_for()
        self.check_errors('login')

    def open_menu(self, name):
        "Open the menu entry whose label matches `name` (under the root)"
        page = self.page
        entry = page.locator('#menu .column-char').filter(has_text=name)
        # sao reopens the menu as the user left it, a moment after login:
        # let it settle before deciding to expand the root.
        self.idle()
        if not (entry.count() and entry.first.is_visible()):
            root = page.locator('#menu tr').filter(
                has=page.locator('.column-char').filter(has_text=MENU_ROOT))
            self.click(root.locator('.expander').first)
            entry.first.wait_for()
        self.dblclick(entry.first)
        self.wait_list()

    def wait_list(self):
        tree = self.page.locator('#tabcontent > .tab-pane.active .treeview')
        deadline = time.monotonic() + TIMEOUT / 1000
        while not (tree.count() and tree.first.is_visible()):
            # A JavaScript error leaves sao "Processing" for ever.
            self.check_errors('list')
            assert time.monotonic() < deadline, "the list did not open"
            time.sleep(0.2)
        self.idle()
        self.check_errors('list')

    # --- The current tab --------------------------------------------------

    def pane(self):
        return self.page.locator('#tabcontent > .tab-pane.active').first

    def select_tab(self, name):
        tab = self.pane().locator('.nav-tabs a, [role="tab"]').filter(
            has_text=name).first
        self.click(tab)
        self.settle()

    def list_rows(self):
        return self.pane().locator('.treeview tbody tr:visible')

    def open_from_list(self, text):
        "Open the record whose row shows `text` in the current list"
        row = self.list_rows().filter(has_text=text).first
        row.wait_for()
        self.dblclick(row)
        self.pane().locator('.form').first.wait_for()
        self.settle()

    def toolbar(self, action):
        "A button of the tab's toolbar: 'reload', 'save', 'switch'…"
        return self.pane().locator(f'button#{action}').first

    def reload(self):
        "Reload the record (toolbar Reload/Undo), as after someone's work"
        self.click(self.toolbar('reload'))

    # --- Form fields ------------------------------------------------------

    def field(self, name):
        "The visible widget of field `name` on the form"
        return self.pane().locator(
            f'.form [name="{name}"]:visible').first

    def state_label(self):
        "The label the form shows for the request's state (a select)"
        labels = self.pane().locator('select').evaluate_all(
            "elements => elements.filter(e => e.selectedIndex >= 0)"
            ".map(e => e.options[e.selectedIndex].text)")
        steps = [label for label in labels if re.match(r'^\d\. ', label)]
        return steps[0] if steps else ' / '.join(labels)

    def shown_state(self):
        "The state the form shows: (value, label)"
        select = self.field('state')
        value = select.input_value()
        label = select.evaluate(
            "e => e.selectedIndex >= 0 ? e.options[e.selectedIndex].text"
            " : ''")
        return (json.loads(value) if value else None), label

    def focus_field(self, name):
        """Click into the field `name` until it has the keyboard focus (a
        click on a number field swaps sao's text box for its number box,
        which takes the keys)"""
        for _ in range(3):
            self.click(self.field(name))
            if self.page.evaluate("name => document.activeElement "
                    "&& document.activeElement.name === name", name):
                return
        raise AssertionError(f"{self.name}: the field {name} takes no focus")

    def write_text(self, name, text, replace=True):
        "Click into a text field and type, over what it held or after it"
        self.focus_field(name)
        self.key('Control+a' if replace else 'End')
        self.type(text)

    def type_number(self, name, text):
        "Type into the number field `name` as a person does"
        self.focus_field(name)
        assert self.page.evaluate("document.activeElement.type") == (
            'number'), f"{self.name}: {name} shows no number box"
        self.type(text)

    def choose(self, name, label=None, **option):
        """Choose an option of the selection field `name` as a person does:
        a click on the field (what was typed before is left and kept), then
        the option, by its label"""
        select = self.field(name)
        self.click(select)
        if label is not None:
            option['label'] = label
        select.select_option(**option)
        self.tally.add('click')
        self.settle()

    # --- Editable lists ---------------------------------------------------

    def editable_list(self, column):
        "The editable list of the form that has the column `column`"
        return self.pane().locator('.treeview').filter(
            has=self.page.locator('thead th', has_text=column)).first

    def edit_cell(self, tree, row, column):
        """Click a cell until its editor has the focus: the first click
        selects the row, the next one edits the cell."""
        headers = tree.locator('thead th').evaluate_all(
            "ths => ths.map(th => th.textContent.trim())")
        index = next(i for i, h in enumerate(headers) if column.match(h))
        cell = tree.locator('tbody tr:visible').nth(row).locator(
            'td').nth(index)
        editor = cell.locator('select, input, textarea')
        for _ in range(3):
            if editor.count() and editor.first.is_visible():
                break
            self.click(cell)
        editor.first.wait_for(state='visible')
        assert editor.first.evaluate("e => e === document.activeElement"), (
            f"{self.name}: the cell {row}/{column.pattern} is not in edition")
        return editor.first

    def set_checklist_result(self, index, label):
        "In the editable checklist list, set the Result of row `index`"
        self.set_list_selection(
            re.compile(r'^(Result|Hasil)$'), index, label)

    def set_list_selection(self, header, index, label):
        """In the editable list whose column is headed `header`, set that
        column of row `index` to `label`: a click on the cell opens its
        selection."""
        tree = self.editable_list(header)
        select = self.edit_cell(tree, index, header)
        option = select.locator('option').filter(has_text=label).first
        select.select_option(value=option.get_attribute('value'))
        self.tally.add('click')
        self.key('Tab')

    # --- Dialogs and buttons ----------------------------------------------

    def dialogs(self):
        "The dialogs open now: [(kind, text)]"
        found = []
        modals = self.page.locator('.modal.in')
        for i in range(modals.count()):
            modal = modals.nth(i)
            classes = (modal.get_attribute('class') or '').split()
            kind = next((k for c, k in DIALOG_KINDS.items()
                    if c in classes), 'other')
            text = ' '.join(modal.inner_text().split())
            if kind == 'other' and STEP_DONE.search(text):
                # A wizard's form: its text is in a read-only field.
                kind = 'message'
                text = '\n'.join(modal.locator('textarea').evaluate_all(
                        "areas => areas.map(a => a.value)"))
            found.append((kind, text))
        return found

    def step_done(self):
        """The dialog that answers a step button: its text, once closed
        with OK. Any other dialog (an error) fails the test."""
        dialog = self.page.locator('.modal.in').filter(
            has=self.page.locator('textarea')).first
        try:
            dialog.wait_for(state='visible')
        except Exception:
            errors = self.page.locator('.modal.in .modal-body'
                ).all_inner_texts()
            raise AssertionError(f"no step dialog; dialogs: {errors} "
                f"(screenshot {self.shot('step_done_missing')})")
        title = dialog.locator('.modal-title, .modal-header').first
        assert STEP_DONE.search(title.inner_text()), title.inner_text()
        text = dialog.locator('textarea').input_value()
        dialog.locator('.modal-footer button').filter(
            has_text=re.compile(r'^\s*OK\s*$')).first.click()
        dialog.wait_for(state='hidden')
        self.idle()
        return text

    def infobar(self):
        "The messages shown above the form"
        return [' '.join(t.split()) for t in self.pane().locator(
                '.infobar .alert:visible').all_inner_texts()]

    def press(self, name, confirm=True):
        """Press the form's button `name`, answer its question if it asks
        one, and tell what followed: the dialogs, the messages and the
        calls sent"""
        button = self.pane().locator(f'.form button[name="{name}"]')
        button.wait_for(state='visible')
        return self._pressed(name, button, confirm, answer=True)

    def save(self):
        "Press the toolbar's Simpan (save), and tell what followed"
        return self._pressed('Simpan', self.toolbar('save'), False,
            answer=False)

    def _wait(self, condition, seconds):
        "Wait at most `seconds` for `condition()`; tell whether it came"
        deadline = time.monotonic() + seconds
        while not condition():
            if time.monotonic() > deadline:
                return False
            self.page.wait_for_timeout(50)
        return True

    def _pressed(self, name, button, confirm, answer):
        sent = len(self.calls)
        shown = set(self.infobar())
        dialog = self.page.locator('.modal.in')
        self.click(button)
        # sao asks its question, or calls the server (or does nothing).
        self._wait(lambda: len(self.calls) > sent or dialog.count(), 5)
        asked = [d for d in self.dialogs() if d[0] == 'confirm']
        if asked and confirm:
            self.click(self.page.locator(
                    '.modal.in.confirmation-dialog .btn-primary').last)
            self._wait(lambda: len(self.calls) > sent, 5)
        self.settle()
        if answer and len(self.calls) > sent:
            # The dialog that tells what the button did comes after the
            # calls of the button and of its action.
            self._wait(lambda: dialog.count(), 3)
            self.settle()
        self.check_errors(f'press {name}')
        return Press(name, asked, self.dialogs(),
            [m for m in self.infobar() if m not in shown],
            self.calls[sent:])

    def dismiss(self):
        "Close the dialogs with their OK button"
        for _ in range(5):
            modal = self.page.locator('.modal.in').last
            if not self.page.locator('.modal.in').count():
                return
            self.click(modal.locator('.modal-footer button').filter(
                    has_text=re.compile(r'^\s*OK\s*$')).first)
            # sao goes on (reloads the form) once the dialog has faded out.
            self.page.wait_for_function(
                "() => !Array.from(document.querySelectorAll('.modal'))"
                ".some(m => getComputedStyle(m).display !== 'none' "
                "&& !m.classList.contains('in'))")
            self.settle()
        raise AssertionError(f"{self.name}: dialogs stay open: "
            f"{self.dialogs()}")


class Press:
    "What followed a button: questions, dialogs, messages, calls"

    def __init__(self, name, asked, dialogs, messages, calls):
        self.name = name
        self.asked = asked
        self.dialogs = dialogs
        self.messages = messages
        self.calls = calls

    @property
    def errors(self):
        return [text for kind, text in self.dialogs if kind == 'error']

    @property
    def feedback(self):
        "A message after the button: a message dialog or above the form"
        return [text for kind, text in self.dialogs
            if kind == 'message'] + self.messages

    def methods(self):
        return [json.loads(c.post_data)['method'] for c in self.calls]

    def evidence(self, limit=900):
        "The calls sao sent after the press and what the server answered"
        lines = []
        for call in self.calls:
            body = json.loads(call.post_data)
            method = body['method']
            if method.endswith(('.search_count', '.get_click')) or (
                    method.endswith('.read')):
                continue
            params = body['params']
            # The arguments without the context (sao's last parameter).
            args = json.dumps(params[:-1], ensure_ascii=False)
            answer = ''
            response = call.response()
            if response is not None:
                try:
                    error = response.json().get('error')
                except Exception:
                    error = None
                if error:
                    answer = ' -> ' + json.dumps(error, ensure_ascii=False)[
                        :300]
            lines.append(f"{method} {args[:limit]}{answer}")
        return '\n'.join(lines) or '(no call sent)'
