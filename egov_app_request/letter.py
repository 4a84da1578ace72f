"""The SOP's documents: the letters and sheets each step issues,
rendered to PDF by Tryton's report engine (HTML templates, WeasyPrint),
numbered when they leave the Dinas, stored with their SHA-256 digest and
frozen.

- One record of `egov.request.letter` per issued version. Nobody writes or
  deletes one; a correction issues the next version and the old one stays.
- Only the reply letter (surat jawaban, step 9) is an outgoing letter
  signed by the Kepala Dinas: it takes a letter number from the strict
  sequence of its year. The registration receipt and the completeness
  checklist are referenced by the request number (PA/…); the internal
  sheets by the request number and their version.
- With a worker (`[queue] worker = True`, trytond-worker running) the
  click that ends a step creates the letter (version, number, signatory)
  and renders its template to HTML, kept in the letter (`html`): what the
  document says is frozen at the click. WeasyPrint (HTML → PDF, most of the
  time of an issue) runs in the worker after the commit (`render_pdf`),
  which stores the file and its digest once; meanwhile the letter's status
  is "being prepared". Without a worker (the demo, the tests) the PDF is
  made in the click.
- The templates are report actions (`ir.action.report`): an administrator
  replaces one from the web client (Content) without code."""
import datetime as dt
import hashlib
import logging
from collections import namedtuple
from io import BytesIO
from pathlib import Path

from genshi.core import Markup
from genshi.template import MarkupTemplate, TemplateLoader
from sql.functions import CurrentTimestamp

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Unique, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Id
from trytond.transaction import Transaction, without_check_access
from trytond.wizard import Button, StateTransition, StateView, Wizard

from . import clock, vocabulary
from .access import CheckModificationFirstMixin, RelationRuleMixin
from .deadline_recompute import queued
from .exceptions import (
    LetterFrozenError, NotResponsibleError, ReportAccessError)
from .filestore import TransactionalBinary
from .formatting import format_date_id, format_datetime_id, local_date
from .kept import written_behind_orm
from .prefetch import read_together
from .report import CheckedReport
from .workcalendar import to_local

REPORT_FOLDER = Path(__file__).parent / 'report'
# The groups that read and print every kind, the internal ones too
# (Diskominfo's staff and the administrator of the module); anybody else
# only those for the OPD. The rule on egov.request.letter (letter.xml) says
# the same.
STAFF_GROUPS = ('group_diskominfo', 'group_egov_admin')
# What a step file (step_*.py) declares of each document its step issues
# when it ends, in its extension of egov.request.letter (kind selection and
# _documents): the state of the step, the outcomes that issue it (None:
# every outcome), its file name and Indonesian title (the documents are
# Indonesian whatever the language of the user who issues them), its report,
# the position printed under the signature when the signer has no SOP role
# (None: the Kepala Dinas, from the configuration), whether the OPD reads
# it (the analyses stay inside Diskominfo) and whether it takes a number
# from the letter register (outgoing letters).
StepDocument = namedtuple('StepDocument', [
        'state', 'outcomes', 'slug', 'title', 'report', 'signer',
        'for_opd', 'numbered'], defaults=[None, False, False])
# A letter still being prepared this long after its issue is made by the
# cron (Letter.render_late): its queued task did not run or failed.
LATE_PDF = dt.timedelta(minutes=5)
logger = logging.getLogger(__name__)
# The notices that tell the OPD a document may be downloaded, by the kind
# of that document: with a worker they leave when its PDF is made.
DOCUMENT_NOTICES = {'decided': 'reply'}
# The position printed under a signature, by the signer's role (group).
GROUP_TITLES = [
    ('group_kadis', None),  # the configured position of the head
    ('group_kabid_egov', "Kepala Bidang Pengembangan E-Government"),
    ('group_kabid_sarpras',
        "Kepala Bidang Sarana dan Prasarana TIK dan Persandian"),
    ('group_katim_tatakelola', "Ketua Tim Kerja Tata Kelola TIK"),
    ('group_katim_publik', "Ketua Tim Kerja Aplikasi Layanan Publik"),
    ('group_katim_manajemen',
        "Ketua Tim Kerja Aplikasi Manajemen Pemerintahan"),
    ]
