"""Indonesian everywhere staff look: the web client (sao) in a real browser.

Chromium logs in as the user of each SOP role of Diskominfo, the Kepala
Dinas and the administrator, from a browser whose language is English
(sao/custom.js must make the login dialog Indonesian all the same), and walks
what that user meets: the login dialog, the menu, the user menu and its
notifications, the role's queue (filters, search box, bookmarks, toolbar
tooltips and menus, the filter dialog), a request form and each of its tabs,
the "record modified, save?" dialog, the preferences dialog and the logout.
At each stage it collects the visible text and the title, placeholder and
aria-label attributes of visible elements (and the options of visible
selections), saves a screenshot to tests/artifacts/ and fails on English.

The English detector (EnglishDetector) flags a text equal to an English
source string whose Indonesian differs: sao's msgids (its installed
messages.pot) and the server's ir.translation sources read over JSON-RPC,
placeholders (%(name)s, %s, %1, ${name}) matching anything; and any text
holding a word of COMMON_ENGLISH. Names, codes and the words Indonesian
shares with English are in ALLOWED. test_detector proves that it flags
English, and each stage must show given Indonesian texts (taken from the
catalogues, not written here), so that the walk cannot pass on an empty or
wrong screen."""
import re
import sys
import time

import pytest

from server import DEMO_DATABASE as DATABASE
from server import ROOT, SAO_ROOT
from sao import Session, rpc_client

sys.path.insert(0, str(ROOT / 'scripts'))
import sao_locale  # noqa: E402
from egov_app_request.tests.tools import ROLE_USERS  # noqa: E402

ARTIFACTS = ROOT / 'tests' / 'artifacts'
TIMEOUT = 30_000  # ms

# Words of the English of user interfaces: a text holding one is English
# even when it is no source string (composed, or from another source).
COMMON_ENGLISH = set('''
    the and of to for with your you this that these those is are was were
    be has have will not from into please sure want does
    record records save cancel search filters bookmark bookmarks login
    logout password username user users name preferences preference add
    manage delete remove new reload undo previous next close attachment
    attachments note notes print help yes open select clear create created
    modified date language notification notifications favorites favorite
    action actions relate switch duplicate export import view logs revision
    revisions history settings warning error copy send submit edit show
    hide value description number title active inactive company employee
    party address phone mobile website signature home state request
    requests queue all my unknown waiting late decided step steps
    '''.split())
# Names, codes and words Indonesian shares with English (or borrows as is);
# "English": the language selector names each language in that language;
# "Administrator": the name of the administrator's account.
ALLOWED = set('''
    English Administrator
    Tryton e-Government OPD SPBE SOP Diskominfo Kota Tangerang Dinas
    Kepala Bidang Tim Kerja TIK UPT Kelurahan Kecamatan BSSN PDN SPLP
    OK ID Menu Model Filter Tab Data Status Server Log XML CSV URL PDF
    E-mail Portal
    '''.split())


# English inside Indonesian text that is quoted as written: the SOP's own
# words (step 1 inputs: "user requirement/kebutuhan pengguna").
ALLOWED_PHRASES = ['user requirement']


def normalize(text):
    return ' '.join(text.split())


PLACEHOLDER = re.compile(
    r'%\([^)]*\)[-#0 +]*\d*(?:\.\d+)?[a-zA-Z]|%[sdif]|%\d+|\$\{[^}]*\}')


