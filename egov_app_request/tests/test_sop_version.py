"""The versions of the SOP: which one is in force at a moment, what a
request's steps are, what the comparison says in Indonesian."""
import datetime as dt
import unittest
from unittest.mock import patch

from trytond.pool import Pool
from trytond.tests.test_tryton import activate_module, with_transaction
from trytond.transaction import Transaction

from ..exceptions import SopVersionInForceError, SopVersionInUseError
from .tools import load_indonesian


class SopVersionTestCase(unittest.TestCase):
    "SOP versions"

    @classmethod
    def setUpClass(cls):
        activate_module('egov_app_request')

    def _new_version(self, effective_date=None):
        Version = Pool().get('egov.sop.version')
        version1, = Version.search([('number', '=', 1)])
        Version.new_version([version1])
        version, = Version.search([], order=[('number', 'DESC')], limit=1)
        if effective_date:
            Version.write([version], {'effective_date': effective_date})
        return version1, version

    @with_transaction()
    def test_in_force_by_effective_date(self):
        "The latest effective date on or before the day; a draft never"
        Version = Pool().get('egov.sop.version')
        version1, version2 = self._new_version(dt.date(2027, 1, 1))
        _, draft = self._new_version()
        # 2026-12-31 17:00 UTC is 2027-01-01 00:00 in Jakarta (UTC+7).
        for moment, expected in [
                (dt.datetime(2026, 12, 31, 16, 59), version1),
                (dt.datetime(2026, 12, 31, 17, 0), version2),
                (dt.datetime(2030, 1, 1), version2),
                ]:
            with self.subTest(moment=moment):
                self.assertEqual(Version.in_force_at(moment), expected)
        self.assertEqual(draft.effective_date, None)
        Version.write([draft], {'effective_date': dt.date(2027, 1, 1)})
        # Same day: the higher number wins.
        self.assertEqual(
            Version.in_force_at(dt.datetime(2027, 6, 1)), draft)

    @with_transaction()
    def test_steps_of_a_version(self):
        "by_state gives the steps of the version asked, the copy its own"
        pool = Pool()
        Step = pool.get('egov.step')
        version1, version2 = self._new_version()
        steps1 = Step.by_state(version1)
        steps2 = Step.by_state(version2)
        self.assertEqual(set(steps1), set(steps2))
        self.assertEqual(len(steps2), 9)
        for state, step in steps2.items():
            with self.subTest(state=state):
                self.assertEqual(step.version, version2)
                self.assertNotEqual(step, steps1[state])
                self.assertEqual(step.duration, steps1[state].duration)
                self.assertEqual(set(step.groups), set(steps1[state].groups))
        # Not in force yet: the default is version 1.
        self.assertEqual(Step.by_state()['feasibility'],
            steps1['feasibility'])
        Step.write([steps2['feasibility']], {'duration': 3})
        self.assertEqual(Step.by_state(version2)['feasibility'].duration, 3)
        self.assertEqual(Step.by_state(version1)['feasibility'].duration, 1)

    @with_transaction()
    def test_version_in_use_refused(self):
        "A version with a request is not changed; its notes are"
        pool = Pool()
        Version = pool.get('egov.sop.version')
        Request = pool.get('egov.request')
        OPD = pool.get('egov.opd')
        Step = pool.get('egov.step')
        version1, version2 = self._new_version()
        opd, = OPD.search([('code', '=', 'dinkes')])
        request, = Request.create([{
                    'title': "Aplikasi Uji", 'kind': 'new', 'opd': opd.id}])
        Request.write([request], {'sop_version': version1.id})
        step, = [s for s in version1.steps if s.number == 4]
        self.assertTrue(step.version_in_use)
        self.assertFalse(Step.by_state(version2)['feasibility'].version_in_use)
        readonly = Step.fields_get(['duration'])['duration']['states']
        self.assertIn('version_in_use', readonly)
        with self.assertRaises(SopVersionInUseError):
            pool.get('egov.step').write([step], {'duration': 2})
        with self.assertRaises(SopVersionInUseError):
            Version.write([version1], {'effective_date': dt.date.today()})
        with self.assertRaises(SopVersionInUseError):
            Version.delete([version1])
        Version.write([version1], {'notes': "Catatan."})
        self.assertEqual(version1.notes, "Catatan.")

    @with_transaction()
    def test_version_in_force_not_deleted(self):
        """The version in force today is not deleted, the only one
        neither; a draft and a version effective later are"""
        Version = Pool().get('egov.sop.version')
        version1, = Version.search([('number', '=', 1)])
        self.assertFalse(version1.in_use)
        with self.assertRaises(SopVersionInForceError):
            Version.delete([version1])
        self.assertEqual(Version.search([]), [version1])
        _, draft = self._new_version()
        _, later = self._new_version(dt.date.today() + dt.timedelta(days=30))
        with self.assertRaises(SopVersionInForceError):
            Version.delete([version1, draft])
        Version.delete([draft, later])
        self.assertEqual(Version.search([]), [version1])
        # Once a version dated today is in force, the first one is no
        # longer the version of new requests: it may go, the new one not.
        _, current = self._new_version(dt.date(2020, 1, 1))
        self.assertEqual(Version.in_force_at(), current)
        with self.assertRaises(SopVersionInForceError):
            Version.delete([current])
        Version.delete([version1])
        self.assertEqual(Version.search([]), [current])

    @with_transaction()
    def test_differences_in_indonesian(self):
        "The comparison reads in Indonesian once id.po is loaded"
        pool = Pool()
        Step = pool.get('egov.step')
        Version = pool.get('egov.sop.version')
        load_indonesian()
        version1, version2 = self._new_version()
        Step.write([Step.by_state(version2)['feasibility']], {
                'duration': 2, 'note': "Dua hari kerja."})
        with Transaction().set_context(language='id'):
            lines = Version.differences(
                Version(version1.id), Version(version2.id))
        self.assertEqual(lines, [
                "4. Analisis Kelayakan — Mutu Baku Waktu: "
                "1 hari kerja → 2 hari kerja",
                "4. Analisis Kelayakan — Keterangan: "
                "(kosong) → Dua hari kerja.",
                ])

    @with_transaction()
    def test_database_before_versions(self):
        "An update gives the steps and submitted requests of an older base"
        pool = Pool()
        Step = pool.get('egov.step')
        Version = pool.get('egov.sop.version')
        Request = pool.get('egov.request')
        ModelData = pool.get('ir.model.data')
        OPD = pool.get('egov.opd')
        opd, = OPD.search([('code', '=', 'dinkes')])
        submitted, draft = Request.create([
                {'title': "Aplikasi Lama", 'kind': 'new', 'opd': opd.id},
                {'title': "Draf Lama", 'kind': 'new', 'opd': opd.id},
                ])
        # As the tables were before the versions.
        cursor = Transaction().connection.cursor()
        step, request = Step.__table__(), Request.__table__()
        version, data = Version.__table__(), ModelData.__table__()
        # The column had no NOT NULL constraint then (PostgreSQL keeps it).
        Step.__table_handler__().not_null_action('version', 'remove')
        cursor.execute(*step.update([step.version], [None]))
        cursor.execute(*request.update(
                [request.submitted_at, request.sop_version],
                [dt.datetime(2025, 1, 6, 2, 0), None],
                where=request.id == submitted.id))
        cursor.execute(*data.delete(where=(data.module == 'egov_app_request')
                & (data.model == 'egov.sop.version')))
        cursor.execute(*version.delete())
        Version._versions_cache.clear()
        Step._by_state_cache.clear()

        Version.__register__('egov_app_request')

        first, = Version.search([])
        self.assertEqual((first.number, first.name),
            (1, "Versi 1 (SOP 4 November 2024)"))
        self.assertEqual(ModelData.get_id(
                'egov_app_request', 'sop_version_1'), first.id)
        self.assertEqual({s.version for s in Step.search([])}, {first})
        self.assertEqual(len(Step.by_state(first)), 9)
        cursor.execute(*request.select(
                request.id, request.sop_version,
                where=request.id.in_([submitted.id, draft.id])))
        self.assertEqual(dict(cursor),
            {submitted.id: first.id, draft.id: None})
        # Once done, another update changes nothing.
        Version.__register__('egov_app_request')
        self.assertEqual(Version.search([]), [first])

    @with_transaction()
    def test_steps_of_requests_without_search(self):
        "The step of each request comes from the cache of its version"
        pool = Pool()
        Step = pool.get('egov.step')
        Request = pool.get('egov.request')
        OPD = pool.get('egov.opd')
        version1, version2 = self._new_version()
        opd, = OPD.search([('code', '=', 'dinkes')])
        requests = Request.create([
                {'title': f"Aplikasi {i}", 'kind': 'new', 'opd': opd.id}
                for i in range(30)])
        for i, request in enumerate(requests):
            Request.write([request], {
                    'state': 'feasibility',
                    'sop_version': [None, version1.id, version2.id][i % 3],
                    })
        requests = Request.browse([r.id for r in requests])
        Request.get_step(requests, 'step')  # fills the caches
        searches = []
        search = Step.search.__func__

        def counted(cls, *args, **kwargs):
            searches.append(args)
            return search(cls, *args, **kwargs)
        with patch.object(Step, 'search', classmethod(counted)):
            steps = Request.get_step(requests, 'step')
            for request in requests:
                request.responsible_groups()
        self.assertEqual(searches, [])
        expected = {None: version1, version1.id: version1,
            version2.id: version2}
        for request in requests:
            version = expected[
                request.sop_version.id if request.sop_version else None]
            self.assertEqual(Step(steps[request.id]).version, version)
