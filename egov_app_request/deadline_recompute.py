"""New deadlines for the open steps after a change of the calendar, set-based,
and off the administrator's save when trytond has a worker.

A holiday added, or working hours changed, moves the deadline and the
nearly-late moment of every step still open. At 100,000 open steps a
per-record loop (reading the configuration and the calendar for each record,
then one UPDATE per record) kept the administrator's save waiting for
minutes. Here the configuration, the timezone and the calendar are read
once, the working-time arithmetic answers from an index of the calendar's
intervals (worktime.WorkIndex: two binary searches per figure), each
distinct (start, standard) is computed once, and the new values go to the
database in one UPDATE … FROM a temporary table filled by COPY (PostgreSQL)
or a few UPDATE … FROM (VALUES …) (SQLite).

When: with a worker (`[queue] worker = True`, `trytond-worker` running), a
change of the calendar only queues the recompute (ir.queue) and the save
returns; the worker runs it after the commit. The job reads the calendar as
it is when it runs and recomputes every open step, so running it twice, or
after a second change, leaves the figures of the current calendar. Without
a worker (the demo, the tests) the recompute runs in the save: trytond
would run a queued task only after the RPC call, and never in the in-process
calls of the tests and scenarios.

The figures are those of egov.request.history's `_deadlines` (the same
working-time arithmetic, worktime.py): finished steps and paused ones keep
theirs; a notice whose condition no longer holds may be sent again."""
import datetime as dt
import io
from fractions import Fraction

from sql import Cast, Column, Literal, Null, Table, Values
from sql.conditionals import Case
from sql.functions import CurrentTimestamp
from trytond import backend, config
from trytond.pool import Pool
from trytond.tools import grouped_slice
from trytond.transaction import Transaction

from . import clock
from .workcalendar import dinas_timezone, work_calendar
from .worktime import DAY, MICROSECOND, MINUTE, WorkIndex, whole_minutes

# Rows per UPDATE … FROM (VALUES …) (SQLite): large enough to be few
# statements, small enough for the parameters' limits of the drivers.
BATCH = 5000
# Days of the index beyond the latest start: the longest standard fits in
# it; a figure beyond it is computed by walking the calendar.
HORIZON_DAYS = 400


def queued():
    "Whether a trytond-worker runs the queue (else tasks run in the call)"
    return config.getboolean('queue', 'worker', default=False)


