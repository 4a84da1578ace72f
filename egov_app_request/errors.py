"""What the server logs and answers when a call through trytond's WSGI
application fails (Peraturan BSSN 4/2021 Pasal 27 "penanganan eror dan
pencatatan log"; OWASP ASVS V16).

An error handler on trytond's application (``app.error_handler``) sees
every exception of a JSON-RPC call (the web client, integrations). It

1. writes the security log (security_log.py) for the refusals:

   ``transition_refused``
       a button of a workflow model (egov.request: submit, resubmit, each
       step button, decide...) was pressed and refused, whatever the reason:
       the request is no longer or not yet at that step (StaleClickError,
       WrongStepError), the user is not responsible for the step
       (NotResponsibleError) or may not press the button
       (AccessButtonError), the step's output or the OPD's inputs are
       missing (StepRequirementError, MissingInputError), the organization
       or position may not submit (IneligibleOrganizationError,
       IneligiblePositionError), a validator validates twice
       (AlreadyValidatedError) or any other user error of the button;
   ``access_refused``
       any other AccessError (trytond's: no read/write/create/delete
       access, record rules; the module's: ProtectedFieldError,
       HistoryImmutableError, DocumentLockedError, DeleteSubmittedError,
       LetterFrozenError) and AccessButtonError outside a workflow.

   Each line names the user (login), the client's IP, the model and the
   record ids of the call (``model.<name>.<method>`` and its first
   argument) and, as detail, the method and the exception's class: never
   the call's other arguments (passwords, contents).

2. answers an unexpected exception (not a user error, warning, login or
   concurrency answer) without its text: trytond's JSON-RPC answer would
   carry ``str(exception)``, e.g. the database driver's message. Outside
   development (TRYTOND_DEV unset) the client gets a generic message; the
   server's log keeps the traceback. A database failure
   (DatabaseOperationalError), which trytond answers with a 503 whose
   description is the driver's message, gets a generic 503 too.

The portal and the board (portal.py, board.py) log their own refusals and
answer their own generic page: they do not raise to the application."""
import logging

from trytond.exceptions import TrytonException, UserError
from trytond.model.exceptions import AccessButtonError, AccessError
from trytond.pool import Pool
from trytond.protocols.wrappers import HTTPStatus, Response, exceptions
from trytond.transaction import Transaction
from trytond.wsgi import app

from .security_log import log_event

logger = logging.getLogger(__name__)

#: What the client reads of an unexpected failure.
GENERIC_MESSAGE = ("Terjadi kesalahan pada server; tidak ada yang diubah. "
    "Silakan coba lagi; bila berulang, hubungi administrator Diskominfo. "
    "(An internal error occurred; nothing was changed.)")
#: The models whose buttons are workflow transitions.
WORKFLOW_MODELS = {'egov.request'}
MAX_IDS = 20


def _call(request):
    """(name, method, ids) of a JSON-RPC call: the model, wizard or report
    named by ``model.<name>.<method>`` and the ids of its first argument"""
    try:
        method = request.rpc_method
        params = request.rpc_params or []
    except Exception:
        return None, None, None
    if not isinstance(method, str):
        return None, None, None
    kind, _, rest = method.partition('.')
    if kind not in {'model', 'wizard', 'report'}:
        return None, method, None
    name, _, method = rest.rpartition('.')
    ids = None
    if kind == 'model' and params and isinstance(params, list):
        first = params[0]
        if isinstance(first, int) and not isinstance(first, bool):
            ids = [first]
        elif isinstance(first, list) and all(
                isinstance(i, int) and not isinstance(i, bool)
                for i in first):
            ids = first
    return name or None, method, ids


def _rpc_method(request):
    try:
        return request.rpc_method
    except Exception:
        return None


def _database(request):
    return (request.view_args or {}).get('database_name')


def _login(request):
    "The login of the call's authenticated user, or None"
    try:
        user_id = request.user_id
    except Exception:
        return None
    if not user_id:
        return None
    try:
        with Transaction().start(_database(request), 0, readonly=True):
            return Pool().get('res.user')(user_id).login
    except Exception:
        return str(user_id)


def _is_button(request, model, method):
    "Whether `method` is a button of `model` (read in the database's pool)"
    try:
        with Transaction().start(_database(request), 0, readonly=True):
            return method in Pool().get(model)._buttons
    except Exception:
        return False


def event_of(request, exception, model, method):
    """The security event of a refused call, or None (see the module's
    docstring for the mapping)"""
    if not isinstance(exception, UserError):
        return None
    if model in WORKFLOW_MODELS and _is_button(request, model, method):
        return 'transition_refused'
    if isinstance(exception, (AccessError, AccessButtonError)):
        return 'access_refused'
    return None


@app.error_handler
def egov_error_handler(app, request, exception):
    "Log refusals; keep unexpected failures' texts out of the answer"
    if isinstance(exception, exceptions.HTTPException):
        return None
    model, method, ids = _call(request)
    try:
        event = event_of(request, exception, model, method)
        if event:
            log_event(event, user=_login(request), ip=request.remote_addr,
                model=model, record_id=','.join(
                    map(str, ids[:MAX_IDS])) if ids else None,
                detail=f'{method}: {type(exception).__name__}')
    except Exception:
        logger.exception("security log of %s", method)
    if isinstance(exception, TrytonException) or app.dev:
        return None
    # An unexpected failure: the traceback to the server's log, a generic
    # answer to the client.
    logger.error("unexpected error in %s", _rpc_method(request)
        or request.path, exc_info=exception)
    if _rpc_method(request) is not None:
        return app.make_response(request, Exception(GENERIC_MESSAGE))
    return exceptions.InternalServerError()


def _generic_unavailable(dispatch):
    """trytond answers a DatabaseOperationalError with a 503 described by
    the driver's message: the same 503, described generically"""
    def dispatch_request(request):
        response = dispatch(request)
        if (isinstance(response, exceptions.ServiceUnavailable)
                and not app.dev):
            logger.warning("503 for %s: %s", request.path,
                response.description)
            if _rpc_method(request) is not None:
                return app.make_response(request, Exception(GENERIC_MESSAGE))
            return Response(GENERIC_MESSAGE,
                status=HTTPStatus.SERVICE_UNAVAILABLE,
                content_type='text/plain; charset=utf-8')
        return response
    return dispatch_request


app.dispatch_request = _generic_unavailable(app.dispatch_request)