def position_of(user, kind=None):
    """The position of an official as documents print it: from their role
    (group), else the role that signs the document `kind`."""
    pool = Pool()
    Letter = pool.get('egov.request.letter')
    User = pool.get('res.user')
    # Their SOP roles in one statement (absence.py), not the user's read
    # and the relation's search and read.
    groups = User._role_groups_of([user.id]) if user else set()
    document = Letter._documents.get(kind)
    return (group_position(groups) or (document and document.signer)
        or _head())


def _head():
    "The position of the Kepala Dinas, from the configuration"
    Configuration = Pool().get('egov.configuration')
    return (Configuration.cached().head_position
        or Configuration.default_head_position())


def group_position(group_ids):
    "The position of the first SOP role among `group_ids`, or None"
    ModelData = Pool().get('ir.model.data')
    for fs_id, title in GROUP_TITLES:
        if ModelData.get_id('egov_app_request', fs_id) in group_ids:
            return title or _head()
    return None


def addressee(opd):
    "The head of an OPD as a letter names them"
    return addressee_title(opd.name)


def addressee_title(name):
    "The head of the OPD named `name`: Camat Cipondoh Kota Tangerang"
    if name.startswith('Kecamatan '):
        title = 'Camat ' + name[len('Kecamatan '):]
    elif name.startswith('Kelurahan '):
        title = 'Lurah ' + name[len('Kelurahan '):]
    elif name.startswith('Sekretariat '):
        title = 'Sekretaris ' + name[len('Sekretariat '):]
    else:
        title = 'Kepala ' + name
    return f'{title} Kota Tangerang'


def lines(text):
    "The non-empty lines of a text, without list marks (-, *, 1.)"
    result = []
    for line in (text or '').splitlines():
        line = line.strip()
        if not line:
            continue
        for mark in ('- ', '* ', '• '):
            if line.startswith(mark):
                line = line[len(mark):]
        head, _, tail = line.partition('. ')
        if tail and head.isdigit():
            line = tail
        result.append(line.strip())
    return result


class LetterSequence(ModelSQL, ModelView):
    "Letter register of a year"
    __name__ = 'egov.letter.sequence'
    __string__ = "Letter Register"
    year = fields.Integer("Year", required=True)
    sequence = fields.Many2One(
        'ir.sequence.strict', "Sequence", required=True, ondelete='RESTRICT',
        domain=[
            ('sequence_type', '=',
                Id('egov_app_request', 'sequence_type_letter')),
            ],
        help="A strict sequence: a number is never reused nor skipped.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('year_unique', Unique(t, t.year),
                'egov_app_request.msg_letter_sequence_year_unique'),
            ]
        cls._order.insert(0, ('year', 'DESC'))

    def get_rec_name(self, name):
        return str(self.year)

    @classmethod
    def next_number(cls, date):
        """The next letter number of the year of `date`, formatted by the
        configured pattern. Taken in the transaction that stores the
        letter: if anything fails, the number is given back."""
        pool = Pool()
        Sequence = pool.get('ir.sequence.strict')
        ModelData = pool.get('ir.model.data')
        Configuration = pool.get('egov.configuration')
        config = Configuration.cached()
        with without_check_access():
            records = cls.search([('year', '=', date.year)], limit=1)
            if not records:
                # The first letter of a year opens its register; the lock
                # makes a simultaneous first letter wait and retry.
                cls.lock()
                records = cls.search([('year', '=', date.year)], limit=1)
            if not records:
                sequence, = Sequence.create([{
                            'name': f"Surat Keluar {date.year}",
                            'sequence_type': ModelData.get_id(
                                'egov_app_request', 'sequence_type_letter'),
                            'padding': 4,
                            }])
                records = cls.create([{
                            'year': date.year, 'sequence': sequence.id}])
            record, = records
            with Transaction().set_context(date=date):
                sequence = record.sequence.get()
        pattern = (config.letter_pattern
            or Configuration.default_letter_pattern())
        return pattern.format(
            classification=(config.letter_classification
                or Configuration.default_letter_classification()),
            sequence=sequence,
            unit=config.letter_unit or Configuration.default_letter_unit(),
            year=date.year)


