"""Where the time of issuing a document goes (letter.py, Letter.issue):
the report's context and the Genshi template (HTML), WeasyPrint (HTML →
PDF), and the whole issue (create, number, HTML, PDF, store) without and
with a worker (`[queue] worker = True`: the click stops after the HTML and
queues the PDF). For the registration receipt (register), the disposition
sheet (forward) and the reply letter (decide); in-process trytond, SQLite
in memory by default (TRYTOND_DATABASE_URI/DB_NAME for PostgreSQL).

    .venv/bin/python benchmarks/bench_pdf_split.py [ROUNDS]

Prints the medians in ms; asserts nothing about time (a benchmark)."""
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault('TRYTOND_DATABASE_URI', 'sqlite://')
os.environ.setdefault('DB_NAME', ':memory:')

from proteus import config as pconfig  # noqa: E402
from trytond import config  # noqa: E402
from trytond.pool import Pool  # noqa: E402
from trytond.tests.tools import activate_modules  # noqa: E402
from trytond.transaction import (  # noqa: E402
    Transaction, TransactionError)

from bench_letters import decided_request  # noqa: E402
from egov_app_request.tests.tools import (  # noqa: E402
    SMTPSink, create_users, load_indonesian)

KINDS = ['receipt', 'disposition', 'reply']


def median_ms(func, rounds):
    func()  # warm-up (template and report caches)
    times = []
    for _ in range(rounds):
        began = time.perf_counter()
        func()
        times.append(time.perf_counter() - began)
    return statistics.median(times) * 1000


def main(rounds=20):
    activate_modules('egov_app_request', load_indonesian, create_users)
    mail = SMTPSink()
    try:
        request = decided_request()
        database = pconfig.get_config().database_name
        rows = []
        for kind in KINDS:
            figures = {}
            with Transaction().start(database, 0) as transaction:
                pool = Pool()
                Letter = pool.get('egov.request.letter')
                letter, = Letter.search([
                        ('request', '=', request.id), ('kind', '=', kind)],
                    limit=1)
                report = Letter._report(kind)
                Report, action = report
                html = Letter._render_html(letter, report)
                figures['html'] = median_ms(
                    lambda: Letter._render_html(letter, report), rounds)
                figures['pdf'] = median_ms(
                    lambda: Report.convert(action, html), rounds)
                transaction.rollback()

            def issue():
                # As the RPC dispatcher: retried with the locks it asks for
                # (the strict sequence of the reply letter).
                extras = {}
                while True:
                    with Transaction().start(
                            database, 0, **extras) as transaction:
                        pool = Pool()
                        try:
                            pool.get('egov.request.letter').issue(
                                pool.get('egov.request')(request.id), kind)
                        except TransactionError as error:
                            transaction.rollback()
                            error.fix(extras)
                            continue
                        transaction.rollback()
                        return
            config.set('queue', 'worker', 'False')
            figures['issue'] = median_ms(issue, rounds)
            config.set('queue', 'worker', 'True')
            figures['issue_queued'] = median_ms(issue, rounds)
            config.set('queue', 'worker', 'False')
            rows.append((kind, figures))
    finally:
        mail.stop()
    print(f'{"document":<12} {"context+HTML":>13} {"WeasyPrint":>11} '
        f'{"issue (now)":>12} {"issue (worker)":>15} {"PDF share":>10}')
    for kind, f in rows:
        print(f'{kind:<12} {f["html"]:>10.1f} ms {f["pdf"]:>8.1f} ms '
            f'{f["issue"]:>9.1f} ms {f["issue_queued"]:>12.1f} ms '
            f'{f["pdf"] / f["issue"]:>9.0%}')
    print(f'(medians of {rounds}; backend '
        f'{os.environ["TRYTOND_DATABASE_URI"].split(":")[0]}; load '
        f'{os.getloadavg()[0]:.2f})')


if __name__ == '__main__':
    main(*map(int, sys.argv[1:]))
