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

Step 8 needs the validations of both Kepala Bidang: they press "Validate"
on the same request at the same moment, in the same way (a third
connection holds the row until both wait on it). The press that gets the
row records its validation and writes the row; the other, retried whole,
sees it, records its own and moves the request to step 9: both are told OK,
and there are exactly two validations, one history pass of step 8 and one
technical sheet. Twenty rounds. When the same Kepala Bidang presses twice
at once (a double click), one validation is recorded and the other press
is told that she has already validated.

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
# Step 8: both Kepala Bidang at once, then one Kepala Bidang twice at once.
VALIDATION_ROUNDS = 20
DOUBLE_CLICK_ROUNDS = 5
VALIDATE = 'model.egov.request.approve_technical'
KABID = ['kabid.egov', 'kabid.sarpras']


@pytest.fixture(scope='module')
def database():
    database = new_database('egov_concurrency')
    try:
        # Requests waiting for the validations of step 8.
        database.fill(users=False,
            technical_validation=VALIDATION_ROUNDS + DOUBLE_CLICK_ROUNDS)
        database.start()
        yield database
    finally:
        database.destroy()


def _blocked_backends(monitor, database_name, holder_pid):
    """The trytond backends of the database waiting on a lock: pid, the
    kinds of lock waited on, the pids blocking it and its query.

    The query text of pg_stat_activity is not read atomically with its wait
    event (a backend may show its previous statement for a moment), so what
    proves a wait on the request's row is the lock waited on (see
    _waited_on_the_row), not the text.
    """
    return monitor.execute(
        "SELECT a.pid, "
        "(SELECT string_agg(DISTINCT l.locktype, ',') FROM pg_locks l "
        "WHERE l.pid = a.pid AND NOT l.granted), "
        "pg_blocking_pids(a.pid), a.query "
        "FROM pg_stat_activity a "
        "WHERE a.datname = %s AND a.pid <> %s AND a.wait_event_type = 'Lock'",
        (database_name, holder_pid)).fetchall()


def _waited_on_the_row(blocked, holder_pid):
    """Every blocked backend waited on a row lock (the holder's transaction,
    or the tuple lock the first waiter holds while it waits on it) and only
    on the holder or the other waiters."""
    waiters = {pid for pid, *_ in blocked}
    return all(locks in {'transactionid', 'tuple'}
        and set(blockers) <= waiters | {holder_pid}
        for _, locks, blockers, _ in blocked)


