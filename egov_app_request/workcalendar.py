"""The Dinas's working calendar as data: weekly hours with breaks, dated
periods with other hours (Ramadan) and non-working days. Deadlines are
computed from it (worktime.py) in the Dinas's time zone."""
import csv
import datetime as dt
import io
import re
from decimal import Decimal

try:
    import zoneinfo
except ImportError:  # pragma: no cover
    zoneinfo = None

from trytond.cache import Cache
from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Unique, fields
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction
from trytond.wizard import Button, StateTransition, StateView, Wizard

from .exceptions import CalendarError, HolidayDecreeError, HolidayImportError
from .worktime import WorkCalendar

WEEKDAYS = [
    ('0', "Monday"),
    ('1', "Tuesday"),
    ('2', "Wednesday"),
    ('3', "Thursday"),
    ('4', "Friday"),
    ('5', "Saturday"),
    ('6', "Sunday"),
    ]
HOLIDAY_KINDS = [
    ('national', "National Holiday"),
    ('cuti_bersama', "Collective Leave (Cuti Bersama)"),
    ('local', "Local Holiday"),
    ('one_off', "One-off Day Off"),
    ]
DECREE_KINDS = [
    ('original', "Original"),
    ('amendment', "Amendment"),
    ]

class _CalendarData:
    "Every change of the calendar recomputes the deadlines of open steps"
    __slots__ = ()
    # The WorkCalendar built from the hours, periods and holidays: a trytond
    # Cache, so that a change in one server process (or worker) empties it
    # in all of them at commit.
    _calendar_cache = Cache('egov.work_calendar', context=False)

    @classmethod
    def on_modification(cls, mode, records, field_names=None):
        super().on_modification(mode, records, field_names=field_names)
        # Tryton calls it before a deletion: the deleted days would still
        # count, so a deletion recomputes after it (on_delete).
        if mode != 'delete':
            _calendar_changed(cls._changed_days(mode, records, field_names))

    @classmethod
    def on_delete(cls, records):
        days = cls._changed_days('delete', records)
        return super().on_delete(records) + [
            lambda: _calendar_changed(days)]

    @classmethod
    def _changed_days(cls, mode, records, field_names=None):
        """The dates whose working time the change alters (only the open
        steps that run across them are recomputed), or None: any date"""
        return None


def _calendar_changed(days=None):
    _CalendarData._calendar_cache.clear()
    if days is not None and not days:
        return
    Pool().get('egov.request.history').recompute_open_deadlines(days=days)


class WorkingHours(_CalendarData, ModelSQL, ModelView):
    "Working hours"
    __name__ = 'egov.calendar.hours'
    __string__ = "Working Hours"
    period = fields.Many2One(
        'egov.calendar.period', "Period", ondelete='CASCADE',
        help="Empty for the usual weekly hours.")
    weekday = fields.Selection(WEEKDAYS, "Day", required=True, sort=False)
    start = fields.Time("From", required=True)
    end = fields.Time(
        "To", required=True,
        domain=[('end', '>', Eval('start'))])

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('weekday', 'ASC'), ('start', 'ASC'), ('id', 'ASC')]

    @property
    def minutes(self):
        return (self.end.hour * 60 + self.end.minute
            - self.start.hour * 60 - self.start.minute)


class WorkingPeriod(_CalendarData, ModelSQL, ModelView):
    "Period with other working hours"
    __name__ = 'egov.calendar.period'
    __string__ = "Period with Other Hours"
    name = fields.Char("Name", required=True)
    first_date = fields.Date("First Day", required=True)
    last_date = fields.Date(
        "Last Day", required=True,
        domain=[('last_date', '>=', Eval('first_date'))])
    legal_basis = fields.Char("Legal Basis")
    hours = fields.One2Many('egov.calendar.hours', 'period', "Hours")
    weekly_hours = fields.Function(
        fields.Numeric("Hours a Week", digits=(3, 1)), 'get_weekly_hours')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('first_date', 'DESC'), ('id', 'DESC')]

    def get_weekly_hours(self, name):
        return Decimal(sum(h.minutes for h in self.hours)) / 60


