"""The request register (Rekap Pengajuan) as an Excel workbook: one row per
request submitted in a period, the working minutes of each of its SOP steps
and whether it kept the time standards.

The workbook is Indonesian, as the Dinas's other documents are, whatever the
language of the user who exports it. The managers and Diskominfo staff who
see the statistics export it; the record rules of the user apply."""
import datetime as dt
import io

import xlsxwriter

from trytond import backend
from trytond.exceptions import UserError
from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.pool import Pool
from trytond.tools import grouped_slice
from trytond.transaction import (
    Transaction, check_access, without_check_access)
from trytond.wizard import Button, StateReport, StateView, Wizard

from . import clock, vocabulary
from .formatting import format_date_id, format_datetime_id
from .report import CheckedReport
from .sop import STEP_NUMBERS, STEP_STATES
from .workcalendar import to_local, to_utc

TITLE_ID = "Rekap Pengajuan Aplikasi e-Government"
SHEET_ID = "Rekap Pengajuan"
# The columns: (key, Indonesian header, width).
COLUMNS = [
    ('number', "Nomor", 16),
    ('opd', "OPD", 32),
    ('kind', "Jenis", 22),
    ('title', "Judul Aplikasi", 40),
    ('step', "Langkah Saat Ini", 40),
    ('decision', "Keputusan", 24),
    ('submitted_at', "Diajukan", 17),
    ('decided_at', "Diputuskan", 17),
    ] + [
    (f'step_{n}', f"Langkah {n} (menit kerja)", 11)
    for _, n in STEP_STATES
    ] + [
    ('total', "Total Menit Kerja", 12),
    ('within', "Sesuai Standar Waktu", 12),
    ]
YES_NO_ID = {True: "Ya", False: "Tidak"}


class RegisterPeriodError(UserError):
    "The period of the request register ends before it starts."


def _today():
    "Today in the Dinas's time zone, by the module's clock"
    return to_local(clock.now()).date()


def _as_date(value):
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(value)


def check_period(from_date, to_date):
    "Refuse a period that ends before it starts"
    if from_date > to_date:
        Lang = Pool().get('ir.lang')
        lang = Lang.get()
        raise RegisterPeriodError(gettext(
                'egov_app_request.msg_register_period',
                from_date=lang.strftime(from_date),
                to_date=lang.strftime(to_date)))


def register_rows(from_date, to_date):
    """The rows of the register: the requests the user may read submitted
    between `from_date` and `to_date` (dates in the Dinas's time zone),
    ordered by number, as dictionaries keyed by the COLUMNS."""
    pool = Pool()
    Request = pool.get('egov.request')
    History = pool.get('egov.request.history')
    start = to_utc(dt.datetime.combine(from_date, dt.time()))
    end = to_utc(dt.datetime.combine(
            to_date + dt.timedelta(days=1), dt.time()))
    # Step names and states as the Indonesian documents name them.
    with Transaction().set_context(language=vocabulary.LANGUAGE):
        with check_access():
            requests = Request.search([
                    ('state', '!=', 'draft'),
                    ('submitted_at', '>=', start),
                    ('submitted_at', '<', end),
                    ], order=[('number', 'ASC'), ('id', 'ASC')])
            passes = {}
            # Many requests per search (grouped_slice alone gives one).
            for sub_requests in grouped_slice(
                    requests, backend.MAX_QUERY_PARAMS):
                for record in History.search([
                            ('request', 'in', [r.id for r in sub_requests]),
                            ]):
                    passes.setdefault(record.request.id, []).append(record)
        rows = []
        for request in requests:
            row = {
                'number': request.number,
                'opd': request.opd.name,
                'kind': vocabulary.kind(request.kind),
                'title': request.title,
                'step': (request.step.rec_name if request.step
                    else request.state_string),
                'decision': vocabulary.decision(request.decision),
                'submitted_at': to_local(request.submitted_at),
                'decided_at': to_local(request.decided_at),
                }
            total, within = 0, True
            for record in passes.get(request.id, []):
                number = STEP_NUMBERS.get(record.state)
                # time_used: frozen when the pass ended, live while it is
                # open; none for the pauses (the OPD completes its file).
                used = record.time_used
                if number is None or used is None:
                    continue
                key = f'step_{number}'
                row[key] = row.get(key, 0) + used
                total += used
                # A pass still open that already used more than its
                # standard cannot keep it any more.
                if (record.standard_minutes is not None
                        and used > record.standard_minutes):
                    within = False
            row['total'] = total
            row['within'] = within
            rows.append(row)
    return rows


