"""After the reply letter: an approved request hands off to the next SOP
(Pembangunan or Pengembangan Aplikasi) with a follow-up record (owner team,
planned start, the conditions of the reply letter as items to satisfy),
and the Katalog Aplikasi gets a "planned" entry, or the entry it develops
is marked in development. The OPD reads its follow-up on the portal.

The planned start is counted in working days of the Dinas's calendar
(working hours, holidays, cuti bersama) from the day of the approval; the
number of days is a setting of the configuration."""
import datetime as dt
import re

from trytond.model import ModelSQL, ModelView, fields
from trytond.pool import Pool, PoolMeta
from trytond.transaction import without_check_access

from . import clock
from .access import RelationRuleMixin
from .workcalendar import to_local, work_calendar

# The conditions of the reply letter, one a line, their numbering removed.
NUMBERING = re.compile(r'^\s*(?:[0-9]+[.)]|[a-z][.)]|[-*•])\s*')
# Working days from the approval to the planned start, before the team
# plans it: two working weeks.
PLANNED_START_DAYS = 10
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
    planned_start_days = fields.Integer(
        "Working Days after Approval", readonly=True,
        help="The planned start was counted this many working days after "
        "the approval (configuration); empty once the team sets the date.")
    items = fields.One2Many(
        'egov.handoff.item', 'handoff', "Conditions to Satisfy")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('planned_start', 'DESC'), ('id', 'DESC')]

    @classmethod
    def write(cls, *args):
        "A date the team sets is no longer the count of the configuration"
        args = list(args)
        for index in range(1, len(args), 2):
            values = args[index]
            if ('planned_start' in values
                    and 'planned_start_days' not in values):
                args[index] = dict(values, planned_start_days=None)
        super().write(*args)

    @classmethod
    def planned_start_of(cls, decided_at):
        """The planned start of a request approved at `decided_at` (UTC):
        the configured number of working days after the day of the
        approval (the Dinas's time zone), and that number"""
        Configuration = Pool().get('egov.configuration')
        days = (Configuration.cached().handoff_start_days
            or Configuration.default_handoff_start_days())
        local = to_local(decided_at)
        day = dt.datetime.combine(local.date(), dt.time())
        return work_calendar().end_of_working_day(day, days=days).date(), days

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
                planned_start, days = cls.planned_start_of(
                    request.decided_at or clock.now())
                to_create.append({
                        'request': request.id,
                        'opd': request.opd.id,
                        'kind': kind,
                        'team': (request.category.team_group.id
                            if request.category
                            and request.category.team_group else None),
                        'planned_start': planned_start,
                        'planned_start_days': days,
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


class Configuration(metaclass=PoolMeta):
    __name__ = 'egov.configuration'
    handoff_start_days = fields.Integer(
        "Follow-up: Planned Start (working days)", required=True,
        domain=[('handoff_start_days', '>', 0)],
        help="The planned start of the next SOP (Pembangunan or "
        "Pengembangan Aplikasi), in working days of the calendar after "
        "the approval; the team may then change the date on the "
        "follow-up.")

    @classmethod
    def default_handoff_start_days(cls):
        return PLANNED_START_DAYS