class HolidayDecree(ModelSQL, ModelView):
    """Decree that sets non-working days (e.g. the SKB 3 Menteri of a year)
    or amends such a decree: the days say which decree set them, so that
    the calendar of a year shows what an amendment changed."""
    __name__ = 'egov.holiday.decree'
    __string__ = "Decree on Non-Working Days"
    name = fields.Char(
        "Number", required=True,
        help="E.g. SKB Menag, Menaker, MenPANRB 1017/2024, 2/2024, 2/2024.")
    title = fields.Char("Title")
    year = fields.Integer(
        "Year", required=True, help="The year of the days it sets.")
    signed = fields.Date("Signed On")
    kind = fields.Selection(DECREE_KINDS, "Kind", required=True)
    amends = fields.Many2One(
        'egov.holiday.decree', "Amends", ondelete='RESTRICT',
        domain=[
            ('year', '=', Eval('year', -1)),
            ('id', '!=', Eval('id', -1)),
            ],
        states={
            'required': Eval('kind') == 'amendment',
            'invisible': Eval('kind') != 'amendment',
            },
        help="The decree this one amends (same year).")
    amendments = fields.One2Many(
        'egov.holiday.decree', 'amends', "Amended By", readonly=True)
    holidays = fields.One2Many(
        'egov.holiday', 'decree', "Non-Working Days", readonly=True)
    note = fields.Text("Note")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('year', 'DESC'), ('signed', 'ASC NULLS FIRST'),
            ('id', 'ASC')]

    @classmethod
    def default_kind(cls):
        return 'original'

    @classmethod
    def create(cls, vlist):
        decrees = super().create(vlist)
        if Transaction().context.get('module') == 'egov_app_request':
            cls._link_shipped_days(decrees)
        return decrees

    @classmethod
    def _link_shipped_days(cls, decrees):
        """The module's data creates an original decree: the days the module
        shipped for its year without a decree take it. On a new database
        there are none yet; on the update of a database made before decrees
        existed, the shipped days are data that an update does not rewrite
        (noupdate), so they would stay without the decree that set them."""
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        Holiday = pool.get('egov.holiday')
        shipped = [d.db_id for d in ModelData.search([
                    ('module', '=', 'egov_app_request'),
                    ('model', '=', 'egov.holiday'),
                    ]) if d.db_id]
        for decree in decrees:
            if decree.kind != 'original' or not shipped:
                continue
            days = Holiday.search([
                    ('id', 'in', shipped),
                    ('decree', '=', None),
                    ('date', '>=', dt.date(decree.year, 1, 1)),
                    ('date', '<=', dt.date(decree.year, 12, 31)),
                    ])
            if days:
                Holiday.write(days, {'decree': decree.id})

    @classmethod
    def validate_fields(cls, decrees, field_names):
        super().validate_fields(decrees, field_names)
        for decree in decrees:
            if decree.kind == 'original' and decree.amends:
                raise HolidayDecreeError(gettext(
                        'egov_app_request.msg_holiday_decree_original',
                        decree=decree.rec_name))


