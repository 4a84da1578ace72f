"""Start a real trytond for the tests that span the running system
(browser, HTTP, PostgreSQL): a database built like the demo's, a server on
a free loopback port, and a small JSON-RPC client."""
import base64
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path('/usr/bin/chromium')
# Debian's Chromium as root, headless, with no traffic of its own.
CHROMIUM_ARGS = [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update',
    '--disable-sync']
VENV_BIN = Path(sys.executable).parent
SAO_ROOT = ROOT / '.sao' / 'package'
DEMO_DATABASE = 'egov_demo'  # the name scripts/demo.py gives the demo


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def write_config(directory, uri='sqlite://', sqlite_path=None, extra=''):
    "A trytond configuration for a test server in `directory`"
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    lines = ['[database]', f'uri = {uri}']
    if sqlite_path:
        lines.append(f'path = {sqlite_path}')
    lines += ['', '[web]', f'root = {SAO_ROOT}']
    if uri.startswith('postgresql'):
        # As in production (etc/trytond.conf.example): what one server
        # process saves (the configuration, the SOP's steps, the calendar)
        # is dropped at once from the caches of the others, through
        # PostgreSQL's channel. A SQLite server runs one process, whose
        # threads share its caches.
        lines += ['', '[cache]', 'clean_timeout = 0']
    lines += ['', extra]
    config = directory / 'trytond.conf'
    config.write_text('\n'.join(lines) + '\n')
    # One site file, as in production: the product's security settings
    # come with the module (egov_app_request/security_policy.py).
    return [str(config)]


def config_args(configs):
    "trytond's -c with the site file (one flag, all files after it)"
    return ['-c', *map(str, configs)] if configs else []


def clean_env(**extra):
    "The environment of a child trytond: none of the test runner's database"
    env = {k: v for k, v in os.environ.items()
        if not k.startswith(('TRYTOND_', 'DB_CACHE', 'DB_NAME'))}
    env.update(extra)
    return env


def start_server(configs, database, port=None, log=None):
    "Start trytond on 127.0.0.1 and wait until it answers"
    port = port or free_port()
    args = [str(VENV_BIN / 'trytond'), '-d', database,
        *config_args(configs)]
    env = clean_env(TRYTOND_WEB__LISTEN=f'127.0.0.1:{port}')
    output = open(log, 'wb') if log else subprocess.DEVNULL
    process = subprocess.Popen(
        args, env=env, stdout=output, stderr=subprocess.STDOUT)
    process.url = _wait_until_served(process, port, 60,
        lambda: f'trytond exited with {process.returncode}')
    return process


def _wait_until_served(process, port, seconds, exited):
    """The server's URL once it answers; RuntimeError(exited()) if it
    stops, or after `seconds`"""
    url = f'http://127.0.0.1:{port}/'
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(exited())
        try:
            urllib.request.urlopen(url, timeout=5)
            return url
        except urllib.error.HTTPError:
            return url
        except OSError:
            time.sleep(0.3)
    stop_server(process)
    raise RuntimeError(f'the server did not start within {seconds} s')


GUNICORN_CONF = ROOT / 'etc' / 'gunicorn.conf.py'
LOGGING_CONF = ROOT / 'etc' / 'trytond-logging.conf'
PRODUCTION_SECURITY_LOG = '/var/log/trytond/security.log'


def start_production_server(site_config, database, directory, log=None,
        sqlite=True, extra_env=None):
    """Start the server as the README's Production section does: gunicorn
    with the product's configuration (etc/gunicorn.conf.py), ONE site file
    in TRYTOND_CONFIG, the shipped logging configuration
    (etc/trytond-logging.conf) with the security log in `directory`.

    On SQLite one worker process with threads (one database file); on
    PostgreSQL two worker processes, as in production."""
    directory = Path(directory)
    security_log = directory / 'security.log'
    logging_conf = directory / 'logging.conf'
    logging_conf.write_text(LOGGING_CONF.read_text().replace(
            PRODUCTION_SECURITY_LOG, str(security_log)))
    port = free_port()
    env = clean_env(
        TRYTOND_CONFIG=str(site_config),
        TRYTOND_DATABASE_NAMES=database,
        TRYTOND_LOGGING_CONFIG=str(logging_conf),
        EGOV_BIND=f'127.0.0.1:{port}',
        EGOV_WORKERS='1' if sqlite else '2',
        EGOV_THREADS='4' if sqlite else '1',
        **(extra_env or {}))
    log = Path(log) if log else directory / 'gunicorn.log'
    process = subprocess.Popen(
        [str(VENV_BIN / 'gunicorn'), '-c', str(GUNICORN_CONF)],
        env=env, stdout=log.open('wb'), stderr=subprocess.STDOUT,
        cwd=str(directory))
    process.url = _wait_until_served(process, port, 90,
        lambda: f'gunicorn exited: {log.read_text(errors="replace")[-3000:]}')
    process.log = log
    process.security_log = security_log
    return process


