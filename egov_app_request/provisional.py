"""The provisional calendar: the national holidays and the Ramadan period of
a year computed before its SKB 3 Menteri is entered, so that next year is
never empty.

What is computed, and how it can differ from the SKB:

- Fixed dates: 1 January, 1 May, 1 June, 17 August, 25 December.
- Easter-based (dateutil.easter, Western/Gregorian): Good Friday, Easter
  Sunday, Ascension (Easter + 39 days).
- Islamic (hijridate, the Umm al-Qura calendar, 1343-1500 H = 1924-2077):
  Isra Mikraj (27 Rajab), Idul Fitri (1 and 2 Syawal), Idul Adha
  (10 Zulhijah), Tahun Baru Islam (1 Muharram), Maulid (12 Rabiul Awal).
  Umm al-Qura is the astronomical calendar of Saudi Arabia (a month starts
  when the moon sets after the sun on the evening of the conjunction, seen
  from Mecca). Kemenag decides the months that matter by rukyat (sighting)
  with the MABIMS criterion of imkanur rukyat (moon at least 3 degrees high,
  elongation at least 6.4 degrees): the crescent is often too young for
  MABIMS on the Umm al-Qura evening, so Indonesia is then one day later.
  The SKB sets the dates ahead by hisab with the same criterion; the
  provisional dates can therefore miss by one day, usually early.
- Imlek (lunardate, the Chinese lunisolar calendar of China's time zone,
  1900-2099): the first day of the first month.
- Waisak, computed: the full moon of the fourth Chinese month (its 15th
  day). The SKB follows the astronomical full moon in Indonesia (Walubi);
  both fall on the same day in most years.
- Nyepi, computed approximately: the first day of the first Chinese month
  (a new moon, China's time) on or after 2 March. Nyepi is the day after
  Tilem Kesanga of the Balinese Saka calendar, whose leap months (nampih
  sasih) are set by PHDI; the approximation can miss by a day or a month.
- Ramadan (Umm al-Qura): 1 Ramadan to the day before 1 Syawal, for the
  Ramadan working hours.
- Cuti bersama are not computed: they are decided each year by the SKB
  (and moved by its amendments), they follow no rule.
"""
import datetime as dt

from dateutil.easter import easter
from hijridate import Gregorian, Hijri
from lunardate import LunarDate

from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import without_check_access

from .workcalendar import parse_holidays, to_local

__all__ = ['national_holidays', 'ramadan_periods']

FIRST_YEAR, LAST_YEAR = 1925, 2076

_FIXED = [
    ((1, 1), "Tahun Baru {year} Masehi"),
    ((5, 1), "Hari Buruh Internasional"),
    ((6, 1), "Hari Lahir Pancasila"),
    ((8, 17), "Proklamasi Kemerdekaan"),
    ((12, 25), "Kelahiran Yesus Kristus"),
    ]
_EASTER = [
    (-2, "Wafat Yesus Kristus"),
    (0, "Kebangkitan Yesus Kristus (Paskah)"),
    (39, "Kenaikan Yesus Kristus"),
    ]
_ISLAMIC = [
    ((7, 27), "Isra Mikraj Nabi Muhammad SAW"),
    ((10, 1), "Idul Fitri {hijri} H"),
    ((10, 2), "Idul Fitri {hijri} H"),
    ((12, 10), "Idul Adha {hijri} H"),
    ((1, 1), "Tahun Baru Islam {hijri} H"),
    ((3, 12), "Maulid Nabi Muhammad SAW"),
    ]
NYEPI_FROM = (3, 2)


def _check(year):
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(
            "No provisional calendar outside %s-%s" % (FIRST_YEAR, LAST_YEAR))


def _hijri_years(year):
    "The Hijri years that have days in the Gregorian `year`"
    return range(
        Gregorian(year, 1, 1).to_hijri().year,
        Gregorian(year, 12, 31).to_hijri().year + 1)


def _gregorian(hijri_year, month, day):
    gregorian = Hijri(hijri_year, month, day).to_gregorian()
    return dt.date(gregorian.year, gregorian.month, gregorian.day)


def _chinese_months(year):
    "The first days of the Chinese months that start in `year`"
    result = []
    for lunar_year in (year - 1, year):
        for month in range(1, 13):
            for leap in (False, True):
                try:
                    first = LunarDate(
                        lunar_year, month, 1, leap).to_solar_date()
                except ValueError:
                    continue
                if first.year == year:
                    result.append(first)
    return sorted(result)


def nyepi(year):
    start = dt.date(year, *NYEPI_FROM)
    return min(d for d in _chinese_months(year) if d >= start)


