"""Who is told what, when: in the web client (the bell) and by e-mail.

E-mails are Indonesian templates that an administrator edits; they leave
only after the transaction commits (Tryton's transactional sendmail).

The notices of a move (`moved`): with a worker (`[queue] worker = True`,
trytond-worker running) the press only queues one task (ir.queue) with what
the notices of its requests need (request, outcome, the state that ended,
the state and the history record that start); trytond-worker delivers them
after the commit (`deliver`): the bell notices (res.notification), the
e-mails, and the notices of the step that ended marked done. Without a
worker (the demo, the tests) they are delivered in the press."""
import datetime as dt
import json
import logging
import string
from email.message import EmailMessage
from email.utils import formataddr

from trytond import config
from trytond.model import (
    DeactivableMixin, Index, Model, ModelSQL, ModelView, fields)
from trytond.pool import Pool, PoolMeta
from trytond.sendmail import send_message_transactional
from trytond.i18n import gettext
from trytond.transaction import Transaction, without_check_access

from . import clock, vocabulary
from .deadline_recompute import queued
from .workcalendar import to_local

# The queue of the notices' tasks (ir.queue's name): trytond-worker runs
# every queue; the name tells the notices' tasks from the others.
QUEUE = 'egov_notices'
# A notices' task still not finished this long after the press is run by
# the cron (Request.deliver_late_notices): the worker was down, or the task
# failed with an error that trytond-worker does not retry.
LATE_NOTICES = dt.timedelta(minutes=5)
logger = logging.getLogger(__name__)


class EmailTemplate(DeactivableMixin, ModelSQL, ModelView):
    "E-mail template"
    __name__ = 'egov.email.template'
    __string__ = "E-mail Template"
    code = fields.Char("Code", required=True, readonly=True)
    name = fields.Char("Name", required=True)
    subject = fields.Char(
        "Subject", required=True,
        help="Placeholders: ${number}, ${title}, ${opd}, ${step}, "
        "${responsible}, ${deadline}, ${missing}, ${decision}, "
        "${explanation}, ${recipient}, ${timing}, ${field} (the input "
        "asked for).")
    body = fields.Text("Body", required=True)

    @classmethod
    def render(cls, code, values):
        "(subject, body) of the active template `code`, or None"
        templates = cls.search([('code', '=', code)], limit=1)
        if not templates:
            return None
        template, = templates
        return (
            string.Template(template.subject).safe_substitute(values),
            string.Template(template.body).safe_substitute(values))


