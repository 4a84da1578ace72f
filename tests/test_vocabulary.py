"""One vocabulary: the words for a request's state, decision and
timing are the translated selection strings of egov.request, wherever they
are shown.

On the demo database (Indonesian loaded), the selection strings as the web
client reads them (fields_get in language 'id') are compared with what the
portal, the managers' board, the reply letter (PDF text) and the e-mails
say for the same requests. Any place with words of its own fails here."""
import email
import email.policy
import re
import subprocess
import sys
import time
import urllib.parse
from html import unescape
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from server import Client  # noqa: E402
from server import DEMO_DATABASE as DATABASE  # noqa: E402
from test_portal_http import Visitor  # noqa: E402

ID = {'language': 'id'}


class Site:
    "What test_portal_http.Visitor needs of a site"

    def __init__(self, server):
        self.base = server.base


def text_of(html):
    "The visible text of a page, whitespace folded"
    html = re.sub(r'(?s)<(script|style)\b.*?</\1>', ' ', html)
    return ' '.join(unescape(re.sub(r'<[^>]+>', ' ', html)).split())


def pdf_text(data):
    out = subprocess.run(['pdftotext', '-', '-'], input=data,
        capture_output=True, check=True)
    return ' '.join(out.stdout.decode().split())


@pytest.fixture(scope='module')
def words(demo_server):
    "The selection strings of the web client, in Indonesian"
    admin = Client(demo_server.url, DATABASE).login('admin',
        demo_server.password)
    fields = admin.call('model.egov.request.fields_get',
        ['state', 'decision', 'timing'], context=ID)
    result = {name: {k: v for k, v in fields[name]['selection'] if k}
        for name in fields}
    # Indonesian is loaded: the words are not the English source.
    assert result['decision']['approved_conditions'] != (
        "Approved with Conditions")
    result['admin'] = admin
    return result


