"""The follow-up ("Tindak lanjut") of an approved request on the OPD's
portal, over real HTTP.

A real trytond on a database of its own (tests/dbbuild.py) with a request
waiting for the validations of step 8; the Kepala Bidang validate it and the
Kepala Dinas approves it with conditions through JSON-RPC, as the web client
does; then the OPD reads its request page as a browser without JavaScript
does (tests/test_portal_http.py's Visitor)."""
import datetime as dt
import html
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dbbuild import new_database  # noqa: E402
from test_portal_http import Visitor  # noqa: E402

from egov_app_request.formatting import format_date_id  # noqa: E402

CONDITIONS = [
    "Wajib terintegrasi dengan SPLP Kota Tangerang.",
    "Data disimpan di Pusat Data Pemerintah Kota Tangerang.",
    ]


@pytest.fixture(scope='module')
def site():
    database = new_database('egov_followup')
    try:
        database.fill(users=False, technical_validation=1)
        database.start()
        database.base = database.url.rstrip('/') + '/' + database.name
        database.admin = database.client('admin')
        database.approved, = database.data['technical_validation']
        for login in ['kabid.egov', 'kabid.sarpras']:
            database.client(login).call(
                'model.egov.request.approve_technical', [database.approved])
        kadis = database.client('kadis')
        kadis.call('model.egov.request.write', [database.approved], {
                'decision': 'approved_conditions',
                'decision_text': '\n'.join(
                    f'{i}. {c}' for i, c in enumerate(CONDITIONS, 1)),
                })
        kadis.call('model.egov.request.decide', [database.approved])
        yield database
    finally:
        database.destroy()


def section(page, id_):
    "The text of the section titled by the heading `id_`"
    found = re.search(
        r'<section[^>]*aria-labelledby="%s"[^>]*>(.*?)</section>' % id_,
        page, re.S)
    assert found, page[:3000]
    return html.unescape(re.sub(r'\s+', ' ', re.sub(r'<[^>]+>', ' ',
                found.group(1)))).strip()


def test_opd_reads_its_follow_up(site):
    "Next SOP, team, planned start and its count, catalog entry, conditions"
    read, = site.admin.call('model.egov.request.read', [site.approved],
        ['state', 'decision'])
    assert (read['state'], read['decision']) == ('done', 'approved_conditions')
    handoff, = site.admin.call('model.egov.handoff.search_read',
        [('request', '=', site.approved)], 0, None, None,
        ['planned_start', 'planned_start_days', 'application'])
    value = handoff['planned_start']
    planned = dt.date(value['year'], value['month'], value['day'])
    assert handoff['planned_start_days'] == 10

    dinkes = Visitor(site).login('kadis.dinkes')
    page = dinkes.get(f'/portal/request/{site.approved}')
    assert page.status == 200
    text = section(page.text, 'tindak-lanjut')
    assert text.startswith('Tindak lanjut'), text
    assert 'SOP berikutnya Pembangunan Aplikasi' in text, text
    assert (f'Rencana mulai {format_date_id(planned)} '
        '(10 hari kerja setelah persetujuan)') in text, text
    assert 'Aplikasi dalam katalog Aplikasi Uji Validasi 1' in text, text
    assert 'Syarat yang harus dipenuhi' in text
    for condition in CONDITIONS:
        assert f'{condition} — belum terpenuhi' in text, (condition, text)

    # The team marks a condition satisfied and sets the date itself: the
    # page says so, without the count of the configuration.
    item = site.admin.call('model.egov.handoff.item.search',
        [('handoff', '=', handoff['id']), ('sequence', '=', 1)])
    team = site.client('katim.publik')
    team.call('model.egov.handoff.item.write', item, {'satisfied': True})
    later = planned + dt.timedelta(days=7)
    team.call('model.egov.handoff.write', [handoff['id']],
        {'planned_start': {'__class__': 'date', 'year': later.year,
                'month': later.month, 'day': later.day}})
    text = section(dinkes.get(f'/portal/request/{site.approved}').text,
        'tindak-lanjut')
    assert f'Rencana mulai {format_date_id(later)} ' in text + ' ', text
    assert 'hari kerja setelah persetujuan' not in text
    assert f'{CONDITIONS[0]} — terpenuhi' in text
    assert f'{CONDITIONS[1]} — belum terpenuhi' in text


def test_other_opd_reads_no_follow_up(site):
    "Another OPD gets neither the request nor its follow-up"
    dishub = Visitor(site).login('kabid.dishub')
    page = dishub.get(f'/portal/request/{site.approved}')
    assert page.status in {403, 404}, page.status
    assert 'Tindak lanjut' not in page.text
    assert CONDITIONS[0] not in page.text


def test_follow_up_only_after_the_decision(site):
    "A request still running shows no follow-up section"
    running = site.admin.call('model.egov.request.search',
        [('state', '=', 'received')], 0, 1)
    dinkes = Visitor(site).login('kadis.dinkes')
    page = dinkes.get(f'/portal/request/{running[0]}')
    assert page.status == 200
    assert 'id="tindak-lanjut"' not in page.text