class Letter(
        RelationRuleMixin, CheckModificationFirstMixin, ModelSQL, ModelView):
    "Issued document of a request (one record per version)"
    __name__ = 'egov.request.letter'
    __string__ = "Issued Document"
    _rec_name = 'filename'

    request = fields.Many2One(
        'egov.request', "Request", required=True, readonly=True,
        ondelete='RESTRICT')
    # Each step file adds the kinds of its documents (StepDocument).
    kind = fields.Selection([], "Document", required=True, readonly=True)
    kind_string = kind.translated('kind')
    version = fields.Integer("Version", required=True, readonly=True)
    number = fields.Char(
        "Letter Number", readonly=True,
        help="Outgoing letters only (the reply letter), from the letter "
        "register of the year.")
    issued_at = fields.DateTime("Issued at", required=True, readonly=True)
    issued_date = fields.Date("Date", required=True, readonly=True,
        help="The date printed on the document (the Dinas's time zone).")
    issued_by = fields.Many2One(
        'res.user', "Issued by", readonly=True, ondelete='RESTRICT')
    signatory = fields.Many2One(
        'res.user', "Signed by", readonly=True, ondelete='RESTRICT')
    signatory_acting = fields.Selection([
            (None, ""),
            ('plh', "Plh. (Acting Official)"),
            ('plt', "Plt. (Acting Official)"),
            ], "Acting", readonly=True)
    for_opd = fields.Boolean(
        "For the OPD", readonly=True,
        help="The OPD may read and download it; the analyses stay inside "
        "Diskominfo.")
    replaces = fields.Many2One(
        'egov.request.letter', "Corrects", readonly=True,
        ondelete='RESTRICT')
    reason = fields.Text("Reason for the Correction", readonly=True)
    # Removed from the filestore if the transaction rolls back: no orphan
    # file of a document that was never issued.
    file = TransactionalBinary(
        "PDF", filename='filename', file_id='file_id',
        store_prefix='egov_letter', readonly=True)
    file_id = fields.Char("File ID", readonly=True)
    filename = fields.Char("File Name", readonly=True)
    digest = fields.Char("SHA-256", readonly=True)
    size = fields.Integer("Size (bytes)", readonly=True)
    # The document's HTML as the template rendered it at the click, until
    # trytond-worker made the PDF of it (then cleared: the PDF is the
    # document).
    html = fields.Text("Content at Issue", readonly=True)
    status = fields.Function(fields.Selection([
                ('preparing', "Being Prepared"),
                ('ready', "Ready"),
                ], "Status",
            help="Being prepared: the PDF is made in the background a few "
            "seconds after the document was issued."),
        'get_status', searcher='search_status')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # Whoever may not read the request may not read its documents.
        cls.__access__.add('request')
        cls._order = [('issued_at', 'ASC'), ('id', 'ASC')]
        # {kind: StepDocument}, filled by the step files.
        cls._documents = {}

    @classmethod
    def documents_of_step(cls, state):
        "The documents the step `state` issues when it ends: {kind: doc}"
        return {k: d for k, d in cls._documents.items() if d.state == state}

    @classmethod
    def kinds_for_opd(cls):
        "The kinds of document the OPD reads"
        return {k for k, d in cls._documents.items() if d.for_opd}

    @classmethod
    def default_for_opd(cls):
        return False

    @property
    def title_id(self):
        return self._documents[self.kind].title

    @property
    def ready(self):
        "Whether the PDF is made and stored"
        return bool(self.digest)

    def get_status(self, name):
        return 'ready' if self.digest else 'preparing'

    @classmethod
    def search_status(cls, name, clause):
        "The status is whether the digest is stored"
        _, operator, value = clause[:3]
        values = ({value} if isinstance(value, str) or value is None
            else set(value))
        if operator in {'!=', 'not in'}:
            values = {'ready', 'preparing'} - values
        elif operator not in {'=', 'in'}:
            return [('id', '=', None)]
        if {'ready', 'preparing'} <= values:
            return []
        elif 'ready' in values:
            return [('digest', '!=', None)]
        elif 'preparing' in values:
            return [('digest', '=', None)]
        return [('id', '=', None)]

    # --- Frozen ------------------------------------------------------------

    @classmethod
    def check_modification(cls, mode, letters, values=None, external=False):
        super().check_modification(
            mode, letters, values=values, external=external)
        if mode == 'create' and external:
            # Only the issuing code (issue below) creates a document.
            raise LetterFrozenError(gettext(
                    'egov_app_request.msg_letter_create'))
        elif mode == 'write':
            for letter in letters:
                # Only the issuing code stores the PDF (or, with a worker,
                # the HTML frozen at the click, then the PDF), once.
                if (external or letter.digest
                        or set(values) - {
                            'file', 'filename', 'digest', 'size', 'html'}):
                    raise LetterFrozenError(gettext(
                            'egov_app_request.msg_letter_frozen',
                            letter=letter.rec_name))
        elif mode == 'delete':
            # Not even the administrator: a correction issues a new
            # version and the old one stays.
            for letter in letters:
                raise LetterFrozenError(gettext(
                        'egov_app_request.msg_letter_frozen',
                        letter=letter.rec_name))

    @classmethod
    def copy(cls, letters, default=None):
        # A copy would carry the number and digest of the original: refused
        # to everyone, the issuing code included (it creates, not copies).
        if letters:
            raise LetterFrozenError(gettext(
                    'egov_app_request.msg_letter_create'))
        return super().copy(letters, default=default)

    # --- Issuing -----------------------------------------------------------

    @classmethod
    def issue_for_move(cls, requests, ended):
        """After a move of the workflow (Request._record_move): issue the
        document of the step that ended, if it has one. `ended`: the state
        that ended and its outcome as its history record has them, {request
        id: (state, outcome)} (the move knows them: no search of the
        history)."""
        for request in requests:
            if request.id not in ended:
                continue
            state, outcome = ended[request.id]
            for kind, document in cls.documents_of_step(state).items():
                if (document.outcomes is None
                        or outcome in document.outcomes):
                    cls.issue(request, kind)

    @classmethod
    def issue(cls, request, kind, reason=None, replaces=None):
        """Number, render, store and freeze a new version of the document
        `kind` of `request`. All in the caller's transaction; with a worker
        the PDF of the HTML rendered here is made after the commit."""
        pool = Pool()
        transaction = Transaction()
        document = cls._documents[kind]
        # The demo replays its requests on its own clock: a document is
        # dated when its step ended.
        now = clock.now()
        date = to_local(now).date()
        with without_check_access():
            previous = cls.search([
                    ('request', '=', request.id),
                    ('kind', '=', kind),
                    ], order=[('version', 'DESC')], limit=1)
            version = previous[0].version + 1 if previous else 1
            number = (pool.get('egov.letter.sequence').next_number(date)
                if document.numbered else None)
            values = {
                'request': request.id,
                'kind': kind,
                'version': version,
                'number': number,
                'issued_at': now,
                'issued_date': date,
                'issued_by': transaction.user or None,
                'for_opd': document.for_opd,
                'reason': reason,
                'replaces': replaces.id if replaces else (
                    previous[0].id if previous else None),
                }
            values.update(cls._signature_values(request, kind))
            slug_number = (request.number or str(request.id)).replace(
                '/', '-')
            values['filename'] = (
                f'{document.slug}-{slug_number}-v{version}.pdf')
            letter, = cls.create([values])
            report = cls._report(kind)
            html = cls._render_html(letter, report)
            if queued():
                # What the document says is frozen now; trytond-worker makes
                # its PDF after the commit (render_pdf).
                cls._freeze_html(letter, html)
                cls.__queue__.render_pdf([letter])
            else:
                cls._store_pdf(letter, html, report)
        return letter

    @classmethod
    def _report(cls, kind):
        "The report (template) of the document `kind` and its action"
        pool = Pool()
        ActionReport = pool.get('ir.action.report')
        report_name = cls._documents[kind].report
        with without_check_access():
            action, = ActionReport.search(
                [('report_name', '=', report_name)], limit=1)
        return pool.get(report_name, type='report'), action

    @classmethod
    def _render_html(cls, letter, report):
        """The HTML of the document `letter` from its template and the data
        as they are now (the report's context and Genshi; no PDF)"""
        Report, action = report
        transaction = Transaction()
        data = {'model': cls.__name__, 'action_id': action.id}
        # The documents are Indonesian whatever the language of the user
        # who issues them (document types, positions…). Issuing is the
        # module's own act, not a print by the user who ended the step:
        # rendered without access checks (record rules, the report's
        # groups, the kinds readable by the user apply to printing only),
        # and what Report.execute adds for a print (the checks, the file
        # name from the records' names, the conversion) is left out: the
        # template rendered as Report._execute renders it. Rendered as the
        # user who presses, not as root: for an Indonesian user the render
        # reads from the records the press has just read (trytond keeps
        # one cache per user and language), 9 statements fewer for
        # `forward` (test_query_counts.py).
        with without_check_access(), transaction.set_context(
                language=vocabulary.LANGUAGE):
            # Why private: trytond has no public call that renders a
            # report's template without executing the whole print; this is
            # what Report.execute passes to Report._execute.
            records = Report._get_records([letter.id], cls.__name__, data)
            # Restored after the template (set_lang may change it).
            with transaction.set_context(transaction.context):
                context = Report.get_context(records, {}, data)
                return Report.render(action, context)

    @classmethod
    def _freeze_html(cls, letter, html):
        """Keep `html` in the letter just created, written as the ORM would
        (write_uid, write_date) in one statement: the issuing code's own
        field of its own new record (check_modification allows it), whose
        write through the ORM checked the row twice and read it back"""
        transaction = Transaction()
        table = cls.__table__()
        cursor = transaction.connection.cursor()
        cursor.execute(*table.update(
                [table.html, table.write_uid, table.write_date],
                [html, transaction.user, CurrentTimestamp()],
                where=table.id == letter.id))
        written_behind_orm(cls, [letter.id])

    @classmethod
    def _store_pdf(cls, letter, html, report):
        "Make the PDF of `html` (WeasyPrint), store it with its digest"
        Report, action = report
        _, content = Report.convert(action, html)
        cls._store(letter, bytes(content))

    @classmethod
    def _store(cls, letter, content):
        "Store the PDF `content` of `letter` with its digest, once"
        with without_check_access():
            cls.write([letter], {
                    'file': content,
                    'digest': hashlib.sha256(content).hexdigest(),
                    'size': len(content),
                    'html': None,
                    })

    @classmethod
    def render_pdf(cls, letters):
        """The queued task (trytond-worker): the PDF of each letter still
        being prepared, from the HTML frozen when it was issued. A letter
        that has its PDF is left as it is: running the task again changes
        nothing."""
        with without_check_access():
            for letter in cls.browse([l.id for l in letters]):
                if letter.digest or not letter.html:
                    continue
                cls._store_pdf(
                    letter, letter.html, cls._report(letter.kind))
                cls._notify_ready(letter)

    @classmethod
    def render_late(cls):
        """The cron's safety net (ir.cron): the letters still being
        prepared LATE_PDF after their issue (the worker was down, or its
        task failed) get their PDF now. A letter whose PDF fails again is
        logged and left for the next run; the others go on."""
        with without_check_access():
            letters = cls.search([
                    ('digest', '=', None),
                    ('html', '!=', None),
                    ('issued_at', '<', clock.now() - LATE_PDF),
                    ], order=[('issued_at', 'ASC'), ('id', 'ASC')])
            for letter in letters:
                Report, action = cls._report(letter.kind)
                try:
                    _, content = Report.convert(action, letter.html)
                except Exception:
                    logger.exception(
                        'the PDF of letter %s failed again', letter.id)
                    continue
                cls._store(letter, bytes(content))
                cls._notify_ready(letter)

    @classmethod
    def _notify_ready(cls, letter):
        """The notice held back while the first version of `letter` was
        being prepared (Notice._waits_for_document below), sent now that
        the OPD can download it, to whom the move would have sent it"""
        Notice = Pool().get('egov.notice')
        if letter.replaces:
            # A correction: its move sent no notice.
            return
        request = letter.request
        for code, kind in DOCUMENT_NOTICES.items():
            if kind == letter.kind and request.submitter:
                Notice.send(request, code, [request.submitter])

    @classmethod
    def _signature_values(cls, request, kind):
        """Who signs the document `kind` of `request`: the official who
        decided the reply letter, else the user who ended the step (or
        issues the correction)"""
        user = Transaction().user or None
        if kind == 'reply':
            return {
                'signatory': (request.decided_by.id
                    if request.decided_by else user),
                'signatory_acting': getattr(
                    request, 'signatory_acting', None),
                }
        return {'signatory': user}

    @classmethod
    def check_may_correct(cls, letters):
        "A correction is issued by the role of the step that issued it"
        pool = Pool()
        User = pool.get('res.user')
        Step = pool.get('egov.step')
        if not Transaction().user:
            return
        groups = set(User.get_groups())
        for letter in letters:
            steps = Step.by_state(letter.request.sop_version)
            step = steps.get(cls._documents[letter.kind].state)
            allowed = list(step.groups) if step else []
            if (step and step.route_by_category and letter.request.category):
                allowed = [letter.request.category.team_group]
            if not groups & {g.id for g in allowed}:
                raise NotResponsibleError(gettext(
                        'egov_app_request.msg_letter_correct_role',
                        letter=letter.rec_name,
                        groups=', '.join(g.name for g in allowed)))

    @classmethod
    def correct(cls, letters, reason):
        "Issue the next version of each document; the old ones stay"
        cls.check_may_correct(letters)
        return [cls.issue(l.request, l.kind, reason=reason, replaces=l)
            for l in letters]


