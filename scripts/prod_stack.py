"""The production stack on this machine, started, checked and stopped by one
command (`make prod-check`, README "Production"):

    python scripts/prod_stack.py check [--seconds 30] [--clients 4]
        [--workers 3] [--keep]
    python scripts/prod_stack.py smoke URL DATABASE      (an installed stack)

`check` starts, as the systemd units of deploy/systemd do:

- PostgreSQL (scripts/start_postgresql.sh, idempotent);
- an SMTP sink (aiosmtpd's Mailbox handler: each message a file of a
  Maildir in the work directory);
- a database created by `trytond-admin -u egov_app_request
  --activate-dependencies -l id`, the administrator's password from the
  environment (EGOV_ADMIN_PASSWORD; a random one when unset, never in the
  repository), the users of the SOP roles and OPDs with a random password;
- trytond under gunicorn (etc/gunicorn.conf.py, several workers) with ONE
  site file written from etc/trytond.conf.example (the security settings
  come with the module: egov_app_request/security_policy.py; the check
  reads their effective values in the server's log);
- exactly one trytond-cron and one trytond-worker ([queue] worker = True).

Then the smoke test of the three addresses (the web client /, the portal
/<db>/portal/, the board /<db>/board), a short mixed load (JSON-RPC and
portal clients logging in, listing, creating and submitting requests,
Diskominfo registering them: throughput, latency percentiles, errors), a
press that issues a document (the receipt) with its PDF made by
trytond-worker seconds later (polled: the time from the press to the PDF)
and the OPD's notice of it (bell and e-mail, delivered by trytond-worker),
a check that the cron ran and that e-mail reached the sink; then everything
is stopped (process groups, also on Ctrl-C or an error) and the database
dropped (--keep leaves it and the work directory .prod/ for a look).

The same class serves the backup drill (scripts/backup_drill.py) and
tests/test_prod_stack.py."""
import argparse
import base64
import configparser
import datetime as dt
import hashlib
import http.cookiejar
import json
import mailbox
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
SAO_ROOT = ROOT / '.sao' / 'package'
SITE_EXAMPLE = ROOT / 'etc' / 'trytond.conf.example'
GUNICORN_CONF = ROOT / 'etc' / 'gunicorn.conf.py'
LOGGING_CONF = ROOT / 'etc' / 'trytond-logging.conf'
PRODUCTION_SECURITY_LOG = '/var/log/trytond/security.log'
WORKDIR = ROOT / '.prod'

PG_HOST = os.environ.get('PGHOST', '127.0.0.1')
PG_PORT = os.environ.get('PGPORT', '5432')
PG_USER = os.environ.get('PGUSER', 'tryton')
PG_PASSWORD = os.environ.get('PGPASSWORD', 'tryton')

#: The product's policy as the server must log it at start
#: (egov_app_request/security_policy.py)
POLICY = ['session.max_age=30600', 'session.timeout=1800',
    'session.max_attempt=4', 'password.length=12', 'password.entropy=2.0',
    'request.max_size_authenticated=26214400']

#: The load is a burst of one office's accounts from one address: the
#: throttle of request creation (egov_app_request/throttle.py, tested by
#: tests/test_upload_security.py) is raised for the check's database.
RELAXED_THROTTLE = {
    'throttle_requests_user': 100000, 'throttle_requests_ip': 100000,
    'throttle_uploads_user': 100000, 'throttle_uploads_ip': 100000}

PDF = (b'%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n'
    b'2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n'
    b'%%EOF\n')

OPD_LOGINS = ['kadis.dinkes', 'kabid.dishub', 'camat.cipondoh']
STAFF_LOGIN = 'tatakelola'


def log(text):
    print(f'prod-check: {text}', flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def strong_password():
    "A random password the product's policy accepts (length, entropy)"
    return 'Pk-' + secrets.token_urlsafe(18) + '-7x'


def clean_env(**extra):
    "The environment of a child: none of a test runner's database settings"
    env = {k: v for k, v in os.environ.items()
        if not k.startswith(('TRYTOND_', 'DB_CACHE', 'DB_NAME'))}
    # The database password reaches every process through libpq's
    # environment, not through the site file.
    env.update(PGPASSWORD=PG_PASSWORD)
    env.update(extra)
    return env


def pg_connect(database='postgres', **kwargs):
    import psycopg
    return psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER,
        password=PG_PASSWORD, dbname=database, **kwargs)


def drop_database(name):
    with pg_connect(autocommit=True) as connection:
        connection.execute(
            'SELECT pg_terminate_backend(pid) FROM pg_stat_activity '
            'WHERE datname = %s AND pid <> pg_backend_pid()', (name,))
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')


