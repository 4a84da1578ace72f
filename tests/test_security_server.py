"""The security settings of a server started the production way.

The server is started as the README's Production section says: gunicorn
with the product's configuration (etc/gunicorn.conf.py), ONE site file in
TRYTOND_CONFIG written like the README's (database, web root, one proxy in
front: [web] num_proxies = 1) with no security setting in it, and the
shipped logging configuration (etc/trytond-logging.conf, the security log
to a file of its own). The database is the runner's: SQLite by default,
PostgreSQL when TRYTOND_DATABASE_URI is postgresql (CI's second pass).

The tests probe the running server, not files: an old session refused, a
short or common password refused, the 6th bad login answered 429 (per
account and per client network), a 40 MiB body answered 413 before it is
read, no version in the Server header, the portal cookie's lifetime, the
security log's lines. The client's address comes from X-Forwarded-For, as
the proxy sends it: each test has addresses of its own, so that the
per-network login limit of one test does not reach another."""
import base64
import datetime as dt
import json
import re
import socket
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dbbuild import ADMIN_PASSWORD, new_database  # noqa: E402
from server import (  # noqa: E402
    GUNICORN_CONF, LOGGING_CONF, SAO_ROOT, start_production_server,
    start_server, stop_server)
from test_portal_http import Visitor  # noqa: E402
from test_session_timeout import age_session  # noqa: E402

from egov_app_request.tests.tools import DEMO_PASSWORD  # noqa: E402

BAD_PASSWORDS = ['Salah-Tebak-01', 'Salah-Tebak-02', 'Salah-Tebak-03',
    'Salah-Tebak-04', 'Salah-Tebak-05', 'Salah-Tebak-06']


def site_config(database, directory):
    "The site file, as the README's Production section writes it"
    if database.pg_uri:
        from urllib.parse import urlsplit, urlunsplit
        uri = urlunsplit(urlsplit(database.pg_uri)._replace(path='/'))
    else:
        uri = 'sqlite://'
    path = directory / 'site.conf'
    path.write_text(
        "[database]\n"
        f"uri = {uri}\n"
        f"path = {database.directory}\n"
        "list = False\n"
        "\n"
        "[web]\n"
        f"root = {SAO_ROOT}\n"
        "num_proxies = 1\n")
    return path


def start_gunicorn(database, directory):
    "gunicorn -c etc/gunicorn.conf.py, as in production"
    assert GUNICORN_CONF.exists(), "the product's gunicorn configuration"
    assert LOGGING_CONF.exists(), "the product's logging configuration"
    return start_production_server(
        site_config(database, directory), database.name, directory,
        sqlite=not database.pg_uri)


@pytest.fixture(scope='module')
def production():
    database = new_database('egov_security')
    directory = database.directory / 'production'
    directory.mkdir()
    try:
        database.server = start_gunicorn(database, directory)
        database.url = database.server.url
        database.base = database.url.rstrip('/') + '/' + database.name
        database.rpc = database.base + '/rpc/'
        yield database
    finally:
        database.destroy()


# --- JSON-RPC as a client behind the proxy ------------------------------------

class RPC:
    "JSON-RPC from one client address (X-Forwarded-For of the proxy)"

    def __init__(self, site, ip):
        self.site = site
        self.ip = ip
        self.session = None

    def post(self, method, params, data=None):
        body = data if data is not None else json.dumps(
            {'id': 1, 'method': method, 'params': params}).encode()
        request = urllib.request.Request(self.site.rpc, data=body, headers={
                'Content-Type': 'application/json',
                'X-Forwarded-For': self.ip})
        if self.session:
            request.add_header('Authorization', 'Session ' + self.session)
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, None

    def login(self, login, password):
        status, answer = self.post(
            'common.db.login', [login, {'password': password}, 'id'])
        if status == 200 and not answer.get('error'):
            user_id, key = answer['result'][:2]
            self.user_id, self.key = user_id, key
            self.session = base64.b64encode(
                f'{login}:{user_id}:{key}'.encode()).decode()
        return status, answer

    def call(self, method, *args):
        return self.post(method, [*args, {}])


class ForwardedVisitor(Visitor):
    "The portal's browser, behind the proxy with its own address"

    def __init__(self, site, ip):
        super().__init__(site)
        self.ip = ip

    def open(self, path, data=None, headers=None):
        return super().open(path, data=data,
            headers=dict(headers or {}, **{'X-Forwarded-For': self.ip}))


def logged_in(rpc):
    status, answer = rpc.call('model.res.user.get_preferences', True)
    return status == 200 and 'error' not in answer


def log_lines(site, event):
    text = site.server.security_log.read_text(errors='replace') if (
        site.server.security_log.exists()) else ''
    return [line for line in text.splitlines() if f'event={event} ' in line]


# --- Tests --------------------------------------------------------------------

