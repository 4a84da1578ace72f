"""The managers' board: /<database>/board

A kanban page for the Kepala Dinas, the Kepala Bidang and the team leads
(group_diskominfo): a column per SOP step in the order of egov.step, the
count of its open requests and a card for each of the longest waiting
(CARDS), coloured by its timing (request.timing), filters by
OPD, category and period, counts per column and a summary strip. A card
opens the request in the web client. Read as the logged-in user with
access checks on; the session is the portal's (portal.py). The page is the
template portal/board.html."""
import datetime as dt

from sql import Null
from sql.aggregate import Count
from sql.conditionals import Case

from trytond.pool import Pool
from trytond.protocols.wrappers import HTTPStatus
from trytond.transaction import Transaction

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
# The cards a column shows (the longest waiting); its count is of all.
CARDS = 30


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


def _steps_kept(opd_id, category_id, start):
    """(finished steps with a deadline, those finished by it), counted in
    one SQL statement: the finished steps are most of the history (about
    700,000 rows at 100,000 requests). The board is for staff, who read
    every request (no record rule limits them), so the count is of all."""
    pool = Pool()
    history = pool.get('egov.request.history').__table__()
    request = pool.get('egov.request').__table__()
    where = (history.finished != Null) & (history.deadline != Null)
    if opd_id:
        where &= request.opd == opd_id
    if category_id:
        where &= request.category == category_id
    if start:
        where &= history.started >= start
    cursor = Transaction().connection.cursor()
    cursor.execute(*history.join(
            request, condition=history.request == request.id).select(
            # No literal values: PostgreSQL cannot type a parameter in
            # SUM(CASE ... THEN $1), so count the ids that qualify.
            Count(history.id),
            Count(Case((history.finished <= history.deadline, history.id))),
            where=where))
    total, kept = cursor.fetchone()
    return total or 0, kept or 0


@portal_route('/<string:database_name>/board', need='staff')
def board(request, pool, user):
    Request = pool.get('egov.request')
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

    # Each column shows its CARDS longest-waiting requests and counts all
    # of them: at 100,000 requests a board of every open card would not be
    # read, nor served in time.
    open_domain = [('state', 'not in', CLOSED)] + filters
    columns = []
    # The steps of the SOP version in force.
    for step in sorted(Step.by_state().values(), key=lambda s: s.number):
        # The state's word (as the web client shows it); the activity of
        # the SOP is long.
        columns.append((step.state, vocabulary.state(step.state)))
        if step.state == 'completeness':
            columns.append(('incomplete', vocabulary.state('incomplete')))
    counted = []
    for state, title in columns:
        domain = [('state', '=', state)] + filters
        records = Request.search(domain,
            order=[('submitted_at', 'ASC'), ('id', 'ASC')], limit=CARDS)
        count = (len(records) if len(records) < CARDS
            else Request.search_count(domain))
        counted.append((state, title, [_card(r) for r in records], count))
    columns = counted
    running = Request.search_count(open_domain)
    # Summary strip.
    late = Request.search_count(open_domain + [('timing', '=', 'late')])
    today = to_local(clock.now())
    month_start = to_utc(_month_start(today))
    decided = Request.search_count([
            ('state', '=', 'done'), ('decided_at', '>=', month_start),
            ] + [f for f in filters if f[0] != 'submitted_at'])
    total, kept = _steps_kept(opd_id, category_id, start)
    share = (f"{round(100 * kept / total)} %" if total else "-")
    opds = [('', "Semua OPD")] + [(o.id, o.name) for o in OPD.search(
            [('type.may_submit', '=', True)])]
    categories = [('', "Semua kategori")] + [
        (c.id, c.name) for c in Category.search([])]
    body = render('board.html', database=database, running=running,
        late=late, decided=decided, share=share, kept=kept,
        total=total, timings=vocabulary.timings(), columns=columns,
        opds=opds, categories=categories, periods=PERIODS,
        opd_id=opd_id, category_id=category_id, period=period,
        # Next year's calendar not confirmed: Indonesian, like the board.
        calendar_warning=warning_text(language=vocabulary.LANGUAGE))
    return page(database, "Papan Pemantauan", body, user=user,
        current='board', body_class='board', status=HTTPStatus.OK)
