"""One vocabulary in the documents: the letter templates (report/*.html)
and the request register print each stored value in the word of its
translated selection (vocabulary.word, Indonesian), the word the web client
shows, never from a word list of their own.

Fast: they read files only. scenario_letters.rst, scenario_substitutes.rst
and scenario_register_export.rst compare the printed words with the web
client's on rendered documents."""
import ast
import re
import unittest
from pathlib import Path

import polib

PACKAGE = Path(__file__).parent.parent
TEMPLATES = sorted((PACKAGE / 'report').glob('*.html'))
PO_PATH = PACKAGE / 'locale' / 'id.po'
# word('egov.request', 'kind', ...) in a template
WORD_CALL = re.compile(r"""\bword\(\s*'([\w.]+)',\s*'(\w+)'""")
# The context's shortcuts (letter.py, LetterReport.get_context)
SHORTCUTS = {
    'kind_word': ('egov.request', 'kind'),
    'state_word': ('egov.request', 'state'),
    'decision_word': ('egov.request', 'decision'),
    'timing_word': ('egov.request', 'timing'),
    }


def selections_used():
    "{(model, field): [template names]} of the words the templates print"
    used = {}
    for path in TEMPLATES:
        text = path.read_text()
        for model, field in WORD_CALL.findall(text):
            used.setdefault((model, field), []).append(path.name)
        for name, key in SHORTCUTS.items():
            if re.search(rf'\b{name}\(', text):
                used.setdefault(key, []).append(path.name)
    return used


class LetterWordsTestCase(unittest.TestCase):
    # No database: .ci/run runs it in the SQLite pass only.
    ENGINE_INDEPENDENT = True

    "The documents' words are the translated selections"

    def test_templates_keep_no_word_list(self):
        "No template reads a list of words of its own (words[...])"
        self.assertTrue(TEMPLATES)
        for path in TEMPLATES:
            with self.subTest(template=path.name):
                self.assertNotRegex(path.read_text(), r'\bwords\s*\[')

    def test_modules_keep_no_word_list(self):
        "Neither the letters nor the register define a list of words"
        for name in ['letter.py', 'request_register.py']:
            tree = ast.parse((PACKAGE / name).read_text())
            assigned = {t.id for node in ast.walk(tree)
                if isinstance(node, ast.Assign)
                for t in node.targets if isinstance(t, ast.Name)}
            with self.subTest(module=name):
                self.assertFalse({n for n in assigned
                        if n.upper().startswith('WORDS')}, assigned)
        register = (PACKAGE / 'request_register.py').read_text()
        self.assertIn('vocabulary.kind(request.kind)', register)

    def test_printed_selections_are_translated(self):
        """Each selection a template prints is translated in id.po: the
        letters never fall back to the English source word"""
        used = selections_used()
        # The reply letter, the sheets' identification, the technical sheet
        self.assertIn(('egov.request', 'kind'), used)
        self.assertIn(('egov.request', 'technical_recommendation'), used)
        self.assertIn(('egov.request.letter', 'signatory_acting'), used)
        translated = {}
        for entry in polib.pofile(str(PO_PATH)):
            if (entry.msgctxt or '').startswith('selection:') and (
                    entry.msgstr and 'fuzzy' not in entry.flags):
                model, field = entry.msgctxt.split(':')[1].split(',')
                translated.setdefault((model, field), set()).add(
                    entry.msgid)
        for (model, field), templates in sorted(used.items()):
            with self.subTest(model=model, field=field, templates=templates):
                self.assertTrue(translated.get((model, field)))


if __name__ == '__main__':
    unittest.main()
