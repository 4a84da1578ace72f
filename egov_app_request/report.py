"""Reports on requests, and what every report of the module checks before
it renders: what stays inside Diskominfo is printed by Diskominfo only,
whatever path the print takes."""
from trytond.i18n import gettext
from trytond.pool import Pool
from trytond.report import Report
from trytond.transaction import Transaction, without_check_access

from .exceptions import ReportAccessError


class CheckedReport(Report):
    """A report of the module: besides Tryton's checks (the groups of its
    action, read access to its records), the action it renders must be its
    own. trytond renders the template of whatever `action_id` the caller
    sends, and looks for the groups of that action under this report's
    name: another report's action (with no groups under this name) would
    render with none of its checks."""

    @classmethod
    def execute(cls, ids, data):
        """As Report.execute, but refused with a message before anything is
        read: trytond looks for the action among those the user may see
        (ir.action's rule) and fails on an assertion when there is none."""
        ActionReport = Pool().get('ir.action.report')
        action_id = data.get('action_id')
        with without_check_access():
            if action_id is None:
                actions = ActionReport.search(
                    [('report_name', '=', cls.__name__)], limit=1)
                action = actions[0] if actions else None
                if action:
                    data = dict(data, action_id=action.id)
            else:
                action = ActionReport(int(action_id))
            model = action.model or data.get('model') if action else None
        if action is not None:
            cls.check_access(action, model, list(map(int, ids)))
        return super().execute(ids, data)

    @classmethod
    def check_access(cls, action, model, ids):
        if Transaction().user and action.report_name != cls.__name__:
            ActionReport = Pool().get('ir.action.report')
            with without_check_access():
                own = ActionReport.search(
                    [('report_name', '=', cls.__name__)], limit=1)
                name = own[0].name if own else cls.__name__
            raise ReportAccessError(gettext(
                    'egov_app_request.msg_report_wrong_action',
                    report=name))
        if Transaction().user:
            # trytond's own refusal names the report by its technical name
            # ("egov.request.letter.technical"): the user reads the
            # action's translated name instead.
            pool = Pool()
            ActionReport = pool.get('ir.action.report')
            User = pool.get('res.user')
            groups = set(User.get_groups())
            report_groups = ActionReport.get_groups(cls.__name__, action.id)
            if report_groups and not groups & report_groups:
                raise ReportAccessError(gettext(
                        'egov_app_request.msg_report_not_allowed',
                        report=action.name))
        super().check_access(action, model, ids)


class RequestSummary(CheckedReport):
    "A one-page summary of a request and its step history"
    __name__ = 'egov.request.summary'
