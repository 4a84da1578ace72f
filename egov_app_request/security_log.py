"""The security log (Peraturan BSSN 4/2021 Pasal 27, "penanganan eror dan
pencatatan log"; OWASP ASVS V16): one line per security event, on the
Python logger ``egov_app_request.security``.

It is a log of the server, not a table: application users (staff and OPD)
cannot read it through Tryton; the operator routes the logger to its own
file with a logging configuration (see README, Production).

Each line is ``key=value`` pairs in a fixed order:

    event=login_failure time=2026-12-01T06:15:02Z user=kadis.dinkes
    ip=10.1.2.3 model=res.user id=- detail="..."

Never logged: passwords, session keys, CSRF tokens, document contents.
Callers pass identifiers only; ``detail`` is a short description (an
exception's message name, a file's sanitised name and size)."""
import datetime as dt
import logging

from trytond.pool import Pool
from trytond.transaction import Transaction

logger = logging.getLogger('egov_app_request.security')

#: The events the product logs, and only these.
EVENTS = {
    'login_success',
    'login_failure',
    'access_refused',
    'transition_refused',
    'upload_refused',
    'throttled',
    }


def _quote(value):
    text = str(value)
    if not text:
        return '-'
    # One event stays one line, and a value cannot forge another key.
    text = ''.join(c if c.isprintable() else ' ' for c in text)
    if any(c in text for c in ' "=\\'):
        text = '"%s"' % text.replace('\\', '\\\\').replace('"', '\\"')
    return text


def _current_user():
    transaction = Transaction()
    if not getattr(transaction, 'database', None) or not transaction.user:
        return None
    user_id = transaction.user
    try:
        User = Pool().get('res.user')
        user_id = transaction.user
        with transaction.set_user(0):
            return User(user_id).login
    except Exception:
        return str(transaction.user)


def _current_ip():
    transaction = Transaction()
    context = getattr(transaction, 'context', None) or {}
    request = context.get('_request') or {}
    return request.get('remote_addr')


def log_event(event, user=None, ip=None, model=None, record_id=None,
        detail=None, level=logging.WARNING):
    """Write one security event.

    ``user`` is a login (or a user id); ``ip`` the client's address; both
    default to the current transaction's user and request. ``model`` and
    ``record_id`` name the record concerned, if any."""
    assert event in EVENTS, event
    if user is None:
        user = _current_user()
    if ip is None:
        ip = _current_ip()
    time = dt.datetime.now(dt.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')
    fields = [
        ('event', event),
        ('time', time),
        ('user', user or ''),
        ('ip', ip or ''),
        ('model', model or ''),
        ('id', record_id if record_id is not None else ''),
        ('detail', detail or ''),
        ]
    logger.log(level, ' '.join(
            '%s=%s' % (key, _quote(value)) for key, value in fields))
