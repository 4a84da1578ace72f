"""The backup drill (`make backup-drill`, README "Production: Backups"):

    python scripts/backup_drill.py [--seconds 40] [--clients 4] [--keep]

1. starts the production stack of scripts/prod_stack.py (PostgreSQL,
   gunicorn, trytond-cron, trytond-worker, SMTP sink) on a new database;
2. runs the mixed load (OPDs creating and submitting requests with their
   documents, Diskominfo registering them: each `register` issues the
   receipt PDF) and, while it runs, takes a backup with scripts/backup.sh;
   the drill exports the snapshot that pg_dump reads (EGOV_SNAPSHOT) and
   counts the module's rows in that same snapshot;
3. restores it with scripts/restore.sh into a fresh database and filestore;
4. proves: the row counts of every egov_* table and of ir_attachment match
   the snapshot's; every stored document (egov.request.document) and issued
   letter (egov.request.letter) of the restored database resolves to a file
   whose SHA-256 is the one stored in its row, and every attachment to a
   file; the restored system, served by gunicorn with a site file of its
   own, passes the smoke test. A letter whose PDF trytond-worker had not
   made yet at the snapshot (issued, its HTML kept, its task in ir.queue:
   letter.py) is restored as such: the restored stack's trytond-worker
   makes it, the drill waits for it and reports how many there were;
5. prints the recovery point (the snapshot's time, and what was committed
   after it: lost in a disaster at that moment) and the recovery time
   (restore + start + smoke), then stops everything and drops both
   databases (--keep leaves them)."""
import argparse
import datetime as dt
import hashlib
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import prod_stack  # noqa: E402
from prod_stack import (  # noqa: E402
    OPD_LOGINS, ROOT, STAFF_LOGIN, Stack, clean_env, drop_database, log,
    mixed_load, pg_connect, smoke)

#: Tables with a stored file: (table, filestore prefix under the database's
#: folder, digest column)
FILE_TABLES = [
    ('egov_request_document', 'egov', 'digest'),
    ('egov_request_letter', 'egov_letter', 'digest'),
    ('ir_attachment', None, None),
    ]


def module_tables(connection):
    return [r[0] for r in connection.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "AND (tablename LIKE 'egov%%' OR tablename = 'ir_attachment') "
            "ORDER BY tablename")]


def counts(connection):
    return {table: connection.execute(
            f'SELECT count(*) FROM "{table}"').fetchone()[0]
        for table in module_tables(connection)}


def preparing_letters(connection):
    """The letters issued whose PDF trytond-worker has not made yet (their
    HTML kept, their task queued)"""
    return connection.execute('SELECT count(*) FROM egov_request_letter '
        'WHERE digest IS NULL AND html IS NOT NULL').fetchone()[0]


def wait_for_letters(database, seconds=120):
    """Wait until trytond-worker made every letter being prepared; the
    number of those left"""
    deadline = time.monotonic() + seconds
    while True:
        with pg_connect(database) as connection:
            left = preparing_letters(connection)
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.5)


def check_files(database, filestore):
    """(files checked, problems) of the restored pair: each row's file
    exists, and its SHA-256 is the row's; a letter without its PDF is one
    still being prepared (its HTML kept), else a problem"""
    checked, problems = {}, []
    with pg_connect(database) as connection:
        for row in connection.execute('SELECT id FROM egov_request_letter '
                'WHERE file_id IS NULL AND html IS NULL').fetchall():
            problems.append(f'egov_request_letter {row[0]}: no PDF and '
                'nothing to make it from')
        for table, prefix, digest in FILE_TABLES:
            columns = f'id, file_id, {digest}' if digest else 'id, file_id'
            rows = connection.execute(f'SELECT {columns} FROM "{table}" '
                'WHERE file_id IS NOT NULL').fetchall()
            checked[table] = len(rows)
            for row in rows:
                file_id = row[1]
                path = Path(filestore, database, prefix or '', file_id[0:2],
                    file_id[2:4], file_id)
                if not path.is_file():
                    problems.append(f'{table} {row[0]}: {path} missing')
                    continue
                if digest:
                    actual = hashlib.sha256(path.read_bytes()).hexdigest()
                    if actual != row[2]:
                        problems.append(f'{table} {row[0]}: SHA-256 '
                            f'{actual} != {row[2]}')
    return checked, problems


def _interrupted(signum, frame):
    raise KeyboardInterrupt