def create_database(name):
    drop_database(name)
    with pg_connect(autocommit=True) as connection:
        connection.execute(
            f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0")


def start_postgresql():
    subprocess.run(['bash', str(ROOT / 'scripts' / 'start_postgresql.sh')],
        check=True, stdout=subprocess.DEVNULL,
        env=dict(os.environ, KEEP_TEST_CACHE='1'))


# --- JSON-RPC and portal clients ---------------------------------------------

class RPCError(Exception):
    pass


def _encode(value):
    if isinstance(value, bytes):
        return {'__class__': 'bytes',
            'base64': base64.b64encode(value).decode()}
    if isinstance(value, dt.date):
        return {'__class__': 'date', 'year': value.year,
            'month': value.month, 'day': value.day}
    raise TypeError(repr(value))


class RPC:
    "A JSON-RPC session of one user, as the web client makes it"

    def __init__(self, base, database):
        self.url = f'{base.rstrip("/")}/{database}/rpc/'
        self.token = None

    def post(self, method, params):
        body = json.dumps({'id': 1, 'method': method, 'params': params},
            default=_encode).encode()
        request = urllib.request.Request(self.url, data=body,
            headers={'Content-Type': 'application/json'})
        if self.token:
            request.add_header('Authorization', f'Session {self.token}')
        with urllib.request.urlopen(request, timeout=120) as response:
            answer = json.loads(response.read())
        if answer.get('error'):
            raise RPCError(*answer['error'])
        return answer['result']

    def login(self, login, password):
        user_id, session = self.post('common.db.login',
            [login, {'password': password}, 'id'])[:2]
        self.token = base64.b64encode(
            f'{login}:{user_id}:{session}'.encode()).decode()
        return self

    def call(self, method, *args):
        return self.post(method, [*args, {}])


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    "A visitor of the portal and the board: cookies, forms, no JavaScript"

    def __init__(self, base, database):
        self.base = f'{base.rstrip("/")}/{database}'
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
            _NoRedirect())

    def open(self, path, data=None, headers=None):
        request = urllib.request.Request(self.base + path, data=data,
            headers=headers or {})
        try:
            response = self.opener.open(request, timeout=120)
        except urllib.error.HTTPError as error:
            response = error
        response.text = response.read().decode('utf-8', 'replace')
        return response

    def token(self, path):
        page = self.open(path)
        found = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page.text)
        if not found:
            raise RuntimeError(f'{path}: {page.status}, no form')
        return found.group(1)

    def post(self, path, fields, files=None):
        boundary = uuid.uuid4().hex
        parts = []
        for name, value in fields.items():
            parts += [f'--{boundary}'.encode(),
                f'Content-Disposition: form-data; name="{name}"'.encode(),
                b'', str(value).encode()]
        for name, (filename, content) in (files or {}).items():
            parts += [f'--{boundary}'.encode(),
                (f'Content-Disposition: form-data; name="{name}"; '
                    f'filename="{filename}"').encode(),
                b'Content-Type: application/pdf', b'', content]
        parts += [f'--{boundary}--'.encode(), b'']
        return self.open(path, data=b'\r\n'.join(parts), headers={
                'Content-Type': f'multipart/form-data; boundary={boundary}'})

    def login(self, login, password):
        response = self.post('/portal/login', {
                'csrf_token': self.token('/portal/login'),
                'login': login, 'password': password})
        if response.status != 303:
            raise RuntimeError(f'portal login {login}: {response.status}')
        return self


def unique_pdf():
    "A small PDF of its own (a comment line): one file per document"
    return PDF.replace(b'%%EOF', f'% {uuid.uuid4()}\n%%EOF'.encode())


def request_values(title):
    "A complete request, as an OPD fills the form"
    return {'title': title, 'kind': 'new',
        'description': f"Permintaan {title}.",
        'business_process_policy': "Peraturan Wali Kota tentang standar "
        "pelayanan.",
        'legal_basis': "Perpres 95/2018 tentang SPBE.",
        'user_requirements': "Petugas dan warga mengakses layanan daring.",
        'app_inputs': "Formulir permohonan warga.",
        'app_outputs': "Dasbor dan laporan bulanan.",
        'letter_number': f"000.7/{secrets.randbelow(900) + 100}/2026",
        'letter_date': dt.date(2026, 11, 2)}


# --- Smoke test --------------------------------------------------------------

def smoke(base, database, opd, staff, lines=None):
    """The three addresses answer as they should; `opd` and `staff` are
    (login, password). Returns the lines of the report (also appended to
    `lines` as they pass); raises AssertionError on the first failure."""
    lines = [] if lines is None else lines

    def ok(text):
        lines.append(f'  ok  {text}')

    with urllib.request.urlopen(base, timeout=60) as response:
        page = response.read().decode()
        server = response.headers.get('Server', '')
    assert response.status == 200 and 'sao' in page.lower(), page[:300]
    assert not re.search(r'\d', server), f'Server header: {server!r}'
    ok(f'web client {base} 200 (Server: {server})')

    visitor = Browser(base, database)
    page = visitor.open('/portal/login')
    assert page.status == 200 and 'csrf_token' in page.text, page.status
    ok(f'portal /{database}/portal/login 200, login form')
    anonymous = visitor.open('/board')
    assert anonymous.status in {302, 303}, anonymous.status
    ok(f'board /{database}/board without a session: {anonymous.status} '
        'to the login')

    visitor.login(*opd)
    listing = visitor.open('/portal/requests')
    assert listing.status == 200, listing.status
    ok(f'portal as {opd[0]}: login 303, /portal/requests 200')
    assert visitor.open('/board').status == 403
    ok('board refused to an OPD user (403)')

    board = Browser(base, database).login(*staff).open('/board')
    assert board.status == 200 and 'Papan Pemantauan' in board.text, (
        board.status)
    ok(f'board as {staff[0]}: 200 "Papan Pemantauan"')

    rpc = RPC(base, database).login(*opd)
    count = rpc.call('model.egov.request.search_count', [])
    ok(f'JSON-RPC as {opd[0]}: login, {count} request(s) visible')
    anonymous_rpc = RPC(base, database)
    anonymous_rpc.url = base + 'rpc/'
    try:
        anonymous_rpc.post('common.db.list', [])
        raise AssertionError('the database list is published')
    except (RPCError, urllib.error.HTTPError) as error:
        ok(f'database list refused ([database] list = False): '
            f'{str(error)[:60]}')
    return lines


def proxy_checks(proxy, database, opd, staff, security_log):
    """The smoke test through nginx, and what the proxy adds: HSTS, no
    version, an upload above 25 MiB refused before trytond, the client's
    address from the proxy (not from a header the client sends)"""
    import ssl
    context = ssl._create_unverified_context()  # the check's own certificate
    default = ssl._create_default_https_context
    ssl._create_default_https_context = lambda: context
    try:
        lines = smoke(proxy, database, opd, staff)
        with urllib.request.urlopen(proxy, timeout=60) as response:
            headers = response.headers
        assert 'max-age=' in headers.get('Strict-Transport-Security', ''), (
            dict(headers))
        assert headers.get('Server') == 'nginx', headers.get('Server')
        lines.append('  ok  HSTS "%s", Server: %s' % (
                headers['Strict-Transport-Security'], headers['Server']))
        request = urllib.request.Request(f'{proxy}{database}/rpc/',
            data=b'x' * (26 * 1024 * 1024),
            headers={'Content-Type': 'application/json'})
        try:
            urllib.request.urlopen(request, timeout=60)
            raise AssertionError('a 26 MiB body went through')
        except urllib.error.HTTPError as error:
            assert error.code == 413, error.code
            body = error.read().decode(errors='replace')
            assert not re.search(r'nginx/\d', body), body
        except (ConnectionError, urllib.error.URLError):
            pass  # nginx may close the connection while the body is sent
        lines.append('  ok  26 MiB body refused by nginx (413), no version '
            'in the error page')
        forged = urllib.request.Request(f'{proxy}{database}/rpc/',
            data=json.dumps({'id': 1, 'method': 'common.db.login',
                    'params': ['proxy.forged', {'password': 'Salah-Tebak-01'},
                        'id']}).encode(),
            headers={'Content-Type': 'application/json',
                'X-Forwarded-For': '203.0.113.9'})
        try:
            urllib.request.urlopen(forged, timeout=60).read()
        except urllib.error.HTTPError as error:
            assert error.code in {401, 403}, error.code
        entries = [line for line in Path(security_log).read_text()
            .splitlines() if 'proxy.forged' in line]
        assert entries and all('ip=127.0.0.1' in e for e in entries), entries
        lines.append('  ok  a forged X-Forwarded-For is replaced by nginx: '
            'the security log has ' + entries[-1].split(' time=')[0]
            + ' ... ip=127.0.0.1')
        return lines
    finally:
        ssl._create_default_https_context = default


