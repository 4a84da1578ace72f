"""Speed at 100,000 requests, on PostgreSQL: the ratios of the README's
"Speed at 100,000 requests" table, each with its median, min and max over
pairs of runs made in this one process, the two sides of a pair one after
the other (interleaved), so that the load of the machine weighs on both.

    bash scripts/start_postgresql.sh
    TRYTOND_DATABASE_URI=postgresql://tryton:tryton@127.0.0.1:5432/ \\
        .venv/bin/python benchmarks/bench_scale.py [--requests 100000]

It builds a database as the tests do (trytond-admin, the users of the SOP
roles), copies it twice and seeds the copies in SQL (INSERT … SELECT over
generate_series: seconds, not hours): 1,000 and 100,000 requests of 30 OPDs
in realistic states (most decided, the others spread over the steps, some
paused with the OPD, some drafts), each with its step history (one row per
pass of a step, the open step unfinished). Both databases are served as in
production (gunicorn, tests/server.py start_production_server, with
`[queue] worker = True` and one trytond-worker each: the presses that issue
a document return before its PDF, made by the worker after the commit) and
measured over JSON-RPC as the web client calls; the time from a press to
its PDF ready is polled in the database. The recompute is measured in this
process against the database. The databases are dropped at the end.

A benchmark, not a test: the figures depend on the machine (README)."""
import argparse
import datetime as dt
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / 'tests'))
sys.path.insert(0, str(ROOT))
from dbbuild import TestDatabase, pg_connect, postgresql_uri  # noqa: E402
from seeding import seed  # noqa: E402
from server import (  # noqa: E402
    VENV_BIN, clean_env, relax_throttle, start_production_server)

# The production servers run the queue: trytond reads [queue] worker from
# the environment (TRYTOND_QUEUE__WORKER), for gunicorn and trytond-worker
# only (this process keeps running the recompute itself).
WORKER_ENV = {'TRYTOND_QUEUE__WORKER': 'True'}

# The columns of the OPD's list (view/request_list.xml), as sao reads them.
LIST_FIELDS = [
    'number', 'title', 'kind', 'kind:string', 'submitted_at', 'state',
    'state:string', 'opd', 'opd.rec_name', 'responsible', 'deadline',
    'timing', 'timing:string', 'rec_name', '_timestamp']
ORDER = [['submitted_at', 'DESC NULLS FIRST'], ['id', 'DESC']]


def timed(call):
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


class Ratio:
    def __init__(self, name, target, unit='ms', scale=1000):
        self.name, self.target = name, target
        self.unit, self.scale = unit, scale
        self.pairs = []

    def add(self, numerator, denominator):
        self.pairs.append((numerator, denominator))

    def line(self):
        ratios = [n / d for n, d in self.pairs]
        nums = statistics.median(n for n, _ in self.pairs)
        dens = statistics.median(d for _, d in self.pairs)
        return (f"| {self.name} | {statistics.median(ratios):.2f}× "
            f"(min {min(ratios):.2f}, max {max(ratios):.2f}; "
            f"{nums * self.scale:.1f} vs {dens * self.scale:.1f} "
            f"{self.unit}; "
            f"{len(ratios)} pairs) | {self.target} |")


def opd_list(client, limit=80):
    return client.call('model.egov.request.search_read',
        [], 0, limit, ORDER, LIST_FIELDS)


def tab_counts(client):
    "The three tabs of the OPD's list whose counts sao asks for"
    for domain in [
            [('state', '=', 'draft')],
            [('state', '=', 'incomplete')],
            [('state', 'not in', ['draft', 'incomplete', 'done'])]]:
        client.call('model.egov.request.search_count', domain, 0, None)


def bare_write(client, user_id):
    client.call('model.res.user.set_preferences', {'signature': 'x'})


def bare_create(client):
    client.call('model.res.user.warning.create',
        [{'user': client.user_id, 'name': 'bench', 'always': False}])


def new_request(client, i):
    return client.call('model.egov.request.create', [{
                'title': f'Aplikasi Bench {i}', 'kind': 'new',
                'description': 'Permintaan bench.'}])