def test_portal_board_letter_and_emails_agree(demo_server, words):
    admin = words['admin']
    site = Site(demo_server)
    requests = admin.call('model.egov.request.search_read', [], 0, None,
        None, ['number', 'state', 'decision', 'timing', 'opd.name',
            'submitter.login', 'title'])
    decided = {r['decision']: r for r in requests if r['state'] == 'done'}
    assert set(decided) >= {'approved', 'approved_conditions', 'rejected'}

    # Portal: the list and the page of each decided request.
    for decision, request in decided.items():
        owner = request['submitter.']['login']
        visitor = Visitor(site).login(owner)
        listing = text_of(visitor.get('/portal/requests?status=done').text)
        assert words['state']['done'] in listing
        page = visitor.get(f"/portal/request/{request['id']}").text
        found = re.search(r'<dd data-state="done">([^<]*)</dd>', page)
        assert found and unescape(found.group(1)) == words['state']['done']
        section = text_of(page.split('id="keputusan"', 1)[1].split(
                '</section>', 1)[0])
        assert words['decision'][decision] in section, (decision, section)
        status = f"{words['state']['done']} — {words['decision'][decision]}"
        assert status in text_of(page), status

        # The reply letter, as the OPD downloads it.
        link = re.search(r'href="([^"]+/letter/\d+)">Unduh surat jawaban',
            page)
        assert link, decision
        path = urllib.parse.urlsplit(link.group(1)).path
        letter = visitor.get(path[len(f'/{DATABASE}'):])
        assert letter.body.startswith(b'%PDF')
        text = pdf_text(letter.body)
        assert f"tersebut {words['decision'][decision].upper()}" in text, (
            decision, text[:600])

    # Portal: the step of every open request of Dinas Kesehatan.
    dinkes = Visitor(site).login('kadis.dinkes')
    listing = dinkes.get('/portal/requests').text
    rows = re.findall(r'portal/request/(\d+)">.*?<td data-label="Langkah '
        r'saat ini">([^<]*)</td>', listing, re.S)
    by_id = {r['id']: r for r in requests}
    assert len(rows) >= 5
    for request_id, shown in rows:
        state = by_id[int(request_id)]['state']
        assert unescape(shown) == words['state'][state], (state, shown)

    # Board: the columns are the steps' state words, the cards the timing.
    kadis = Visitor(site).login('kadis')
    board = kadis.get('/board').text
    columns = [unescape(t) for t in re.findall(
            r'<h2 id="col-[a-z_]+"><span>([^<]*)</span>', board)]
    steps = admin.call('model.egov.step.search_read', [], 0, None, None,
        ['state'])
    expected = []
    for step in steps:
        expected.append(words['state'][step['state']])
        if step['state'] == 'completeness':
            expected.append(words['state']['incomplete'])
    assert columns == expected
    cards = re.findall(r'data-timing="([a-z_]+)"[^>]*>(.*?)</a>', board,
        re.S)
    seen = set()
    for timing, card in cards:
        if timing:
            assert words['timing'][timing] in text_of(card), (timing, card)
            seen.add(timing)
    assert seen == {'on_time', 'nearly_late', 'late'}, seen

    # E-mails: the decision notices of the demo, as the OPD received them.
    mail = demo_server.log.parent / 'mail'
    messages = [email.message_from_bytes(p.read_bytes(),
            policy=email.policy.default)
        for p in sorted(mail.glob('*.eml'))]
    for decision, request in decided.items():
        subject = f"Keputusan atas pengajuan {request['number']}: "
        found = [m for m in messages if subject in m['Subject']]
        assert found, (decision, subject)
        body = found[-1].get_content()
        assert found[-1]['Subject'].endswith(words['decision'][decision])
        assert f"Keputusan: {words['decision'][decision]}" in body
    # The step a notice announces.
    started = [m for m in messages if 'menunggu tindakan Anda' in m[
            'Subject']]
    assert started
    for message in started:
        step = message['Subject'].rsplit(' — ', 1)[1].strip()
        assert step in words['state'].values(), step

    # Late and nearly late notices: the scheduled job, run now.
    before = set(mail.glob('*.eml'))
    job, = admin.call('model.ir.cron.search',
        [('method', '=', 'egov.request.history|check_deadlines')])
    admin.call('model.ir.cron.run_once', [job])
    deadline = time.monotonic() + 20
    subjects = []
    while time.monotonic() < deadline:
        subjects = [email.message_from_bytes(p.read_bytes(),
            policy=email.policy.default)['Subject']
            for p in set(mail.glob('*.eml')) - before]
        if {s.rsplit(' — ', 1)[-1] for s in subjects} >= {
                words['timing']['late'], words['timing']['nearly_late']}:
            break
        time.sleep(0.5)
    timings = {s.rsplit(' — ', 1)[-1].strip() for s in subjects}
    assert timings == {words['timing']['late'],
        words['timing']['nearly_late']}, subjects


def test_sources_are_the_translated_selections():
    "No other list of these words is left in the code"
    root = Path(__file__).resolve().parent.parent / 'egov_app_request'
    for path in [root / 'portal.py', root / 'portal_pages.py',
            root / 'portal_forms.py', root / 'board.py', root / 'letter.py',
            root / 'notice.py', root / 'request_register.py'] + list(
                (root / 'report').glob('*.html')):
        text = path.read_text()
        for word in ["Disetujui dengan", "DISETUJUI DENGAN", "Tepat Waktu",
                "Terlambat", "Sesuai standar", "Melewati standar",
                "Hampir terlambat", "dengan syarat", "TIDAK DAPAT DISETUJUI",
                "Sudah Diputuskan"]:
            assert word not in text, (path.name, word)


