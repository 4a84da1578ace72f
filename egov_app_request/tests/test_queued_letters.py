"""The documents' PDFs made by trytond-worker after the click when the site
has one ([queue] worker = True, letter.py): the press that ends a step
issues the letter (version, strict number, signatory, the HTML of what it
says) with no file and queues its PDF; the web client and the portal say
"being prepared"; the queued task, run later, stores the PDF of the HTML of
the click (not of the request as it is then) with its digest, once.
Without a worker the PDF is made in the click (the other tests)."""
import datetime as dt
import hashlib
from unittest import mock

from proteus import Model
from sql import Table
from trytond import config
from trytond.pool import Pool
from trytond.transaction import Transaction

from .. import letter, portal
from .portal_tools import portal_session
from .queue_tools import WorkerTestCase
from .tools import pdf_text, fill_step, login, new_request

LETTER_FIELDS = ['file_id', 'digest', 'size', 'filename', 'number',
    'version', 'issued_at', 'html']


def render_tasks(database):
    "The ids of the queued PDF tasks not run yet"
    with Transaction().start(database, 0, readonly=True):
        Queue = Pool().get('ir.queue')
        return [t.id for t in Queue.search([('finished_at', '=', None)])
            if t.data.get('method') == 'render_pdf']


def run_task(database, task_id):
    "The task as trytond-worker runs it: in a transaction of its own"
    with Transaction().start(database, 0):
        Queue = Pool().get('ir.queue')
        Queue(task_id).run()


def stored(database, letter_id):
    "The stored columns of a letter, and its file"
    with Transaction().start(database, 0, readonly=True):
        Letter = Pool().get('egov.request.letter')
        letter = Letter(letter_id)
        values = {f: getattr(letter, f) for f in LETTER_FIELDS}
        values['file'] = bytes(letter.file) if letter.file else None
        return values


