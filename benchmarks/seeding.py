"""The seeding of the benchmarks at 100,000 requests, on PostgreSQL, in SQL
(INSERT … SELECT over generate_series: seconds, not hours): requests of 30
OPDs in realistic states (most decided, the others spread over the steps,
some paused with the OPD, some drafts), each with its step history (one row
per pass of a step, the open step unfinished, its deadline an hour after
its start). benchmarks/bench_scale.py, benchmarks/bench_recompute.py and
the upgrade drill (scripts/prod_stack.py) seed with it."""
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / 'tests'))
from dbbuild import pg_connect  # noqa: E402

OPDS = 30
# The states of the seeded requests, per 100: most decided, the others
# along the steps (a step's number: how many passes of steps it has had).
STATE_MIX = (
    [('done', 9)] * 62
    + [('draft', 0)] * 2
    + [('received', 1)] * 4
    + [('completeness', 2)] * 4
    + [('incomplete', 2)] * 2
    + [('disposition', 3)] * 6
    + [('feasibility', 4)] * 4
    + [('feasibility_validation', 5)] * 3
    + [('categorization', 6)] * 3
    + [('technical', 7)] * 4
    + [('technical_validation', 8)] * 3
    + [('signing', 9)] * 3)
assert len(STATE_MIX) == 100
STEP_ORDER = ['received', 'completeness', 'disposition', 'feasibility',
    'feasibility_validation', 'categorization', 'technical',
    'technical_validation', 'signing']


def seed(database, count):
    "`count` requests of 30 OPDs with their history, in SQL"
    started = time.monotonic()
    with pg_connect(database.pg_uri, database.name) as conn:
        cur = conn.cursor()
        opds = [r[0] for r in cur.execute(
                "SELECT id FROM egov_opd WHERE code <> 'diskominfo' "
                "ORDER BY (code = 'dinkes') DESC, id LIMIT %s",
                (OPDS,))]
        admin, = cur.execute(
            "SELECT id FROM res_user WHERE login = 'admin'").fetchone()
        group, = cur.execute(
            'SELECT sg."group" FROM "egov_step-res_group" sg '
            "JOIN egov_step s ON s.id = sg.step "
            "WHERE s.state = 'feasibility' LIMIT 1").fetchone()
        cur.execute("CREATE TEMP TABLE mix (slot int, state varchar, "
            "passes int)")
        cur.executemany("INSERT INTO mix VALUES (%s, %s, %s)",
            [(i, s, p) for i, (s, p) in enumerate(STATE_MIX)])
        cur.execute("CREATE TEMP TABLE opds (slot int, opd int)")
        cur.executemany("INSERT INTO opds VALUES (%s, %s)",
            list(enumerate(opds)))
        # One request per 7 minutes back from the start of this year's
        # December: 100,000 requests span about 16 months.
        cur.execute("""
            INSERT INTO egov_request (create_uid, create_date, kind, title,
                description, opd, submitter, submitted_at, number, state,
                letter_number, letter_date, agenda_number,
                disposition_subject, disposition_nature, disposition_to,
                disposition_instruction, business_process_policy,
                legal_basis, user_requirements, app_inputs, app_outputs)
            SELECT %(admin)s, now(),
                CASE WHEN g %% 3 = 0 THEN 'development' ELSE 'new' END,
                'Aplikasi Layanan ' || g, 'Permintaan aplikasi ' || g,
                o.opd, %(admin)s,
                CASE WHEN m.state = 'draft' THEN NULL
                    ELSE TIMESTAMP '2026-11-30 01:00'
                        - (%(count)s - g) * INTERVAL '7 minutes' END,
                CASE WHEN m.state = 'draft' THEN NULL
                    ELSE 'SEED/' || g END,
                m.state, '000.7/' || g || '/2026', DATE '2026-11-02',
                'SEED/' || g, 'Aplikasi Layanan ' || g, 'biasa', %(group)s,
                'Mohon dianalisis.', 'Perwali.', 'Perpres 95/2018.',
                'Petugas.', 'Formulir.', 'Laporan.'
            FROM generate_series(1, %(count)s) AS g
            JOIN mix m ON m.slot = (g * 37) %% 100
            -- Dinas Kesehatan (slot 0, whose head lists) holds about one
            -- request in eight: at least 80 also in the small database.
            JOIN opds o ON o.slot = CASE WHEN g %% 10 = 0 THEN 0
                ELSE g %% %(opds)s END
            """, {'admin': admin, 'count': count, 'group': group,
                'opds': len(opds)})
        # Each pass of a step: 2 hours after the previous one; the last
        # pass of a request not decided is open. A paused request has
        # passed steps 1 and 2, then waits in 'incomplete'.
        cur.execute("""
            INSERT INTO egov_request_history (create_uid, create_date,
                request, state, step, started, finished, standard_minutes,
                deadline, nearly_late_at, used_minutes, outcome, actor)
            SELECT %(admin)s, now(), r.id, h.state, s.id,
                r.submitted_at + (p - 1) * INTERVAL '2 hours',
                CASE WHEN p < h.last OR r.state = 'done'
                    THEN r.submitted_at + p * INTERVAL '2 hours' END,
                CASE WHEN h.state = 'incomplete' THEN NULL
                    ELSE COALESCE(s.duration, 60) END,
                CASE WHEN h.state = 'incomplete' THEN NULL
                    ELSE r.submitted_at + (p - 1) * INTERVAL '2 hours'
                        + INTERVAL '1 hour' END,
                CASE WHEN h.state = 'incomplete' THEN NULL
                    ELSE r.submitted_at + (p - 1) * INTERVAL '2 hours'
                        + INTERVAL '48 minutes' END,
                CASE WHEN p < h.last OR r.state = 'done' THEN 60 END,
                CASE WHEN p < h.last OR r.state = 'done'
                    THEN 'done' END,
                %(admin)s
            FROM egov_request r
            JOIN mix m ON m.state = r.state AND m.passes > 0
            CROSS JOIN LATERAL (
                SELECT p, CASE WHEN r.state = 'incomplete' AND p = 3
                        THEN 'incomplete'
                        ELSE (%(steps)s::varchar[])[p] END AS state,
                    CASE WHEN r.state = 'incomplete' THEN 3
                        ELSE m.passes END AS last
                FROM generate_series(1, CASE WHEN r.state = 'incomplete'
                        THEN 3 ELSE m.passes END) AS p) AS h
            LEFT JOIN egov_step s ON s.state = h.state
            WHERE r.number LIKE 'SEED/%%'
                AND m.slot = (SELECT min(slot) FROM mix
                    WHERE state = r.state)
            """, {'admin': admin, 'steps': STEP_ORDER})
        cur.execute("UPDATE egov_request_history SET standard_minutes = "
            "standard_minutes * 480 FROM egov_step s "
            "WHERE s.id = egov_request_history.step "
            "AND s.duration_unit = 'day'")
        conn.commit()
        cur.execute("ANALYZE")
        requests, = cur.execute(
            "SELECT count(*) FROM egov_request").fetchone()
        history, = cur.execute(
            "SELECT count(*) FROM egov_request_history").fetchone()
        open_steps, = cur.execute(
            "SELECT count(*) FROM egov_request_history WHERE finished IS "
            "NULL AND state <> 'incomplete' AND deadline IS NOT NULL"
            ).fetchone()
    print(f"  {database.name}: {requests} requests, {history} history rows,"
        f" {open_steps} open steps, seeded in "
        f"{time.monotonic() - started:.1f} s", flush=True)
    return open_steps
