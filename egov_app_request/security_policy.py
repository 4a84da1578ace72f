"""The product's security policy, applied to trytond's configuration when
the module is imported.

trytond imports every installed module at ``Pool.start()``, before it
serves a request: the server (``trytond``, ``trytond.application:app``
under gunicorn), ``trytond-admin``, ``trytond-cron``, ``trytond-worker``
and the tests' in-process pools. So the policy travels with the module and
no configuration file can be forgotten: the site file (``-c site.conf`` or
``TRYTOND_CONFIG=site.conf``) holds the site's settings only.

Each setting below is a floor. Where the site configuration leaves it
unset, the product's value applies; where the site sets it stricter, the
site's value stays; where the site sets it weaker, a WARNING names the
setting and the product's value replaces it. The effective values are
logged at start, in one INFO line of the logger
``egov_app_request.security_policy``.

- ``[session] max_age`` 30600 s: a session lives one working day
  (07:30-16:00) at most, however active;
- ``[session] timeout`` 1800 s: it ends after 30 minutes without activity;
- ``[session] max_attempt`` 4: trytond refuses a login (429) when more than
  ``max_attempt`` failed ones of the account precede it in the last
  ``timeout`` seconds, so the 6th attempt after 5 failures is refused
  (``res.user.get_login``: ``count > max_attempt``);
- ``[session] max_attempt_ip_network`` 50: the same, per client network
  (``ip_network_4`` /32, ``ip_network_6`` /56), whatever the account;
- ``[password] length`` 12 characters;
- ``[password] forbidden``: ``data/forbidden_passwords.txt`` (common
  passwords and local words); a site list replaces it in trytond's own
  check, the product's list is checked besides (``res.user``
  ``validate_password`` in organization.py, whole password, any case);
- ``[password] entropy`` 2.0: the Shannon entropy of the password's
  characters, in bits per character (``aaaaaaaaaaaa`` has 0,
  ``abcabcabcabc`` 1.58, ``Tangerang-2026!`` 3.37); trytond 8.0 has no such
  check, organization.py makes it;
- ``[request] max_size_authenticated`` 25 MiB: a larger request of a
  logged-in user is refused (413) before its body is read (one document is
  limited further by the module's configuration, 10 MB by default).

Also: the development server's ``Server`` header names no version
(``hide_server_version``); gunicorn's is set by etc/gunicorn.conf.py."""
import functools
import logging
import math
from collections import Counter
from pathlib import Path

from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.serving import WSGIRequestHandler

from trytond import config

logger = logging.getLogger(__name__)

FORBIDDEN_PASSWORDS = Path(__file__).resolve().parent / 'data' / (
    'forbidden_passwords.txt')

#: (section, option) -> (product value, 'max' when a lower value is
#: stricter, 'min' when a higher one is)
FLOORS = {
    ('session', 'max_age'): (30600, 'max'),
    ('session', 'timeout'): (1800, 'max'),
    ('session', 'max_attempt'): (4, 'max'),
    ('session', 'max_attempt_ip_network'): (50, 'max'),
    ('password', 'length'): (12, 'min'),
    ('password', 'entropy'): (2.0, 'min'),
    ('request', 'max_size_authenticated'): (25 * 1024 * 1024, 'max'),
    }

#: trytond's own defaults (trytond/config.py): a value equal to one of them
#: is taken as left unset by the site, and the product's value applies
_TRYTOND_DEFAULTS = {
    ('session', 'max_age'): str(60 * 60 * 24 * 30),
    ('session', 'timeout'): str(60 * 5),
    ('session', 'max_attempt'): '5',
    ('session', 'max_attempt_ip_network'): '300',
    ('password', 'length'): '8',
    ('request', 'max_size_authenticated'): str(2 * 1024 * 1024 * 1024),
    }

_BANNER = 'egov'


def _number(value, floor):
    "`value` read as the type of the product's `floor`"
    return float(value) if isinstance(floor, float) else int(value)


