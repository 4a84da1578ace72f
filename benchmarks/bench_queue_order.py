"""Queue order at scale: the time to list a queue in its order (late, nearly
late, by deadline, by submission: egov.request order_timing and
order_deadline, a join on the open step) against the same list in the
model's default order (submission), with N requests in the database.

    .venv/bin/python benchmarks/bench_queue_order.py [N] [ROUNDS]

N defaults to 100,000 requests: one in OPEN_SHARE is in process (its open
step late, nearly late or on time), the others are decided, each with the
nine closed steps of its history (about N x 9 history records). The rows are
written with SQL (the module's tables and indexes, as trytond created them);
the lists are searched as the web client does, by the ICT Governance team
lead (record rules, access), first page of 1000. SQLite in memory by
default; TRYTOND_DATABASE_URI=postgresql://... DB_NAME=... for PostgreSQL.
It asserts that the order is the queue's, not anything about time (a
benchmark, not a test)."""
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault('TRYTOND_DATABASE_URI', 'sqlite://')
os.environ.setdefault('DB_NAME', ':memory:')

from proteus import Model  # noqa: E402
from proteus import config as pconfig  # noqa: E402
from trytond.pyson import PYSONDecoder  # noqa: E402
from trytond.tests.tools import activate_modules  # noqa: E402

from egov_app_request.tests.tools import create_users, login  # noqa: E402

OPEN_SHARE = 20  # one request in 20 is in process
LIMIT = 1000  # the web client's page


def fill(database, count):
    "N requests and their history, written with SQL in one transaction"
    from sql.aggregate import Max
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    now = dt.datetime.now(dt.timezone.utc).replace(
        tzinfo=None, microsecond=0)
    with Transaction().start(database, 0) as transaction:
        pool = Pool()
        Request = pool.get('egov.request')
        History = pool.get('egov.request.history')
        OPD = pool.get('egov.opd')
        Step = pool.get('egov.step')
        opds = [o.id for o in OPD.search([]) if o.may_submit]
        steps = Step.search([], order=[('number', 'ASC')])
        cursor = transaction.connection.cursor()
        request, history = Request.__table__(), History.__table__()
        batch = 1000
        for start in range(0, count, batch):
            cursor.execute(*request.select(Max(request.id)))
            last, = cursor.fetchone()
            rows = []
            for i in range(start, min(start + batch, count)):
                submitted = now - dt.timedelta(minutes=37 * (count - i))
                in_process = i % OPEN_SHARE == 0
                state = (steps[i // OPEN_SHARE % 4].state
                    if in_process else 'done')
                rows.append([
                        f'PB/{i:07d}', f"Aplikasi {i}", 'new', state,
                        opds[i % len(opds)], submitted, False, 0, now])
            cursor.execute(*request.insert(
                    [request.number, request.title, request.kind,
                        request.state, request.opd, request.submitted_at,
                        request.rejection_concluded, request.create_uid,
                        request.create_date],
                    rows))
            cursor.execute(*request.select(
                    request.id, request.state, request.submitted_at,
                    where=request.id > (last or 0)))
            rows = []
            for id_, state, submitted in cursor.fetchall():
                if isinstance(submitted, str):
                    submitted = dt.datetime.fromisoformat(submitted)
                started = submitted
                for step in steps:
                    is_open = step.state == state
                    # Open steps: late, nearly late and on time in turn.
                    offset = [-30, 5, 300][id_ % 3]
                    deadline = (now + dt.timedelta(minutes=offset)
                        if is_open else started + dt.timedelta(minutes=60))
                    rows.append([
                            id_, step.state, step.id, started,
                            None if is_open else deadline, deadline,
                            deadline - dt.timedelta(minutes=12), 60, 0,
                            now])
                    if is_open:
                        break
                    started = deadline
            # SQLite takes a limited number of parameters per statement.
            for i in range(0, len(rows), 1000):
                cursor.execute(*history.insert(
                        [history.request, history.state, history.step,
                            history.started, history.finished,
                            history.deadline, history.nearly_late_at,
                            history.standard_minutes, history.create_uid,
                            history.create_date],
                        rows[i:i + 1000]))
        transaction.commit()


def timed(func, rounds):
    times = []
    for _ in range(rounds):
        began = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - began)
    return times, result


def main(count=100_000, rounds=10):
    activate_modules('egov_app_request', create_users)
    database = pconfig.get_config().database_name
    began = time.perf_counter()
    fill(database, count)
    filled = time.perf_counter() - began

    login('tatakelola')
    Action = Model.get('ir.action.act_window')
    ModelData = Model.get('ir.model.data')
    queue = Action(ModelData.get_id(
            'egov_app_request', 'act_request_queue', {}))
    order = PYSONDecoder().decode(queue.pyson_order)
    tabs = {t.name: PYSONDecoder().decode(t.domain)
        for t in queue.act_window_domains}
    Request = Model.get('egov.request')
    context = pconfig.get_config().context

    def search(domain, order):
        return Request._proxy.search(domain, 0, LIMIT, order, context)

    print(f"requests:                                 {count:>8}"
        f"   (filled in {filled:.0f} s)")
    for name in ['Waiting for Me', 'In Process', 'All']:
        domain = tabs[name]
        search(domain, order)  # warm-up
        queue_times, ids = timed(lambda: search(domain, order), rounds)
        default_times, _ = timed(lambda: search(domain, None), rounds)
        # The page is in the queue's order.
        rows = Request._proxy.read(ids, ['timing', 'deadline'], context)
        rank = {'late': 0, 'nearly_late': 1, 'on_time': 2, None: 3}
        keys = [(rank[r['timing']], r['deadline'] or dt.datetime.max)
            for r in rows]
        assert keys == sorted(keys), name
        print(f"{name + ', queue order, median:':<42}"
            f"{statistics.median(queue_times) * 1000:8.1f} ms"
            f"   ({len(ids)} rows)")
        print(f"{name + ', by submission, median:':<42}"
            f"{statistics.median(default_times) * 1000:8.1f} ms")


if __name__ == '__main__':
    main(*(int(a) for a in sys.argv[1:3]))