def national_holidays(year):
    """The provisional national holidays of `year`: a sorted list of
    (date, name); two holidays on one day share it, names joined."""
    _check(year)
    days = []
    for (month, day), name in _FIXED:
        days.append((dt.date(year, month, day), name.format(year=year)))
    sunday = easter(year)
    for offset, name in _EASTER:
        days.append((sunday + dt.timedelta(days=offset), name))
    for hijri_year in _hijri_years(year):
        for (month, day), name in _ISLAMIC:
            date = _gregorian(hijri_year, month, day)
            if date.year == year:
                days.append((date, name.format(hijri=hijri_year)))
    days.append((LunarDate(year, 1, 1).to_solar_date(),
            "Tahun Baru Imlek %s Kongzili" % (year + 551)))
    days.append((LunarDate(year, 4, 15).to_solar_date(),
            "Hari Raya Waisak %s BE" % (year + 544)))
    days.append((nyepi(year),
            "Hari Suci Nyepi (Tahun Baru Saka %s)" % (year - 78)))
    merged = {}
    for date, name in days:
        if date in merged:
            if name not in merged[date].split('; '):
                merged[date] += '; ' + name
        else:
            merged[date] = name
    return sorted(merged.items())


def ramadan_periods(year):
    """The Ramadan months that start in `year` (Umm al-Qura):
    [(first day, last day, Hijri year)]"""
    _check(year)
    result = []
    for hijri_year in _hijri_years(year):
        first = _gregorian(hijri_year, 9, 1)
        if first.year == year:
            last = _gregorian(hijri_year, 10, 1) - dt.timedelta(days=1)
            result.append((first, last, hijri_year))
    return result


def _today():
    return Pool().get('ir.date').today()


def unconfirmed_years(years):
    """The years among `years` whose calendar is not confirmed: no
    confirmed (non-provisional) non-working day is entered for them, so
    their days are provisional or missing. The same rule as the daily job's
    (a year with a confirmed day loses its provisional days)."""
    Holiday = Pool().get('egov.holiday')
    years = sorted(set(years))
    if not years:
        return []
    with without_check_access():
        confirmed = Holiday.search([
                ('provisional', '=', False),
                ('date', '>=', dt.date(years[0], 1, 1)),
                ('date', '<=', dt.date(years[-1], 12, 31)),
                ])
    have = {h.date.year for h in confirmed}
    return [y for y in years if y not in have]


def deadlines_provisional(records):
    """{history id: bool}: the deadline of each open pass is an estimate
    ("perkiraan") when the span from its start (or resumption) to its
    deadline touches a year whose calendar is not confirmed: the SKB of
    that year, once entered, may move it (its cuti bersama are not
    computed, its Islamic days may shift by a day)."""
    spans = {}
    for record in records:
        if record.finished or record.deadline is None or not record.started:
            continue
        spans[record.id] = range(to_local(record.started).year,
            to_local(record.deadline).year + 1)
    unconfirmed = set(unconfirmed_years(
            y for span in spans.values() for y in span))
    return {r.id: bool(unconfirmed.intersection(spans.get(r.id, ())))
        for r in records}


class Holiday(metaclass=PoolMeta):
    __name__ = 'egov.holiday'
    provisional = fields.Boolean(
        "Provisional", readonly=True,
        help="Computed before the SKB of its year is entered; replaced by "
        "the import of the SKB.")

    @classmethod
    def default_provisional(cls):
        return False

    @classmethod
    def create(cls, vlist):
        "A confirmed day entered by hand takes the place of a provisional one"
        dates = [v['date'] for v in vlist
            if v.get('date') and not v.get('provisional')]
        if dates:
            replaced = cls.search([
                    ('date', 'in', dates),
                    ('provisional', '=', True),
                    ])
            if replaced:
                cls.delete(replaced)
        return super().create(vlist)

    @classmethod
    def write(cls, *args):
        """A confirmed day moved by hand onto a provisional day's date takes
        its place too (instead of the one-day-one-entry error)"""
        actions = iter(args)
        dates, written = set(), set()
        for records, values in zip(actions, actions):
            written.update(r.id for r in records)
            if values.get('date') and not values.get('provisional') and any(
                    not r.provisional for r in records):
                dates.add(values['date'])
        if dates:
            replaced = [h for h in cls.search([
                        ('date', 'in', list(dates)),
                        ('provisional', '=', True),
                        ]) if h.id not in written]
            if replaced:
                cls.delete(replaced)
        super().write(*args)

    @classmethod
    def fill_provisional(cls, years=None):
        """Scheduled job (daily): the provisional national holidays and
        Ramadan period of each of `years` (by default this year and the
        next) that has no confirmed non-working day; a year that has one
        loses its provisional days. Runs again without change."""
        if years is None:
            today = _today()
            years = [today.year, today.year + 1]
        for year in years:
            _fill_year(year)


