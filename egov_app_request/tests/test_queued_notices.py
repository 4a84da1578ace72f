"""The notices of a move delivered by trytond-worker after the click when the
site has one ([queue] worker = True, notice.py): the press creates no bell
notice and sends no e-mail but queues one task for all its requests; the
task, run later, delivers what the press would have (the same bell notices
in the same languages, the same e-mails, the notices of the step that ended
marked done), once, and a task run after the request moved on leaves no
notice asking for a step that has ended, whichever task runs first.
Without a worker the notices leave in the click (the other tests)."""
import datetime as dt
import json
import re

from proteus import Model
from sql import Table
from trytond import config
from trytond.pool import Pool
from trytond.transaction import Transaction

from ..notice import QUEUE
from .queue_tools import WorkerTestCase
from .tools import fill_step, login, new_request

NOTIFICATION_FIELDS = ['label', 'description', 'icon', 'unread',
    'egov_act_on']


def notice_tasks(database):
    "The ids of the queued notices' tasks not run yet"
    with Transaction().start(database, 0, readonly=True):
        Queue = Pool().get('ir.queue')
        return [t.id for t in Queue.search([
                    ('finished_at', '=', None),
                    ('name', '=', QUEUE),
                    ])]


def run_task(database, task_id):
    "The task as trytond-worker runs it: in a transaction of its own"
    with Transaction().start(database, 0):
        Queue = Pool().get('ir.queue')
        Queue(task_id).run()