def _press_together(clients, request_id, holder, monitor, database_name,
        button=BUTTON):
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
            outcomes[i] = ('ok', client.call(button, [request_id]))
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
            assert _waited_on_the_row(blocked, holder.info.backend_pid), (
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
            # The OPD's submit, then one record of the winner's click.
            assert history[0][:3] == ('draft', True, 'submitted'), where
            assert history[1:] == [
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
    with mock.patch('egov_app_request.clock.now',
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


# --- Step 8: the two validations at the same moment -------------------------

def _validations(monitor, request_id):
    return monitor.execute(
        "SELECT u.login, v.decision, v.reason, g.name, v.step_pass "
        "FROM egov_request_validation AS v "
        "JOIN res_user AS u ON u.id = v.validator "
        "LEFT JOIN res_group AS g ON g.id = v.role "
        "WHERE v.request = %s AND v.analysis = 'technical' ORDER BY v.id",
        (request_id,)).fetchall()


def _history(monitor, request_id, state):
    return monitor.execute(
        "SELECT h.id, h.finished IS NOT NULL, h.outcome, u.login, h.notes "
        "FROM egov_request_history AS h "
        "LEFT JOIN res_user AS u ON u.id = h.actor "
        "WHERE h.request = %s AND h.state = %s ORDER BY h.id",
        (request_id, state)).fetchall()


def test_both_validations_at_once(database):
    clients = [database.client(login) for login in KABID]
    request_ids = database.data['technical_validation'][:VALIDATION_ROUNDS]
    assert len(request_ids) == VALIDATION_ROUNDS
    winners = set()

    with pg_connect(database.pg_uri, database.name) as holder, \
            pg_connect(database.pg_uri, database.name,
                autocommit=True) as monitor:
        for round_, request_id in enumerate(request_ids, 1):
            # One of them (in turn) wrote her note before pressing: it is
            # her validation's reason whoever gets the row first.
            author = round_ % 2
            note = f"Catatan {KABID[author]}, putaran {round_}."
            clients[author].call('model.egov.request.write', [request_id],
                {'step_note': note})
            state, = monitor.execute(
                "SELECT state FROM egov_request WHERE id = %s",
                (request_id,)).fetchone()
            assert state == 'technical_validation'

            outcomes, blocked = _press_together(
                clients, request_id, holder, monitor, database.name,
                button=VALIDATE)

            where = f"round {round_}, request {request_id}: {outcomes}"
            # Both presses really overlapped: both waited on the request's
            # row inside their transaction, at its lock.
            assert len(blocked) == 2, (
                f"{where}; blocked backends: {blocked}\n"
                + database.server_log()[-3000:])
            assert _waited_on_the_row(blocked, holder.info.backend_pid), (
                blocked)
            # Both are told OK: each validation is recorded.
            assert [o[0] for o in outcomes] == ['ok', 'ok'], where

            state, = monitor.execute(
                "SELECT state FROM egov_request WHERE id = %s",
                (request_id,)).fetchone()
            assert state == 'signing', where
            validations = _validations(monitor, request_id)
            assert sorted(v[0] for v in validations) == KABID, (
                where, validations)
            assert {v[1] for v in validations} == {'validated'}, where
            assert {v[3] for v in validations} == {
                'Head of e-Government Development Division',
                'Head of ICT Infrastructure and Cryptography Division',
                }, where
            reasons = {v[0]: v[2] for v in validations}
            assert reasons == {
                KABID[author]: note, KABID[1 - author]: None}, where
            # One pass of step 8, closed once, to which both belong; one
            # pass of step 9 open; one technical sheet.
            passes = _history(monitor, request_id, 'technical_validation')
            assert len(passes) == 1, (where, passes)
            (pass_id, finished, outcome, actor, notes), = passes
            assert finished and outcome == 'validated', where
            assert actor in KABID, where
            assert {v[4] for v in validations} == {pass_id}, where
            assert note in notes, where
            signing = _history(monitor, request_id, 'signing')
            assert [(f, o) for _, f, o, _, _ in signing] == [
                (False, None)], where
            sheets, = monitor.execute(
                "SELECT COUNT(*) FROM egov_request_letter "
                "WHERE request = %s AND kind = 'technical'",
                (request_id,)).fetchone()
            assert sheets == 1, where
            winners.add(actor)
    print(f"\n{VALIDATION_ROUNDS} rounds; step 8 closed by {sorted(winners)}")


def test_same_validator_twice_at_once(database):
    login = KABID[1]
    clients = [database.client(login) for _ in range(2)]
    request_ids = database.data['technical_validation'][VALIDATION_ROUNDS:]
    assert len(request_ids) == DOUBLE_CLICK_ROUNDS

    with pg_connect(database.pg_uri, database.name) as holder, \
            pg_connect(database.pg_uri, database.name,
                autocommit=True) as monitor:
        for round_, request_id in enumerate(request_ids, 1):
            outcomes, blocked = _press_together(
                clients, request_id, holder, monitor, database.name,
                button=VALIDATE)
            where = f"round {round_}, request {request_id}: {outcomes}"
            assert len(blocked) == 2, (
                f"{where}; blocked backends: {blocked}\n"
                + database.server_log()[-3000:])
            kinds = sorted(o[0] for o in outcomes)
            assert kinds == ['error', 'ok'], where
            _, error = next(o for o in outcomes if o[0] == 'error')
            error_type, (message, description, _) = error
            assert error_type == 'UserError', where
            assert 'already validated' in message, where
            assert 'Head of e-Government Development Division' in message

            state, = monitor.execute(
                "SELECT state FROM egov_request WHERE id = %s",
                (request_id,)).fetchone()
            assert state == 'technical_validation', where
            validations = _validations(monitor, request_id)
            assert [(v[0], v[1]) for v in validations] == [
                (login, 'validated')], where
            passes = _history(monitor, request_id, 'technical_validation')
            assert [(f, o) for _, f, o, _, _ in passes] == [
                (False, None)], where