def _fill_year(year):
    pool = Pool()
    Holiday = pool.get('egov.holiday')
    Period = pool.get('egov.calendar.period')
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    in_year = [('date', '>=', first), ('date', '<=', last)]
    confirmed = Holiday.search(in_year + [('provisional', '=', False)],
        limit=1)
    provisional = Holiday.search(in_year + [('provisional', '=', True)])
    if confirmed:
        wanted = {}
    else:
        wanted = dict(national_holidays(year))
    have = {h.date: h.name for h in provisional}
    if have != wanted:
        if provisional:
            Holiday.delete(provisional)
        if wanted:
            Holiday.create([{
                        'date': date,
                        'name': name,
                        'kind': 'national',
                        'provisional': True,
                        } for date, name in sorted(wanted.items())])

    for start, end, hijri_year in ramadan_periods(year):
        overlapping = Period.search([
                ('first_date', '<=', end),
                ('last_date', '>=', start),
                ])
        confirmed = [p for p in overlapping if not p.provisional]
        provisional = [p for p in overlapping if p.provisional]
        current = [p for p in provisional
            if (p.first_date, p.last_date) == (start, end)]
        if confirmed or not current:
            stale = provisional
        else:
            stale = current[1:] + [p for p in provisional if p not in current]
        if stale:
            Period.delete(stale)
        if confirmed or current:
            continue
        template = _ramadan_template()
        if template is None:
            continue
        Period.create([{
                    'name': "Ramadan %s H" % hijri_year,
                    'first_date': start,
                    'last_date': end,
                    'provisional': True,
                    'hours': [('create', [{
                                    'weekday': h.weekday,
                                    'start': h.start,
                                    'end': h.end,
                                    } for h in template.hours])],
                    }])


def _ramadan_template():
    """The latest confirmed period with other hours that overlaps the
    Ramadan of its year: its hours are the Ramadan hours"""
    Period = Pool().get('egov.calendar.period')
    for period in Period.search([('provisional', '=', False)],
            order=[('first_date', 'DESC'), ('id', 'DESC')]):
        year = period.first_date.year
        if not FIRST_YEAR <= year <= LAST_YEAR:
            continue
        for start, end, _ in ramadan_periods(year):
            if period.first_date <= end and period.last_date >= start:
                return period
    return None


class WorkingPeriod(metaclass=PoolMeta):
    __name__ = 'egov.calendar.period'
    provisional = fields.Boolean(
        "Provisional", readonly=True,
        help="Computed (Ramadan by the Umm al-Qura calendar) before the "
        "period of its year is entered.")

    @classmethod
    def default_provisional(cls):
        return False


class HolidayImport(metaclass=PoolMeta):
    __name__ = 'egov.holiday.import'

    def transition_import_(self):
        """The import of an SKB replaces the provisional days of the years
        it covers (the transaction rolls back if the file is refused)"""
        pool = Pool()
        Holiday = pool.get('egov.holiday')
        rows = parse_holidays(
            bytes(self.start.file), self.start.filename or '',
            self.start.kind, self.start.legal_basis)
        domain = ['OR'] + [[
                ('date', '>=', dt.date(year, 1, 1)),
                ('date', '<=', dt.date(year, 12, 31)),
                ] for year in sorted({r['date'].year for r in rows})]
        provisional = Holiday.search(
            [('provisional', '=', True), domain])
        if provisional:
            Holiday.delete(provisional)
        return super().transition_import_()


class RequestHistory(metaclass=PoolMeta):
    __name__ = 'egov.request.history'
    deadline_provisional = fields.Function(
        fields.Boolean(
            "Estimate",
            help="The deadline counts days of a year whose calendar (SKB) "
            "is not yet entered: it may move when it is."),
        'get_deadline_provisional')

    @classmethod
    def get_deadline_provisional(cls, records, name):
        return deadlines_provisional(records)


class Request(metaclass=PoolMeta):
    __name__ = 'egov.request'
    deadline_provisional = fields.Function(
        fields.Boolean(
            "Estimate",
            help="The deadline of the step is an estimate (perkiraan): it "
            "counts days of a year whose calendar (the SKB of national "
            "holidays and cuti bersama) is not yet entered, on the "
            "provisional calendar. It may move when the SKB is entered."),
        'get_deadline_provisional')

    @classmethod
    def get_deadline_provisional(cls, requests, name):
        History = Pool().get('egov.request.history')
        with without_check_access():
            records = History.search([
                    ('request', 'in', [r.id for r in requests]),
                    ('finished', '=', None),
                    ])
            flags = deadlines_provisional(records)
            result = {r.id: False for r in requests}
            for record in records:
                result[record.request.id] = flags[record.id]
        return result

    @classmethod
    def view_attributes(cls):
        return super().view_attributes() + [
            ('//label[@name="deadline_provisional"]', 'states', {
                    'invisible': ~Eval('deadline_provisional'),
                    }),
            ]
