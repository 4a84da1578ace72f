"""A throwaway database for the tests that talk to a real trytond over HTTP
(tests/test_http_access.py, tests/test_concurrency.py).

The database is built as an administrator would: created, initialised with
`trytond-admin`, then filled by a child Python with proteus and the helpers
of egov_app_request.tests.tools (the users of the SOP roles and requests of
Dinas Kesehatan). The children get a clean environment: the test runner's
TRYTOND_* variables (the in-process test database) never reach them.

On SQLite the database lives in a temporary directory; on PostgreSQL (when
TRYTOND_DATABASE_URI starts with postgresql) it is a new database with a
unique name, dropped at the end.

Run as a script, this file is the filling child:
    python tests/dbbuild.py fill DATABASE CONFIG... -- JSON-OPTIONS
"""
import atexit
import configparser
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from server import (  # noqa: E402
    VENV_BIN, Client, clean_env, config_args, start_production_server,
    stop_server, write_config)

ADMIN_PASSWORD = 'Admin-Tangerang-2026!'
# A second ICT Governance team lead, so that two users of the same role
# can press the same button.
SECOND_TATAKELOLA = 'tatakelola2'


def postgresql_uri():
    "The runner's PostgreSQL URI, or None when the tests run on SQLite"
    uri = os.environ.get('TRYTOND_DATABASE_URI', '')
    if uri.startswith(('postgresql:', 'postgres:')):
        return uri
    return None


def pg_connect(uri, database='postgres', **kwargs):
    "A psycopg connection to `database` on the server of `uri`"
    import psycopg
    parts = urlsplit(uri)
    return psycopg.connect(
        urlunsplit(parts._replace(scheme='postgresql', path='/' + database)),
        **kwargs)


