"""Meta-test of access: a model, report or wizard added to the
module without its access records, its groups or its OPD rule fails here.

What it checks, on the activated module:
- every table of the module has a default ir.model.access record (no
  group) and records per group; a default that lets everyone read is
  allowed only for the reference data listed in PUBLIC_READ;
- every model that holds a request's data (egov.request and the models
  with a Many2One to it) is classified in OPD_READS: what an OPD user may
  read, checked against the access Tryton computes for such a user (it
  takes the best of a model and of the models of its `__access__`); those
  the OPD reads are restricted by the OPD rule of egov.request (the user's
  own organization); those it reads and that relate to models with record
  rules search through them with RelationRuleMixin;
- every report of the module is a CheckedReport, its action has groups and
  a letter report's groups match the kind it prints; every wizard action
  has groups or is in WIZARDS_WITHOUT_GROUPS with its reason;
- Tryton's own records of who pressed which button (ir.model.button.click,
  ir.model.log) carry the OPD rule of this module."""
import unittest

from trytond.model import ModelSQL, fields
from trytond.pool import Pool
from trytond.tests.test_tryton import activate_module, with_transaction
from trytond.transaction import Transaction

from ..access import RelationRuleMixin
from ..exceptions import ReportAccessError
from ..letter import LetterReport
from ..report import CheckedReport

MODULE = 'egov_app_request'
# Reference data everyone reads (forms, portal, rules), written by the
# administrator only.
PUBLIC_READ = {
    'egov.opd.type', 'egov.opd', 'egov.position', 'egov.step',
    'egov.step-res.group', 'egov.sop.version', 'egov.category',
    'egov.document.type',
    'egov.configuration', 'egov.email.template', 'egov.holiday',
    'egov.holiday.decree',
    'egov.calendar.hours', 'egov.calendar.period',
    }
# The models of a request's data: may an OPD user read those of its own
# requests? (The analyses, validations and the disposition stay inside
# Diskominfo; the checklist of step 2 is sent to the OPD.)
OPD_READS = {
    'egov.request': True,
    'egov.request.document': True,
    'egov.request.history': True,
    'egov.request.checklist': True,
    'egov.request.letter': True,
    'egov.request.feasibility': False,
    'egov.request.duplicate': False,
    'egov.handoff': True,
    'egov.request.validation': False,
    }
# Wizard actions that any user may start, and why.
WIZARDS_WITHOUT_GROUPS = {}
# Tryton's records of who did what, restricted for the OPD (access.xml).
CORE_OPD_RULES = {
    'ir.model.button.click': 'rule_group_button_click_opd',
    'ir.model.log': 'rule_group_model_log_opd',
    }


def module_of(Class):
    "Whether one of the classes of Class comes from this module"
    return any(c.__module__.split('.')[-2:-1] == [MODULE]
        or c.__module__.startswith(MODULE + '.')
        for c in Class.__mro__)


def find_leaf(domain, name, value):
    "Whether the (nested) domain has the clause (name, '=', value)"
    if isinstance(domain, (list, tuple)):
        if (len(domain) >= 3 and domain[0] == name and domain[1] == '='
                and domain[2] == value):
            return True
        return any(find_leaf(d, name, value) for d in domain)
    return False


