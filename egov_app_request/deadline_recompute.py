"""New deadlines for the open steps after a change of the calendar, set-based,
and off the administrator's save when trytond has a worker.

A holiday added, or working hours changed, moves the deadline and the
nearly-late moment of the steps still open. At 100,000 open steps a
per-record loop (reading the configuration and the calendar for each record,
then one UPDATE per record) kept the administrator's save waiting for
minutes. Here the configuration, the timezone and the calendar are read
once, the working-time arithmetic answers from an index of the calendar's
intervals (worktime.WorkIndex: binary searches, in integers: microseconds
since 1970, one loop for all the steps), and the new values go to the
database in one UPDATE per chunk of 4,096 steps, pipelined while the
next chunk is computed (PostgreSQL), or a few UPDATE … FROM (VALUES …)
(SQLite). A day added or removed (a holiday) can only move the steps that
run across it: only those are read and computed (`_bound`); hours, periods
and the settings recompute every open step.

When: with a worker (`[queue] worker = True`, `trytond-worker` running), a
change of the calendar only queues the recompute (ir.queue, with the days
of a holiday) and the save returns; the worker runs it after the commit.
The job reads the calendar as it is when it runs and recomputes the open
steps, so running it twice, or after a second change, leaves the figures of
the current calendar. Without a worker (the demo, the tests) the recompute
runs in the save: trytond would run a queued task only after the RPC call,
and never in the in-process calls of the tests and scenarios.

The figures are those of egov.request.history's `_deadlines` (the same
class, DeadlineComputer, one step at a time): finished steps and paused
ones keep theirs; a notice whose condition no longer holds may be sent
again."""
import datetime as dt
from bisect import bisect_left, bisect_right
from fractions import Fraction
from itertools import compress
from operator import ne, or_

from sql import Cast, Column, Literal, Null, Values
from sql.conditionals import Case
from sql.functions import CurrentTimestamp, Extract, Function
from trytond import backend, config
from trytond.pool import Pool
from trytond.tools import grouped_slice
from trytond.transaction import Transaction

from . import clock
from .kept import written_behind_orm
from .workcalendar import dinas_timezone, work_calendar
from .worktime import DAY, MICROSECOND, MINUTE, WorkIndex, whole_minutes

# Open steps computed at a time: PostgreSQL writes one chunk (one UPDATE)
# while the next is computed.
CHUNK = 4096
# Rows per UPDATE … FROM (VALUES …) (SQLite): large enough to be few
# statements, small enough for the parameters' limits of the drivers.
BATCH = 5000
# The moments of the recompute: microseconds since it (naive UTC).
EPOCH = dt.datetime(1970, 1, 1)
# Days of the index beyond the latest start: the longest standard fits in
# it; a figure beyond it is computed by walking the calendar.
HORIZON_DAYS = 400


def queued():
    "Whether a trytond-worker runs the queue (else tasks run in the call)"
    return config.getboolean('queue', 'worker', default=False)


