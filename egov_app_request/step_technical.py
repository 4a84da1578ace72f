"""SOP steps 7 and 8: the technical analysis by the category's team, with
the infrastructure needs written by Sarana dan Prasarana TIK dan
Persandian (7), and its validation (8) by each role of the step, each
once: valid, back for revision, or the conclusion that the request is to
be rejected (signed at step 9).

The document issued is the technical analysis sheet (letter.py); the view
part, buttons and field access are in step_technical.xml."""
from functools import wraps

from sql import For

from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval
from trytond.transaction import Transaction, without_check_access

from .exceptions import AlreadyValidatedError
from .formatting import format_datetime_id
from .letter import LetterReport, StepDocument
from .request import (
    _readonly_unless, diskominfo_only, from_state, step_button, step_move)

TECHNICAL_SECTIONS = [
    'tech_architecture', 'tech_hosting', 'tech_integration',
    'tech_security_class', 'tech_security_needs', 'tech_infrastructure',
    'tech_effort_days']


def validates_once(func):
    """Refuse a second validation by the same person, with what it is
    waiting for, before the platform's button checks (which would only say
    that the button, hidden for them, cannot be pressed)."""
    @wraps(func)
    def wrapper(cls, requests, *args, **kwargs):
        for request in requests:
            request._check_not_validated_yet()
        return func(cls, requests, *args, **kwargs)
    return wrapper


