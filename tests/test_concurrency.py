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
"""
import sys
import threading
import time
from pathlib import Path

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
