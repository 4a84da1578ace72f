"""SOP step 9: the Kepala Dinas (or an acting official) decides and signs
the reply letter; a rejection concluded at step 5 or 8 can only be signed
as a rejection.

The document issued is the reply letter (letter.py, the only outgoing
letter numbered in the Dinas's register); the view part, button and field
access are in step_reply.xml."""
from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction

from . import clock
from .exceptions import StepRequirementError
from .letter import LetterReport, StepDocument
from .request import _readonly_unless, from_state, step_button, step_move

DECISIONS = [
    (None, ""),
    ('approved', "Approved"),
    ('approved_conditions', "Approved with Conditions"),
    ('rejected', "Rejected"),
    ]


class Request(metaclass=PoolMeta):
    __name__ = 'egov.request'

    decision = fields.Selection(
        DECISIONS, "Decision", states=_readonly_unless('signing'))
    decision_string = decision.translated('decision')
    decision_text = fields.Text(
        "Explanation or Conditions", states=_readonly_unless('signing'))
    decided_by = fields.Many2One(
        'res.user', "Signed by", readonly=True, ondelete='RESTRICT')
    decided_at = fields.DateTime("Decided at", readonly=True)
    # Who signs the reply letter (letter.py names the acting official).
    signatory_acting = fields.Selection([
            (None, ""),
            ('plh', "Plh. (Acting Official)"),
            ('plt', "Plt. (Acting Official)"),
            ], "Signed as", states=_readonly_unless('signing'),
        help="Set when an acting official (Plh. / Plt.) signs the reply "
        "letter instead of the Kepala Dinas.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._transitions |= {('signing', 'done')}
        cls.add_step_buttons('signing', {
                'decide': step_button('signing', 'tryton-ok'),
                })
        cls._step_fields['signing'] = {
            'decision', 'decision_text', 'signatory_acting'}
        cls._step_outputs['signing'] = ['decision', 'decision_text']
        cls._copy_reset |= {
            'decision', 'decision_text', 'decided_by', 'decided_at',
            'signatory_acting'}
        # The OPD is told the decision.
        cls._opd_notices[('done', None)] = ('decided', False)

    @classmethod
    @from_state('signing')
    @ModelView.button
    @step_move('done', outcome=lambda r: r.decision)
    def decide(cls, requests):
        "Step 9: the Kepala Dinas signs the reply letter"
        pool = Pool()
        User = pool.get('res.user')
        for request in requests:
            request._require('decision', 'decision_text')
            if request.rejection_concluded and request.decision != 'rejected':
                raise StepRequirementError(gettext(
                        'egov_app_request.msg_rejection_concluded',
                        request=request.rec_name))
            request.decided_by = User(Transaction().user)
            request.decided_at = clock.now()
        # Written with the move (step_move); the follow-up reads them from
        # the records.
        # The next SOP: the follow-up and the catalog entry (handoff.py).
        pool.get('egov.handoff').create_for(requests)


class Letter(metaclass=PoolMeta):
    "The reply letter, numbered, issued when step 9 ends"
    __name__ = 'egov.request.letter'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.kind.selection += [
                ('reply', "Reply Letter"),
                ]
        cls._documents.update({
                'reply': StepDocument(
                    state='signing',
                    outcomes=None,
                    slug='surat-jawaban',
                    title="Surat Jawaban",
                    report='egov.request.letter.reply',
                    signer=None,
                    for_opd=True,
                    numbered=True),
                })


class ReplyReport(LetterReport):
    "Reply letter (surat jawaban, step 9)"
    __name__ = 'egov.request.letter.reply'
    kind = 'reply'
