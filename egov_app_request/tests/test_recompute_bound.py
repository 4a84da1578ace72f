"""A holiday added or removed moves only the open deadlines that run across
it (deadline_recompute._bound): the recompute reads, computes and writes
those steps only (the steps it computes are recorded); a step due before
the day or started after it keeps its row untouched (its write_date stays
as it was). Checked without a worker (the save recomputes) and with one
(the queued task carries the day), and against the full recompute: the
steps left alone are those the full recompute would not change either."""
import datetime as dt
from unittest.mock import patch

from proteus import Model
from trytond import config
from trytond.pool import Pool
from trytond.transaction import Transaction

from .. import deadline_recompute
from ..deadline_recompute import recompute_open_deadlines
from .test_queued_recompute import RecomputeTestCase
from .tools import login, new_request

WIB = dt.timedelta(hours=7)  # Kota Tangerang, UTC+7
HOLIDAY = dt.date(2026, 12, 2)  # a Wednesday
# (local start, standard minutes, standard days) of the open steps, and
# whether the holiday lies in their window.
STEPS = [
    # Due on the holiday: moves.
    (dt.datetime(2026, 12, 1, 15, 30), 120, None, True),
    # Started on the holiday before the opening: moves.
    (dt.datetime(2026, 12, 2, 6, 0), 30, None, True),
    # One working day from Tuesday: the end of Wednesday, then Thursday.
    (dt.datetime(2026, 12, 1, 10, 0), None, 1, True),
    # Due the day before: stays.
    (dt.datetime(2026, 11, 30, 8, 0), 60, None, False),
    # Due at the closing (16:00) of the day before: stays.
    (dt.datetime(2026, 12, 1, 15, 0), 60, None, False),
    # Started the day after: stays.
    (dt.datetime(2026, 12, 3, 9, 0), 60, None, False),
    ]


class RecomputeBoundTestCase(RecomputeTestCase):

    def setUp(self):
        super().setUp()
        login('kadis.dinkes')
        for i in range(len(STEPS)):
            new_request(f"Aplikasi Batas {i}").click('submit')
        self.steps = self.place_steps()

    def place_steps(self):
        """The open steps moved to the starts of STEPS with the figures of
        the calendar without the holiday, their write_date emptied"""
        with Transaction().start(self.database, 0) as transaction:
            History = Pool().get('egov.request.history')
            steps = History.search([('finished', '=', None)],
                order=[('id', 'ASC')])
            self.assertEqual(len(steps), len(STEPS))
            table = History.__table__()
            cursor = transaction.connection.cursor()
            for step, (start, minutes, days, _) in zip(steps, STEPS):
                started = start - WIB
                values = History._deadlines(started,
                    standard_minutes=minutes, standard_days=days)
                cursor.execute(*table.update(
                        [table.started, table.standard_minutes,
                            table.standard_days, table.deadline,
                            table.nearly_late_at, table.write_date,
                            table.write_uid],
                        [started, values.get('standard_minutes', minutes),
                            days, values['deadline'],
                            values['nearly_late_at'], None, None],
                        where=table.id == step.id))
            return [s.id for s in steps]

    def rows(self):
        "{id: (standard minutes, deadline, nearly late at, write_date)}"
        with Transaction().start(self.database, 0, readonly=True):
            History = Pool().get('egov.request.history')
            return {s.id: (s.standard_minutes, s.deadline, s.nearly_late_at,
                    s.write_date) for s in History.browse(self.steps)}

    def expected(self):
        """{id: (standard minutes, deadline, nearly late at)} as the full
        recompute gives them with the calendar as it is now"""
        with Transaction().start(self.database, 0) as transaction:
            History = Pool().get('egov.request.history')
            recompute_open_deadlines(cached=False, changed_only=False)
            result = {s.id: (s.standard_minutes, s.deadline,
                    s.nearly_late_at) for s in History.browse(self.steps)}
            transaction.rollback()
        return result

    def assert_computes_the_moving_steps(self, action):
        """`action` (a change of the calendar, a queued task run) makes the
        recompute compute exactly the steps that run across the holiday"""
        computed = set()
        original = deadline_recompute.new_values

        def new_values(rows, *args, **kwargs):
            computed.update(r[0] for r in rows)
            return original(rows, *args, **kwargs)
        with patch.object(deadline_recompute, 'new_values', new_values):
            action()
        self.assertEqual(computed,
            {i for i, step in zip(self.steps, STEPS) if step[3]})

    def add_holiday(self):
        login('admin')
        Holiday = Model.get('egov.holiday')
        Holiday(date=HOLIDAY, name="Libur Daerah", kind='local').save()

    def assert_only_the_steps_across_the_holiday_moved(self, before):
        after = self.rows()
        expected = self.expected()
        for step_id, (_, _, _, moves) in zip(self.steps, STEPS):
            self.assertEqual(after[step_id][:3], expected[step_id], step_id)
            if moves:
                self.assertGreater(after[step_id][1], before[step_id][1])
                self.assertIsNotNone(after[step_id][3])
            else:
                # Not written at all, and the full recompute agrees.
                self.assertEqual(after[step_id], before[step_id])
                self.assertEqual(expected[step_id], before[step_id][:3])

    def test_without_a_worker(self):
        config.set('queue', 'worker', 'False')
        before = self.rows()
        self.assert_computes_the_moving_steps(self.add_holiday)
        self.assert_only_the_steps_across_the_holiday_moved(before)

    def test_the_queued_task_carries_the_day(self):
        config.set('queue', 'worker', 'True')
        before = self.rows()
        self.add_holiday()
        with Transaction().start(self.database, 0):
            Queue = Pool().get('ir.queue')
            task, = Queue.search([('finished_at', '=', None)])
            self.assertEqual(task.data['method'], 'run_recompute')
            self.assertEqual(list(task.data['args']),
                [[HOLIDAY.isoformat()]])
            self.assert_computes_the_moving_steps(task.run)
        self.assert_only_the_steps_across_the_holiday_moved(before)

    def test_removing_the_day_moves_the_same_steps_back(self):
        config.set('queue', 'worker', 'False')
        before = self.rows()
        self.add_holiday()
        moved = self.rows()
        Holiday = Model.get('egov.holiday')
        holiday, = Holiday.find([('date', '=', HOLIDAY)])
        self.assert_computes_the_moving_steps(holiday.delete)
        after = self.rows()
        for step_id, (_, _, _, moves) in zip(self.steps, STEPS):
            self.assertEqual(after[step_id][:3], before[step_id][:3])
            if not moves:
                self.assertEqual(after[step_id], moved[step_id])
