"""The time of a request's current step against its SOP time standard.

The standard of the step, when it started, its deadline and the time
used and left in working time, for the step and for the whole procedure;
the timing (on time, nearly late, late) that colours the lists, and the
search and order of the staff queues by it. The figures are kept on the
request's history records (history.py) and computed in working time
(workcalendar.py); the request reads them here, apart from the state
machine (request.py), so that a reader of the deadlines finds them in one
place."""
from sql import Null
from sql.aggregate import Min
from sql.conditionals import Case

from trytond.model import fields
from trytond.pool import Pool, PoolMeta

from .request import TIMING_VISUAL, TIMINGS
from .workcalendar import to_local, to_utc, work_calendar
from . import clock


class Request(metaclass=PoolMeta):
    __name__ = 'egov.request'

    time_standard = fields.Function(
        fields.Char("Time Standard"), 'get_time_standard')
    step_started = fields.Function(
        fields.DateTime("Step Started"), 'get_step_started')
    deadline = fields.Function(
        fields.DateTime("Step Deadline"), 'get_timing')
    time_used = fields.Function(
        fields.Integer("Step Time Used (minutes)"), 'get_timing')
    time_left = fields.Function(
        fields.Integer("Step Time Left (minutes)"), 'get_timing')
    timing = fields.Function(
        fields.Selection(TIMINGS, "Timing"),
        'get_timing', searcher='search_timing')
    total_standard = fields.Function(
        fields.Integer("Total Standard (minutes)",
            help="The nine steps' standards in working minutes."),
        'get_timing')
    total_used = fields.Function(
        fields.Integer("Total Time Used (minutes)",
            help="Working time of every step so far, pauses excluded."),
        'get_timing')
    total_left = fields.Function(
        fields.Integer("Total Time Left (minutes)"), 'get_timing')
    overall_deadline = fields.Function(
        fields.DateTime("Overall Deadline",
            help="When the whole procedure is due if the time left is "
            "used from now on (or from the resubmission, while paused)."),
        'get_timing')

    @classmethod
    def view_attributes(cls):
        return super().view_attributes() + [TIMING_VISUAL]

    def get_time_standard(self, name):
        return self.step.time_standard if self.step else None

    @classmethod
    def get_step_started(cls, requests, name):
        History = Pool().get('egov.request.history')
        result = {r.id: None for r in requests}
        for record in History.search([
                    ('request', 'in', [r.id for r in requests]),
                    ('finished', '=', None),
                    ]):
            result[record.request.id] = record.started
        return result

    @classmethod
    def get_timing(cls, requests, names):
        pool = Pool()
        History = pool.get('egov.request.history')
        Step = pool.get('egov.step')
        Configuration = pool.get('egov.configuration')
        config = Configuration.cached()
        # The standard of each request's SOP version, once per version.
        standards = {}
        for request in requests:
            version = request.sop_version
            key = version.id if version else None
            if key not in standards:
                standards[key] = sum(
                    s.duration * (config.day_minutes
                        if s.duration_unit == 'day' else 1)
                    for s in Step.by_state(version).values())
        result = {n: {r.id: None for r in requests} for n in names}
        records = History.search([('request', 'in', [r.id for r in requests])])
        by_request = {}
        for record in records:
            by_request.setdefault(record.request.id, []).append(record)
        times = History.get_time(records, ['time_used', 'time_left', 'timing'])
        now = clock.now()
        for request in requests:
            history = by_request.get(request.id, [])
            current = [h for h in history if not h.finished]
            current = current[0] if current else None
            used = sum(times['time_used'][h.id] or 0 for h in history)
            total_standard = standards[
                request.sop_version.id if request.sop_version else None]
            values = {
                'total_standard': total_standard,
                'total_used': used if history else None,
                'total_left': (total_standard - used) if history else None,
                }
            if current:
                values.update({
                        'deadline': current.deadline,
                        'time_used': times['time_used'][current.id],
                        'time_left': times['time_left'][current.id],
                        'timing': times['timing'][current.id],
                        })
                start = now if not current.is_pause else None
                if start and values['total_left'] is not None:
                    values['overall_deadline'] = to_utc(work_calendar().add(
                            to_local(start), max(values['total_left'], 0)))
            for name in names:
                result[name][request.id] = values.get(name)
        return result

    @classmethod
    def search_timing(cls, name, clause):
        History = Pool().get('egov.request.history')
        return [('history', 'where', History.search_timing(name, clause))]

    # --- Queue order: the open step's timing, then its deadline ---------
    # The staff queues (request.xml) list late steps first, then nearly late
    # ones, each by deadline, then by submission. The figures live on the
    # open history record (finished is NULL; one per request, as
    # _record_move closes a step before it opens the next): one LEFT JOIN
    # on the open records, served by the partial index of
    # egov.request.history, and the timing compared with now in SQL.

    @classmethod
    def _open_step_table(cls, tables):
        "The open step of each request, joined once per query"
        History = Pool().get('egov.request.history')
        table, _ = tables[None]
        if 'open_step' not in tables:
            history = History.__table__()
            # Grouped, so that a request never comes back twice.
            open_step = history.select(
                history.request.as_('request'),
                Min(history.deadline).as_('deadline'),
                Min(history.nearly_late_at).as_('nearly_late_at'),
                where=history.finished == Null,
                group_by=[history.request])
            tables['open_step'] = {
                None: (open_step, open_step.request == table.id),
                }
        open_step, _ = tables['open_step'][None]
        return open_step

    @classmethod
    def order_timing(cls, tables):
        """Late (0), nearly late (1), on time (2), then the requests
        without a running step (3): paused, drafts, decided"""
        open_step = cls._open_step_table(tables)
        now = clock.now()
        return [Case(
                (open_step.deadline < now, 0),
                (open_step.nearly_late_at <= now, 1),
                (open_step.deadline != Null, 2),
                else_=3)]

    @classmethod
    def order_deadline(cls, tables):
        return [cls._open_step_table(tables).deadline]
