"""The request for a new or developed e-Government application and its moves
through the nine SOP steps.

This is the core of `egov.request`: what the OPD fills in, the state
machine's machinery (from_state, step_move, the audit trail of
_record_move), the current step's role, timing and deadline, the queues,
and the write rules. Each SOP step (or pair of steps) extends the request
in a file of its own, step_*.py, with its fields, buttons, transitions,
checks and output, and declares its part of the central tables in its
__setup__ (_step_fields, _shared_step_fields, _step_outputs, _step_lines,
_button_steps, _copy_reset, _opd_notices).

States and moves are code; who acts on a step, its time standard and the
required documents are data (sop.py)."""
import datetime as dt
from functools import wraps

from sql import Null
from sql.aggregate import Min
from sql.conditionals import Case

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Workflow, fields
from trytond.pool import Pool
from trytond.pyson import Eval, Id, If
from trytond.transaction import Transaction, without_check_access

from .access import CheckModificationFirstMixin, RelationRuleMixin
from .exceptions import (
    DeleteSubmittedError, IneligibleOrganizationError,
    IneligiblePositionError, NotResponsibleError, ProtectedFieldError,
    StaleClickError, StepRequirementError, WrongStepError)
from .analysis import prepare_step, without_unreadable_fields
from .feedback import feedback_action, wants_feedback
from .sop import STATES, STEP_NUMBERS
from .workcalendar import to_local, to_utc, work_calendar
from . import clock

# The states in which the OPD holds the file and may edit it.
OPD_STATES = {'draft', 'incomplete'}
# What the OPD fills in (SOP step 1 inputs).
OPD_FIELDS = {
    'kind', 'title', 'description', 'existing_application',
    'developed_application', 'business_process_policy', 'legal_basis', 'user_requirements',
    'app_inputs', 'app_outputs', 'documents',
    'letter_number', 'letter_date'}
# The request letter as registered (steps 1 and 3 may correct it).
LETTER_FIELDS = {'letter_number', 'letter_date', 'agenda_number'}


def _readonly_unless(*states):
    return {'readonly': ~Eval('state').in_(list(states))}


def step_button(state, icon):
    "A button offered only while the request is in `state`"
    return {'invisible': Eval('state') != state,
        'icon': icon, 'depends': ['state']}


def diskominfo_only():
    """Hidden from whoever is outside Diskominfo: the analyses stay inside
    (their fields are not even sent to others), no empty tabs for the
    OPD's users"""
    groups = Eval('context', {}).get('groups', [])
    return ~(Id('egov_app_request', 'group_diskominfo').in_(groups)
        | Id('egov_app_request', 'group_egov_admin').in_(groups))


# How a step stands against its time standard.
TIMINGS = [
    (None, ""),
    ('on_time', "On Time"),
    ('nearly_late', "Nearly Late"),
    ('late', "Late"),
    ]
# List rows of late steps in red, nearly late in orange.
TIMING_VISUAL = ('/tree', 'visual', If(Eval('timing') == 'late', 'danger',
        If(Eval('timing') == 'nearly_late', 'warning', '')), ['timing'])


def from_state(*sources):
    """Refuse a click on a request that is no longer in `sources`.

    Outermost decorator of every step button, so that it runs before the
    platform's own button checks: when two users press the same button at
    once, the transaction of the second is retried after the first commits
    and lands here, telling its user that the click changed nothing. A
    click that went through answers the web client with the dialog of
    what happened (feedback.py)."""
    def decorator(func):
        @wraps(func)
        def wrapper(cls, requests, *args, **kwargs):
            transaction = Transaction()
            if transaction.user and transaction.check_access:
                # Tell nothing about a request the user may not read.
                Pool().get('ir.model.access').check(cls.__name__, 'read')
                cls.read([r.id for r in requests], ['id'])
            for request in requests:
                if request.state not in sources:
                    request._refuse_click(sources)
            result = func(cls, requests, *args, **kwargs)
            if result is None and wants_feedback():
                # The web client then shows what happened and what is next.
                result = feedback_action()
            return result
        return wrapper
    return decorator


def step_move(target, outcome):
    """Move requests to `target` and write the audit trail.

    `outcome` is the outcome of the step that ends, or a function of the
    request that returns it. Only the step's responsible groups may move."""
    def decorator(func):
        moved = Workflow.transition(target)(func)

        @wraps(func)
        def wrapper(cls, requests, *args, **kwargs):
            cls.check_responsible(requests)
            outcomes = {
                r.id: outcome(r) if callable(outcome) else outcome
                for r in requests}
            left = {r.id: r.state for r in requests}
            result = moved(cls, requests, *args, **kwargs)
            cls._record_move(cls.browse(requests), outcomes, left=left)
            return result
        return wrapper
    return decorator