class EnglishDetector:
    """Tells English text from Indonesian.

    pairs: (English source, its Indonesian or '' when untranslated)."""

    def __init__(self, pairs, allowed=ALLOWED, words=COMMON_ENGLISH):
        pairs = [(normalize(s), normalize(t or '')) for s, t in pairs]
        # What some catalogue says in Indonesian is not English, in any case.
        indonesian = {t.casefold() for s, t in pairs if t}
        self.allowed = {a.casefold() for a in allowed}
        self.words = {w.casefold() for w in words}
        self.sources = {}
        patterns = []
        for source, _ in pairs:
            key = source.casefold()
            if (key in indonesian or key in self.allowed
                    or len(re.findall(r'[^\W\d_]', source)) < 2):
                continue
            if PLACEHOLDER.search(source):
                parts = PLACEHOLDER.split(source)
                # Only a placeholder: it says nothing of the language.
                if len(''.join(parts).strip(' .,:;()"\'%/-')) >= 3:
                    patterns.append('(?:%s)' % '.+?'.join(
                            re.escape(p) for p in parts))
            else:
                self.sources[source] = source
        self.count = len(self.sources) + len(patterns)
        self.patterns = [re.compile(
                '^(?:%s)$' % '|'.join(patterns[i:i + 200]), re.S)
            for i in range(0, len(patterns), 200)]

    def __len__(self):
        "The number of English source strings it knows"
        return self.count

    def why(self, text):
        "Why `text` is English, or None"
        text = normalize(text)
        if not text or text.casefold() in self.allowed:
            return None
        # As written: a code in capitals (MET) is not the source "Met".
        if text in self.sources:
            return f'English source string "{text}"'
        for pattern in self.patterns:
            if pattern.match(text):
                return 'English source string with placeholders'
        # A code on its own (nearly_late, late: the codes of the e-mail
        # templates) is no sentence.
        if re.fullmatch(r'[a-z][a-z0-9]*(?:_[a-z0-9]+)*', text):
            return None
        # Words between spaces or punctuation: not the parts of a file name
        # or an identifier (request_letter.pdf, kabid.egov), of a template's
        # placeholder (${number}), nor acronyms (BE, API).
        text = PLACEHOLDER.sub(' ', text)
        for phrase in ALLOWED_PHRASES:
            text = re.sub(re.escape(phrase), ' ', text, flags=re.I)
        for word in re.findall(r"(?<![\w.@])[^\W\d_]+(?![\w@]|\.\w)", text):
            folded = word.casefold()
            if (folded in self.words and folded not in self.allowed
                    and not (word.isupper() and len(word) > 1)):
                return f'English word "{word}"'
        return None


def sao_pairs():
    "sao's msgids (its template) with the Indonesian the browser loads"
    template = sao_locale.parse_po(SAO_ROOT / 'locale' / 'messages.pot')
    catalogue = sao_locale.compile_po(SAO_ROOT / 'locale' / 'id.po')
    pairs = []
    for entry in template:
        if not entry.msgid:
            continue
        translation = catalogue.get(entry.msgid, [None, ''])[1:]
        for source in filter(None, [entry.msgid, entry.msgid_plural]):
            pairs.append((source, translation[0] if translation else ''))
    return pairs


def server_pairs(admin):
    "The server's source strings and their Indonesian, as loaded"
    rows = admin.call('model.ir.translation.search_read',
        [('lang', '=', 'id')], 0, None, None,
        ['src', 'value', 'fuzzy'])
    return [(r['src'] or '', '' if r['fuzzy'] else (r['value'] or ''))
        for r in rows if r['src']]


# --- The browser -----------------------------------------------------------

COLLECT = """root => {
    const seen = new Set();
    const visible = e => {
        if (!e || !e.getClientRects().length) return false;
        const style = getComputedStyle(e);
        return style.visibility !== 'hidden' && style.display !== 'none'
            && parseFloat(style.opacity || '1') > 0;
    };
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    let node;
    while ((node = walker.nextNode())) {
        const parent = node.parentElement;
        if (!parent || ['SCRIPT', 'STYLE', 'NOSCRIPT', 'OPTION'].includes(
                parent.tagName)) continue;
        const text = node.textContent.trim();
        if (text && visible(parent)) seen.add(text);
    }
    for (const e of root.querySelectorAll(
            '[title], [placeholder], [aria-label]')) {
        if (!visible(e)) continue;
        for (const name of ['title', 'placeholder', 'aria-label']) {
            const value = (e.getAttribute(name) || '').trim();
            if (value) seen.add(value);
        }
    }
    for (const select of root.querySelectorAll('select')) {
        if (!visible(select)) continue;
        for (const option of select.options) {
            const text = option.textContent.trim();
            if (text) seen.add(text);
        }
    }
    for (const input of root.querySelectorAll(
            'input[type=button], input[type=submit]')) {
        if (visible(input) && input.value.trim()) seen.add(input.value.trim());
    }
    return [...seen];
}"""