class Notice(Model):
    "Notices of the e-Government request flow"
    __name__ = 'egov.notice'
    __string__ = "Notice"

    @classmethod
    def _values(cls, request, recipient=None, record=None, extra=None):
        deadline = (record.deadline if record else None) or request.deadline
        timing = (record.timing if record else None) or request.timing
        # The state, decision and timing words are the translated selection
        # strings (vocabulary.py): the texts are Indonesian templates.
        values = {
            'number': request.number or '',
            'title': request.title,
            'opd': request.opd.name if request.opd else '',
            'step': vocabulary.state(request.state),
            'responsible': request.responsible or '',
            'deadline': (to_local(deadline).strftime('%d-%m-%Y %H:%M')
                if deadline else '-'),
            'missing': request.missing_items or '',
            'decision': vocabulary.decision(request.decision),
            'explanation': request.decision_text or '',
            'recipient': recipient.name if recipient else '',
            'timing': vocabulary.timing(timing),
            }
        values.update(extra or {})
        return values

    @classmethod
    def _users_of(cls, groups):
        User = Pool().get('res.user')
        with without_check_access():
            return User.search([
                    ('groups', 'in', [g.id for g in groups]),
                    ('active', '=', True),
                    ]) if groups else []

    @classmethod
    def send(cls, request, code, users, record=None, in_client=True,
            act_on=None, extra=None, move=None, ended=False):
        """Tell `users` about `request` with the template `code`.
        `act_on` is the state whose work the notice asks for: when that
        step ends, the notice stops asking (step_ended). `move`: the
        history record whose start the notice tells (request_moved), kept
        in the bell notice (a delivery is not repeated, deliver). `ended`:
        that step has ended already (a late delivery): the bell notice of
        `act_on` is created done, as step_ended would have made it, and
        its e-mail, which would ask for work already done, is not sent."""
        pool = Pool()
        Template = pool.get('egov.email.template')
        Request = pool.get('egov.request')
        # The request's figures once per language, not once per recipient.
        by_language = {}
        for user in users:
            # Texts in the recipient's language (step names, decisions).
            language = user.language.code if user.language else None
            with without_check_access(), Transaction().set_context(
                    language=language):
                if language not in by_language:
                    localized = Request(request.id)
                    by_language[language] = (localized, cls._values(
                            localized, None, record,
                            extra(localized) if callable(extra) else extra))
                localized, values = by_language[language]
                values = dict(values, recipient=user.name)
                rendered = Template.render(code, values)
                if rendered is None:
                    continue
                subject, body = rendered
                done = bool(ended and act_on)
                if in_client:
                    Request.notify_user(
                        [localized], 'tryton-notification',
                        gettext('egov_app_request.msg_notice_step_done',
                            request=values['number'] or values['title'],
                            notice=subject) if done else subject,
                        description=gettext(
                            'egov_app_request.msg_notice_description',
                            opd=values['opd'], step=values['step'],
                            deadline=values['deadline']),
                        user=user.id,
                        egov_act_on=None if done else act_on,
                        egov_move=move.id if move else None,
                        **({'unread': False} if done else {}))
            if user.email and not done:
                cls._email(user, subject, body)

    @classmethod
    def _email(cls, user, subject, body):
        message = EmailMessage()
        sender = config.get('email', 'from')
        message['From'] = sender
        message['To'] = formataddr((user.name, user.email))
        message['Subject'] = subject
        message.set_content(body)
        send_message_transactional(message, sender, [user.email])

    @classmethod
    def moved(cls, requests, outcomes, ended, opened):
        """The notices of a move of `requests` (Request._notify_moves):
        `outcomes`, `ended` (the states that ended) and `opened` (the
        history records of the steps that start) by request id. With a
        worker, one task for the whole press, delivered after the commit
        (deliver); without one, now."""
        if not queued():
            for request in requests:
                cls.request_moved(request, outcomes.get(request.id),
                    ended=ended.get(request.id),
                    opened=opened.get(request.id))
            return
        Request = Pool().get('egov.request')
        moves = []
        for request in requests:
            record = opened.get(request.id)
            moves.append([request.id, outcomes.get(request.id),
                    ended.get(request.id), request.state,
                    record.id if record else None])
        with Transaction().set_context(queue_name=QUEUE):
            Request.__queue__.deliver_notices(requests, moves)

    @classmethod
    def deliver(cls, moves):
        """The queued task (trytond-worker): the notices of `moves`
        ([request id, outcome, state ended, state started, history record
        started]), those the press would have sent.

        Once: a move that opened a history record is delivered when no
        bell notice of that record exists (`egov_move`); its bell notices
        and e-mails are made in one transaction, so a second run, or the
        run of a task already run, sends nothing. Every recipient of a
        move's notices gets a bell notice (in_client). A move that opens
        no record (decide, which ends the request) only marks the notices
        of its step done, which a second run finds done, and tells the OPD
        of the reply letter, which waits for its PDF (render_pdf, once).

        In order, whatever the order the tasks run in: the rows of the
        requests are held first, so that a task and a press, or two tasks,
        of a request do not interleave (PostgreSQL refuses a task what it
        read before a press committed, and trytond-worker runs it again).
        A task run after the request moved on finds the record it opened
        finished: the notices that asked to act on that step are created
        done (what the press and the step_ended of the next move would
        have left, whichever of the two tasks runs first) and their
        e-mails not sent: they would ask for work already done. Skipping
        them would lose what the bell keeps of the request's path."""
        pool = Pool()
        Request = pool.get('egov.request')
        History = pool.get('egov.request.history')
        Notification = pool.get('res.notification')
        with without_check_access():
            Request._lock_rows(Request.browse(
                    sorted({m[0] for m in moves})))
            records = {h.id: h for h in History.search([
                        ('id', 'in', [m[4] for m in moves if m[4]]),
                        ])}
            delivered = {n.egov_move.id for n in Notification.search([
                        ('egov_move', 'in', list(records)),
                        ])} if records else set()
            for request_id, outcome, ended, state, record_id in moves:
                if record_id and (record_id in delivered
                        or record_id not in records):
                    continue
                record = records.get(record_id)
                cls.request_moved(Request(request_id), outcome,
                    ended=ended, opened=record, state=state,
                    late=bool(record and record.finished))

    @classmethod
    def _waits_for_document(cls, code):
        """Whether the notice `code` tells of a document and, with a
        worker, leaves when the document's PDF is made (letter.py)"""
        return False

    @classmethod
    def request_moved(cls, request, outcome, ended=None, opened=None,
            state=None, late=False):
        """After a move: the notices of the step that ended stop asking;
        the role of the new step, its contributors, and the OPD are told
        what concerns them. `opened`: the history record of the step that
        starts, whose deadline and timing the notices give (instead of
        the request's figures, computed from its whole history). `state`:
        the state the move started (the request's, unless it moved on
        since); `late`: that step has ended since (deliver)."""
        if ended:
            cls.step_ended(request, ended)
        if state is None:
            state = request.state
        moved = request
        extra = {}
        if state != request.state:
            # Delivered after the request moved on: who the step's notices
            # go to, and what they say, are those of the state it started.
            Request = Pool().get('egov.request')
            moved = Request(request.id)
            moved.state = state
            extra = {'responsible': (opened.responsible if opened else '')
                or ''}
        common = {'move': opened, 'ended': late, 'record': opened}

        def with_step(values=None):
            "The step started, in the recipient's language"
            return lambda r: dict(values(r) if values else {},
                step=vocabulary.state(state), **extra)
        localized = with_step() if moved is not request else None
        if state in {'draft', 'done', 'incomplete'}:
            pass
        else:
            cls.send(request, 'step_started',
                cls._users_of(moved.responsible_groups()), act_on=state,
                extra=localized, **common)
            for group, names in moved.contributions().items():
                def field(r, names=names):
                    return {'field': r.field_labels(names)}
                cls.send(request, 'input_requested', cls._users_of([group]),
                    act_on=state, extra=(with_step(field)
                        if localized else field), **common)
        submitter = [request.submitter] if request.submitter else []
        # What the OPD is told is declared by the step files.
        notice = (request._opd_notices.get((state, outcome))
            or request._opd_notices.get((state, None)))
        if notice:
            code, asks = notice
            if cls._waits_for_document(code) and queued():
                # Sent when the document's PDF is made (render_pdf).
                return
            cls.send(request, code, submitter,
                act_on=state if asks else None, extra=localized, **common)

    @classmethod
    def step_ended(cls, request, state):
        """The notices that asked to act on `state` of `request` are read
        and say that the step is done. Not those of a pass of that step
        still open: a task of an earlier move delivered after the request
        came back to `state` (deliver) leaves the new pass's notices."""
        Notification = Pool().get('res.notification')
        with without_check_access():
            notifications = Notification.search([
                    ('model', '=', request.__name__),
                    ('records', '=', json.dumps([request.id])),
                    ('egov_act_on', '=', state),
                    ('unread', '=', True),
                    ['OR',
                        ('egov_move', '=', None),
                        ('egov_move.finished', '!=', None),
                        ],
                    ])
            for notification in notifications:
                user = notification.user
                # In the recipient's language, like the notice itself.
                with Transaction().set_context(language=(
                            user.language.code if user.language else None)):
                    label = gettext(
                        'egov_app_request.msg_notice_step_done',
                        request=request.number or request.title,
                        notice=notification.label)
                notification.unread = False
                notification.label = label
                notification.egov_act_on = None
            Notification.save(notifications)

    @classmethod
    def input_given(cls, request, names, user):
        "A contributor wrote its part: the role of the step is told"
        users = [u for u in cls._users_of(request.responsible_groups())
            if u.id != user]
        cls.send(request, 'input_given', users, extra=lambda r: {
                'field': r.field_labels(names)})

    @classmethod
    def deadline(cls, record, level):
        """A step is nearly late or late: its role in the web client and by
        e-mail, and by e-mail the head of that role too"""
        request = record.request
        groups = request.responsible_groups()
        users = cls._users_of(groups)
        cls.send(request, level, users, record=record, act_on=record.state)
        heads = [g.egov_head_group for g in groups if g.egov_head_group]
        head_users = [u for u in cls._users_of(heads) if u not in users]
        cls.send(request, level, head_users, record=record, in_client=False)


