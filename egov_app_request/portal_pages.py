"""What the portal's pages show: the templates' rendering and each page's data.

The layout around every page (page) and the rendering of a page's
template (render) with the helpers the templates call: the dates in WIB
and in Indonesian, the working minutes in words, the deadline marked when
it is counted on a provisional calendar, the status of a request and
whether its standard is kept. Then the data of the pages: the list's
filters, the request page's timeline of the nine steps, its documents, the
changes since it was returned, the decision. The routes that answer with
these pages, and who may see them, are in portal.py; the forms and uploads
in portal_forms.py."""
import functools
import hashlib
import urllib.parse
from pathlib import Path

from genshi.template import TemplateLoader
from markupsafe import Markup

from trytond.exceptions import UserError
from trytond.protocols.wrappers import HTTPStatus, Response
from trytond.transaction import without_check_access

from . import vocabulary
from .document import ALLOWED_EXTENSIONS, file_types_text
from .formatting import format_date_id
from .letter import lines as text_lines
from .sop import STEP_NUMBERS
from .workcalendar import to_local

HERE = Path(__file__).resolve().parent / 'portal'
SITE = "Portal Pengajuan Aplikasi e-Government"

LOADER = TemplateLoader([str(HERE)], auto_reload=False)

MONTHS_ID = [
    'Januari', 'Februari', 'Maret', 'April', 'Mei', 'Juni', 'Juli',
    'Agustus', 'September', 'Oktober', 'November', 'Desember']
# The SOP step 1 inputs the OPD fills in: field, label, hint.
INPUTS = [
    ('business_process_policy', "Kebijakan proses bisnis",
        "Peraturan atau SOP yang mengatur proses yang didukung aplikasi."),
    ('legal_basis', "Dasar hukum",
        "Undang-undang, peraturan daerah atau peraturan wali kota."),
    ('user_requirements', "Kebutuhan pengguna",
        "Siapa memakai aplikasi dan untuk apa."),
    ('app_inputs', "Masukan aplikasi", "Data yang dimasukkan ke aplikasi."),
    ('app_outputs', "Keluaran aplikasi",
        "Laporan, dasbor atau layanan yang dihasilkan."),
    ]
# What the explanation of the Kepala Dinas's decision is called.
DECISION_HEADINGS = {
    'approved': "Penjelasan",
    'approved_conditions': "Ketentuan yang wajib dipenuhi",
    'rejected': "Alasan",
    }
FLASH = {
    'draf': ('ok', "Draf tersimpan. Anda dapat melanjutkannya kapan saja."),
    'diajukan': ('ok', "Permohonan telah diajukan ke Diskominfo "
        "(langkah 1: penerimaan)."),
    'diajukan-ulang': ('ok', "Permohonan telah diajukan ulang ke "
        "pemeriksaan kelengkapan (langkah 2)."),
    'unggah': ('ok', "Dokumen telah diunggah."),
    'diperbarui': ('ok', "Perubahan isian tersimpan. Dokumen yang sudah "
        "diajukan tetap tersimpan apa adanya."),
    'keluar': ('info', "Anda telah keluar."),
    'reset': ('info', "Bila akun tersebut terdaftar dan memiliki alamat "
        "e-mail, kata sandi sementara telah dikirim ke e-mailnya. Masuk "
        "dengan kata sandi sementara itu, lalu ganti kata sandi Anda di "
        "klien web (Preferensi)."),
    'sesi': ('info', "Silakan masuk untuk melanjutkan."),
    }

# The file chooser offers the types the module accepts (its check by
# content is what counts).
ACCEPT = ','.join(f'.{e}' for e in ALLOWED_EXTENSIONS)
# The text answers the OPD gives (and may correct while the request is
# incomplete); documents are added, never replaced.
TEXT_FIELDS = ['kind', 'title', 'description', 'existing_application',
    'letter_number', 'letter_date'] + [i[0] for i in INPUTS]


# --- Rendering ---------------------------------------------------------------

def render(name, **data):
    """The page's template portal/`name` as Markup: Genshi escapes every
    value that is not Markup itself (a user's text, a module's message)"""
    context = {
        'vocabulary': vocabulary,
        'format_date': format_date,
        'format_minutes': format_minutes,
        'format_deadline': format_deadline,
        'file_types': file_types_text(),
        'status_words': status_words,
        'kept_timing': kept_timing,
        }
    context.update(data)
    stream = LOADER.load(name).generate(**context)
    return Markup(stream.render('html', encoding=None))


