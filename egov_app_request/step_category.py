"""SOP step 6: the application's category (and its SPBE class), which
routes step 7 to the category's team.

The categories are data (sop.py, egov.category); the document issued is
the application category sheet (letter.py); the view part, button and
field access are in step_category.xml."""
from trytond.model import ModelView, fields
from trytond.pool import PoolMeta

from .letter import LetterReport, StepDocument
from .request import _readonly_unless, from_state, step_button, step_move


class Request(metaclass=PoolMeta):
    __name__ = 'egov.request'

    category = fields.Many2One(
        'egov.category', "Category", ondelete='RESTRICT',
        states=_readonly_unless('categorization'))
    spbe_class = fields.Selection([
            (None, ""),
            ('umum', "General Application (Aplikasi Umum)"),
            ('khusus', "Specific Application (Aplikasi Khusus)"),
            ], "SPBE Class", states=_readonly_unless('categorization'),
        help="Perpres 95/2018: an Aplikasi Umum is shared by government "
        "bodies and provided nationally; an Aplikasi Khusus serves the "
        "particular needs of one body.")
    spbe_class_string = spbe_class.translated('spbe_class')
    category_reason = fields.Text(
        "Reason for the Category", states=_readonly_unless('categorization'))

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._transitions |= {('categorization', 'technical')}
        cls.add_step_buttons('categorization', {
                'categorize': step_button('categorization', 'tryton-forward'),
                })
        cls._step_fields['categorization'] = {
            'category', 'spbe_class', 'category_reason'}
        cls._step_outputs['categorization'] = [
            'category', 'spbe_class', 'category_reason']
        cls._copy_reset |= {'category', 'spbe_class', 'category_reason'}

    @classmethod
    @from_state('categorization')
    @ModelView.button
    @step_move('technical', outcome='done')
    def categorize(cls, requests):
        "Step 6: the category routes step 7 to its team"
        for request in requests:
            request._require('category', 'spbe_class', 'category_reason')


class Letter(metaclass=PoolMeta):
    "The category sheet, issued when step 6 ends"
    __name__ = 'egov.request.letter'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.kind.selection += [
                ('category', "Application Category Sheet"),
                ]
        cls._documents.update({
                'category': StepDocument(
                    state='categorization',
                    outcomes=None,
                    slug='lembar-kategori',
                    title="Lembar Kategori Aplikasi",
                    report='egov.request.letter.category',
                    signer="Kepala Bidang Pengembangan E-Government"),
                })


class CategoryReport(LetterReport):
    "Application category sheet (step 6)"
    __name__ = 'egov.request.letter.category'
    kind = 'category'