class RegisterExportStart(ModelView):
    "Export the request register"
    __name__ = 'egov.request.register.export.start'
    __string__ = "Request Register"
    from_date = fields.Date(
        "From Date", required=True,
        help="The first day on which the requests were submitted (WIB).")
    to_date = fields.Date(
        "To Date", required=True,
        help="The last day on which the requests were submitted (WIB), "
        "included.")

    @classmethod
    def default_from_date(cls):
        return _today().replace(day=1)

    @classmethod
    def default_to_date(cls):
        return _today()


class RegisterExport(Wizard):
    "Export the request register to Excel"
    __name__ = 'egov.request.register.export'
    start = StateView(
        'egov.request.register.export.start',
        'egov_app_request.register_export_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Export", 'print_', 'tryton-print', default=True),
            ])
    print_ = StateReport('egov.request.register.xlsx')

    def do_print_(self, action):
        check_period(self.start.from_date, self.start.to_date)
        return action, {
            'from_date': self.start.from_date.isoformat(),
            'to_date': self.start.to_date.isoformat(),
            }


class RegisterExcel(CheckedReport):
    "Request register (Rekap Pengajuan) as an Excel workbook"
    __name__ = 'egov.request.register.xlsx'

    @classmethod
    def execute(cls, ids, data):
        action = cls._get_action(data)
        cls.check_access(action, 'egov.request', [])
        today = _today()
        from_date = _as_date(data.get('from_date') or today.replace(day=1))
        to_date = _as_date(data.get('to_date') or today)
        check_period(from_date, to_date)
        rows = register_rows(from_date, to_date)

        output = io.BytesIO()
        workbook = xlsxwriter.Workbook(output, {'in_memory': True})
        title = workbook.add_format({'bold': True, 'font_size': 14})
        header = workbook.add_format({
                'bold': True, 'bg_color': '#DDEBF7', 'border': 1,
                'text_wrap': True, 'valign': 'top'})
        moment = workbook.add_format({
                'num_format': 'dd/mm/yyyy hh:mm', 'valign': 'top'})
        text = workbook.add_format({'text_wrap': True, 'valign': 'top'})
        number = workbook.add_format({'valign': 'top'})
        sheet = workbook.add_worksheet(SHEET_ID)
        sheet.write(0, 0, TITLE_ID, title)
        sheet.write(1, 0, "Periode: %s s.d. %s" % (
                format_date_id(from_date), format_date_id(to_date)))
        sheet.write(2, 0, "Dicetak: %s · %s pengajuan" % (
                format_datetime_id(clock.now()), len(rows)))
        first = 4
        for column, (_, label, width) in enumerate(COLUMNS):
            sheet.write(first, column, label, header)
            sheet.set_column(column, column, width)
        sheet.set_row(first, 45)
        for line, row in enumerate(rows, first + 1):
            for column, (key, _, _) in enumerate(COLUMNS):
                value = row.get(key)
                if value is None or value == '':
                    sheet.write_blank(line, column, None, number)
                elif key == 'within':
                    sheet.write_string(line, column, YES_NO_ID[value], number)
                elif isinstance(value, dt.datetime):
                    sheet.write_datetime(line, column, value, moment)
                elif isinstance(value, int):
                    sheet.write_number(line, column, value, number)
                else:
                    sheet.write_string(line, column, value, text)
        sheet.freeze_panes(first + 1, 1)
        sheet.autofilter(first, 0, first + len(rows), len(COLUMNS) - 1)
        workbook.close()
        name = (f'{SHEET_ID} {from_date:%Y-%m-%d} s.d. {to_date:%Y-%m-%d}')
        return ('xlsx', output.getvalue(), False, name)

    @classmethod
    def _get_action(cls, data):
        ActionReport = Pool().get('ir.action.report')
        action_id = data.get('action_id')
        if action_id is None:
            # Found for everyone, so that check_access refuses whoever is
            # not in its groups.
            with without_check_access():
                action, = ActionReport.search([
                        ('report_name', '=', cls.__name__),
                        ])
            return action
        return ActionReport(action_id)