def stop_server(process):
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()


class RPCError(Exception):
    "An error answered by trytond: args are (type, details)"


def refused(call, *args, **kwargs):
    "The JSON-RPC call fails with a user error (not a crash); its message"
    import pytest
    with pytest.raises(RPCError) as info:
        call(*args, **kwargs)
    error_type, details = info.value.args
    assert error_type == 'UserError', info.value.args
    return details[0]


class Client:
    "A JSON-RPC session of one user, as the web client makes it"

    def __init__(self, url, database):
        self.url = url.rstrip('/') + '/' + database + '/rpc/'
        self.database = database
        self.session = None
        self._id = 0
        # Sent with each call (use_preferences).
        self.context = {}

    def _post(self, method, params):
        self._id += 1
        body = json.dumps(
            {'id': self._id, 'method': method, 'params': params}).encode()
        request = urllib.request.Request(self.url, data=body, headers={
                'Content-Type': 'application/json'})
        if self.session:
            token = base64.b64encode(
                f'{self.login}:{self.user_id}:{self.session}'.encode()
                ).decode()
            request.add_header('Authorization', f'Session {token}')
        with urllib.request.urlopen(request, timeout=120) as response:
            answer = json.loads(response.read())
        if answer.get('error'):
            raise RPCError(*answer['error'])
        return answer['result']

    def login(self, login, password):
        self.login = login
        self.user_id, self.session = self._post(
            'common.db.login', [login, {'password': password}, 'en'])[:2]
        return self

    def use_preferences(self):
        """Send the user's preferences (language, …) with each call, as
        sao does from its login on"""
        self.context = self.call('model.res.user.get_preferences', True)
        return self

    def call(self, method, *args, context=None):
        return self._post(method, [*args, {**self.context, **(context or {})}])

    def read(self, model, ids, fields, context=None):
        """`model`'s read of `ids`, in the order of `ids` (the list of a
        One2Many field is in its order): trytond's read answers in the
        order the database finds the rows, which PostgreSQL changes when
        a row is updated"""
        rows = {r['id']: r for r in self.call(
                f'model.{model}.read', ids, fields, context=context)}
        return [rows[i] for i in ids]


# The throttle of request creation and uploads (egov_app_request/
# throttle.py) raised, for a server whose tests are not about throttling
# but create requests and upload quickly as one account from one address
# (tests/test_upload_security.py tests the default limits).
RELAXED_THROTTLE = {
    'throttle_requests_user': 1000,
    'throttle_requests_ip': 1000,
    'throttle_uploads_user': 1000,
    'throttle_uploads_ip': 1000,
    }


def relax_throttle(admin):
    "Raise the throttle limits through the administrator's JSON-RPC client"
    admin.call('model.egov.configuration.write', [1], RELAXED_THROTTLE)


def ensure_chromium():
    "Install Debian's Chromium if missing; skip the test if that fails"
    import pytest
    if not CHROMIUM.exists():
        script = ROOT / 'scripts' / 'install_chromium.sh'
        subprocess.run(['sh', str(script)], check=False,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is absent and could not be installed")


def ensure_sao(locale=True):
    """The web client; with the repository's Indonesian catalogue of sao
    (installed anew when it changed) unless `locale` is false"""
    if not (SAO_ROOT / 'index.html').exists():
        subprocess.run(['sh', str(ROOT / 'scripts' / 'install_sao.sh'),
                str(SAO_ROOT.parent)], check=True)
    # The product's custom.css, also on a client installed before it.
    custom = ROOT / 'sao' / 'custom.css'
    installed = SAO_ROOT / 'custom.css'
    if (not installed.exists()
            or installed.read_bytes() != custom.read_bytes()):
        installed.write_bytes(custom.read_bytes())
    if not locale:
        return
    if str(ROOT / 'scripts') not in sys.path:
        sys.path.insert(0, str(ROOT / 'scripts'))
    import sao_locale
    if not sao_locale.installed(SAO_ROOT):
        sao_locale.install(SAO_ROOT)
