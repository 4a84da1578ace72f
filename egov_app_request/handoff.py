"""After the reply letter: an approved request hands off to the next SOP
(Pembangunan or Pengembangan Aplikasi) with a follow-up record (owner team,
planned start, the conditions of the reply letter as items to satisfy),
and the Katalog Aplikasi gets a "planned" entry, or the entry it develops
is marked in development. The OPD reads its follow-up on the portal."""
import datetime as dt
import re

from trytond.model import ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.transaction import without_check_access

from . import clock
from .access import RelationRuleMixin

# The conditions of the reply letter, one a line, their numbering removed.
NUMBERING = re.compile(r'^\s*(?:[0-9]+[.)]|[a-z][.)]|[-*•])\s*')
# Days from the decision to the planned start, before the team plans it.
PLANNED_START_DAYS = 14
CATEGORY = {'layanan_publik': 'public', 'manajemen_pemerintahan': 'management'}
SPBE_CLASS = {'umum': 'general', 'khusus': 'specific'}


def conditions(text):
    "The conditions of a reply letter's text, one a line"
    items = []
    for line in (text or '').splitlines():
        line = NUMBERING.sub('', line).strip()
        if line:
            items.append(line)
    return items


class Handoff(RelationRuleMixin, ModelSQL, ModelView):
    "Follow-up of an approved request in the next SOP"
    __name__ = 'egov.handoff'
    __string__ = "Follow-up"
    request = fields.Many2One(
        'egov.request', "Request", required=True, readonly=True,
        ondelete='CASCADE')
    opd = fields.Many2One(
        'egov.opd', "Organization (OPD)", required=True, readonly=True,
        ondelete='RESTRICT')
    kind = fields.Selection([
            ('build', "Application Development (Pembangunan Aplikasi)"),
            ('develop', "Application Improvement (Pengembangan Aplikasi)"),
            ], "Next SOP", required=True, readonly=True)
    kind_string = kind.translated('kind')
    team = fields.Many2One(
        'res.group', "Owner Team", ondelete='RESTRICT',
        help="The team of Diskominfo that carries the next SOP.")
    planned_start = fields.Date("Planned Start")
    application = fields.Many2One(
        'egov.application', "Catalog Application", readonly=True,
        ondelete='RESTRICT')
    items = fields.One2Many(
        'egov.handoff.item', 'handoff', "Conditions to Satisfy")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('planned_start', 'DESC'), ('id', 'DESC')]

    def get_rec_name(self, name):
        return f"{self.kind_string}: {self.request.rec_name}"

    @classmethod
    def create_for(cls, requests):
        """The follow-ups of the approved `requests` and their catalog
        entries (the procedure writes them, without access check)"""
        pool = Pool()
        Application = pool.get('egov.application')
        to_create = []
        with without_check_access():
            for request in requests:
                if request.decision not in {'approved', 'approved_conditions'}:
                    continue
                if request.kind == 'development' and (
                        request.developed_application):
                    application = request.developed_application
                    if application.status in {'live', 'planned'}:
                        Application.write([application],
                            {'status': 'development'})
                    kind = 'develop'
                else:
                    application, = Application.create([{
                                'name': request.title,
                                'opd': request.opd.id,
                                'category': CATEGORY.get(
                                    request.category.code
                                    if request.category else None,
                                    'public'),
                                'spbe_class': SPBE_CLASS.get(
                                    request.spbe_class, 'specific'),
                                'status': 'planned',
                                'hosting': (
                                    'pdn' if request.tech_hosting == 'pdn'
                                    else 'pusat_data'),
                                'purpose': request.description,
                                'users': request.user_requirements,
                                'inputs': request.app_inputs,
                                'outputs': request.app_outputs,
                                }])
                    kind = 'build'
                decided = (request.decided_at or clock.now()).date()
                to_create.append({
                        'request': request.id,
                        'opd': request.opd.id,
                        'kind': kind,
                        'team': (request.category.team_group.id
                            if request.category
                            and request.category.team_group else None),
                        'planned_start': decided + dt.timedelta(
                            days=PLANNED_START_DAYS),
                        'application': application.id,
                        'items': [('create', [
                                    {'sequence': i, 'text': text}
                                    for i, text in enumerate(conditions(
                                            request.decision_text
                                            if request.decision
                                            == 'approved_conditions'
                                            else ''), 1)])],
                        })
            if to_create:
                return cls.create(to_create)
        return []


class HandoffItem(RelationRuleMixin, ModelSQL, ModelView):
    "A condition of the reply letter to satisfy in the next SOP"
    __name__ = 'egov.handoff.item'
    __string__ = "Condition to Satisfy"
    _rec_name = 'text'
    handoff = fields.Many2One(
        'egov.handoff', "Follow-up", required=True, readonly=True,
        ondelete='CASCADE')
    sequence = fields.Integer("Sequence", readonly=True)
    text = fields.Text("Condition", required=True, readonly=True)
    satisfied = fields.Boolean("Satisfied")
    note = fields.Text("Note")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('handoff', 'ASC'), ('sequence', 'ASC'), ('id', 'ASC')]

    @classmethod
    def default_satisfied(cls):
        return False