def calendar_check(stack, base, database):
    """The administrator adds a holiday on the day of an open step's
    deadline: the save returns at once with the recompute queued
    (ir.queue), and trytond-worker moves the deadlines after it. Returns
    the lines of the report; raises AssertionError."""
    rows = stack.sql('SELECT id, deadline FROM egov_request_history '
        "WHERE finished IS NULL AND state <> 'incomplete' "
        'AND deadline IS NOT NULL ORDER BY id LIMIT 1')
    assert rows, 'no open step to recompute'
    step, before = rows[0]
    open_steps = stack.sql('SELECT count(*) FROM egov_request_history '
        "WHERE finished IS NULL AND state <> 'incomplete' "
        'AND deadline IS NOT NULL')[0][0]
    (tasks_before,), = stack.sql("SELECT count(*) FROM ir_queue")
    # Asia/Jakarta (the configuration's zone): UTC+7 all year.
    day = (before + dt.timedelta(hours=7)).date()
    admin = RPC(base, database).login('admin', stack.admin_password)
    clock = time.perf_counter()
    admin.call('model.egov.holiday.create', [{'date': day,
                'name': 'Libur uji prod-check', 'kind': 'local'}])
    saved = time.perf_counter() - clock
    (queued,), = stack.sql("SELECT count(*) FROM ir_queue "
        "WHERE data::text LIKE '%%run_recompute%%'")
    assert queued and stack.sql("SELECT count(*) FROM ir_queue")[0][0] > (
        tasks_before), 'the recompute was not queued'
    deadline = time.monotonic() + 120
    after = before
    while after == before and time.monotonic() < deadline:
        time.sleep(0.2)
        (after,), = stack.sql(
            'SELECT deadline FROM egov_request_history WHERE id = %s', step)
    moved = time.perf_counter() - clock
    assert after != before, 'the worker did not move the deadline'
    (done,), = stack.sql("SELECT count(*) FROM ir_queue WHERE data::text "
        "LIKE '%%run_recompute%%' AND finished_at IS NOT NULL")
    assert done, 'no recompute task finished'
    return [f'  ok  holiday {day} added by the administrator: saved in '
        f'{saved * 1000:.0f} ms, the recompute queued (ir.queue)',
        f'  ok  trytond-worker ran it: the open step\'s deadline moved from '
        f'{before:%Y-%m-%d %H:%M} to {after:%Y-%m-%d %H:%M} UTC '
        f'{moved:.1f} s after the save ({open_steps} open steps)']


def document_check(stack, base, database, passwords, seconds=60):
    """A press that issues a document (`register`: the receipt) returns
    with the letter issued and its PDF queued (ir.queue); trytond-worker
    makes the PDF after the commit: polled until its digest is stored, its
    file's SHA-256 checked, and the OPD downloads it from the portal; the
    OPD's notice that the request is registered (bell and e-mail, sent by
    trytond-worker after the commit) is polled too.
    Returns (lines of the report, seconds from the press to the PDF);
    raises AssertionError."""
    opd = (OPD_LOGINS[0], passwords[OPD_LOGINS[0]])
    types = stack.document_types()
    rpc = RPC(base, database).login(*opd)
    values = request_values('Aplikasi Uji Dokumen')
    values['documents'] = [('create', [
        {'type': t, 'filename': f'dok{t}.pdf', 'file': unique_pdf()}
        for t in types])]
    request_id, = rpc.call('model.egov.request.create', [values])
    rpc.call('model.egov.request.submit', [request_id])
    staff = RPC(base, database).login(
        STAFF_LOGIN, passwords[STAFF_LOGIN])
    clock = time.perf_counter()
    staff.call('model.egov.request.register', [request_id])
    pressed = time.perf_counter() - clock
    (letter, filename, digest), = stack.sql('SELECT id, filename, digest '
        'FROM egov_request_letter WHERE request = %s', request_id)
    preparing = digest is None
    deadline = time.monotonic() + seconds
    while digest is None and time.monotonic() < deadline:
        time.sleep(0.1)
        (digest,), = stack.sql('SELECT digest FROM egov_request_letter '
            'WHERE id = %s', letter)
    ready = time.perf_counter() - clock
    assert digest, f'no PDF of {filename} {seconds} s after the press'
    (file_id, size), = stack.sql('SELECT file_id, size FROM '
        'egov_request_letter WHERE id = %s', letter)
    path = Path(stack.filestore, database, 'egov_letter', file_id[0:2],
        file_id[2:4], file_id)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest, path
    download = Browser(base, database).login(*opd).open(
        f'/portal/request/{request_id}/letter/{letter}')
    assert download.status == 200 and download.text.startswith('%PDF'), (
        download.status, download.text[:200])
    # The OPD's notice that its request is registered (the bell and the
    # e-mail), delivered by trytond-worker after the commit: polled.
    (number,), = stack.sql(
        'SELECT number FROM egov_request WHERE id = %s', request_id)
    told = notice_delivered(stack, request_id, number, opd[0], deadline)
    assert told, f'no notice of {number} to {opd[0]} {seconds} s after ' \
        'the press'
    return [f'  ok  register (the receipt issued) returned in '
        f'{pressed * 1000:.0f} ms, its PDF '
        + ('being prepared' if preparing else 'already made'),
        f'  ok  trytond-worker made {filename} ({size} bytes, SHA-256 '
        f'{digest[:12]}…) {ready:.1f} s after the press; the OPD '
        'downloads it from the portal',
        f'  ok  trytond-worker told the OPD ({opd[0]}) in the web client '
        f'and by e-mail ("{told}") {time.perf_counter() - clock:.1f} s '
        'after the press'], ready


