"""The calendar recompute at 100,000 requests, on PostgreSQL: what the
administrator's save of a holiday costs, what the queued job costs, and the
job against one SQL UPDATE of the same rows.

    bash scripts/start_postgresql.sh
    TRYTOND_DATABASE_URI=postgresql://tryton:tryton@127.0.0.1:5432/ \\
        .venv/bin/python benchmarks/bench_recompute.py [--requests 100000]
        [--pairs 5] [--keep] [--database NAME]

It builds a database as the tests do and seeds it in SQL as
benchmarks/bench_scale.py does (benchmarks/seeding.py: 100,000 requests,
their step history). Then,
in this process, each pair interleaved and rolled back:

- the save with a worker ([queue] worker = True): the holiday is created,
  the recompute only queued (ir.queue);
- the save without a worker (demo, tests): the holiday and the recompute in
  the same transaction;
- the queued job alone (the ir.queue task the save queued, as
  trytond-worker runs it: the open steps that run across the holiday);
- the full recompute, as after a change of the working hours, writing
  every open step (the same rows as the UPDATE), with its part spent in
  the working-time arithmetic;
- one SQL UPDATE writing new values into the same columns of the same
  rows.

`--database NAME` measures an existing seeded database (it is kept);
`--keep` keeps the one it builds. A benchmark, not a test: the figures
depend on the machine (README, "Speed at 100,000 requests")."""
import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / 'tests'))
sys.path.insert(0, str(ROOT / 'benchmarks'))
sys.path.insert(0, str(ROOT))
from dbbuild import TestDatabase, pg_connect, postgresql_uri  # noqa: E402
from seeding import seed  # noqa: E402

HOLIDAY = dt.date(2026, 12, 2)
OPEN = ("finished IS NULL AND state <> 'incomplete' "
    "AND deadline IS NOT NULL")


def open_steps(database):
    with pg_connect(database.pg_uri, database.name) as conn:
        return conn.execute(
            f"SELECT count(*) FROM egov_request_history WHERE {OPEN}"
            ).fetchone()[0]


def save(database, worker):
    """Seconds of the administrator's save of a holiday (create, then the
    commit's own work: the recompute without a worker), rolled back; and
    the number of tasks it queued"""
    from trytond import config
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    config.set('queue', 'worker', str(worker))
    pool = Pool(database.name)
    Holiday = pool.get('egov.holiday')
    Queue = pool.get('ir.queue')
    with Transaction().start(database.name, 0) as transaction:
        before = Queue.search_count([])
        start = time.perf_counter()
        Holiday.create([{'date': HOLIDAY, 'name': 'Libur bench',
                    'kind': 'local'}])
        seconds = time.perf_counter() - start
        queued = Queue.search_count([]) - before
        transaction.rollback()
    config.set('queue', 'worker', 'False')
    return seconds, queued


def job(database, full=False):
    """(seconds of the queued job, as trytond-worker runs it, with the
    holiday in the calendar; seconds of its working-time arithmetic; rows
    written). full: the recompute of every open step after a change of the
    working hours (no date bounds it), writing every open step as the SQL
    UPDATE it is compared with does."""
    from trytond import config
    from trytond.pool import Pool
    from trytond.transaction import Transaction

    from egov_app_request import deadline_recompute
    pool = Pool(database.name)
    Holiday = pool.get('egov.holiday')
    Queue = pool.get('ir.queue')
    spent, written = [], []
    original_values = deadline_recompute.new_values
    original_write = deadline_recompute._write_values

    def timed_values(*args, **kwargs):
        start = time.perf_counter()
        try:
            return original_values(*args, **kwargs)
        finally:
            spent.append(time.perf_counter() - start)

    def counted_write(*args):
        ids = original_write(*args)
        written.append(len(ids))
        return ids
    deadline_recompute.new_values = timed_values
    deadline_recompute._write_values = counted_write
    try:
        with Transaction().start(database.name, 0) as transaction:
            # With a worker, the save only queues the recompute.
            config.set('queue', 'worker', 'True')
            try:
                Holiday.create([{'date': HOLIDAY, 'name': 'Libur bench',
                            'kind': 'local'}])
            finally:
                config.set('queue', 'worker', 'False')
            task, = Queue.search([('finished_at', '=', None)],
                order=[('id', 'DESC')], limit=1)
            start = time.perf_counter()
            if full:
                deadline_recompute.recompute_open_deadlines(
                    cached=False, changed_only=False)
            else:
                # What trytond-worker runs: History.run_recompute with the
                # holiday's date.
                task.run()
            seconds = time.perf_counter() - start
            transaction.rollback()
    finally:
        deadline_recompute.new_values = original_values
        deadline_recompute._write_values = original_write
    return seconds, sum(spent), sum(written)