def drill(seconds=40, clients=4, keep=False):
    signal.signal(signal.SIGTERM, _interrupted)
    started = time.monotonic()
    source = Stack('egov_drill', ROOT / '.prod' / 'drill')
    restored = Stack('egov_drill_restored',
        ROOT / '.prod' / 'drill-restored')
    backups = ROOT / '.prod' / 'drill-backups'
    ok = False
    try:
        log('backup drill: the stack on database egov_drill')
        base = source.start()
        restored.passwords = source.passwords
        types = source.document_types()
        log(f'load: {clients} clients for {seconds} s; backup after '
            f'{seconds // 2} s')
        result = {}
        load = threading.Thread(target=lambda: result.update(zip(
                    ['lines', 'errors', 'created', 'rate'],
                    mixed_load(base, source.database, source.passwords,
                        seconds, clients, types))))
        load.start()
        time.sleep(seconds // 2)

        # The snapshot pg_dump reads, exported by the drill's transaction,
        # where the rows are counted too.
        shutil.rmtree(backups, ignore_errors=True)
        with pg_connect(source.database, autocommit=True) as snapshot:
            snapshot.execute('BEGIN ISOLATION LEVEL REPEATABLE READ '
                'READ ONLY')
            snapshot_id = snapshot.execute(
                'SELECT pg_export_snapshot()').fetchone()[0]
            at_snapshot = counts(snapshot)
            preparing = preparing_letters(snapshot)
            snapshot_time = dt.datetime.now(dt.timezone.utc)
            clock = time.monotonic()
            output = subprocess.run(['bash', str(ROOT / 'scripts' /
                        'backup.sh'), source.database, str(source.filestore),
                    str(backups)], check=True, capture_output=True,
                text=True, env=clean_env(EGOV_SNAPSHOT=snapshot_id,
                    PGHOST=prod_stack.PG_HOST, PGPORT=prod_stack.PG_PORT,
                    PGUSER=prod_stack.PG_USER)).stdout
            backup_seconds = time.monotonic() - clock
        print('  ' + output.strip(), flush=True)
        load.join()
        for line in result['lines']:
            print(line, flush=True)
        assert not result['errors'], 'errors under load'
        with pg_connect(source.database) as connection:
            at_end = counts(connection)
        log(f'backup taken in {backup_seconds:.1f} s while the load ran')

        # Restore into a fresh database and filestore; serve and smoke it.
        drop_database(restored.database)
        shutil.rmtree(restored.workdir, ignore_errors=True)
        restored.workdir.mkdir(parents=True)
        clock = time.monotonic()
        output = subprocess.run(['bash', str(ROOT / 'scripts' /
                    'restore.sh'), str(backups / 'egov_drill-latest'),
                restored.database, str(restored.filestore)], check=True,
            capture_output=True, text=True, env=clean_env(
                PGHOST=prod_stack.PG_HOST, PGPORT=prod_stack.PG_PORT,
                PGUSER=prod_stack.PG_USER)).stdout
        restore_seconds = time.monotonic() - clock
        print('  ' + output.strip().replace('\n', '\n  '), flush=True)
        port = restored.start_sink()
        restored.write_site_config(port)
        restored_base, _ = restored.start_app_server(workers=2)
        opd = (OPD_LOGINS[0], source.passwords[OPD_LOGINS[0]])
        staff = (STAFF_LOGIN, source.passwords[STAFF_LOGIN])
        for line in smoke(restored_base, restored.database, opd, staff):
            print(line, flush=True)
        recovery_seconds = time.monotonic() - clock
        # The PDFs not made at the snapshot: the restored trytond-worker
        # makes them from the letters' HTML (their tasks are restored).
        restored.trytond('trytond-worker', '-n', '1')
        clock = time.monotonic()
        left = wait_for_letters(restored.database)
        log(f'letters being prepared at the snapshot: {preparing}; made by '
            f'the restored trytond-worker in {time.monotonic() - clock:.1f} '
            f's; still being prepared: {left}')
        assert not left, f'{left} letter(s) without their PDF'

        with pg_connect(restored.database) as connection:
            after = counts(connection)
        differing = {t: (at_snapshot.get(t), after.get(t))
            for t in set(at_snapshot) | set(after)
            if at_snapshot.get(t) != after.get(t)}
        log(f'row counts: {len(after)} tables, '
            f'{sum(after.values())} rows; differing from the snapshot: '
            f'{differing or "none"}')
        for table in ['egov_request', 'egov_request_document',
                'egov_request_letter', 'egov_request_history']:
            print(f'  {table:28} snapshot {at_snapshot.get(table, 0):6d}  '
                f'restored {after.get(table, 0):6d}  '
                f'source at the end {at_end.get(table, 0):6d}', flush=True)
        checked, problems = check_files(restored.database,
            restored.filestore)
        log('files: ' + ', '.join(f'{t} {n}' for t, n in checked.items())
            + f' checked (exists, SHA-256 of the row); problems: '
            f'{len(problems)}')
        for problem in problems[:10]:
            print('  ' + problem, flush=True)
        assert not differing, differing
        assert not problems, problems
        assert checked['egov_request_letter'] > 0, 'no letter in the backup'

        lost = at_end['egov_request'] - at_snapshot['egov_request']
        log(f'RECOVERY POINT: the snapshot at {snapshot_time:%H:%M:%S} UTC; '
            f'{lost} request(s) created after it by the running load (and '
            'their steps) are not in this backup')
        log(f'RECOVERY TIME: restore {restore_seconds:.1f} s, restore + '
            f'app server + smoke test {recovery_seconds:.1f} s')
        ok = True
    finally:
        left = restored.stop() + source.stop()
        if not keep:
            for stack in (restored, source):
                try:
                    drop_database(stack.database)
                except Exception as error:
                    log(f'{stack.database} not dropped: {error}')
        log('stopped: ' + ('no process left' if not left
                else f'LEFT RUNNING: {left}'))
        log(('PASSED' if ok and not left else 'FAILED')
            + f' in {time.monotonic() - started:.0f} s')
    return ok and not left


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--seconds', type=int, default=40)
    parser.add_argument('--clients', type=int, default=4)
    parser.add_argument('--keep', action='store_true')
    args = parser.parse_args(argv)
    return 0 if drill(args.seconds, args.clients, args.keep) else 1


if __name__ == '__main__':
    sys.exit(main())