def page(database, title, body, user=None, status=200, flash=None,
        current=None, body_class='', site=SITE, headers=None):
    "A whole HTML page (layout.html) around `body` (Markup)"
    base = f'/{database}'
    nav = []
    if user is not None:
        if user.get('opd_user'):
            nav.append(('requests', f'{base}/portal/requests',
                    "Pengajuan OPD Saya"))
            # Only what the user may do: a unit that goes through its
            # parent OPD is offered no new request; a position that may
            # not submit prepares a draft.
            if user.get('org_may_submit'):
                nav.append(('new', f'{base}/portal/new',
                        "Ajukan Baru" if user.get('may_submit')
                        else "Siapkan Draf"))
            nav.append(('applications', f'{base}/portal/applications',
                    "Aplikasi OPD"))
        if user.get('staff'):
            nav.append(('board', f'{base}/board', "Papan Pemantauan"))
            nav.append(('client', f'/#{database}', "Klien Web"))
    stream = LOADER.load('layout.html').generate(
        title=title, site=site, base=base, user=user, nav=nav,
        current=current, static=f'{base}/portal/static',
        version=_static_version(), flash=flash, body=body,
        body_class=body_class)
    html = stream.render('html', doctype='html5', encoding=None)
    response = Response(html, status=status,
        content_type='text/html; charset=utf-8')
    _secure_headers(response)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


@functools.lru_cache(maxsize=None)
def _static_version():
    """A digest of portal.css and portal.js: a changed file is fetched anew
    (the files are the installed package's, read once per process)"""
    digest = hashlib.sha256()
    for name in ['portal.css', 'portal.js']:
        digest.update(_static_file(name))
    return digest.hexdigest()[:12]


@functools.lru_cache(maxsize=None)
def _static_file(name):
    "portal.css or portal.js, read once per process"
    return (HERE / name).read_bytes()


def _secure_headers(response):
    response.headers['X-Content-Type-Options'] = 'nosniff'
    response.headers['X-Frame-Options'] = 'DENY'
    response.headers['Referrer-Policy'] = 'same-origin'
    response.headers['Cache-Control'] = 'no-store'
    response.headers['Content-Security-Policy'] = (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; "
        "script-src 'self'; frame-ancestors 'none'; form-action 'self'")
    return response


def format_date(moment, with_time=True, seconds=False):
    "A stored (UTC) moment in WIB, in Indonesian"
    if not moment:
        return '-'
    local = to_local(moment)
    text = f'{local.day} {MONTHS_ID[local.month - 1]} {local.year}'
    if with_time:
        text += f', {local:%H.%M.%S} WIB' if seconds else (
            f', {local:%H.%M} WIB')
    return text


def format_deadline(record):
    """The deadline of a step (a request's open step or a pass of the
    history), "(perkiraan)" beside it when it is counted on the provisional
    calendar of a year whose SKB is not yet entered (provisional.py)"""
    text = format_date(record.deadline)
    if record.deadline and record.deadline_provisional:
        return Markup('{} <span class="estimate" title="{}">(perkiraan)'
            '</span>').format(text,
            "Dihitung dengan kalender sementara: kalender hari libur "
            "(SKB) tahun itu belum ditetapkan; batas waktu dapat berubah.")
    return text


def format_minutes(minutes):
    "Working minutes in words: 1 jam 30 menit"
    if minutes is None:
        return '-'
    sign = '-' if minutes < 0 else ''
    minutes = abs(int(minutes))
    hours, rest = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(f'{hours} jam')
    if rest or not hours:
        parts.append(f'{rest} menit')
    return sign + ' '.join(parts)


def kept_timing(record):
    """Whether the SOP standard is kept: the current step's timing, or the
    whole process's once done; 'paused' while the OPD completes"""
    if record.timing:
        return record.timing
    if record.state == 'incomplete':
        return 'paused'
    if record.state == 'done' and record.total_used is not None:
        return ('on_time'
            if record.total_used <= (record.total_standard or 0) else 'late')
    return None


def status_words(request):
    "The state of a request in plain words"
    state = request.state
    word = vocabulary.state(state)
    if state == 'draft':
        return f"{word} — belum diajukan"
    if state == 'incomplete':
        return f"{word}: lengkapi, lalu ajukan ulang"
    if state == 'done':
        decision = vocabulary.decision(request.decision)
        return f"{word} — {decision}" if decision else word
    number = STEP_NUMBERS.get(state)
    if number:
        return f"Sedang diproses Diskominfo (langkah {number} dari 9)"
    return state


