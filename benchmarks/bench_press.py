"""One press and one create, in this process (proteus calls as the web
client's, one transaction each): statements sent and time (median) of
`create`, `submit`, `register`, `forward` and `submit_feasibility`, beside
a bare write (res.user.set_preferences) and a bare create
(res.user.warning), on the backend of the tests (SQLite, or PostgreSQL with
TRYTOND_DATABASE_URI). --profile NAME prints a cProfile of one press.

    DB_CACHE=/tmp/db .venv/bin/python benchmarks/bench_press.py --presses 30

A benchmark, not a test: the figures depend on the machine and its load."""
import argparse
import cProfile
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.append(str(ROOT))

from proteus import Model  # noqa: E402
from trytond import config as trytond_config  # noqa: E402
from trytond.pool import Pool  # noqa: E402
from trytond.tests.tools import activate_modules  # noqa: E402

from egov_app_request.tests.test_query_counts import (  # noqa: E402
    counting_statements)
from egov_app_request.tests.tools import (  # noqa: E402
    SMTPSink, create_users, fill_step, load_indonesian, login, new_request)

# The presses before each measured one, with their role.
PATH = [
    ('kadis.dinkes', 'submit'),
    ('tatakelola', 'register'),
    ('tatakelola', 'mark_complete'),
    ('kabid.egov', 'forward'),
    ('tatakelola', 'submit_feasibility'),
    ]


# The CPU time of this process (the server's Python) of each timed call,
# beside its wall time: less moved by the load of a shared machine.
CPU = []


def timed(call):
    start, cpu = time.perf_counter(), time.process_time()
    call()
    CPU.append(time.process_time() - cpu)
    return time.perf_counter() - start


def press(login_name, button, ids, profile=False):
    "Time each press of `button` on `ids`; the statements of the last"
    config = login(login_name)
    Request = Model.get('egov.request')
    method = getattr(Request._proxy, button)
    times = []
    for id_ in ids[:-1]:
        times.append(timed(lambda: method([id_], config.context)))
    if profile:
        profiler = cProfile.Profile()
        profiler.enable()
    with counting_statements() as statements:
        method([ids[-1]], config.context)
    if profile:
        profiler.disable()
        profiler.dump_stats(f'/tmp/bench_press-{button}.prof')
        pstats.Stats(profiler).sort_stats('cumulative').print_stats(60)
    return times, statements


def bare_write(n):
    config = login('tatakelola')
    User = Model.get('res.user')
    times = [timed(lambda: User._proxy.set_preferences(
                    {'signature': 'x'}, config.context)) for _ in range(n)]
    with counting_statements() as statements:
        User._proxy.set_preferences({'signature': 'y'}, config.context)
    return times, statements


def bare_create(n):
    config = login('admin')
    Warning_ = Model.get('res.user.warning')
    call = lambda: Warning_._proxy.create(  # noqa: E731
        [{'user': config.user, 'name': 'bench', 'always': False}],
        config.context)
    times = [timed(call) for _ in range(n)]
    with counting_statements() as statements:
        call()
    return times, statements


def create(n, profile=False):
    config = login('kadis.dinkes')
    Request = Model.get('egov.request')
    ids = []

    def call():
        ids.extend(Request._proxy.create([{
                        'title': f'Aplikasi Bench {len(ids)}',
                        'kind': 'new',
                        'description': 'Permintaan bench.'}],
                config.context))
    times = [timed(call) for _ in range(n)]
    if profile:
        profiler = cProfile.Profile()
        profiler.enable()
    with counting_statements() as statements:
        call()
    if profile:
        profiler.disable()
        profiler.dump_stats('/tmp/bench_press-create.prof')
        pstats.Stats(profiler).sort_stats('cumulative').print_stats(60)
    return times, statements


def line(name, times, statements, base=None):
    # The statements of the last call, for reading.
    with open(f'/tmp/bench_press-{name.replace(" ", "_")}.sql', 'w') as f:
        f.write('\n'.join(statements) + '\n')
    median = statistics.median(times) * 1000
    cpu = statistics.median(CPU[-len(times):]) * 1000
    ratio = f'  {median / base:.2f}×' if base else ''
    print(f'{name:20} {len(statements):4} statements  '
        f'{median:7.1f} ms median{ratio}  (CPU of this process '
        f'{cpu:5.1f} ms)', flush=True)
    return median


def create_indonesian_users(config):
    "The users of the SOP roles, in Indonesian as the demo's and the Dinas's"
    create_users(config=config, language='id')


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--presses', type=int, default=30)
    parser.add_argument('--profile', default=None)
    parser.add_argument('--language', choices=['id', 'en'], default='id',
        help="the users' language (their context in each call)")
    args = parser.parse_args()
    n = args.presses
    # As in production: the documents' PDFs are made by trytond-worker
    # after the commit (queued here, not made).
    trytond_config.set('queue', 'worker', 'True')
    activate_modules('egov_app_request', load_indonesian,
        create_indonesian_users if args.language == 'id' else create_users)
    print(f"users in language {args.language!r}", flush=True)
    # As a server runs (the tests also validate the Function fields after
    # each save: trytond's test mode).
    Pool.test = False
    mail = SMTPSink()
    try:
        login('kadis.dinkes')
        ids = [new_request(f"Aplikasi {i}").id for i in range(n + 1)]
        # Warm the caches.
        bare_write(2)
        bare_create(2)
        create(2)
        write = line('bare write', *bare_write(n))
        bare = line('bare create', *bare_create(n))
        line('create', *create(n, args.profile == 'create'), base=bare)
        for login_name, button in PATH:
            if button in {'mark_complete', 'submit_feasibility'}:
                login(login_name)
                Request = Model.get('egov.request')
                for id_ in ids:
                    fill_step(Request(id_))
            times, statements = press(login_name, button, ids,
                profile=args.profile == button)
            if button != 'mark_complete':
                line(button, times, statements, base=write)
    finally:
        mail.stop()


if __name__ == '__main__':
    main()