class Walk:
    "One user of the web client; what each stage showed"

    def __init__(self, browser, server, login):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.server = server
        self.login_name = login
        self.name = 'id_' + login.replace('.', '_')
        # A browser whose language is English: custom.js decides.
        self.context = browser.new_context(
            viewport={'width': 1366, 'height': 800}, locale='en-US',
            timezone_id='Asia/Jakarta')
        self.page = self.context.new_page()
        self.page.set_default_timeout(TIMEOUT)
        self.errors = []
        self.page.on('pageerror', lambda e: self.errors.append(str(e)))
        self.stages = {}  # stage -> set of texts
        self.shots = []
        for old in ARTIFACTS.glob(f'{self.name}_*.png'):
            old.unlink()

    def close(self):
        self.context.close()

    # The web client helpers' wait (it only uses self.page).
    idle = Session.idle

    def collect(self, stage, root='body'):
        texts = self.page.locator(root).first.evaluate(COLLECT)
        self.stages.setdefault(stage, set()).update(texts)
        path = ARTIFACTS / f'{self.name}_{len(self.shots):02d}_{stage}.png'
        self.page.screenshot(path=str(path))
        self.shots.append(path)
        assert not self.errors, (stage, self.errors)
        return texts

    def modal(self):
        return self.page.locator('.modal.in').last

    def close_modal(self, button):
        """Press the button of the open dialog's footer showing `button`
        (None: the wizard's button to its end state), until it closes"""
        modal = self.modal()
        if button is None:
            press = modal.locator('.modal-footer button.btn-link').first
        else:
            press = modal.locator('.modal-footer button', has_text=button
                ).first
        deadline = time.monotonic() + TIMEOUT / 1000
        while True:
            press.click()
            try:
                modal.wait_for(state='hidden', timeout=3000)
                break
            except Exception:
                # A click while the dialog fades in is lost: again.
                assert time.monotonic() < deadline, "the dialog stays open"
        self.idle()

    def close_dropdown(self, toggle):
        "Close the dropdown menu that `toggle` opened"
        self.page.keyboard.press('Escape')
        if toggle.get_attribute('aria-expanded') == 'true':
            toggle.click()
        self.idle()

    def pane(self):
        return self.page.locator('#tabcontent .tab-pane.active').first

    # The stages

    def login(self, password):
        page = self.page
        page.goto(self.server.url)
        page.wait_for_selector('#login')
        self.idle()
        self.collect('login')
        database = page.locator('input#database')
        if database.is_visible() and database.is_editable():
            database.fill(DATABASE)
        page.fill('#login', self.login_name)
        page.locator('#login').press('Enter')
        page.wait_for_selector('#ask-dialog-entry')
        self.idle()
        self.collect('password')
        page.fill('#ask-dialog-entry', password)
        page.locator('#ask-dialog-entry').press('Enter')
        self.wait_menu()

    def wait_menu(self):
        """Wait for the menu, which sao shows after the user's login actions:
        the administrator's open the module configuration wizard
        (ir.module.config_wizard) until it is done: read it, cancel."""
        page = self.page
        wizard = page.locator('#tabcontent .tab-pane.active .wizard-form')
        page.locator('#menu .column-char').or_(wizard).first.wait_for()
        self.idle()
        if wizard.count() and wizard.first.is_visible():
            self.collect('first_login')
            # The wizard's button to its end state (a hidden screen in the
            # wizard has buttons of that class too).
            wizard.first.locator('button.btn-link:visible').last.click()
            page.locator('#menu .column-char').first.wait_for()
            self.idle()

    def menu(self):
        """Expand the whole menu tree. sao restores the tree as the user
        left it, rows appearing as their children load: look at the rows
        anew after each click."""
        page = self.page
        done = set()
        rows = page.locator('#menu tbody tr')
        state = """rows => {
            const level = row => parseFloat(
                row.querySelector('.expander img').style.marginLeft || '0');
            const shown = rows.filter(r => r.getClientRects().length);
            return shown.map((row, i) => [
                rows.indexOf(row),
                row.querySelector('.column-char').textContent.trim(),
                getComputedStyle(row.querySelector('.expander')).visibility
                    === 'visible',
                i + 1 < shown.length && level(shown[i + 1]) > level(row)]);
        }"""
        for _ in range(500):
            todo = [(index, label) for index, label, parent, open_
                in rows.evaluate_all(state)
                if parent and not open_ and label not in done]
            if not todo:
                break
            index, label = todo[0]
            done.add(label)
            for _ in range(2):
                # A click on a row sao was expanding collapses it: again.
                rows.nth(index).locator('.expander').first.click()
                self.idle()
                if any(l == label and o for _, l, _, o
                        in rows.evaluate_all(state)):
                    break
        return self.collect('menu')

    def leaves(self, under=None):
        """The labels of the menu entries that open something (under the
        entry `under` when given), in the order of the menu"""
        return self.page.locator('#menu tbody tr').evaluate_all(
            """(rows, under) => {
                const labels = [];
                let inside = !under, depth = null;
                for (const row of rows) {
                    if (!row.getClientRects().length) continue;
                    const label = row.querySelector('.column-char')
                        .textContent.trim();
                    const img = row.querySelector('.expander img');
                    const level = img ? parseFloat(img.style.marginLeft) : 0;
                    if (under && label === under) {
                        inside = true; depth = level; continue;
                    }
                    if (under && inside && depth !== null && level <= depth) {
                        inside = false;
                    }
                    const expander = row.querySelector('.expander');
                    const leaf = getComputedStyle(expander).visibility
                        !== 'visible';
                    if (inside && leaf) labels.push(label);
                }
                return labels;
            }""", under)

    def activate(self, label):
        """Click the menu entry `label` until what it opens shows: a tab
        whose title ends with the label, or a dialog.
        Returns "tab" or "dialog"."""
        page = self.page
        entry = page.locator('#menu .column-char').filter(
            has_text=re.compile('^' + re.escape(label) + '$')).first
        tabs = page.locator('#tablist > li')
        deadline = time.monotonic() + TIMEOUT / 1000
        while True:
            count = tabs.count()
            # One click opens it (a double click, thrice); sao may lose a
            # click on a row, or open the row it had selected before.
            entry.click()
            waited = time.monotonic() + 5
            while (tabs.count() == count
                    and not page.locator('.modal.in').count()
                    and time.monotonic() < waited):
                time.sleep(0.2)
            self.idle()
            assert not self.errors, (label, self.errors)
            if page.locator('.modal.in').count():
                return 'dialog'  # a wizard's, titled as the wizard
            elif tabs.count() > count:
                title = page.locator('#tablist li.active span[title]').first
                if title.get_attribute('title').split(' / ')[-1] == label:
                    return 'tab'
                self.close_tab()  # another entry's: close it, again
            assert time.monotonic() < deadline, f"{label} did not open"

    def open_entry(self, label):
        """Open a menu entry: a list or form in a new tab, or a wizard's
        dialog; collect it, close it"""
        if self.activate(label) == 'dialog':
            texts = self.collect('menu_entry', '.modal.in')
            # The wizard's button to its end state: cancel.
            self.close_modal(None)
        else:
            texts = self.collect('menu_entry')
            self.close_tab()
        return texts

    def user_menu(self):
        page = self.page
        page.locator('#user-preferences > a').click()
        page.locator('#user-preferences .dropdown-menu').first.wait_for()
        self.idle()
        texts = self.collect('user_menu')
        self.close_dropdown(page.locator('#user-preferences > a'))
        return texts

    def notifications(self):
        "The list of all the user's notifications (res.notification)"
        page = self.page
        page.locator('#user-preferences > a').click()
        link = page.locator('#user-preferences .notification-action a')
        if not link.count():
            self.close_dropdown(page.locator('#user-preferences > a'))
            return None
        link.first.click()
        self.wait_list()
        texts = self.collect('notifications')
        self.close_tab()
        return texts

    def open_menu(self, label):
        assert self.activate(label) == 'tab', label
        self.wait_list()

    def wait_list(self):
        tree = self.pane().locator('.treeview').first
        tree.wait_for(state='visible')
        self.idle()

    def close_tab(self):
        "Close the current tab, and wait until it is gone"
        page = self.page
        tabs = page.locator('#tablist > li')
        count = tabs.count()
        deadline = time.monotonic() + TIMEOUT / 1000
        while tabs.count() >= count:
            if page.locator('.modal.in').count():
                return  # sao asks something first: the caller answers
            assert time.monotonic() < deadline, "the tab does not close"
            page.locator('#tablist li.active .close').first.click()
            # Up to half a second for the tab to go before clicking again
            # (polled: most tabs go at once).
            gone = time.monotonic() + 0.5
            while tabs.count() >= count and time.monotonic() < gone:
                time.sleep(0.05)
        self.idle()

    def queue(self):
        "The list: filter box, tabs, toolbar; its menus and dialogs"
        page = self.page
        pane = self.pane()
        texts = self.collect('queue')
        # The toolbar's menus (Action, Relate, Print...)
        for toggle in pane.locator(
                '.toolbar .dropdown-toggle:not([disabled]):visible').all():
            toggle.click()
            self.idle()
            self.collect('queue_toolbar_menu')
            self.close_dropdown(toggle)
        # Bookmarks: the list (when the user has some), then a new one:
        # sao asks its name (cancelled).
        bookmarks = pane.locator(
            '.filter-box button[data-toggle="dropdown"]:not([disabled])')
        if bookmarks.count():
            bookmarks.first.click()
            self.idle()
            self.collect('queue_bookmarks')
            self.close_dropdown(bookmarks.first)
        search = pane.locator('.filter-box input.form-control').first
        search.fill('')
        search.type('PA/2026')
        star = pane.locator('.filter-box button[title="%s"]' % (
                sao_locale_text('Bookmark this filter'))).first
        star.click()
        self.modal().wait_for()
        self.idle()
        self.collect('bookmark_name')
        self.close_modal(sao_locale_text('Cancel'))
        search.fill('')
        search.press('Enter')
        self.idle()
        # The filter dialog
        pane.locator('.filter-box button.btn-link').first.click()
        self.modal().wait_for()
        self.idle()
        self.collect('filter_dialog')
        self.modal().locator('.modal-header .close, .modal-footer '
            'button.btn-link').first.click()
        self.idle()
        return texts

    def form(self):
        "Open the first request of the list, and each tab of its form"
        page = self.page
        rows = self.pane().locator('.treeview tbody tr:visible').filter(
            has=page.locator('td'))
        rows.first.wait_for()
        # A double click on the request's number: elsewhere, it could hit
        # the link of a related record (the OPD) and open that.
        headers = self.pane().locator('.treeview thead th').evaluate_all(
            "ths => ths.map(th => th.textContent.trim())")
        column = headers.index(
            module_translation('field:egov.request,number:'))
        rows.first.locator('td').nth(column).dblclick()
        self.pane().locator('.form').first.wait_for(state='visible')
        # A request, not a record it links to (sao writes it in the URL)
        page.wait_for_function(
            "() => location.hash.includes('/model/egov.request/')")
        self.idle()
        self.collect('form')
        tabs = self.pane().locator('.form .nav-tabs > li:visible > a')
        for i in range(tabs.count()):
            tabs.nth(i).click()
            self.idle()
            self.collect('form_tab')
        if tabs.count():
            tabs.first.click()
            self.idle()

    def dismiss(self):
        "Close the open dialog by its Close or Cancel button"
        footer = self.modal().locator('.modal-footer button')
        for msgid in ['Close', 'Cancel']:
            label = sao_locale_text(msgid)
            if footer.filter(has_text=label).count():
                return self.close_modal(label)
        raise AssertionError("the dialog has no Close or Cancel button")

    def record_windows(self):
        """From the form's toolbar: its menus, the attachment menu and its
        window, the notes, the logs"""
        page = self.page
        pane = self.pane()
        # The record's menus: Action (the wizards), Relate, Print
        for toggle in pane.locator('.toolbar .dropdown-toggle'
                ':not([disabled]):not(#attach):visible').all():
            toggle.click()
            self.idle()
            self.collect('form_toolbar_menu')
            self.close_dropdown(toggle)
        pane.locator('.toolbar button#attach').first.click()
        self.idle()
        self.collect('attachments_menu')
        pane.locator('.toolbar .dropdown-menu a', has_text=(
                sao_locale_text('Manage...'))).first.click()
        self.modal().wait_for()
        self.idle()
        self.collect('attachments', '.modal.in')
        self.dismiss()
        pane.locator('.toolbar button#note').first.click()
        self.modal().wait_for()
        self.idle()
        self.collect('notes', '.modal.in')
        self.dismiss()
        # The tab's menu (its title): every action of the toolbar, and the
        # logs of the record.
        pane.locator('.navbar-brand.dropdown-toggle').first.click()
        self.idle()
        self.collect('tab_menu')
        pane.locator('a#logs').first.click()
        self.modal().wait_for()
        self.idle()
        self.collect('logs', '.modal.in')
        self.dismiss()

    def modified(self, required=True):
        """Change a field of the form, leave it: sao asks whether to save;
        answer no (nothing is saved). Not required: when the user may not
        change the record, there is nothing to do."""
        page = self.page
        pane = self.pane()
        editable = ('.form input.form-control:not([readonly]):not('
            '[type=checkbox]):visible, .form textarea:not([readonly]):visible')
        tabs = pane.locator('.form .nav-tabs > li:visible > a')
        field = pane.locator(editable)
        for i in range(-1, tabs.count()):
            if i >= 0:
                tabs.nth(i).click()
                self.idle()
            field = pane.locator(editable)
            if field.count():
                break
        if not field.count() and not required:
            return None
        assert field.count(), "no field of the request form can be edited"
        field.first.click()
        field.first.press('End')
        field.first.type(' x')
        field.first.press('Tab')
        self.idle()
        self.close_tab()
        self.modal().wait_for()
        self.idle()
        texts = self.collect('modified')
        no = sao_locale_text('No')
        self.close_modal(no)
        # The tab closed, nothing saved.
        return texts

    def preferences(self):
        page = self.page
        page.locator('#user-preferences > a').click()
        page.locator('#user-preferences .dropdown-menu a', has_text=(
                sao_locale_text('Preferences...'))).first.click()
        # With tabs open, sao asks first to close them all.
        form = self.modal().locator('.form')
        self.modal().wait_for()
        self.idle()
        if not form.count():
            self.collect('close_tabs')
            self.close_modal(sao_locale_text('OK'))
        form.first.wait_for()
        self.idle()
        texts = self.collect('preferences', '.modal.in')
        tabs = self.modal().locator('.nav-tabs > li:visible > a')
        for i in range(tabs.count()):
            tabs.nth(i).click()
            self.idle()
            texts += self.collect('preferences', '.modal.in')
        self.close_modal(sao_locale_text('Cancel'))
        self.wait_menu()
        return texts

    def logout(self):
        page = self.page
        deadline = time.monotonic() + TIMEOUT / 1000
        while True:
            # sao redraws the user menu after the preferences: a click on
            # the menu it replaced is lost, try again.
            page.locator('#user-preferences > a').click()
            page.locator('#user-preferences .dropdown-menu a', has_text=(
                    sao_locale_text('Logout'))).first.click()
            try:
                page.wait_for_selector('#login', timeout=5000)
                break
            except Exception:
                assert time.monotonic() < deadline, "logout failed"
        self.idle()
        return self.collect('logout')