class Notice(metaclass=PoolMeta):
    "A notice of a document the OPD may download waits for its PDF"
    __name__ = 'egov.notice'

    @classmethod
    def _waits_for_document(cls, code):
        """With a worker, the move's notice of a document (DOCUMENT_NOTICES)
        is not delivered with the others (Notice.deliver): the task that
        makes the document's PDF sends it (render_pdf, _notify_ready),
        once, when the OPD can download it"""
        return code in DOCUMENT_NOTICES or super()._waits_for_document(code)


class LetterCorrectStart(ModelView):
    "Correct an issued document"
    __name__ = 'egov.request.letter.correct.start'
    __string__ = "Correct an Issued Document"
    reason = fields.Text(
        "Reason", required=True,
        help="Why a new version is issued; it is printed on the new "
        "version and kept with it.")


class LetterCorrect(Wizard):
    "Correct an issued document: a new version, the old one stays"
    __name__ = 'egov.request.letter.correct'
    start = StateView('egov.request.letter.correct.start',
        'egov_app_request.letter_correct_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Issue New Version", 'correct', 'tryton-ok',
                default=True),
            ])
    correct = StateTransition()

    def transition_correct(self):
        Letter = Pool().get('egov.request.letter')
        Letter.correct(list(self.records), self.start.reason)
        return 'end'