class AccessMetaTestCase(unittest.TestCase):
    "Every model, report and wizard of the module has its access"

    @classmethod
    def setUpClass(cls):
        activate_module(MODULE)

    def _tables(self):
        pool = Pool()
        Model = pool.get('ir.model')
        names = [m.name for m in Model.search([('module', '=', MODULE)])]
        return {n: pool.get(n) for n in names
            if issubclass(pool.get(n), ModelSQL)}

    def _opd_user(self):
        "An OPD user of Dinas Kesehatan (only the OPD group)"
        pool = Pool()
        User = pool.get('res.user')
        OPD = pool.get('egov.opd')
        ModelData = pool.get('ir.model.data')
        opd, = OPD.search([('code', '=', 'dinkes')])
        user, = User.create([{
                    'login': 'meta.opd', 'name': "Meta OPD",
                    'egov_opd': opd.id,
                    'groups': [('add', [
                                ModelData.get_id(MODULE, 'group_opd')])],
                    }])
        return user, opd

    def _request_models(self, tables):
        "egov.request and the models with a Many2One to it"
        result = {'egov.request'}
        for name, Model in tables.items():
            for field in Model._fields.values():
                if (field._type == 'many2one'
                        and not isinstance(field, fields.Function)
                        and field.model_name == 'egov.request'):
                    result.add(name)
        return result

    @with_transaction()
    def test_every_table_has_default_and_group_access(self):
        pool = Pool()
        Access = pool.get('ir.model.access')
        for name in sorted(self._tables()):
            with self.subTest(model=name):
                accesses = Access.search([('model', '=', name)])
                defaults = [a for a in accesses if not a.group]
                self.assertTrue(defaults,
                    f"{name}: no default ir.model.access (group empty)")
                self.assertTrue([a for a in accesses if a.group],
                    f"{name}: no ir.model.access granted to a group")
                for access in defaults:
                    self.assertFalse(access.perm_write or access.perm_create
                        or access.perm_delete,
                        f"{name}: everyone may change it")
                    if access.perm_read:
                        self.assertIn(name, PUBLIC_READ,
                            f"{name}: everyone reads it; deny by default "
                            "or list it in PUBLIC_READ")

    @with_transaction()
    def test_request_data_is_classified_for_the_opd(self):
        tables = self._tables()
        self.assertEqual(self._request_models(tables), set(OPD_READS),
            "classify each model of a request's data in OPD_READS")

    @with_transaction()
    def test_opd_reads_only_what_is_declared(self):
        pool = Pool()
        Access = pool.get('ir.model.access')
        user, _ = self._opd_user()
        with Transaction().set_user(user.id), \
                Transaction().set_context(_check_access=True):
            access = Access.get_access(list(OPD_READS))
        for name, reads in OPD_READS.items():
            with self.subTest(model=name):
                # (Writes of the lines, the history and the letters go
                # through __access__ to the request and are refused by
                # their models' code: frozen, immutable, step's role.)
                self.assertEqual(bool(access[name]['read']), reads,
                    f"{name}: effective read access of an OPD user")

    @with_transaction()
    def test_opd_rule_on_what_the_opd_reads(self):
        "The OPD reads the data of its own organization's requests only"
        pool = Pool()
        Rule = pool.get('ir.rule')
        user, opd = self._opd_user()
        with Transaction().set_user(user.id), \
                Transaction().set_context(_check_access=True):
            for name, reads in OPD_READS.items():
                if not reads:
                    continue
                with self.subTest(model=name):
                    domain = Rule.domain_get(name, mode='read')
                    self.assertTrue(find_leaf(domain, 'opd', opd.id),
                        f"{name}: no rule on the OPD's organization "
                        f"(add 'request' to __access__): {domain}")

    @with_transaction()
    def test_relation_searches_apply_the_target_rules(self):
        pool = Pool()
        RuleGroup = pool.get('ir.rule.group')
        ruled = {g.model for g in RuleGroup.search([])}

        def has_rules(Model, seen=()):
            if Model.__name__ in ruled:
                return True
            return any(has_rules(getattr(Model, f).get_target(),
                    seen + (Model.__name__,))
                for f in Model.__access__
                if Model.__name__ not in seen)
        for name, reads in OPD_READS.items():
            if not reads:
                continue
            Model = pool.get(name)
            targets = [f.get_target() for f in Model._fields.values()
                if f._type in {'many2one', 'one2many', 'many2many'}
                and not isinstance(f, fields.Function)]
            if any(has_rules(T) for T in targets):
                with self.subTest(model=name):
                    self.assertTrue(issubclass(Model, RelationRuleMixin),
                        f"{name} searches through relations to models "
                        "with record rules: use RelationRuleMixin")

    @with_transaction()
    def test_every_report_is_checked_and_grouped(self):
        pool = Pool()
        ActionReport = pool.get('ir.action.report')
        ModelData = pool.get('ir.model.data')
        opd_group = ModelData.get_id(MODULE, 'group_opd')
        reports = {name: Report for name, Report
            in pool.iterobject(type='report') if module_of(Report)}
        self.assertTrue(reports)
        actions = {a.report_name: a for a in ActionReport.search([
                    ('report_name', 'in', list(reports))])}
        # The kinds and those for the OPD, as the step files declare them.
        Letter = pool.get('egov.request.letter')
        kinds = {kind for kind, _ in Letter.kind.selection}
        FOR_OPD = Letter.kinds_for_opd()
        for name, Report in sorted(reports.items()):
            with self.subTest(report=name):
                self.assertTrue(issubclass(Report, CheckedReport),
                    f"{name}: not a CheckedReport")
                self.assertIn(name, actions, f"{name}: no action")
                groups = {g.id for g in actions[name].groups}
                self.assertTrue(groups, f"{name}: its action has no groups")
                if issubclass(Report, LetterReport):
                    self.assertIn(Report.kind, kinds)
                    self.assertEqual(opd_group in groups,
                        Report.kind in FOR_OPD,
                        f"{name}: the OPD's group and the kind it prints")

    @with_transaction()
    def test_every_wizard_is_grouped(self):
        pool = Pool()
        ActionWizard = pool.get('ir.action.wizard')
        wizards = {name for name, Wizard in pool.iterobject(type='wizard')
            if module_of(Wizard)}
        self.assertTrue(wizards)
        actions = {a.wiz_name: a for a in ActionWizard.search([
                    ('wiz_name', 'in', list(wizards))])}
        for name in sorted(wizards):
            with self.subTest(wizard=name):
                self.assertIn(name, actions, f"{name}: no action")
                if name in WIZARDS_WITHOUT_GROUPS:
                    continue
                self.assertTrue(actions[name].groups,
                    f"{name}: its action has no groups")

    @with_transaction()
    def test_configuration_is_changed_by_administrators_only(self):
        """The models of the Configuration menu (the SOP as data) are
        written only by the e-Government administrators: no other group
        has write, create or delete, and the menu is theirs"""
        pool = Pool()
        Access = pool.get('ir.model.access')
        Menu = pool.get('ir.ui.menu')
        ModelData = pool.get('ir.model.data')
        admin = ModelData.get_id(MODULE, 'group_egov_admin')
        root = Menu(ModelData.get_id(MODULE, 'menu_configuration'))
        self.assertEqual([g.id for g in root.groups], [admin])
        models = set()
        for menu in Menu.search([('parent', 'child_of', [root.id])]):
            action = menu.action
            if action and getattr(action, 'res_model', None):
                models.add(action.res_model)
        self.assertTrue(models)
        for name in sorted(models):
            with self.subTest(model=name):
                writers = Access.search([
                        ('model', '=', name),
                        ['OR', ('perm_write', '=', True),
                            ('perm_create', '=', True),
                            ('perm_delete', '=', True)],
                        ])
                # Read-only lists (e.g. the letter sequences) have none.
                self.assertLessEqual({a.group.id if a.group else None
                        for a in writers}, {admin},
                    f"{name}: changed by others than the administrators")

    @with_transaction()
    def test_core_records_of_clicks_have_the_opd_rule(self):
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        RuleGroup = pool.get('ir.rule.group')
        for model, fs_id in CORE_OPD_RULES.items():
            with self.subTest(model=model):
                group = RuleGroup(ModelData.get_id(MODULE, fs_id))
                self.assertEqual(group.model, model)
                self.assertTrue(group.global_p)
                self.assertTrue(group.rules)

    @with_transaction()
    def test_letter_report_refuses_internal_kind_without_groups(self):
        """The report itself refuses an internal kind to a user outside
        Diskominfo's staff, even if its action lost its groups"""
        pool = Pool()
        ActionReport = pool.get('ir.action.report')
        user, _ = self._opd_user()
        Letter = pool.get('egov.request.letter')
        FOR_OPD = Letter.kinds_for_opd()
        for kind, _ in Letter.kind.selection:
            Report = pool.get(f'egov.request.letter.{kind}', type='report')
            # Another action of the template, as an administrator may add
            # one, without groups.
            action, = ActionReport.create([{
                        'name': f"Copy of {kind}",
                        'model': 'egov.request.letter',
                        'report_name': Report.__name__,
                        'template_extension': 'html',
                        'extension': 'pdf',
                        }])
            self.assertFalse(action.groups)
            with self.subTest(kind=kind), \
                    Transaction().set_user(user.id), \
                    Transaction().set_context(_check_access=True):
                if kind in FOR_OPD:
                    Report.check_access(action, 'egov.request.letter', [])
                else:
                    with self.assertRaises(ReportAccessError):
                        Report.check_access(
                            action, 'egov.request.letter', [])
