"""What a step button did, told to the person who pressed it.

The web client shows a step button's result only as a reloaded form. Each
step button (request.py, `from_state`) therefore answers an interactive
client with this wizard: one dialog that says, in the user's language, what
happened, who acts next and by when."""
from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.pool import Pool
from trytond.transaction import Transaction
from trytond.wizard import Button, StateView, Wizard

from .formatting import format_datetime_id


def wants_feedback():
    """Whether the caller shows dialogs: Tryton's clients (sao, the desktop
    client) name themselves in the context key 'client' (the bus uses it);
    scripts and API calls do not, and get the button's plain answer."""
    return bool(Transaction().context.get('client'))


def feedback_action():
    "The id of the action that tells what a step button did"
    pool = Pool()
    ModelData = pool.get('ir.model.data')
    Action = pool.get('ir.action')
    return Action.get_action_id(
        ModelData.get_id('egov_app_request', 'wizard_request_moved'))


def describe(request):
    "What the last step button did to `request`, and what comes next"
    History = Pool().get('egov.request.history')
    lines = [request.rec_name]
    pending = getattr(request, 'validation_pending_message', None)
    pending = pending() if pending else None
    if pending:
        # A validation that waits for another validator (step 8).
        lines.append(pending)
        return '\n'.join(lines)
    done = History.search([
            ('request', '=', request.id),
            ('finished', '!=', None),
            ], order=[('finished', 'DESC'), ('id', 'DESC')], limit=1)
    if done:
        record, = done
        lines.append(gettext('egov_app_request.msg_feedback_done',
                step=record.state_string,
                outcome=record.outcome_string or '-',
                actor=record.actor.rec_name if record.actor else '-',
                moment=format_datetime_id(record.finished)))
    if request.state == 'done':
        lines.append(gettext('egov_app_request.msg_feedback_decided',
                decision=request.decision_string or '-',
                opd=request.opd.rec_name if request.opd else '-'))
    elif request.state == 'incomplete':
        lines.append(gettext('egov_app_request.msg_feedback_paused',
                opd=request.opd.rec_name if request.opd else '-'))
    else:
        lines.append(gettext('egov_app_request.msg_feedback_next',
                step=request.state_string,
                responsible=request.responsible or '-',
                deadline=format_datetime_id(request.deadline) or '-'))
        if request.awaiting_input:
            lines.append(gettext('egov_app_request.msg_feedback_input',
                    awaiting=request.awaiting_input))
    return '\n'.join(lines)


class RequestMovedStart(ModelView):
    "What a step button did"
    __name__ = 'egov.request.moved.start'
    __string__ = "Step Done"
    message = fields.Text("What Happened", readonly=True)


class RequestMoved(Wizard):
    "Tell what a step button did, who acts next and by when"
    __name__ = 'egov.request.moved'
    start = StateView('egov.request.moved.start',
        'egov_app_request.request_moved_start_view_form', [
            Button("OK", 'end', 'tryton-ok', default=True),
            ])

    def default_start(self, fields):
        return {
            'message': '\n\n'.join(describe(r) for r in self.records),
            }