class QueuedNoticesTestCase(WorkerTestCase):

    def submitted(self, title):
        "A request of Dinas Kesehatan submitted (step 1), and its number"
        login('kadis.dinkes')
        request = new_request(title)
        request.click('submit')
        request.reload()
        return request, request.number

    def bells(self, request_id, number):
        """The bell notices of a request: sorted (login, language, fields),
        its number and the deadlines written as placeholders"""
        with Transaction().start(self.database, 0, readonly=True):
            Notification = Pool().get('res.notification')
            result = []
            for n in Notification.search([
                        ('model', '=', 'egov.request'),
                        ('records', '=', json.dumps([request_id])),
                        ]):
                values = tuple(
                    self.neutral(getattr(n, f), number)
                    for f in NOTIFICATION_FIELDS)
                result.append((n.user.login, n.user.language.code
                        if n.user.language else None,
                        n.egov_move is not None) + values)
            return sorted(result, key=repr)

    def mails(self, number):
        "The e-mails received since the last call: sorted, neutral"
        return sorted((tuple(to), self.neutral(m['Subject'], number),
                self.neutral(m.get_content(), number))
            for to, m in self.mail.pop())

    @staticmethod
    def neutral(value, number):
        "A text without what differs between two requests"
        if not isinstance(value, str):
            return value
        value = value.replace(number, 'NUMBER')
        return re.sub(r'\d\d-\d\d-\d{4} \d\d:\d\d', 'DEADLINE', value)

    def register(self, request):
        self.as_('tatakelola', request).click('register')

    def test_press_queues_and_the_task_delivers_the_same(self):
        first, first_number = self.submitted("Aplikasi Antrean Puskesmas")
        second, second_number = self.submitted(
            "Aplikasi Antrean Puskesmas")
        self.mail.pop()

        # Without a worker: the notices of `register` in the click.
        self.register(first)
        expected_bells = self.bells(first.id, first_number)
        expected_mails = self.mails(first_number)
        self.assertTrue(expected_mails)
        self.assertTrue([b for b in expected_bells if b[-1] == 'completeness'
                and b[-2]], expected_bells)
        self.assertEqual(notice_tasks(self.database), [])

        # With a worker: the click changes no notice, sends no e-mail and
        # queues one task.
        config.set('queue', 'worker', 'True')
        before = self.bells(second.id, second_number)
        self.register(second)
        self.assertEqual(self.bells(second.id, second_number), before)
        self.assertEqual(self.mails(second_number), [])
        task, = notice_tasks(self.database)

        # The task: what the click without a worker gave.
        run_task(self.database, task)
        self.assertEqual(self.bells(second.id, second_number),
            expected_bells)
        self.assertEqual(self.mails(second_number), expected_mails)
        self.assertEqual(notice_tasks(self.database), [])

        # Again: nothing new.
        run_task(self.database, task)
        self.assertEqual(self.bells(second.id, second_number),
            expected_bells)
        self.assertEqual(self.mails(second_number), [])

    def test_one_task_for_the_requests_of_a_press(self):
        first, first_number = self.submitted("Aplikasi Satu")
        second, second_number = self.submitted("Aplikasi Dua")
        config.set('queue', 'worker', 'True')
        self.mail.pop()
        login('tatakelola')
        Request = Model.get('egov.request')
        Request.click([Request(first.id), Request(second.id)], 'register')
        self.assertEqual(self.mails(first_number), [])
        task, = notice_tasks(self.database)
        run_task(self.database, task)
        for request, number in [(first, first_number),
                (second, second_number)]:
            self.assertTrue([b for b in self.bells(request.id, number)
                    if b[-1] == 'completeness' and b[-2]])
        self.assertTrue(self.mail.pop())

    def asking(self, request_id, number):
        "The bell notices that still ask to act on a state: {state}"
        return {b[-1] for b in self.bells(request_id, number) if b[-1]}

    def moved_twice(self, reverse):
        """A request registered and found complete before the tasks of the
        two presses ran; they run in their order or the reverse: its bell
        notices and e-mails, and those of a request moved without a
        worker"""
        first, first_number = self.submitted("Aplikasi Antrean Puskesmas")
        second, second_number = self.submitted(
            "Aplikasi Antrean Puskesmas")
        self.register(first)
        fill_step(self.as_('tatakelola', first)).click('mark_complete')
        expected = self.bells(first.id, first_number)
        self.mail.pop()

        config.set('queue', 'worker', 'True')
        self.register(second)
        fill_step(self.as_('tatakelola', second)).click('mark_complete')
        tasks = notice_tasks(self.database)
        self.assertEqual(len(tasks), 2)
        for task in (reversed(tasks) if reverse else tasks):
            run_task(self.database, task)
        return (expected, self.bells(second.id, second_number),
            self.mails(second_number), self.asking(second.id, second_number))

    def test_second_move_before_the_tasks_leaves_no_asking_notice(self):
        "The task of the later press runs first"
        expected, bells, mails, asking = self.moved_twice(reverse=True)
        self.assertEqual(asking, {'disposition'})
        self.assertEqual(bells, expected)
        # The e-mails that asked for the check of completeness, done
        # before they left, are not sent; the OPD is told it is registered.
        subjects = [s for _, s, _ in mails]
        self.assertIn("[e-Gov] Pengajuan NUMBER telah diregistrasi",
            subjects)
        self.assertFalse([s for s in subjects
                if 'menunggu tindakan' in s and 'Kelengkapan' in s],
            subjects)

    def test_tasks_in_order_leave_no_asking_notice(self):
        "The tasks run in the order of the presses"
        expected, bells, mails, asking = self.moved_twice(reverse=False)
        self.assertEqual(asking, {'disposition'})
        self.assertEqual(bells, expected)

    def test_cron_delivers_the_tasks_the_worker_did_not(self):
        """A notices' task that never ran (the worker down) or failed is
        run by the cron five minutes after the press, once"""
        request, number = self.submitted("Aplikasi Antrean Puskesmas")
        config.set('queue', 'worker', 'True')
        self.mail.pop()
        self.register(request)
        task, = notice_tasks(self.database)

        def deliver_late():
            with Transaction().start(self.database, 0):
                Pool().get('egov.request').deliver_late_notices()

        # Just pressed: the worker's turn, the cron leaves it.
        deliver_late()
        self.assertEqual(notice_tasks(self.database), [task])
        self.assertEqual(self.mails(number), [])

        with Transaction().start(self.database, 0) as transaction:
            table = Table('ir_queue')
            cursor = transaction.connection.cursor()
            cursor.execute(*table.select(table.enqueued_at,
                    where=table.id == task))
            (enqueued_at,), = cursor.fetchall()
            cursor.execute(*table.update([table.enqueued_at],
                    [enqueued_at - dt.timedelta(minutes=6)],
                    where=table.id == task))
        deliver_late()
        self.assertEqual(notice_tasks(self.database), [])
        mails = self.mails(number)
        self.assertIn("[e-Gov] Pengajuan NUMBER telah diregistrasi",
            [s for _, s, _ in mails])
        self.assertEqual(self.asking(request.id, number), {'completeness'})

        # The worker runs it as well: nothing new.
        bells = self.bells(request.id, number)
        run_task(self.database, task)
        self.assertEqual(self.bells(request.id, number), bells)
        self.assertEqual(self.mails(number), [])

    def test_late_task_leaves_the_notices_of_a_new_pass(self):
        """The analysis sent for validation and returned for revision
        before the tasks ran, the task of the return first: the task of
        the submission, which ends step 4's first pass, leaves the notices
        of its second pass asking"""
        request, number = self.submitted("Aplikasi Antrean Puskesmas")
        self.register(request)
        fill_step(self.as_('tatakelola', request)).click('mark_complete')
        self.as_('kabid.egov', request).click('forward')
        r = self.as_('tatakelola', request)
        r.feasibility_analysis = "Sesuai arsitektur SPBE kota."
        r.feasibility_conclusion = 'feasible'
        fill_step(r).save()

        config.set('queue', 'worker', 'True')
        r.click('submit_feasibility')
        r = self.as_('kabid.egov', request)
        r.step_note = "Lengkapi analisis integrasi data."
        r.click('revise_feasibility')
        submission, revision = notice_tasks(self.database)
        run_task(self.database, revision)
        self.assertEqual(self.asking(request.id, number), {'feasibility'})
        run_task(self.database, submission)
        self.assertEqual(self.asking(request.id, number), {'feasibility'})
