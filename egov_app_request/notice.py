"""Who is told what, when: in the web client (the bell) and by e-mail.

E-mails are Indonesian templates that an administrator edits; they leave
only after the transaction commits (Tryton's transactional sendmail)."""
import json
import string
from email.message import EmailMessage
from email.utils import formataddr

from trytond import config
from trytond.model import DeactivableMixin, Model, ModelSQL, ModelView, fields
from trytond.pool import Pool, PoolMeta
from trytond.sendmail import send_message_transactional
from trytond.i18n import gettext
from trytond.transaction import Transaction, without_check_access

from . import clock, vocabulary
from .workcalendar import to_local


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
            act_on=None, extra=None):
        """Tell `users` about `request` with the template `code`.
        `act_on` is the state whose work the notice asks for: when that
        step ends, the notice stops asking (step_ended)."""
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
                if in_client:
                    Request.notify_user(
                        [localized], 'tryton-notification', subject,
                        description=gettext(
                            'egov_app_request.msg_notice_description',
                            opd=values['opd'], step=values['step'],
                            deadline=values['deadline']),
                        user=user.id, egov_act_on=act_on)
            if user.email:
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
    def request_moved(cls, request, outcome, ended=None, opened=None):
        """After a move: the notices of the step that ended stop asking;
        the role of the new step, its contributors, and the OPD are told
        what concerns them. `opened`: the history record of the step that
        starts, whose deadline and timing the notices give (instead of
        the request's figures, computed from its whole history)."""
        if ended:
            cls.step_ended(request, ended)
        state = request.state
        if state in {'draft', 'done', 'incomplete'}:
            pass
        else:
            cls.send(request, 'step_started',
                cls._users_of(request.responsible_groups()), act_on=state,
                record=opened)
            for group, names in request.contributions().items():
                cls.send(request, 'input_requested', cls._users_of([group]),
                    act_on=state, record=opened, extra=lambda r: {
                        'field': r.field_labels(names)})
        submitter = [request.submitter] if request.submitter else []
        # What the OPD is told is declared by the step files.
        notice = (request._opd_notices.get((state, outcome))
            or request._opd_notices.get((state, None)))
        if notice:
            code, asks = notice
            cls.send(request, code, submitter,
                act_on=state if asks else None, record=opened)

    @classmethod
    def step_ended(cls, request, state):
        """The notices that asked to act on `state` of `request` are read
        and say that the step is done"""
        Notification = Pool().get('res.notification')
        with without_check_access():
            notifications = Notification.search([
                    ('model', '=', request.__name__),
                    ('records', '=', json.dumps([request.id])),
                    ('egov_act_on', '=', state),
                    ('unread', '=', True),
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