class DeadlineComputer:
    """`_deadlines` of egov.request.history with the configuration, the
    timezone and the calendar read once; `starts` (naive UTC) bound the
    index of the calendar"""

    def __init__(self, starts=(), cached=True):
        Configuration = Pool().get('egov.configuration')
        self.calendar = work_calendar(cached=cached)
        self.percent = Configuration(1).warning_percent
        self.timezone = dinas_timezone()
        self._results = {}
        self.offset = None
        self.index = self.calendar
        self.origin = None  # the index's origin in UTC, for `offsets`
        if starts:
            first = min(starts) - dt.timedelta(days=1)
            last = max(starts) + dt.timedelta(days=HORIZON_DAYS)
            self.offset = self._fixed_offset(first, last)
            self.index = WorkIndex(self.calendar,
                self._local(first).date(), self._local(last).date())
            if self.offset is not None and self.index.exact:
                self.origin = self._utc(self.index.origin)

    def _fixed_offset(self, first, last):
        "The zone's offset from UTC when it does not change in the range"
        offsets = set()
        day = first
        while day <= last + dt.timedelta(days=1):
            offsets.add(self.timezone.utcoffset(day))
            day += dt.timedelta(days=1)
        return offsets.pop() if len(offsets) == 1 else None

    def _local(self, moment):
        if self.offset is not None:
            return moment + self.offset
        return moment.replace(tzinfo=dt.timezone.utc).astimezone(
            self.timezone).replace(tzinfo=None)

    def _utc(self, moment):
        if self.offset is not None:
            return moment - self.offset
        return moment.replace(tzinfo=self.timezone).astimezone(
            dt.timezone.utc).replace(tzinfo=None)

    def __call__(self, start, standard_minutes=None, standard_days=None):
        "(standard minutes, deadline, nearly late at), all in UTC"
        key = (start, standard_minutes, standard_days)
        try:
            return self._results[key]
        except KeyError:
            pass
        index = self.index
        local_start = self._local(start)
        if standard_days:
            deadline = index.end_of_working_day(local_start, standard_days)
            standard_minutes = index.between(local_start, deadline)
        else:
            deadline = index.add(local_start, standard_minutes or 0)
        nearly = index.add(local_start, self._nearly(standard_minutes))
        result = self._results[key] = (
            standard_minutes, self._utc(deadline), self._utc(nearly))
        return result

    def _nearly(self, standard_minutes):
        "The minutes of the standard after which a step is nearly late"
        share = (standard_minutes or 0) * self.percent
        if isinstance(share, int):
            return share // 100  # whole_minutes of share / 100, exactly
        return whole_minutes(Fraction(share, 100))

    def offsets(self, start, standard_minutes=None, standard_days=None):
        """(standard minutes, deadline, nearly late at), the moments as
        microseconds from `origin` (UTC): the same figures as __call__,
        in integers from the index where it answers"""
        index, origin = self.index, self.origin
        if origin is not None:
            # The zone's offset is fixed: local and UTC offsets are equal.
            offset = (start - origin) // MICROSECOND
            if 0 <= offset < index.days * DAY:
                worked = index.worked(offset)
                if standard_days:
                    deadline = index.day_end(offset, standard_days)
                    if deadline is not None:
                        standard_minutes = (
                            index.worked(deadline) - worked) // MINUTE
                elif standard_minutes and standard_minutes > 0:
                    deadline = index.at(worked + standard_minutes * MINUTE)
                else:
                    deadline = None
                if deadline is not None:
                    nearly = self._nearly(standard_minutes)
                    if nearly > 0:
                        nearly = index.at(worked + nearly * MINUTE)
                        if nearly is not None:
                            return standard_minutes, deadline, nearly
            standard_minutes, deadline, nearly = self(
                start, standard_minutes, standard_days)
            return (standard_minutes, (deadline - origin) // MICROSECOND,
                (nearly - origin) // MICROSECOND)
        raise ValueError("no index with a fixed offset")


def _typed(table, name, sql_type):
    "A column read back as its Python type on both backends"
    column = Column(table, name)
    if backend.name == 'sqlite':
        # SQLite converts by the type named in the column's alias.
        return column.as_(f'{name} [{sql_type}]')
    return column


def open_steps():
    """(id, started, standard minutes, standard days, deadline, nearly late
    at) of the open steps"""
    History = Pool().get('egov.request.history')
    cursor = Transaction().connection.cursor()
    table = History.__table__()
    cursor.execute(*table.select(
            table.id,
            _typed(table, 'started', 'TIMESTAMP'),
            table.standard_minutes,
            table.standard_days,
            _typed(table, 'deadline', 'TIMESTAMP'),
            _typed(table, 'nearly_late_at', 'TIMESTAMP'),
            where=(table.finished == Null)
            & (table.state != 'incomplete')
            & (table.deadline != Null)))
    return cursor.fetchall()


def new_values(rows, now, cached=True, changed_only=True):
    """The new figures of the rows of open_steps(): (origin, values), each
    value (id, standard minutes, deadline, nearly late at, deadline still
    ahead, nearly-late moment still ahead) with the moments as microseconds
    from `origin` (naive UTC) when the index answers in integers, else
    (None, values) with datetimes. Only the rows whose figures change
    (a holiday moves the deadlines that run across it, not the others)
    unless `changed_only` is False."""
    compute = DeadlineComputer({r[1] for r in rows}, cached=cached)
    values = []
    append = values.append
    origin = compute.origin
    if origin is not None:
        offsets = compute.offsets
        now = (now - origin) // MICROSECOND
        for (id_, started, standard_minutes, standard_days, old_deadline,
                old_nearly) in rows:
            minutes, deadline, nearly = offsets(
                started, standard_minutes, standard_days)
            if (changed_only and minutes == standard_minutes
                    and old_nearly is not None
                    and deadline == (old_deadline - origin) // MICROSECOND
                    and nearly == (old_nearly - origin) // MICROSECOND):
                continue
            append((id_, minutes, deadline, nearly,
                    deadline > now, nearly > now))
        return origin, values
    for (id_, started, standard_minutes, standard_days, old_deadline,
            old_nearly) in rows:
        minutes, deadline, nearly = compute(
            started, standard_minutes, standard_days)
        if (changed_only and minutes == standard_minutes
                and (deadline, nearly) == (old_deadline, old_nearly)):
            continue
        append((id_, minutes, deadline, nearly,
                deadline > now, nearly > now))
    return None, values


def _write_values(table, origin, values, sql_type):
    "The figures of new_values() into the rows of egov.request.history"
    transaction = Transaction()
    cursor = transaction.connection.cursor()
    if backend.name == 'postgresql':
        # One COPY into a temporary table, one UPDATE from it: binding the
        # parameters of 100,000 rows costs more than the arithmetic. The
        # moments travel as microseconds from `origin` when they are
        # integers, PostgreSQL turns them back into timestamps.
        moment = 'BIGINT' if origin is not None else 'TIMESTAMP'
        cursor.execute('CREATE TEMPORARY TABLE egov_new_deadline ('
            f'id INTEGER, minutes INTEGER, deadline {moment}, '
            f'nearly {moment}, not_late BOOLEAN, not_nearly BOOLEAN) '
            'ON COMMIT DROP')
        text = str if origin is not None else dt.datetime.isoformat
        data = io.StringIO()
        for id_, minutes, deadline, nearly, not_late, not_nearly in values:
            data.write(f'{id_}\t{"" if minutes is None else minutes}\t'
                f'{text(deadline)}\t{text(nearly)}\t'
                f'{"t" if not_late else "f"}\t'
                f'{"t" if not_nearly else "f"}\n')
        with cursor.copy('COPY egov_new_deadline FROM STDIN '
                "WITH (NULL '')") as copy:
            copy.write(data.getvalue())
        # Its size and ids known, the planner joins it by hash.
        cursor.execute('ANALYZE egov_new_deadline')
        new = Table('egov_new_deadline')
        deadline, nearly = new.deadline, new.nearly
        if origin is not None:
            start = Cast(Literal(origin), 'TIMESTAMP')
            unit = Literal(MICROSECOND)
            deadline, nearly = start + deadline * unit, start + nearly * unit
        sources = [(new, [new.id, new.minutes, deadline, nearly,
                    new.not_late, new.not_nearly])]
    else:
        if origin is not None:
            def moment(offset):
                return origin + dt.timedelta(microseconds=offset)
            values = [(i, m, moment(d), moment(n), a, b)
                for i, m, d, n, a, b in values]
        sources = []
        for sub_values in grouped_slice(values, BATCH):
            new = Values(list(sub_values))
            sources.append((new,
                    [Column(new, f'column{i}') for i in range(1, 7)]))
    for new, columns in sources:
        id_, minutes, deadline, nearly, not_late, not_nearly = columns
        cursor.execute(*table.update(
                [table.standard_minutes, table.deadline,
                    table.nearly_late_at, table.warned_late,
                    table.warned_nearly_late,
                    table.write_uid, table.write_date],
                [Cast(minutes, sql_type), deadline, nearly,
                    Case((not_late, Null), else_=table.warned_late),
                    Case((not_nearly, Null), else_=table.warned_nearly_late),
                    transaction.user, CurrentTimestamp()],
                from_=[new],
                where=table.id == id_))
    if backend.name == 'postgresql':
        cursor.execute('DROP TABLE egov_new_deadline')


def recompute_open_deadlines(cached=True, changed_only=True):
    """New deadlines for the steps still open, in a few statements, written
    to the rows whose figures change (all of them: changed_only=False);
    returns the number of steps written. cached=False reads the calendar
    from the data rather than from this process's cache (the queued
    job)."""
    History = Pool().get('egov.request.history')
    transaction = Transaction()
    rows = open_steps()
    if not rows:
        return 0
    origin, values = new_values(rows, clock.now(), cached=cached,
        changed_only=changed_only)
    if not values:
        return 0
    _write_values(History.__table__(), origin, values,
        History.standard_minutes.sql_type().base)

    # What the records of this transaction read before is stale now.
    transaction.counter += 1
    for cache in transaction.cache.values():
        if History.__name__ in cache:
            cache_history = cache[History.__name__]
            for value in values:
                cache_history.pop(value[0], None)
    return len(values)


def first_open_step():
    """The id of the oldest open step, or None: the record a queued
    recompute is attached to (trytond's queue calls a method on records
    that exist when it runs; a step of a submitted request is never
    deleted)"""
    History = Pool().get('egov.request.history')
    cursor = Transaction().connection.cursor()
    table = History.__table__()
    cursor.execute(*table.select(table.id,
            where=(table.finished == Null)
            & (table.state != 'incomplete')
            & (table.deadline != Null),
            order_by=[table.id.asc], limit=1))
    row = cursor.fetchone()
    return row[0] if row else None
