import datetime as dt
import io
import zipfile
from unittest import mock

from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction

from .. import throttle
from ..document import upload_type_ok
from .test_query_counts import counting_statements
from .tools import PDF


def _zip(names, mimetype=None):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, 'w') as archive:
        if mimetype:
            archive.writestr('mimetype', mimetype)
        for name in names:
            archive.writestr(name, '<x/>')
    return buffer.getvalue()


class EgovAppRequestTestCase(ModuleTestCase):
    "Test e-Government application request module"
    module = 'egov_app_request'

    @with_transaction()
    def test_throttle_cleans_old_counters_now_and_then(self):
        """A counted call removes the counters older than an hour at most
        every CLEAN_EVERY seconds in a server process, not at every call"""
        Throttle = Pool().get('egov.throttle')
        table = Throttle.__table__()
        cursor = Transaction().connection.cursor()
        old = dt.datetime.now() - throttle.KEEP - dt.timedelta(minutes=5)

        def add_old():
            cursor.execute(*table.insert(
                    [table.kind, table.user, table.amount,
                        table.create_date],
                    [['request', 1, 1, old]]))

        def olds():
            cursor.execute(*table.select(
                    table.id, where=table.create_date < old
                    + dt.timedelta(seconds=1)))
            return len(cursor.fetchall())
        clock = [1000.0]
        with mock.patch.object(Throttle, '_source',
                    return_value=(1, '10.0.0.0/24')), \
                mock.patch.object(throttle.time, 'monotonic',
                    lambda: clock[0]):
            # As in a server process that has not cleaned yet.
            Throttle._cleaned_cache.clear()
            add_old()
            Throttle.check('request', record=True)
            self.assertEqual(olds(), 0)
            add_old()
            clock[0] += throttle.CLEAN_EVERY - 1
            Throttle.check('request', record=True)
            self.assertEqual(olds(), 1)
            clock[0] += 1
            Throttle.check('request', record=True)
            self.assertEqual(olds(), 0)

    def test_upload_type_by_content(self):
        "Uploads are recognised by their content, not only their name"
        docx = _zip(['word/document.xml'])
        odt = _zip(['content.xml'], 'application/vnd.oasis.opendocument.text')
        for filename, data, expected in [
                ('surat.pdf', PDF, True),
                ('SURAT.PDF', PDF, True),
                ('surat.pdf', b'MZ\x90\x00', False),
                ('surat.exe', b'MZ\x90\x00', False),
                ('surat', PDF, False),
                ('kak.docx', docx, True),
                ('kak.docx', _zip(['xl/workbook.xml']), False),
                ('kak.xlsx', _zip(['xl/workbook.xml']), True),
                ('kak.odt', odt, True),
                ('kak.ods', odt, False),
                ('kak.docx', b'PK\x03\x04 broken', False),
                ('foto.png', b'\x89PNG\r\n\x1a\n....', True),
                ('foto.jpg', b'\xff\xd8\xff\xe0....', True),
                ('foto.jpg', b'\x89PNG\r\n\x1a\n....', False),
                ]:
            with self.subTest(filename=filename, data=data[:8]):
                self.assertEqual(upload_type_ok(filename, data), expected)

    def test_clean_filename(self):
        "File names keep their base name, without control or bidi marks"
        from ..upload_check import MAX_FILENAME, clean_filename
        for name, expected in [
                ('surat.pdf', 'surat.pdf'),
                ('../../../x\u202e.pdf', 'x.pdf'),
                ('C:\\Users\\staf\\kak.docx', 'kak.docx'),
                ('surat\x00izin.pdf', 'suratizin.pdf'),
                ('a\u2066b\u2067c\u2068d\u2069e\u200e\u200f.pdf', 'abcde.pdf'),
                ('nota\u200b dinas\ufeff.pdf', 'nota dinas.pdf'),
                ('  laporan \t\n  akhir  .pdf ', 'laporan akhir .pdf'),
                ('..', ''),
                ('../\u202e', ''),
                ('surat.pdf.', 'surat.pdf'),
                ]:
            with self.subTest(name=name):
                self.assertEqual(clean_filename(name), expected)
        self.assertEqual(MAX_FILENAME, 150)

    def test_zip_inspection_stops_at_the_limit(self):
        "An archive is inflated by chunks, whatever sizes it declares"
        from ..upload_check import ArchiveLimit, inspect_zip
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, 'w', zipfile.ZIP_DEFLATED) as archive:
            archive.writestr('mimetype', 'text/plain')
            archive.writestr('content.xml', b'\0' * (3 * 1024 * 1024))
        data = buffer.getvalue()
        found, names = inspect_zip(data, 10, 4 * 1024 * 1024, {'mimetype'})
        self.assertEqual(found, {'mimetype': b'text/plain'})
        self.assertEqual(names, {'mimetype', 'content.xml'})
        with self.assertRaises(ArchiveLimit):
            inspect_zip(data, 10, 2 * 1024 * 1024)
        with self.assertRaises(ArchiveLimit):
            inspect_zip(data, 1, 4 * 1024 * 1024)
        # A central directory that declares 1 byte for 3 MiB: the reader
        # stops at the declared size and the CRC check refuses it.
        lying = data.replace(
            (3 * 1024 * 1024).to_bytes(4, 'little'),
            (1).to_bytes(4, 'little'))
        self.assertNotEqual(lying, data)
        with self.assertRaises(zipfile.BadZipFile):
            inspect_zip(lying, 10, 4 * 1024 * 1024)

    @with_transaction()
    def test_sop_steps_data(self):
        "The nine steps and their standard: 430 minutes and 2 working days"
        Step = Pool().get('egov.step')
        steps = Step.search([])
        self.assertEqual([s.number for s in steps], list(range(1, 10)))
        self.assertEqual(sum(s.duration for s in steps
                if s.duration_unit == 'minute'), 430)
        self.assertEqual(sum(s.duration for s in steps
                if s.duration_unit == 'day'), 2)
        step8, = [s for s in steps if s.number == 8]
        self.assertEqual(len(step8.groups), 2)

    @with_transaction()
    def test_step_groups_give_the_buttons(self):
        "Changing who acts on a step changes who may press its buttons"
        pool = Pool()
        Step = pool.get('egov.step')
        Button = pool.get('ir.model.button')
        ModelData = pool.get('ir.model.data')
        kabid = ModelData.get_id('egov_app_request', 'group_kabid_egov')
        step4, = Step.search([('number', '=', 4)])
        Step.write([step4], {'groups': [
                    ('remove', [g.id for g in step4.groups]),
                    ('add', [kabid]),
                    ]})
        self.assertEqual(
            Button.get_groups('egov.request', 'submit_feasibility'), {kabid})

    @with_transaction()
    def test_kota_tangerang_structure(self):
        "Every OPD of Kota Tangerang, its 13 Kecamatan, units with a parent"
        OPD = Pool().get('egov.opd')
        kecamatan = OPD.search([('type.code', '=', 'kecamatan')])
        self.assertEqual(len(kecamatan), 13)
        units = OPD.search([('type.may_submit', '=', False)])
        self.assertTrue(units)
        for unit in units:
            with self.subTest(unit=unit.name):
                self.assertTrue(unit.submitting_parent)
                self.assertTrue(unit.submitting_parent.may_submit)

    @with_transaction()
    def test_user_opd_follows_its_changes(self):
        "A user's OPD, kept for the record rules, follows a change of it"
        pool = Pool()
        User = pool.get('res.user')
        OPD = pool.get('egov.opd')
        Request = pool.get('egov.request')
        first, second = OPD.search([('type.may_submit', '=', True)],
            limit=2)
        user, = User.create([{'login': 'opd.berganti', 'name': "Berganti",
                    'egov_opd': first.id}])
        with Transaction().set_user(user.id):
            self.assertEqual(Request.default_opd(), first.id)
        User.write([user], {'egov_opd': second.id})
        with Transaction().set_user(user.id):
            self.assertEqual(Request.default_opd(), second.id)
        User.write([user], {'egov_opd': None})
        with Transaction().set_user(user.id):
            self.assertIsNone(Request.default_opd())
        # Another user's save (its preferences) keeps what was read.
        User.write([user], {'signature': "x"})
        self.assertIsNone(User.egov_opd_id(user.id))

    @with_transaction()
    def test_configuration_kept_until_saved(self):
        """The configuration is read once by a server process, not by each
        transaction, and read again once saved"""
        Configuration = Pool().get('egov.configuration')
        size = Configuration.cached().max_upload_size
        with Transaction().new_transaction():
            with counting_statements() as statements:
                self.assertEqual(
                    Configuration.cached().max_upload_size, size)
            self.assertEqual(statements, [])
        Configuration.write([Configuration(1)], {'max_upload_size': size + 1})
        self.assertEqual(Configuration.cached().max_upload_size, size + 1)
        Configuration.write([Configuration(1)], {'max_upload_size': size})
        self.assertEqual(Configuration.cached().max_upload_size, size)

    @with_transaction()
    def test_organization_may_submit_follows_its_changes(self):
        """Whether an OPD may submit, kept for the creates of requests,
        follows a change of its type and of the type's right"""
        pool = Pool()
        OPD = pool.get('egov.opd')
        OPDType = pool.get('egov.opd.type')
        opd, = OPD.search([('type.may_submit', '=', True)], limit=1)
        other, = OPDType.search([('may_submit', '=', False)], limit=1)
        self.assertEqual(OPD.submitting([opd.id]), {opd.id: True})
        with counting_statements() as statements:
            self.assertEqual(OPD.submitting([opd.id]), {opd.id: True})
        self.assertEqual(statements, [])
        OPDType.write([opd.type], {'may_submit': False})
        self.assertEqual(OPD.submitting([opd.id]), {opd.id: False})
        OPDType.write([opd.type], {'may_submit': True})
        self.assertEqual(OPD.submitting([opd.id]), {opd.id: True})
        OPD.write([opd], {'type': other.id})
        self.assertEqual(OPD.submitting([opd.id]), {opd.id: False})

    @with_transaction()
    def test_steps_keep_their_figures_until_changed(self):
        """The steps of a version are read once by a server process with
        their groups and figures, and read again once a step changes"""
        pool = Pool()
        Step = pool.get('egov.step')
        Version = pool.get('egov.sop.version')
        version = Version.in_force_at()
        steps = Step.by_state(version)
        received = steps['received']
        self.assertTrue(received.groups)
        with Transaction().new_transaction():
            with counting_statements() as statements:
                kept = Step.by_state(version)['received']
                self.assertEqual(
                    (kept.duration, kept.duration_unit, kept.number,
                        [g.id for g in kept.groups]),
                    (received.duration, received.duration_unit,
                        received.number, [g.id for g in received.groups]))
            self.assertEqual(statements, [])
        # The version has no request yet: its steps may change.
        Step.write([Step(received.id)],
            {'duration': received.duration + 7})
        self.assertEqual(Step.by_state(version)['received'].duration,
            received.duration + 7)

    @with_transaction()
    def test_security_policy_in_effect(self):
        """The product's policy is trytond's configuration once the module
        is loaded, and res.user applies it (the running servers are probed
        in tests/test_security_server.py)"""
        from trytond import config
        from trytond.res.exceptions import PasswordError
        self.assertEqual(config.getint('session', 'max_age'), 30600)
        self.assertEqual(config.getint('session', 'timeout'), 1800)
        self.assertEqual(config.getint('session', 'max_attempt'), 4)
        self.assertEqual(config.getint('password', 'length'), 12)
        self.assertEqual(
            config.getint('request', 'max_size_authenticated'),
            25 * 1024 * 1024)
        User = Pool().get('res.user')
        for password in ['Pendek-2026', 'password1234', '123456789012',
                'Tangerang2026', 'DISKOMINFO2026', 'aaaaaaaaaaaa',
                'abcabcabcabc']:
            with self.subTest(password=password):
                with self.assertRaises(PasswordError):
                    User.validate_password(password, [])
        for password in ['Tangerang-2026!', 'Kebun-Raya-Cikokol-77',
                'kucing makan ikan di rumah nenek']:
            with self.subTest(password=password):
                User.validate_password(password, [])

    def test_security_policy_floors(self):
        "A weaker site value is replaced (and said), a stricter one kept"
        from trytond import config
        from .. import security_policy
        saved = {key: config.get(*key) for key in security_policy.FLOORS}
        try:
            config.set('session', 'max_age', str(30 * 24 * 3600 + 1))
            config.set('session', 'timeout', '600')
            config.set('request', 'max_size_authenticated', str(2 ** 31 + 1))
            with self.assertLogs(security_policy.logger, 'INFO') as logs:
                effective = security_policy.apply()
            self.assertEqual(effective['session', 'max_age'], 30600)
            self.assertEqual(effective['session', 'timeout'], 600)
            self.assertEqual(config.getint('request',
                    'max_size_authenticated'), 25 * 1024 * 1024)
            warnings = [r for r in logs.records if r.levelname == 'WARNING']
            self.assertEqual(len(warnings), 2, logs.output)
            self.assertTrue(any('security policy in effect' in line
                    for line in logs.output))
        finally:
            for (section, option), value in saved.items():
                config.set(section, option, value)


del ModuleTestCase
