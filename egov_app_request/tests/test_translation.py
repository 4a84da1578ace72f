"""Checks of the Indonesian translation (locale/id.po).

Fast: they read files only. Regenerate the file with scripts/update_po.py."""
import os
import re
import unittest
import xml.etree.ElementTree as ET

import polib
from trytond.i18n import gettext
from trytond.pool import Pool
from trytond.tests.test_tryton import (
    activate_module, drop_db, with_transaction)
from trytond.transaction import Transaction

from .tools import load_indonesian

MODULE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PO_PATH = os.path.join(MODULE_DIR, 'locale', 'id.po')
MESSAGE_XML = os.path.join(MODULE_DIR, 'message.xml')

# Python named placeholders, as gettext() fills them: %(name)s, %(n)d, ...
PLACEHOLDER = re.compile(r'%\(([^)]+)\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]')
# Placeholders of the e-mail templates: ${name}
TEMPLATE_PLACEHOLDER = re.compile(r'\$\{[^}]*\}')


def placeholders(text):
    return sorted(m.group(0) for m in (
            list(PLACEHOLDER.finditer(text))
            + list(TEMPLATE_PLACEHOLDER.finditer(text))))


def translations(entry):
    "The msgstr of an entry: its plural forms for a plural entry"
    if entry.msgid_plural:
        return [t for _, t in sorted(entry.msgstr_plural.items()) if t]
    return [entry.msgstr] if entry.msgstr else []


def message_ids():
    tree = ET.parse(MESSAGE_XML)
    return [
        record.get('id') for record in tree.iter('record')
        if record.get('model') == 'ir.message']


class TranslationTestCase(unittest.TestCase):
    "Indonesian translation file"
    # No database: .ci/run runs it in the SQLite pass only.
    ENGINE_INDEPENDENT = True

    @classmethod
    def setUpClass(cls):
        cls.po = polib.pofile(PO_PATH)
        cls.entries = [e for e in cls.po if not e.obsolete]

    def test_parses(self):
        "id.po parses and holds entries"
        self.assertTrue(self.entries)
        for entry in self.entries:
            self.assertTrue(entry.msgctxt, msg=entry.msgid)

    def test_no_empty_msgstr(self):
        "every entry is translated (the header aside) and none is fuzzy"
        empty = [
            f'{e.msgctxt} {e.msgid!r}' for e in self.entries
            if e.msgid and not translations(e)]
        self.assertFalse(empty, msg='untranslated:\n' + '\n'.join(empty))
        fuzzy = [
            f'{e.msgctxt} {e.msgid!r}' for e in self.entries
            if 'fuzzy' in e.flags]
        self.assertFalse(fuzzy, msg='fuzzy (to review):\n' + '\n'.join(fuzzy))

    def test_placeholders(self):
        "every msgstr keeps exactly the placeholders of its msgid"
        wrong = []
        for entry in self.entries:
            for msgstr in translations(entry):
                if placeholders(entry.msgid) != placeholders(msgstr):
                    wrong.append(
                        f'{entry.msgctxt}: {placeholders(entry.msgid)} '
                        f'!= {placeholders(msgstr)}')
                # A stray % would make the %-formatting of gettext fail
                if msgstr.count('%') != entry.msgid.count('%'):
                    wrong.append(f'{entry.msgctxt}: number of "%" differs')
        self.assertFalse(wrong, msg='\n'.join(wrong))

    def test_whitespace(self):
        "leading and trailing newlines are kept (Tryton concatenates helps)"
        wrong = [
            e.msgctxt for e in self.entries if e.msgstr and (
                e.msgid.startswith('\n') != e.msgstr.startswith('\n')
                or e.msgid.endswith('\n') != e.msgstr.endswith('\n'))]
        self.assertFalse(wrong, msg='\n'.join(wrong))

    def test_every_message_translated(self):
        "every ir.message of message.xml has an entry"
        contexts = {e.msgctxt for e in self.entries if e.msgstr}
        missing = [
            fs_id for fs_id in message_ids()
            if f'model:ir.message,text:{fs_id}' not in contexts]
        self.assertTrue(message_ids())
        self.assertFalse(missing, msg='run scripts/update_po.py and '
            'translate: ' + ', '.join(missing))

    def test_no_duplicate(self):
        "no msgctxt + msgid appears twice"
        keys = [(e.msgctxt, e.msgid) for e in self.entries]
        self.assertEqual(len(keys), len(set(keys)))


@unittest.skipUnless(os.environ.get('DB_CACHE'),
    'needs DB_CACHE (set by make test) to reuse the activated database')
class TranslationLoadTestCase(unittest.TestCase):
    "Tryton loads id.po (cheap: the database test_module activated, cached)"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        drop_db()
        activate_module('egov_app_request')

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        drop_db()

    @with_transaction()
    def test_load(self):
        "Messages and noupdate data read in Indonesian once id.po is loaded"
        pool = Pool()
        Translation = pool.get('ir.translation')
        Step = pool.get('egov.step')
        Group = pool.get('res.group')
        ModelData = pool.get('ir.model.data')

        load_indonesian()

        with Transaction().set_context(language='id'):
            text = gettext(
                'egov_app_request.msg_ineligible_opd',
                opd="UPT Puskesmas", type="UPT", parent="Dinas Kesehatan")
            self.assertIn('induknya', text)
            self.assertIn('"Dinas Kesehatan"', text)

            step1, = Step.search([('number', '=', 1)])
            self.assertEqual(
                step1.name,
                "Menerima pengajuan aplikasi melalui Sistem Informasi "
                "Pengelolaan Pembangunan dan Pengembangan Aplikasi "
                "e-Government")
            kadis = Group(ModelData.get_id(
                    'egov_app_request', 'group_kadis'))
            self.assertEqual(kadis.name, "Kepala Dinas")

            # Strings of ir and res overridden by this module's id.po
            self.assertEqual(
                gettext('res.msg_user_password', login='rina'),
                "Kata sandi untuk rina")
            self.assertEqual(
                gettext('ir.msg_required_validation',
                    field="Judul", model="Pengajuan"),
                'Isian "Judul" pada "Pengajuan" wajib diisi.')
            overridden = Translation.search([
                    ('lang', '=', 'id'),
                    ('overriding_module', '=', 'egov_app_request'),
                    ])
            self.assertEqual(len(overridden), len([
                        e for e in polib.pofile(PO_PATH)
                        if e.msgctxt and e.msgctxt.split(':')[-1].count('.')]))

    @with_transaction()
    def test_every_source_translated(self):
        """Every string of the module the database holds (field names,
        helps, selections, data records such as record rules and scheduled
        jobs) has an Indonesian translation once id.po is loaded: an entry
        missing from id.po fails here, as an empty one fails above"""
        Translation = Pool().get('ir.translation')
        load_indonesian()

        def key(t):
            return (t.type, t.name, t.res_id, t.src)
        sources = Translation.search([
                ('lang', '=', 'en'),
                ('module', '=', 'egov_app_request'),
                ])
        translated = {key(t) for t in Translation.search([
                    ('lang', '=', 'id'),
                    ('value', 'not in', [None, '']),
                    ('fuzzy', '=', False),
                    ])}
        self.assertGreater(len(sources), 500)
        missing = sorted(str(key(t)) for t in sources
            if key(t) not in translated)
        self.assertFalse(missing, msg='run scripts/update_po.py and '
            'translate:\n' + '\n'.join(missing))


if __name__ == '__main__':
    unittest.main()