class DeadlineComputer:
    """The deadline arithmetic of a pass of a step (`_deadlines` of
    egov.request.history is a call of it) with the configuration, the
    timezone and the calendar read once; `starts` (naive UTC) bound the
    index of the calendar that answers many figures at once (`figures`)"""

    def __init__(self, starts=(), cached=True, calendar=None, percent=None,
            timezone=None):
        if calendar is None:
            calendar = work_calendar(cached=cached)
        if percent is None:
            Configuration = Pool().get('egov.configuration')
            percent = Configuration.cached().warning_percent
        self.calendar = calendar
        self.percent = percent
        self.timezone = timezone or dinas_timezone()
        self._nearly_of = {}
        self.offset = None
        self.index = self.calendar
        self.origin = None  # the index's origin in UTC, for `figures`
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
        """(standard minutes, deadline, nearly late at) of a pass starting
        at `start`, all in UTC: working moments, so a pass starting or
        resuming outside working time is due no earlier than the next
        opening, also with nothing left of its standard. With
        `standard_days` the deadline is the end of the days-th working day
        and the standard the working minutes until it."""
        index = self.index
        local_start = self._local(start)
        if standard_days:
            deadline = index.end_of_working_day(local_start, standard_days)
            standard_minutes = index.between(local_start, deadline)
        else:
            deadline = index.add(local_start, standard_minutes or 0)
        nearly = index.add(local_start, self._nearly(standard_minutes))
        return standard_minutes, self._utc(deadline), self._utc(nearly)

    def _nearly(self, standard_minutes):
        "The minutes of the standard after which a step is nearly late"
        try:
            return self._nearly_of[standard_minutes]
        except KeyError:
            pass
        share = (standard_minutes or 0) * self.percent
        if isinstance(share, int):
            nearly = share // 100  # whole_minutes of share / 100, exactly
        else:
            nearly = whole_minutes(Fraction(share, 100))
        self._nearly_of[standard_minutes] = nearly
        return nearly

    def figures(self, starts, standard_minutes, standard_days):
        """(standard minutes, deadlines, nearly late moments): three lists,
        the figures of the steps of `starts` (microseconds since EPOCH,
        naive UTC), `standard_minutes` and `standard_days`, the moments in
        microseconds since EPOCH: the figures of __call__, from the index
        in integers where it answers (one loop, no call per figure: at
        100,000 open steps the calls cost more than the arithmetic)"""
        minutes_list, deadlines, nearlies = [], [], []
        add_minutes = minutes_list.append
        add_deadline = deadlines.append
        add_nearly = nearlies.append
        call = self._epoch_call

        def slow(start, minutes, days):
            minutes, deadline, nearly = call(start, minutes, days)
            add_minutes(minutes)
            add_deadline(deadline)
            add_nearly(nearly)
        steps = zip(starts, standard_minutes, standard_days)
        index, origin = self.index, self.origin
        if origin is None:
            for start, minutes, days in steps:
                slow(start, minutes, days)
            return minutes_list, deadlines, nearlies
        base = (origin - EPOCH) // MICROSECOND
        # The zone's offset is fixed: local and UTC offsets are equal.
        limit = index.days * DAY
        starts_, ends, before, upto = (
            index.starts, index.ends, index.before, index.upto)
        work_days, day_ends = index.work_days, index.day_ends
        intervals, working_days = len(upto), len(work_days)
        percent = self.percent
        integral = isinstance(percent, int)
        nearly_of = self._nearly
        # Names bound here are read faster in the loop than globals.
        right, left, least = bisect_right, bisect_left, min
        day_us, minute_us = DAY, MINUTE
        for start, minutes, days in steps:
            offset = start - base
            if not 0 <= offset < limit:
                slow(start, minutes, days)
                continue
            i = right(starts_, offset) - 1
            worked = (before[i] + least(offset, ends[i]) - starts_[i]
                if i >= 0 else 0)
            if days:
                k = right(work_days, offset // day_us) + max(days, 1) - 1
                if k >= working_days:
                    slow(start, minutes, days)
                    continue
                deadline = day_ends[k]
                j = right(starts_, deadline) - 1
                new_minutes = (before[j] + least(deadline, ends[j])
                    - starts_[j] - worked) // minute_us
            elif minutes and minutes > 0:
                new_minutes = minutes
                target = worked + minutes * minute_us
                j = left(upto, target)
                if j >= intervals:
                    slow(start, minutes, days)
                    continue
                deadline = starts_[j] + target - before[j]
            else:
                slow(start, minutes, days)
                continue
            # _nearly: whole minutes of the share, exactly.
            nearly = (new_minutes * percent // 100 if integral
                else nearly_of(new_minutes))
            if nearly <= 0:
                slow(start, minutes, days)
                continue
            target = worked + nearly * minute_us
            j = left(upto, target)
            if j >= intervals:
                slow(start, minutes, days)
                continue
            add_minutes(new_minutes)
            add_deadline(base + deadline)
            add_nearly(base + starts_[j] + target - before[j])
        return minutes_list, deadlines, nearlies

    def _epoch_call(self, start, standard_minutes, standard_days):
        "__call__ with the moments in microseconds since EPOCH"
        minutes, deadline, nearly = self(
            EPOCH + dt.timedelta(microseconds=start), standard_minutes,
            standard_days)
        return (minutes, (deadline - EPOCH) // MICROSECOND,
            (nearly - EPOCH) // MICROSECOND)


def _micros(table, name):
    "A timestamp column read as microseconds since EPOCH (PostgreSQL)"
    return Cast(Extract('EPOCH', Column(table, name)) * Literal(10 ** 6),
        'BIGINT')


def _typed(table, name, sql_type):
    "A column read back as its Python type on both backends"
    column = Column(table, name)
    if backend.name == 'sqlite':
        # SQLite converts by the type named in the column's alias.
        return column.as_(f'{name} [{sql_type}]')
    return column


def _open(table):
    "The open steps (with a deadline, not a pause) of egov.request.history"
    return ((table.finished == Null) & (table.state != 'incomplete')
        & (table.deadline != Null))


def _bound(table, days):
    """The open steps whose figures a change of the working time of the
    local `days` can move: started before the end of the last day, and due
    (or nearly late) at or after the start of the first. A step due before
    the day never reaches it (the arithmetic walks forward from the start
    and stops at the deadline); one started after it never looks back. The
    stored figures are those of the calendar before the change: added or
    removed, the day moves only these."""
    timezone = dinas_timezone()

    def utc(day):
        return dt.datetime.combine(day, dt.time()).replace(
            tzinfo=timezone).astimezone(dt.timezone.utc).replace(tzinfo=None)
    low = utc(min(days))
    high = utc(max(days) + dt.timedelta(days=1))
    return ((table.started < high)
        & ((table.deadline >= low) | (table.nearly_late_at >= low)))


def open_steps(days=None, old=True):
    """(id, started, standard minutes, standard days, deadline, nearly late
    at) of the open steps, the moments in microseconds since EPOCH (naive
    UTC); with `days` (dates) only the steps whose figures a change of
    those days' working time can move (`_bound`); without `old`, the
    deadline and nearly late at are not read (None)"""
    History = Pool().get('egov.request.history')
    cursor = Transaction().connection.cursor()
    table = History.__table__()
    where = _open(table)
    if days:
        where &= _bound(table, days)
    names = ['started', 'deadline', 'nearly_late_at']
    if backend.name == 'postgresql':
        started, deadline, nearly = (_micros(table, n) for n in names)
    else:
        started, deadline, nearly = (
            _typed(table, n, 'TIMESTAMP') for n in names)
    if not old:
        deadline = nearly = Literal(None)
    cursor.execute(*table.select(table.id, started, table.standard_minutes,
            table.standard_days, deadline, nearly, where=where))
    rows = cursor.fetchall()
    if backend.name != 'postgresql':
        def micros(moment):
            return None if moment is None else (
                (moment - EPOCH) // MICROSECOND)
        rows = [(i, micros(s), m, d, micros(e), micros(n))
            for i, s, m, d, e, n in rows]
    return rows


def computer(rows, cached=True):
    "The DeadlineComputer of the rows of open_steps()"
    starts = [r[1] for r in rows]
    return DeadlineComputer(
        (EPOCH + dt.timedelta(microseconds=min(starts)),
            EPOCH + dt.timedelta(microseconds=max(starts))),
        cached=cached)


def new_values(rows, compute, changed_only=True):
    """The new figures of rows of open_steps(): (ids, standard minutes,
    deadlines, nearly late moments), four lists, the moments in
    microseconds since EPOCH. Only the rows whose figures change unless
    `changed_only` is False."""
    if not rows:
        return [], [], [], []
    ids, starts, minutes, days, old_deadlines, old_nearlies = zip(*rows)
    new_minutes, deadlines, nearlies = compute.figures(starts, minutes, days)
    if not changed_only:
        return list(ids), new_minutes, deadlines, nearlies
    # Compared column by column in C (map), the rows picked by compress.
    changed = list(compress(range(len(ids)), map(or_,
                map(or_, map(ne, deadlines, old_deadlines),
                    map(ne, nearlies, old_nearlies)),
                map(ne, new_minutes, minutes))))
    return tuple([column[k] for k in changed] for column in (
            ids, new_minutes, deadlines, nearlies))


def _write_values(table, chunks, now, sql_type):
    """The figures of new_values() (`chunks`, an iterable of them) into the
    open steps of egov.request.history; returns the ids written. A notice
    sent for a moment now ahead again may be sent again."""
    if backend.name == 'postgresql':
        return _write_chunks(table, chunks, now, sql_type)
    transaction = Transaction()
    cursor = transaction.connection.cursor()

    def moment(micros):
        return EPOCH + dt.timedelta(microseconds=micros)
    now = (now - EPOCH) // MICROSECOND
    written, rows = [], []
    for ids, minutes, deadlines, nearlies in chunks:
        written.extend(ids)
        rows.extend((i, m, moment(d), moment(n), d > now, n > now)
            for i, m, d, n in zip(ids, minutes, deadlines, nearlies))
    for sub_rows in grouped_slice(rows, BATCH):
        new = Values(list(sub_rows))
        id_, minutes, deadline, nearly, not_late, not_nearly = [
            Column(new, f'column{i}') for i in range(1, 7)]
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
                # The open steps' condition too: SQLite then reads only
                # them to join, not the whole history.
                where=(table.id == id_) & _open(table)))
    return written


def _array(values):
    "`values` (integers, None) as the text of a PostgreSQL array"
    return '{%s}' % ','.join(
        ['NULL' if v is None else str(v) for v in values])


class _Rows(Function):
    """UNNEST(arrays) AS alias (names): the rows of parallel arrays, their
    columns named (python-sql writes the names as a column definition
    list; an empty type leaves them aliases)"""
    __slots__ = ()
    _function = 'UNNEST'

    def __init__(self, *arrays, names):
        super().__init__(*arrays, columns_definitions=[(n, '') for n in names])


def _write_chunks(table, chunks, now, sql_type):
    """_write_values on PostgreSQL: one UPDATE per chunk, sent in pipeline
    mode as soon as the chunk is computed, so that PostgreSQL writes one
    chunk while the next is computed. A chunk travels as four arrays in
    text, one parameter each (psycopg's lists, or a COPY into a temporary
    table then one UPDATE, cost more, by measure), and is joined on the
    primary key: each UPDATE reads only its own rows. The open steps'
    condition is left out on purpose: with it PostgreSQL reads every open
    step (their partial index) again for each chunk. The ids are those
    open_steps() read in this transaction, which closes no step meanwhile;
    under trytond's REPEATABLE READ a step another transaction changed
    since fails the UPDATE (serialization error) and the call is run
    again."""
    transaction = Transaction()
    connection = transaction.connection
    cursor = connection.cursor()
    epoch = Cast(Literal(EPOCH), 'TIMESTAMP')
    unit = Literal(MICROSECOND)
    # The moments compared with now as the arrays hold them.
    now = Literal((now - EPOCH) // MICROSECOND)
    written = []
    with connection.pipeline():
        for ids, minutes, deadlines, nearlies in chunks:
            if not ids:
                continue
            written.extend(ids)
            new = _Rows(*(Cast(Literal(_array(values)), f'{kind}[]')
                    for values, kind in [(ids, 'INTEGER'),
                        (minutes, 'INTEGER'), (deadlines, 'BIGINT'),
                        (nearlies, 'BIGINT')]),
                names=['id', 'minutes', 'deadline', 'nearly'])
            cursor.execute(*table.update(
                    [table.standard_minutes, table.deadline,
                        table.nearly_late_at, table.warned_late,
                        table.warned_nearly_late,
                        table.write_uid, table.write_date],
                    [Cast(new.minutes, sql_type),
                        epoch + new.deadline * unit,
                        epoch + new.nearly * unit,
                        Case((new.deadline > now, Null),
                            else_=table.warned_late),
                        Case((new.nearly > now, Null),
                            else_=table.warned_nearly_late),
                        transaction.user, CurrentTimestamp()],
                    from_=[new],
                    where=table.id == new.id),
                prepare=False)
    return written


def recompute_open_deadlines(cached=True, changed_only=True, days=None):
    """New deadlines for the steps still open, in a few statements, written
    to the rows whose figures change (all of them: changed_only=False);
    returns the number of steps written. cached=False reads the calendar
    from the data rather than from this process's cache (the queued
    job). `days` (dates): only the working time of these days changed (a
    holiday added or removed), only the steps that run across them are
    computed (open_steps)."""
    History = Pool().get('egov.request.history')
    rows = open_steps(days, old=changed_only)
    if not rows:
        return 0
    compute = computer(rows, cached=cached)
    ids = _write_values(History.__table__(),
        (new_values(rows[i:i + CHUNK], compute, changed_only)
            for i in range(0, len(rows), CHUNK)),
        clock.now(), History.standard_minutes.sql_type().base)
    if not ids:
        return 0

    written_behind_orm(History, ids)
    return len(ids)


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
