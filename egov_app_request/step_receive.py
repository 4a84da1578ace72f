"""SOP steps 1 and 2: the OPD submits, Diskominfo registers the request
letter (1) and checks the file against the checklist of its kind (2); an
incomplete file goes back to the OPD, who completes and resubmits it.

Step 1's inputs are the request's own fields (request.py, OPD_FIELDS);
the completeness checklist lines are analysis.py's ChecklistLine; the
documents issued are the registration receipt and the completeness
checklist (letter.py); the view part, buttons and field access are in
step_receive.xml."""
from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction

from . import clock, vocabulary
from .analysis import require_lines_filled
from .exceptions import MissingInputError, StepRequirementError
from .letter import LetterReport, StepDocument
from .request import (
    LETTER_FIELDS, _readonly_unless, from_state, step_button, step_move)

# What the OPD must fill in before it submits (SOP step 1 inputs).
STEP1_INPUTS = [
    'business_process_policy', 'legal_basis', 'user_requirements',
    'app_inputs', 'app_outputs']


class Request(metaclass=PoolMeta):
    __name__ = 'egov.request'

    agenda_number = fields.Char(
        "Agenda Number", states=_readonly_unless('received', 'disposition'),
        help="The number of the request letter in the Dinas's register of "
        "incoming letters (the request number when left empty).")
    checklist = fields.One2Many(
        'egov.request.checklist', 'request', "Completeness Checklist",
        states=_readonly_unless('completeness'),
        help="One line per checklist item of the request's kind (SOP step "
        "2): present, missing or not applicable.")
    missing_items = fields.Text(
        "Message to the OPD", states=_readonly_unless('completeness'),
        help="What the OPD must complete (SOP step 2). Left empty, it is "
        "written from the items marked missing.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._transitions |= {
            ('draft', 'received'),
            ('received', 'completeness'),
            ('completeness', 'disposition'),
            ('completeness', 'incomplete'),
            ('incomplete', 'completeness'),
            }
        # The OPD's buttons: its own (request.xml gives them to group_opd).
        cls._buttons.update({
                'submit': step_button('draft', 'tryton-forward'),
                'resubmit': step_button('incomplete', 'tryton-forward'),
                })
        cls.add_step_buttons('received', {
                'register': step_button('received', 'tryton-ok'),
                })
        cls.add_step_buttons('completeness', {
                'mark_complete': step_button('completeness', 'tryton-ok'),
                'mark_incomplete': step_button(
                    'completeness', 'tryton-back'),
                })
        cls._step_fields['received'] = set(LETTER_FIELDS)
        cls._step_fields['completeness'] = {'missing_items', 'checklist'}
        cls._step_outputs['completeness'] = ['missing_items']
        cls._step_lines['completeness'] = (
            'checklist', 'egov.request.checklist', 'result')
        cls._copy_reset |= {'agenda_number', 'checklist', 'missing_items'}
        # The OPD is told that its request is registered (step 1 done), and
        # what is missing when step 2 returns it.
        cls._opd_notices[('completeness', 'done')] = ('registered', False)
        cls._opd_notices[('incomplete', None)] = ('incomplete', True)

    def _step_output_names(self, state):
        names = super()._step_output_names(state)
        if state == 'completeness' and self.state != 'incomplete':
            # Found complete: the checklist lines say it all.
            return []
        return names

    def check_complete_inputs(self):
        "SOP step 1: every input filled in and every required document"
        DocumentType = Pool().get('egov.document.type')
        missing = [f for f in STEP1_INPUTS
            if not (getattr(self, f) or '').strip()]
        if self.kind == 'development' and not self.developed_application:
            # A development names the catalog application it develops.
            missing.append('developed_application')
        labels = self.field_strings(missing)
        missing = [labels[f] for f in missing]
        # A request not saved yet (the portal checks before saving) has no
        # rec_name: name it by its title.
        label = self.rec_name if self.id and self.id >= 0 else self.title
        if missing:
            raise MissingInputError(gettext(
                    'egov_app_request.msg_missing_input',
                    request=label, fields=', '.join(missing)))
        uploaded = {d.type.id for d in self.documents}
        missing = [t.name for t in DocumentType.search([])
            if t.is_required(self.kind) and t.id not in uploaded]
        if missing:
            raise MissingInputError(gettext(
                    'egov_app_request.msg_missing_document',
                    request=label, types=', '.join(missing)))

    # --- The OPD's moves -------------------------------------------------

    @classmethod
    def _check_submission(cls, requests):
        cls.check_eligible_position()
        for request in requests:
            request.check_eligible_organization()
            request.check_complete_inputs()

    @classmethod
    def _lock_documents(cls, requests):
        Document = Pool().get('egov.request.document')
        documents = [d for r in requests for d in r.documents if not d.locked]
        if documents:
            Document.write(documents, {'locked': True})

    @classmethod
    @from_state('draft')
    @ModelView.button
    @step_move('received', outcome=None)
    def submit(cls, requests):
        "SOP step 1 starts: the OPD submits through the information system"
        pool = Pool()
        Configuration = pool.get('egov.configuration')
        User = pool.get('res.user')
        Version = pool.get('egov.sop.version')
        cls._check_submission(requests)
        config = Configuration.cached()
        user = User(Transaction().user)
        now = clock.now()
        # The request follows this version of the SOP until it is decided.
        version = Version.in_force_at(now)
        for request in requests:
            request.sop_version = version
            if not request.number:
                request.number = config.request_sequence.get()
            request.submitter = user
            request.submitted_at = now
        # Written with the move (step_move).
        cls._lock_documents(requests)

    @classmethod
    @from_state('incomplete')
    @ModelView.button
    @step_move('completeness', outcome='resubmitted')
    def resubmit(cls, requests):
        "The OPD completed what step 2 found missing: back to step 2"
        cls._check_submission(requests)
        cls._lock_documents(requests)

    # --- Steps 1-2 -------------------------------------------------------

    @classmethod
    @from_state('received')
    @ModelView.button
    @step_move('completeness', outcome='done')
    def register(cls, requests):
        "Step 1: the request letter is registered"

    @classmethod
    @from_state('completeness')
    @ModelView.button
    @step_move('disposition', outcome='complete')
    def mark_complete(cls, requests):
        "Step 2: the requirements are complete"
        for request in requests:
            require_lines_filled(request)
            missing = [l.rec_name for l in request.checklist
                if l.result == 'missing']
            if missing:
                raise StepRequirementError(gettext(
                        'egov_app_request.msg_checklist_has_missing',
                        request=request.rec_name, items=', '.join(missing)))

    @classmethod
    @from_state('completeness')
    @ModelView.button
    @step_move('incomplete', outcome='incomplete')
    def mark_incomplete(cls, requests):
        "Step 2: back to the OPD with the list of what is missing"
        Line = Pool().get('egov.request.checklist')
        for request in requests:
            require_lines_filled(request)
            missing = [l for l in request.checklist if l.result == 'missing']
            if not missing:
                raise StepRequirementError(gettext(
                        'egov_app_request.msg_checklist_none_missing',
                        request=request.rec_name))
            if not (request.missing_items or '').strip():
                # Addressed to the OPD: in Indonesian, like its letters,
                # whatever the language of the staff member who presses.
                with Transaction().set_context(language=vocabulary.LANGUAGE):
                    names = Line.get_rec_name(missing, 'rec_name')
                request.missing_items = '\n'.join(
                    f"- {names[l.id]}" + (f": {l.note}" if l.note else '')
                    for l in missing)
        # Written with the move (step_move).