def readable_kinds():
    "The kinds of document the current user may read and print"
    pool = Pool()
    ModelData = pool.get('ir.model.data')
    User = pool.get('res.user')
    Letter = pool.get('egov.request.letter')
    if not Transaction().user:
        return set(Letter._documents)
    groups = set(User.get_groups())
    staff = {ModelData.get_id('egov_app_request', g) for g in STAFF_GROUPS}
    if groups & staff:
        return set(Letter._documents)
    return Letter.kinds_for_opd()


class LetterReport(CheckedReport):
    """Base of the document templates: the letterhead and Indonesian dates.

    Each template prints one kind of document (`kind`): asked for other
    records (a receipt printed as the technical sheet), or for an internal
    kind by a user outside Diskominfo's staff, it refuses, whatever the
    groups of its action say."""
    kind = None

    @classmethod
    def check_access(cls, action, model, ids):
        super().check_access(action, model, ids)
        if not Transaction().user:
            return
        Letter = Pool().get('egov.request.letter')
        selection = dict(Letter.fields_get(['kind'])['kind']['selection'])
        report = selection.get(cls.kind, cls.__name__)
        if model != Letter.__name__:
            raise ReportAccessError(gettext(
                    'egov_app_request.msg_report_wrong_action',
                    report=report))
        # Read access to the records was checked above (super).
        with without_check_access():
            letters = Letter.browse(ids)
            for letter in letters:
                if letter.kind != cls.kind:
                    raise ReportAccessError(gettext(
                            'egov_app_request.msg_letter_report_kind',
                            letter=letter.rec_name,
                            kind=selection.get(letter.kind, letter.kind),
                            report=report))
        if cls.kind not in readable_kinds():
            raise ReportAccessError(gettext(
                    'egov_app_request.msg_letter_report_internal',
                    report=report))

    @classmethod
    def get_context(cls, records, header, data):
        pool = Pool()
        Configuration = pool.get('egov.configuration')
        History = pool.get('egov.request.history')
        Letter = pool.get('egov.request.letter')
        context = super().get_context(records, header, data)
        config = Configuration.cached()
        # The officials every letter names (the OPD's submitter, the
        # signatory) read together, not one statement each.
        read_together([o for r in records
                for o in (r.request.submitter, r.signatory)])

        def setting(name):
            return (getattr(config, name, None)
                or getattr(Configuration, f'default_{name}')())

        def step_record(request, state):
            "The last finished pass of a step (notes, actor, outcome)"
            found = History.search([
                    ('request', '=', request.id),
                    ('state', '=', state),
                    ('finished', '!=', None),
                    ], order=[('finished', 'DESC'), ('id', 'DESC')], limit=1)
            return found[0] if found else None

        def official_title(user, kind):
            "The position of the signer: from their role, else the step's"
            return position_of(user, kind)

        def group_title(group):
            "A role as documents name it: the position of its holder"
            if not group:
                return ''
            return group_position({group.id}) or group.name

        def validations(request, analysis):
            "The validations of an analysis, oldest first"
            Validation = pool.get('egov.request.validation')
            return Validation.search([
                    ('request', '=', request.id),
                    ('analysis', '=', analysis),
                    ])

        def emblem():
            "The emblem's SVG, inline (WeasyPrint fetches no data: URL)"
            svg = (getattr(config, 'letterhead_logo', None) or '').strip()
            return Markup(svg) if svg.startswith('<') else None

        context.update({
                'emblem': emblem,
                'official_title': official_title,
                'config': config,
                'setting': setting,
                'format_date_id': format_date_id,
                'format_datetime_id': format_datetime_id,
                'local_date': local_date,
                # Every word printed for a stored value (a selection) is its
                # Indonesian translated selection string, as the web client
                # shows it: word(model, field, value), vocabulary.py. The
                # templates keep no word list of their own.
                'word': vocabulary.word,
                'kind_word': vocabulary.kind,
                'state_word': vocabulary.state,
                'decision_word': vocabulary.decision,
                'timing_word': vocabulary.timing,
                'addressee': addressee,
                'lines': lines,
                'step_record': step_record,
                'validations': validations,
                'group_title': group_title,
                'signer_title': {k: d.signer
                    for k, d in Letter._documents.items() if d.signer},
                'titles': {k: d.title for k, d in Letter._documents.items()},
                })
        return context


    @classmethod
    def render(cls, report, report_context):
        """As Report.render, but serialized as HTML (not XML): WeasyPrint
        reads an empty <div/> of XML as an element left open."""
        template = report.get_template_cached()
        if template is None:
            # The templates include the parts every document shares
            # (report/letter_parts.html), replaced templates too.
            template = MarkupTemplate(BytesIO(report.report_content),
                loader=TemplateLoader([str(REPORT_FOLDER)],
                    auto_reload=False))
            report.set_template_cached(template)
        translate = cls._callback_loader(report, template)
        if translate:
            report_context = report_context.copy()
            report_context['gettext'] = translate.gettext
            report_context['ngettext'] = translate.ngettext
        return template.generate(**report_context).render(
            'html', doctype='html5', encoding=None)


class ReceiptReport(LetterReport):
    "Registration receipt (tanda terima, step 1)"
    __name__ = 'egov.request.letter.receipt'
    kind = 'receipt'


class ChecklistReport(LetterReport):
    "Completeness checklist (step 2)"
    __name__ = 'egov.request.letter.checklist'
    kind = 'checklist'


class ReplyReport(LetterReport):
    "Reply letter (surat jawaban, step 9)"
    __name__ = 'egov.request.letter.reply'
    kind = 'reply'


class DispositionReport(LetterReport):
    "Disposition sheet (step 3)"
    __name__ = 'egov.request.letter.disposition'
    kind = 'disposition'


class FeasibilityReport(LetterReport):
    "Validated feasibility analysis sheet (steps 4-5)"
    __name__ = 'egov.request.letter.feasibility'
    kind = 'feasibility'


class CategoryReport(LetterReport):
    "Application category sheet (step 6)"
    __name__ = 'egov.request.letter.category'
    kind = 'category'


class TechnicalReport(LetterReport):
    "Validated technical analysis sheet (steps 7-8)"
    __name__ = 'egov.request.letter.technical'
    kind = 'technical'
