"""SOP step 3: the Kepala Bidang acknowledges the request and forwards it
to the role that analyses its feasibility (the disposition sheet).

The document issued is the disposition sheet (letter.py); the view part,
button and field access are in step_disposition.xml."""
from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction

from . import vocabulary
from .letter import LetterReport, StepDocument
from .request import (
    LETTER_FIELDS, _readonly_unless, diskominfo_only, from_state,
    step_button, step_move)

DISPOSITION_FIELDS = {
    'disposition_nature', 'disposition_subject', 'disposition_to',
    'disposition_instruction', 'disposition_initials'}


class Request(metaclass=PoolMeta):
    __name__ = 'egov.request'

    disposition_nature = fields.Selection([
            (None, ""),
            ('biasa', "Ordinary (Biasa)"),
            ('segera', "Urgent (Segera)"),
            ('sangat_segera', "Very Urgent (Sangat Segera)"),
            ('rahasia', "Confidential (Rahasia)"),
            ], "Nature", states=_readonly_unless('disposition'))
    disposition_nature_string = disposition_nature.translated(
        'disposition_nature')
    disposition_subject = fields.Char(
        "Subject", states=_readonly_unless('disposition'))
    disposition_to = fields.Many2One(
        'res.group', "Forwarded to", ondelete='RESTRICT',
        states=_readonly_unless('disposition'),
        help="The role that analyses the request's feasibility (step 4).")
    disposition_instruction = fields.Text(
        "Instruction", states=_readonly_unless('disposition'))
    disposition_initials = fields.Char(
        "Initials", size=8, states=_readonly_unless('disposition'),
        help="The initials (paraf) of the Kepala Bidang who forwards.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._transitions |= {('disposition', 'feasibility')}
        cls.add_step_buttons('disposition', {
                'forward': step_button('disposition', 'tryton-forward'),
                })
        # The request letter as registered may be corrected here too.
        cls._step_fields['disposition'] = LETTER_FIELDS | DISPOSITION_FIELDS
        cls._step_outputs['disposition'] = [
            'letter_number', 'letter_date', 'agenda_number',
            'disposition_nature', 'disposition_to',
            'disposition_instruction']
        cls._copy_reset |= DISPOSITION_FIELDS

    @classmethod
    def view_attributes(cls):
        return super().view_attributes() + [
            ('/form//separator[@id="sep_disposition"]', 'states',
                {'invisible': diskominfo_only()}),
            ]

    @classmethod
    def _start_values(cls, request, state):
        "The disposition sheet starts filled from the request"
        values = super()._start_values(request, state)
        if state == 'disposition':
            steps = request.sop_steps()
            if not request.agenda_number:
                values['agenda_number'] = request.number
            if not request.disposition_subject:
                values['disposition_subject'] = request.title
            if not request.disposition_nature:
                values['disposition_nature'] = 'biasa'
            feasibility = steps.get('feasibility')
            if not request.disposition_to and feasibility and feasibility.groups:
                values['disposition_to'] = feasibility.groups[0].id
            if not request.disposition_instruction:
                # Printed on the (Indonesian) disposition sheet, whatever
                # the language of the user whose move started the step.
                values['disposition_instruction'] = gettext(
                    'egov_app_request.msg_disposition_instruction',
                    vocabulary.LANGUAGE)
        return values

    @classmethod
    @from_state('disposition')
    @ModelView.button
    @step_move('feasibility', outcome='done')
    def forward(cls, requests):
        "Step 3: acknowledged and forwarded (disposition)"
        pool = Pool()
        User = pool.get('res.user')
        user = User(Transaction().user) if Transaction().user else None
        for request in requests:
            if not request.disposition_initials and user:
                request.disposition_initials = ''.join(
                    w[0] for w in user.name.split() if w[:1].isalpha()
                    )[:8].upper()
            request._require(
                'letter_number', 'letter_date', 'agenda_number',
                'disposition_nature', 'disposition_subject',
                'disposition_to', 'disposition_instruction')
        # The initials are written with the move (step_move).


class Letter(metaclass=PoolMeta):
    "The disposition sheet, issued when step 3 ends"
    __name__ = 'egov.request.letter'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.kind.selection += [
                ('disposition', "Disposition Sheet"),
                ]
        cls._documents.update({
                'disposition': StepDocument(
                    state='disposition',
                    outcomes=None,
                    slug='lembar-disposisi',
                    title="Lembar Disposisi",
                    report='egov.request.letter.disposition',
                    signer="Kepala Bidang Pengembangan E-Government"),
                })


class DispositionReport(LetterReport):
    "Disposition sheet (step 3)"
    __name__ = 'egov.request.letter.disposition'
    kind = 'disposition'
