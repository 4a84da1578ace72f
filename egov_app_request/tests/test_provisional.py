"""The provisional calendar (provisional.py) against the SKB 3 Menteri
dates the module ships (data/calendar_data.xml) for 2025 and 2026, and its
storage: filled for a year without confirmed days, replaced by the import of
the SKB."""
import datetime as dt
import unittest
import xml.etree.ElementTree as ET
from pathlib import Path

from trytond.pool import Pool
from trytond.tests.test_tryton import activate_module, with_transaction

from ..provisional import national_holidays, nyepi, ramadan_periods

DATA = Path(__file__).resolve().parents[1] / 'data' / 'calendar_data.xml'

# How many days the provisional date is from the SKB date (computed minus
# SKB), per holiday of the SKB; 0 is a hit.
HITS = 0
EXPECTED = {
    2025: {
        'Tahun Baru 2025 Masehi': [HITS],
        'Isra Mikraj Nabi Muhammad SAW': [HITS],
        'Tahun Baru Imlek 2576 Kongzili': [HITS],
        'Hari Suci Nyepi (Tahun Baru Saka 1947)': [HITS],
        # Kemenag (sidang isbat of 29 March 2025): the crescent of the
        # evening of 29 March was below the MABIMS criterion in Indonesia,
        # 1 Syawal 1446 = 31 March; Umm al-Qura (and Saudi Arabia):
        # 30 March. Both days one early.
        'Idul Fitri 1446 H': [-1, -1],
        'Wafat Yesus Kristus': [HITS],
        'Kebangkitan Yesus Kristus (Paskah)': [HITS],
        'Hari Buruh Internasional': [HITS],
        'Hari Raya Waisak 2569 BE': [HITS],
        'Kenaikan Yesus Kristus': [HITS],
        'Hari Lahir Pancasila': [HITS],
        'Idul Adha 1446 H': [HITS],
        # SKB 27 June (hisab MABIMS: moon too low on the evening of
        # 25 June, 1 Muharram 1447 = 27 June); Umm al-Qura 26 June.
        'Tahun Baru Islam 1447 H': [-1],
        'Proklamasi Kemerdekaan': [HITS],
        # Rabiul Awal 1447 began one day later in Indonesia than in Umm
        # al-Qura (25 against 24 August): SKB 5 September, computed 4.
        'Maulid Nabi Muhammad SAW': [-1],
        'Kelahiran Yesus Kristus': [HITS],
        },
    2026: {
        'Tahun Baru 2026 Masehi': [HITS],
        'Isra Mikraj Nabi Muhammad SAW': [HITS],
        'Tahun Baru Imlek 2577 Kongzili': [HITS],
        'Hari Suci Nyepi (Tahun Baru Saka 1948)': [HITS],
        # SKB 1497/2025: 21-22 March (the crescent of 19 March is below
        # MABIMS in Indonesia); Umm al-Qura 1 Syawal 1447 = 20 March.
        'Idul Fitri 1447 H': [-1, -1],
        'Wafat Yesus Kristus': [HITS],
        'Kebangkitan Yesus Kristus (Paskah)': [HITS],
        'Hari Buruh Internasional': [HITS],
        'Kenaikan Yesus Kristus': [HITS],
        'Idul Adha 1447 H': [HITS],
        'Hari Raya Waisak 2570 BE': [HITS],
        'Hari Lahir Pancasila': [HITS],
        'Tahun Baru Islam 1448 H': [HITS],
        'Proklamasi Kemerdekaan': [HITS],
        'Maulid Nabi Muhammad SAW': [HITS],
        'Kelahiran Yesus Kristus': [HITS],
        },
    }
# The Ramadan periods of the shipped Ramadan hours (first, last day).
EXPECTED_RAMADAN = {
    # Same first day; the shipped period ends on the eve of Kemenag's
    # Idul Fitri (31 March), Umm al-Qura's Ramadan on 29 March.
    'Ramadan 1446 H': (HITS, -1),
    # Kemenag began Ramadan 1447 on 19 February (crescent of 17 February
    # below MABIMS), Umm al-Qura on 18 February; the end follows Idul Fitri.
    'Ramadan 1447 H': (-1, -1),
    }


def _value(record, name):
    for field in record.iter('field'):
        if field.get('name') == name:
            if field.get('eval'):
                return eval(field.get('eval'), {'datetime': dt})
            return field.text


def shipped_national(year):
    "[(date, name)] of the national holidays of `year` in the shipped SKB"
    return sorted(
        (_value(r, 'date'), _value(r, 'name'))
        for r in ET.parse(DATA).getroot().iter('record')
        if r.get('model') == 'egov.holiday'
        and _value(r, 'kind') == 'national'
        and _value(r, 'date').year == year)


