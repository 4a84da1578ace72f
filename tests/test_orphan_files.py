"""No orphan file when a database connection is killed during `decide`,
on PostgreSQL.

`decide` (step 9) issues the reply letter: its PDF is written to the
filestore ([database] path, prefix egov_letter) inside the transaction. A
child process presses `decide` as the Kepala Dinas with the filestore's
write patched: right after the PDF is written, a second connection ends the
transaction's own backend (pg_terminate_backend). The transaction rolls
back; then

- with the rollback clean-up (egov_app_request/filestore.py,
  TransactionalBinary), the PDF is already gone;
- without it (switched off in the child), the PDF is an orphan, and the
  scheduled job (ir.cron "Remove Orphan e-Government Files") removes it
  once it is older than its threshold, and keeps every referenced file,
  recent unreferenced files and the files of other prefixes.

Run as a script, this file is the child:
    python tests/test_orphan_files.py DATABASE CONFIG... -- JSON-OPTIONS
"""
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dbbuild import new_database, pg_connect, postgresql_uri  # noqa: E402
from server import clean_env  # noqa: E402

pytestmark = pytest.mark.skipif(not postgresql_uri(), reason=(
        "kills a PostgreSQL backend mid-transaction (pg_terminate_backend); "
        "SQLite has no server connection to kill: run with "
        "TRYTOND_DATABASE_URI=postgresql://... (CI's PostgreSQL pass)"))


@pytest.fixture
def database():
    database = new_database('egov_orphan')
    try:
        database.fill(users=False, technical_validation=1)
        database.request = database.data['technical_validation'][0]
        yield database
    finally:
        database.destroy()


