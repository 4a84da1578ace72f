"""Compression bombs: the server's memory and time on an ODT and a DOCX of
a few hundred KiB whose one member inflates to 300 MiB (for the ODT, the
`mimetype` member as in the audit, or content.xml) (before the archive
limits, the security audit measured +481 MB and 5.4 s for the ODT, and the
DOCX was stored).

A real trytond on a database built like the tests' (tests/dbbuild.py),
the bombs uploaded through the portal as an OPD user; the server's
resident memory (/proc/PID/status VmRSS) is sampled every 5 ms during each
upload.

    PYTHONPATH=$PWD .venv/bin/python benchmarks/bench_upload_bomb.py [MiB]

Prints, per format, the answer (422: refused), the peak increase of the
server's RSS over its RSS before the upload, and the time; the target is
under +50 MB. It asserts nothing (a benchmark, not a test)."""
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / 'tests'))

from dbbuild import new_database  # noqa: E402
from test_portal_http import Visitor  # noqa: E402
from test_upload_security import bomb, new_draft, upload  # noqa: E402

MB = 1024 * 1024


def rss(pid):
    "Resident memory of the process, bytes"
    for line in Path(f'/proc/{pid}/status').read_text().splitlines():
        if line.startswith('VmRSS:'):
            return int(line.split()[1]) * 1024
    return 0


class Sampler(threading.Thread):
    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = rss(pid)
        self.running = True

    def run(self):
        while self.running:
            self.peak = max(self.peak, rss(self.pid))
            time.sleep(0.005)

    def stop(self):
        self.running = False
        self.join()
        return self.peak


def main(inflated_mib=300):
    database = new_database('egov_bench_bomb')
    try:
        database.start()
        database.base = database.url.rstrip('/') + '/' + database.name
        database.admin = database.client('admin')
        pid = database.server.pid
        dinkes = Visitor(database).login('kadis.dinkes')
        print(f"Bomb: one member of {inflated_mib} MiB of zeros")
        for kind, member in [
                ('odt', 'mimetype'), ('odt', None), ('docx', None)]:
            data = bomb(kind, inflated_mib * MB, member=member)
            draft = new_draft(database, 'kadis.dinkes', f"Bom {kind}")
            # The page once, so that the first upload's figures are the
            # upload's, not the loading of the portal's code.
            dinkes.get(f'/portal/request/{draft}')
            time.sleep(0.5)
            before = rss(pid)
            sampler = Sampler(pid)
            sampler.start()
            start = time.monotonic()
            response = upload(dinkes, draft, f'bom.{kind}', data)
            elapsed = time.monotonic() - start
            peak = sampler.stop()
            stored = database.admin.call('model.egov.request.read',
                [draft], ['documents'])[0]['documents']
            label = kind.upper() + (f' ({member})' if member else '')
            print(f"{label:16} {len(data) / 1024:6.0f} KiB  "
                f"answer {response.status}  stored {len(stored)}  "
                f"RSS before {before / MB:6.1f} MB  peak +"
                f"{(peak - before) / MB:5.1f} MB  time {elapsed:5.2f} s")
    finally:
        database.destroy()


if __name__ == '__main__':
    main(*(int(a) for a in sys.argv[1:2]))
