"""When two users press the same button at once, the request advances exactly
once and the second user is told that their click changed nothing.

On PostgreSQL, against a real trytond: two ICT Governance team leads press
"Register" on the same received request from two JSON-RPC sessions while a
third connection holds the request's row, so that both calls are inside
their transaction, past the state check and waiting on the row, when it is
released. The first takes the row and commits; the second fails to
serialize (REPEATABLE READ), trytond retries its whole call and the retry
finds the request already at step 2: StaleClickError, "Your click changed
nothing…". Five rounds on five requests show it is not luck.

The letter register is strict under concurrent issuing: eight users issue
reply letters at once, in process, on a database of their own, the first
ones of a year that has no register yet; the numbers are 1..N, none twice,
none skipped.
"""
import datetime as dt
import random
import sys
import threading
import time
from pathlib import Path
from unittest import mock

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dbbuild import (  # noqa: E402
    SECOND_TATAKELOLA, new_database, pg_connect, postgresql_uri)
from server import RPCError  # noqa: E402

pytestmark = pytest.mark.skipif(
    not postgresql_uri(),
    reason="concurrent clicks need PostgreSQL (row locks, REPEATABLE READ "
    "and retried transactions); set TRYTOND_DATABASE_URI=postgresql://…")

ROUNDS = 5
BUTTON = 'model.egov.request.register'
USERS = ['tatakelola', SECOND_TATAKELOLA]


@pytest.fixture(scope='module')
def database():
    database = new_database('egov_concurrency')
    try:
        database.start()
        yield database
    finally:
        database.destroy()


def _blocked_backends(monitor, database_name, holder_pid):
    "The trytond backends of the database waiting on a lock"
    return monitor.execute(
        "SELECT pid, query FROM pg_stat_activity "
        "WHERE datname = %s AND pid <> %s AND wait_event_type = 'Lock'",
        (database_name, holder_pid)).fetchall()


def _press_together(clients, request_id, holder, monitor, database_name):
    """Both clients press the button while `holder` holds the request's row;
    release it once both wait on it. Returns the outcome of each call and
    the blocked queries seen."""
    holder.execute(
        "SELECT id FROM egov_request WHERE id = %s FOR UPDATE", (request_id,))
    holder_pid = holder.info.backend_pid
    outcomes = [None] * len(clients)
    start = threading.Barrier(len(clients))

    def press(i, client):
        start.wait()
        try:
            outcomes[i] = ('ok', client.call(BUTTON, [request_id]))
        except RPCError as error:
            outcomes[i] = ('error', error.args)
        except Exception as error:  # HTTP or network failure
            outcomes[i] = ('exception', repr(error))

    threads = [threading.Thread(target=press, args=(i, c), daemon=True)
        for i, c in enumerate(clients)]
    try:
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 30
        blocked = []
        while time.monotonic() < deadline:
            blocked = _blocked_backends(monitor, database_name, holder_pid)
            if (len(blocked) >= len(clients)
                    or not any(t.is_alive() for t in threads)):
                break
            time.sleep(0.02)
    finally:
        holder.commit()  # releases the row
    for thread in threads:
        thread.join(60)
        assert not thread.is_alive(), "a click did not come back in 60 s"
    return outcomes, blocked