def check_deadlines():
    "The scheduled job: each notice once per step pass and threshold"
    pool = Pool()
    History = pool.get('egov.request.history')
    now = clock.now()
    with without_check_access():
        nearly = History.search([
                ('timing', '=', 'nearly_late'),
                ('warned_nearly_late', '=', None),
                ('warned_late', '=', None),
                ])
        late = History.search([
                ('timing', '=', 'late'),
                ('warned_late', '=', None),
                ])
        Notice = pool.get('egov.notice')
        for record in nearly:
            Notice.deadline(record, 'nearly_late')
        for record in late:
            Notice.deadline(record, 'late')
        to_write = []
        if nearly:
            to_write.extend((nearly, {'warned_nearly_late': now}))
        if late:
            to_write.extend((late, {'warned_late': now}))
        if to_write:
            History.write(*to_write)
    return len(nearly), len(late)


class Notification(metaclass=PoolMeta):
    __name__ = 'res.notification'
    egov_act_on = fields.Char(
        "Asks to Act on", readonly=True,
        help="The request state whose work this notice asks for; cleared "
        "when that step ends.")
    egov_move = fields.Many2One(
        'egov.request.history', "Step Started", readonly=True,
        ondelete='SET NULL',
        help="The pass of a step whose start this notice tells: its "
        "notices are delivered once.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        table = cls.__table__()
        cls._sql_indexes.add(
            Index(table, (table.egov_move, Index.Equality())))


class Request(metaclass=PoolMeta):
    __name__ = 'egov.request'

    @classmethod
    def deliver_notices(cls, requests, moves):
        "The queued task of a press's notices (Notice.moved)"
        # The requests that still exist (ir.queue keeps those only).
        ids = {r.id for r in requests}
        Pool().get('egov.notice').deliver([m for m in moves if m[0] in ids])

    @classmethod
    def deliver_late_notices(cls):
        """The cron's safety net (ir.cron): the notices' tasks not finished
        LATE_NOTICES after the press (trytond-worker was down, or the task
        failed with an error it does not retry; a database error it retries
        itself) are run now, each in a transaction of its own: one that
        fails again is logged and left for the next run. A task the worker
        runs as well delivers nothing twice (Notice.deliver)."""
        Queue = Pool().get('ir.queue')
        transaction = Transaction()
        # ir.queue stamps its tasks with the server's clock, not clock.now()
        # (the demo's clock).
        with without_check_access():
            tasks = Queue.search([
                    ('name', '=', QUEUE),
                    ('finished_at', '=', None),
                    ('enqueued_at', '<', dt.datetime.now() - LATE_NOTICES),
                    ], order=[('enqueued_at', 'ASC'), ('id', 'ASC')])
        for task_id in [t.id for t in tasks]:
            try:
                with transaction.new_transaction():
                    Queue(task_id).run()
            except Exception:
                logger.exception(
                    'the notices of task %s failed again', task_id)
