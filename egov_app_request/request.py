"""The request for a new or developed e-Government application and its moves
through the nine SOP steps.

This is the core of `egov.request`: what the OPD fills in, the state
machine's machinery (from_state, step_move, the audit trail of
_record_move), the current step, the SOP's checks of who may submit and
what a step requires, and the central tables the steps fill in. Three
files extend the core by concept: request_timing.py (the current step's
time standard, deadline and timing, and the queues' order by them),
request_queue.py (the role of the current step, the "waiting for me"
queue, the check that only that role moves the request) and
request_edit.py (the write rules, and how concurrent saves are merged).
Each SOP step (or pair of steps) extends the request in a file of its
own, step_*.py, with its fields, buttons, transitions, checks and output,
and declares its part of the central tables in its __setup__
(_step_fields, _shared_step_fields, _step_outputs, _step_lines,
_button_steps, _copy_reset, _opd_notices).

States and moves are code; who acts on a step, its time standard and the
required documents are data (sop.py)."""
from functools import wraps

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Workflow, fields
from trytond.pool import Pool
from trytond.pyson import Eval, Id, If
from trytond.tools.string_ import LazyString
from trytond.transaction import Transaction, without_check_access

from .access import CheckModificationFirstMixin, RelationRuleMixin
from .exceptions import (
    IneligibleOrganizationError, IneligiblePositionError, StaleClickError,
    StepRequirementError, WrongStepError)