_CATALOGUE = {}


def sao_locale_text(msgid):
    "The Indonesian of one of sao's msgids (the installed catalogue)"
    if not _CATALOGUE:
        _CATALOGUE.update(sao_locale.compile_po(
                SAO_ROOT / 'locale' / 'id.po'))
    translation = _CATALOGUE[msgid][1]
    assert translation, msgid
    return translation


# --- The tests -------------------------------------------------------------

def module_translation(context):
    "The Indonesian of an entry of egov_app_request/locale/id.po"
    path = ROOT / 'egov_app_request' / 'locale' / 'id.po'
    for entry in sao_locale.parse_po(path):
        if entry.msgctxt == context and not entry.fuzzy:
            return entry.msgstr[0]
    raise KeyError(context)


@pytest.fixture(scope='module')
def detector(demo_server):
    admin = rpc_client(demo_server.url, 'admin', demo_server.password)
    return EnglishDetector(sao_pairs() + server_pairs(admin))


# Texts each stage must show, as msgids of sao (their Indonesian is looked
# up in the installed catalogue): the walk cannot pass on a wrong screen.
EXPECTED = {
    'login': ['Login', 'User name'],
    'password': ['Reset forgotten password', 'Cancel'],
    'user_menu': ['Preferences...', 'Help...', 'Logout'],
    'queue': ['Filters', 'Search', 'Bookmark this filter', 'Reload/Undo',
        'Launch action', 'Open related records', 'Print report'],
    'queue_toolbar_menu': ['Export', 'Import'],
    'bookmark_name': ['Bookmark Name:'],
    'filter_dialog': ['Find'],
    'form': ['Save', 'Switch'],
    'modified': ['This record has been modified\ndo you want to save it?',
        'Yes', 'No'],
    'preferences': ['Preferences', 'Cancel'],
    'logout': ['Login', 'User name'],
    }