class TestDatabase:
    """A database of its own, its configuration files and, once started,
    a trytond serving it."""

    def __init__(self, prefix, backend=None):
        self.pg_uri = postgresql_uri() if backend != 'sqlite' else None
        self.backend = 'postgresql' if self.pg_uri else 'sqlite'
        self.name = f'{prefix}_{uuid.uuid4().hex[:10]}'
        self.directory = Path(tempfile.mkdtemp(prefix=f'{prefix}-'))
        self.server = None
        self.data = {}
        # `path` holds the SQLite file and, on both backends, the filestore
        # (the uploaded documents).
        if self.pg_uri:
            uri = urlunsplit(urlsplit(self.pg_uri)._replace(path='/'))
        else:
            uri = 'sqlite://'
        self.configs = write_config(
            self.directory, uri=uri, sqlite_path=self.directory)
        self.log = self.directory / 'trytond.log'

    # --- Build ---------------------------------------------------------

    def _run(self, args, **kwargs):
        env = clean_env(**kwargs.pop('env', {}))
        result = subprocess.run(
            args, env=env, capture_output=True, text=True, **kwargs)
        if result.returncode:
            raise RuntimeError(
                f'{" ".join(map(str, args))} failed '
                f'({result.returncode}):\n{result.stdout}\n{result.stderr}')
        return result.stdout

    def create(self):
        if self.pg_uri:
            with pg_connect(self.pg_uri, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{self.name}" '
                    "TEMPLATE template0 ENCODING 'unicode'")
        else:
            (self.directory / f'{self.name}.sqlite').touch()

    def initialise(self):
        "trytond-admin: the base modules, the admin and egov_app_request"
        passfile = self.directory / 'admin-password'
        passfile.write_text(ADMIN_PASSWORD + '\n')
        args = [str(VENV_BIN / 'trytond-admin'),
            *config_args(self.configs)]
        # Indonesian loaded (-l id), as the README installs the product:
        # the portal, the board, letters and e-mails read the translated
        # selection strings (egov_app_request/vocabulary.py).
        args += ['-d', self.name, '--email', 'admin@tangerangkota.go.id',
            '-u', 'egov_app_request', '--activate-dependencies', '-l', 'id']
        self._run(args, env={'TRYTONPASSFILE': str(passfile)})

    def fill(self, **options):
        """Users and requests, made with proteus in a child process; on a
        copy (users=False) more requests beside those of its base"""
        args = [sys.executable, str(Path(__file__).resolve()), 'fill',
            self.name, *self.configs, '--', json.dumps(options)]
        output = self._run(args, cwd=str(Path(__file__).resolve().parent))
        self.data.update(json.loads(output.strip().splitlines()[-1]))
        return self.data

    def build(self, **options):
        start = time.monotonic()
        self.create()
        self.initialise()
        self.fill(**options)
        self.build_seconds = time.monotonic() - start
        return self

    def clone(self, prefix):
        "A copy of this (built, not served) database under a new name"
        copy = TestDatabase(prefix, backend=self.backend)
        if self.pg_uri:
            with pg_connect(self.pg_uri, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{copy.name}" '
                    f'TEMPLATE "{self.name}"')
        else:
            shutil.copyfile(
                self.directory / f'{self.name}.sqlite',
                copy.directory / f'{copy.name}.sqlite')
        for entry in self.directory.iterdir():
            if entry.is_dir():
                # The filestore: each database's files are in a folder of
                # its name (egov_app_request/filestore.py), renamed with it
                # as scripts/restore.sh does.
                name = copy.name if entry.name == self.name else entry.name
                shutil.copytree(entry, copy.directory / name)
        copy.data = json.loads(json.dumps(self.data))
        copy.build_seconds = 0
        return copy

    # --- Serve -------------------------------------------------------------

    def site_config(self):
        """The one site file of the server (TRYTOND_CONFIG holds one path):
        the test's extra files merged into it, as an operator would"""
        if len(self.configs) == 1:
            return Path(self.configs[0])
        parser = configparser.ConfigParser(interpolation=None)
        parser.read(self.configs)
        path = self.directory / 'site.conf'
        with path.open('w') as file:
            parser.write(file)
        return path

    def start(self):
        """Serve it the way production does (README, Production): gunicorn
        with the product's configuration, one site file, the shipped
        logging configuration; the security log is `self.security_log`"""
        self.server = start_production_server(
            self.site_config(), self.name, self.directory, log=self.log,
            sqlite=not self.pg_uri)
        self.url = self.server.url
        self.security_log = self.server.security_log
        return self

    def security_log_text(self):
        try:
            return self.security_log.read_text(errors='replace')
        except (AttributeError, OSError):
            return ''

    def client(self, login, password=None):
        from egov_app_request.tests.tools import DEMO_PASSWORD
        if password is None:
            password = (ADMIN_PASSWORD if login == 'admin'
                else DEMO_PASSWORD)
        client = Client(self.url, self.name)
        # trytond 8.0 answers JSON-RPC on /<database>/rpc/ (a POST to
        # /<database>/ gets 405).
        if not client.url.endswith('/rpc/'):
            client.url += 'rpc/'
        return client.login(login, password)

    def as_(self, login):
        "One JSON-RPC session per login, kept for the module's tests"
        clients = self.__dict__.setdefault('_clients', {})
        if login not in clients:
            clients[login] = self.client(login)
        return clients[login]

    def server_log(self):
        try:
            return self.log.read_text(errors='replace')
        except OSError:
            return ''

    # --- Clean up ----------------------------------------------------------

    def destroy(self):
        if self.server is not None:
            stop_server(self.server)
            self.server = None
        if self.pg_uri:
            try:
                with pg_connect(self.pg_uri, autocommit=True) as conn:
                    # WITH (FORCE) ends connections a killed server left.
                    conn.execute(
                        f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            except Exception as exception:
                print(f'could not drop {self.name}: {exception}',
                    file=sys.stderr)
        shutil.rmtree(self.directory, ignore_errors=True)


# What every test database holds besides the users: requests of Dinas
# Kesehatan submitted by its head (state 'received') and one draft.
BASE_CONTENT = {'received': 6, 'draft': 1}
_bases = {}
# backend -> the thread building its base ahead of the first new_database
_prebuilds = {}


def _drop_bases():
    for base in _bases.values():
        base.destroy()
    _bases.clear()


def _backend(backend=None):
    return backend or ('postgresql' if postgresql_uri() else 'sqlite')


def _build_base(backend):
    if not _bases:
        atexit.register(_drop_bases)
    base = TestDatabase('egov_base', backend=backend)
    try:
        base.build(**BASE_CONTENT)
    except BaseException:
        base.destroy()
        raise
    _bases[backend] = base
    return base


def prebuild(backend=None):
    """Start building the base database of this test run in a thread (the
    session does it when it has collected a test that calls new_database,
    tests/conftest.py): trytond-admin and the filling run in child
    processes, beside the tests that run in the runner's own process; the
    first new_database waits for it. Not a daemon: the interpreter waits
    for it at exit, before the base is dropped."""
    backend = _backend(backend)
    if backend in _bases or backend in _prebuilds:
        return

    def build():
        try:
            _build_base(backend)
        except BaseException as error:
            thread.error = error

    thread = threading.Thread(target=build, name=f'egov-base-{backend}')
    thread.error = None
    _prebuilds[backend] = thread
    thread.start()


def new_database(prefix, backend=None):
    """A database of its own, built like the others of this test run.

    The first call of a test run builds a base database (trytond-admin and
    proteus, 20 s on SQLite, 70 s on PostgreSQL), or waits for the build
    that prebuild() started; the others copy it."""
    backend = _backend(backend)
    thread = _prebuilds.pop(backend, None)
    if thread is not None:
        thread.join()
        if thread.error is not None:
            raise RuntimeError('the base database could not be built'
                ) from thread.error
    base = _bases.get(backend)
    if base is None:
        base = _build_base(backend)
    return base.clone(prefix)


# --- The filling child -------------------------------------------------------

def _fill(database, configs, options):
    from proteus import config as pconfig

    pconfig.set_trytond(database=database, config_file=configs)
    if options.get('users', True):
        _create_users()
    result = {}
    for key, make in [
            ('received', _received), ('draft', _drafts),
            ('technical_validation', _at_technical_validation)]:
        if key in options:
            result[key] = make(options[key])
    print(json.dumps(result))


def _create_users():
    from proteus import Model

    from egov_app_request.tests.tools import (
        DEMO_PASSWORD, ROLE_USERS, _ref, create_users)

    create_users(password=DEMO_PASSWORD)

    User = Model.get('res.user')
    Group = Model.get('res.group')
    OPD = Model.get('egov.opd')
    Position = Model.get('egov.position')
    name, groups, _, position = ROLE_USERS['tatakelola']
    user = User(login=SECOND_TATAKELOLA, name="Fajar Nugroho")
    user.egov_opd, = OPD.find([('code', '=', 'diskominfo')])
    user.egov_position, = Position.find([('code', '=', position)])
    user.groups.append(Group(_ref('egov_app_request.group_diskominfo')))
    for group in groups:
        user.groups.append(Group(_ref(f'egov_app_request.{group}')))
    user.email = f'{SECOND_TATAKELOLA}@tangerangkota.go.id'
    user.password = DEMO_PASSWORD
    user.save()


def _received(count):
    "Requests of Dinas Kesehatan submitted by its head"
    from egov_app_request.tests.tools import login, new_request
    login('kadis.dinkes')
    ids = []
    for i in range(count):
        request = new_request(f"Aplikasi Uji Serentak {i + 1}")
        request.click('submit')
        assert request.state == 'received', request.state
        ids.append(request.id)
    return ids


def _drafts(count):
    from egov_app_request.tests.tools import login, new_request
    login('kadis.dinkes')
    return [new_request(f"Aplikasi Draf {i + 1}").id for i in range(count)]


def _at_technical_validation(count):
    """Requests played by each role through steps 1-7 (one login per role
    for all of them): they wait for the validations of step 8"""
    from proteus import Model

    from egov_app_request.tests.tools import fill_step, login, new_request
    login('kadis.dinkes')
    ids = []
    for i in range(count):
        request = new_request(f"Aplikasi Uji Validasi {i + 1}")
        request.click('submit')
        ids.append(request.id)
    for user, buttons in [
            ('tatakelola', ['register', 'mark_complete']),
            ('kabid.egov', ['forward']),
            ('tatakelola', ['submit_feasibility']),
            ('kabid.egov', ['approve_feasibility', 'categorize']),
            ('katim.publik', ['submit_technical']),
            ]:
        login(user)
        Request = Model.get('egov.request')
        for request in [Request(i) for i in ids]:
            for button in buttons:
                fill_step(request)
                request.click(button)
    login('admin')
    Request = Model.get('egov.request')
    states = {Request(i).state for i in ids}
    assert states <= {'technical_validation'}, states
    return ids


def main(argv):
    command, database, *rest = argv
    assert command == 'fill', command
    separator = rest.index('--')
    configs, options = rest[:separator], json.loads(rest[separator + 1])
    # proteus reads the database URI from the environment.
    import configparser
    parser = configparser.ConfigParser()
    parser.read(configs)
    os.environ['TRYTOND_DATABASE_URI'] = parser.get('database', 'uri')
    if parser.has_option('database', 'path'):
        os.environ['TRYTOND_DATABASE__PATH'] = parser.get('database', 'path')
    _fill(database, configs, options)


if __name__ == '__main__':
    main(sys.argv[1:])
