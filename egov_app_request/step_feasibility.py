"""SOP steps 4 and 5: the feasibility analysis, criterion by criterion
(4), and its validation (5): valid, back for revision, or the conclusion
that the request is to be rejected (signed at step 9).

The criteria lines are analysis.py's FeasibilityLine; the document issued
is the feasibility analysis sheet (letter.py); the view part, buttons and
field access are in step_feasibility.xml."""
from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval

from .analysis import require_lines_filled
from .letter import LetterReport, StepDocument
from .exceptions import GeneralApplicationAnswerError
from .request import (
    _readonly_unless, diskominfo_only, from_state, step_button, step_move)


class Request(metaclass=PoolMeta):
    __name__ = 'egov.request'

    feasibility_lines = fields.One2Many(
        'egov.request.feasibility', 'request', "Feasibility Criteria",
        states=_readonly_unless('feasibility'),
        help="One line per feasibility criterion (SOP step 4).")
    feasibility_analysis = fields.Text(
        "Feasibility Summary", states=_readonly_unless('feasibility'),
        help="The analysis in a few paragraphs: what the criteria show.")
    feasibility_conclusion = fields.Selection([
            (None, ""),
            ('feasible', "Feasible"),
            ('feasible_notes', "Feasible with Notes"),
            ('not_feasible', "Not Feasible"),
            ], "Feasibility Conclusion", states=_readonly_unless('feasibility'))
    feasibility_conclusion_string = feasibility_conclusion.translated(
        'feasibility_conclusion')
    # The duplicate check of a request for a new application: the catalog's
    # most similar applications (listed when step 4 starts), and the
    # analyst's "Aplikasi Umum first" answer.
    duplicate_lines = fields.One2Many(
        'egov.request.duplicate', 'request', "Similar Applications",
        readonly=True,
        help="The applications of the catalog and the national Aplikasi "
        "Umum most like this request, listed when step 4 starts.")
    general_app_answer = fields.Selection([
            (None, ""),
            ('reuse', "Reuse an Existing Application"),
            ('adapt', "Adapt an Existing Application"),
            ('build', "Build Anyway"),
            ], "Aplikasi Umum First",
        states=_readonly_unless('feasibility'),
        help="Aplikasi Umum first (Perpres 95/2018 on SPBE): can a national "
        "Aplikasi Umum or an application of the city serve the request?")
    general_app_answer_string = general_app_answer.translated(
        'general_app_answer')
    general_app_application = fields.Many2One(
        'egov.application', "Application to Reuse or Adapt",
        states={
            'readonly': _readonly_unless('feasibility')['readonly'],
            'invisible': ~Eval('general_app_answer').in_(['reuse', 'adapt']),
            })
    general_app_reason = fields.Text(
        "Reason", states={
            'readonly': _readonly_unless('feasibility')['readonly'],
            'invisible': ~Eval('general_app_answer'),
            },
        help="Why the request reuses, adapts or builds anyway.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._transitions |= {
            ('feasibility', 'feasibility_validation'),
            ('feasibility_validation', 'categorization'),
            ('feasibility_validation', 'feasibility'),
            ('feasibility_validation', 'signing'),
            }
        cls.add_step_buttons('feasibility', {
                'submit_feasibility': step_button(
                    'feasibility', 'tryton-forward'),
                })
        cls.add_step_buttons('feasibility_validation', {
                'approve_feasibility': step_button(
                    'feasibility_validation', 'tryton-ok'),
                'revise_feasibility': step_button(
                    'feasibility_validation', 'tryton-back'),
                'reject_feasibility': step_button(
                    'feasibility_validation', 'tryton-cancel'),
                })
        cls._step_fields['feasibility'] = {
            'feasibility_analysis', 'feasibility_conclusion',
            'feasibility_lines', 'general_app_answer',
            'general_app_application', 'general_app_reason'}
        cls._step_outputs['feasibility'] = [
            'feasibility_conclusion', 'feasibility_analysis']
        cls._step_lines['feasibility'] = (
            'feasibility_lines', 'egov.request.feasibility', 'assessment')
        cls._copy_reset |= {
            'feasibility_lines', 'feasibility_analysis',
            'feasibility_conclusion', 'duplicate_lines',
            'general_app_answer', 'general_app_application',
            'general_app_reason'}

    @classmethod
    def view_attributes(cls):
        return super().view_attributes() + [
            ('/form/notebook/page[@id="feasibility"]', 'states',
                {'invisible': diskominfo_only()}),
            ]

    @classmethod
    def _prepare_steps(cls, requests):
        """Step 4 of a request for a new application starts with the
        catalog's applications most like it"""
        super()._prepare_steps(requests)
        Duplicate = Pool().get('egov.request.duplicate')
        to_fill = [r for r in requests
            if r.state == 'feasibility' and r.kind == 'new'
            and not r.duplicate_lines]
        # The catalog is read and its words stemmed only for a request
        # that starts step 4.
        if to_fill:
            Duplicate.fill(to_fill)

    @classmethod
    @from_state('feasibility')
    @ModelView.button
    @step_move('feasibility_validation', outcome='done')
    def submit_feasibility(cls, requests):
        "Step 4: the feasibility analysis is ready for validation"
        for request in requests:
            require_lines_filled(request)
            request._require('feasibility_analysis', 'feasibility_conclusion')
            request._check_general_app_answer()

    def _check_general_app_answer(self):
        """A request for a new application has its "Aplikasi Umum first"
        answer: the application reused or adapted, the reason to build"""
        if self.kind != 'new':
            return
        if not self.general_app_answer:
            raise GeneralApplicationAnswerError(gettext(
                    'egov_app_request.msg_general_app_answer',
                    request=self.rec_name))
        if (self.general_app_answer in {'reuse', 'adapt'}
                and not self.general_app_application):
            raise GeneralApplicationAnswerError(gettext(
                    'egov_app_request.msg_general_app_application',
                    request=self.rec_name,
                    answer=self.general_app_answer_string))
        if self.general_app_answer == 'build' and not (
                self.general_app_reason or '').strip():
            raise GeneralApplicationAnswerError(gettext(
                    'egov_app_request.msg_general_app_reason',
                    request=self.rec_name))

    @classmethod
    @from_state('feasibility_validation')
    @ModelView.button
    @step_move('categorization', outcome='validated')
    def approve_feasibility(cls, requests):
        "Step 5: the feasibility analysis is valid"
        cls._record_validation(requests, 'feasibility', 'validated')

    @classmethod
    @from_state('feasibility_validation')
    @ModelView.button
    @step_move('feasibility', outcome='revision')
    def revise_feasibility(cls, requests):
        "Step 5: back to step 4 for revision, with the reason"
        cls._require_reason(requests)
        cls._record_validation(requests, 'feasibility', 'revision')

    @classmethod
    @from_state('feasibility_validation')
    @ModelView.button
    @step_move('signing', outcome='rejection')
    def reject_feasibility(cls, requests):
        "Step 5: the request is to be rejected; step 9 signs the rejection"
        cls._conclude_rejection(requests)
        cls._record_validation(requests, 'feasibility', 'rejection')


class Letter(metaclass=PoolMeta):
    "The feasibility analysis sheet, issued when step 5 ends it"
    __name__ = 'egov.request.letter'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.kind.selection += [
                ('feasibility', "Feasibility Analysis Sheet"),
                ]
        cls._documents.update({
                'feasibility': StepDocument(
                    state='feasibility_validation',
                    outcomes={'validated', 'rejection'},
                    slug='analisis-kelayakan',
                    title="Lembar Analisis Kelayakan",
                    report='egov.request.letter.feasibility',
                    signer="Kepala Bidang Pengembangan E-Government"),
                })


class FeasibilityReport(LetterReport):
    "Validated feasibility analysis sheet (steps 4-5)"
    __name__ = 'egov.request.letter.feasibility'
    kind = 'feasibility'