from .analysis import prepare_step, without_unreadable_fields
from .feedback import feedback_action, wants_feedback
from .sop import STATES, STEP_NUMBERS
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
            refused = [r for r in requests if r.state not in sources]
            if refused and transaction.user and transaction.check_access:
                # Tell nothing about a request the user may not read (a
                # click that goes on meets the same check in the button,
                # ModelView.button).
                Pool().get('ir.model.access').check(cls.__name__, 'read')
                cls.read([r.id for r in requests], ['id'])
            for request in refused:
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
    request that returns it. Only the step's responsible groups may move.
    The button sets its values on the records without saving them: the
    move writes each request once (Request._move)."""
    def decorator(func):
        @wraps(func)
        def wrapper(cls, requests, *args, **kwargs):
            cls.check_responsible(requests)
            outcomes = {
                r.id: outcome(r) if callable(outcome) else outcome
                for r in requests}
            left = {r.id: r.state for r in requests}
            result, notes, outputs = cls._move(
                target, func, requests, *args, **kwargs)
            cls._record_move(cls.browse(requests), outcomes, left=left,
                notes=notes, outputs=outputs)
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
        return Pool().get('res.user').egov_opd_id(Transaction().user)

    @classmethod
    def default_rejection_concluded(cls):
        return False

    @classmethod
    def fields_get(cls, fields_names=None, level=0):
        return without_unreadable_fields(
            cls, super().fields_get(fields_names, level=level))

    @classmethod
    def field_strings(cls, names):
        """The labels of the fields `names` in the user's language, as
        fields_get gives them, without building the fields' whole
        definitions (fields_get of a few fields cost as much as the rest of
        a step's output): {name: label}"""
        Translation = Pool().get('ir.translation')
        language = Transaction().language
        labels = {}
        for name in names:
            field = cls._fields.get(name)
            if field is None:
                continue
            key = f'{cls.__name__},{name}'
            label = ''
            for source in field.string:
                if not isinstance(source, LazyString):
                    source = (Translation.get_source(
                            key, 'field', language, source) or source)
                label += source
            labels[name] = label
        return labels

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

    # --- Current step (its role: request_queue.py; its standard and
    # deadline: request_timing.py) ---------------------------------------

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

    # --- Checks ----------------------------------------------------------

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
    def check_eligible_organizations(cls, requests):
        """check_eligible_organization of each request, whether its
        organization may submit asked of the organizations' cache
        (Organization.submitting): only a request whose OPD may not submit
        is checked record by record, for its message"""
        Opd = Pool().get('egov.opd')
        opd_ids = {r.opd.id for r in requests if r.opd}
        submitting = Opd.submitting(opd_ids) if opd_ids else {}
        for request in requests:
            if request.opd and not submitting.get(request.opd.id):
                request.check_eligible_organization()

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
        for name in field_names:
            value = getattr(self, name)
            if isinstance(value, str):
                value = value.strip()
            if not value:
                raise StepRequirementError(gettext(
                        'egov_app_request.msg_step_requirement',
                        request=self.rec_name,
                        field=self.field_strings([name])[name]))

    # --- Storage ---------------------------------------------------------

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
    def _move(cls, target, func, requests, *args, **kwargs):
        """Run the button `func` and move `requests` to `target` in one
        write of each request: what the button set on the records, the new
        state and the step note cleared for the next step.

        As Workflow.transition: only the requests allowed to go to `target`
        (cls._transitions) are passed to the button and moved, a request the
        button moved elsewhere stays there, and the move is logged
        (ir.model.log). Returns the button's result, the step notes of the
        step that ends, {id: note}, and what it produced, {id: (state,
        _step_output)}, for its history record: taken before the save,
        while the records still hold what the button read (the step's
        lines), not read again after it."""
        assert len(requests) == len(set(requests)), "Duplicate records"
        allowed = [r for r in requests
            if (r.state, target) in cls._transitions]
        ended = {r.id: r.state for r in requests}
        to_update = {r: r.state for r in allowed if r.state != target}
        result = func(cls, allowed, *args, **kwargs)
        moved = [r for r, state in to_update.items() if r.state == state]
        notes = {r.id: r.step_note for r in requests}
        for request in requests:
            request.step_note = None
        for request in moved:
            request.state = target
            for name, value in cls._start_values(request, target).items():
                setattr(request, name, value)
        # Once moved (what a step's output holds may depend on where the
        # request goes: step 2 keeps its message only when it returns it).
        outputs = {r.id: (ended[r.id], r._step_output(ended[r.id]))
            for r in requests}
        cls.save(requests)
        if moved:
            cls._log_transition(moved, target)
        return result, notes, outputs

    @classmethod
    def _log_transition(cls, requests, target):
        """The `transition` entry of ir.model.log, as Workflow.transition
        writes it, in the context of the button's entry (ModelView.button)
        when there is one: trytond saves the entries of one context in one
        create (one validation, which reads the request), and only the
        access check of the context told them apart."""
        transaction = Transaction()
        button = [r for r in transaction.log_records
            if r.event == 'button' and r.resource in requests]
        if button:
            with transaction.reset_context(), \
                    transaction.set_context(button[-1]._context):
                cls.log(requests, 'transition',
                    f'{cls._transition_state}:{target}')
        else:
            cls.log(requests, 'transition',
                f'{cls._transition_state}:{target}')

    @classmethod
    def _record_move(cls, requests, outcomes, left=None, notes=None,
            outputs=None):
        """Close the history record of the step that ended and open one for
        the step that starts, with its deadline in working time.

        Every state change leaves a finished record naming who made it and
        when (actor, finished): a state that had no open record (the draft,
        which the OPD's submit ends) gets one, from its start to now.
        `notes`: the step notes of the step that ended, {id: note} (the
        move cleared them on the requests, _move); `outputs`: what the step
        produced, {id: (state, output)}, taken before the move's save."""
        notes = notes or {}
        outputs = outputs or {}

        def output(request, state):
            taken = outputs.get(request.id)
            if taken and taken[0] == state:
                return taken[1]
            return request._step_output(state)
        pool = Pool()
        History = pool.get('egov.request.history')
        transaction = Transaction()
        now = clock.now()
        open_records = {h.request.id: h for h in History.search([
                    ('request', 'in', [r.id for r in requests]),
                    ('finished', '=', None),
                    ])}
        to_close, to_open, to_create_closed = [], [], []
        # The state that ended and its outcome as recorded: {id: (state,
        # outcome)}, for the document of the step (issue_for_move).
        ended, ended_outcomes = {}, {}
        for request in requests:
            record = open_records.get(request.id)
            if record:
                ended[request.id] = record.state
                ended_outcomes[request.id] = (
                    record.state, outcomes.get(request.id))
                to_close.extend(([record], {
                            'finished': now,
                            'actor': transaction.user or None,
                            'outcome': outcomes.get(request.id),
                            'notes': notes.get(request.id),
                            'output': (output(request, record.state)
                                or record.output),
                            'used_minutes': record.working_minutes(now),
                            }))
            elif (left or {}).get(request.id) not in {None, request.state}:
                # Submit: the draft had no record (no step, no deadline).
                state = left[request.id]
                ended[request.id] = state
                ended_outcomes[request.id] = (state, outcomes.get(request.id)
                    or ('submitted' if state == 'draft' else None))
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
                        'outcome': ended_outcomes[request.id][1],
                        'notes': notes.get(request.id),
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
                    values['output'] = output(request, record.state)
                if step:
                    values.update(History.standard_of(
                            step, now, resumed=(
                                record if record
                                and record.state == 'incomplete' else None)))
                to_open.append(values)
        if to_close:
            History.write(*to_close)
        opened = {}
        if to_create_closed or to_open:
            created = History.create(to_create_closed + to_open)
            opened = {r.request.id: r
                for r in created[len(to_create_closed):]}
        cls._prepare_steps(requests)
        # The document of the step that ended (receipt, checklist, sheets,
        # reply letter) is issued in this same transaction: a move and its
        # document stand or fall together.
        pool.get('egov.request.letter').issue_for_move(
            requests, ended_outcomes)
        cls._notify_moves(requests, outcomes, ended, opened)

    @classmethod
    def _notify_moves(cls, requests, outcomes, ended, opened=None):
        """Tell the role whose step starts, and the OPD what concerns it;
        the notices of the step that ended stop asking. `opened`: the
        history records of the steps that start, {request id: record}
        (their deadline and timing are the notices'.)"""
        # With a worker, delivered after the commit (notice.py).
        Pool().get('egov.notice').moved(
            requests, outcomes, ended, opened or {})

    @classmethod
    def _start_values(cls, request, state):
        """What the procedure fills on `request` as it starts the step
        `state`, written with the move (_move): {field: value}"""
        return {}

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
        labels = self.field_strings(names)
        for name in names:
            value = getattr(self, name)
            if not value:
                continue
            if self._fields[name]._type == 'selection':
                value = getattr(self, f'{name}_string')
            elif hasattr(value, 'rec_name'):
                value = value.rec_name
            lines.append(f"{labels[name]}: {value}")
        # The structured lines as they stood when the step ended; their
        # results' words looked up once, not line by line.
        if state in self._step_lines:
            field, model, result = self._step_lines[state]
            step_lines = getattr(self, field)
            if step_lines:
                words = dict(Pool().get(model).fields_get(
                        [result])[result]['selection'])
            for line in step_lines:
                note = f' ({line.note})' if line.note else ''
                value = getattr(line, result)
                lines.append(f"- {line.rec_name}: "
                    f"{words.get(value, value or '')}{note}")
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
