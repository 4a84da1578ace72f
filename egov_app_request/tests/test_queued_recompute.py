"""The recompute of the open deadlines after a change of the calendar, queued
for trytond-worker when the site has one ([queue] worker = True,
deadline_recompute.py): the administrator's save only queues it; the job,
run later, writes the figures of the calendar as it is when it runs, so a
job run twice, or run after a second change, leaves no stale deadline.
Without a worker the save recomputes (the scenarios of the calendar)."""
import datetime as dt
from unittest.mock import patch

from proteus import Model
from proteus import config as pconfig
from trytond import config
from trytond.pool import Pool
from trytond.transaction import Transaction

from .. import clock, deadline_recompute
from .queue_tools import WorkerTestCase
from .tools import login, new_request


def local_day(moment):
    "The day in Kota Tangerang (WIB, UTC+7) of a moment stored in UTC"
    return (moment + dt.timedelta(hours=7)).date()


def queued_recomputes(database):
    "The ids of the queued recompute tasks not run yet"
    with Transaction().start(database, 0, readonly=True):
        Queue = Pool().get('ir.queue')
        return [t.id for t in Queue.search([('finished_at', '=', None)])
            if t.data.get('method') == 'run_recompute']


def run_task(database, task_id):
    "The task as trytond-worker runs it: in a transaction of its own"
    with Transaction().start(database, 0):
        Queue = Pool().get('ir.queue')
        Queue(task_id).run()


def figures(database, step_id):
    """(deadline, nearly late at) stored, and as the current calendar gives
    them for the step (egov.request.history._deadlines)"""
    with Transaction().start(database, 0, readonly=True):
        History = Pool().get('egov.request.history')
        step = History(step_id)
        expected = History._deadlines(step.started,
            standard_minutes=step.standard_minutes,
            standard_days=step.standard_days)
        return ((step.deadline, step.nearly_late_at),
            (expected['deadline'], expected['nearly_late_at']))


class RecomputeTestCase(WorkerTestCase):
    "A database with the module and its users; `[queue] worker` restored"


class QueuedRecomputeTestCase(RecomputeTestCase):

    def add_holiday(self, day, name):
        login('admin')
        Holiday = Model.get('egov.holiday')
        Holiday(date=day, name=name, kind='local').save()

    def test_save_queues_and_the_job_writes_the_current_calendar(self):
        login('kadis.dinkes')
        request = new_request("Aplikasi Antrean Puskesmas")
        request.click('submit')
        History = Model.get('egov.request.history')
        step, = History.find([('request', '=', request.id),
                ('finished', '=', None)])
        before = (step.deadline, step.nearly_late_at)
        deadline_day = local_day(step.deadline)

        config.set('queue', 'worker', 'True')
        # The deadline's day becomes a holiday: the save returns with the
        # recompute queued, the figures not changed yet.
        self.add_holiday(deadline_day, "Libur Daerah")
        first = queued_recomputes(self.database)
        self.assertEqual(len(first), 1)
        stored, expected = figures(self.database, step.id)
        self.assertEqual(stored, before)
        self.assertNotEqual(expected, before)

        # A second change before the worker runs the first job.
        self.add_holiday(deadline_day + dt.timedelta(days=1), "Cuti Daerah")
        second = [t for t in queued_recomputes(self.database)
            if t not in first]
        self.assertEqual(len(second), 1)

        # The first job already writes what both holidays give.
        run_task(self.database, first[0])
        stored, expected = figures(self.database, step.id)
        self.assertEqual(stored, expected)
        self.assertGreater(stored[0], before[0])
        # The second job, and the first run again, change nothing.
        run_task(self.database, second[0])
        run_task(self.database, first[0])
        self.assertEqual(figures(self.database, step.id)[0], expected)
        self.assertEqual(queued_recomputes(self.database), [])

        # What the users read: the request's deadline is the new one.
        pconfig.set_trytond(database=self.database)
        self.assertEqual(Model.get('egov.request')(request.id).deadline,
            expected[0])

    def test_without_a_worker_the_save_recomputes(self):
        login('kadis.dinkes')
        request = new_request("Aplikasi Antrean Puskesmas")
        request.click('submit')
        History = Model.get('egov.request.history')
        step, = History.find([('request', '=', request.id),
                ('finished', '=', None)])
        before = step.deadline

        config.set('queue', 'worker', 'False')
        self.add_holiday(local_day(step.deadline), "Libur Daerah")
        self.assertEqual(queued_recomputes(self.database), [])
        stored, expected = figures(self.database, step.id)
        self.assertEqual(stored, expected)
        self.assertGreater(stored[0], before)


class RecomputeWritesTestCase(RecomputeTestCase):

    def test_every_chunk_written_and_warnings_asked_again_when_ahead(self):
        """The recompute writes its figures chunk by chunk (one UPDATE
        each on PostgreSQL, pipelined): every step gets the figures of the
        calendar, and a warning already sent is asked for again only where
        the new moment lies ahead of now"""
        login('kadis.dinkes')
        for i in range(5):
            new_request(f"Aplikasi Peta Sekolah {i}").click('submit')
        warned = dt.datetime(2026, 1, 2, 3, 4, 5)
        with Transaction().start(self.database, 0) as transaction:
            History = Pool().get('egov.request.history')
            steps = History.search([('finished', '=', None)],
                order=[('id', 'ASC')])
            self.assertEqual(len(steps), 5)
            table = History.__table__()
            cursor = transaction.connection.cursor()
            for k, step in enumerate(steps):
                # The first started two months ago: its deadline stays
                # behind now. All hold stale figures, both warnings sent.
                started = step.started - dt.timedelta(days=60 if k == 0 else 0)
                cursor.execute(*table.update(
                        [table.started, table.deadline, table.nearly_late_at,
                            table.warned_late, table.warned_nearly_late],
                        [started, started + dt.timedelta(minutes=1),
                            started, warned, warned],
                        where=table.id == step.id))
            ids = [s.id for s in steps]

        with Transaction().start(self.database, 0), \
                patch.object(deadline_recompute, 'CHUNK', 2):
            self.assertEqual(deadline_recompute.recompute_open_deadlines(
                    cached=False), 5)

        with Transaction().start(self.database, 0, readonly=True):
            History = Pool().get('egov.request.history')
            for k, step in enumerate(History.browse(ids)):
                expected = History._deadlines(step.started,
                    standard_minutes=step.standard_minutes,
                    standard_days=step.standard_days)
                self.assertEqual((step.deadline, step.nearly_late_at),
                    (expected['deadline'], expected['nearly_late_at']))
                self.assertIsNotNone(step.write_date)
                if k == 0:
                    self.assertLess(step.deadline, clock.now())
                    self.assertEqual(
                        (step.warned_late, step.warned_nearly_late),
                        (warned, warned))
                else:
                    self.assertGreater(step.deadline, clock.now())
                    self.assertEqual(
                        (step.warned_late, step.warned_nearly_late),
                        (None, None))