def walk_screens(walk, password):
    """What the user meets, stage by stage (Walk.stages). The queue is
    "My Queue" for Diskominfo's staff, the first list of requests the menu
    offers otherwise (the administrator)."""
    walk.login(password)
    walk.menu()
    walk.user_menu()
    walk.notifications()
    root = module_translation('model:ir.ui.menu,name:menu_egov')
    entries = walk.leaves(root)
    assert entries, "the menu offers no entry under " + root
    for label in entries:
        walk.open_entry(label)
    menu = walk.stages['menu']
    queue = module_translation('model:ir.ui.menu,name:menu_request_queue')
    if queue not in menu:
        queue = module_translation('model:ir.ui.menu,name:menu_request_all')
    if queue in menu:
        walk.open_menu(queue)
        walk.queue()
        walk.form()
        walk.record_windows()
        # The administrator may read the requests, not change them.
        walk.modified(required=walk.login_name != 'admin')
    walk.preferences()
    walk.logout()


# English that no catalogue can change, shown to the administrator only:
# the name of trytond's group res.group_admin, a record protected against
# writes (ir.msg_write_xml_record) and missing from res/locale/id.po, so
# that no module can override it.
ADMIN_PLATFORM_DATA = {'Administration'}


def english_found(detector, stages, login=None):
    found = {}
    for stage, texts in stages.items():
        for text in sorted(texts):
            if login == 'admin' and text in ADMIN_PLATFORM_DATA:
                continue
            why = detector.why(text)
            if why:
                found.setdefault(text, (stage, why))
    return found


