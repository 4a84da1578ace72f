"""The request is extended per SOP step (step_*.py): each step file
declares everything about its fields, buttons and transitions, so that
adding a field to a step touches only that step's files."""
import unittest
from pathlib import Path

from trytond.model import ModelStorage, fields
from trytond.pool import Pool
from trytond.tests.test_tryton import activate_module, with_transaction

from .. import (
    letter, step_category, step_disposition, step_feasibility, step_receive,
    step_reply, step_technical)
from ..sop import STEP_NUMBERS

STEP_MODULES = [
    step_receive, step_disposition, step_feasibility, step_category,
    step_technical, step_reply]


def own_fields(module):
    "The stored fields a step file adds to the request"
    return {name for name, field in vars(module.Request).items()
        if isinstance(field, fields.Field)
        and not isinstance(field, fields.Function)}


class StepsTestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        activate_module('egov_app_request')

    @with_transaction()
    def test_every_step_has_its_buttons(self):
        "Each SOP step has buttons, declared by a step file"
        Request = Pool().get('egov.request')
        self.assertEqual(
            set(Request._button_steps.values()), set(STEP_NUMBERS))
        for button, state in Request._button_steps.items():
            self.assertIn(button, Request._buttons)
            self.assertTrue(hasattr(Request, button), button)

    @with_transaction()
    def test_step_fields_are_declared_by_their_step(self):
        """The fields a step's role writes and those its history keeps are
        fields of the request; a copy starts without any step's output"""
        Request = Pool().get('egov.request')
        for state, names in Request._step_fields.items():
            self.assertIn(state, STEP_NUMBERS)
            self.assertLessEqual(set(names), set(Request._fields), state)
        for state, names in Request._step_outputs.items():
            self.assertLessEqual(set(names), set(Request._fields), state)
        writable = set().union(*Request._step_fields.values())
        for module in STEP_MODULES:
            with self.subTest(step=module.__name__):
                own = own_fields(module)
                self.assertTrue(own)
                self.assertLessEqual(own, Request._copy_reset)
                # Written by the step's role, or by its button.
                self.assertTrue(own & writable)

    @with_transaction()
    def test_step_lines(self):
        "The structured lines of a step are a One2Many of the request"
        pool = Pool()
        Request = pool.get('egov.request')
        self.assertEqual(set(Request._step_lines),
            {'completeness', 'feasibility'})
        for state, (field, model, result) in Request._step_lines.items():
            self.assertEqual(Request._fields[field]._type, 'one2many')
            self.assertEqual(Request._fields[field].model_name, model)
            self.assertIn(result, pool.get(model)._fields)

    @with_transaction()
    def test_step_lines_are_named_by_their_items(self):
        """A line is named by its checklist item or criterion, the names of
        all the lines read at once by the items' name field: the items keep
        trytond's naming by that field (no get_rec_name of their own)"""
        pool = Pool()
        Request = pool.get('egov.request')
        opd, = pool.get('egov.opd').search(
            [('type.may_submit', '=', True)], limit=1)
        request, = Request.create([{
                    'title': "Aplikasi Antrian", 'kind': 'new',
                    'opd': opd.id}])
        for state, (_, model, _) in Request._step_lines.items():
            with self.subTest(state=state):
                Line = pool.get(model)
                Item = Line._fields[Line._named_by].get_target()
                self.assertEqual(
                    [c for c in Item.__mro__ if 'get_rec_name' in vars(c)],
                    [ModelStorage])
                request.state = state
                Line.create(Line.lines_for(request))
                lines = Line.search([('request', '=', request.id)])
                self.assertGreater(len(lines), 1)
                self.assertEqual([l.rec_name for l in lines],
                    [getattr(l, Line._named_by).name for l in lines])

    @with_transaction()
    def test_step_documents_are_declared_by_their_step(self):
        """The document a step issues when it ends (kind, title, file name,
        report, signer's position) is declared in the step file that holds
        the step's buttons, with its report; letter.py keeps no table of
        its own"""
        pool = Pool()
        Request = pool.get('egov.request')
        Letter = pool.get('egov.request.letter')
        self.assertEqual(
            [k for k, _ in Letter.kind.selection], list(Letter._documents))
        declared = {}
        for module in STEP_MODULES:
            for name, value in vars(module).items():
                if (isinstance(value, type) and name.endswith('Report')
                        and value.__module__ == module.__name__):
                    declared[value.kind] = (module, value.__name__)
        self.assertEqual(set(declared), set(Letter._documents))
        for kind, document in Letter._documents.items():
            with self.subTest(kind=kind):
                module, report = declared[kind]
                self.assertEqual(document.report, report)
                buttons = [b for b, s in Request._button_steps.items()
                    if s == document.state]
                self.assertTrue(buttons)
                for button in buttons:
                    self.assertIn(button, vars(module.Request))
                self.assertIn(f'{kind!r}: StepDocument(',
                    Path(module.__file__).read_text(encoding='utf-8'))
        for table in ['KINDS', 'STEP_DOCUMENTS', 'SLUGS', 'TITLES_ID',
                'REPORTS', 'SIGNER_TITLES', 'FOR_OPD', 'NUMBERED']:
            self.assertFalse(hasattr(letter, table), table)

    @with_transaction()
    def test_opd_notices_are_declared_by_their_step(self):
        """What the OPD is told when a move lands on a state is declared by
        the step files, each with its e-mail template"""
        pool = Pool()
        Request = pool.get('egov.request')
        Template = pool.get('egov.email.template')
        self.assertEqual(Request._opd_notices, {
                ('completeness', 'done'): ('registered', False),
                ('incomplete', None): ('incomplete', True),
                ('done', None): ('decided', False),
                })
        codes = {t.code for t in Template.search([])}
        for (state, _), (code, _) in Request._opd_notices.items():
            with self.subTest(state=state):
                self.assertIn(code, codes)
        sources = {m: Path(m.__file__).read_text(encoding='utf-8')
            for m in STEP_MODULES}
        self.assertIn("_opd_notices[('completeness', 'done')]",
            sources[step_receive])
        self.assertIn("_opd_notices[('done', None)]", sources[step_reply])