def notice_delivered(stack, request_id, number, login, deadline):
    """The subject of the e-mail to `login` of request `number` once its
    bell notice of request `request_id` is stored too; None at `deadline`
    (time.monotonic())"""
    (email,), = stack.sql('SELECT email FROM res_user WHERE login = %s',
        login)
    while True:
        (bells,), = stack.sql('SELECT count(*) FROM res_notification n '
            'JOIN res_user u ON u.id = n."user" WHERE u.login = %s '
            'AND n.model = %s AND n.records = %s', login, 'egov.request',
            json.dumps([request_id]))
        subjects = [m['Subject'] for m in mailbox.Maildir(
                str(stack.maildir), create=False)
            if email in (m['To'] or '') and number in (m['Subject'] or '')]
        if bells and subjects:
            return subjects[-1]
        if time.monotonic() > deadline:
            return None
        time.sleep(0.1)


# --- Mixed load --------------------------------------------------------------

class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.samples = []  # (operation, seconds, error or None)

    def time(self, operation, func, *args):
        started = time.perf_counter()
        error = None
        try:
            return func(*args)
        except Exception as exception:
            error = f'{type(exception).__name__}: {str(exception)[:200]}'
        finally:
            with self.lock:
                self.samples.append(
                    (operation, time.perf_counter() - started, error))


def _percentile(values, fraction):
    values = sorted(values)
    index = int(round(fraction * (len(values) - 1)))
    return values[min(len(values) - 1, index)]


