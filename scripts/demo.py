"""`make demo`: build the demo database (once) and serve the web client.

    python scripts/demo.py [--reset] [--port PORT] [--build-only]

The database is an embedded SQLite file, .demo/egov_demo.sqlite, built on
first run (or with --reset, or DEMO_RESET=1) by scripts/demo_data.py: the
module activated in Indonesian, one user per SOP role and OPD official,
and requests standing at every state of the workflow. Then trytond serves
the web client (sao) on http://127.0.0.1:8000/ (DEMO_PORT or --port to
change it) until Ctrl-C."""
import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.append(str(Path(__file__).resolve().parent.parent))

from demo_data import (  # noqa: E402
    ADMIN_LOGIN, DEFAULT_NAME, DEFAULT_PORT, ROLE_LABELS, ROOT, SAO_ROOT,
    VENV_BIN, MailSink, build_demo_database, clean_env, config_args,
    database_ready, write_demo_config)

DEMO_DIR = ROOT / '.demo'


def logins_table(password):
    "The logins of the demo, as a text table (Indonesian)"
    from egov_app_request.tests.tools import OPD_USERS, ROLE_USERS
    rows = [("Login", "Kata sandi", "Peran", "OPD")]
    for login in [ADMIN_LOGIN, *ROLE_USERS, *OPD_USERS]:
        role, opd = ROLE_LABELS.get(login, ("", ""))
        rows.append((login, password, role, opd))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = []
    for i, row in enumerate(rows):
        lines.append('  '.join(c.ljust(w) for c, w in zip(row, widths))
            .rstrip())
        if i == 0:
            lines.append('  '.join('-' * w for w in widths))
    return '\n'.join(lines)


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main(argv=None):
    from egov_app_request.tests.tools import DEMO_PASSWORD
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--reset', action='store_true',
        default=os.environ.get('DEMO_RESET', '') not in {'', '0'},
        help="rebuild the database even if it exists (env DEMO_RESET=1)")
    parser.add_argument('--port', type=int,
        default=int(os.environ.get('DEMO_PORT') or DEFAULT_PORT),
        help="port on 127.0.0.1 (env DEMO_PORT, default %(default)s)")
    parser.add_argument('--name', default=DEFAULT_NAME,
        help="database name (default %(default)s)")
    parser.add_argument('--build-only', action='store_true',
        help="build the database and exit without serving")
    args = parser.parse_args(argv)

    if not (SAO_ROOT / 'index.html').exists():
        sys.exit(f"Web client missing in {SAO_ROOT}: run `make sao` "
            "(sh scripts/install_sao.sh .sao).")

    if args.reset or not database_ready(DEMO_DIR, args.name):
        why = "--reset" if args.reset else "belum ada"
        print(f"demo: membangun basis data {args.name} ({why}) di "
            f"{DEMO_DIR} ...", flush=True)
        started = time.monotonic()
        build_demo_database(DEMO_DIR, args.name, args.port)
        print(f"demo: selesai dalam {time.monotonic() - started:.0f} detik.",
            flush=True)
    else:
        print(f"demo: memakai basis data yang ada "
            f"{DEMO_DIR / (args.name + '.sqlite')} "
            "(bangun ulang: make demo DEMO_RESET=1 atau "
            "scripts/demo.py --reset).", flush=True)
    if args.build_only:
        write_demo_config(DEMO_DIR, args.port)
        return 0
    sink = MailSink(DEMO_DIR)
    configs = write_demo_config(DEMO_DIR, args.port, sink.port)

    # The product's logging configuration, as in production, with the
    # security log in the demo's folder.
    security_log = DEMO_DIR / 'security.log'
    logconf = DEMO_DIR / 'logging.conf'
    logconf.write_text((ROOT / 'etc' / 'trytond-logging.conf').read_text()
        .replace('/var/log/trytond/security.log', str(security_log)))

    url = f'http://127.0.0.1:{args.port}/'
    print()
    print(f"Klien web Tryton (sao): {url}#{args.name}")
    print(f"Portal OPD (pengajuan): {url}{args.name}/portal/")
    print(f"Papan pemantauan (pimpinan dan tim Diskominfo): "
        f"{url}{args.name}/board")
    print(f"Basis data: {args.name}  (pilih di layar masuk bila ditanya)")
    print()
    print(logins_table(DEMO_PASSWORD))
    print()
    print(f"E-mail notifikasi disimpan di {DEMO_DIR / 'mail'} (*.eml).")
    print(f"Log keamanan (masuk, penolakan, pembatasan): {security_log}")
    print("Tekan Ctrl-C untuk berhenti.", flush=True)

    command = [str(VENV_BIN / 'trytond'), '-d', args.name,
        '--logconf', str(logconf), *config_args(configs)]
    # Ctrl-C (SIGINT) or SIGTERM stop the server and the demo together.
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)
    process = subprocess.Popen(command, env=clean_env(
            TRYTOND_WEB__LISTEN=f'127.0.0.1:{args.port}'))
    try:
        return process.wait()
    except KeyboardInterrupt:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
        print("\ndemo: server dihentikan.")
        return 0


if __name__ == '__main__':
    sys.exit(main())
