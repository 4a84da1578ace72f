"""The managers' board (issue 5): /<database>/board

A kanban page for the Kepala Dinas, the Kepala Bidang and the team leads
(group_diskominfo): a column per SOP step in the order of egov.step, a
card per open request coloured by its timing (request.timing), filters by
OPD, category and period, counts per column and a summary strip. A card
opens the request in the web client. Read as the logged-in user with
access checks on; the session is the portal's (portal.py)."""
import datetime as dt

from markupsafe import Markup

from trytond.protocols.wrappers import HTTPStatus

from . import vocabulary
from .portal import (
    format_date, format_minutes, page, portal_route, record_id)

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
    from .request import _now
    from .workcalendar import to_local, to_utc
    today = to_local(_now())
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


def _select(name, label, options, selected):
    return Markup(
        '<div><label for="{name}">{label}</label><select id="{name}" '
        'name="{name}">{options}</select></div>').format(
        name=name, label=label, options=Markup('').join(
            Markup('<option value="{}"{}>{}</option>').format(
                value, Markup(' selected') if str(value) == str(selected)
                else '', text) for value, text in options))


def _card(database, record):
    timing = record.timing
    used, left = record.time_used, record.time_left
    standard = used + left if used is not None and left is not None else None
    if record.state == 'incomplete':
        css, word = 'paused', "Jam berhenti (menunggu OPD)"
        time_text = "Dikembalikan ke OPD untuk dilengkapi"
    else:
        css = timing or 'on_time'
        word = vocabulary.timing(timing or 'on_time')
        time_text = (f"{format_minutes(used)} dari standar "
            f"{format_minutes(standard)}")
    return Markup(
        '<li><a class="kcard {css}" href="/#{db}/model/egov.request/{id}" '
        'data-timing="{timing}" aria-label="{number}: {title} — {word}">'
        '<span class="num">{number}</span>'
        '<span class="title">{title}</span>'
        '<span class="meta">{opd}</span>'
        '<span class="meta">Penanggung jawab: {responsible}</span>'
        '<span class="meta">Waktu kerja: {time}</span>'
        '<span class="meta"><strong>{word}</strong>{deadline}</span>'
        '</a></li>').format(
        css=css, db=database, id=record.id, timing=timing or '',
        number=record.number or '-', title=record.title,
        opd=record.opd.name, responsible=record.responsible or '-',
        time=time_text, word=word,
        deadline=(Markup(' · batas {}').format(format_date(record.deadline))
            if record.deadline and record.state != 'incomplete' else ''))


@portal_route('/<string:database_name>/board', need='staff')
def board(request, pool, user):
    Request = pool.get('egov.request')
    History = pool.get('egov.request.history')
    Step = pool.get('egov.step')
    OPD = pool.get('egov.opd')
    Category = pool.get('egov.category')
    from .request import _now
    from .workcalendar import to_local, to_utc
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
    for step in Step.search([]):
        # The state's word (as the web client shows it); the activity of
        # the SOP is long.
        columns.append((step.state, vocabulary.state(step.state)))
        if step.state == 'completeness':
            columns.append(('incomplete', vocabulary.state('incomplete')))
    html_columns = []
    for state, title in columns:
        cards = by_state.get(state, [])
        content = (Markup('<ul>{}</ul>').format(Markup('').join(
                    _card(database, r) for r in cards)) if cards
            else Markup('<p class="empty">Tidak ada permohonan.</p>'))
        html_columns.append(Markup(
                '<section class="column" aria-labelledby="col-{state}">'
                '<h2 id="col-{state}"><span>{title}</span>'
                '<span class="count" aria-label="{count} permohonan">{count}'
                '</span></h2>{content}</section>').format(
                state=state, title=title, count=len(cards),
                content=content))

    # Summary strip.
    late = sum(1 for r in requests if r.timing == 'late')
    today = to_local(_now())
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
    timings = vocabulary.timings()
    summary = Markup(
        '<ul class="summary" aria-label="Ringkasan">'
        '<li><span class="num">{open}</span>Permohonan berjalan</li>'
        '<li class="late"><span class="num">{late}</span>{late_word}</li>'
        '<li><span class="num">{decided}</span>Diputuskan bulan ini</li>'
        '<li><span class="num">{share}</span>Langkah selesai {on_time}'
        ' ({kept} dari {total})</li></ul>').format(
        open=len(requests), late=late, decided=decided, share=share,
        kept=kept, total=len(finished), late_word=timings['late'],
        on_time=timings['on_time'])

    opds = [('', "Semua OPD")] + [(o.id, o.name) for o in OPD.search(
            [('type.may_submit', '=', True)])]
    categories = [('', "Semua kategori")] + [
        (c.id, c.name) for c in Category.search([])]
    form = Markup(
        '<form class="card-box filters" method="get" '
        'action="/{db}/board" aria-label="Saring papan">{opd}{category}'
        '{period}<div><button class="btn" type="submit">Terapkan</button> '
        '<a class="btn secondary" href="/{db}/board">Atur ulang</a></div>'
        '</form>').format(db=database,
        opd=_select('opd', "OPD", opds, opd_id or ''),
        category=_select('kategori', "Kategori", categories,
            category_id or ''),
        period=_select('periode', "Periode pengajuan", PERIODS, period))
    # Next year's calendar not confirmed (calendar_notice.py): Indonesian,
    # like the rest of the board.
    from .calendar_notice import warning_text
    warning = warning_text(language='id')
    summary = (Markup('<div class="msg warn" role="status" '
            'data-calendar-warning="1">{}</div>').format(warning)
        + summary) if warning else summary
    body = Markup(
        '<h1>Papan Pemantauan Permohonan</h1>{summary}{form}'
        '<p class="hint">Warna kartu: hijau {on_time}, oranye {nearly}, '
        'merah {late}; abu-abu menunggu OPD. Pilih kartu untuk membuka '
        'permohonan di klien web.</p>'
        '<div class="kanban">{columns}</div>').format(
        summary=summary, form=form, on_time=timings['on_time'],
        nearly=timings['nearly_late'], late=timings['late'],
        columns=Markup('').join(html_columns))
    return page(database, "Papan Pemantauan", body, user=user,
        current='board', body_class='board', status=HTTPStatus.OK)