def apply():
    """Raise trytond's configuration to the product's floors; return the
    effective values {(section, option): value}"""
    effective = {}
    for (section, option), (floor, kind) in FLOORS.items():
        if not config.has_section(section):
            config.add_section(section)
        raw = config.get(section, option)
        value = None
        if raw not in (None, ''):
            try:
                value = _number(raw, floor)
            except ValueError:
                logger.warning(
                    "[%s] %s = %r is not a number: the product's %s "
                    "applies", section, option, raw, floor)
        if raw == _TRYTOND_DEFAULTS.get((section, option)):
            # trytond's default: the site left it unset (5 minutes of
            # idle timeout would be stricter, but it is not the product's)
            value = None
        weaker = value is not None and (
            value > floor if kind == 'max' else value < floor)
        if value is None or weaker:
            if weaker:
                logger.warning(
                    "[%s] %s = %s in the site configuration is weaker than "
                    "the product's security policy: %s applies instead",
                    section, option, raw, floor)
            config.set(section, option, str(floor))
            value = floor
        effective[section, option] = value
    forbidden = config.get('password', 'forbidden')
    if not forbidden:
        config.set('password', 'forbidden', str(FORBIDDEN_PASSWORDS))
        forbidden = str(FORBIDDEN_PASSWORDS)
    elif Path(forbidden).resolve() != FORBIDDEN_PASSWORDS:
        logger.warning(
            "[password] forbidden = %s: the site's list is checked by "
            "trytond, the product's %s besides", forbidden,
            FORBIDDEN_PASSWORDS)
    effective['password', 'forbidden'] = forbidden
    logger.info("security policy in effect: %s", ' '.join(
            f'{section}.{option}={value}'
            for (section, option), value in effective.items()))
    return effective


def install():
    """Apply the policy now and again after any later reading of
    configuration files (trytond.config.update_etc), so that no file read
    after the module's import can lower a setting"""
    if not getattr(config.update_etc, '_egov_policy', False):
        update_etc = config.update_etc

        def update_etc_then_policy(*args, **kwargs):
            result = update_etc(*args, **kwargs)
            apply()
            return result
        update_etc_then_policy._egov_policy = True
        config.update_etc = update_etc_then_policy
    return apply()


def effective():
    "The settings of the policy as trytond reads them now"
    values = {}
    for (section, option), (floor, _) in FLOORS.items():
        values[f'{section}.{option}'] = _number(
            config.get(section, option), floor)
    values['password.forbidden'] = config.get('password', 'forbidden')
    return values


# --- Passwords (used by res.user.validate_password, organization.py) --------

def forbidden_passwords():
    "The product's forbidden passwords, lower case"
    stat = FORBIDDEN_PASSWORDS.stat()
    # Read again only when the file changes on disk.
    return _read_forbidden(stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=1)
def _read_forbidden(mtime_ns, size):
    with FORBIDDEN_PASSWORDS.open(encoding='utf-8') as lines:
        return frozenset(
            line.strip().lower() for line in lines
            if line.strip() and not line.startswith('#'))


def is_forbidden(password):
    return password.strip().lower() in forbidden_passwords()


def entropy(password):
    "Shannon entropy of the password's characters, bits per character"
    if not password:
        return 0.0
    counts = Counter(password)
    size = len(password)
    return -sum(n / size * math.log2(n / size) for n in counts.values())


def minimum_entropy():
    return config.getfloat('password', 'entropy', default=0) or 0


# --- Request bodies over the limit -----------------------------------------

def refuse_large_bodies(app):
    """Answer 413 to a request whose Content-Length is over its limit
    before trytond reads it: ``[request] max_size_authenticated`` (the
    largest any user may send) when it carries credentials (a session or
    key in Authorization, the portal's cookie), else ``[request]
    max_size`` (anonymous: the login and reset forms). trytond sets the
    limit on its request too, but its JSON-RPC parser turns werkzeug's 413
    into "400 Unable to get RPC method"."""
    wsgi_app = app.wsgi_app
    if getattr(wsgi_app, '_egov_body_limit', False):
        return

    def limited(environ, start_response):
        try:
            length = int(environ.get('CONTENT_LENGTH') or 0)
        except ValueError:
            length = 0
        if environ.get('HTTP_AUTHORIZATION') or environ.get('HTTP_COOKIE'):
            limit = config.getint('request', 'max_size_authenticated')
        else:
            limit = config.getint('request', 'max_size')
        if length > limit:
            response = RequestEntityTooLarge()
            return response(environ, start_response)
        return wsgi_app(environ, start_response)
    limited._egov_body_limit = True
    app.wsgi_app = limited


# --- The Server header of trytond's development server ----------------------

def hide_server_version():
    """Werkzeug's development server (``trytond``, the demo) answers
    ``Server: Werkzeug/3.1.9 Python/3.11.7``: name no version"""
    WSGIRequestHandler.version_string = lambda self: _BANNER