# The whole lifecycle: each role's presses, in the order of the SOP.
LIFECYCLE = [
    ('kadis.dinkes', 'submit'),
    ('tatakelola', 'register'),
    ('tatakelola', 'mark_complete'),
    ('kabid.egov', 'forward'),
    ('tatakelola', 'submit_feasibility'),
    ('kabid.egov', 'approve_feasibility'),
    ('kabid.egov', 'categorize'),
    ('katim.publik', 'submit_technical'),
    ('kabid.egov', 'approve_technical'),
    ('kabid.sarpras', 'approve_technical'),
    ('kadis', 'decide'),
    ]


class Filler:
    """What each role writes before its button (tests/tools.fill_step),
    written in this process with proteus against the served database:
    outside the timed presses"""

    def __init__(self, database):
        import configparser

        from proteus import config as pconfig
        self.pconfig = pconfig
        self.database = database
        # The site file without the cache listener (clean_timeout = 0): this
        # process needs none, and it would outlive the databases dropped at
        # the end.
        parser = configparser.RawConfigParser()
        parser.read(database.site_config())
        if not parser.has_section('cache'):
            parser.add_section('cache')
        parser.set('cache', 'clean_timeout', '300')
        path = database.directory / 'filler.conf'
        with open(path, 'w') as file:
            parser.write(file)
        self.config_file = str(path)

    def as_(self, login):
        return self.pconfig.set_trytond(database=self.database.name,
            user=login, config_file=self.config_file)

    def new_request(self, title):
        from egov_app_request.tests.tools import new_request
        self.as_('kadis.dinkes')
        return new_request(title).id

    def fill(self, login, request_id):
        from proteus import Model

        from egov_app_request.tests.tools import fill_step
        self.as_(login)
        request = Model.get('egov.request')(request_id)
        if request.state == 'signing':
            request.decision = 'approved'
            request.decision_text = "Disetujui."
        fill_step(request)


# The transition timed alone: one that issues no document (steps 4 and 7
# end without one; steps 1, 2, 3, 5, 6, 8 and 9 issue theirs), each beside
# a bare write of the same user.
PLAIN_PRESS = 'submit_feasibility'


def lifecycle(filler, clients, i, database):
    """(the 11 presses of one request from its submission to its decision,
    timed; one bare write after it). Each press is timed with the worker
    idle (queue_idle)."""
    request_id = filler.new_request(f"Aplikasi Siklus Bench {i}")
    total = 0
    for login, button in LIFECYCLE:
        filler.fill(login, request_id)
        started = time.perf_counter()
        clients[login].call(f'model.egov.request.{button}', [request_id])
        total += time.perf_counter() - started
        queue_idle(database, started)
    state = clients['kadis'].call('model.egov.request.read', [request_id],
        ['state'])[0]['state']
    assert state == 'done', state
    bare = timed(lambda: bare_write(clients['kabid.egov'], None))
    return total, bare