class Letter(metaclass=PoolMeta):
    "The documents of steps 1 and 2, issued when each step ends"
    __name__ = 'egov.request.letter'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.kind.selection += [
                ('receipt', "Registration Receipt"),
                ('checklist', "Completeness Checklist"),
                ]
        cls._documents.update({
                'receipt': StepDocument(
                    state='received',
                    outcomes=None,
                    slug='tanda-terima',
                    title="Tanda Terima Pengajuan Aplikasi e-Government",
                    report='egov.request.letter.receipt',
                    signer="Ketua Tim Kerja Tata Kelola TIK",
                    for_opd=True),
                'checklist': StepDocument(
                    state='completeness',
                    outcomes={'complete', 'incomplete'},
                    slug='ceklis-kelengkapan',
                    title="Ceklis Kelengkapan Persyaratan",
                    report='egov.request.letter.checklist',
                    signer="Ketua Tim Kerja Tata Kelola TIK",
                    for_opd=True),
                })


class ReceiptReport(LetterReport):
    "Registration receipt (tanda terima, step 1)"
    __name__ = 'egov.request.letter.receipt'
    kind = 'receipt'


class ChecklistReport(LetterReport):
    "Completeness checklist (step 2)"
    __name__ = 'egov.request.letter.checklist'
    kind = 'checklist'
