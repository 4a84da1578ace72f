"""Reply letter speed: the median time to issue a reply letter (number,
render with the HTML template, PDF by WeasyPrint, store with its digest)
against a plain RPC create of a request, in the same run (in-process
trytond, SQLite in memory).

    .venv/bin/python benchmarks/bench_letters.py [ROUNDS]

Prints the figures and the ratio (the target is at most 20 x); it asserts
nothing about time (a benchmark, not a test)."""
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault('TRYTOND_DATABASE_URI', 'sqlite://')
os.environ.setdefault('DB_NAME', ':memory:')

from proteus import Model, Wizard  # noqa: E402
from trytond.tests.tools import activate_modules  # noqa: E402

from egov_app_request.tests.tools import (  # noqa: E402
    create_users, fill_step, load_indonesian, login, new_request)


def decided_request():
    "A request taken through the nine steps by the users of each role"
    login('kadis.dinkes')
    request = new_request("Aplikasi Antrean Puskesmas")
    request.click('submit')

    def as_(user):
        login(user)
        return Model.get('egov.request')(request.id)
    as_('tatakelola').click('register')
    fill_step(as_('tatakelola')).click('mark_complete')
    as_('kabid.egov').click('forward')
    r = as_('tatakelola')
    r.feasibility_analysis = "Sesuai arsitektur SPBE kota."
    r.feasibility_conclusion = 'feasible'
    fill_step(r).click('submit_feasibility')
    as_('kabid.egov').click('approve_feasibility')
    r = as_('kabid.egov')
    r.category, = Model.get('egov.category').find(
        [('code', '=', 'layanan_publik')])
    fill_step(r).click('categorize')
    r = as_('katim.publik')
    r.technical_analysis = "Dibangun di Pusat Data Pemkot."
    r.technical_recommendation = 'build'
    fill_step(r).click('submit_technical')
    as_('kabid.egov').click('approve_technical')
    as_('kabid.sarpras').click('approve_technical')
    r = as_('kadis')
    r.decision = 'approved_conditions'
    r.decision_text = (
        "Wajib terintegrasi dengan SPLP.\n"
        "Ditempatkan di Pusat Data Pemerintah Kota Tangerang.")
    r.click('decide')
    return r


def timed(func, rounds):
    times = []
    for _ in range(rounds):
        began = time.perf_counter()
        func()
        times.append(time.perf_counter() - began)
    return times


def main(rounds=30):
    activate_modules('egov_app_request', load_indonesian, create_users)
    request = decided_request()
    reply, = [l for l in request.letters if l.kind == 'reply']

    # A plain RPC create of a request (a draft, no documents), as the OPD.
    login('kadis.dinkes')
    Request = Model.get('egov.request')
    values = {
        'title': "Aplikasi Uji", 'kind': 'new',
        'description': "Permintaan uji.",
        }
    Request.create([values], {})  # warm-up
    create = timed(lambda: Request.create([values], {}), rounds)

    # Issue a reply letter: the correction of the Kepala Dinas, a whole RPC
    # (wizard) that takes a number, renders, converts to PDF and stores.
    login('kadis')
    Letter = Model.get('egov.request.letter')

    def correct():
        wizard = Wizard('egov.request.letter.correct', [Letter(reply.id)])
        wizard.form.reason = "Uji kecepatan."
        wizard.execute('correct')
    correct()  # warm-up (template cache)
    issue = timed(correct, rounds)

    # The same, in process without the RPC layers: Letter.issue() + commit.
    from trytond.pool import Pool
    from trytond.transaction import Transaction, TransactionError
    from proteus import config as pconfig
    database = pconfig.get_config().database_name

    def issue_in_process():
        # As the RPC dispatcher: retried with the locks it asks for (the
        # strict sequence).
        extras = {}
        while True:
            with Transaction().start(database, 0, **extras) as transaction:
                pool = Pool()
                Letter_ = pool.get('egov.request.letter')
                Request_ = pool.get('egov.request')
                try:
                    Letter_.issue(Request_(request.id), 'reply')
                except TransactionError as error:
                    transaction.rollback()
                    error.fix(extras)
                    continue
                transaction.commit()
                return
    issue_in_process()
    in_process = timed(issue_in_process, rounds)

    # Every other document, in process (render + PDF + store, no commit).
    per_kind = {}
    for kind in ['receipt', 'checklist', 'disposition', 'feasibility',
            'category', 'technical']:
        def issue_kind():
            with Transaction().start(database, 0) as transaction:
                pool = Pool()
                pool.get('egov.request.letter').issue(
                    pool.get('egov.request')(request.id), kind)
                transaction.rollback()
        issue_kind()
        per_kind[kind] = statistics.median(timed(issue_kind, rounds))

    letters = Letter.find([('kind', '=', 'reply')])
    numbers = [l.number for l in letters]
    assert len(numbers) == len(set(numbers)), "a letter number repeats"
    sizes = [l.size for l in letters]

    med_create = statistics.median(create)
    med_issue = statistics.median(issue)
    med_in_process = statistics.median(in_process)
    print(f"rounds:                                   {rounds:>8}")
    print(f"RPC create of a request, median:          "
        f"{med_create * 1000:8.1f} ms")
    print(f"reply letter, RPC correction, median:     "
        f"{med_issue * 1000:8.1f} ms")
    print(f"reply letter, in process, median:         "
        f"{med_in_process * 1000:8.1f} ms")
    for kind, median in per_kind.items():
        print(f"{kind + ', in process, median:':<42}"
            f"{median * 1000:8.1f} ms  ({median / med_create:4.1f} x)")
    print(f"PDF size, median:                         "
        f"{statistics.median(sizes) / 1024:8.1f} KiB")
    print(f"ratio letter (RPC) / create:              "
        f"{med_issue / med_create:8.1f} x  (target <= 20 x)")
    print(f"ratio letter (in process) / create:       "
        f"{med_in_process / med_create:8.1f} x")
    print(f"reply letters issued, numbers unique:     {len(numbers):>8}")


if __name__ == '__main__':
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 30)
