#!/usr/bin/env python3
"""Regenerate the translation template of egov_app_request and merge it into
egov_app_request/locale/id.po, the Tryton way.

    .venv/bin/python scripts/update_po.py [--keep] [--no-check]

1. Create a throw-away SQLite database in a temporary directory and activate
   the module on it (``trytond-admin --all`` then ``-u egov_app_request
   --activate-dependencies``).
2. Run the wizards an administrator would run in the client:
   "Set Translations" (ir.translation.set: report and view strings),
   "Update Translations" (ir.translation.update, language ``id``: creates the
   Indonesian rows for every source string) and
   "Export Translations" (ir.translation.export, language ``id``, module
   egov_app_request). The export is the template: every msgctxt of the module
   (fields, help texts, selections, views, buttons, messages, menus, actions,
   tab domains, groups, reports, data records, ...), with empty msgstr.
3. Merge the template into locale/id.po: an entry keeps the existing msgstr
   of the same msgctxt + msgid. If only the msgid changed (same msgctxt) or
   the same msgid is translated under another msgctxt, the old translation is
   kept as a *fuzzy* suggestion (Tryton ignores fuzzy entries when loading,
   and the count below reports them as untranslated). Entries whose msgctxt
   left the module are dropped; the entries that override strings of other
   modules (msgctxt ending in "<module>.<xml id>", e.g. ir or res) are kept
   as they are, at the end.
4. Check that Tryton loads the result:
   ``trytond-admin -d NAME -u egov_app_request -l id`` on the temp database.

Prints the number of entries and of untranslated (empty or fuzzy) entries;
exits with status 0 even when some are untranslated (use ``--strict`` to
exit with 1 in that case).
"""
import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

import polib

MODULE = 'egov_app_request'
LANG = 'id'
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PO_PATH = os.path.join(ROOT, MODULE, 'locale', f'{LANG}.po')
DB_NAME = 'po_template'


def _bin(name):
    "Return the console script next to the running interpreter if any"
    candidate = os.path.join(os.path.dirname(sys.executable), name)
    return candidate if os.path.exists(candidate) else name


def create_database(workdir):
    "Create and activate the module on a SQLite database, return config path"
    dbdir = os.path.join(workdir, 'db')
    os.makedirs(dbdir)
    conf = os.path.join(workdir, 'trytond.conf')
    with open(conf, 'w') as f:
        f.write(
            '[database]\n'
            'uri = sqlite://\n'
            f'path = {dbdir}\n'
            'language = en\n')
    passfile = os.path.join(workdir, 'pass')
    with open(passfile, 'w') as f:
        f.write('admin\n')
    open(os.path.join(dbdir, f'{DB_NAME}.sqlite'), 'w').close()
    env = dict(os.environ, TRYTONPASSFILE=passfile)
    env.pop('TRYTOND_DATABASE_URI', None)
    env.pop('TRYTOND_DATABASE__URI', None)
    admin = _bin('trytond-admin')
    run = [admin, '-c', conf, '-d', DB_NAME]
    _run(run + ['--all', '--email', 'a@b.c'], env)
    _run(run + ['-u', MODULE, '--activate-dependencies'], env)
    return conf, env


def _run(cmd, env):
    print('+', ' '.join(cmd), flush=True)
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if proc.returncode:
        sys.stderr.write(proc.stdout)
        sys.stderr.write(proc.stderr)
        raise SystemExit(f'command failed ({proc.returncode}): {cmd}')


def export_template(conf):
    "Run the Set, Update and Export translation wizards; return the .po text"
    from trytond import config
    config.update_etc(conf)
    from trytond.pool import Pool
    from trytond.transaction import Transaction

    Pool.start()
    pool = Pool(DB_NAME)
    pool.init()

    def run_wizard(name, data, state):
        Wizard = pool.get(name, type='wizard')
        session_id, _, _ = Wizard.create()
        try:
            return Wizard.execute(session_id, data, state)
        finally:
            Wizard.delete(session_id)

    with Transaction().start(DB_NAME, 0, context={'language': 'en'}):
        Lang = pool.get('ir.lang')
        lang, = Lang.search([('code', '=', LANG)])
        if not lang.translatable:
            lang.translatable = True
            lang.save()
        run_wizard('ir.translation.set', {}, 'set_')
        run_wizard(
            'ir.translation.update', {'start': {'language': lang.id}},
            'update')
        Transaction().commit()
    # The update wizard writes the source texts with plain SQL: export in a
    # new transaction, whose record cache does not hold the rows it created.
    with Transaction().start(DB_NAME, 0, context={'language': 'en'}):
        Lang = pool.get('ir.lang')
        Module = pool.get('ir.module')
        lang, = Lang.search([('code', '=', LANG)])
        module, = Module.search([('name', '=', MODULE)])
        result = run_wizard(
            'ir.translation.export',
            {'start': {'language': lang.id, 'module': module.id}},
            'export')
        content = result['view']['defaults']['file']
    if isinstance(content, (bytes, bytearray, memoryview)):
        content = bytes(content).decode('utf-8')
    return content


def is_override(entry):
    """An entry for a string of another module (ir, res...): the last part
    of its msgctxt is "<module>.<xml id>" (Tryton's override_translation)"""
    return '.' in (entry.msgctxt or '').rsplit(':', 1)[-1]