class Request(
        CheckModificationFirstMixin, RelationRuleMixin, Workflow, ModelSQL,
        ModelView):
    "e-Government application request"
    __name__ = 'egov.request'
    __string__ = "Application Request"
    _rec_name = 'number'
    # Every version is kept: who changed what is read back, and saves
    # made at the same time are merged field by field (write()).
    _history = True

    number = fields.Char("Number", readonly=True)
    kind = fields.Selection([
            ('new', "New Application (pembangunan)"),
            ('development', "Development of an Existing Application "
                "(pengembangan)"),
            ], "Kind", required=True, states=_readonly_unless(*OPD_STATES))
    kind_string = kind.translated('kind')
    title = fields.Char(
        "Application Title", required=True,
        states=_readonly_unless(*OPD_STATES))
    description = fields.Text(
        "Description", states=_readonly_unless(*OPD_STATES))
    existing_application = fields.Char(
        "Existing Application",
        states={
            'readonly': ~Eval('state').in_(list(OPD_STATES)),
            'invisible': Eval('kind') != 'development',
            },
        help="The application to be developed.")
    developed_application = fields.Many2One(
        'egov.application', "Catalog Application Developed",
        ondelete='RESTRICT',
        domain=[('opd', '=', Eval('opd', -1))],
        states={
            'readonly': ~Eval('state').in_(list(OPD_STATES)),
            'invisible': Eval('kind') != 'development',
            },
        help="The OPD's application in the Katalog Aplikasi that the "
        "request develops.")
    opd = fields.Many2One(
        'egov.opd', "Organization (OPD)", required=True, readonly=True,
        ondelete='RESTRICT')
    submitter = fields.Many2One(
        'res.user', "Submitted by", readonly=True, ondelete='RESTRICT')
    submitted_at = fields.DateTime("Submitted at", readonly=True)
    sop_version = fields.Many2One(
        'egov.sop.version', "SOP Version", readonly=True,
        ondelete='RESTRICT',
        help="The version of the SOP in force when the request was "
        "submitted: its steps, roles and time standards apply until the "
        "request is decided.")

    # SOP step 1 inputs (kelengkapan)
    business_process_policy = fields.Text(
        "Business Process Policy", states=_readonly_unless(*OPD_STATES),
        help="Policy documents on the business process the application "
        "supports.")
    legal_basis = fields.Text(
        "Legal Basis", states=_readonly_unless(*OPD_STATES))
    user_requirements = fields.Text(
        "User Requirements", states=_readonly_unless(*OPD_STATES))
    app_inputs = fields.Text(
        "Application Inputs", states=_readonly_unless(*OPD_STATES))
    app_outputs = fields.Text(
        "Application Outputs", states=_readonly_unless(*OPD_STATES))
    letter_number = fields.Char(
        "Request Letter Number",
        help="The number of the OPD's signed request letter (Surat "
        "Permohonan).")
    letter_date = fields.Date("Request Letter Date")
    documents = fields.One2Many(
        'egov.request.document', 'request', "Documents",
        states=_readonly_unless(*OPD_STATES))

    state = fields.Selection(STATES, "State", readonly=True, required=True,
        sort=False)
    state_string = state.translated('state')
    step = fields.Function(
        fields.Many2One('egov.step', "Current Step"), 'get_step')
    responsible = fields.Function(
        fields.Char("Responsible"), 'get_responsible')
    time_standard = fields.Function(
        fields.Char("Time Standard"), 'get_time_standard')
    step_started = fields.Function(
        fields.DateTime("Step Started"), 'get_step_started')
    deadline = fields.Function(
        fields.DateTime("Step Deadline"), 'get_timing')
    time_used = fields.Function(
        fields.Integer("Step Time Used (minutes)"), 'get_timing')
    time_left = fields.Function(
        fields.Integer("Step Time Left (minutes)"), 'get_timing')
    timing = fields.Function(
        fields.Selection(TIMINGS, "Timing"),
        'get_timing', searcher='search_timing')
    total_standard = fields.Function(
        fields.Integer("Total Standard (minutes)",
            help="The nine steps' standards in working minutes."),
        'get_timing')
    total_used = fields.Function(
        fields.Integer("Total Time Used (minutes)",
            help="Working time of every step so far, pauses excluded."),
        'get_timing')
    total_left = fields.Function(
        fields.Integer("Total Time Left (minutes)"), 'get_timing')
    overall_deadline = fields.Function(
        fields.DateTime("Overall Deadline",
            help="When the whole procedure is due if the time left is "
            "used from now on (or from the resubmission, while paused)."),
        'get_timing')
    awaiting_input = fields.Function(
        fields.Char("Awaiting Input",
            states={'invisible': ~Eval('awaiting_input')},
            help="The parts of this step that another role writes and that "
            "are still empty, with that role."),
        'get_awaiting_input')
    waiting_for_me = fields.Function(
        fields.Boolean("Waiting for Me"),
        'get_waiting_for_me', searcher='search_waiting_for_me')
    step_note = fields.Text(
        "Note for This Step",
        states={
            'invisible': ~Eval('state').in_(list(STEP_NUMBERS)),
            },
        help="Reason, instruction or remark recorded in the history when "
        "the step is completed. Required to return or reject.")
    step_note_by = fields.Many2One(
        'res.user', "Note Written by", readonly=True, ondelete='SET NULL',
        help="Who wrote the note of the step: a validation of step 8 takes "
        "as its reason only its validator's own note.")

    # What the steps leave on the request; each step's own fields are in
    # its step_*.py.
    rejection_concluded = fields.Boolean(
        "Rejection Concluded", readonly=True,
        help="A validation (step 5 or 8) concluded that the request is to "
        "be rejected.")
    letters = fields.One2Many(
        'egov.request.letter', 'request', "Issued Documents", readonly=True)
    validations = fields.One2Many(
        'egov.request.validation', 'request', "Validations", readonly=True)
    history = fields.One2Many(
        'egov.request.history', 'request', "Step History", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('submitted_at', 'DESC NULLS FIRST'), ('id', 'DESC')]
        # The lists read the newest requests of one OPD (its own list) or of
        # all (the staff's), and count them by state (the tabs); without
        # these, each is a scan of every request.
        table = cls.__table__()
        cls._sql_indexes.update({
                Index(table,
                    (table.opd, Index.Equality()),
                    (table.submitted_at, Index.Range()),
                    (table.id, Index.Range()),
                    order='DESC'),
                Index(table,
                    (table.submitted_at, Index.Range()),
                    (table.id, Index.Range()),
                    order='DESC'),
                Index(table,
                    (table.opd, Index.Equality()),
                    (table.state, Index.Equality(cardinality='low'))),
                Index(table,
                    (table.state, Index.Equality(cardinality='low'))),
                })
        # Each step (step_*.py) adds, in its own __setup__, its transitions
        # and buttons (add_step_buttons) and its part of the following.
        # The fields the role of a step writes while the request is at
        # that step: {state: field names}.
        cls._step_fields = {}
        # The fields another role writes on a step: {state: {group XML id:
        # field names}}.
        cls._shared_step_fields = {}
        # The fields whose values a step's history record keeps when the
        # step ends: {state: field names}.
        cls._step_outputs = {}
        # The structured content of a step, one line per item: {state:
        # (One2Many field, line model, result field)} (analysis.py).
        cls._step_lines = {}
        # The buttons that complete a step, pressed by the step's groups
        # (sop.ModelButton): {button: state}.
        cls._button_steps = {}
        # What the OPD is told when a move lands on a state (notice.py):
        # {(state, outcome of the step that ended, or None for any):
        # (e-mail template code, whether the notice asks the OPD to act)}.
        cls._opd_notices = {}
        # What a copy of a request starts without: the copy is a draft.
        cls._copy_reset = {
            'number', 'submitter', 'submitted_at', 'sop_version', 'history',
            'rejection_concluded', 'step_note', 'step_note_by', 'documents',
            'letters', 'validations', 'letter_number', 'letter_date'}

    @classmethod
    def add_step_buttons(cls, state, buttons):
        "The buttons that complete the step `state`: {name: states}"
        cls._buttons.update(buttons)
        cls._button_steps.update({name: state for name in buttons})

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_kind(cls):
        return 'new'

    @classmethod
    def default_opd(cls):
        User = Pool().get('res.user')
        user = User(Transaction().user)
        return user.egov_opd.id if user.egov_opd else None

    @classmethod
    def default_rejection_concluded(cls):
        return False

    @classmethod
    def view_attributes(cls):
        return super().view_attributes() + [TIMING_VISUAL]

    @classmethod
    def fields_get(cls, fields_names=None, level=0):
        return without_unreadable_fields(
            cls, super().fields_get(fields_names, level=level))

    def get_rec_name(self, name):
        if self.number:
            return f'{self.number} — {self.title}'
        return self.title

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, operand, *extra = clause
        if operator.startswith('!') or operator.startswith('not '):
            bool_op = 'AND'
        else:
            bool_op = 'OR'
        return [bool_op,
            ('number', operator, operand, *extra),
            ('title', operator, operand, *extra),
            ]

    # --- Current step, its role and its standard -------------------------

    def sop_steps(self):
        """The steps of the SOP version this request follows (before its
        submission: the version in force now): {state: step}"""
        return Pool().get('egov.step').by_state(self.sop_version)

    @classmethod
    def get_step(cls, requests, name):
        Step = Pool().get('egov.step')
        by_version = {}
        result = {}
        for request in requests:
            version = request.sop_version
            key = version.id if version else None
            if key not in by_version:
                by_version[key] = Step.by_state(version)
            step = by_version[key].get(request.state)
            result[request.id] = step.id if step else None
        return result

    def responsible_groups(self):
        "The groups that act on the current step of this request"
        step = self.sop_steps().get(self.state)
        if not step:
            return []
        if step.route_by_category and self.category:
            return [self.category.team_group]
        return list(step.groups)

    def contributions(self):
        """The parts of the current step that another role writes and that
        are still empty: {group: field names}"""
        pool = Pool()
        Group = pool.get('res.group')
        ModelData = pool.get('ir.model.data')
        pending = {}
        for fs_id, names in self._shared_step_fields.get(
                self.state, {}).items():
            empty = [n for n in sorted(names)
                if not (getattr(self, n) or '').strip()]
            if empty:
                group = Group(ModelData.get_id('egov_app_request', fs_id))
                pending[group] = empty
        return pending

    def field_labels(self, names):
        "The labels of fields `names`, in the user's language"
        labels = self.fields_get(list(names))
        return ', '.join(labels[n]['string'] for n in names if n in labels)

    def get_awaiting_input(self, name):
        return '; '.join(
            f'{self.field_labels(names)} — {group.name}'
            for group, names in self.contributions().items()) or None

    @classmethod
    def get_responsible(cls, requests, name):
        pool = Pool()
        Step = pool.get('egov.step')
        Group = pool.get('res.group')
        # The steps of each request's SOP version, and the groups of them
        # all in two reads, not step by step (read as the records'
        # attributes are: without the user's access check).
        by_version = {}
        for request in requests:
            if request.sop_version not in by_version:
                by_version[request.sop_version] = Step.by_state(
                    request.sop_version)
        step_ids = [s.id for steps in by_version.values()
            for s in steps.values()]
        with without_check_access():
            step_groups = {s['id']: s['groups'] for s in Step.read(
                    step_ids, ['groups'])}
            group_names = {g['id']: g['name'] for g in Group.read(
                    list({g for ids in step_groups.values() for g in ids}),
                    ['name'])}
        result = {}
        for request in requests:
            step = by_version[request.sop_version].get(request.state)
            if request.state in OPD_STATES:
                names = [request.opd.rec_name] if request.opd else []
            elif not step:
                names = []
            elif step.route_by_category and request.category:
                names = [request.category.team_group.name]
            else:
                names = [group_names[g] for g in step_groups[step.id]]
            result[request.id] = ', '.join(names) or None
        return result

    def get_time_standard(self, name):
        return self.step.time_standard if self.step else None

    @classmethod
    def get_step_started(cls, requests, name):
        History = Pool().get('egov.request.history')
        result = {r.id: None for r in requests}
        for record in History.search([
                    ('request', 'in', [r.id for r in requests]),
                    ('finished', '=', None),
                    ]):
            result[record.request.id] = record.started
        return result

    @classmethod
    def get_timing(cls, requests, names):
        pool = Pool()
        History = pool.get('egov.request.history')
        Step = pool.get('egov.step')
        Configuration = pool.get('egov.configuration')
        config = Configuration.cached()
        # The standard of each request's SOP version, once per version.
        standards = {}
        for request in requests:
            version = request.sop_version
            key = version.id if version else None
            if key not in standards:
                standards[key] = sum(
                    s.duration * (config.day_minutes
                        if s.duration_unit == 'day' else 1)
                    for s in Step.by_state(version).values())
        result = {n: {r.id: None for r in requests} for n in names}
        records = History.search([('request', 'in', [r.id for r in requests])])
        by_request = {}
        for record in records:
            by_request.setdefault(record.request.id, []).append(record)
        times = History.get_time(records, ['time_used', 'time_left', 'timing'])
        now = clock.now()
        for request in requests:
            history = by_request.get(request.id, [])
            current = [h for h in history if not h.finished]
            current = current[0] if current else None
            used = sum(times['time_used'][h.id] or 0 for h in history)
            total_standard = standards[
                request.sop_version.id if request.sop_version else None]
            values = {
                'total_standard': total_standard,
                'total_used': used if history else None,
                'total_left': (total_standard - used) if history else None,
                }
            if current:
                values.update({
                        'deadline': current.deadline,
                        'time_used': times['time_used'][current.id],
                        'time_left': times['time_left'][current.id],
                        'timing': times['timing'][current.id],
                        })
                start = now if not current.is_pause else None
                if start and values['total_left'] is not None:
                    values['overall_deadline'] = to_utc(work_calendar().add(
                            to_local(start), max(values['total_left'], 0)))
            for name in names:
                result[name][request.id] = values.get(name)
        return result

    @classmethod
    def search_timing(cls, name, clause):
        History = Pool().get('egov.request.history')
        return [('history', 'where', History.search_timing(name, clause))]

    # --- Queue order: the open step's timing, then its deadline ---------
    # The staff queues (request.xml) list late steps first, then nearly late
    # ones, each by deadline, then by submission. The figures live on the
    # open history record (finished is NULL; one per request, as
    # _record_move closes a step before it opens the next): one LEFT JOIN
    # on the open records, served by the partial index of
    # egov.request.history, and the timing compared with now in SQL.

    @classmethod
    def _open_step_table(cls, tables):
        "The open step of each request, joined once per query"
        History = Pool().get('egov.request.history')
        table, _ = tables[None]
        if 'open_step' not in tables:
            history = History.__table__()
            # Grouped, so that a request never comes back twice.
            open_step = history.select(
                history.request.as_('request'),
                Min(history.deadline).as_('deadline'),
                Min(history.nearly_late_at).as_('nearly_late_at'),
                where=history.finished == Null,
                group_by=[history.request])
            tables['open_step'] = {
                None: (open_step, open_step.request == table.id),
                }
        open_step, _ = tables['open_step'][None]
        return open_step

    @classmethod
    def order_timing(cls, tables):
        """Late (0), nearly late (1), on time (2), then the requests
        without a running step (3): paused, drafts, decided"""
        open_step = cls._open_step_table(tables)
        now = clock.now()
        return [Case(
                (open_step.deadline < now, 0),
                (open_step.nearly_late_at <= now, 1),
                (open_step.deadline != Null, 2),
                else_=3)]

    @classmethod
    def order_deadline(cls, tables):
        return [cls._open_step_table(tables).deadline]

    @classmethod
    def _my_waiting_domain(cls):
        pool = Pool()
        Step = pool.get('egov.step')
        Version = pool.get('egov.sop.version')
        Category = pool.get('egov.category')
        ModelData = pool.get('ir.model.data')
        groups = cls._queue_groups()
        domain = ['OR']
        # Each request waits at the step of its own SOP version; one
        # without a version (not yet submitted) follows the one in force.
        current = Version.in_force_at()
        for step in Step.search([]):
            versions = [step.version.id]
            if current and step.version == current:
                versions.append(None)
            version = ('sop_version', 'in', versions)
            if step.route_by_category:
                categories = Category.search([
                        ('team_group', 'in', list(groups)),
                        ])
                if categories:
                    domain.append([
                            ('state', '=', step.state),
                            ('category', 'in', [c.id for c in categories]),
                            version,
                            ])
            elif groups & {g.id for g in step.groups}:
                domain.append([version, cls._waiting_domain(
                            step, groups & {g.id for g in step.groups})])
        # A contributor waits on a step until its part is written.
        for state, shared in cls._shared_step_fields.items():
            for fs_id, names in shared.items():
                if ModelData.get_id('egov_app_request', fs_id) in groups:
                    domain.append([('state', '=', state),
                            ['OR'] + [(n, 'in', [None, '']) for n in names]])
        if ModelData.get_id('egov_app_request', 'group_opd') in groups:
            domain.append(('state', 'in', list(OPD_STATES)))
        return domain if len(domain) > 1 else [('id', '=', -1)]

    @classmethod
    def _queue_groups(cls):
        "The groups whose requests wait in the current user's queue"
        return set(Pool().get('res.user').get_groups())

    @classmethod
    def _waiting_domain(cls, step, roles):
        "The requests at `step` that wait for a user of `roles`"
        return ('state', '=', step.state)

    @classmethod
    def get_waiting_for_me(cls, requests, name):
        waiting = cls.search([
                ('id', 'in', [r.id for r in requests]),
                cls._my_waiting_domain(),
                ])
        return {r.id: r in waiting for r in requests}

    @classmethod
    def search_waiting_for_me(cls, name, clause):
        _, operator, value = clause
        domain = cls._my_waiting_domain()
        if (operator == '=') != bool(value):
            domain = ['NOT', domain]
        return domain

    # --- Checks ----------------------------------------------------------

    @classmethod
    def check_responsible(cls, requests):
        "Refuse unless the user is in the group responsible for the step"
        pool = Pool()
        User = pool.get('res.user')
        transaction = Transaction()
        if transaction.user == 0:
            return
        groups = set(User.get_groups())
        for request in requests:
            if request.state in OPD_STATES:
                # The record rules keep OPD users to their own OPD.
                continue
            responsible = request.responsible_groups()
            if not groups & {g.id for g in responsible}:
                raise NotResponsibleError(gettext(
                        'egov_app_request.msg_not_responsible',
                        request=request.rec_name,
                        step=request.state_string,
                        groups=', '.join(g.name for g in responsible)))

    def check_eligible_organization(self):
        "SOP warning 1: only an OPD submits; a unit goes through its parent"
        opd = self.opd
        if opd and not opd.may_submit:
            parent = opd.submitting_parent
            if parent:
                raise IneligibleOrganizationError(gettext(
                        'egov_app_request.msg_ineligible_opd',
                        opd=opd.name, type=opd.type.name, parent=parent.name))
            raise IneligibleOrganizationError(gettext(
                    'egov_app_request.msg_ineligible_opd_no_parent',
                    opd=opd.name, type=opd.type.name))

    @classmethod
    def check_eligible_position(cls):
        "SOP warning 2: only the listed positions submit"
        pool = Pool()
        User = pool.get('res.user')
        Position = pool.get('egov.position')
        if Transaction().user == 0:
            return
        user = User(Transaction().user)
        if not user.egov_position or not user.egov_position.may_submit:
            allowed = Position.search([('may_submit', '=', True)])
            raise IneligiblePositionError(gettext(
                    'egov_app_request.msg_ineligible_position',
                    position=(user.egov_position.name
                        if user.egov_position else '-'),
                    positions=' / '.join(p.name for p in allowed)))

    def _require_contributions(self):
        "Another role's part of the step is written, or the message names it"
        for group, names in self.contributions().items():
            raise StepRequirementError(gettext(
                    'egov_app_request.msg_contribution_missing',
                    request=self.rec_name, fields=self.field_labels(names),
                    group=group.name, step=self.state_string))

    def _require(self, *field_names):
        labels = self.fields_get(list(field_names))
        for name in field_names:
            value = getattr(self, name)
            if isinstance(value, str):
                value = value.strip()
            if not value:
                raise StepRequirementError(gettext(
                        'egov_app_request.msg_step_requirement',
                        request=self.rec_name,
                        field=labels[name]['string']))

    @classmethod
    def _editable_fields(cls, request, groups):
        if request.state in OPD_STATES:
            return OPD_FIELDS
        ModelData = Pool().get('ir.model.data')
        shared = set()
        for fs_id, names in cls._shared_step_fields.get(
                request.state, {}).items():
            if ModelData.get_id('egov_app_request', fs_id) in groups:
                shared |= names
        if not groups & {g.id for g in request.responsible_groups()}:
            return shared
        return (cls._step_fields.get(request.state, set()) | {'step_note'}
            | shared)

    @classmethod
    def check_modification(cls, mode, requests, values=None, external=False):
        """A user writes only what the request's step lets them (the
        message names who writes the field: CheckModificationFirstMixin runs
        this before the platform's field access rules); a submitted request
        is never deleted"""
        super().check_modification(
            mode, requests, values=values, external=external)
        if mode == 'write' and external:
            cls._check_direct_write(requests, values)
        elif mode == 'delete':
            for request in requests:
                if request.state != 'draft':
                    raise DeleteSubmittedError(gettext(
                            'egov_app_request.msg_delete_submitted',
                            request=request.rec_name))

    @classmethod
    def _check_direct_create(cls, vlist):
        """A request is created with what the OPD fills in; the procedure
        sets the rest (copies and clients send empty or default values
        too)"""
        labels = cls.fields_get()
        for values in vlist:
            for name, value in values.items():
                if (name not in OPD_FIELDS | {'opd'}
                        and value not in {None, False, '', 'draft'}):
                    raise ProtectedFieldError(gettext(
                            'egov_app_request.msg_protected_field_create',
                            field=labels.get(name, {}).get('string', name)))

    @classmethod
    def _check_direct_write(cls, requests, values):
        """Users change only what their step lets them; the workflow the
        rest. A value sent unchanged is no change: clients send the fields
        of the form they show."""
        User = Pool().get('res.user')
        groups = set(User.get_groups())
        with without_check_access():
            # Name the field even to those who may not read it.
            labels = cls.fields_get(list(values))
        for request in requests:
            allowed = cls._editable_fields(request, groups)
            for name, value in values.items():
                if name in allowed or not request._changes(name, value):
                    continue
                raise ProtectedFieldError(gettext(
                        'egov_app_request.msg_protected_field',
                        field=labels.get(name, {}).get('string', name),
                        request=request.rec_name,
                        step=request.state_string,
                        owners=request._field_owners(name)))

    def _changes(self, name, value):
        "Whether writing `value` into the field `name` changes it"
        field = self._fields.get(name)
        if field is None:
            return True
        if field._type in {'one2many', 'many2many'}:
            # A list of actions: none is no change.
            return bool(value)
        current = getattr(self, name)
        if isinstance(current, ModelSQL):
            current = current.id
        if field._type in {'char', 'text', 'selection', 'boolean'}:
            # Empty and unset read alike on every screen.
            current, value = current or None, value or None
        return current != value

    def _field_owners(self, name):
        "Who writes the field `name`, and at which step: for the messages"
        pool = Pool()
        Group = pool.get('res.group')
        Category = pool.get('egov.category')
        ModelData = pool.get('ir.model.data')
        steps = self.sop_steps()
        step_names = dict(self.fields_get(['state'])['state']['selection'])
        owners = []
        if name in OPD_FIELDS:
            owners.append(gettext('egov_app_request.msg_owner_opd',
                    opd=self.opd.rec_name if self.opd else '-'))
        for state, step in steps.items():
            # The step note belongs to whoever acts on the current step.
            note = {'step_note'} if state == self.state else set()
            if name in self._step_fields.get(state, set()) | note:
                if state == self.state:
                    groups = self.responsible_groups()
                elif step.route_by_category:
                    groups = [c.team_group for c in Category.search([])]
                else:
                    groups = step.groups
                owners.append(gettext('egov_app_request.msg_owner_step',
                        groups=' / '.join(g.name for g in groups) or '-',
                        step=step_names[state]))
            for fs_id, shared in self._shared_step_fields.get(
                    state, {}).items():
                if name in shared:
                    group = Group(ModelData.get_id('egov_app_request', fs_id))
                    owners.append(gettext('egov_app_request.msg_owner_step',
                            groups=group.name, step=step_names[state]))
        if not owners:
            owners.append(gettext('egov_app_request.msg_owner_procedure'))
        return '; '.join(owners)

    # --- Storage ---------------------------------------------------------

    @classmethod
    def create(cls, vlist):
        # What a user sets by creating a request is checked on the values
        # sent, here: check_modification('create') sees only the records
        # once created (with their defaults), after the platform's field
        # access rules, and could not name the field the user set.
        if cls._external():
            cls._check_direct_create(vlist)
        # Network calls only (portal, JSON-RPC): throttle.py.
        pool = Pool()
        pool.get('egov.throttle').check(
            'request', amount=len(vlist), record=True, model=cls.__name__)
        requests = super().create(vlist)
        for request in requests:
            request.check_eligible_organization()
        return requests

    @classmethod
    def on_write(cls, requests, values):
        """After the write rules, before the platform's check of the
        versions: a save on a form loaded before another's change is
        merged; the role of a step is told when a contributor wrote its
        part"""
        callbacks = super().on_write(requests, values)
        cls._merge_concurrent_save(requests, values)
        awaited = [(r, r.contributions()) for r in requests
            if cls._shared_step_fields.get(r.state)]
        if awaited:
            callbacks.append(lambda: cls._tell_inputs_given(awaited))
        return callbacks

    @classmethod
    def _tell_inputs_given(cls, awaited):
        "The role of a step is told when a contributor wrote its part"
        Notice = Pool().get('egov.notice')
        for request, before in awaited:
            if not before:
                continue
            after = cls(request.id).contributions()
            given = [n for names in before.values() for n in names
                if n not in {m for ms in after.values() for m in ms}]
            if given:
                Notice.input_given(cls(request.id), given,
                    Transaction().user)

    @classmethod
    def _merge_concurrent_save(cls, requests, values):
        """Several people work on one request at once: the contributor of
        step 7 beside its team, the two Kepala Bidang of step 8. A save
        made on a form loaded before another's change goes through when
        none of the fields it writes changed since (the versions are in
        the history table); otherwise the platform's concurrency check
        refuses it, and nothing anybody wrote is overwritten unseen."""
        transaction = Transaction()
        timestamps = transaction.timestamp
        if not timestamps:
            return
        names = [n for n in values
            if n in cls._fields
            and cls._fields[n]._type not in {'one2many', 'many2many'}
            and not isinstance(cls._fields[n], fields.Function)]
        loaded = {}
        for request in requests:
            key = f'{cls.__name__},{request.id}'
            if timestamps.get(key) is not None:
                loaded[request.id] = key
        if not loaded:
            return
        with without_check_access():
            now = {r['id']: r for r in cls.read(
                    list(loaded), ['_timestamp', *names])}
            for id_, key in loaded.items():
                seen = timestamps[key]
                if now[id_]['_timestamp'] == seen:
                    continue  # nobody changed it: nothing to merge
                # The version the form was loaded from (the timestamp is
                # that version's write date in seconds since the epoch).
                at = dt.datetime.fromtimestamp(
                    float(seen), dt.timezone.utc).replace(tzinfo=None)
                with transaction.set_context(
                        _datetime=at + dt.timedelta(milliseconds=1)):
                    then = cls.read([id_], ['_timestamp', *names])
                if (then and then[0]['_timestamp'] == seen
                        and all(then[0][n] == now[id_][n] for n in names)):
                    del timestamps[key]

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if 'step_note' in values and 'step_note_by' not in values:
            # Whose note it is: a validation of step 8 takes only its
            # validator's own note as its reason.
            values['step_note_by'] = (
                (Transaction().user or None)
                if (values['step_note'] or '').strip() else None)
        return values

    @classmethod
    def copy(cls, requests, default=None):
        default = default.copy() if default is not None else {}
        for name in sorted(cls._copy_reset):
            default.setdefault(name, None)
        default.setdefault('state', 'draft')
        return super().copy(requests, default=default)

    # --- Audit trail -----------------------------------------------------

    def _refuse_click(self, sources):
        """Why a button of the steps `sources` changes nothing on this
        request: another user acted on it (it had been at that step and has
        moved on, as its history shows), or it is not at that step"""
        History = Pool().get('egov.request.history')
        with without_check_access():
            passed = 'draft' in sources or History.search([
                    ('request', '=', self.id),
                    ('state', 'in', list(sources)),
                    ('finished', '!=', None),
                    ], limit=1)
        if passed:
            raise StaleClickError(gettext(
                    'egov_app_request.msg_stale_click',
                    request=self.rec_name,
                    state=self.state_string))
        names = dict(self.fields_get(['state'])['state']['selection'])
        raise WrongStepError(gettext(
                'egov_app_request.msg_wrong_step',
                request=self.rec_name,
                step=', '.join(names.get(s, s) for s in sources),
                state=self.state_string))

    @classmethod
    def _record_move(cls, requests, outcomes, left=None):
        """Close the history record of the step that ended and open one for
        the step that starts, with its deadline in working time.

        Every state change leaves a finished record naming who made it and
        when (actor, finished): a state that had no open record (the draft,
        which the OPD's submit ends) gets one, from its start to now."""
        pool = Pool()
        History = pool.get('egov.request.history')
        transaction = Transaction()
        now = clock.now()
        open_records = {h.request.id: h for h in History.search([
                    ('request', 'in', [r.id for r in requests]),
                    ('finished', '=', None),
                    ])}
        to_close, to_open, to_create_closed = [], [], []
        ended = {}
        for request in requests:
            record = open_records.get(request.id)
            if record:
                ended[request.id] = record.state
                to_close.extend(([record], {
                            'finished': now,
                            'actor': transaction.user or None,
                            'outcome': outcomes.get(request.id),
                            'notes': request.step_note,
                            'output': (request._step_output(record.state)
                                or record.output),
                            'used_minutes': record.working_minutes(now),
                            }))
            elif (left or {}).get(request.id) not in {None, request.state}:
                # Submit: the draft had no record (no step, no deadline).
                state = left[request.id]
                ended[request.id] = state
                to_create_closed.append({
                        'request': request.id,
                        'state': state,
                        'responsible': (request.opd.rec_name
                            if state in OPD_STATES else None),
                        'started': (min(request.create_date.replace(
                                    microsecond=0), now)
                            if state == 'draft' and request.create_date
                            else now),
                        'finished': now,
                        'actor': transaction.user or None,
                        'outcome': outcomes.get(request.id) or (
                            'submitted' if state == 'draft' else None),
                        'notes': request.step_note,
                        })
            steps = request.sop_steps()
            if request.state in steps or request.state == 'incomplete':
                step = steps.get(request.state)
                values = {
                    'request': request.id,
                    'state': request.state,
                    'step': step.id if step else None,
                    'responsible': request.responsible,
                    'started': now,
                    }
                if record and request.state in OPD_STATES:
                    # The pause keeps its reason: the output of the step
                    # that paused (what the OPD must complete).
                    values['output'] = request._step_output(record.state)
                if step:
                    values.update(History.standard_of(
                            step, now, resumed=(
                                record if record
                                and record.state == 'incomplete' else None)))
                to_open.append(values)
        if to_close:
            History.write(*to_close)
        if to_create_closed or to_open:
            History.create(to_create_closed + to_open)
        super().write(list(requests), {'step_note': None})
        cls._prepare_steps(requests)
        # The document of the step that ended (receipt, checklist, sheets,
        # reply letter) is issued in this same transaction: a move and its
        # document stand or fall together.
        pool.get('egov.request.letter').issue_for_move(requests, outcomes)
        cls._notify_moves(requests, outcomes, ended)

    @classmethod
    def _notify_moves(cls, requests, outcomes, ended):
        """Tell the role whose step starts, and the OPD what concerns it;
        the notices of the step that ended stop asking"""
        Notice = Pool().get('egov.notice')
        for request in requests:
            Notice.request_moved(request, outcomes.get(request.id),
                ended=ended.get(request.id))

    @classmethod
    def _prepare_steps(cls, requests):
        """What a step starts with: the lines of its structured content
        (checklist, feasibility criteria); a step adds what else it fills
        from the request."""
        prepare_step(requests)

    @classmethod
    def _procedure_write(cls, requests, values):
        """Write what the procedure sets, not a user's save: no merge of
        concurrent saves, no notice of a contribution (write())"""
        super().write(requests, values)

    def _step_output_names(self, state):
        "The fields whose values the history record of `state` keeps"
        return self._step_outputs.get(state, [])

    def _step_output(self, state):
        "A snapshot of what the step produced, kept in its history record"
        names = self._step_output_names(state)
        lines = []
        labels = self.fields_get(names)
        for name in names:
            value = getattr(self, name)
            if not value:
                continue
            if labels[name]['type'] == 'selection':
                value = getattr(self, f'{name}_string')
            elif hasattr(value, 'rec_name'):
                value = value.rec_name
            lines.append(f"{labels[name]['string']}: {value}")
        # The structured lines as they stood when the step ended.
        if state in self._step_lines:
            field, _, result = self._step_lines[state]
            for line in getattr(self, field):
                note = f' ({line.note})' if line.note else ''
                lines.append(f"- {line.rec_name}: "
                    f"{getattr(line, f'{result}_string')}{note}")
        return '\n'.join(lines) or None

    # --- What the validations (steps 5 and 8) share ---------------------

    @classmethod
    def _require_reason(cls, requests):
        "Returning or rejecting always says why (in the step note)"
        for request in requests:
            request._require('step_note')

    @classmethod
    def _record_validation(cls, requests, analysis, decision):
        "Keep the validation as a record of its own (steps 5 and 8)"
        Validation = Pool().get('egov.request.validation')
        for request in requests:
            Validation.record(request, analysis, decision, request.step_note)

    @classmethod
    def _conclude_rejection(cls, requests):
        cls._require_reason(requests)
        cls.write(requests, {'rejection_concluded': True})