def shipped_periods():
    return {_value(r, 'name'): (_value(r, 'first_date'),
            _value(r, 'last_date'))
        for r in ET.parse(DATA).getroot().iter('record')
        if r.get('model') == 'egov.calendar.period'}


def misses(year):
    "{SKB name: [computed - SKB in days, per day of that name]}"
    computed = {}
    for date, names in national_holidays(year):
        for name in names.split('; '):
            computed.setdefault(name, []).append(date)
    result = {}
    for date, name in shipped_national(year):
        index = len(result.get(name, []))
        result.setdefault(name, []).append(
            (computed[name][index] - date).days)
    return result, computed


class ProvisionalHolidaysTestCase(unittest.TestCase):
    "The computed holidays against the shipped SKB 2025 and 2026"

    def test_2025_and_2026_hits_and_misses(self):
        for year in (2025, 2026):
            with self.subTest(year=year):
                result, computed = misses(year)
                self.assertEqual(result, EXPECTED[year])
                # Nothing computed that the SKB does not have, no day
                # counted twice.
                self.assertEqual(
                    sorted(computed), sorted(EXPECTED[year]))
                self.assertEqual(
                    {n: len(d) for n, d in computed.items()},
                    {n: len(m) for n, m in EXPECTED[year].items()})

    def test_hits_count(self):
        "2025: 13 of 17 days hit, 4 one day early; 2026: 15 of 17, 2 early"
        for year, hits, early in [(2025, 13, 4), (2026, 15, 2)]:
            values = [m for ms in misses(year)[0].values() for m in ms]
            self.assertEqual(
                (values.count(0), values.count(-1), len(values)),
                (hits, early, hits + early))

    def test_ramadan(self):
        shipped = shipped_periods()
        computed = {"Ramadan %s H" % h: (first, last)
            for year in (2025, 2026)
            for first, last, h in ramadan_periods(year)}
        self.assertEqual(
            {name: tuple((c - s).days for c, s in zip(
                        computed[name], shipped[name]))
                for name in EXPECTED_RAMADAN},
            EXPECTED_RAMADAN)

    def test_2027(self):
        "The provisional 2027: 1 January is a Friday holiday"
        days = dict(national_holidays(2027))
        self.assertEqual(days[dt.date(2027, 1, 1)], "Tahun Baru 2027 Masehi")
        self.assertEqual(len(days), 17)
        # Isra Mikraj falls twice in 2027 (1448 and 1449 H), the second
        # time on Christmas: the two names share the day.
        self.assertEqual(days[dt.date(2027, 12, 25)],
            "Kelahiran Yesus Kristus; Isra Mikraj Nabi Muhammad SAW")
        self.assertEqual(nyepi(2027), dt.date(2027, 3, 8))
        self.assertEqual(ramadan_periods(2027),
            [(dt.date(2027, 2, 8), dt.date(2027, 3, 8), 1448)])

    def test_outside_range(self):
        for year in (1900, 2077):
            with self.assertRaises(ValueError):
                national_holidays(year)