def child(database, **options):
    args = [sys.executable, str(Path(__file__).resolve()),
        database.name, *database.configs, '--', json.dumps(options)]
    result = subprocess.run(args, env=clean_env(), capture_output=True,
        text=True, cwd=str(Path(__file__).resolve().parent), timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def files(database, prefix):
    """{file id: path} of the filestore's files under `prefix`, in the
    database's own folder"""
    root = database.directory / database.name / prefix
    return {p.name: p for p in root.rglob('*') if p.is_file()}


def referenced(database, table):
    with pg_connect(database.pg_uri, database.name) as conn:
        return {r[0] for r in conn.execute(
                f'SELECT file_id FROM "{table}" WHERE file_id IS NOT NULL')}


def state(database):
    with pg_connect(database.pg_uri, database.name) as conn:
        return conn.execute('SELECT state FROM egov_request WHERE id = %s',
            (database.request,)).fetchone()[0]


def put_file(database, prefix, age_hours):
    "A file the store could have written, unreferenced, `age_hours` old"
    file_id = str(uuid.uuid4())
    path = (database.directory / database.name / prefix / file_id[:2]
        / file_id[2:4] / file_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b'%PDF-1.4 orphan\n')
    moment = time.time() - age_hours * 3600
    os.utime(path, (moment, moment))
    return path


def test_killed_decide_leaves_no_orphan(database):
    before = files(database, 'egov_letter')
    answer = child(database, request=database.request, cleanup=True)
    # The connection was lost: the transaction could not go on.
    assert 'OperationalError' in answer['error'], answer
    written, = answer['written']
    # The reply letter was written, then the transaction was killed.
    assert written not in before
    assert state(database) == 'signing'
    assert written not in referenced(database, 'egov_request_letter')
    # Rolled back: the file is gone, the others are where they were.
    after = files(database, 'egov_letter')
    assert written not in after, 'orphan left by the rollback'
    # Every file left is a letter's (those of steps 1-8 included).
    assert set(after) == referenced(database, 'egov_request_letter')
    assert set(before) <= set(after)


def test_cleanup_job_removes_orphans_and_keeps_the_rest(database):
    answer = child(database, request=database.request, cleanup=False)
    written, = answer['written']
    assert state(database) == 'signing'
    letters = files(database, 'egov_letter')
    # Without the rollback clean-up: the orphan of the killed transaction.
    assert written in letters
    assert written not in referenced(database, 'egov_request_letter')
    # It is a day old; others: an old orphan document, a recent orphan, a
    # file of another prefix.
    moment = time.time() - 25 * 3600
    os.utime(letters[written], (moment, moment))
    old_document = put_file(database, 'egov', 25)
    recent = put_file(database, 'egov', 1)
    other = put_file(database, 'other_module', 48)
    kept_letters = referenced(database, 'egov_request_letter')
    kept_documents = referenced(database, 'egov_request_document')
    assert kept_letters and kept_documents
    # Referenced files of any age are kept.
    for path in [*files(database, 'egov_letter').values(),
            *files(database, 'egov').values()]:
        if path.name in kept_letters | kept_documents:
            os.utime(path, (moment, moment))

    child(database, job=True)
    assert not letters[written].exists(), 'the orphan letter is kept'
    assert not old_document.exists()
    assert recent.exists() and other.exists()
    assert kept_letters <= set(files(database, 'egov_letter'))
    assert kept_documents <= set(files(database, 'egov'))
    # The decision can still be made: the documents and letters read back.
    assert child(database, request=database.request, decide=True)[
        'state'] == 'done'


# --- The child ---------------------------------------------------------------

def _walk_to_signing(request_id):
    from proteus import Model

    from egov_app_request.tests.tools import login
    for user in ['kabid.egov', 'kabid.sarpras']:
        login(user)
        request = Model.get('egov.request')(request_id)
        if request.state == 'technical_validation':
            request.click('approve_technical')
    login('kadis')
    request = Model.get('egov.request')(request_id)
    assert request.state == 'signing', request.state
    request.decision = 'approved'
    request.decision_text = "Disetujui."
    request.save()
    return request


def _killed_decide(database, uri, request_id, cleanup):
    import psycopg

    from trytond.filestore import filestore
    from trytond.transaction import Transaction

    from egov_app_request import filestore as egov_filestore

    request = _walk_to_signing(request_id)
    if not cleanup:
        egov_filestore.WrittenFiles.tpc_abort = (
            lambda self, transaction: self.files.clear())
    original = filestore.set
    written = []

    def set_and_kill(data, prefix=''):
        file_id = original(data, prefix)
        if prefix == f'{database}/egov_letter':
            written.append(file_id)
            pid = Transaction().connection.info.backend_pid
            with psycopg.connect(uri, dbname=database,
                    autocommit=True) as other:
                other.execute('SELECT pg_terminate_backend(%s)', (pid,))
        return file_id
    filestore.set = set_and_kill
    error = ''
    try:
        request.click('decide')
    except Exception as exception:
        error = repr(exception)
    finally:
        filestore.set = original
    return {'written': written, 'error': error}


def _run_job():
    from proteus import Model

    from egov_app_request.tests.tools import login
    login('admin')
    Cron = Model.get('ir.cron')
    cron, = Cron.find(
        [('method', '=', 'ir.filestore.queue|egov_remove_orphan_files')])
    assert cron.active
    assert (cron.interval_number, cron.interval_type) == (1, 'days')
    cron.click('run_once')
    return {}


def main(argv):
    database, *rest = argv
    separator = rest.index('--')
    configs, options = rest[:separator], json.loads(rest[separator + 1])
    import configparser
    parser = configparser.ConfigParser()
    parser.read(configs)
    uri = parser.get('database', 'uri')
    os.environ['TRYTOND_DATABASE_URI'] = uri
    os.environ['TRYTOND_DATABASE__PATH'] = parser.get('database', 'path')
    from proteus import config as pconfig
    pconfig.set_trytond(database=database, config_file=configs)
    if options.get('job'):
        result = _run_job()
    elif options.get('decide'):
        request = _walk_to_signing(options['request'])
        request.click('decide')
        result = {'state': request.state}
    else:
        result = _killed_decide(database, uri, options['request'],
            options['cleanup'])
    print(json.dumps(result))


if __name__ == '__main__':
    main(sys.argv[1:])
