#!/usr/bin/env python3
"""The web client's (sao) own Indonesian catalogue: compile and install it.

    python3 scripts/sao_locale.py install [PACKAGE]   # default .sao/package
    python3 scripts/sao_locale.py compile PO JSON

sao's own strings (login dialog, toolbar, search filters, dialogs, user
menu...) are not the server's: the browser loads them from
locale/<lang>.json next to index.html. The npm package ships that file
compiled from locale/<lang>.po by grunt-po2json (format "raw"); its
Indonesian leaves most strings untranslated. `install` copies the repository's
catalogue (sao/locale/id.po) over the package's and compiles it to the very
format of grunt-po2json, byte for byte (tests/test_sao_locale.py compiles the
package's other catalogues and compares them with the shipped .json files);
it also installs sao/custom.js, which makes the client Indonesian before
login.

Standard library only: it runs before the virtual environment exists.
"""
import ast
import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CATALOGUES = ROOT / 'sao' / 'locale'
CUSTOM_JS = ROOT / 'sao' / 'custom.js'
DEFAULT_PACKAGE = ROOT / '.sao' / 'package'


class Entry:
    "One message of a .po file"

    def __init__(self):
        self.msgctxt = None
        self.msgid = None
        self.msgid_plural = None
        self.msgstr = {}  # plural index (0 for a singular) -> text
        self.flags = []
        self.obsolete = False

    @property
    def fuzzy(self):
        return 'fuzzy' in self.flags

    @property
    def translations(self):
        return [self.msgstr.get(i, '') for i in range(
                max(self.msgstr, default=0) + 1)]


def _unquote(text, path, number):
    text = text.strip()
    if not (len(text) >= 2 and text[0] == text[-1] == '"'):
        raise ValueError(f'{path}:{number}: a quoted string expected')
    # The escapes of .po strings are those of C, which Python's
    # string literals read alike (\n, \t, \", \\).
    return ast.literal_eval(text)


def parse_po(path):
    """The entries of the .po file `path`, in the order of the file
    (the header is the entry whose msgid is empty)."""
    entries = []
    entry = Entry()
    field = None  # (attribute, plural index)
    started = False

    def flush():
        nonlocal entry, started
        if entry.msgid is not None:
            entries.append(entry)
        entry = Entry()
        started = False

    lines = Path(path).read_text(encoding='utf-8').splitlines()
    for number, line in enumerate(lines, 1):
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith('#~'):
            # An obsolete entry: not part of the catalogue.
            if started:
                flush()
            entry.obsolete = True
            field = None
            continue
        if stripped.startswith('#'):
            if started:
                flush()
            if stripped.startswith('#,'):
                entry.flags += [
                    f.strip() for f in stripped[2:].split(',') if f.strip()]
            continue
        if entry.obsolete:
            entry = Entry()
        keyword, _, rest = stripped.partition(' ')
        if keyword.startswith('"'):
            if field is None:
                raise ValueError(f'{path}:{number}: a string out of place')
            text = _unquote(stripped, path, number)
            name, index = field
            if name == 'msgstr':
                entry.msgstr[index] += text
            else:
                setattr(entry, name, getattr(entry, name) + text)
            continue
        if keyword == 'msgctxt' or (keyword == 'msgid' and started
                and entry.msgid is not None):
            flush()
        started = True
        text = _unquote(rest, path, number)
        if keyword in {'msgctxt', 'msgid', 'msgid_plural'}:
            setattr(entry, keyword, text)
            field = (keyword, None)
        elif keyword == 'msgstr':
            entry.msgstr[0] = text
            field = ('msgstr', 0)
        elif keyword.startswith('msgstr[') and keyword.endswith(']'):
            index = int(keyword[len('msgstr['):-1])
            entry.msgstr[index] = text
            field = ('msgstr', index)
        else:
            raise ValueError(f'{path}:{number}: unknown keyword {keyword}')
    flush()
    return [e for e in entries if not e.obsolete]


def parse_header(text):
    "The header as gettext-parser reads it: lower-case keys"
    headers = {}
    for line in text.split('\n'):
        key, _, value = line.strip().partition(':')
        key = key.strip().lower()
        if key:
            headers[key] = value.strip()
    return headers


def compile_po(path):
    """The catalogue as grunt-po2json writes it with format "raw":
    {"": headers, msgid: [msgid_plural or null, msgstr...]}, keys in the
    order of the file, fuzzy entries left out."""
    entries = parse_po(path)
    result = {}
    headers = None
    for entry in entries:
        key = entry.msgid
        if entry.msgctxt is not None:
            key = entry.msgctxt + '\x04' + key
        if entry.msgctxt is None and entry.msgid == '' and headers is None:
            headers = parse_header(entry.msgstr.get(0, ''))
        if not entry.fuzzy:
            result[key] = [entry.msgid_plural] + entry.translations
    if headers is not None:
        result[''] = headers
    return result


def dumps(catalogue):
    "JSON.stringify() of the catalogue"
    return json.dumps(catalogue, ensure_ascii=False, separators=(',', ':'))


def compile_file(po, target):
    Path(target).write_text(dumps(compile_po(po)), encoding='utf-8')


def install(package=DEFAULT_PACKAGE):
    "Install the repository's catalogues and custom.js into the package"
    package = Path(package)
    locale = package / 'locale'
    if not (package / 'index.html').exists() or not locale.is_dir():
        raise SystemExit(f'{package} is not an installed sao package')
    for po in sorted(CATALOGUES.glob('*.po')):
        shutil.copyfile(po, locale / po.name)
        compile_file(po, locale / (po.stem + '.json'))
        print(f'sao: installed {po.relative_to(ROOT)} '
            f'as {locale / (po.stem + ".json")}')
    shutil.copyfile(CUSTOM_JS, package / 'custom.js')


def installed(package=DEFAULT_PACKAGE):
    "Whether the package holds the repository's catalogues and custom.js"
    package = Path(package)
    try:
        for po in CATALOGUES.glob('*.po'):
            target = package / 'locale' / (po.stem + '.json')
            if target.read_text(encoding='utf-8') != dumps(compile_po(po)):
                return False
        return ((package / 'custom.js').read_bytes()
            == CUSTOM_JS.read_bytes())
    except FileNotFoundError:
        return False


def main(argv):
    if argv[:1] == ['install'] and len(argv) <= 2:
        install(*argv[1:])
    elif argv[:1] == ['compile'] and len(argv) == 3:
        compile_file(argv[1], argv[2])
    else:
        sys.exit(__doc__.split('\n\n')[1])


if __name__ == '__main__':
    main(sys.argv[1:])
