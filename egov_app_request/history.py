"""The audit trail of a request (egov.request.history): one record per
pass of a step, opened when the step starts with its standard and deadline
in working time, closed when it ends with who, when, the outcome, the note
and the step's output. Written by the procedure only."""
import datetime as dt

from sql import Null

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.pool import Pool

from .access import CheckModificationFirstMixin, RelationRuleMixin
from .analysis import without_unreadable_fields
from .deadline_recompute import (
    DeadlineComputer, first_open_step, queued, recompute_open_deadlines)
from .exceptions import HistoryImmutableError
from .notice import check_deadlines
from .request import TIMING_VISUAL, TIMINGS
from .sop import STATES
from .workcalendar import to_local, work_calendar
from . import clock

class RequestHistory(
        CheckModificationFirstMixin, RelationRuleMixin, ModelSQL, ModelView):
    "Step history of a request (audit trail)"
    __name__ = 'egov.request.history'
    __string__ = "Step History"
    request = fields.Many2One(
        'egov.request', "Request", required=True, ondelete='CASCADE',
        readonly=True)
    state = fields.Selection(STATES, "Stage", readonly=True, required=True)
    state_string = state.translated('state')
    step = fields.Many2One('egov.step', "Step", readonly=True)
    responsible = fields.Char("Responsible", readonly=True,
        help="The groups (or the OPD) responsible when the step started.")
    actor = fields.Many2One('res.user', "Done by", readonly=True)
    started = fields.DateTime("Started", readonly=True, required=True)
    finished = fields.DateTime("Finished", readonly=True)
    outcome = fields.Selection([
            (None, ""),
            ('done', "Done"),
            ('complete', "Complete"),
            ('incomplete', "Incomplete"),
            ('submitted', "Submitted"),
            ('resubmitted', "Completed by the OPD"),
            ('validated', "Validated"),
            ('revision', "Returned for Revision"),
            ('rejection', "Rejection Concluded"),
            ('approved', "Approved"),
            ('approved_conditions', "Approved with Conditions"),
            ('rejected', "Rejected"),
            ], "Outcome", readonly=True)
    outcome_string = outcome.translated('outcome')
    notes = fields.Text("Notes", readonly=True)
    output = fields.Text("Output", readonly=True)
    standard_minutes = fields.Integer(
        "Standard (working minutes)", readonly=True,
        help="The working time this pass of the step may take; after a "
        "pause, what was left of it.")
    standard_days = fields.Integer(
        "Standard (working days)", readonly=True,
        help="Set when a day counts to the end of the next working day.")
    deadline = fields.DateTime("Deadline", readonly=True)
    nearly_late_at = fields.DateTime("Nearly Late at", readonly=True)
    used_minutes = fields.Integer(
        "Used (working minutes)", readonly=True,
        help="Frozen when the step ends; calendar changes do not alter it.")
    time_used = fields.Function(
        fields.Integer("Used (working minutes)"), 'get_time')
    time_left = fields.Function(
        fields.Integer("Left (working minutes)"), 'get_time')
    timing = fields.Function(
        fields.Selection(TIMINGS, "Timing"),
        'get_time', searcher='search_timing')
    warned_nearly_late = fields.DateTime(
        "Nearly Late Notice Sent", readonly=True)
    warned_late = fields.DateTime("Late Notice Sent", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('request')
        cls._order = [('started', 'ASC'), ('id', 'ASC')]
        # The open step of each request: the queues' order (egov.request
        # order_timing, order_deadline) reads only these records.
        table = cls.__table__()
        cls._sql_indexes.add(Index(
                table,
                (table.request, Index.Range()),
                (table.deadline, Index.Range()),
                (table.nearly_late_at, Index.Range()),
                where=table.finished == Null))

    @staticmethod
    def default_started():
        return clock.now()

    @classmethod
    def fields_get(cls, fields_names=None, level=0):
        return without_unreadable_fields(
            cls, super().fields_get(fields_names, level=level))

    @classmethod
    def view_attributes(cls):
        return super().view_attributes() + [TIMING_VISUAL]

    @property
    def is_pause(self):
        "While the OPD completes its file, the clock stops"
        return self.state == 'incomplete'

    def working_minutes(self, until):
        "Working minutes of this pass from its start until `until` (UTC)"
        if self.is_pause or not self.started:
            return None
        return work_calendar().between(
            to_local(self.started), to_local(until))

    @classmethod
    def standard_of(cls, step, start, resumed=None):
        """The standard and deadline of a pass of `step` starting at
        `start` (UTC); after a pause (`resumed`, the pause record) what was
        left of the pass that paused."""
        pool = Pool()
        Configuration = pool.get('egov.configuration')
        config = Configuration.cached()
        values = {'standard_minutes': None, 'standard_days': None}
        if resumed:
            paused, = cls.search([
                    ('request', '=', resumed.request.id),
                    ('state', '=', step.state),
                    ('finished', '<=', resumed.started),
                    ], order=[('finished', 'DESC'), ('id', 'DESC')], limit=1)
            values['standard_minutes'] = max(
                (paused.standard_minutes or 0) - (paused.used_minutes or 0),
                0)
        elif step.duration_unit == 'minute':
            values['standard_minutes'] = step.duration
        elif config.day_rule == 'minutes':
            values['standard_minutes'] = step.duration * config.day_minutes
        else:
            values['standard_days'] = step.duration
        values.update(cls._deadlines(start, **values))
        return values

    @classmethod
    def _deadlines(cls, start, standard_minutes=None, standard_days=None):
        """The deadline and nearly-late moment of a pass starting at `start`
        (UTC), and its standard in minutes when it counts in days: the
        arithmetic of the recompute after a calendar change
        (deadline_recompute.DeadlineComputer), one figure at a time."""
        minutes, deadline, nearly = DeadlineComputer()(
            start, standard_minutes, standard_days)
        values = {'deadline': deadline, 'nearly_late_at': nearly}
        if standard_days:
            values['standard_minutes'] = minutes
        return values

    @classmethod
    def check_deadlines(cls):
        "Scheduled job: notices for nearly late and late steps, once each"
        return check_deadlines()

    @classmethod
    def recompute_open_deadlines(cls, days=None):
        """After a change of the calendar: new deadlines for the steps still
        open; finished steps keep the figures they had (set-based:
        deadline_recompute.py). `days`: only the working time of these
        dates changed (a holiday), only the steps that run across them
        can move. With a worker ([queue] worker = True) it is queued and
        the save that changed the calendar does not wait; without one it
        runs here."""
        if not queued():
            recompute_open_deadlines(days=days)
            return
        anchor = first_open_step()
        if anchor is not None:
            cls.__queue__.run_recompute([cls(anchor)],
                sorted(d.isoformat() for d in days) if days else None)

    @classmethod
    def run_recompute(cls, records, days=None):
        """The queued recompute (trytond-worker): the open steps from the
        calendar as it is now, whichever change queued it (`days`, ISO
        dates: the steps that run across them); `records` is only the step
        the task is attached to"""
        recompute_open_deadlines(cached=False, days=[
                dt.date.fromisoformat(d) for d in days] if days else None)

    @classmethod
    def get_time(cls, records, names):
        now = clock.now()
        result = {n: {} for n in names}
        for record in records:
            used = record.used_minutes
            if used is None and not record.finished:
                used = record.working_minutes(now)
            left = (record.standard_minutes - used
                if record.standard_minutes is not None and used is not None
                else None)
            end = record.finished or now
            if record.deadline is None:
                timing = None
            elif end > record.deadline:
                timing = 'late'
            elif not record.finished and end >= record.nearly_late_at:
                timing = 'nearly_late'
            else:
                timing = 'on_time'
            values = {'time_used': used, 'time_left': left, 'timing': timing}
            for name in names:
                result[name][record.id] = values[name]
        return result

    @classmethod
    def search_timing(cls, name, clause):
        "Open steps by timing: the late and nearly late queues"
        _, operator, value = clause
        now = clock.now()
        domains = {
            'late': [('deadline', '<', now)],
            'nearly_late': [
                ('deadline', '>=', now), ('nearly_late_at', '<=', now)],
            'on_time': [('nearly_late_at', '>', now)],
            }
        domain = [('finished', '=', None), ('deadline', '!=', None),
            domains.get(value, [('id', '=', -1)])]
        if operator in {'!=', 'not in'}:
            domain = ['NOT', domain]
        return domain

    @classmethod
    def check_modification(cls, mode, records, values=None, external=False):
        """The audit trail is written by the procedure only, never by a
        user (CheckModificationFirstMixin: before the platform's access
        rules, which refuse too, so that the user reads why)"""
        super().check_modification(
            mode, records, values=values, external=external)
        if external:
            raise HistoryImmutableError(gettext(
                    'egov_app_request.msg_history_immutable'))