class QueuedLettersTestCase(WorkerTestCase):

    def portal_page(self, path, function, *args, as_text=True):
        "A portal page as the OPD's head sees it: (status, HTML)"
        user_config = login('kadis.dinkes')
        with portal_session(self.database, user_config.user, path) as (
                request, pool, user):
            response = function(request, pool, user, *args)
            return response.status_code, response.get_data(
                as_text=as_text)

    def decided_mails(self):
        "The e-mails received that tell the OPD of the decision"
        return [m for _, m in self.mail.pop()
            if m['Subject'].startswith('[e-Gov] Keputusan')]

    def retitle(self, request_id, title):
        "The request's title changed behind everything (SQL)"
        with Transaction().start(self.database, 0) as transaction:
            table = Table('egov_request')
            cursor = transaction.connection.cursor()
            cursor.execute(*table.update(
                    [table.title], [title], where=table.id == request_id))

    def test_press_issues_the_letter_and_the_worker_its_pdf(self):
        login('kadis.dinkes')
        request = new_request("Aplikasi Antrean Puskesmas")
        request.click('submit')
        config.set('queue', 'worker', 'True')

        # The press: the receipt is issued (its record, its HTML), no PDF.
        self.as_('tatakelola', request).click('register')
        login('tatakelola')
        Letter = Model.get('egov.request.letter')
        receipt, = Letter.find([('request', '=', request.id)])
        self.assertEqual(receipt.kind, 'receipt')
        self.assertEqual(receipt.version, 1)
        self.assertEqual(receipt.status, 'preparing')
        self.assertIsNone(receipt.file)
        self.assertIsNone(receipt.digest)
        self.assertTrue(receipt.filename.endswith('-v1.pdf'))
        self.assertEqual(
            [l.id for l in Letter.find([('status', '=', 'preparing')])],
            [receipt.id])
        self.assertEqual(Letter.find([('status', '=', 'ready')]), [])
        before = stored(self.database, receipt.id)
        self.assertIn("Aplikasi Antrean Puskesmas", before['html'])
        tasks = render_tasks(self.database)
        self.assertEqual(len(tasks), 1)

        # The OPD's portal: "being prepared", no link, and the download
        # route answers the same (not a 500, not the file).
        path = f'/portal/request/{request.id}'
        status, html = self.portal_page(path, portal.portal_request,
            str(request.id))
        self.assertEqual(status, 200)
        self.assertIn("Dokumen sedang disiapkan", html)
        self.assertNotIn(f'/letter/{receipt.id}"', html)
        status, html = self.portal_page(f'{path}/letter/{receipt.id}',
            portal.portal_letter, str(request.id), str(receipt.id))
        self.assertEqual(status, 202)
        self.assertIn("Dokumen sedang disiapkan", html)
        self.assertIn("Muat ulang", html)

        # The request changes before the worker runs: the PDF says what
        # the request said at the click.
        self.retitle(request.id, "Judul Diubah Sesudahnya")
        run_task(self.database, tasks[0])
        after = stored(self.database, receipt.id)
        self.assertIsNotNone(after['file'])
        self.assertEqual(after['digest'],
            hashlib.sha256(after['file']).hexdigest())
        self.assertEqual(after['size'], len(after['file']))
        self.assertIsNone(after['html'])
        for name in ['number', 'version', 'issued_at', 'filename']:
            self.assertEqual(after[name], before[name], name)
        text = pdf_text(after['file'])
        self.assertIn("Aplikasi Antrean Puskesmas", text)
        self.assertNotIn("Judul Diubah", text)
        self.assertEqual(render_tasks(self.database), [])

        # Run again: nothing changes.
        run_task(self.database, tasks[0])
        self.assertEqual(stored(self.database, receipt.id), after)

        # Now the web client and the portal give the PDF.
        login('tatakelola')
        self.assertEqual(Letter(receipt.id).status, 'ready')
        status, html = self.portal_page(path, portal.portal_request,
            str(request.id))
        self.assertIn(f'/letter/{receipt.id}"', html)
        self.assertNotIn("Dokumen sedang disiapkan", html)
        status, data = self.portal_page(f'{path}/letter/{receipt.id}',
            portal.portal_letter, str(request.id), str(receipt.id),
            as_text=False)
        self.assertEqual(status, 200)
        self.assertEqual(data, after['file'])

    def test_reply_letter_keeps_its_strict_number(self):
        "The numbered reply letter takes its number in the click"
        login('kadis.dinkes')
        request = new_request("Aplikasi Antrean Puskesmas")
        request.click('submit')
        self.as_('tatakelola', request).click('register')
        fill_step(self.as_('tatakelola', request)).click('mark_complete')
        self.as_('kabid.egov', request).click('forward')
        r = self.as_('tatakelola', request)
        r.feasibility_analysis = "Sesuai arsitektur SPBE kota."
        r.feasibility_conclusion = 'feasible'
        fill_step(r).click('submit_feasibility')
        self.as_('kabid.egov', request).click('approve_feasibility')
        r = self.as_('kabid.egov', request)
        r.category, = Model.get('egov.category').find(
            [('code', '=', 'layanan_publik')])
        fill_step(r).click('categorize')
        r = self.as_('katim.publik', request)
        r.technical_analysis = "Dibangun di Pusat Data Pemkot."
        r.technical_recommendation = 'build'
        fill_step(r).click('submit_technical')
        self.as_('kabid.egov', request).click('approve_technical')
        self.as_('kabid.sarpras', request).click('approve_technical')
        self.assertEqual(render_tasks(self.database), [])

        config.set('queue', 'worker', 'True')
        self.mail.pop()
        r = self.as_('kadis', request)
        r.decision = 'approved'
        r.decision_text = "Disetujui."
        r.click('decide')
        Letter = Model.get('egov.request.letter')
        reply, = Letter.find([
                ('request', '=', request.id), ('kind', '=', 'reply')])
        self.assertTrue(reply.number)
        self.assertEqual(reply.status, 'preparing')
        self.assertIsNone(reply.file)
        status, html = self.portal_page(f'/portal/request/{request.id}',
            portal.portal_request, str(request.id))
        self.assertIn("Surat jawaban", html)
        self.assertIn("sedang disiapkan", html)
        self.assertNotIn("Unduh surat jawaban", html)

        # The OPD's e-mail that the reply letter may be downloaded waits
        # for its PDF; the other notices of the move leave as before.
        self.assertEqual(self.decided_mails(), [])

        task, = render_tasks(self.database)
        run_task(self.database, task)
        mail, = self.decided_mails()
        self.assertIn("dapat diunduh", mail.get_content())
        after = stored(self.database, reply.id)
        self.assertEqual(after['number'], reply.number)
        self.assertIn(reply.number, pdf_text(after['file']))
        self.assertEqual(after['digest'],
            hashlib.sha256(after['file']).hexdigest())
        status, html = self.portal_page(f'/portal/request/{request.id}',
            portal.portal_request, str(request.id))
        self.assertIn("Unduh surat jawaban", html)

    def test_cron_makes_the_pdfs_the_worker_did_not(self):
        """A letter whose queued task never ran (the worker down) or failed
        gets its PDF from the cron five minutes after its issue; one whose
        PDF fails again is left for the next run, the others go on"""
        config.set('queue', 'worker', 'True')
        login('kadis.dinkes')
        first = new_request("Aplikasi Antrean Puskesmas")
        first.click('submit')
        second = new_request("Aplikasi Rujukan Pasien")
        second.click('submit')
        self.as_('tatakelola', first).click('register')
        self.as_('tatakelola', second).click('register')
        login('tatakelola')
        Letter = Model.get('egov.request.letter')
        receipts = {l.request.id: l.id for l in Letter.find([])}
        self.assertEqual(len(receipts), 2)

        def render_late():
            with Transaction().start(self.database, 0):
                Pool().get('egov.request.letter').render_late()

        # Just issued: the worker's turn, the cron leaves them.
        render_late()
        for letter_id in receipts.values():
            self.assertIsNone(stored(self.database, letter_id)['digest'])

        # Six minutes later, with the second's PDF failing: the first is
        # made, the second stays being prepared with its HTML.
        with Transaction().start(self.database, 0) as transaction:
            table = Table('egov_request_letter')
            cursor = transaction.connection.cursor()
            cursor.execute(*table.select(table.id, table.issued_at))
            for letter_id, issued_at in cursor.fetchall():
                cursor.execute(*table.update([table.issued_at],
                        [issued_at - dt.timedelta(minutes=6)],
                        where=table.id == letter_id))
        failing = receipts[second.id]
        with Transaction().start(self.database, 0, readonly=True):
            Report = Pool().get('egov.request.letter.receipt',
                type='report')
        convert = Report.convert.__func__

        def convert_or_fail(cls, report, data, *args, **kwargs):
            if "Aplikasi Rujukan Pasien" in data:
                raise RuntimeError("WeasyPrint failed")
            return convert(cls, report, data, *args, **kwargs)
        with mock.patch.object(Report, 'convert',
                classmethod(convert_or_fail)), \
                self.assertLogs(letter.logger, 'ERROR') as logged:
            render_late()
        self.assertIn(f'letter {failing} failed again', logged.output[0])
        made = stored(self.database, receipts[first.id])
        self.assertEqual(made['digest'],
            hashlib.sha256(made['file']).hexdigest())
        self.assertIn("Aplikasi Antrean Puskesmas", pdf_text(made['file']))
        left = stored(self.database, failing)
        self.assertIsNone(left['digest'])
        self.assertIn("Aplikasi Rujukan Pasien", left['html'])

        # The next run makes it; the made one is not made again.
        render_late()
        again = stored(self.database, failing)
        self.assertEqual(again['digest'],
            hashlib.sha256(again['file']).hexdigest())
        self.assertEqual(stored(self.database, receipts[first.id]), made)