def test_effective_policy_logged_at_start(production):
    "The running process says which values it enforces"
    log = production.server.log.read_text(errors='replace')
    lines = [line for line in log.splitlines()
        if 'security policy in effect' in line]
    assert lines, log[-3000:]  # one line per worker
    line = lines[-1]
    for setting in ['session.max_age=30600', 'session.timeout=1800',
            'session.max_attempt=4', 'session.max_attempt_ip_network=50',
            'password.length=12', 'password.entropy=2.0',
            'request.max_size_authenticated=26214400',
            'password.forbidden=']:
        assert setting in line, (setting, line)


def test_nine_hour_old_session_refused(production):
    "RPC answers 401, the portal sends to its login"
    rpc = RPC(production, '10.11.0.1')
    assert rpc.login('kadis.dinkes', DEMO_PASSWORD)[0] == 200
    assert logged_in(rpc)
    age_session(production, rpc.key, idle=dt.timedelta(seconds=5),
        age=dt.timedelta(hours=9))
    status, _ = rpc.call('model.res.user.get_preferences', True)
    assert status == 401

    visitor = ForwardedVisitor(production, '10.11.0.2').login('kadis.dinkes')
    assert visitor.get('/portal/requests').status == 200
    key = visitor.cookie.value.partition(':')[2]
    age_session(production, key, idle=dt.timedelta(seconds=5),
        age=dt.timedelta(hours=9))
    response = visitor.get('/portal/requests')
    assert response.status == 303
    assert '/portal/login' in response.headers['Location']


def test_portal_cookie_lives_one_working_day_at_most(production):
    visitor = ForwardedVisitor(production, '10.12.0.1')
    token = visitor.token('/portal/login')
    response = visitor.post('/portal/login', {'csrf_token': token,
            'login': 'kabid.dishub', 'password': DEMO_PASSWORD})
    assert response.status == 303
    cookie, = [value for value in response.headers.get_all('Set-Cookie')
        if value.startswith('egov_portal=')]
    max_age = re.search(r'Max-Age=(\d+)', cookie)
    assert 'Max-Age=2592000' not in cookie, cookie
    assert max_age is None or int(max_age.group(1)) <= 30600, cookie


def test_password_policy(production):
    "Short, common and repetitive passwords are refused; a good one works"
    admin = RPC(production, '10.13.0.1')
    assert admin.login('admin', ADMIN_PASSWORD)[0] == 200
    status, answer = admin.call('model.res.user.create', [{
                'name': "Uji Kata Sandi", 'login': 'uji.sandi'}])
    assert status == 200 and 'error' not in answer, answer
    user_id, = answer['result']
    refused = {
        'Pendek-2026': 'res.msg_password_length',  # 11 characters
        'password1234': 'forbidden',
        '123456789012': 'forbidden',
        'Tangerang2026': 'forbidden',
        'TANGERANG2026': 'forbidden',
        'aaaaaaaaaaaa': 'entropy',
        }
    for password in refused:
        status, answer = admin.call('model.res.user.write', [user_id],
            {'password': password})
        assert status == 200, (password, status)
        assert answer.get('error'), (password, "accepted")
        assert answer['error'][0] == 'UserError', (password, answer)
    # Nothing was stored: the user still has no password.
    assert RPC(production, '10.13.0.2').login(
        'uji.sandi', 'Pendek-2026')[0] == 401
    good = 'Kebun-Raya-Cikokol-77'
    status, answer = admin.call('model.res.user.write', [user_id],
        {'password': good})
    assert status == 200 and 'error' not in answer, answer
    assert RPC(production, '10.13.0.3').login('uji.sandi', good)[0] == 200


def test_sixth_bad_login_is_throttled_rpc(production):
    rpc = RPC(production, '10.14.0.1')
    statuses = [rpc.login('kabid.dishub', password)[0]
        for password in BAD_PASSWORDS]
    assert statuses == [401] * 5 + [429], statuses
    # The right password too, now: the account waits.
    assert rpc.login('kabid.dishub', DEMO_PASSWORD)[0] == 429
    # Logged: failures and the refusal, with the client's address and
    # without any password tried.
    failures = [line for line in log_lines(production, 'login_failure')
        if 'user=kabid.dishub ' in line and 'ip=10.14.0.1 ' in line]
    assert len(failures) == 5, failures
    throttled = [line for line in log_lines(production, 'throttled')
        if 'user=kabid.dishub ' in line and 'ip=10.14.0.1 ' in line]
    assert len(throttled) == 2, throttled
    for line in failures + throttled:
        assert re.search(r'time=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ ', line)
    text = production.server.security_log.read_text()
    for password in [*BAD_PASSWORDS, DEMO_PASSWORD]:
        assert password not in text


