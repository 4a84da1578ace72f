"""The managers' board: /<database>/board

A kanban page for the Kepala Dinas, the Kepala Bidang and the team leads
(group_diskominfo): a column per SOP step in the order of egov.step, a
card per open request coloured by its timing (request.timing), filters by
OPD, category and period, counts per column and a summary strip. A card
opens the request in the web client. Read as the logged-in user with
access checks on; the session is the portal's (portal.py). The page is the
template portal/board.html."""
import datetime as dt

from trytond.protocols.wrappers import HTTPStatus

from . import clock, vocabulary
from .calendar_notice import warning_text
from .portal import portal_route
from .portal_forms import record_id
from .portal_pages import format_minutes, page, render
from .workcalendar import to_local, to_utc

PERIODS = [
    ('', "Semua waktu"),
    ('month', "Bulan ini"),
    ('quarter', "3 bulan terakhir"),
    ('year', "Tahun ini"),
    ]
CLOSED = ['draft', 'done']


def _month_start(local_today, months_back=0):
    year, month = local_today.year, local_today.month - months_back
    while month < 1:
        month += 12
        year -= 1
    return dt.datetime(year, month, 1)


def _period_start(period):
    "The first moment (UTC) of the period, None for all"
    today = to_local(clock.now())
    if period == 'month':
        return to_utc(_month_start(today))
    if period == 'quarter':
        return to_utc(_month_start(today, 2))
    if period == 'year':
        return to_utc(dt.datetime(today.year, 1, 1))
    return None


def _int(value):
    "A filter's id; a malformed or out-of-range one filters nothing"
    return record_id(value) if value else None


def _card(record):
    "A request's card: its colour, its timing word and its working time"
    used, left = record.time_used, record.time_left
    standard = used + left if used is not None and left is not None else None
    if record.state == 'incomplete':
        return {
            'record': record, 'css': 'paused',
            'word': "Jam berhenti (menunggu OPD)",
            'time': "Dikembalikan ke OPD untuk dilengkapi",
            'deadline': None,
            }
    return {
        'record': record, 'css': record.timing or 'on_time',
        'word': vocabulary.timing(record.timing or 'on_time'),
        'time': (f"{format_minutes(used)} dari standar "
            f"{format_minutes(standard)}"),
        'deadline': record.deadline,
        }


@portal_route('/<string:database_name>/board', need='staff')
def board(request, pool, user):
    Request = pool.get('egov.request')
    History = pool.get('egov.request.history')
    Step = pool.get('egov.step')
    OPD = pool.get('egov.opd')
    Category = pool.get('egov.category')
    database = pool.database_name

    opd_id = _int(request.args.get('opd', ''))
    category_id = _int(request.args.get('kategori', ''))
    period = request.args.get('periode', '')
    if period not in dict(PERIODS):
        period = ''
    filters = []
    if opd_id:
        filters.append(('opd', '=', opd_id))
    if category_id:
        filters.append(('category', '=', category_id))
    start = _period_start(period)
    if start:
        filters.append(('submitted_at', '>=', start))

    requests = Request.search(
        [('state', 'not in', CLOSED)] + filters,
        order=[('submitted_at', 'ASC'), ('id', 'ASC')])
    by_state = {}
    for record in requests:
        by_state.setdefault(record.state, []).append(record)

    columns = []
    # The steps of the SOP version in force.
    for step in sorted(Step.by_state().values(), key=lambda s: s.number):
        # The state's word (as the web client shows it); the activity of
        # the SOP is long.
        columns.append((step.state, vocabulary.state(step.state)))
        if step.state == 'completeness':
            columns.append(('incomplete', vocabulary.state('incomplete')))
    columns = [(state, title, [_card(r) for r in by_state.get(state, [])])
        for state, title in columns]

    # Summary strip.
    late = sum(1 for r in requests if r.timing == 'late')
    today = to_local(clock.now())
    month_start = to_utc(_month_start(today))
    decided = Request.search_count([
            ('state', '=', 'done'), ('decided_at', '>=', month_start),
            ] + [f for f in filters if f[0] != 'submitted_at'])
    history_domain = [('finished', '!=', None), ('deadline', '!=', None)]
    if opd_id:
        history_domain.append(('request.opd', '=', opd_id))
    if category_id:
        history_domain.append(('request.category', '=', category_id))
    if start:
        history_domain.append(('started', '>=', start))
    finished = History.search(history_domain)
    kept = sum(1 for h in finished if h.finished <= h.deadline)
    share = (f"{round(100 * kept / len(finished))} %" if finished else "-")

    opds = [('', "Semua OPD")] + [(o.id, o.name) for o in OPD.search(
            [('type.may_submit', '=', True)])]
    categories = [('', "Semua kategori")] + [
        (c.id, c.name) for c in Category.search([])]
    body = render('board.html', database=database, requests=requests,
        late=late, decided=decided, share=share, kept=kept,
        total=len(finished), timings=vocabulary.timings(), columns=columns,
        opds=opds, categories=categories, periods=PERIODS,
        opd_id=opd_id, category_id=category_id, period=period,
        # Next year's calendar not confirmed: Indonesian, like the board.
        calendar_warning=warning_text(language='id'))
    return page(database, "Papan Pemantauan", body, user=user,
        current='board', body_class='board', status=HTTPStatus.OK)
