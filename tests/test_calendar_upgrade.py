"""A database made before the decrees on non-working days,
updated with `trytond-admin -u egov_app_request`: it receives the 18 August
2025 amendment shipped in data/calendar_data.xml, and the days the module
shipped before take the decree that set them.

The module of commit 191bdbd (the working calendar as data, no decrees yet)
is taken from this repository's history, a SQLite database activated with
it, then updated with the module of this working copy."""
import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from server import ROOT, VENV_BIN, clean_env  # noqa: E402

BEFORE_DECREES = '191bdbd'
DATABASE = 'upgrade'

CHECK = r'''
import datetime as dt, json, sys
from trytond.config import update_etc
update_etc(sys.argv[1])
from trytond.pool import Pool
from trytond.transaction import Transaction
pool = Pool(sys.argv[2]); pool.init()
with Transaction().start(sys.argv[2], 0, readonly=True):
    ModelData = pool.get('ir.model.data')
    Holiday = pool.get('egov.holiday')
    shipped = {d.db_id: d.fs_id for d in ModelData.search([
        ('module', '=', 'egov_app_request'), ('model', '=', 'egov.holiday')])}
    decrees = {d.db_id: d.fs_id for d in ModelData.search([
        ('module', '=', 'egov_app_request'),
        ('model', '=', 'egov.holiday.decree')])}
    print(json.dumps({shipped[h.id]: [
            h.date.isoformat(), decrees.get(h.decree.id) if h.decree else None]
        for h in Holiday.browse(list(shipped))}))
'''


def _admin(directory, pythonpath, *args):
    subprocess.run([str(VENV_BIN / 'trytond-admin'), '-c',
            str(directory / 'trytond.conf'), '-d', DATABASE, *args],
        env=clean_env(PYTHONPATH=str(pythonpath),
            TRYTONPASSFILE=str(directory / 'password')),
        cwd=str(directory), check=True, capture_output=True, timeout=900)


def _shipped_days(directory):
    output = subprocess.run([sys.executable, '-c', CHECK,
            str(directory / 'trytond.conf'), DATABASE],
        env=clean_env(PYTHONPATH=str(ROOT)), cwd=str(directory),
        check=True, capture_output=True, text=True, timeout=300).stdout
    return json.loads(output.strip().splitlines()[-1])


def test_update_brings_the_amendment_and_the_decrees(tmp_path):
    old = tmp_path / 'old'
    old.mkdir()
    archive = subprocess.run(['git', '-C', str(ROOT), 'archive',
            BEFORE_DECREES, 'egov_app_request'], check=True,
        capture_output=True).stdout
    subprocess.run(['tar', '-x', '-C', str(old)], input=archive, check=True)
    assert 'decree' not in (
        old / 'egov_app_request' / 'data' / 'calendar_data.xml').read_text()
    (tmp_path / 'trytond.conf').write_text(
        f'[database]\nuri = sqlite://\npath = {tmp_path}\n')
    (tmp_path / 'password').write_text('upgrade-admin-2026\n')
    (tmp_path / f'{DATABASE}.sqlite').touch()
    _admin(tmp_path, old, '--all', '--activate-dependencies',
        '--email', 'admin@tangerangkota.go.id', '-u', 'egov_app_request')
    _admin(tmp_path, ROOT, '-u', 'egov_app_request')

    days = _shipped_days(tmp_path)
    # The amendment's day arrived, under the amending decree.
    assert days['holiday_2025_08_18'] == [
        '2025-08-18', 'decree_2025_amendment_1'], days
    # Every other shipped day takes the original decree of its year, as on
    # a new database.
    for fs_id, (date, decree) in days.items():
        if fs_id != 'holiday_2025_08_18':
            assert decree == f'decree_{date[:4]}', (fs_id, date, decree)
    assert len(days) == (ROOT / 'egov_app_request' / 'data'
        / 'calendar_data.xml').read_text().count('model="egov.holiday"')