def mixed_load(base, database, passwords, seconds=30, clients=4,
        document_types=()):
    """`clients` threads for `seconds`: OPD users over JSON-RPC (list their
    80 latest, create and submit a request with its documents), OPD users
    in the portal (list, save a draft), and one Diskominfo user over
    JSON-RPC (the queue, its counts, `register` of received requests:
    issues the receipt PDF). Returns (report lines, errors, created ids)."""
    bases = [base] if isinstance(base, str) else list(base)
    recorder = Recorder()
    stop = time.monotonic() + seconds
    created = []
    lock = threading.Lock()

    def opd_rpc(index):
        base = bases[index % len(bases)]
        login = OPD_LOGINS[index % len(OPD_LOGINS)]
        rpc = recorder.time('rpc login', RPC(base, database).login,
            login, passwords[login])
        if rpc is None:
            return
        n = 0
        while time.monotonic() < stop:
            n += 1
            recorder.time('rpc list 80', rpc.call,
                'model.egov.request.search_read', [], 0, 80, None,
                ['title', 'state', 'submitted_at'])

            def create_submit():
                values = request_values(f'Aplikasi Beban {login} {n}')
                values['documents'] = [('create', [
                    {'type': t, 'filename': f'dok{t}.pdf',
                        'file': unique_pdf()}
                    for t in document_types])]
                ids = rpc.call('model.egov.request.create', [values])
                rpc.call('model.egov.request.submit', ids)
                with lock:
                    created.extend(ids)
            recorder.time('rpc create+submit', create_submit)

    def opd_portal(index):
        base = bases[index % len(bases)]
        login = OPD_LOGINS[(index + 1) % len(OPD_LOGINS)]
        visitor = recorder.time('portal login', Browser(base, database)
            .login, login, passwords[login])
        if visitor is None:
            return
        n = 0
        while time.monotonic() < stop:
            n += 1

            def listing():
                response = visitor.open('/portal/requests')
                assert response.status == 200, response.status
            recorder.time('portal list', listing)

            def draft():
                values = request_values(f'Draf Portal {login} {n}')
                values['letter_date'] = values['letter_date'].isoformat()
                response = visitor.post('/portal/new', dict(values,
                        csrf_token=visitor.token('/portal/new'),
                        action='submit'), files={
                        f'doc_{t}': (f'dok{t}.pdf', unique_pdf())
                        for t in document_types})
                assert response.status == 303, (
                    response.status, response.text[:300])
            recorder.time('portal create+submit', draft)

    def staff_rpc(index):
        base = bases[index % len(bases)]
        rpc = recorder.time('rpc login', RPC(base, database).login,
            STAFF_LOGIN, passwords[STAFF_LOGIN])
        if rpc is None:
            return
        while time.monotonic() < stop:
            found = recorder.time('rpc queue+counts', lambda: (
                    [rpc.call('model.egov.request.search_count', domain)
                        for domain in ([('state', '=', 'received')],
                            [('state', 'not in', ['draft', 'received'])],
                            [])],
                    rpc.call('model.egov.request.search',
                        [('state', '=', 'received')], 0, 5, None))[1])
            for request_id in found or []:
                if time.monotonic() >= stop:
                    break
                # Another press may have registered it meanwhile: a user
                # error then, not a failure of the stack.
                def register(request_id=request_id):
                    try:
                        rpc.call('model.egov.request.register', [request_id])
                    except RPCError as error:
                        if error.args[0] != 'UserError':
                            raise
                recorder.time('rpc register (receipt PDF)', register)
            if not found:
                time.sleep(0.5)

    roles = [opd_rpc, opd_portal, staff_rpc, opd_rpc, opd_portal, opd_rpc]
    threads = [threading.Thread(target=roles[i % len(roles)], args=(i,))
        for i in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started

    samples = recorder.samples
    errors = [s for s in samples if s[2]]
    lines = [f'  {clients} clients, {elapsed:.1f} s, {len(samples)} calls, '
        f'{len(samples) / elapsed:.1f} calls/s, errors: {len(errors)}',
        f'  {"operation":28} {"n":>5} {"p50 ms":>8} {"p95 ms":>8} '
        f'{"p99 ms":>8} {"max ms":>8}']
    for operation in sorted({s[0] for s in samples}):
        times = [s[1] * 1000 for s in samples if s[0] == operation]
        lines.append(f'  {operation:28} {len(times):5d} '
            f'{_percentile(times, .5):8.0f} {_percentile(times, .95):8.0f} '
            f'{_percentile(times, .99):8.0f} {max(times):8.0f}')
    for error in errors[:5]:
        lines.append(f'  error {error[0]}: {error[2]}')
    if errors:
        lines.append('  errors by operation: ' + ', '.join(
            f'{op} {sum(1 for e in errors if e[0] == op)}'
            for op in sorted({e[0] for e in errors})))
    return lines, errors, created, len(samples) / elapsed


# --- The stack ---------------------------------------------------------------

class Stack:
    """PostgreSQL database, SMTP sink, gunicorn app servers, one
    trytond-cron, one trytond-worker; all children in their own process
    groups, stopped together."""

    def __init__(self, database='egov_prodcheck', workdir=WORKDIR,
            workers=3):
        self.database = database
        self.workdir = Path(workdir).resolve()
        self.workers = workers
        self.processes = []  # (name, Popen)
        self.app_servers = []  # base URLs
        self.passwords = {}
        self.admin_password = (os.environ.get('EGOV_ADMIN_PASSWORD')
            or strong_password())

    # Files ------------------------------------------------------------
    @property
    def filestore(self):
        return self.workdir / 'filestore'

    @property
    def maildir(self):
        return self.workdir / 'mail'

    def write_site_config(self, smtp_port):
        """ONE site file: the shipped example with this machine's values
        (database server, filestore, web client, mail); no password in it"""
        parser = configparser.ConfigParser(interpolation=None)
        parser.read(SITE_EXAMPLE)
        parser['database']['uri'] = (
            f'postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/')
        parser['database']['path'] = str(self.filestore)
        parser['web']['root'] = str(SAO_ROOT)
        parser['web']['hostname'] = 'localhost'
        parser['email']['uri'] = f'smtp://127.0.0.1:{smtp_port}'
        parser['email']['from'] = (
            'Diskominfo Kota Tangerang <notifikasi@tangerangkota.go.id>')
        # No clamd on this machine: the test signature only (README,
        # Production: clamd:///run/clamav/clamd.ctl).
        parser['egov'] = {'malware_scanner': 'eicar'}
        for section in ['session', 'password', 'request']:
            assert not parser.has_section(section), (
                f'[{section}] in the site example: the policy comes with '
                'the module')
        self.site = self.workdir / 'trytond.conf'
        with self.site.open('w') as file:
            file.write('# Written by scripts/prod_stack.py from '
                'etc/trytond.conf.example\n')
            parser.write(file)
        os.chmod(self.site, 0o640)
        self.logging_conf = self.workdir / 'logging.conf'
        self.logging_conf.write_text(LOGGING_CONF.read_text().replace(
                PRODUCTION_SECURITY_LOG, str(self.workdir / 'security.log')))
        return self.site

    # Processes ----------------------------------------------------------
    def spawn(self, name, args, env=None, cwd=None):
        logfile = (self.workdir / f'{name}.log').open('ab')
        process = subprocess.Popen(args, env=clean_env(**(env or {})),
            stdout=logfile, stderr=subprocess.STDOUT, cwd=cwd or self.workdir,
            start_new_session=True)
        process.name = name
        process.logfile = self.workdir / f'{name}.log'
        self.processes.append(process)
        return process

    def stop(self):
        "Stop every child (its whole process group); True when none is left"
        for process in reversed(self.processes):
            try:
                os.killpg(process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        # gunicorn lets a busy worker finish for 30 s (graceful_timeout)
        deadline = time.monotonic() + 35
        for process in self.processes:
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        left = []
        for process in self.processes:
            for _ in range(20):
                try:
                    os.killpg(process.pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.25)
            else:
                left.append(process.name)
                os.killpg(process.pid, signal.SIGKILL)
        for process in self.processes:
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                left.append(process.name)
        self.processes.clear()
        self.app_servers.clear()
        return left

    def start_sink(self):
        port = free_port()
        # aiosmtpd's Mailbox makes the Maildir (tmp/, new/, cur/) only
        # when the folder does not exist.
        if self.maildir.exists():
            shutil.rmtree(self.maildir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.spawn('smtp-sink', [sys.executable, '-m', 'aiosmtpd', '-n',
                '-l', f'127.0.0.1:{port}', '-c', 'aiosmtpd.handlers.Mailbox',
                str(self.maildir)])
        _wait_port(port, 30, self.processes[-1])
        return port

    def mails(self):
        return len(mailbox.Maildir(str(self.maildir), create=False))

    def start_app_server(self, workers=None):
        port = free_port()
        process = self.spawn(f'gunicorn-{port}',
            [str(VENV_BIN / 'gunicorn'), '-c', str(GUNICORN_CONF)], env={
                'TRYTOND_CONFIG': str(self.site),
                'TRYTOND_DATABASE_NAMES': self.database,
                'TRYTOND_LOGGING_CONFIG': str(self.logging_conf),
                'EGOV_BIND': f'127.0.0.1:{port}',
                'EGOV_WORKERS': str(workers or self.workers),
                'PYTHONPATH': str(ROOT)})
        _wait_port(port, 120, process, http=True)
        base = f'http://127.0.0.1:{port}/'
        self.app_servers.append(base)
        return base, process

    def start_proxy(self, app_bases):
        """nginx with deploy/nginx/egov.conf in front of `app_bases` (this
        machine's ports and a self-signed certificate instead of 80/443 and
        the Pemkot's); its HTTPS base URL, or None without nginx"""
        nginx = shutil.which('nginx') or (
            '/usr/sbin/nginx' if Path('/usr/sbin/nginx').exists() else None)
        if not nginx:
            return None
        directory = self.workdir / 'nginx'
        directory.mkdir(parents=True, exist_ok=True)
        subprocess.run(['openssl', 'req', '-x509', '-newkey', 'rsa:2048',
                '-nodes', '-days', '1', '-subj', '/CN=localhost',
                '-keyout', str(directory / 'privkey.pem'),
                '-out', str(directory / 'fullchain.pem')], check=True,
            capture_output=True)
        http_port, https_port = free_port(), free_port()
        site = (ROOT / 'deploy' / 'nginx' / 'egov.conf').read_text()
        servers = ''.join(f'    server {b.split("//")[1].rstrip("/")};\n'
            for b in app_bases)
        site = re.sub(r'    server 127\.0\.0\.1:8000[^\n]*\n', servers, site)
        site = re.sub(r'\n    listen \[::\][^\n]*', '', site)
        site = site.replace('listen 80;', f'listen 127.0.0.1:{http_port};')
        site = site.replace('listen 443 ssl',
            f'listen 127.0.0.1:{https_port} ssl')
        site = site.replace('/etc/ssl/egov', str(directory))
        (directory / 'egov.conf').write_text(site)
        (directory / 'nginx.conf').write_text(
            f'pid {directory}/nginx.pid;\n'
            f'error_log {directory}/error.log;\n'
            'daemon off;\nworker_processes 1;\nevents {}\n'
            'http {\n'
            f'  access_log {directory}/access.log;\n'
            f'  client_body_temp_path {directory}/body;\n'
            f'  proxy_temp_path {directory}/proxy;\n'
            f'  include {directory}/egov.conf;\n}}\n')
        process = self.spawn('nginx', [nginx, '-p', str(directory), '-c',
                str(directory / 'nginx.conf')])
        _wait_port(https_port, 20, process)
        return f'https://127.0.0.1:{https_port}/'

    def trytond(self, command, *args, name=None):
        return self.spawn(name or command, [str(VENV_BIN / command),
                '-c', str(self.site), '--logconf', str(self.logging_conf),
                '-d', self.database, *args], env={'PYTHONPATH': str(ROOT)})

    # Database -------------------------------------------------------------
    def admin(self, *args, database=None):
        "trytond-admin on the database, the admin password from a 0600 file"
        passfile = self.workdir / 'admin.pass'
        passfile.touch(0o600)
        passfile.write_text(self.admin_password + '\n')
        try:
            subprocess.run([str(VENV_BIN / 'trytond-admin'), '-c',
                    str(self.site), '--logconf', str(self.logging_conf),
                    '-d', database or self.database, *args], check=True,
                env=clean_env(TRYTONPASSFILE=str(passfile),
                    PYTHONPATH=str(ROOT)),
                stdout=(self.workdir / 'trytond-admin.log').open('ab'),
                stderr=subprocess.STDOUT)
        finally:
            passfile.unlink()

    def build_database(self):
        create_database(self.database)
        if self.filestore.exists():
            shutil.rmtree(self.filestore)
        self.filestore.mkdir(parents=True)
        self.admin('-u', 'egov_app_request', '--activate-dependencies',
            '-l', 'id', '--email', 'admin.egov@tangerangkota.go.id')
        password = strong_password()
        subprocess.run([sys.executable, __file__, '_users', str(self.site),
                self.database], check=True, env=clean_env(
                EGOV_USER_PASSWORD=password, PYTHONPATH=str(ROOT)),
            stdout=(self.workdir / 'users.log').open('ab'),
            stderr=subprocess.STDOUT)
        from egov_app_request.tests.tools import OPD_USERS, ROLE_USERS
        self.passwords = {login: password
            for login in [*ROLE_USERS, *OPD_USERS]}
        self.passwords['admin'] = self.admin_password

    def sql(self, query, *params, database=None):
        with pg_connect(database or self.database) as connection:
            return connection.execute(query, params).fetchall()

    def document_types(self):
        return [r[0] for r in self.sql(
                'SELECT id FROM egov_document_type WHERE required_new '
                'ORDER BY id')]

    # Everything ------------------------------------------------------------
    def start(self, build=True):
        self.workdir.mkdir(parents=True, exist_ok=True)
        start_postgresql()
        smtp_port = self.start_sink()
        self.write_site_config(smtp_port)
        if build:
            self.build_database()
        base, _ = self.start_app_server()
        self.trytond('trytond-cron')
        self.trytond('trytond-worker', '-n', '1')
        return base

    def policy_line(self):
        "The security policy's start line in the app server's log"
        for process in self.processes:
            if process.name.startswith('gunicorn'):
                for line in process.logfile.read_text(
                        errors='replace').splitlines():
                    if 'security policy in effect' in line:
                        return line
        return None

    def cron_runs(self, since):
        return self.sql('SELECT c.method, l.started FROM ir_cron_log l '
            'JOIN ir_cron c ON c.id = l.cron WHERE l.started >= %s '
            'ORDER BY l.started', since)


def _wait_port(port, seconds, process, http=False):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f'{process.name} exited: '
                + process.logfile.read_text(errors='replace')[-3000:])
        try:
            if http:
                urllib.request.urlopen(f'http://127.0.0.1:{port}/',
                    timeout=5).close()
            else:
                socket.create_connection(('127.0.0.1', port), 2).close()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f'{process.name}: port {port} not served in '
        f'{seconds} s')


def _users_child(site, database):
    "In a child: the users of the SOP roles and OPDs, the throttle raised"
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(site)
    os.environ['TRYTOND_DATABASE_URI'] = parser['database']['uri']
    from proteus import Model
    from proteus import config as pconfig
    pconfig.set_trytond(database=database, config_file=site)
    from egov_app_request.tests.tools import create_users
    create_users(password=os.environ['EGOV_USER_PASSWORD'], language='id')
    Configuration = Model.get('egov.configuration')
    configuration = Configuration(1)
    for name, value in RELAXED_THROTTLE.items():
        setattr(configuration, name, value)
    configuration.save()


# --- make prod-check ---------------------------------------------------------

def check(seconds=30, clients=4, workers=3, keep=False,
        database='egov_prodcheck', workdir=WORKDIR):
    started = time.monotonic()
    stack = Stack(database, workdir, workers=workers)
    ok = False

    def interrupted(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, interrupted)
    try:
        log(f'work directory {stack.workdir}; PostgreSQL, SMTP sink, '
            f'database {database} (trytond-admin -u egov_app_request -l id)')
        clock = time.monotonic()
        stack.workdir.mkdir(parents=True, exist_ok=True)
        start_postgresql()
        smtp_port = stack.start_sink()
        stack.write_site_config(smtp_port)
        # trytond stores UTC, without time zone
        since = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
        stack.build_database()
        log(f'database built in {time.monotonic() - clock:.0f} s')
        clock = time.monotonic()
        base, _ = stack.start_app_server()
        cron = stack.trytond('trytond-cron')
        stack.trytond('trytond-worker', '-n', '1')
        log(f'gunicorn ({workers} workers) on {base}, one trytond-cron, '
            f'one trytond-worker: up in {time.monotonic() - clock:.0f} s')
        proxy = stack.start_proxy([base])
        policy = stack.policy_line()
        assert policy and all(p in policy for p in POLICY), policy
        log('security policy in effect (server log): '
            + policy.split('in effect: ', 1)[1])

        opd = (OPD_LOGINS[0], stack.passwords[OPD_LOGINS[0]])
        staff = (STAFF_LOGIN, stack.passwords[STAFF_LOGIN])
        log('smoke test')
        for line in smoke(base, database, opd, staff):
            print(line, flush=True)
        if proxy:
            log(f'through nginx (deploy/nginx/egov.conf) on {proxy}')
            for line in proxy_checks(proxy, database, opd, staff,
                    stack.workdir / 'security.log'):
                print(line, flush=True)
        else:
            log('nginx is not installed: the proxy example is not checked')

        log(f'mixed load: {clients} clients for {seconds} s')
        lines, errors, created, _ = mixed_load(base, database,
            stack.passwords, seconds, clients, stack.document_types())
        for line in lines:
            print(line, flush=True)
        assert not errors, f'{len(errors)} error(s) under load'
        assert created, 'no request created under load'

        log('a document: the press issues it, trytond-worker its PDF')
        lines, _ = document_check(stack, base, database, stack.passwords)
        for line in lines:
            print(line, flush=True)

        log('calendar change: the recompute off the administrator\'s save')
        for line in calendar_check(stack, base, database):
            print(line, flush=True)

        deadline = time.monotonic() + 90
        runs = stack.cron_runs(since)
        while not runs and time.monotonic() < deadline:
            assert cron.poll() is None, 'trytond-cron exited'
            time.sleep(2)
            runs = stack.cron_runs(since)
        assert runs, 'trytond-cron ran no job'
        log(f'trytond-cron ran {len(runs)} job(s): '
            + ', '.join(sorted({r[0] for r in runs})))
        deadline = time.monotonic() + 30
        while not stack.mails() and time.monotonic() < deadline:
            time.sleep(1)
        assert stack.mails(), 'no e-mail reached the SMTP sink'
        log(f'{stack.mails()} e-mail(s) reached the SMTP sink')
        ok = True
    finally:
        left = stack.stop()
        if not keep:
            try:
                drop_database(database)
            except Exception as error:
                log(f'database {database} not dropped: {error}')
        log('stopped: ' + ('no process left' if not left
                else f'LEFT RUNNING: {left}'))
        log(('PASSED' if ok and not left else 'FAILED')
            + f' in {time.monotonic() - started:.0f} s'
            + ('' if ok else f' (logs in {stack.workdir})'))
    return ok and not left


def scale(seconds=30, clients=6, workers=2, database='egov_scale'):
    """Beyond one machine, on this one: the mixed load against one app
    server, then against two (each `workers` workers, different ports) that
    share one PostgreSQL database and one filestore directory; the
    throughput of two against one. One trytond-cron for both."""
    stack = Stack(database, WORKDIR / 'scale', workers=workers)
    try:
        log(f'scale: database {database}, one filestore '
            f'{stack.filestore}, one trytond-cron')
        first = stack.start()
        second, _ = stack.start_app_server()
        types = stack.document_types()
        # Warm both (each worker loads the pool on its first call).
        mixed_load([first, second], database, stack.passwords, 5, 4, types)
        results, loads = {}, {}
        crons = [p for p in stack.processes if p.name == 'trytond-cron']
        log(f'{len(stack.app_servers)} gunicorn servers ({workers} workers '
            f'each), {len(crons)} trytond-cron for both, one '
            'trytond-worker')
        assert len(crons) == 1
        for label, bases in [('one app server', [first]),
                ('two app servers', [first, second]),
                ('one app server (again)', [first])]:
            log(f'{label}: {clients} clients, {seconds} s')
            lines, errors, _, rate = mixed_load(bases, database,
                stack.passwords, seconds, clients, types)
            for line in lines:
                print(line, flush=True)
            loads[label] = os.getloadavg()[0]
            print(f'  load average (1 min) after it: {loads[label]:.2f}',
                flush=True)
            assert not errors, errors[:3]
            results[label] = rate
        one = (results['one app server']
            + results['one app server (again)']) / 2
        log(f'THROUGHPUT two / one app server: '
            f'{results["two app servers"] / one:.2f}x '
            f'({results["two app servers"]:.1f} vs {one:.1f} calls/s, '
            f'{os.cpu_count()} cores for everything: the servers, '
            'PostgreSQL, the clients and the other work of the machine; '
            'load average after the runs '
            + ', '.join(f'{k} {v:.1f}' for k, v in loads.items()) + ')')
        return True
    finally:
        left = stack.stop()
        drop_database(database)
        log('stopped: ' + ('no process left' if not left
                else f'LEFT RUNNING: {left}'))


def upgrade(requests=10000, database='egov_upgrade', seeding='bench'):
    """The upgrade drill: a database holding `requests` requests (a few
    made through the stack, then, seeding 'bench', the requests of 30 OPDs
    in all states with their history as benchmarks/seeding.py seeds
    them, or, seeding 'copy', copies of those made by the load with their
    history and documents), `trytond-admin -u egov_app_request` timed, then
    the smoke test on it."""
    stack = Stack(database, WORKDIR / 'upgrade', workers=2)
    try:
        base = stack.start()
        mixed_load(base, database, stack.passwords, 10, 3,
            stack.document_types())
        stack.stop()
        clock = time.monotonic()
        if seeding == 'bench':
            sys.path.insert(0, str(ROOT / 'benchmarks'))
            sys.path.insert(0, str(ROOT / 'tests'))
            from seeding import seed as bench_seed

            class Target:
                name = database
                pg_uri = (f'postgresql://{PG_USER}:{PG_PASSWORD}@{PG_HOST}'
                    f':{PG_PORT}/')
            (have,), = stack.sql('SELECT count(*) FROM egov_request')
            bench_seed(Target, max(requests - have, 0))
        else:
            with pg_connect(database) as connection:
                seed(connection, requests)
        (count,), = stack.sql('SELECT count(*) FROM egov_request')
        (history,), = stack.sql('SELECT count(*) FROM egov_request_history')
        log(f'seeded to {count} requests ({history} history rows) in '
            f'{time.monotonic() - clock:.0f} s')
        clock = time.monotonic()
        stack.admin('-u', 'egov_app_request', '-l', 'id')
        log(f'UPGRADE trytond-admin -u egov_app_request -l id: '
            f'{time.monotonic() - clock:.0f} s')
        port = stack.start_sink()
        stack.write_site_config(port)
        base, _ = stack.start_app_server()
        opd = (OPD_LOGINS[0], stack.passwords[OPD_LOGINS[0]])
        staff = (STAFF_LOGIN, stack.passwords[STAFF_LOGIN])
        own = stack.sql('SELECT count(*) FROM egov_request r JOIN res_user u '
            'ON u.egov_opd = r.opd WHERE u.login = %s', opd[0])[0][0]
        log(f'smoke test on the upgraded database ({opd[0]}\'s OPD holds '
            f'{own} requests)')
        clock = time.monotonic()
        passed = []
        try:
            smoke(base, database, opd, staff, passed)
        except Exception as error:
            for line in passed:
                print(line, flush=True)
            log(f'smoke test FAILED after {time.monotonic() - clock:.0f} s, '
                f'at the check after the {len(passed)} above: '
                f'{type(error).__name__}: {str(error)[:200]}')
            # What else answers on the upgraded database.
            rpc = RPC(base, database).login(*opd)
            for label, call in [
                    ('JSON-RPC list of the OPD\'s 80 latest', lambda: rpc.call(
                            'model.egov.request.search_read', [], 0, 80,
                            [['submitted_at', 'DESC'], ['id', 'DESC']],
                            ['title', 'state', 'submitted_at'])),
                    ('JSON-RPC count of the OPD\'s requests', lambda: rpc.call(
                            'model.egov.request.search_count', [])),
                    ('board as ' + staff[0], lambda: Browser(base, database)
                        .login(*staff).open('/board').status)]:
                started = time.monotonic()
                try:
                    result = call()
                    if label.startswith('board') and result != 200:
                        raise AssertionError(f'HTTP {result} after '
                            f'{(time.monotonic() - started) * 1000:.0f} ms')
                    shown = (f'{len(result)} rows' if isinstance(result, list)
                        else result)
                    print(f'  ok  {label}: {shown} in '
                        f'{(time.monotonic() - started) * 1000:.0f} ms',
                        flush=True)
                except Exception as other:
                    print(f'  FAIL {label}: {type(other).__name__}: '
                        f'{str(other)[:120]}', flush=True)
            return False
        for line in passed:
            print(line, flush=True)
        log(f'smoke test passed in {time.monotonic() - clock:.0f} s')
        return True
    finally:
        left = stack.stop()
        drop_database(database)
        log('stopped: ' + ('no process left' if not left
                else f'LEFT RUNNING: {left}'))


def seed(connection, total):
    """Copy the existing requests (round robin) until there are `total`,
    each copy with its history and document rows (same files)"""
    def columns(table):
        return [r[0] for r in connection.execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_name = %s AND column_name <> 'id' "
                "ORDER BY ordinal_position", (table,))]
    have = connection.execute('SELECT count(*) FROM egov_request'
        ).fetchone()[0]
    missing = total - have
    if missing <= 0:
        return
    request_columns = columns('egov_request')
    select = ', '.join(
        "t.number || '-' || m.new" if c == 'number' else
        "t.title || ' ' || m.new" if c == 'title' else f't."{c}"'
        for c in request_columns)
    connection.execute('CREATE TEMP TABLE seed_map (old integer, new '
        'integer)')
    connection.execute(f'''
        INSERT INTO seed_map
        SELECT r.id, nextval('egov_request_id_seq')
        FROM (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k
                FROM egov_request) r
            JOIN generate_series(1, %s) g ON (g - 1) %% %s = r.k
        ORDER BY g''', (missing, have))
    connection.execute(f'''
        INSERT INTO egov_request (id, {', '.join(f'"{c}"' for c in
            request_columns)})
        SELECT m.new, {select} FROM egov_request t
            JOIN seed_map m ON t.id = m.old''')
    for table in ['egov_request_history', 'egov_request_document']:
        cols = columns(table)
        connection.execute(f'''
            INSERT INTO {table} ({', '.join(f'"{c}"' for c in cols)})
            SELECT {', '.join('m.new' if c == 'request' else f't."{c}"'
                for c in cols)}
            FROM {table} t JOIN seed_map m ON t.request = m.old''')
    connection.commit()


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == '_users':
        return _users_child(*argv[1:])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest='command', required=True)
    check_parser = commands.add_parser('check',
        help="start the stack, smoke test, load, stop (make prod-check)")
    check_parser.add_argument('--seconds', type=int, default=30)
    check_parser.add_argument('--clients', type=int, default=4)
    check_parser.add_argument('--workers', type=int, default=3)
    check_parser.add_argument('--database', default='egov_prodcheck')
    check_parser.add_argument('--workdir', type=Path, default=WORKDIR)
    check_parser.add_argument('--keep', action='store_true',
        help="keep the database and .prod/ (logs) afterwards")
    scale_parser = commands.add_parser('scale',
        help="two app servers against one, sharing PostgreSQL and the "
        "filestore")
    scale_parser.add_argument('--seconds', type=int, default=30)
    scale_parser.add_argument('--clients', type=int, default=6)
    scale_parser.add_argument('--workers', type=int, default=2)
    upgrade_parser = commands.add_parser('upgrade',
        help="trytond-admin -u on a copy holding many requests")
    upgrade_parser.add_argument('--requests', type=int, default=10000)
    upgrade_parser.add_argument('--seeding', choices=['bench', 'copy'],
        default='bench', help="the benchmark's seeding (30 OPDs, all "
        "states) or copies of the load's requests")
    smoke_parser = commands.add_parser('smoke',
        help="smoke test of an installed stack; accounts from the "
        "environment: EGOV_SMOKE_OPD=login:password, "
        "EGOV_SMOKE_STAFF=login:password")
    smoke_parser.add_argument('url')
    smoke_parser.add_argument('database')
    args = parser.parse_args(argv)
    if args.command == 'check':
        return 0 if check(args.seconds, args.clients, args.workers,
            args.keep, args.database, args.workdir) else 1
    if args.command == 'scale':
        return 0 if scale(args.seconds, args.clients, args.workers) else 1
    if args.command == 'upgrade':
        return 0 if upgrade(args.requests, seeding=args.seeding) else 1
    opd = os.environ['EGOV_SMOKE_OPD'].split(':', 1)
    staff = os.environ['EGOV_SMOKE_STAFF'].split(':', 1)
    for line in smoke(args.url, args.database, opd, staff):
        print(line)
    print('smoke: PASSED')
    return 0


if __name__ == '__main__':
    sys.exit(main())
