"""The structured content of the SOP's analyses.

- Step 2: the completeness checklist. Its items are data per kind of
  request (`egov.checklist.item`); each request gets one line per item when
  step 2 starts, marked present / missing / not applicable with a note.
- Step 4: the feasibility analysis. Its criteria are data
  (`egov.feasibility.criterion`); each request gets one line per criterion
  when step 4 starts, assessed with a note.
- Steps 5 and 8: each validation (validated / returned for revision /
  rejection concluded) is a record of its own: decision, reason, validator,
  position, time, the role validated for and the pass of the step. Nobody
  writes or deletes one.

Lines are written only by the role of their step, while the request is at
that step (the request's own field checks do the same on its form)."""
from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, ModelSQL, ModelView, Unique, fields, sequence_ordered)
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.transaction import Transaction, without_check_access

from . import clock
from .access import CheckModificationFirstMixin, RelationRuleMixin
from .exceptions import (
    HistoryImmutableError, ProtectedFieldError, StepRequirementError)
from .letter import position_of

KINDS = [
    ('all', "All Requests"),
    ('new', "New Applications Only"),
    ('development', "Development Only"),
    ]


class ChecklistItem(DeactivableMixin, sequence_ordered(), ModelSQL, ModelView):
    "Completeness checklist item (step 2)"
    __name__ = 'egov.checklist.item'
    __string__ = "Checklist Item"
    name = fields.Char("Item", required=True, translate=True)
    description = fields.Text(
        "What to Check", translate=True,
        help="What the ICT governance team looks for in the documents.")
    kinds = fields.Selection(KINDS, "Applies to", required=True)
    document_type = fields.Many2One(
        'egov.document.type', "Document Type", ondelete='SET NULL',
        help="The document that supplies the item: the portal preselects "
        "it for the OPD when the item is missing.")

    @classmethod
    def default_kinds(cls):
        return 'all'

    def applies_to(self, kind):
        return self.kinds in {'all', kind}


class FeasibilityCriterion(
        DeactivableMixin, sequence_ordered(), ModelSQL, ModelView):
    "Feasibility criterion (step 4)"
    __name__ = 'egov.feasibility.criterion'
    __string__ = "Feasibility Criterion"
    name = fields.Char("Criterion", required=True, translate=True)
    basis = fields.Text(
        "Basis", translate=True,
        help="The regulation or policy the criterion comes from.")


class StepLineMixin(CheckModificationFirstMixin):
    """A line of a step's structured content: created by the workflow when
    the step starts, written by the step's role while it lasts."""
    __slots__ = ()
    # The state of the request in which the lines are written.
    _step_state = None
    # What the step's role writes on a line.
    _writable = set()
    # The line's item (checklist item, criterion), whose name is the line's.
    _named_by = None

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # Whoever may not read the request may not read its lines.
        cls.__access__.add('request')

    @classmethod
    def get_rec_name(cls, lines, name):
        """The names of the lines' items, read for all the lines at once:
        read line by line, through the item's own name, they cost half of
        the snapshot of a step's lines kept in its history (_step_output)"""
        Item = cls._fields[cls._named_by].get_target()
        items = {l.id: getattr(l, cls._named_by).id for l in lines}
        # Items and criteria are named by their name field (_rec_name).
        names = {i['id']: i[Item._rec_name] for i in Item.read(
                list(set(items.values())), [Item._rec_name])}
        return {id_: names[item] for id_, item in items.items()}

    @classmethod
    def check_modification(cls, mode, lines, values=None, external=False):
        super().check_modification(
            mode, lines, values=values, external=external)
        if not external:
            return
        if mode == 'create':
            # Lines come from the data (items, criteria), not from users.
            raise ProtectedFieldError(gettext(
                    'egov_app_request.msg_step_line_create'))
        elif mode == 'delete' and lines:
            raise ProtectedFieldError(gettext(
                    'egov_app_request.msg_step_line_delete'))
        elif mode == 'write':
            Request = Pool().get('egov.request')
            requests = Request.browse({l.request.id for l in lines})
            for name in set(values) - cls._writable:
                raise ProtectedFieldError(gettext(
                        'egov_app_request.msg_step_line_field',
                        field=cls.fields_get([name]).get(
                            name, {}).get('string', name)))
            for request in requests:
                if request.state != cls._step_state:
                    raise ProtectedFieldError(gettext(
                            'egov_app_request.msg_step_line_state',
                            request=request.rec_name,
                            step=request.state_string))
            Request.check_responsible(requests)