class Holiday(_CalendarData, ModelSQL, ModelView):
    "Non-working day"
    __name__ = 'egov.holiday'
    __string__ = "Non-Working Day"
    date = fields.Date("Date", required=True)
    name = fields.Char("Name", required=True)
    kind = fields.Selection(HOLIDAY_KINDS, "Kind", required=True)
    legal_basis = fields.Char(
        "Legal Basis", help="E.g. the SKB 3 Menteri or a Keppres.")
    decree = fields.Many2One(
        'egov.holiday.decree', "Decree", ondelete='RESTRICT',
        help="The decree that set this day; for a day added by an "
        "amendment, the amending decree.")
    decree_kind = fields.Function(
        fields.Selection([(None, "")] + DECREE_KINDS, "Decree Kind"),
        'on_change_with_decree_kind')

    @fields.depends('decree', '_parent_decree.kind')
    def on_change_with_decree_kind(self, name=None):
        return self.decree.kind if self.decree else None

    @fields.depends('decree', 'legal_basis', '_parent_decree.name')
    def on_change_decree(self):
        if self.decree and not self.legal_basis:
            self.legal_basis = self.decree.name

    @classmethod
    def validate_fields(cls, holidays, field_names):
        super().validate_fields(holidays, field_names)
        for holiday in holidays:
            if holiday.decree and holiday.date.year != holiday.decree.year:
                raise HolidayDecreeError(gettext(
                        'egov_app_request.msg_holiday_decree_year',
                        date=holiday.date.isoformat(),
                        decree=holiday.decree.rec_name,
                        year=holiday.decree.year))

    @classmethod
    def _changed_days(cls, mode, records, field_names=None):
        """A day added or removed: its date; a day moved: any date (its
        former date is gone); its name, kind or decree: no date"""
        if mode == 'write':
            return None if 'date' in (field_names or ()) else set()
        return {h.date for h in records}

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('date_uniq', Unique(t, t.date),
                'egov_app_request.msg_holiday_date_unique'),
            ]
        cls._order = [('date', 'ASC'), ('id', 'ASC')]


def dinas_timezone():
    Configuration = Pool().get('egov.configuration')
    name = Configuration.cached().timezone or 'Asia/Jakarta'
    return zoneinfo.ZoneInfo(name)


def to_local(moment):
    "A naive UTC datetime (as Tryton stores it) in the Dinas's local time"
    if moment is None:
        return None
    return moment.replace(tzinfo=dt.timezone.utc).astimezone(
        dinas_timezone()).replace(tzinfo=None)


def to_utc(moment):
    if moment is None:
        return None
    return moment.replace(tzinfo=dinas_timezone()).astimezone(
        dt.timezone.utc).replace(tzinfo=None)


def work_calendar(cached=True):
    """The WorkCalendar of the data, built once until the data changes
    (cached=False: read from the data now, as the queued recompute does,
    whatever another process's cache holds)"""
    calendar = _CalendarData._calendar_cache.get('calendar') if cached \
        else None
    if calendar is not None:
        return calendar
    pool = Pool()
    Hours = pool.get('egov.calendar.hours')
    Period = pool.get('egov.calendar.period')
    Holiday = pool.get('egov.holiday')

    def weekly(hours):
        result = {}
        for h in hours:
            result.setdefault(int(h.weekday), []).append((
                    h.start.hour * 60 + h.start.minute,
                    h.end.hour * 60 + h.end.minute))
        return result
    calendar = WorkCalendar(
        weekly(Hours.search([('period', '=', None)])),
        [(p.first_date, p.last_date, weekly(p.hours))
            for p in Period.search([])],
        [h.date for h in Holiday.search([])])
    if not any(calendar.weekly.values()):
        raise CalendarError(gettext('egov_app_request.msg_calendar_empty'))
    if cached:
        _CalendarData._calendar_cache.set('calendar', calendar)
    return calendar


class HolidayImportStart(ModelView):
    "Import non-working days"
    __name__ = 'egov.holiday.import.start'
    __string__ = "Import Non-Working Days"
    file = fields.Binary(
        "File", required=True, filename='filename',
        help="A CSV file with the columns date (YYYY-MM-DD), name, kind "
        "and legal basis, or an iCalendar (.ics) file.")
    filename = fields.Char("File Name")
    kind = fields.Selection(
        HOLIDAY_KINDS, "Kind", required=True,
        help="The kind of the days the file does not give one for.")
    legal_basis = fields.Char(
        "Legal Basis",
        help="For the days the file does not give one for; empty: the "
        "number of the decree.")
    decree = fields.Many2One(
        'egov.holiday.decree', "Decree",
        help="The decree the days of the file are under. For an amendment "
        "(e.g. one day added to a year), the amending decree: its form says "
        "which decree it amends. The other days of the year are not "
        "touched.")

    @classmethod
    def default_kind(cls):
        return 'national'