def test_detector(detector):
    "The detector flags English of sao and of the server, not Indonesian"
    assert len(detector) > 1000, len(detector)
    english = [
        # sao
        'Bookmark this filter', 'Logout', 'Preferences...',
        'This record has been modified\ndo you want to save it?',
        'A request to reset your password has been sent. '
        'Please check your mailbox.', '3 records saved',
        # the server: ir, res, this module; a message with its value
        'Favorite', 'Group Membership', 'Password for tatakelola',
        'Waiting for Me', 'e-Government Applications',
        # no source string, but English words
        'Save the record', 'Click here to open your queue']
    missed = [text for text in english if not detector.why(text)]
    assert not missed, missed

    # What the catalogues say in Indonesian, and what data looks like.
    indonesian = [t for _, t in sao_pairs() if t]
    for entry in sao_locale.parse_po(
            ROOT / 'egov_app_request' / 'locale' / 'id.po'):
        if entry.msgid:  # not the header
            indonesian.extend(t for t in entry.msgstr.values() if t)
    indonesian += ['Rina Marlina', 'PA/2026/0012', '01/12/2026 07:35',
        'Dinas Kesehatan · 1. Penerimaan', 'Tryton', 'OK', '9+',
        'tatakelola@tangerangkota.go.id', 'Aplikasi e-Government']
    wrong = {text: detector.why(text) for text in indonesian
        if detector.why(text)}
    assert not wrong, wrong