class ChecklistLine(
        RelationRuleMixin, StepLineMixin, ModelSQL, ModelView):
    "Completeness checklist line of a request"
    __name__ = 'egov.request.checklist'
    __string__ = "Checklist Line"
    _step_state = 'completeness'
    _writable = {'result', 'note'}
    _named_by = 'item'

    request = fields.Many2One(
        'egov.request', "Request", required=True, readonly=True,
        ondelete='CASCADE')
    item = fields.Many2One(
        'egov.checklist.item', "Item", required=True, readonly=True,
        ondelete='RESTRICT')
    sequence = fields.Integer("Sequence", readonly=True)
    result = fields.Selection([
            (None, ""),
            ('present', "Present"),
            ('missing', "Missing"),
            ('not_applicable', "Not Applicable"),
            ], "Result")
    result_string = result.translated('result')
    note = fields.Char("Note")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('item_unique', Unique(t, t.request, t.item),
                'egov_app_request.msg_checklist_item_unique'),
            ]
        cls._order = [('sequence', 'ASC'), ('id', 'ASC')]

    @classmethod
    def view_attributes(cls):
        return super().view_attributes() + [
            ('/tree', 'visual',
                If(Eval('result') == 'missing', 'danger', ''), ['result']),
            ]

    @classmethod
    def lines_for(cls, request):
        "The values of the lines a request lacks, from the active items"
        Item = Pool().get('egov.checklist.item')
        have = {l.item.id for l in request.checklist}
        return [{
                'request': request.id,
                'item': item.id,
                'sequence': item.sequence,
                } for item in Item.search([])
            if item.applies_to(request.kind) and item.id not in have]


class FeasibilityLine(StepLineMixin, ModelSQL, ModelView):
    "Feasibility assessment of a request against one criterion"
    __name__ = 'egov.request.feasibility'
    __string__ = "Feasibility Assessment"
    _step_state = 'feasibility'
    _writable = {'assessment', 'note'}
    _named_by = 'criterion'

    request = fields.Many2One(
        'egov.request', "Request", required=True, readonly=True,
        ondelete='CASCADE')
    criterion = fields.Many2One(
        'egov.feasibility.criterion', "Criterion", required=True,
        readonly=True, ondelete='RESTRICT')
    sequence = fields.Integer("Sequence", readonly=True)
    assessment = fields.Selection([
            (None, ""),
            ('met', "Met"),
            ('partly', "Partly Met"),
            ('not_met', "Not Met"),
            ('not_applicable', "Not Applicable"),
            ], "Assessment")
    assessment_string = assessment.translated('assessment')
    note = fields.Text("Note")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # Internal (see Validation): the access records decide alone, the
        # OPD's read access to the request gives none here.
        cls.__access__.discard('request')
        t = cls.__table__()
        cls._sql_constraints += [
            ('criterion_unique', Unique(t, t.request, t.criterion),
                'egov_app_request.msg_feasibility_criterion_unique'),
            ]
        cls._order = [('sequence', 'ASC'), ('id', 'ASC')]

    @classmethod
    def view_attributes(cls):
        return super().view_attributes() + [
            ('/tree', 'visual',
                If(Eval('assessment') == 'not_met', 'danger',
                    If(Eval('assessment') == 'partly', 'warning', '')),
                ['assessment']),
            ]

    @classmethod
    def lines_for(cls, request):
        "The values of the lines a request lacks, from the active criteria"
        Criterion = Pool().get('egov.feasibility.criterion')
        have = {l.criterion.id for l in request.feasibility_lines}
        return [{
                'request': request.id,
                'criterion': criterion.id,
                'sequence': criterion.sequence,
                } for criterion in Criterion.search([])
            if criterion.id not in have]


# The state whose lines each step fills, and the line model.

def without_unreadable_fields(cls, definition):
    """The field definitions a user may read: the analyses stay inside
    Diskominfo (ir.model.field.access in analysis.xml), so a client of
    another group is not even told of them (proteus and scripts read every
    field they are told of; the web client reads only its views')."""
    if not Transaction().check_access:
        return definition
    FieldAccess = Pool().get('ir.model.field.access')
    access = FieldAccess.get_access([cls.__name__])[cls.__name__]
    return {name: value for name, value in definition.items()
        if access.get(name, {}).get('read', True)}