def settle(database):
    """The open steps' figures as the calendar gives them (the seed writes
    a deadline an hour after each start), committed: as in a database
    whose deadlines the product computed"""
    from trytond.pool import Pool
    from trytond.transaction import Transaction

    from egov_app_request import deadline_recompute
    Pool(database.name)
    with Transaction().start(database.name, 0):
        return deadline_recompute.recompute_open_deadlines()


def sql_update(database):
    "One SQL UPDATE of new values into the same columns and rows"
    with pg_connect(database.pg_uri, database.name) as conn:
        start = time.perf_counter()
        conn.execute(
            "UPDATE egov_request_history SET "
            "standard_minutes = standard_minutes + 1, "
            "deadline = deadline + INTERVAL '1 day', "
            "nearly_late_at = nearly_late_at + INTERVAL '1 day', "
            "warned_late = NULL, warned_nearly_late = NULL, write_uid = 0, "
            f"write_date = now() WHERE {OPEN}")
        seconds = time.perf_counter() - start
        conn.rollback()
    return seconds


def summary(name, values, unit='s'):
    return (f"{name}: median {statistics.median(values):.3f} {unit} "
        f"(min {min(values):.3f}, max {max(values):.3f}; {len(values)})")


def load():
    return ' '.join(f'{x:.2f}' for x in os.getloadavg())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--requests', type=int, default=100_000)
    parser.add_argument('--pairs', type=int, default=5)
    parser.add_argument('--database', help="an existing seeded database")
    parser.add_argument('--keep', action='store_true')
    parser.add_argument('--build-only', action='store_true',
        help="build and seed a database, keep it, measure nothing")
    args = parser.parse_args()
    if not postgresql_uri():
        sys.exit("set TRYTOND_DATABASE_URI=postgresql://… (PostgreSQL)")
    database = TestDatabase('bench_recompute')
    if args.database:
        database.name = args.database
    else:
        print("Building the database (trytond-admin, users)…", flush=True)
        database.build()
        seed(database, args.requests)
        if args.keep or args.build_only:
            print(f"kept: --database {database.name}", flush=True)
        if args.build_only:
            return
    try:
        from trytond import config
        config.update_etc(str(database.site_config()))
        # No cache listener in this process: it would outlive the database
        # dropped at the end.
        config.set('cache', 'clean_timeout', '300')
        from trytond.pool import Pool
        Pool(database.name).init()
        steps = open_steps(database)
        print(f"figures of the calendar written to {settle(database)} open "
            "steps (committed)", flush=True)
        print(f"{steps} open steps; load average before: {load()}",
            flush=True)
        queued_save, sync_save, jobs, all_jobs, arithmetic, updates = (
            [], [], [], [], [], [])
        queued = written = None
        for _ in range(args.pairs):
            seconds, queued = save(database, worker=True)
            queued_save.append(seconds)
            seconds, _ = save(database, worker=False)
            sync_save.append(seconds)
            seconds, _, written = job(database)
            jobs.append(seconds)
            seconds, spent, _ = job(database, full=True)
            all_jobs.append(seconds)
            arithmetic.append(spent)
            updates.append(sql_update(database))
        print(summary("save of a holiday, with a worker (recompute queued: "
                f"{queued} task)", queued_save))
        print(summary("save of a holiday, without a worker (recompute in "
                "the save)", sync_save))
        print(summary("the queued job: the open steps that run across the "
                f"holiday recomputed, the {written} whose figures change "
                "written", jobs))
        print(summary(f"the full recompute (a change of the hours) writing "
                f"all {steps} open steps", all_jobs))
        print(summary("  of which the working-time arithmetic", arithmetic))
        print(summary("one SQL UPDATE of the same columns of all "
                f"{steps} rows", updates))
        print(summary("full recompute writing all / UPDATE",
                [j / u for j, u in zip(all_jobs, updates)], unit='×'))
        print(summary("queued job / UPDATE",
                [j / u for j, u in zip(jobs, updates)], unit='×'))
        print(f"load average after: {load()}")
    finally:
        if not (args.database or args.keep or args.build_only):
            database.destroy()


if __name__ == '__main__':
    main()