def test_sixth_bad_login_is_throttled_portal(production):
    visitor = ForwardedVisitor(production, '10.15.0.1')
    statuses = []
    for password in BAD_PASSWORDS:
        token = visitor.token('/portal/login')
        response = visitor.post('/portal/login', {'csrf_token': token,
                'login': 'camat.cipondoh', 'password': password})
        statuses.append(response.status)
    assert statuses == [401] * 5 + [429], statuses
    assert "Terlalu banyak percobaan masuk yang gagal" in response.text


def test_bad_logins_throttled_per_client_network(production):
    "Many accounts tried from one address: that address waits"
    rpc = RPC(production, '10.16.0.1')
    statuses = [rpc.login(f'tidak.ada.{n}', 'Salah-Tebak-99')[0]
        for n in range(51)]
    assert statuses == [401] * 51, statuses
    assert rpc.login('tidak.ada.51', 'Salah-Tebak-99')[0] == 429
    assert rpc.login('staf.dinkes', DEMO_PASSWORD)[0] == 429
    # Another address is not concerned.
    assert RPC(production, '10.16.1.1').login(
        'staf.dinkes', DEMO_PASSWORD)[0] == 200


def test_login_success_logged(production):
    rpc = RPC(production, '10.17.0.1')
    assert rpc.login('katim.publik', DEMO_PASSWORD)[0] == 200
    visitor = ForwardedVisitor(production, '10.17.0.2').login('kepala.upt')
    assert visitor.cookie
    lines = log_lines(production, 'login_success')
    for user, ip in [('katim.publik', '10.17.0.1'),
            ('kepala.upt', '10.17.0.2')]:
        found = [line for line in lines
            if f'user={user} ' in line and f'ip={ip} ' in line]
        assert len(found) == 1, (user, lines)
        assert re.search(r'time=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ ', found[0])
    text = production.server.security_log.read_text()
    assert DEMO_PASSWORD not in text
    assert rpc.key not in text and visitor.cookie.value not in text


def _answer_to_a_large_body(production, size, headers, start):
    """The first line of the server's answer to a POST whose headers
    announce `size` bytes, of which only the first 64 KiB are sent"""
    host, port = production.url.split('//')[1].rstrip('/').split(':')
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall((
                f'POST /{production.name}/rpc/ HTTP/1.1\r\n'
                f'Host: {host}:{port}\r\n'
                'Content-Type: application/json\r\n'
                + ''.join(f'{k}: {v}\r\n' for k, v in headers.items())
                + f'Content-Length: {size}\r\n\r\n').encode()
            + start + b'a' * 65536)
        sock.settimeout(20)
        return sock.recv(4096).decode('latin-1').split('\r\n', 1)[0]


def test_forty_mib_body_refused_unread(production):
    """413 as soon as the headers say 40 MiB: the server answers without
    waiting for the body (which is never sent in full)"""
    rpc = RPC(production, '10.18.0.1')
    assert rpc.login('tatakelola', DEMO_PASSWORD)[0] == 200
    answer = _answer_to_a_large_body(production, 40 * 1024 * 1024,
        {'Authorization': f'Session {rpc.session}',
            'X-Forwarded-For': '10.18.0.1'},
        b'{"id": 1, "method": "model.res.user.get_preferences", '
        b'"params": [true, {"x": "')
    assert answer.startswith('HTTP/1.1 413'), answer


def test_anonymous_body_over_two_mib_refused_unread(production):
    """Without credentials ([request] max_size, 2 MiB: the login forms) a
    3 MiB body is answered 413, not trytond's "400 Unable to get RPC
    method" """
    answer = _answer_to_a_large_body(production, 3 * 1024 * 1024,
        {'X-Forwarded-For': '10.18.0.2'},
        b'{"id": 1, "method": "common.db.login", "params": ["')
    assert answer.startswith('HTTP/1.1 413'), answer


def test_no_version_in_server_header(production):
    response = urllib.request.urlopen(production.url, timeout=30)
    server = response.headers.get('Server', '')
    assert server == 'egov', server


def test_development_server_same_policy(production, tmp_path):
    """trytond's own server (the demo's, `trytond -c site.conf`) enforces
    the same policy and names no version either"""
    site = tmp_path / 'site.conf'
    site.write_text(
        (production.server.log.parent / 'site.conf').read_text()
        .replace('num_proxies = 1\n', ''))
    log = tmp_path / 'trytond.log'
    server = start_server([site], production.name, log=log)
    try:
        response = urllib.request.urlopen(server.url, timeout=30)
        server_header = response.headers.get('Server', '')
        assert not re.search(r'\d|werkzeug|python', server_header, re.I), (
            server_header)
        dev = type('Site', (), {})()
        dev.rpc = server.url + production.name + '/rpc/'
        rpc = RPC(dev, '127.0.0.1')
        assert rpc.login('kadis', DEMO_PASSWORD)[0] == 200
        age_session(production, rpc.key, idle=dt.timedelta(seconds=5),
            age=dt.timedelta(hours=9))
        assert rpc.call('model.res.user.get_preferences', True)[0] == 401
    finally:
        stop_server(server)