def prepare_step(requests):
    """When a step starts: give the requests the lines of its structured
    content (checklist items, feasibility criteria) they lack. Lines kept
    from an earlier pass keep what was written on them."""
    pool = Pool()
    for request in requests:
        found = request._step_lines.get(request.state)
        if not found:
            continue
        _, model, _ = found
        Line = pool.get(model)
        with without_check_access():
            values = Line.lines_for(request)
            if values:
                Line.create(values)


def require_lines_filled(request):
    "Every line of the step's content has its result"
    field, _, result = request._step_lines[request.state]
    lines = getattr(request, field)
    if not lines:
        raise StepRequirementError(gettext(
                'egov_app_request.msg_step_requirement',
                request=request.rec_name,
                field=request.field_strings([field])[field]))
    empty = [l.rec_name for l in lines if not getattr(l, result)]
    if empty:
        raise StepRequirementError(gettext(
                'egov_app_request.msg_step_lines_unfilled',
                request=request.rec_name,
                field=request.field_strings([field])[field],
                lines=', '.join(empty)))


class Validation(CheckModificationFirstMixin, ModelSQL, ModelView):
    "Validation of an analysis (steps 5 and 8)"
    __name__ = 'egov.request.validation'
    __string__ = "Validation"
    _rec_name = 'reason'

    request = fields.Many2One(
        'egov.request', "Request", required=True, readonly=True,
        ondelete='RESTRICT')
    analysis = fields.Selection([
            ('feasibility', "Feasibility Analysis (Step 5)"),
            ('technical', "Technical Analysis (Step 8)"),
            ], "Analysis", required=True, readonly=True)
    analysis_string = analysis.translated('analysis')
    decision = fields.Selection([
            ('validated', "Validated"),
            ('revision', "Returned for Revision"),
            ('rejection', "Rejection Concluded"),
            ], "Decision", required=True, readonly=True)
    decision_string = decision.translated('decision')
    reason = fields.Text("Reason", readonly=True)
    validator = fields.Many2One(
        'res.user', "Validator", readonly=True, ondelete='RESTRICT')
    position = fields.Char(
        "Position", readonly=True,
        help="The validator's position when they validated.")
    validated_at = fields.DateTime("Validated at", readonly=True)
    role = fields.Many2One(
        'res.group', "Role", readonly=True, ondelete='RESTRICT',
        help="The role of the step the validator validated for: where a "
        "step needs several validators (step 8), one for each of its "
        "roles.")
    step_pass = fields.Many2One(
        'egov.request.history', "Step Pass", readonly=True,
        ondelete='RESTRICT',
        help="The pass of the step the validation belongs to: after a "
        "revision, the step is validated anew.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # Internal: not `__access__ = {'request'}`, which would give
        # whoever reads the request (the OPD) read access to its
        # validations (ir.model.access takes the best of both); the access
        # records of analysis.xml decide alone.
        cls._order = [('validated_at', 'ASC'), ('id', 'ASC')]

    def get_rec_name(self, name):
        return f'{self.analysis_string}: {self.decision_string}'

    @classmethod
    def record(cls, request, analysis, decision, reason, role=None):
        """Keep the validation of `analysis` by the current user, at this
        moment, in the pass of the step now open. `role` is the role of the
        step they validate for; by default their first role of the step."""
        pool = Pool()
        User = pool.get('res.user')
        History = pool.get('egov.request.history')
        transaction = Transaction()
        user = User(transaction.user) if transaction.user else None
        if role is None and user:
            groups = set(User.get_groups())
            roles = [g for g in request.responsible_groups()
                if g.id in groups]
            role = roles[0] if roles else None
        with without_check_access():
            step_pass = History.search([
                    ('request', '=', request.id),
                    ('finished', '=', None),
                    ], limit=1)
            validation, = cls.create([{
                        'request': request.id,
                        'analysis': analysis,
                        'decision': decision,
                        'reason': reason,
                        'validator': user.id if user else None,
                        'position': cls._position_of(request, user),
                        'validated_at': clock.now(),
                        'role': role.id if role else None,
                        'step_pass': step_pass[0].id if step_pass else None,
                        }])
        return validation

    @classmethod
    def _position_of(cls, request, user):
        "The position the validator validates `request` in"
        return position_of(user)

    @classmethod
    def check_modification(cls, mode, records, values=None, external=False):
        super().check_modification(
            mode, records, values=values, external=external)
        # Recorded by the validate buttons only; never changed nor
        # removed afterwards, not even by the administrator.
        if ((mode == 'create' and external)
                or (mode == 'write')
                or (mode == 'delete' and records)):
            raise HistoryImmutableError(gettext(
                    'egov_app_request.msg_validation_immutable'))

