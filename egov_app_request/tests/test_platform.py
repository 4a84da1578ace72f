"""The module uses trytond's public API: what it reaches of trytond's
internals is named here, each with the reason it stays, and the caches it
keeps are trytond's (emptied in every server process) or the
transaction's."""
import ast
import re
import unittest
from pathlib import Path

from trytond.pool import Pool
from trytond.pyson import PYSONDecoder
from trytond.tests.test_tryton import activate_module, with_transaction
from trytond.transaction import Transaction

PACKAGE = Path(__file__).resolve().parents[1]
ROOT = PACKAGE.parent
# The marker a comment carries on (or in the lines just above) a use of a
# private name of trytond that has no public equivalent.
WHY = 'trytond has no public'
# Calls of trytond's private report and cache machinery, and a copy of its
# PDF conversion (Report.convert).
PRIVATE = re.compile(
    r'\._execute\(|\._get_records\(|\b[A-Z]\w*\._\w+_cache\.clear\(\)'
    r'|\b[A-Z]\w*\._\w+_cache\.(?:get|set)\(|weasyprint\.HTML\(')
# A comment that points at a tracker the reader cannot see.
TRACKER = re.compile(r'\bissues? \d+', re.IGNORECASE)
# A document's write rule reads the values as sent, before the upload's check
# adds the digest and size that the platform's own check_modification call
# would then see (document.py, RequestDocument.write).
WRITE_AS_SENT = {'document.py'}


def _sources(*folders, suffixes=('.py',), skip=()):
    for folder in folders:
        for path in sorted((ROOT / folder).rglob('*')):
            if (path.suffix not in suffixes or '.venv' in path.parts
                    or path.name in skip):
                continue
            yield path


def _comments(path):
    "(line number, text) of each comment and docstring of a source file"
    source = path.read_text(encoding='utf-8')
    if path.suffix in {'.xml', '.html', '.css'}:
        pattern = r'/\*(.*?)\*/' if path.suffix == '.css' else r'<!--(.*?)-->'
        for match in re.finditer(pattern, source, re.DOTALL):
            yield source.count('\n', 0, match.start()) + 1, match.group(1)
        return
    for number, line in enumerate(source.splitlines(), 1):
        if '#' in line:
            code, _, comment = line.partition('#')
            if code.count("'") % 2 == 0 and code.count('"') % 2 == 0:
                yield number, comment
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef,
                    ast.AsyncFunctionDef)):
            docstring = ast.get_docstring(node, clean=False)
            if docstring:
                yield node.body[0].lineno, docstring


class SourceTestCase(unittest.TestCase):
    "What the module's source says of the platform"
    # No database: .ci/run runs it in the SQLite pass only.
    ENGINE_INDEPENDENT = True

    def test_private_calls_say_why(self):
        "A private call of trytond stays only with the reason it must"
        found = []
        own = set()
        for path in _sources('egov_app_request'):
            own.update(re.findall(r'\b(_\w+_cache) = (?:Memory)?Cache\(',
                    path.read_text(encoding='utf-8')))
        for path in _sources('egov_app_request'):
            lines = path.read_text(encoding='utf-8').splitlines()
            for index, line in enumerate(lines):
                code = line.split('#')[0]
                match = PRIVATE.search(code)
                if match and not any(f'.{name}.' in match.group(0)
                        for name in own):
                    context = '\n'.join(lines[max(0, index - 12):index + 1])
                    if WHY not in context:
                        found.append(
                            f'{path.relative_to(ROOT)}:{index + 1}: {line}')
        self.assertEqual(found, [])

    def test_no_module_level_mutable_cache(self):
        "Caches live in trytond's Cache or the transaction, not globals"
        found = []
        for path in _sources('egov_app_request'):
            if 'tests' in path.relative_to(PACKAGE).parts:
                continue
            tree = ast.parse(path.read_text(encoding='utf-8'))
            for node in tree.body:
                if not isinstance(node, ast.Assign):
                    continue
                value = node.value
                names = [t.id for t in node.targets
                    if isinstance(t, ast.Name)]
                mutable = isinstance(value, (ast.Dict, ast.Set, ast.List)) \
                    and not (value.keys if isinstance(value, ast.Dict)
                        else value.elts)
                call = (isinstance(value, ast.Call)
                    and not (value.args and ast.unparse(value.func) in {
                            'dict', 'set'})
                    and ast.unparse(value.func) in {
                        'Cache', 'MemoryCache', 'dict', 'set',
                        'weakref.WeakKeyDictionary', 'WeakKeyDictionary',
                        'threading.local'})
                if names and (mutable or call):
                    found.append(f'{path.relative_to(ROOT)}:{node.lineno}: '
                        f'{", ".join(names)}')
        self.assertEqual(found, [])

    def test_write_rules_in_check_modification(self):
        "Write rules are declared in check_modification, not per method"
        found = []
        for path in _sources('egov_app_request', skip=WRITE_AS_SENT):
            tree = ast.parse(path.read_text(encoding='utf-8'))
            for node in ast.walk(tree):
                if (isinstance(node, ast.FunctionDef)
                        and node.name in {'create', 'write', 'delete'}):
                    body = ast.unparse(node)
                    if ('check_access' in body or '_checked(' in body):
                        found.append(f'{path.relative_to(ROOT)}:'
                            f'{node.lineno}: {node.name}')
        self.assertEqual(found, [])

    def test_comments_name_no_tracker(self):
        "Comments say why in terms of the product, not which issue"
        found = []
        for path in _sources(
                'egov_app_request', 'scripts', 'tests', 'benchmarks',
                suffixes=('.py', '.xml', '.html', '.css')):
            for number, text in _comments(path):
                if TRACKER.search(text):
                    found.append(f'{path.relative_to(ROOT)}:{number}: '
                        f'{TRACKER.search(text).group(0)}')
        self.assertEqual(found, [])


class ViewCacheTestCase(unittest.TestCase):
    "The forms follow the SOP's configuration at once"

    @classmethod
    def setUpClass(cls):
        activate_module('egov_app_request')

    @with_transaction()
    def test_step_groups_refresh_the_form(self):
        "A role given a step sees its button active on the next form"
        pool = Pool()
        Step = pool.get('egov.step')
        Request = pool.get('egov.request')
        User = pool.get('res.user')
        View = pool.get('ir.ui.view')
        ModelData = pool.get('ir.model.data')
        kabid = ModelData.get_id('egov_app_request', 'group_kabid_egov')
        user, = User.create([{
                    'name': "Kabid", 'login': 'kabid.view',
                    'groups': [('add', [kabid])],
                    }])
        # A form without sub-views, as trytond caches it (trytond 8.0 does
        # not cache the request's own form: its sub-views are immutable
        # mappings it cannot copy).
        view, = View.create([{
                    'model': Request.__name__,
                    'type': 'form',
                    'arch': '<form><button name="submit_feasibility"/>'
                    '</form>',
                    }])

        def button_readonly():
            with Transaction().set_user(user.id):
                arch = Request.fields_view_get(
                    view_id=view.id, view_type='form')['arch']
            button, = re.findall(
                r'<button [^>]*name="submit_feasibility"[^>]*>', arch)
            states = re.search(r'states="([^"]*)"', button).group(1)
            states = states.replace('&quot;', '"')
            return PYSONDecoder().decode(states).get('readonly') is True

        self.assertTrue(button_readonly())
        step4, = Step.search([('number', '=', 4)])
        Step.write([step4], {'groups': [('add', [kabid])]})
        self.assertFalse(button_readonly())
