"""Service-time statistics: per step, role, OPD and month, the number of
finished steps, the median and 90th percentile of their working time and the
share that kept the SOP's standard. Computed in Python (median and
percentile are not portable SQL), stored for graph and list views, exported
to Excel."""
import datetime as dt
import io
import math
import statistics
from collections import defaultdict
from decimal import Decimal

import xlsxwriter

from trytond.model import ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.transaction import without_check_access
from trytond.wizard import StateAction, StateTransition, Wizard

from .report import CheckedReport
from .workcalendar import to_local
from .worktime import whole_minutes

DIMENSIONS = [
    ('all', "All Steps"),
    ('step', "Step"),
    ('role', "Role"),
    ('opd', "Organization (OPD)"),
    ]


def percentile(values, share):
    "Nearest-rank percentile of sorted `values`"
    rank = max(math.ceil(share * len(values)), 1)
    return values[rank - 1]


class StepTime(ModelSQL, ModelView):
    "Service Time Statistics"
    __name__ = 'egov.report.step_time'
    __string__ = "Service Time Statistics"
    month = fields.Date("Month", readonly=True)
    dimension = fields.Selection(DIMENSIONS, "By", readonly=True)
    key = fields.Char("Step / Role / OPD", readonly=True)
    count = fields.Integer("Finished Steps", readonly=True)
    median = fields.Integer("Median (working minutes)", readonly=True)
    p90 = fields.Integer("90th Percentile (working minutes)", readonly=True)
    within = fields.Numeric(
        "Within the Standard (%)", digits=(5, 1), readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [
            ('month', 'DESC'), ('dimension', 'ASC'), ('key', 'ASC'),
            ('id', 'ASC')]

    @classmethod
    def rows(cls):
        "The statistics of every finished step, as values"
        History = Pool().get('egov.request.history')
        groups = defaultdict(list)
        with without_check_access():
            records = History.search([
                    ('finished', '!=', None),
                    ('step', '!=', None),
                    ('used_minutes', '!=', None),
                    ])
            for record in records:
                month = to_local(record.finished).date().replace(day=1)
                sample = (record.used_minutes,
                    record.standard_minutes is None
                    or record.used_minutes <= record.standard_minutes)
                for dimension, key in [
                        ('all', '-'),
                        ('step', record.step.rec_name),
                        ('role', record.responsible or '-'),
                        ('opd', record.request.opd.name),
                        ]:
                    groups[(month, dimension, key)].append(sample)
        result = []
        for (month, dimension, key), samples in sorted(groups.items()):
            minutes = sorted(m for m, _ in samples)
            kept = sum(1 for _, ok in samples if ok)
            result.append({
                    'month': month,
                    'dimension': dimension,
                    'key': key,
                    'count': len(samples),
                    'median': whole_minutes(statistics.median(minutes)),
                    'p90': percentile(minutes, 0.9),
                    'within': (Decimal(kept * 100) / len(samples)
                        ).quantize(Decimal('0.1')),
                    })
        return result

    @classmethod
    def refresh(cls):
        "Recompute the statistics from the step history"
        with without_check_access():
            cls.delete(cls.search([]))
            cls.create(cls.rows())


class StepTimeRefresh(Wizard):
    "Compute Service Time Statistics"
    __name__ = 'egov.report.step_time.refresh'
    start = StateTransition()
    open_ = StateAction('egov_app_request.act_step_time')

    def transition_start(self):
        Pool().get('egov.report.step_time').refresh()
        return 'open_'

    def do_open_(self, action):
        return action, {}


class StepTimeExcel(CheckedReport):
    "Service time statistics as an Excel workbook"
    __name__ = 'egov.report.step_time.xlsx'

    @classmethod
    def execute(cls, ids, data):
        pool = Pool()
        StepTime = pool.get('egov.report.step_time')
        action = cls._get_action(data)
        cls.check_access(action, StepTime.__name__, ids)
        records = StepTime.browse(ids) if ids else StepTime.search([])
        labels = StepTime.fields_get()
        dimensions = dict(labels['dimension']['selection'])
        output = io.BytesIO()
        workbook = xlsxwriter.Workbook(output, {'in_memory': True})
        bold = workbook.add_format({'bold': True, 'bg_color': '#DDEBF7'})
        month_format = workbook.add_format({'num_format': 'mmm yyyy'})
        names = ['month', 'key', 'count', 'median', 'p90', 'within']
        for dimension, title in DIMENSIONS:
            rows = [r for r in records if r.dimension == dimension]
            sheet = workbook.add_worksheet(dimensions[dimension][:31])
            for column, name in enumerate(names):
                sheet.write(0, column, labels[name]['string'], bold)
            for line, record in enumerate(rows, 1):
                sheet.write_datetime(line, 0, _datetime(record.month),
                    month_format)
                sheet.write(line, 1, record.key)
                sheet.write_number(line, 2, record.count)
                sheet.write_number(line, 3, record.median)
                sheet.write_number(line, 4, record.p90)
                sheet.write_number(line, 5, float(record.within))
            sheet.set_column(0, 0, 12)
            sheet.set_column(1, 1, 48)
            sheet.set_column(2, 5, 18)
            sheet.freeze_panes(1, 0)
        workbook.close()
        return ('xlsx', output.getvalue(), False, action.name)

    @classmethod
    def _get_action(cls, data):
        ActionReport = Pool().get('ir.action.report')
        action_id = data.get('action_id')
        if action_id is None:
            # Found for everyone, so that check_access refuses whoever is
            # not in its groups (an AccessError, not a failed unpacking).
            with without_check_access():
                action, = ActionReport.search([
                        ('report_name', '=', cls.__name__),
                        ])
            return action
        return ActionReport(action_id)


def _datetime(date):
    return dt.datetime.combine(date, dt.time())