class HolidayImport(Wizard):
    "Import non-working days"
    __name__ = 'egov.holiday.import'
    start = StateView(
        'egov.holiday.import.start',
        'egov_app_request.holiday_import_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Import", 'import_', 'tryton-ok', default=True),
            ])
    import_ = StateTransition()

    def transition_import_(self):
        pool = Pool()
        Holiday = pool.get('egov.holiday')
        decree = self.start.decree
        rows = parse_holidays(
            bytes(self.start.file), self.start.filename or '',
            self.start.kind,
            self.start.legal_basis or (decree.name if decree else None))
        if decree:
            for row in rows:
                row['decree'] = decree.id
        existing = {h.date for h in Holiday.search([
                    ('date', 'in', [r['date'] for r in rows]),
                    ])}
        # Days already in the calendar are kept as they are.
        new = [r for r in rows if r['date'] not in existing]
        if new:
            Holiday.create(new)
        return 'end'


def parse_holidays(data, filename, kind, legal_basis):
    "Rows of egov.holiday values from a CSV or iCalendar file"
    try:
        text = data.decode('utf-8-sig')
    except UnicodeDecodeError:
        raise HolidayImportError(gettext(
                'egov_app_request.msg_holiday_import_encoding'))
    kinds = dict(HOLIDAY_KINDS)
    rows = []
    if text.lstrip().startswith('BEGIN:VCALENDAR') or filename.lower(
            ).endswith('.ics'):
        # Unfold continuation lines (RFC 5545 3.1), then read VEVENTs.
        text = re.sub(r'\r?\n[ \t]', '', text)
        event = None
        for number, line in enumerate(text.splitlines(), 1):
            if line.startswith('BEGIN:VEVENT'):
                event = {}
            elif line.startswith('END:VEVENT') and event is not None:
                if 'date' not in event:
                    raise HolidayImportError(gettext(
                            'egov_app_request.msg_holiday_import_line',
                            line=number))
                rows.append({
                        'date': event['date'],
                        'name': event.get('name') or '-',
                        'kind': kind,
                        'legal_basis': legal_basis,
                        })
                event = None
            elif event is not None and line.startswith('DTSTART'):
                value = line.split(':', 1)[-1].strip()[:8]
                try:
                    event['date'] = dt.datetime.strptime(
                        value, '%Y%m%d').date()
                except ValueError:
                    raise HolidayImportError(gettext(
                            'egov_app_request.msg_holiday_import_line',
                            line=number))
            elif event is not None and line.startswith('SUMMARY'):
                event['name'] = line.split(':', 1)[-1].strip().replace(
                    '\\,', ',')
    else:
        reader = csv.reader(io.StringIO(text))
        for number, row in enumerate(reader, 1):
            if not row or not ''.join(row).strip():
                continue
            if number == 1 and row[0].strip().lower() in {'date', 'tanggal'}:
                continue
            try:
                date = dt.date.fromisoformat(row[0].strip())
                name = row[1].strip()
                row_kind = (row[2].strip() if len(row) > 2 and row[2].strip()
                    else kind)
                if row_kind not in kinds or not name:
                    raise ValueError
            except (ValueError, IndexError):
                raise HolidayImportError(gettext(
                        'egov_app_request.msg_holiday_import_line',
                        line=number))
            rows.append({
                    'date': date,
                    'name': name,
                    'kind': row_kind,
                    'legal_basis': (row[3].strip() if len(row) > 3
                        and row[3].strip() else legal_basis),
                    })
    if not rows:
        raise HolidayImportError(gettext(
                'egov_app_request.msg_holiday_import_empty'))
    dates = [r['date'] for r in rows]
    if len(dates) != len(set(dates)):
        raise HolidayImportError(gettext(
                'egov_app_request.msg_holiday_import_duplicate'))
    return rows