class ProvisionalStorageTestCase(unittest.TestCase):
    "The provisional days in the database"

    @classmethod
    def setUpClass(cls):
        activate_module('egov_app_request')

    @with_transaction()
    def test_fill_replace(self):
        pool = Pool()
        Holiday = pool.get('egov.holiday')
        Period = pool.get('egov.calendar.period')
        HolidayImport = pool.get('egov.holiday.import', type='wizard')
        from ..workcalendar import work_calendar

        def year_days(year):
            return Holiday.search([
                    ('date', '>=', dt.date(year, 1, 1)),
                    ('date', '<=', dt.date(year, 12, 31)),
                    ])
        confirmed_2026 = year_days(2026)
        self.assertEqual(work_calendar().intervals(dt.date(2027, 1, 1)),
            ((450, 690), (780, 990)))

        Holiday.fill_provisional([2026, 2027])
        # 2026 has its SKB: unchanged.
        self.assertEqual(year_days(2026), confirmed_2026)
        days = year_days(2027)
        self.assertEqual(
            [(d.date, d.name) for d in days], national_holidays(2027))
        self.assertTrue(all(d.provisional and d.kind == 'national'
                for d in days))
        # Provisional days are non-working days.
        self.assertEqual(work_calendar().intervals(dt.date(2027, 1, 1)), ())
        # The Ramadan of 2027 with the hours of Ramadan 1447.
        ramadan, = Period.search([('provisional', '=', True)])
        template, = Period.search([('name', '=', 'Ramadan 1447 H')])
        self.assertEqual(
            (ramadan.name, ramadan.first_date, ramadan.last_date),
            ('Ramadan 1448 H', dt.date(2027, 2, 8), dt.date(2027, 3, 8)))
        self.assertEqual(
            sorted((h.weekday, h.start, h.end) for h in ramadan.hours),
            sorted((h.weekday, h.start, h.end) for h in template.hours))
        self.assertEqual(work_calendar().day_minutes(dt.date(2027, 2, 9)),
            390)

        # Run again: nothing changes.
        Holiday.fill_provisional([2027])
        self.assertEqual(year_days(2027), days)
        self.assertEqual(Period.search([('provisional', '=', True)]),
            [ramadan])

        # The import of the SKB replaces the provisional days of 2027 and
        # keeps its legal basis.
        session_id, _, _ = HolidayImport.create()
        wizard = HolidayImport(session_id)
        wizard.start.file = (
            b"date,name,kind\n"
            b"2027-01-01,Tahun Baru 2027 Masehi,national\n"
            b"2027-02-05,Cuti Bersama Tahun Baru Imlek,cuti_bersama\n")
        wizard.start.filename = 'skb-2027.csv'
        wizard.start.kind = 'national'
        wizard.start.legal_basis = "SKB 2027 (contoh)"
        wizard.transition_import_()
        self.assertEqual(
            [(d.date, d.provisional, d.legal_basis) for d in year_days(2027)],
            [(dt.date(2027, 1, 1), False, "SKB 2027 (contoh)"),
                (dt.date(2027, 2, 5), False, "SKB 2027 (contoh)")])
        self.assertEqual(work_calendar().intervals(dt.date(2027, 3, 8)),
            ((480, 720), (750, 900)))
        # The filling leaves a year with confirmed days alone.
        Holiday.fill_provisional([2027])
        self.assertEqual(len(year_days(2027)), 2)

        # A confirmed Ramadan period replaces the provisional one.
        Period.create([{
                    'name': "Ramadan 1448 H", 'first_date': dt.date(2027, 2, 9),
                    'last_date': dt.date(2027, 3, 9),
                    }])
        Holiday.fill_provisional([2027])
        self.assertEqual(Period.search([('provisional', '=', True)]), [])

    @with_transaction()
    def test_manual_day_ends_provisional_year(self):
        "A confirmed day entered by hand: the next filling removes the rest"
        pool = Pool()
        Holiday = pool.get('egov.holiday')
        Holiday.fill_provisional([2028])
        self.assertEqual(
            Holiday.search_count([('provisional', '=', True)]),
            len(national_holidays(2028)))
        # Entered by hand on a provisional day: it takes its place.
        Holiday.create([{'date': dt.date(2028, 1, 1),
                    'name': "Tahun Baru 2028 Masehi", 'kind': 'national',
                    'legal_basis': "SKB 2028 (contoh)"}])
        new_year, = Holiday.search([('date', '=', dt.date(2028, 1, 1))])
        self.assertEqual(
            (new_year.provisional, new_year.legal_basis),
            (False, "SKB 2028 (contoh)"))
        provisional = Holiday.search([('date', '=', dt.date(2028, 1, 3))])
        self.assertEqual(provisional, [])
        Holiday.create([{'date': dt.date(2028, 1, 3), 'name': "Libur",
                    'kind': 'one_off'}])
        Holiday.fill_provisional([2028])
        self.assertEqual(
            Holiday.search_count([('provisional', '=', True)]), 0)

    @with_transaction()
    def test_confirmed_day_moved_onto_provisional_day(self):
        """A confirmed day whose date is corrected by hand onto a provisional
        day's date takes its place, before the next filling"""
        pool = Pool()
        Holiday = pool.get('egov.holiday')
        Holiday.fill_provisional([2028])
        (imlek, name), = [(d, n) for d, n in national_holidays(2028)
            if n.startswith('Tahun Baru Imlek')]
        typo, = Holiday.create([{'date': imlek + dt.timedelta(days=1),
                    'name': "Tahun Baru Imlek (SKB)",
                    'kind': 'national', 'legal_basis': "SKB 2028 (contoh)"}])
        self.assertEqual(
            len(Holiday.search([('date', '=', imlek)])), 1)
        Holiday.write([typo], {'date': imlek})
        day, = Holiday.search([('date', '=', imlek)])
        self.assertEqual(
            (day.id, day.provisional, day.name),
            (typo.id, False, "Tahun Baru Imlek (SKB)"))
        # The other provisional days stay until the next filling.
        self.assertEqual(
            Holiday.search_count([('provisional', '=', True)]),
            len(national_holidays(2028)) - 1)
        # A provisional day's own edit (e.g. its name) keeps it.
        other = Holiday.search([('provisional', '=', True)], limit=1)
        Holiday.write(other, {'name': "Diubah"})
        self.assertEqual(Holiday.search_count([('name', '=', "Diubah")]), 1)
