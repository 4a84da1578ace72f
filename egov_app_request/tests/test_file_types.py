"""The kinds of file an OPD may upload are one list (document.FILE_TYPES):
the upload check, the portal's file choosers and hints, its script and the
refusal message all say the same."""
import re
import unittest
from pathlib import Path

from egov_app_request import document
from egov_app_request.document import (
    ALLOWED_EXTENSIONS, FILE_TYPES, file_types_text)

PACKAGE = Path(__file__).resolve().parent.parent


class FileTypesTestCase(unittest.TestCase):
    # No database: .ci/run runs it in the SQLite pass only.
    ENGINE_INDEPENDENT = True

    def test_check_knows_every_listed_type(self):
        "Each listed extension has its content check, and no other has"
        self.assertEqual(set(document._SIGNATURES), set(ALLOWED_EXTENSIONS))
        self.assertEqual(len(ALLOWED_EXTENSIONS),
            sum(len(e) for _, e in FILE_TYPES))

    def test_words(self):
        self.assertEqual(file_types_text(),
            "PDF, ODT/DOCX, ODS/XLSX, PNG atau JPG")
        self.assertEqual(file_types_text("or"),
            "PDF, ODT/DOCX, ODS/XLSX, PNG or JPG")

    def test_refusal_message_lists_the_same_types(self):
        "The message of a refused type, in English and in Indonesian"
        message = (PACKAGE / 'message.xml').read_text(encoding='utf-8')
        english = re.search(
            r'id="msg_upload_type">\s*<field name="text">([^<]*)', message)
        self.assertIn(file_types_text("or"), english.group(1))
        po = (PACKAGE / 'locale' / 'id.po').read_text(encoding='utf-8')
        entry = po[po.index(english.group(1).split(':')[0]
                .replace('"', '\\"')):]
        msgstr = entry[entry.index('msgstr'):entry.index('\n\n')]
        self.assertIn(file_types_text(),
            ''.join(re.findall(r'"(.*)"', msgstr)))

    def test_portal_keeps_no_list_of_its_own(self):
        "The portal's pages and script read the list from the server"
        for path in sorted((PACKAGE / 'portal').iterdir()):
            if path.suffix in {'.html', '.js'}:
                with self.subTest(path=path.name):
                    self.assertNotIn('ODT/DOCX', path.read_text())
