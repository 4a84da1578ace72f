"""The Indonesian catalogue of the web client's own strings (sao/locale/id.po)
against the installed sao: every msgid translated, placeholders kept, and
compiled to the very JSON sao loads (scripts/sao_locale.py).

Fast: files only (the web client is installed first if it is missing)."""
import ast
import json
import re
import sys

import polib
import pytest

from server import ROOT, SAO_ROOT, ensure_sao

sys.path.insert(0, str(ROOT / 'scripts'))
import sao_locale  # noqa: E402

# No database: .ci/run runs it in the SQLite pass only.
ENGINE_INDEPENDENT = True
CATALOGUE = ROOT / 'sao' / 'locale' / 'id.po'
# sao's placeholders are %1, %2...; ${...} and Python's %(name)s, %s too.
PLACEHOLDER = re.compile(r'%\d+|%\([^)]*\)[a-z]|%[sd]|\$\{[^}]*\}')
# A literal string of JavaScript, and a call of gettext / ngettext on some.
JS_STRING = r'''(?:"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')'''
JS_CALL = re.compile(
    r'\b(n?gettext)\(\s*(' + JS_STRING + r'(?:\s*\+\s*' + JS_STRING
    + r')*)(?:\s*,\s*(' + JS_STRING + r'))?', re.S)


@pytest.fixture(scope='module')
def package():
    # Installed by make (the catalogue too); not reinstalled here, so that
    # test_installed tells when it is stale.
    ensure_sao(locale=False)
    return SAO_ROOT


def js_literals(text):
    "The value of a concatenation of JavaScript string literals"
    return ''.join(ast.literal_eval(s) for s in re.findall(JS_STRING, text))


def source_msgids(package):
    """The strings sao's code passes to gettext / ngettext (dist/), with
    the plural msgids"""
    code = (package / 'dist' / 'tryton-sao.js').read_text(encoding='utf-8')
    found = set()
    for match in JS_CALL.finditer(code):
        found.add(js_literals(match.group(2)))
        if match.group(1) == 'ngettext' and match.group(3):
            found.add(js_literals(match.group(3)))
    found.discard('')
    return found


def template_msgids(package):
    "The msgids (and plural msgids) of sao's template and catalogues"
    msgids = set()
    for path in [package / 'locale' / 'messages.pot',
            *sorted((package / 'locale').glob('*.po'))]:
        if path.name == CATALOGUE.name:
            continue  # the installed copy of ours
        for entry in sao_locale.parse_po(path):
            msgids.update(filter(None, [entry.msgid, entry.msgid_plural]))
    return msgids


def catalogue():
    return [e for e in sao_locale.parse_po(CATALOGUE) if e.msgid]


def test_template_is_sao_code(package):
    "sao's template holds the strings of its code (the test reads both)"
    assert len(source_msgids(package)) > 250
    assert source_msgids(package) == template_msgids(package)


def test_every_msgid_translated(package):
    "every msgid of sao (template and code) has an Indonesian translation"
    translated = {}
    for entry in catalogue():
        if entry.fuzzy:
            continue
        forms = entry.translations
        if all(forms):
            translated[entry.msgid] = forms
            if entry.msgid_plural:
                translated[entry.msgid_plural] = forms
    missing = sorted(
        (template_msgids(package) | source_msgids(package)) - set(translated))
    assert not missing, (
        f"untranslated in {CATALOGUE.relative_to(ROOT)}: {missing}")


def test_no_stale_msgid(package):
    "the catalogue holds sao's msgids, and those custom.js translates"
    custom = (ROOT / 'sao' / 'custom.js').read_text(encoding='utf-8')
    used = source_msgids(package) | {
        js_literals(m.group(2)) for m in JS_CALL.finditer(custom)}
    stale = [e.msgid for e in catalogue()
        if e.msgid not in used and e.msgid_plural not in used]
    assert not stale, stale


def test_placeholders_and_spaces():
    "each translation keeps the placeholders and outer spaces of its msgid"
    wrong = []
    for entry in catalogue():
        for form in entry.translations:
            sources = [entry.msgid] + (
                [entry.msgid_plural] if entry.msgid_plural else [])
            expected = sorted(PLACEHOLDER.findall(sources[-1]))
            if sorted(PLACEHOLDER.findall(form)) != expected:
                wrong.append((entry.msgid, form, 'placeholders'))
            if (form[:1].isspace(), form[-1:].isspace(),
                    form.count('\n')) != (entry.msgid[:1].isspace(),
                    entry.msgid[-1:].isspace(), entry.msgid.count('\n')):
                wrong.append((entry.msgid, form, 'spaces or lines'))
    assert not wrong, wrong


def test_plural_forms():
    """A plural entry has two forms: with one, sao turns it into a string
    that gettext.js then ignores for ngettext (the English shows)"""
    plurals = [e for e in catalogue() if e.msgid_plural]
    assert plurals
    for entry in plurals:
        compiled = sao_locale.compile_po(CATALOGUE)[entry.msgid]
        assert compiled[0] == entry.msgid_plural
        assert len(compiled) == 3 and all(compiled[1:]), compiled


def test_parser_agrees_with_polib():
    "scripts/sao_locale.py (standard library only) reads what polib reads"
    ours = {(e.msgctxt, e.msgid): (e.msgid_plural, e.translations, e.fuzzy)
        for e in catalogue()}  # polib keeps the header apart
    theirs = {}
    for e in polib.pofile(str(CATALOGUE)):
        if e.obsolete:
            continue
        forms = ([t for _, t in sorted(e.msgstr_plural.items())]
            if e.msgid_plural else [e.msgstr])
        theirs[(e.msgctxt, e.msgid)] = (
            e.msgid_plural or None, forms, 'fuzzy' in e.flags)
    assert ours == theirs


def test_compiler_is_po2json(package):
    """The compiler writes what grunt-po2json wrote for the package's
    catalogues, byte for byte"""
    compared = 0
    for po in sorted((package / 'locale').glob('*.po')):
        if po.name == CATALOGUE.name:
            continue
        shipped = po.with_suffix('.json').read_text(encoding='utf-8')
        assert sao_locale.dumps(sao_locale.compile_po(po)) == shipped, po
        compared += 1
    assert compared >= 20, compared


def test_installed(package):
    """The installed id.json is the compiled catalogue (make test and make
    demo reinstall it when it changes), with custom.js"""
    installed = json.loads(
        (package / 'locale' / 'id.json').read_text(encoding='utf-8'))
    assert installed == sao_locale.compile_po(CATALOGUE)
    assert installed['Bookmark this filter'] == [None, 'Simpan filter ini']
    assert sao_locale.installed(package), (
        "run: python3 scripts/sao_locale.py install")