def test_same_button_pressed_twice_at_once(database):
    clients = [database.client(login) for login in USERS]
    request_ids = database.data['received'][:ROUNDS]
    assert len(request_ids) == ROUNDS

    with pg_connect(database.pg_uri, database.name) as holder, \
            pg_connect(database.pg_uri, database.name,
                autocommit=True) as monitor:
        for round_, request_id in enumerate(request_ids, 1):
            state, = monitor.execute(
                "SELECT state FROM egov_request WHERE id = %s",
                (request_id,)).fetchone()
            assert state == 'received'

            outcomes, blocked = _press_together(
                clients, request_id, holder, monitor, database.name)

            where = f"round {round_}, request {request_id}: {outcomes}"
            # Both calls really overlapped: both waited on the request's row
            # inside their transaction.
            assert len(blocked) == 2, (
                f"{where}; blocked backends: {blocked}\n"
                + database.server_log()[-3000:])
            assert all('egov_request' in query for _, query in blocked), (
                blocked)

            succeeded = [i for i, o in enumerate(outcomes) if o[0] == 'ok']
            failed = [i for i, o in enumerate(outcomes) if o[0] != 'ok']
            assert len(succeeded) == 1 and len(failed) == 1, where
            kind, error = outcomes[failed[0]]
            assert kind == 'error', where
            error_type, (message, description, _) = error
            assert error_type == 'UserError', where
            assert 'changed nothing' in message, where
            assert '2. Completeness Check' in message, where

            winner = USERS[succeeded[0]]
            state, = monitor.execute(
                "SELECT state FROM egov_request WHERE id = %s",
                (request_id,)).fetchone()
            assert state == 'completeness', where
            history = monitor.execute(
                "SELECT h.state, h.finished IS NOT NULL, h.outcome, u.login "
                "FROM egov_request_history AS h "
                "LEFT JOIN res_user AS u ON u.id = h.actor "
                "WHERE h.request = %s ORDER BY h.id",
                (request_id,)).fetchall()
            assert history == [
                ('received', True, 'done', winner),
                ('completeness', False, None, None),
                ], where

            # What the users see: the request once at step 2, and the loser
            # may go on from there.
            read, = clients[failed[0]].call(
                'model.egov.request.read', [request_id], ['state'])
            assert read['state'] == 'completeness'


# --- The letter register under concurrent issuing ---------------------------

THREADS = 8
LETTERS_PER_THREAD = 4
# A year with no letter register yet: the first letters open it.
LETTER_YEAR = 2031
LETTER_NOW = dt.datetime(LETTER_YEAR, 3, 2, 2, 0)  # 09:00 WIB, in UTC
# How many times a user clicks again after the server answered an error.
CLICKS = 400


@pytest.fixture(scope='module')
def letter_database():
    """A database of its own (not served) and trytond in this process on
    it, its filestore in the database's directory"""
    from trytond import backend
    from trytond.cache import Cache
    from trytond import config
    from trytond.pool import Pool

    database = new_database('egov_letters')
    path = config.get('database', 'path')
    config.set('database', 'path', str(database.directory))
    try:
        Pool(database.name).init()
        yield database
    finally:
        Pool.stop(database.name)
        Cache.drop(database.name)
        backend.Database(database.name).close()
        config.set('database', 'path', path)
        database.destroy()


def _dispatch(database_name, user, func, stats):
    """One call as trytond's dispatcher makes it (protocols/dispatcher.py):
    started again with the locks it asks for, and up to `retry` times when
    the database refuses (serialization failure, lock not available).
    Failing to take the locks at the start of the transaction is an error
    answered to the user, as there."""
    from trytond import backend
    from trytond import config
    from trytond.transaction import Transaction, TransactionError

    retry = config.getint('database', 'retry')
    count = 0
    extras = {}
    while True:
        if count:
            time.sleep(0.02 * count)
        with Transaction().start(database_name, user, **extras) as transaction:
            try:
                result = func()
            except TransactionError as error:
                transaction.rollback()
                error.fix(extras)
                if 'egov_letter_sequence' in extras.get('_lock_tables', []):
                    stats['table_lock'] = True
                continue
            except backend.DatabaseOperationalError:
                if count < retry:
                    transaction.rollback()
                    count += 1
                    stats['retried'] += 1
                    continue
                raise
            transaction.commit()
        return result


def _click(database_name, user, func, stats):
    """A user who clicks again while the server answers that the database
    is busy (the locks could not be taken); nothing was committed then"""
    from trytond import backend
    for _ in range(CLICKS):
        try:
            return _dispatch(database_name, user, func, stats)
        except backend.DatabaseOperationalError:
            stats['refused'] += 1
            time.sleep(random.uniform(0.02, 0.1))
    raise AssertionError(f"refused {CLICKS} times")