def merge(template_text, po_path):
    "Merge the exported template into po_path; return (total, untranslated)"
    template = polib.pofile(template_text, wrapwidth=78)
    old = polib.pofile(po_path) if os.path.exists(po_path) else polib.POFile()

    by_key = {}
    by_ctxt = {}
    by_msgid = {}
    for entry in old:
        if entry.obsolete or not entry.msgstr:
            continue
        if 'fuzzy' not in entry.flags:
            by_key[entry.msgctxt, entry.msgid] = entry
        by_ctxt.setdefault(entry.msgctxt, entry)
        if 'fuzzy' not in entry.flags:
            by_msgid.setdefault(entry.msgid, entry)

    new = polib.POFile(wrapwidth=78)
    new.metadata = {
        'Content-Type': 'text/plain; charset=utf-8',
        'Language': LANG,
        }
    untranslated, fuzzy = [], []
    for entry in sorted(template, key=lambda e: (e.msgctxt, e.msgid)):
        flags = [f for f in entry.flags if f != 'fuzzy']
        new_entry = polib.POEntry(
            msgctxt=entry.msgctxt, msgid=entry.msgid, msgstr='',
            flags=flags)
        found = by_key.get((entry.msgctxt, entry.msgid))
        if found:
            new_entry.msgstr = found.msgstr
        else:
            suggestion = by_ctxt.get(entry.msgctxt)
            if suggestion is None:
                suggestion = by_msgid.get(entry.msgid)
            if suggestion is not None:
                new_entry.msgstr = suggestion.msgstr
                new_entry.flags.append('fuzzy')
                if suggestion.msgid != entry.msgid:
                    new_entry.previous_msgid = suggestion.msgid
                fuzzy.append(new_entry)
            else:
                untranslated.append(new_entry)
        new.append(new_entry)

    # The entries that override other modules' strings (see is_override)
    # are not in the template: keep them as they are, after the others.
    for entry in old:
        if not entry.obsolete and is_override(entry):
            new.append(entry)

    kept = {(e.msgctxt, e.msgid) for e in new}
    dropped = [e for e in old if not e.obsolete
        and (e.msgctxt, e.msgid) not in kept]

    os.makedirs(os.path.dirname(po_path), exist_ok=True)
    new.save(po_path)
    overrides = sum(1 for e in new if is_override(e))
    print(f'{po_path}: {len(new)} entries ({overrides} overriding other '
        'modules), '
        f'{len(untranslated) + len(fuzzy)} untranslated '
        f'({len(untranslated)} empty, {len(fuzzy)} fuzzy), '
        f'{len(dropped)} dropped')
    for entry in untranslated + fuzzy:
        mark = 'fuzzy' if entry in fuzzy else 'empty'
        print(f'  [{mark}] {entry.msgctxt}  {entry.msgid[:60]!r}')
    for entry in dropped:
        print(f'  [dropped] {entry.msgctxt}  {entry.msgid[:60]!r}')
    return len(new), len(untranslated) + len(fuzzy)


def check_load(conf, env):
    "Tryton must load the file without error, and load all of it"
    dbdir = os.path.join(os.path.dirname(conf), 'db')
    database = os.path.join(dbdir, f'{DB_NAME}.sqlite')
    # The empty rows the Update wizard created would keep the translations
    # of noupdate records (SOP steps, positions, ...) from loading: start
    # from what a database that never ran the wizard has.
    with sqlite3.connect(database) as conn:
        conn.execute(
            "DELETE FROM ir_translation WHERE lang = ? AND module = ?",
            (LANG, MODULE))
    conn.close()
    _run([_bin('trytond-admin'), '-c', conf, '-d', DB_NAME,
            '-u', MODULE, '-l', LANG], env)
    with sqlite3.connect(database) as conn:
        (loaded,), = conn.execute(
            "SELECT COUNT(*) FROM ir_translation "
            "WHERE lang = ? AND ((module = ? AND value IS NOT NULL "
            "AND value != '' AND NOT fuzzy) OR overriding_module = ?)",
            (LANG, MODULE, MODULE))
    conn.close()
    print(f'trytond-admin -u {MODULE} -l {LANG}: '
        f'{loaded} translations loaded')
    return loaded


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--keep', action='store_true',
        help='keep the temporary directory (database, config)')
    parser.add_argument('--no-check', action='store_true',
        help='do not reload the module with -l id at the end')
    parser.add_argument('--strict', action='store_true',
        help='exit with status 1 when some entries are untranslated')
    parser.add_argument('--po', default=PO_PATH, help='.po file to update')
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix='egov-po-')
    try:
        conf, env = create_database(workdir)
        template = export_template(conf)
        total, missing = merge(template, args.po)
        if not args.no_check:
            loaded = check_load(conf, env)
            if loaded < total - missing:
                print(f'WARNING: {total - missing} entries are translated '
                    f'but Tryton loaded only {loaded}')
                missing = missing or 1
    finally:
        if args.keep:
            print(f'kept {workdir}')
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    if args.strict and missing:
        sys.exit(1)


if __name__ == '__main__':
    main()
