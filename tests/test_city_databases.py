"""Several cities as databases served by one trytond from one filestore
([database] path): each database keeps its files in its own folder
(`<path>/<database>/egov/…`, egov_app_request/filestore.py), so

- a document uploaded in one city is stored in that city's folder only and
  reads back in it;
- one city's daily job that removes unreferenced files (here with
  `[egov] orphan_file_hours = 0`) leaves the other city's files alone;
- a database whose files an older version stored in the folders shared by
  every database gets them moved into its folder by `trytond-admin -u`;
- (PostgreSQL) a backup of one city (scripts/backup.sh) holds only its
  folder, and its restore as a new database into the same path
  (scripts/restore.sh) writes only the new database's folder: the other
  city's files are untouched, every restored document resolves to its file
  with the SHA-256 of its row."""
import base64
import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / 'scripts'))
from dbbuild import (  # noqa: E402
    ADMIN_PASSWORD, new_database, pg_connect)
from prod_stack import RPC, unique_pdf  # noqa: E402
from server import (  # noqa: E402
    VENV_BIN, clean_env, start_production_server, stop_server)

from egov_app_request.tests.tools import DEMO_PASSWORD  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
ORPHAN_JOB = 'ir.filestore.queue|egov_remove_orphan_files'


def tree(folder):
    "{path relative to `folder`: SHA-256} of the files under it"
    folder = Path(folder)
    return {str(p.relative_to(folder)): hashlib.sha256(
            p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob('*')) if p.is_file()}


