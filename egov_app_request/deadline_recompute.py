"""New deadlines for the open steps after a change of the calendar, set-based.

A holiday added, or working hours changed, moves the deadline and the
nearly-late moment of every step still open. At 100,000 open steps a
per-record loop (reading the configuration and the calendar for each record,
then one UPDATE per record) kept the administrator's save waiting for
minutes. Here the configuration, the timezone and the calendar are read
once, each distinct (start, standard) is computed once, and the new values
go to the database in a few UPDATE … FROM (VALUES …) statements.

The figures are those of egov.request.history's `_deadlines` (the same
working-time arithmetic, worktime.py): finished steps and paused ones keep
theirs; a notice whose condition no longer holds may be sent again."""
import datetime as dt
from fractions import Fraction

from sql import Cast, Column, Null, Values
from sql.conditionals import Case
from sql.functions import CurrentTimestamp
from trytond import backend
from trytond.pool import Pool
from trytond.tools import grouped_slice
from trytond.transaction import Transaction

from . import clock
from .workcalendar import dinas_timezone, work_calendar
from .worktime import whole_minutes

# Rows per UPDATE: large enough to be few statements, small enough for the
# parameters' limits of the drivers.
BATCH = 5000


class DeadlineComputer:
    """`_deadlines` of egov.request.history with the configuration, the
    timezone and the calendar read once"""

    def __init__(self):
        Configuration = Pool().get('egov.configuration')
        self.calendar = work_calendar()
        self.percent = Configuration(1).warning_percent
        self.timezone = dinas_timezone()
        self._results = {}

    def _local(self, moment):
        return moment.replace(tzinfo=dt.timezone.utc).astimezone(
            self.timezone).replace(tzinfo=None)

    def _utc(self, moment):
        return moment.replace(tzinfo=self.timezone).astimezone(
            dt.timezone.utc).replace(tzinfo=None)

    def __call__(self, start, standard_minutes=None, standard_days=None):
        "(standard minutes, deadline, nearly late at), all in UTC"
        key = (start, standard_minutes, standard_days)
        try:
            return self._results[key]
        except KeyError:
            pass
        calendar = self.calendar
        local_start = self._local(start)
        if standard_days:
            deadline = calendar.end_of_working_day(local_start, standard_days)
            standard_minutes = calendar.between(local_start, deadline)
        else:
            deadline = calendar.add(local_start, standard_minutes or 0)
        nearly = calendar.add(local_start, whole_minutes(
                Fraction((standard_minutes or 0) * self.percent, 100)))
        result = self._results[key] = (
            standard_minutes, self._utc(deadline), self._utc(nearly))
        return result


def _typed(table, name, sql_type):
    "A column read back as its Python type on both backends"
    column = Column(table, name)
    if backend.name == 'sqlite':
        # SQLite converts by the type named in the column's alias.
        return column.as_(f'{name} [{sql_type}]')
    return column


def recompute_open_deadlines():
    """New deadlines for the steps still open, in a few statements; returns
    the number of steps recomputed"""
    pool = Pool()
    History = pool.get('egov.request.history')
    transaction = Transaction()
    cursor = transaction.connection.cursor()
    table = History.__table__()
    cursor.execute(*table.select(
            table.id,
            _typed(table, 'started', 'TIMESTAMP'),
            table.standard_minutes,
            table.standard_days,
            where=(table.finished == Null)
            & (table.state != 'incomplete')
            & (table.deadline != Null)))
    rows = cursor.fetchall()
    if not rows:
        return 0
    compute = DeadlineComputer()
    now = clock.now()
    values = []
    for id_, started, standard_minutes, standard_days in rows:
        minutes, deadline, nearly = compute(
            started, standard_minutes, standard_days)
        values.append((id_, minutes, deadline, nearly,
                deadline > now, nearly > now))

    for sub_values in grouped_slice(values, BATCH):
        new = Values(list(sub_values))
        id_, minutes, deadline, nearly, not_late, not_nearly = (
            Column(new, f'column{i}') for i in range(1, 7))
        cursor.execute(*table.update(
                [table.standard_minutes, table.deadline,
                    table.nearly_late_at, table.warned_late,
                    table.warned_nearly_late,
                    table.write_uid, table.write_date],
                [Cast(minutes, History.standard_minutes.sql_type().base),
                    deadline, nearly,
                    Case((not_late, Null), else_=table.warned_late),
                    Case((not_nearly, Null), else_=table.warned_nearly_late),
                    transaction.user, CurrentTimestamp()],
                from_=[new],
                where=table.id == id_))

    # What the records of this transaction read before is stale now.
    transaction.counter += 1
    for cache in transaction.cache.values():
        if History.__name__ in cache:
            cache_history = cache[History.__name__]
            for row in rows:
                cache_history.pop(row[0], None)
    return len(rows)