def _issue_reply(request_id):
    "In the current transaction: issue a reply letter of the request"
    from trytond.pool import Pool
    pool = Pool()
    Request = pool.get('egov.request')
    Letter = pool.get('egov.request.letter')
    letter = Letter.issue(Request(request_id), 'reply')
    return letter.id, letter.number


def _sequence_of(number):
    "000.5.2/0007/Diskominfo/2031 -> 7"
    classification, sequence, unit, year = number.split('/')
    assert year == str(LETTER_YEAR), number
    return int(sequence)


def test_letter_numbers_never_repeat_nor_skip(letter_database):
    database = letter_database
    with pg_connect(database.pg_uri, database.name,
            autocommit=True) as monitor:
        users = dict(monitor.execute(
                "SELECT login, id FROM res_user "
                "WHERE login IN ('admin', 'kadis')").fetchall())
        assert not monitor.execute(
            "SELECT id FROM egov_letter_sequence WHERE year = %s",
            (LETTER_YEAR,)).fetchall()
    request_ids = database.data['received']
    results = [[] for _ in range(THREADS)]
    errors = []
    stats = [{'table_lock': False, 'retried': 0, 'refused': 0}
        for _ in range(THREADS)]
    start = threading.Barrier(THREADS + 1)

    def issue(i):
        user = users['kadis' if i % 2 else 'admin']
        request_id = request_ids[i % len(request_ids)]
        try:
            start.wait()
            for _ in range(LETTERS_PER_THREAD):
                results[i].append(_click(database.name, user,
                        lambda: _issue_reply(request_id), stats[i]))
        except BaseException as error:  # reported below
            errors.append((i, repr(error)))

    threads = [threading.Thread(target=issue, args=(i,), daemon=True)
        for i in range(THREADS)]
    # The first letter of the year is asked by all at once while another
    # connection holds the register table: each of them finds no register
    # for the year and asks for the table lock, and must wait for it.
    with mock.patch('egov_app_request.request._now',
                return_value=LETTER_NOW), \
            pg_connect(database.pg_uri, database.name) as holder:
        holder.execute(
            "LOCK TABLE egov_letter_sequence IN EXCLUSIVE MODE")
        for thread in threads:
            thread.start()
        start.wait()
        deadline = time.monotonic() + 60
        while (time.monotonic() < deadline
                and not all(s['refused'] for s in stats)):
            time.sleep(0.02)
        all_waited = all(s['table_lock'] and s['refused'] for s in stats)
        holder.commit()  # releases the table
        for thread in threads:
            thread.join(300)
            assert not thread.is_alive(), "a letter was not issued in 300 s"

    assert not errors, errors
    assert all_waited, stats
    issued = [letter for result in results for letter in result]
    total = THREADS * LETTERS_PER_THREAD
    assert len(issued) == total

    # What the users were told is what is stored, and the register of the
    # year counts 1..N: no number twice, none skipped.
    with pg_connect(database.pg_uri, database.name,
            autocommit=True) as monitor:
        stored = dict(monitor.execute(
                "SELECT id, number FROM egov_request_letter "
                "WHERE kind = 'reply' AND number LIKE %s",
                (f'%/{LETTER_YEAR}',)).fetchall())
        registers = monitor.execute(
            "SELECT s.number_next_internal FROM egov_letter_sequence AS r "
            "JOIN ir_sequence_strict AS s ON s.id = r.sequence "
            "WHERE r.year = %s", (LETTER_YEAR,)).fetchall()
        versions = monitor.execute(
            "SELECT request, version, COUNT(*) FROM egov_request_letter "
            "WHERE kind = 'reply' GROUP BY request, version "
            "HAVING COUNT(*) > 1").fetchall()
    assert stored == dict(issued)
    sequences = sorted(_sequence_of(n) for n in stored.values())
    assert sequences == list(range(1, total + 1)), sequences
    # One register for the year, its next number right after the last.
    assert registers == [(total + 1,)]
    # The versions of each request's reply letter are not repeated either.
    assert not versions, versions
    print(f"\n{total} letters by {THREADS} users: "
        f"{sum(s['retried'] for s in stats)} retried transactions, "
        f"{sum(s['refused'] for s in stats)} calls refused (busy)")