def second_city(first, name):
    """A second database beside `first`, in the same directory (the same
    [database] path), its files copied into a folder of its name"""
    if first.pg_uri:
        with pg_connect(first.pg_uri, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{first.name}"')
    else:
        (first.directory / f'{name}.sqlite').write_bytes(
            (first.directory / f'{first.name}.sqlite').read_bytes())
    source = first.directory / first.name
    for path in source.rglob('*'):
        if path.is_file():
            target = first.directory / name / path.relative_to(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())
    return name


def drop(first, name):
    if first.pg_uri:
        with pg_connect(first.pg_uri, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope='module')
def cities():
    first = new_database('city_a')
    second = f'city_b_{first.name.rsplit("_", 1)[1]}'
    server = None
    try:
        second_city(first, second)
        site = first.site_config()
        # Every unreferenced file is an orphan at once (the product waits
        # 24 hours), so that the job would remove another city's new file.
        with open(site, 'a') as file:
            file.write('\n[egov]\norphan_file_hours = 0\n')
        server = start_production_server(site, f'{first.name},{second}',
            first.directory, log=first.directory / 'cities.log',
            sqlite=not first.pg_uri)
        base = server.url
        first.cities = {name: base for name in [first.name, second]}
        first.second = second
        yield first
    finally:
        if server is not None:
            stop_server(server)
        drop(first, second)
        first.destroy()


def upload(base, database, title):
    """A request of Dinas Kesehatan with its required documents, made over
    JSON-RPC; (request id, {document id: content})"""
    rpc = RPC(base, database).login('kadis.dinkes', DEMO_PASSWORD)
    types = rpc.call('model.egov.document.type.search',
        [('required_new', '=', True)], 0, None, None)
    contents = {t: unique_pdf() for t in types}
    request_id, = rpc.call('model.egov.request.create', [{
                'title': title, 'kind': 'new',
                'description': f'Permintaan {title}.',
                'documents': [('create', [
                            {'type': t, 'filename': f'dok{t}.pdf',
                                'file': c} for t, c in contents.items()])],
                }])
    documents = rpc.call('model.egov.request.document.search',
        [('request', '=', request_id)], 0, None, None)
    read = rpc.call('model.egov.request.document.read', documents,
        ['type', 'file_id'])
    return request_id, {d['file_id']: contents[d['type']] for d in read}


def test_each_city_keeps_its_own_files(cities):
    path = cities.directory
    first, second = cities.name, cities.second
    files = {}
    for name in [first, second]:
        _, files[name] = upload(cities.cities[name], name,
            f'Aplikasi Kota {name[-4:]}')
    for name, other in [(first, second), (second, first)]:
        for file_id, content in files[name].items():
            own = path / name / 'egov' / file_id[:2] / file_id[2:4] / file_id
            assert own.read_bytes() == content
            assert not (path / other / 'egov' / file_id[:2] / file_id[2:4]
                / file_id).exists()
            # Nothing in the folders shared by every database.
            assert not (path / 'egov' / file_id[:2] / file_id[2:4]
                / file_id).exists()

    # The second city's orphan job removes nothing of the first city.
    before = tree(path / first)
    admin = RPC(cities.cities[second], second).login('admin',
        ADMIN_PASSWORD)
    cron, = admin.call('model.ir.cron.search',
        [('method', '=', ORPHAN_JOB)], 0, None, None)
    admin.call('model.ir.cron.run_once', [cron])
    assert tree(path / first) == before
    second_files = tree(path / second)
    for file_id in files[second]:
        assert any(p.endswith(file_id) for p in second_files)


@pytest.mark.skipif(not __import__('dbbuild').postgresql_uri(),
    reason="pg_dump and pg_restore: the PostgreSQL pass")
def test_backup_and_restore_of_one_city_leave_the_other(cities, tmp_path):
    path = cities.directory
    first, second = cities.name, cities.second
    upload(cities.cities[first], first, 'Aplikasi Sebelum Cadangan')
    others = tree(path / second)
    assert others
    env = dict(__import__('os').environ)
    parts = __import__('urllib.parse').parse.urlsplit(cities.pg_uri)
    env.update(PGHOST=parts.hostname or '127.0.0.1',
        PGPORT=str(parts.port or 5432), PGUSER=parts.username or 'tryton',
        PGPASSWORD=parts.password or '')
    backups = tmp_path / 'backups'
    subprocess.run(['bash', str(ROOT / 'scripts' / 'backup.sh'), first,
            str(path), str(backups)], check=True, env=env,
        capture_output=True)
    copy = backups / f'{first}-latest' / 'filestore'
    # The backup holds the first city's folder only.
    assert [p.name for p in copy.iterdir()] == [first]
    assert tree(copy / first) == tree(path / first)

    restored = f'{first}_restored'
    try:
        subprocess.run(['bash', str(ROOT / 'scripts' / 'restore.sh'),
                str(backups / f'{first}-latest'), restored, str(path)],
            check=True, env=env, capture_output=True)
        # Into the same path: the other city is untouched.
        assert tree(path / second) == others
        assert tree(path / restored) == tree(path / first)
        # A second restore under the same name is refused.
        refused = subprocess.run(['bash',
                str(ROOT / 'scripts' / 'restore.sh'),
                str(backups / f'{first}-latest'), restored, str(path)],
            env=env, capture_output=True, text=True)
        assert refused.returncode != 0
        with pg_connect(cities.pg_uri, restored) as conn:
            rows = conn.execute('SELECT file_id, digest FROM '
                'egov_request_document WHERE file_id IS NOT NULL'
                ).fetchall()
        assert rows
        for file_id, digest in rows:
            stored = (path / restored / 'egov' / file_id[:2] / file_id[2:4]
                / file_id)
            assert hashlib.sha256(stored.read_bytes()).hexdigest() == digest
    finally:
        drop(cities, restored)


def test_upgrade_moves_files_from_the_shared_folders(cities):
    """A database whose files an older version kept under `egov/` and
    `egov_letter/` (shared by every database on the path): `trytond-admin
    -u egov_app_request` moves the files its rows reference into its
    folder, and leaves the others"""
    path = cities.directory
    name = cities.second
    moved = {}
    for prefix in ['egov', 'egov_letter']:
        own = path / name / prefix
        if own.exists():
            moved[prefix] = tree(own)
            shutil.move(str(own), str(path / prefix))
    assert moved.get('egov')
    stranger = path / 'egov' / 'ab' / 'cd' / 'abcd-not-referenced'
    stranger.parent.mkdir(parents=True, exist_ok=True)
    stranger.write_bytes(b'another database\'s file')
    subprocess.run([str(VENV_BIN / 'trytond-admin'), '-c',
            str(cities.site_config()), '-d', name, '-u', 'egov_app_request'],
        check=True, env=clean_env(), capture_output=True, timeout=600)
    for prefix, files in moved.items():
        assert tree(path / name / prefix) == files
    assert stranger.exists()
    # The documents read back from the server.
    rpc = RPC(cities.cities[name], name).login('kadis.dinkes',
        DEMO_PASSWORD)
    documents = rpc.call('model.egov.request.document.search', [], 0, 5,
        None)
    assert documents
    for document in rpc.call('model.egov.request.document.read',
            documents, ['file', 'digest']):
        content = base64.b64decode(document['file']['base64'])
        assert hashlib.sha256(content).hexdigest() == document['digest']