# --- The OPD's requests ------------------------------------------------------

def state_filters():
    "The filters of the list: the states' words, and those in process"
    return [
        ('', "Semua"),
        ('draft', vocabulary.state('draft')),
        ('process', "Sedang diproses Diskominfo (langkah 1-9)"),
        ('incomplete', vocabulary.state('incomplete')),
        ('done', vocabulary.state('done')),
        ]


# The OPD's list shows this many requests a page.
PAGE_SIZE = 25


def list_pager(path, args, asked, total):
    """Which page of the list `path` to show for the page number `asked`
    (the query's `halaman`) out of `total` requests, and the links to the
    pages before and after it, the filters `args` kept. A page number that
    is no page (a word, 0, beyond the last page) shows the first page, or
    the last one when it is beyond, and says so."""
    pages = max(1, -(-total // PAGE_SIZE))
    asked = str(asked).strip()
    number = int(asked) if asked.isascii() and asked.isdigit() else None
    note = None
    if asked and not (number and number <= pages):
        number = pages if number and number > pages else 1
        note = (f"Halaman yang diminta tidak ada; ditampilkan halaman "
            f"{number} dari {pages}.")
    number = number or 1

    def link(target):
        query = {k: v for k, v in args.items() if v}
        if target > 1:
            query['halaman'] = target
        return path + (f'?{urllib.parse.urlencode(query)}' if query else '')
    offset = (number - 1) * PAGE_SIZE
    return {
        'number': number,
        'pages': pages,
        'total': total,
        'total_text': f'{total:,}'.replace(',', '.'),
        'offset': offset,
        'first': offset + 1 if total else 0,
        'last': min(total, offset + PAGE_SIZE),
        'previous': link(number - 1) if number > 1 else None,
        'next': link(number + 1) if number < pages else None,
        'note': note,
        }


# --- The request page --------------------------------------------------------

def _letters(pool, record):
    "The documents issued for the OPD (egov.request.letter with for_opd)"
    Letter = pool.get('egov.request.letter')
    return Letter.search([
            ('request', '=', record.id), ('for_opd', '=', True)])


def _timeline(pool, record):
    Step = pool.get('egov.step')
    History = pool.get('egov.request.history')
    Configuration = pool.get('egov.configuration')
    config = Configuration(1)
    history = History.search([('request', '=', record.id)])
    if record.state == 'done':
        current_number = 10
    elif record.state == 'incomplete':
        current_number = 2
    else:
        current_number = STEP_NUMBERS.get(record.state, 0)
    items = []
    # The steps of the SOP version the request follows.
    for step in sorted(Step.by_state(record.sop_version).values(),
            key=lambda s: s.number):
        passes = [h for h in history if h.state == step.state]
        pauses = []
        if step.state == 'completeness':
            pauses = [h for h in history if h.state == 'incomplete']
        standard = (step.duration * config.day_minutes
            if step.duration_unit == 'day' else step.duration)
        if passes and passes[0].standard_minutes:
            standard = passes[0].standard_minutes
        used = sum(h.time_used or 0 for h in passes) if passes else None
        timings = {h.timing for h in passes}
        timing = ('late' if 'late' in timings else 'nearly_late'
            if 'nearly_late' in timings else 'on_time' if passes else None)
        if record.state == step.state or (
                record.state == 'incomplete' and step.state == 'completeness'):
            css, mark, word = 'current', str(step.number), (
                "Menunggu OPD melengkapi" if record.state == 'incomplete'
                else "Sedang berjalan")
        elif passes:
            css, mark, word = 'done', '✓', "Selesai"
        elif step.number < current_number:
            css, mark, word = 'skipped', '–', "Dilewati"
        else:
            css, mark, word = 'waiting', str(step.number), "Menunggu"
        items.append({
                'state': step.state, 'name': step.name, 'css': css,
                'mark': mark, 'word': word, 'passes': passes,
                'pauses': pauses, 'used': used, 'standard': standard,
                'timing': timing,
                'duration_text': (f"{step.duration} hari kerja"
                    if step.duration_unit == 'day'
                    else format_minutes(standard)),
                })
    return items


def _missing_types(record):
    """The document types of the checklist items found missing at step 2
    (egov.checklist.item.document_type), in the checklist's order"""
    types = []
    try:
        lines = list(record.checklist)
    except UserError:
        return types
    for line in lines:
        type_ = line.item.document_type if line.item else None
        if line.result == 'missing' and type_ and type_ not in types:
            types.append(type_)
    return types


def _upload(pool, record, missing=()):
    "The form of one document more; the first missing type preselected"
    DocumentType = pool.get('egov.document.type')
    missing_ids = [t.id for t in missing]
    return {
        'record': record,
        'types': DocumentType.search([]),
        'missing': missing_ids,
        'selected': missing_ids[0] if missing_ids else None,
        'limit': pool.get('egov.configuration')(1).max_upload_size,
        'accept': ACCEPT,
        }


def _changes_since_returned(pool, record):
    """What the OPD changed since step 2 returned the request: the documents
    added (not locked yet) and the answers corrected (ir.model.log)"""
    Log = pool.get('ir.model.log')
    added = [d for d in record.documents if not d.locked]
    resource = f'{record.__name__},{record.id}'
    with without_check_access():
        returned = Log.search([
                ('resource', '=', resource),
                ('event', '=', 'transition'),
                ('target', '=', 'state:incomplete'),
                ], order=[('id', 'DESC')], limit=1)
        domain = [('resource', '=', resource), ('event', '=', 'write')]
        if returned:
            domain.append(('id', '>', returned[0].id))
        names = set()
        for log in Log.search(domain):
            names.update((log.target or '').split(','))
    fields = [f for f in TEXT_FIELDS if f in names]
    return added, fields


def _field_labels(record, names):
    labels = dict((name, label) for name, label, _ in INPUTS)
    strings = record.fields_get(list(names))
    return [labels.get(n) or strings.get(n, {}).get('string', n)
        for n in names]


def _changes(pool, record):
    "What the OPD did since the request was returned, in words"
    added, fields = _changes_since_returned(pool, record)
    done = []
    if added:
        done.append(f"{len(added)} dokumen baru "
            f"({', '.join(d.filename for d in added)})")
    if fields:
        done.append(
            f"isian diperbaiki: {', '.join(_field_labels(record, fields))}")
    return done


def _letters_for_opd(letters):
    """The documents for the OPD, by kind then newest first, each with
    whether it is the version that counts"""
    order = {kind: i for i, kind in enumerate(vocabulary.documents())}
    latest = {}
    for letter in letters:
        latest[letter.kind] = max(latest.get(letter.kind, 0), letter.version)
    return [(letter, letter.version == latest[letter.kind])
        for letter in sorted(letters, key=lambda l: (
                order.get(l.kind, 99), -l.version, -l.id))
        if letter.filename]


def request_page(pool, request, user, record, errors=(), status=200):
    database = pool.database_name
    letters = _letters(pool, record)
    data = {}
    if record.state == 'incomplete':
        data['changes'] = _changes(pool, record)
        data['missing_upload'] = _upload(pool, record,
            missing=_missing_types(record))
    if record.state == 'done':
        data['decision_heading'] = DECISION_HEADINGS.get(
            record.decision, "Penjelasan")
        data["decision_lines"] = text_lines(record.decision_text)
        replies = [l for l in letters if l.kind == 'reply' and l.filename]
        data['reply'] = (max(replies, key=lambda l: l.version) if replies
            else None)
        # The next SOP (handoff.py), read through its OPD rule.
        data['handoffs'] = pool.get('egov.handoff').search(
            [('request', '=', record.id)])
        data['format_date_id'] = format_date_id
    body = render('request.html', database=database, user=user,
        record=record, base=f'/{database}/portal/request/{record.id}',
        errors=list(errors), has_letters=bool(letters),
        letters=_letters_for_opd(letters),
        upload=_upload(pool, record), timeline=_timeline(pool, record),
        **data)
    return page(database, record.title, body, user=user, status=status,
        flash=FLASH.get(request.args.get('pesan', '')))


def _confirm_resubmit(pool, user, record):
    "Nothing changed since the request was returned: ask before resubmitting"
    database = pool.database_name
    base = f'/{database}/portal/request/{record.id}'
    body = render('confirm.html', base=base, record=record, user=user)
    return page(database, "Ajukan ulang tanpa perubahan?", body, user=user,
        status=HTTPStatus.CONFLICT)