def test_sao_catalogue_loaded(browser, demo_server):
    """Before login, in a browser whose language is English, sao has loaded
    the Indonesian of every one of its msgids (plural forms too)"""
    context = browser.new_context(locale='en-US')
    try:
        page = context.new_page()
        page.goto(demo_server.url)
        page.wait_for_selector('#login')
        page.wait_for_load_state('networkidle')
        template = [e for e in sao_locale.parse_po(
                SAO_ROOT / 'locale' / 'messages.pot') if e.msgid]
        assert len(template) > 250, len(template)
        # The placeholders %1, %2, %3 given as themselves.
        shown = page.evaluate("""entries => entries.map(e => e[1]
            ? [Sao.i18n.ngettext(e[0], e[1], 1, '%1', '%2', '%3'),
                Sao.i18n.ngettext(e[0], e[1], 2, '%1', '%2', '%3')]
            : [Sao.i18n.gettext(e[0], '%1', '%2', '%3')])""",
            [[e.msgid, e.msgid_plural] for e in template])
        assert page.evaluate("document.documentElement.lang") == 'id'
    finally:
        context.close()
    catalogue = sao_locale.compile_po(ROOT / 'sao' / 'locale' / 'id.po')
    wrong = []
    for entry, texts in zip(template, shown):
        expected = catalogue[entry.msgid][1:]
        if entry.msgid_plural:
            expected = expected[:2]
        if texts != expected:
            wrong.append((entry.msgid, texts, expected))
    assert not wrong, wrong