def throughput(client_factory, clients, seconds):
    "Calls per second of `clients` threads listing for `seconds`"
    done = []
    latencies = []
    sessions = [client_factory() for _ in range(clients)]
    stop = time.monotonic() + seconds

    def work(session):
        while time.monotonic() < stop:
            latencies.append(timed(lambda: opd_list(session)))
            done.append(1)
    threads = [threading.Thread(target=work, args=(s,)) for s in sessions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(done) / seconds, statistics.median(latencies)


def recompute_pair(database):
    """(add a holiday, which recomputes the open deadlines; one SQL UPDATE
    writing new values into the same columns of the same rows), both
    rolled back. The UPDATE moves each deadline by a day: values that
    change, as the recompute's do (an UPDATE writing the values a row
    already has leaves the indexes alone and is not the same work)."""
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    with Transaction().start(database.name, 0) as transaction:
        Holiday = Pool().get('egov.holiday')
        start = time.perf_counter()
        Holiday.create([{'date': dt.date(2026, 12, 2),
                    'name': 'Libur bench', 'kind': 'local'}])
        recompute = time.perf_counter() - start
        transaction.rollback()
    with pg_connect(database.pg_uri, database.name) as conn:
        start = time.perf_counter()
        conn.execute(
            "UPDATE egov_request_history SET "
            "standard_minutes = standard_minutes + 1, "
            "deadline = deadline + INTERVAL '1 day', "
            "nearly_late_at = nearly_late_at + INTERVAL '1 day', "
            "warned_late = NULL, warned_nearly_late = NULL, write_uid = 0, "
            "write_date = now() WHERE finished IS NULL "
            "AND state <> 'incomplete' AND deadline IS NOT NULL")
        update = time.perf_counter() - start
        conn.rollback()
    return recompute, update


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--requests', type=int, default=100_000)
    parser.add_argument('--small', type=int, default=1_000)
    parser.add_argument('--pairs', type=int, default=25)
    parser.add_argument('--lifecycle-pairs', type=int, default=8)
    parser.add_argument('--load-seconds', type=float, default=4)
    parser.add_argument('--recompute-pairs', type=int, default=5,
        help="pairs of the recompute (a per-record recompute takes "
        "minutes at 100,000 open steps)")
    args = parser.parse_args()
    if not postgresql_uri():
        sys.exit("set TRYTOND_DATABASE_URI=postgresql://… (PostgreSQL)")

    print("Building the base database (trytond-admin, users)…", flush=True)
    base = TestDatabase('bench_base')
    databases = [base]
    workers = []
    try:
        base.build()
        speak_indonesian(base)
        small, big = base.clone('bench_1k'), base.clone('bench_100k')
        databases += [small, big]
        seed(small, args.small)
        open_steps = seed(big, args.requests)
        for database in (small, big):
            workers.append(start_with_worker(database))
            relax_throttle(database.client('admin'))
        report(args, small, big, open_steps)
    finally:
        for worker in workers:
            # trytond-worker's processes are in its own process group.
            os.killpg(worker.pid, signal.SIGTERM)
            try:
                worker.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
        for database in databases:
            database.destroy()


def speak_indonesian(database):
    """The users in Indonesian, as the Dinas's are (the demo's too): each
    call then runs in their language, as sao sends it (user())"""
    with pg_connect(database.pg_uri, database.name) as conn:
        conn.execute("UPDATE res_user SET language = "
            "(SELECT id FROM ir_lang WHERE code = 'id') WHERE id > 0")


def user(database, login):
    "A JSON-RPC session of `login`, with its preferences' context as sao's"
    return database.client(login).use_preferences()


def start_with_worker(database):
    """Serve `database` as production does (TestDatabase.start) with the
    queue run by one trytond-worker; the worker's process"""
    site = database.site_config()
    database.server = start_production_server(site, database.name,
        database.directory, log=database.log, sqlite=False,
        extra_env=WORKER_ENV)
    database.url = database.server.url
    database.security_log = database.server.security_log
    log = (database.directory / 'worker.log').open('wb')
    return subprocess.Popen([str(VENV_BIN / 'trytond-worker'), '-c',
            str(site), '-d', database.name, '-n', '1'],
        env=clean_env(**WORKER_ENV), stdout=log, stderr=subprocess.STDOUT,
        cwd=str(database.directory), start_new_session=True)


def pdf_ready(database, request_id, kind, started, seconds=60):
    """Seconds from `started` (a press) until the PDF of the letter `kind`
    of `request_id` is stored (trytond-worker), polled"""
    deadline = time.monotonic() + seconds
    with pg_connect(database.pg_uri, database.name,
            autocommit=True) as conn:
        while time.monotonic() < deadline:
            row = conn.execute('SELECT digest FROM egov_request_letter '
                'WHERE request = %s AND kind = %s ORDER BY version DESC '
                'LIMIT 1', (request_id, kind)).fetchone()
            if row and row[0]:
                return time.perf_counter() - started
            time.sleep(0.02)
    raise RuntimeError(f'no {kind} PDF of request {request_id} '
        f'{seconds} s after the press')


def queue_idle(database, started, seconds=60):
    """Seconds from `started` (a press) until trytond-worker has finished
    every task due (the PDFs, the notices of the moves), polled: each
    press is timed with the worker idle, and this is when the last of its
    after-commit work is done"""
    deadline = time.monotonic() + seconds
    with pg_connect(database.pg_uri, database.name,
            autocommit=True) as conn:
        while time.monotonic() < deadline:
            waiting, = conn.execute('SELECT count(*) FROM ir_queue '
                'WHERE finished_at IS NULL AND (scheduled_at IS NULL '
                'OR scheduled_at <= CURRENT_TIMESTAMP)').fetchone()
            if not waiting:
                return time.perf_counter() - started
            time.sleep(0.02)
    raise RuntimeError(f'tasks of the queue still unfinished {seconds} s '
        'after the press (see worker.log)')


def report(args, small, big, open_steps):
    pairs = args.pairs
    opd = {db: user(db, 'kadis.dinkes') for db in (small, big)}
    kabid = user(big, 'kabid.egov')
    admin = user(big, 'admin')
    # Warm each server's workers and caches.
    for db in (small, big):
        for _ in range(4):
            opd_list(opd[db])
            tab_counts(opd[db])
    ratios = []

    ratio = Ratio(f"OPD list of its 80 latest requests, "
        f"{args.requests // 1000}k DB / {args.small // 1000}k DB", "≤ 1.1×")
    for _ in range(pairs):
        ratio.add(timed(lambda: opd_list(opd[big])),
            timed(lambda: opd_list(opd[small])))
    ratios.append(ratio)

    ratio = Ratio("the three tab counts sao asks for, big / small",
        "≤ 1.5×")
    for _ in range(pairs):
        ratio.add(timed(lambda: tab_counts(opd[big])),
            timed(lambda: tab_counts(opd[small])))
    ratios.append(ratio)

    # Requests at step 3 (disposition) of the big database, one per press.
    waiting = kabid.call('model.egov.request.search',
        [('state', '=', 'disposition')], 0, pairs + 2, None)
    # `forward` issues the disposition sheet (a PDF) as it ends step 3.
    ratio = Ratio("one step transition with its document (`forward`, the "
        "disposition sheet) / a bare RPC write",
        "— (≤ 2× is the target of a transition without a document)")
    # Each press timed with the worker idle (the PDF of the press before
    # made), then its own PDF waited for: the seconds from the press to it.
    ready = {}
    forwarded = [waiting.pop()]
    kabid.call('model.egov.request.forward', forwarded)
    for _ in range(pairs):
        request_id = waiting.pop()
        forwarded.append(request_id)
        started = time.perf_counter()
        kabid.call('model.egov.request.forward', [request_id])
        press = time.perf_counter() - started
        ready.setdefault('disposition', []).append(
            pdf_ready(big, request_id, 'disposition', started))
        ready.setdefault('disposition all', []).append(
            queue_idle(big, started))
        ratio.add(press, timed(lambda: bare_write(kabid, kabid.user_id)))
    ratios.append(ratio)

    # The requests forwarded above are at step 4 with their criteria: each
    # assessed in this process (not timed), then `submit_feasibility` ends
    # the step without issuing a document, each press beside a bare write
    # of the same user.
    filler = Filler(big)
    from trytond import config
    config.update_etc(filler.config_file)
    for request_id in forwarded:
        filler.fill('tatakelola', request_id)
    tatakelola = user(big, 'tatakelola')
    plain = Ratio(f"one transition without a document (`{PLAIN_PRESS}`) "
        "/ a bare RPC write", "≤ 2×")
    tatakelola.call(f'model.egov.request.{PLAIN_PRESS}', [forwarded.pop()])
    for request_id in forwarded:
        started = time.perf_counter()
        tatakelola.call(f'model.egov.request.{PLAIN_PRESS}', [request_id])
        press = time.perf_counter() - started
        ready.setdefault('notices', []).append(queue_idle(big, started))
        plain.add(press, timed(lambda: bare_write(tatakelola, None)))
    ratios.append(plain)

    ratio = Ratio("create a request / create a bare record", "≤ 1.5×")
    new_request(opd[big], 0)
    bare_create(admin)
    for i in range(pairs):
        ratio.add(timed(lambda: new_request(opd[big], i + 1)),
            timed(lambda: bare_create(admin)))
    ratios.append(ratio)

    # Step 1 (received) of the big database: `register` issues the receipt.
    received = tatakelola.call('model.egov.request.search',
        [('state', '=', 'received')], 0, pairs + 2, None)
    ratio = Ratio("`register` (issues the receipt PDF) / a bare RPC write",
        "≤ 3×")
    tatakelola.call('model.egov.request.register', [received.pop()])
    for _ in range(pairs):
        request_id = received.pop()
        started = time.perf_counter()
        tatakelola.call('model.egov.request.register', [request_id])
        press = time.perf_counter() - started
        # The receipt's PDF, made by trytond-worker after the commit.
        ready.setdefault('receipt', []).append(
            pdf_ready(big, request_id, 'receipt', started))
        ready.setdefault('receipt all', []).append(
            queue_idle(big, started))
        ratio.add(press, timed(lambda: bare_write(tatakelola, None)))
    ratios.append(ratio)

    # Step 9 (signing): the decision written before, `decide` issues the
    # numbered reply letter.
    kadis = user(big, 'kadis')
    signing = kadis.call('model.egov.request.search',
        [('state', '=', 'signing')], 0, pairs + 2, None)
    kadis.call('model.egov.request.write', signing, {
            'decision': 'approved', 'decision_text': "Disetujui."})
    ratio = Ratio("`decide` with the reply letter / a bare create", "≤ 10×")
    kadis.call('model.egov.request.decide', [signing.pop()])
    for _ in range(pairs):
        request_id = signing.pop()
        started = time.perf_counter()
        kadis.call('model.egov.request.decide', [request_id])
        press = time.perf_counter() - started
        ready.setdefault('reply', []).append(
            pdf_ready(big, request_id, 'reply', started))
        ready.setdefault('reply all', []).append(
            queue_idle(big, started))
        ratio.add(press, timed(lambda: bare_create(admin)))
    ratios.append(ratio)

    # The whole lifecycle, the steps' writes made in this process between
    # the presses (not timed).
    clients = {login: user(big, login) for login in {
            login for login, _ in LIFECYCLE}}
    ratio = Ratio("whole lifecycle, 11 presses by 6 users (`submit` … "
        "`decide`) / a bare write", "≤ 10×")
    lifecycle(filler, clients, 0, big)
    for i in range(args.lifecycle_pairs):
        ratio.add(*lifecycle(filler, clients, i + 1, big))
    ratios.append(ratio)

    # The recompute, in this process on the big database.
    from trytond.pool import Pool
    Pool(big.name).init()
    ratio = Ratio(f"add one holiday → recompute {open_steps} open deadlines"
        " / one SQL UPDATE of the same columns and rows", "≤ 1.5×")
    for _ in range(args.recompute_pairs):
        ratio.add(*recompute_pair(big))
    ratios.append(ratio)

    def client():
        return user(big, 'kadis.dinkes')
    tp = Ratio("throughput 4 clients / 1 client (OPD list)", "≥ 1.5×",
        unit='lists/s', scale=1)
    lat = Ratio("median latency at 8 clients / 1 client (OPD list)", "≤ 2×")
    # A list is CPU work (Python and PostgreSQL): with more clients than
    # cores, each waits for a core, so 8 clients on N cores cannot be
    # served faster than 8 / N times one client's latency. The latency at
    # as many clients as cores says whether the stack adds waits of its own.
    cores = os.cpu_count()
    at_cores = Ratio(f"median latency at {cores} clients (the cores) / 1 "
        "client (OPD list)", "—")
    for _ in range(max(3, pairs // 8)):
        one, one_latency = throughput(client, 1, args.load_seconds)
        four, _ = throughput(client, 4, args.load_seconds)
        _, eight_latency = throughput(client, 8, args.load_seconds)
        _, cores_latency = throughput(client, cores, args.load_seconds)
        tp.add(four, one)
        lat.add(eight_latency, one_latency)
        at_cores.add(cores_latency, one_latency)
    ratios.extend([tp, lat, at_cores])

    print()
    print("| ratio | measured: median (min, max; the two sides' medians) "
        "| target |")
    print("|---|---|---|")
    for ratio in ratios:
        print(ratio.line())
    print(f"(the floor of the latency at 8 clients on {cores} cores: "
        f"{8 / cores:.1f}×)")
    print()
    print("seconds from the press to what trytond-worker does after the "
        "commit (the PDF ready; all its tasks done: the PDF and the "
        "notices):")
    for kind, press in [('receipt', 'register'),
            ('disposition', 'forward'), ('reply', 'decide'),
            ('receipt all', 'register'), ('disposition all', 'forward'),
            ('reply all', 'decide'), ('notices', PLAIN_PRESS)]:
        times = ready[kind]
        print(f"  {kind} (`{press}`): median {statistics.median(times):.2f}"
            f" s (min {min(times):.2f}, max {max(times):.2f}; "
            f"{len(times)} presses)")


if __name__ == '__main__':
    main()