class Request(metaclass=PoolMeta):
    __name__ = 'egov.request'

    tech_architecture = fields.Text(
        "Architecture and Technology", states=_readonly_unless('technical'))
    tech_hosting = fields.Selection([
            (None, ""),
            ('pusat_data', "Data Center of the City (Pusat Data Pemkot)"),
            ('pdn', "National Data Center (PDN)"),
            ], "Hosting", states=_readonly_unless('technical'))
    tech_hosting_string = tech_hosting.translated('tech_hosting')
    tech_integration = fields.Text(
        "Integration", states=_readonly_unless('technical'),
        help="Through SPLP (the government's integration layer) and with "
        "the existing systems.")
    tech_security_class = fields.Selection([
            (None, ""),
            ('strategis', "Strategic (Strategis)"),
            ('tinggi', "High (Tinggi)"),
            ('rendah', "Low (Rendah)"),
            ], "Security Classification", states=_readonly_unless('technical'),
        help="The category of the electronic system under Peraturan BSSN "
        "4/2021.")
    tech_security_class_string = tech_security_class.translated(
        'tech_security_class')
    tech_security_needs = fields.Text(
        "Security Needs", states=_readonly_unless('technical'))
    tech_infrastructure = fields.Text(
        "Infrastructure Needs", states=_readonly_unless('technical'),
        help="Servers, network and certificates; input from Sarana dan "
        "Prasarana TIK dan Persandian.")
    tech_effort_days = fields.Integer(
        "Effort (person-days)", states=_readonly_unless('technical'),
        domain=['OR',
            ('tech_effort_days', '=', None),
            ('tech_effort_days', '>=', 0),
            ])
    technical_analysis = fields.Text(
        "Technical Summary", states=_readonly_unless('technical'))
    technical_recommendation = fields.Selection([
            (None, ""),
            ('build', "Build"),
            ('develop', "Develop"),
            ('reuse', "Reuse an Existing Application"),
            ('reject', "Reject"),
            ], "Technical Recommendation",
        states=_readonly_unless('technical'))
    technical_recommendation_string = technical_recommendation.translated(
        'technical_recommendation')
    validated_by_me = fields.Function(
        fields.Boolean("Validated by Me",
            help="You have validated the technical analysis in this pass "
            "of step 8."),
        'get_validated_by_me')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._transitions |= {
            ('technical', 'technical_validation'),
            ('technical_validation', 'signing'),
            ('technical_validation', 'technical'),
            }
        cls.add_step_buttons('technical', {
                'submit_technical': step_button(
                    'technical', 'tryton-forward'),
                })
        cls.add_step_buttons('technical_validation', {
                # Each validator validates once: not offered again.
                'approve_technical': {
                    'invisible': ((Eval('state') != 'technical_validation')
                        | Bool(Eval('validated_by_me'))),
                    'icon': 'tryton-ok',
                    'depends': ['state', 'validated_by_me'],
                    },
                'revise_technical': step_button(
                    'technical_validation', 'tryton-back'),
                'reject_technical': step_button(
                    'technical_validation', 'tryton-cancel'),
                })
        cls._step_fields['technical'] = {
            'technical_analysis', 'technical_recommendation',
            *TECHNICAL_SECTIONS}
        # The infrastructure needs come from Sarana dan Prasarana TIK dan
        # Persandian.
        cls._shared_step_fields['technical'] = {
            'group_kabid_sarpras': {'tech_infrastructure'}}
        cls._step_outputs['technical'] = [
            'technical_recommendation', 'tech_hosting',
            'tech_security_class', 'tech_effort_days',
            'technical_analysis']
        cls._copy_reset |= {
            'technical_analysis', 'technical_recommendation',
            *TECHNICAL_SECTIONS}

    @classmethod
    def view_attributes(cls):
        return super().view_attributes() + [
            ('/form/notebook/page[@id="technical"]', 'states',
                {'invisible': diskominfo_only()}),
            ]

    @classmethod
    def _waiting_domain(cls, step, roles):
        if step.state != 'technical_validation':
            return super()._waiting_domain(step, roles)
        # Each role validates once: what the user's roles have validated
        # in the open pass waits for the others only.
        return [('state', '=', step.state),
            ('validations', 'not where', [
                    ('analysis', '=', 'technical'),
                    ('decision', '=', 'validated'),
                    ('role', 'in', list(roles)),
                    ('step_pass.finished', '=', None),
                    ])]

    @classmethod
    def get_validated_by_me(cls, requests, name):
        Validation = Pool().get('egov.request.validation')
        user = Transaction().user
        result = {r.id: False for r in requests}
        at_step = [r.id for r in requests
            if r.state == 'technical_validation']
        if at_step and user:
            with without_check_access():
                for validation in Validation.search([
                            ('request', 'in', at_step),
                            ('analysis', '=', 'technical'),
                            ('decision', '=', 'validated'),
                            ('validator', '=', user),
                            ('step_pass.finished', '=', None),
                            ]):
                    result[validation.request.id] = True
        return result

    @classmethod
    @from_state('technical')
    @ModelView.button
    @step_move('technical_validation', outcome='done')
    def submit_technical(cls, requests):
        "Step 7: the technical analysis is ready for validation"
        for request in requests:
            request._require_contributions()
            request._require(*TECHNICAL_SECTIONS,
                'technical_analysis', 'technical_recommendation')

    @classmethod
    @from_state('technical_validation')
    @validates_once
    @ModelView.button
    def approve_technical(cls, requests):
        """Step 8: valid. Each role of the step (data: both Kepala Bidang)
        validates once, each by a person of her own and with her own note;
        the request moves to step 9 once every role has validated."""
        Validation = Pool().get('egov.request.validation')
        cls.check_responsible(requests)
        cls._lock_rows(requests)
        user = Transaction().user or None
        complete = []
        for request in requests:
            role = request._validation_role()
            note_by = request.step_note_by.id if request.step_note_by else None
            own_note = note_by == user
            Validation.record(request, 'technical', 'validated',
                request.step_note if own_note else None, role=role)
            # Her note is her validation's reason and never another's: it
            # is cleared. Writing the row also tells a press waiting on the
            # lock that it must start again (and see this validation).
            cls._procedure_write([request], {'step_note': None} if own_note
                else {'step_note_by': note_by})
            if not request.pending_validation_roles():
                complete.append(request)
        if complete:
            cls._technical_validated(complete)

    @classmethod
    @step_move('signing', outcome='validated')
    def _technical_validated(cls, requests):
        "Step 8 ends: every role has validated; the history names them"
        for request in requests:
            given = [v for v in request.technical_validations()
                if v.validator]
            lines = []
            if given:
                lines.append(gettext('egov_app_request.msg_validated_by',
                        names=', '.join(v.validator.name for v in given)))
            lines.extend(f'{v.validator.name}: {v.reason}'
                for v in given if v.reason)
            cls._procedure_write(
                [request], {'step_note': '\n'.join(lines) or None})

    @classmethod
    def _lock_rows(cls, requests):
        """Hold the rows of `requests` until the transaction ends: a press
        made at the same moment waits here for this one to commit; as this
        one wrote the row, PostgreSQL (REPEATABLE READ) refuses the waiting
        transaction what it read before, and trytond retries that call
        whole, which then sees this press. (Tryton 8's cls.lock() takes
        the lock at the start of a retried transaction without waiting and
        gives up after a few short tries: the press that moves the request
        and issues its sheet takes longer.) SQLite writes one transaction
        at a time."""
        transaction = Transaction()
        if not requests or not transaction.database.has_select_for():
            return
        table = cls.__table__()
        cursor = transaction.connection.cursor()
        cursor.execute(*table.select(table.id,
                where=table.id.in_([r.id for r in requests]),
                for_=For('UPDATE')))

    def technical_validations(self):
        """The validations of the technical analysis given in the pass of
        step 8 now open, oldest first"""
        Validation = Pool().get('egov.request.validation')
        if self.state != 'technical_validation':
            return []
        with without_check_access():
            return Validation.search([
                    ('request', '=', self.id),
                    ('analysis', '=', 'technical'),
                    ('decision', '=', 'validated'),
                    ('step_pass.finished', '=', None),
                    ])

    def pending_validation_roles(self, given=None):
        "The roles of step 8 whose validation is awaited in this pass"
        if self.state != 'technical_validation':
            return []
        if given is None:
            given = self.technical_validations()
        done = {v.role.id for v in given if v.role}
        return [g for g in self.responsible_groups() if g.id not in done]

    @classmethod
    def _awaited(cls, roles):
        "The roles awaited, each with the names of its holders"
        texts = []
        with without_check_access():
            for role in roles:
                names = sorted(u.name for u in role.users if u.active)
                texts.append(f'{role.name} ({", ".join(names)})'
                    if names else role.name)
        return '; '.join(texts)

    def _check_not_validated_yet(self):
        "Refuse a second validation of this pass by the same person"
        user = Transaction().user
        given = self.technical_validations()
        mine = [v for v in given if v.validator and v.validator.id == user]
        if mine:
            raise AlreadyValidatedError(gettext(
                    'egov_app_request.msg_already_validated',
                    request=self.rec_name,
                    time=format_datetime_id(mine[0].validated_at),
                    pending=self._awaited(
                        self.pending_validation_roles(given))))

    def _validation_role(self):
        """The role of step 8 the user validates for. A second press by the
        same person, or by the holder of a role already validated by
        another, is refused and changes nothing."""
        User = Pool().get('res.user')
        user = Transaction().user
        self._check_not_validated_yet()
        given = self.technical_validations()
        pending = self.pending_validation_roles(given)
        if not pending:
            return None
        if not user:
            return pending[0]
        groups = set(User.get_groups())
        roles = [g for g in pending if g.id in groups]
        if roles:
            return roles[0]
        held = {g.id for g in self.responsible_groups() if g.id in groups}
        by = [v for v in given if v.role and v.role.id in held]
        raise AlreadyValidatedError(gettext(
                'egov_app_request.msg_role_validated',
                request=self.rec_name,
                roles=', '.join(sorted({v.role.name for v in by})),
                names=', '.join(v.validator.name for v in by if v.validator),
                pending=self._awaited(pending)))

    def validation_pending_message(self):
        """What the users of step 8 are told while a validation is awaited:
        the user's own validation recorded and when, or who has validated,
        and whose validation is awaited. None when no validation of the
        pass is pending (none given yet, or the request moved on)."""
        ModelAccess = Pool().get('ir.model.access')
        if self.state != 'technical_validation':
            return None
        # The validations stay inside Diskominfo.
        if not ModelAccess.check(
                'egov.request.validation', 'read', raise_exception=False):
            return None
        given = self.technical_validations()
        pending = self.pending_validation_roles(given)
        if not given or not pending:
            return None
        user = Transaction().user
        mine = [v for v in given if v.validator and v.validator.id == user]
        if mine:
            return gettext('egov_app_request.msg_validation_recorded',
                request=self.rec_name,
                time=format_datetime_id(mine[0].validated_at),
                pending=self._awaited(pending))
        return gettext('egov_app_request.msg_validation_awaited',
            request=self.rec_name,
            given=', '.join(
                f'{v.validator.name} ({format_datetime_id(v.validated_at)})'
                for v in given if v.validator),
            pending=self._awaited(pending))

    @classmethod
    @from_state('technical_validation')
    @ModelView.button
    @step_move('technical', outcome='revision')
    def revise_technical(cls, requests):
        "Step 8: back to step 7 for revision, with the reason"
        cls._require_reason(requests)
        cls._record_validation(requests, 'technical', 'revision')

    @classmethod
    @from_state('technical_validation')
    @ModelView.button
    @step_move('signing', outcome='rejection')
    def reject_technical(cls, requests):
        "Step 8: the request is to be rejected; step 9 signs the rejection"
        cls._conclude_rejection(requests)
        cls._record_validation(requests, 'technical', 'rejection')


class Letter(metaclass=PoolMeta):
    "The technical analysis sheet, issued when step 8 ends it"
    __name__ = 'egov.request.letter'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.kind.selection += [
                ('technical', "Technical Analysis Sheet"),
                ]
        cls._documents.update({
                'technical': StepDocument(
                    state='technical_validation',
                    outcomes={'validated', 'rejection'},
                    slug='analisis-teknis',
                    title="Lembar Analisis Teknis",
                    report='egov.request.letter.technical',
                    signer="Kepala Bidang Pengembangan E-Government"),
                })


class TechnicalReport(LetterReport):
    "Validated technical analysis sheet (steps 7-8)"
    __name__ = 'egov.request.letter.technical'
    kind = 'technical'