@pytest.mark.parametrize('login', [*ROLE_USERS, 'admin'])
def test_no_english(browser, demo_server, detector, login):
    "Every screen the user meets is Indonesian"
    walk = Walk(browser, demo_server, login)
    try:
        walk_screens(walk, demo_server.password)
    except Exception:
        walk.page.screenshot(path=str(ARTIFACTS / f'{walk.name}_failure.png'))
        raise
    finally:
        walk.close()

    missing = []
    for stage, msgids in EXPECTED.items():
        if stage not in walk.stages and login == 'admin':
            continue
        texts = {normalize(t) for t in walk.stages.get(stage, ())}
        for msgid in msgids:
            if normalize(sao_locale_text(msgid)) not in texts:
                missing.append((stage, msgid))
    assert not missing, (
        f"screens not reached or not Indonesian: {missing}; "
        f"screenshots: {ARTIFACTS}/{walk.name}_*.png")
    # The server's message before the password, in Indonesian.
    prompt = module_translation('model:ir.message,text:res.msg_user_password')
    assert prompt % {'login': login} in walk.stages['password']

    found = english_found(detector, walk.stages, login)
    assert not found, "English on the screens of %s:\n%s" % (login, '\n'.join(
            f'  [{stage}] {text!r}: {why}'
            for text, (stage, why) in sorted(found.items())))