def test_document_and_request_kinds_are_the_translated_selections(
        demo_server):
    """The portal names the documents issued for a request and the kind of
    request with the web client's words (egov.request.letter's and
    egov.request's `kind`, in Indonesian), as the register does"""
    admin = Client(demo_server.url, DATABASE).login('admin',
        demo_server.password)
    documents = {k: v for k, v in admin.call(
            'model.egov.request.letter.fields_get', ['kind'],
            context=ID)['kind']['selection'] if k}
    kinds = {k: v for k, v in admin.call('model.egov.request.fields_get',
            ['kind'], context=ID)['kind']['selection'] if k}
    assert documents['reply'] != "Reply Letter"
    requests = admin.call('model.egov.request.search_read',
        [('opd.name', '=', 'Dinas Kesehatan'), ('state', '!=', 'draft')],
        0, None, None, ['kind'])
    letters = admin.call('model.egov.request.letter.search_read',
        [('request', 'in', [r['id'] for r in requests]),
            ('for_opd', '=', True)], 0, None, None, ['kind', 'request'])
    visitor = Visitor(Site(demo_server)).login('kadis.dinkes')
    seen = set()
    for request in requests:
        page = visitor.get(f"/portal/request/{request['id']}").text
        shown = re.search(r'<dt>Jenis</dt>\s*<dd>([^<]*)</dd>', page)
        assert shown and unescape(shown.group(1)) == kinds[request['kind']]
        expected = sorted(documents[l['kind']] for l in letters
            if l['request'] == request['id'])
        found = sorted(unescape(w) for w in re.findall(
                r'<span class="hint">([^<,]+), versi \d+, diterbitkan',
                page))
        assert found == expected, (request['id'], found, expected)
        seen.update(found)
    assert {documents['receipt'], documents['checklist'],
        documents['reply']} <= seen, seen


# Word lists keyed by a state, a decision, a timing or a document kind that
# are not words for that value, and why.
NOT_VOCABULARY = {
    # The printed title of each document, from the SOP's forms.
    ('letter.py', 'TITLES_ID'),
    # The position of the signer of each document.
    ('letter.py', 'SIGNER_TITLES'),
    # What the explanation of each decision is called on the portal.
    ('portal_pages.py', 'DECISION_HEADINGS'),
    }


def test_no_module_keeps_its_own_words():
    """No module maps the values of a state, a decision, a timing or a
    document kind to Indonesian words of its own: the words are the
    translated selections (vocabulary.py)"""
    import ast

    from egov_app_request.request import TIMINGS
    from egov_app_request.sop import STATES
    from egov_app_request.step_reply import DECISIONS
    vocabularies = {
        'state': {k for k, _ in STATES},
        'decision': {k for k, _ in DECISIONS if k},
        'timing': {k for k, _ in TIMINGS if k},
        # The document kinds each step file declares (StepDocument).
        'document': set(re.findall(r"'(\w+)': StepDocument\(", ''.join(
                    p.read_text() for p in (Path(__file__).resolve().parent
                        .parent / 'egov_app_request').glob('step_*.py')))),
        }
    root = Path(__file__).resolve().parent.parent / 'egov_app_request'
    found = []
    for path in sorted(root.glob('*.py')):
        tree = ast.parse(path.read_text())
        names = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and (
                    isinstance(node.targets[0], ast.Name)):
                names[id(node.value)] = node.targets[0].id
        for node in ast.walk(tree):
            if not isinstance(node, ast.Dict) or not node.keys:
                continue
            keys = {k.value for k in node.keys
                if isinstance(k, ast.Constant) and isinstance(k.value, str)}
            words = [v.value for v in node.values
                if isinstance(v, ast.Constant) and isinstance(v.value, str)
                and (' ' in v.value or v.value[:1].isupper())]
            if len(keys) < 2 or len(keys) < len(node.keys) or not words:
                continue
            name = names.get(id(node))
            for vocabulary, values in vocabularies.items():
                if keys <= values and (
                        path.name, name) not in NOT_VOCABULARY:
                    found.append((path.name, node.lineno, name, vocabulary,
                            words[:2]))
    assert not found, found
