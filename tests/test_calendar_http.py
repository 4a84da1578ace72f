"""A year without a confirmed calendar, over real HTTP: the OPD's
portal pages say "(perkiraan)" beside a deadline counted on it, and the
managers' board warns about it.

A real trytond on a database of its own (tests/dbbuild.py). The server runs
on the real clock: the test makes this year's calendar unconfirmed (its
confirmed non-working days removed, as if its SKB had not been entered), so
that what it checks holds whatever the date; then confirms this year and
the next, and the marks are gone."""
import datetime as dt
import re
import sys
import zoneinfo
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dbbuild import new_database  # noqa: E402
from test_portal_http import Visitor  # noqa: E402

ESTIMATE = '(perkiraan)'


@pytest.fixture(scope='module')
def site():
    database = new_database('egov_calendar')
    try:
        database.start()
        database.base = database.url.rstrip('/') + '/' + database.name
        database.admin = database.client('admin')
        database.received = database.data['received'][0]
        yield database
    finally:
        database.destroy()


def _this_year():
    return dt.datetime.now(zoneinfo.ZoneInfo('Asia/Jakarta')).year


def _confirmed(site, year):
    return site.admin.call('model.egov.holiday.search_read', [
            ('provisional', '=', False),
            ('date', '>=', _rpc(dt.date(year, 1, 1))),
            ('date', '<=', _rpc(dt.date(year, 12, 31))),
            ], 0, None, None, ['date', 'name', 'kind'])


def _rpc(date):
    "A date as Tryton's JSON-RPC encodes it"
    if isinstance(date, dict):
        return date
    return {'__class__': 'date', 'year': date.year, 'month': date.month,
        'day': date.day}


def test_unconfirmed_year_estimate_and_warning(site):
    year = _this_year()
    kept = _confirmed(site, year)
    if kept:
        site.admin.call('model.egov.holiday.delete', [h['id'] for h in kept])
    assert _confirmed(site, year) == []

    opd = Visitor(site).login('kadis.dinkes')
    listing = opd.get('/portal/requests')
    assert listing.status == 200
    # Each open step of the OPD's submitted requests counts days of this
    # year: its deadline is an estimate, in the list and on its page.
    assert re.search(r'WIB <span class="estimate" title="[^"]*kalender '
        r'sementara[^"]*">\(perkiraan\)</span>', listing.text), listing.text
    page = opd.get(f'/portal/request/{site.received}')
    assert page.status == 200
    facts = page.text[page.text.index('<dl class="facts">'):]
    facts = facts[:facts.index('</dl>')]
    assert ESTIMATE in facts, facts

    manager = Visitor(site).login('kabid.egov')
    board = manager.get('/board')
    assert board.status == 200
    warning = re.search(
        r'<div class="msg warn" role="status" data-calendar-warning="1">'
        r'([^<]*)</div>', board.text)
    assert warning, board.text[:3000]
    assert (f'Kalender tahun {year} belum ditetapkan'
        in warning.group(1)), warning.group(1)

    # The SKB of this year and of the next entered: no estimate, no
    # warning (from 1 October the warning is about next year).
    site.admin.call('model.egov.holiday.create', [{
                'date': _rpc(h['date']), 'name': h['name'],
                'kind': h['kind']} for h in kept] + [{
                'date': _rpc(dt.date(year + 1, 1, 1)),
                'name': f'Tahun Baru {year + 1} Masehi',
                'kind': 'national'}])
    listing = opd.get('/portal/requests')
    assert listing.status == 200 and ESTIMATE not in listing.text
    page = opd.get(f'/portal/request/{site.received}')
    assert page.status == 200 and ESTIMATE not in page.text
    board = manager.get('/board')
    assert board.status == 200
    assert 'data-calendar-warning' not in board.text
