"""The OPD portal: web pages served by trytond itself.

    /<database>/portal/...   the OPD officials' pages (this file)
    /<database>/board        the managers' kanban board (board.py)

Server-rendered HTML in Indonesian that works without JavaScript. The
pages log in with Tryton's own login (res.user.get_login through
trytond.security: the same accounts, passwords and login-attempt limits as
the web client) and keep the ir.session key in an HttpOnly, SameSite=Lax
cookie of their own (Secure over https). Every POST form carries a CSRF
token derived from the session key and compared in constant time. Every
record is read and written as the logged-in user with access checks on,
so the record rules keep each OPD to its own requests.

Each page is a Genshi template in portal/ (login.html, list.html,
form.html, request.html, confirm.html, board.html, ...) around the shared
portal/layout.html, with what several pages share in portal/parts.html;
Genshi escapes every value. This file keeps the routes, the sessions and
access, and the handling of the forms. The pages' own texts are
Indonesian, in the templates; the refusals come from the module's messages
(message.xml, translated by locale/id.po)."""
import functools
import hashlib
import hmac
import logging
import mimetypes
import secrets
import urllib.parse
from pathlib import Path

from genshi.template import TemplateLoader
from markupsafe import Markup, escape

from trytond import backend, config, security
from trytond.exceptions import RateLimitException, UserError, UserWarning
from trytond.protocols.wrappers import (
    HTTPStatus, Response, redirect, set_max_request_size, with_pool,
    with_transaction)
from trytond.transaction import (
    Transaction, check_access, without_check_access)
from trytond.wsgi import app

from . import vocabulary
from .document import ALLOWED_EXTENSIONS, file_types_text
from .exceptions import ThrottledError
from .formatting import format_date_id
from .letter import lines as text_lines
from .request import OPD_STATES
from .security_log import log_event
from .sop import STEP_NUMBERS
from .upload_check import display_filename
from .workcalendar import to_local

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent / 'portal'
SITE = "Portal Pengajuan Aplikasi e-Government"
COOKIE = 'egov_portal'
PRE_COOKIE = 'egov_portal_pre'
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


class Rollback(Exception):
    "Undo the transaction and answer `response` (a refused form)"

    def __init__(self, response):
        super().__init__()
        self.response = response


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


# --- Sessions and CSRF -------------------------------------------------------

def _context(request):
    return {'_request': request.context}


def _cookie_path(database):
    return f'/{database}/'


def _set_cookie(response, request, database, name, value, max_age=None):
    response.set_cookie(name, value, max_age=max_age,
        path=_cookie_path(database), httponly=True, samesite='Lax',
        secure=request.is_secure)


def _delete_cookie(response, request, database, name):
    response.set_cookie(name, '', expires=0, max_age=0,
        path=_cookie_path(database), httponly=True, samesite='Lax',
        secure=request.is_secure)


def portal_session(request, database):
    """(user id, session key) of the portal cookie when Tryton still holds
    the session (max age, inactivity timeout), else None"""
    raw = request.cookies.get(COOKIE, '')
    user_id, _, key = raw.partition(':')
    if not user_id.isdigit() or not key:
        return None
    user_id = int(user_id)
    context = _context(request)
    try:
        if security.check(database, user_id, key, context=context) is None:
            return None
        if not security.check_timeout(
                database, user_id, key, context=context):
            return None
        security.reset(database, key, context)
    except ValueError:
        return None
    return user_id, key


def csrf_token(key):
    "The CSRF token of a session: an HMAC of its (secret) key"
    return hmac.new(key.encode(), b'egov-portal-csrf',
        hashlib.sha256).hexdigest()


def csrf_ok(request, key):
    sent = request.form.get('csrf_token', '')
    return hmac.compare_digest(sent.encode(), csrf_token(key).encode())


def _safe_next(database, target):
    "Only a path of this database's portal or board (no open redirect)"
    if not target:
        return None
    parts = urllib.parse.urlsplit(target)
    if (parts.scheme or parts.netloc or '\\' in target
            or not parts.path.startswith(f'/{database}/')
            or parts.path.startswith('//')):
        return None
    return target


def _login_redirect(request, database):
    target = urllib.parse.quote(request.full_path.rstrip('?'), safe='/')
    return redirect(
        f'/{database}/portal/login?next={target}', code=HTTPStatus.SEE_OTHER)


def forbidden(database, user, text):
    # The security log records each refusal: the page, never what the
    # form held (it may hold personal data or a password).
    log_event('access_refused', detail=f'portal: {text}'[:200])
    body = render('refused.html', heading="Akses ditolak", text=text)
    return page(database, "Akses ditolak", body, user=user,
        status=HTTPStatus.FORBIDDEN)


def not_found(database, user, model='egov.request', record_id=None):
    # Unknown and other OPDs' records answer alike; both are logged.
    log_event('access_refused', model=model,
        record_id=str(record_id)[:40] if record_id is not None else None,
        detail='portal: not found or not visible')
    body = render('not_found.html', database=database)
    return page(database, "Tidak ditemukan", body, user=user,
        status=HTTPStatus.NOT_FOUND)


def server_error(database, status=HTTPStatus.INTERNAL_SERVER_ERROR):
    """The page of an unexpected failure: generic, in Indonesian; what
    failed (a driver message, SQL) is in the server's log only, never shown
    to a visitor who could learn the database's structure from it"""
    body = render('error.html', database=database)
    return page(database, "Terjadi kesalahan", body, status=status)


# The routes take ids as strings: whatever the URL holds (a huge or a
# negative number, a word), a wrong id is the portal's 404, not another
# route's 405 or a database error.
# The largest record id: PostgreSQL's integer (SQLite's is larger). A
# larger number in a URL or a form is no record (404), not a database error.
MAX_ID = 2 ** 31 - 1


def record_id(value):
    "The id written in `value` (URL or form), or None if it names no record"
    text = str(value)
    if not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


def _user_info(pool, user_id, key):
    "What the pages need of the logged-in user (read in the transaction)"
    User = pool.get('res.user')
    ModelData = pool.get('ir.model.data')
    user = User(user_id)
    groups = set(User.get_groups())
    info = {
        'id': user_id,
        'record': user,
        'name': user.name or user.login,
        'opd': user.egov_opd.name if user.egov_opd else None,
        'opd_user': ModelData.get_id(
            'egov_app_request', 'group_opd') in groups,
        'staff': ModelData.get_id(
            'egov_app_request', 'group_diskominfo') in groups,
        'csrf': csrf_token(key),
        }
    # What the SOP lets the user do (warnings 1 and 2), in the module's
    # words: the pages offer only that and say why.
    info['org_refusal'] = _organization_refusal(pool, user)
    info['org_may_submit'] = info['org_refusal'] is None
    info['position_refusal'] = _position_refusal(pool)
    info['may_submit'] = (info['org_may_submit']
        and info['position_refusal'] is None)
    return info


def _organization_refusal(pool, user):
    "Why the user's organization may not submit (SOP warning 1), or None"
    Request = pool.get('egov.request')
    if not user.egov_opd:
        return ("Akun Anda belum terhubung ke OPD. Hubungi administrator "
            "Diskominfo.")
    try:
        Request(opd=user.egov_opd).check_eligible_organization()
    except UserError as exception:
        return exception.message
    return None


def _position_refusal(pool):
    "Why the user's position may not submit (SOP warning 2), or None"
    Request = pool.get('egov.request')
    try:
        Request.check_eligible_position()
    except UserError as exception:
        return exception.message
    return None


def run_as_user(request, pool, session, func):
    """Run func(user_info) in trytond's transaction of a web request
    (with_transaction: read-only for a GET, retried whole on a conflict,
    queued tasks run after the commit) as the session's user, with access
    checks on and Indonesian messages; a Rollback undoes everything and
    answers its response.

    with_transaction(user='request') would take the user of Tryton's own
    Authorization header; the portal's session is its cookie
    (portal_session), so the transaction runs the page as that session's
    user with Transaction.set_user."""
    user_id, key = session

    @with_transaction()
    def run(request, pool):
        transaction = Transaction()
        with transaction.set_user(user_id):
            preferences = pool.get('res.user').get_preferences(
                context_only=True)
            preferences['language'] = 'id'
            with transaction.set_context(preferences), check_access():
                return func(_user_info(pool, user_id, key))
    try:
        return run(request, pool)
    except Rollback as rollback:
        return rollback.response


def portal_route(rule, methods=('GET',), need='opd', max_size=None):
    """A portal page: the database's pool, the portal session (else the
    login page), the CSRF token of a POST, the right group, and a
    transaction of the user with access checks."""
    def decorator(func):
        def endpoint(request, pool, **kwargs):
            database = pool.database_name
            session = portal_session(request, database)
            if session is None:
                if request.method == 'GET':
                    return _login_redirect(request, database)
                return _forbidden_plain(
                    "Sesi tidak berlaku. Silakan masuk kembali.",
                    HTTPStatus.UNAUTHORIZED)
            # The body is read only once the session is known.
            if request.method == 'POST' and not csrf_ok(request, session[1]):
                return _forbidden_plain(
                    "Token keamanan formulir tidak cocok. Muat ulang "
                    "halaman lalu coba lagi.", HTTPStatus.FORBIDDEN)

            def call(user):
                if need == 'opd' and not user['opd_user']:
                    if user['staff']:
                        raise Rollback(redirect(
                                f'/{database}/board',
                                code=HTTPStatus.SEE_OTHER))
                    return forbidden(database, user, "Portal ini untuk "
                        "pejabat dan staf OPD yang terdaftar.")
                if need == 'staff' and not user['staff']:
                    return forbidden(database, user, "Papan pemantauan "
                        "hanya untuk pimpinan dan tim Diskominfo.")
                return func(request, pool, user, **kwargs)
            try:
                return run_as_user(request, pool, session, call)
            except Exception as exception:
                # The page says nothing of the failure (no driver message,
                # no SQL); the server's log has it all.
                logger.exception("portal: %s %s", request.method,
                    request.path)
                if app.dev:
                    raise
                return server_error(database, status=(
                        HTTPStatus.SERVICE_UNAVAILABLE if isinstance(
                            exception, backend.DatabaseOperationalError)
                        else HTTPStatus.INTERNAL_SERVER_ERROR))
        endpoint.__name__ = func.__name__
        wrapped = with_pool(endpoint)
        if max_size:
            # Uploads: the session cookie is not Tryton's, so without this
            # the anonymous limit ([request] max_size) would apply. The
            # session is checked before the body is read.
            wrapped = set_max_request_size(upload_size())(wrapped)
        app.route(rule, methods=list(methods))(wrapped)
        return func
    return decorator


def _forbidden_plain(text, status):
    response = Response(
        f'<!DOCTYPE html><html lang="id"><meta charset="utf-8">'
        f'<title>Ditolak</title><p>{escape(text)}</p></html>',
        status=status, content_type='text/html; charset=utf-8')
    return _secure_headers(response)


def _read(file):
    "The content of an uploaded file, again on a retried transaction"
    file.stream.seek(0)
    return file.stream.read()


def upload_size():
    "Largest request body of the upload forms: Tryton's authenticated limit"
    return config.getint('request', 'max_size_authenticated')


# --- Static files ------------------------------------------------------------

@app.route('/<string:database_name>/portal/static/<string:name>',
    methods=['GET'])
def portal_static(request, database_name, name):
    if name not in {'portal.css', 'portal.js'}:
        return _forbidden_plain("Tidak ditemukan.", HTTPStatus.NOT_FOUND)
    response = Response(_static_file(name), content_type=(
            mimetypes.guess_type(name)[0] or 'text/plain')
        + '; charset=utf-8')
    response.headers['Cache-Control'] = 'public, max-age=3600'
    response.headers['X-Content-Type-Options'] = 'nosniff'
    return response


# --- Log in, log out, password reset ----------------------------------------

def _pre_token(request):
    "The CSRF token of the forms before login (double-submit cookie)"
    token = request.cookies.get(PRE_COOKIE, '')
    if len(token) != 64:
        token = secrets.token_hex(32)
    return token


def _pre_ok(request):
    cookie = request.cookies.get(PRE_COOKIE, '')
    sent = request.form.get('csrf_token', '')
    return bool(cookie) and hmac.compare_digest(
        cookie.encode(), sent.encode())


def _login_page(request, database, error=None, status=200, flash=None,
        login=''):
    token = _pre_token(request)
    target = _safe_next(database, request.values.get('next')) or ''
    body = render('login.html', database=database, token=token,
        target=target, login=login, errors=[error] if error else [])
    response = page(database, "Masuk", body, status=status, flash=flash)
    _set_cookie(response, request, database, PRE_COOKIE, token)
    return response


@app.route('/<string:database_name>/portal/', methods=['GET'])
@app.route('/<string:database_name>/portal', methods=['GET'])
@with_pool
def portal_home(request, pool):
    database = pool.database_name
    if portal_session(request, database) is None:
        return redirect(f'/{database}/portal/login',
            code=HTTPStatus.SEE_OTHER)
    return redirect(f'/{database}/portal/requests', code=HTTPStatus.SEE_OTHER)


@app.route('/<string:database_name>/portal/login', methods=['GET', 'POST'])
@with_pool
def portal_login(request, pool):
    database = pool.database_name
    if request.method == 'GET':
        flash = FLASH.get(request.args.get('pesan', ''))
        return _login_page(request, database, flash=flash)
    if not _pre_ok(request):
        return _login_page(request, database, status=HTTPStatus.FORBIDDEN,
            error="Token keamanan formulir tidak cocok. Silakan coba lagi.")
    login = request.form.get('login', '').strip()
    password = request.form.get('password', '')
    if not login or not password:
        return _login_page(request, database, login=login,
            status=HTTPStatus.UNAUTHORIZED,
            error="Isi nama pengguna dan kata sandi.")
    try:
        session = security.login(database, login, {'password': password},
            context=dict(_context(request), language='id'))
    except RateLimitException:
        return _login_page(request, database, login=login,
            status=HTTPStatus.TOO_MANY_REQUESTS,
            error="Terlalu banyak percobaan masuk yang gagal. Tunggu "
            "beberapa menit lalu coba lagi.")
    if not session:
        return _login_page(request, database, login=login,
            status=HTTPStatus.UNAUTHORIZED,
            error="Nama pengguna atau kata sandi salah.")
    user_id, key = session
    target = (_safe_next(database, request.form.get('next'))
        or f'/{database}/portal/requests')
    response = redirect(target, code=HTTPStatus.SEE_OTHER)
    _set_cookie(response, request, database, COOKIE, f'{user_id}:{key}',
        max_age=config.getint('session', 'max_age'))
    _delete_cookie(response, request, database, PRE_COOKIE)
    return _secure_headers(response)


@app.route('/<string:database_name>/portal/logout', methods=['POST'])
@with_pool
def portal_logout(request, pool):
    database = pool.database_name
    session = portal_session(request, database)
    if session is None:
        response = redirect(f'/{database}/portal/login',
            code=HTTPStatus.SEE_OTHER)
    elif not csrf_ok(request, session[1]):
        return _forbidden_plain("Token keamanan formulir tidak cocok.",
            HTTPStatus.FORBIDDEN)
    else:
        security.logout(database, session[0], session[1],
            context=_context(request))
        response = redirect(f'/{database}/portal/login?pesan=keluar',
            code=HTTPStatus.SEE_OTHER)
    _delete_cookie(response, request, database, COOKIE)
    return _secure_headers(response)


@app.route('/<string:database_name>/portal/reset', methods=['GET', 'POST'])
@with_pool
def portal_reset(request, pool):
    "Tryton's password reset: a temporary password sent by e-mail"
    database = pool.database_name
    error = None
    status = 200
    if request.method == 'POST':
        if not _pre_ok(request):
            error = "Token keamanan formulir tidak cocok. Silakan coba lagi."
            status = HTTPStatus.FORBIDDEN
        else:
            login = request.form.get('login', '').strip()
            if login:
                try:
                    security.reset_password(database, login,
                        context=dict(_context(request), language='id'))
                except RateLimitException:
                    pass
                # The same answer whether the account exists or not.
                return redirect(f'/{database}/portal/login?pesan=reset',
                    code=HTTPStatus.SEE_OTHER)
            error = "Isi nama pengguna Anda."
            status = HTTPStatus.BAD_REQUEST
    token = _pre_token(request)
    body = render('reset.html', database=database, token=token,
        errors=[error] if error else [])
    response = page(database, "Lupa kata sandi", body, status=status)
    _set_cookie(response, request, database, PRE_COOKIE, token)
    return response


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


@portal_route('/<string:database_name>/portal/requests')
def portal_requests(request, pool, user):
    "Pengajuan OPD Saya"
    Request = pool.get('egov.request')
    database = pool.database_name
    state = request.args.get('status', '')
    text = request.args.get('cari', '').strip()[:100]
    domain = []
    if state == 'process':
        domain.append(('state', 'not in', ['draft', 'incomplete', 'done']))
    elif state in {'draft', 'incomplete', 'done'}:
        domain.append(('state', '=', state))
    if text:
        domain.append(['OR', ('number', 'ilike', f'%{text}%'),
                ('title', 'ilike', f'%{text}%')])
    body = render('list.html', database=database, user=user,
        requests=Request.search(domain), filters=state_filters(),
        state=state, text=text)
    return page(database, "Pengajuan OPD Saya", body, user=user,
        current='requests',
        flash=FLASH.get(request.args.get('pesan', '')))


# --- The OPD's applications (Katalog Aplikasi) --------------------------------

@portal_route('/<string:database_name>/portal/applications')
def portal_applications(request, pool, user):
    "Aplikasi OPD: the catalog's entries of the user's OPD (its record rule)"
    Application = pool.get('egov.application')
    database = pool.database_name
    applications = Application.search([], order=[('name', 'ASC')])
    body = render('applications.html', database=database, user=user,
        applications=applications)
    return page(database, "Aplikasi OPD", body, user=user,
        current='applications')


# --- New request and draft -----------------------------------------------

def _eligibility_errors(pool, user, submitting):
    "The SOP warnings 1 and 2, in the module's words"
    if user['org_refusal']:
        return [user['org_refusal']]
    if submitting and user['position_refusal']:
        return [user['position_refusal']]
    return []


def _form_values(request):
    values = {'kind': request.form.get('kind', 'new')}
    if values['kind'] not in {'new', 'development'}:
        values['kind'] = 'new'
    for name in ['title', 'description', 'existing_application'] + [
            i[0] for i in INPUTS]:
        values[name] = request.form.get(name, '').strip()
    values['developed_application'] = record_id(
        request.form.get('developed_application', ''))
    if values['kind'] != 'development':
        values['existing_application'] = ''
        values['developed_application'] = None
    values['letter_number'] = request.form.get(
        'letter_number', '').strip()[:100]
    values['letter_date'] = _parse_date(request.form.get('letter_date', ''))
    return values


def _parse_date(text):
    "A date of an <input type=date> (YYYY-MM-DD); empty or invalid: None"
    import datetime as dt
    try:
        return dt.date.fromisoformat(text.strip()) if text.strip() else None
    except ValueError:
        return None


def _upload_values(pool, file, type_):
    """The values of one uploaded document of `type_`, checked by the module
    (type by content, size, empty, name) before anything is saved: raises
    the module's UserError"""
    Document = pool.get('egov.request.document')
    # The module cleans the name (upload_check.clean_filename).
    values = Document._check_upload({
            'file': _read(file), 'filename': file.filename})
    values.pop('digest', None)
    values.pop('size', None)
    values.update({'type': type_.id, 'description': type_.name})
    return values


def _uploads(pool, request, types):
    """The files of the form (one field per document type), each checked:
    (documents values, errors)"""
    documents, errors = [], []
    for type_ in types:
        file = request.files.get(f'doc_{type_.id}')
        if not file or not file.filename:
            continue
        try:
            documents.append(_upload_values(pool, file, type_))
        except UserError as exception:
            errors.append(f"{type_.name}: {exception.message}")
    return documents, errors


def _own_applications(pool):
    "The catalog applications of the user's OPD (the record rule)"
    return pool.get('egov.application').search([], order=[('name', 'ASC')])


def _stored(record, name):
    "The value of `name` on `record` as the form gives it (an id for a link)"
    value = getattr(record, name) or None
    return value.id if hasattr(value, 'id') else value


def _completeness_errors(pool, user, values, type_ids):
    "SOP step 1 inputs and required documents, in the module's words"
    Request = pool.get('egov.request')
    Document = pool.get('egov.request.document')
    record = Request(opd=user['record'].egov_opd, **{
            k: v for k, v in values.items()})
    record.documents = [Document(type=t) for t in type_ids]
    try:
        record.check_complete_inputs()
    except UserError as exception:
        return [exception.message]
    return []


# The file chooser offers the types the module accepts (its check by
# content is what counts).
ACCEPT = ','.join(f'.{e}' for e in ALLOWED_EXTENSIONS)
# The text answers the OPD gives (and may correct while the request is
# incomplete); documents are added, never replaced.
TEXT_FIELDS = ['kind', 'title', 'description', 'existing_application',
    'letter_number', 'letter_date'] + [i[0] for i in INPUTS]


def _files_lost(request, types):
    """The files of a refused form, named: the browser forgets them when the
    page comes back (portal.js keeps them when it can)"""
    names = {str(t.id): t.name for t in types}
    chosen = []
    for key, file in request.files.items(multi=True):
        if file and file.filename:
            name = display_filename(file.filename)
            kind = names.get(key[len('doc_'):]) if key.startswith(
                'doc_') else None
            chosen.append(f"{name} ({kind})" if kind else name)
    if not chosen:
        return None
    return Markup('<span data-files-lost>Belum ada berkas yang tersimpan; '
        'pilih kembali berkas berikut sebelum menyimpan: {}.</span>').format(
        ', '.join(chosen))


def _request_form(pool, database, user, action, values, errors, record=None,
        status=200):
    DocumentType = pool.get('egov.document.type')
    types = DocumentType.search([])
    kind = values.get('kind', 'new')
    mode = 'new' if record is None else record.state
    may_submit = user['may_submit'] and mode != 'incomplete'
    existing = {}
    if record is not None:
        for document in record.documents:
            existing.setdefault(document.type.id, []).append(document)
    docs = []
    for type_ in types:
        needs = []
        if type_.required_new:
            needs.append("pembangunan")
        if type_.required_development:
            needs.append("pengembangan")
        docs.append({
                'type': type_,
                'required': {
                    'new': type_.required_new,
                    'development': type_.required_development}.get(kind),
                'need': ("Wajib untuk " + " dan ".join(needs) if needs
                    else "Tidak wajib"),
                'have': existing.get(type_.id, []),
                })
    limit = pool.get('egov.configuration')(1).max_upload_size
    if record is None:
        heading = "Permohonan baru"
    elif mode == 'incomplete':
        heading = f"Perbaiki isian: {record.title}"
    else:
        heading = f"Lanjutkan draf: {record.title}"
    body = render('form.html', database=database, user=user,
        record=record, mode=mode, heading=heading, action=action,
        errors=errors, values=values, kind=kind,
        kinds=list(vocabulary.selection('egov.request', 'kind').items()),
        inputs=INPUTS, docs=docs, limit=limit,
        accept=ACCEPT, may_submit=may_submit,
        applications=_own_applications(pool))
    return page(database, heading, body, user=user, current='new'
        if record is None else None, status=status)


def _refused_eligibility(database, user, errors):
    log_event('access_refused', model='egov.request',
        detail='portal: not eligible to prepare a request')
    body = render('refused.html', database=database,
        heading="Permohonan baru", text=None, errors=errors)
    return page(database, "Permohonan baru", body, user=user,
        status=HTTPStatus.FORBIDDEN)


def _save_request(pool, request, user, record=None):
    """Check, then save (and submit) the request form; a refusal rolls back
    and shows the form again with the reasons"""
    Request = pool.get('egov.request')
    Document = pool.get('egov.request.document')
    DocumentType = pool.get('egov.document.type')
    Throttle = pool.get('egov.throttle')
    database = pool.database_name
    action = request.form.get('action', 'draft')
    # An incomplete request is corrected here and resubmitted from its page.
    submitting = action == 'submit' and (
        record is None or record.state == 'draft')
    target = (f'/{database}/portal/new' if record is None
        else f'/{database}/portal/request/{record.id}/edit')
    values = _form_values(request)
    types = DocumentType.search([])

    def refuse(errors, status=HTTPStatus.UNPROCESSABLE_ENTITY):
        lost = _files_lost(request, types)
        raise Rollback(_request_form(pool, database, user, target, values,
                errors + [lost] if lost else errors, record=record,
                status=status))

    errors = _eligibility_errors(pool, user, submitting)
    if errors:
        log_event('transition_refused' if submitting else 'access_refused',
            model='egov.request', record_id=record.id if record else None,
            detail='portal: not eligible to submit' if submitting
            else 'portal: not eligible to prepare a request')
        refuse(errors, HTTPStatus.FORBIDDEN)
    # Throttled before the files are read and checked; the module counts
    # what is created (throttle.py).
    chosen = sum(1 for t in types
        if (f := request.files.get(f'doc_{t.id}')) and f.filename)
    try:
        if record is None:
            Throttle.check('request', model='egov.request')
        if chosen:
            Throttle.check('upload', amount=chosen,
                model='egov.request.document')
    except ThrottledError as exception:
        refuse([exception.message], HTTPStatus.TOO_MANY_REQUESTS)
    if not values['title']:
        errors.append("Isi judul aplikasi.")
    if values['developed_application'] and values['developed_application'] \
            not in {a.id for a in _own_applications(pool)}:
        # Only an application of the OPD's own catalog entries.
        values['developed_application'] = None
        errors.append("Pilih aplikasi yang dikembangkan dari daftar "
            "Aplikasi OPD.")
    if request.form.get('letter_date', '').strip() and not values[
            'letter_date']:
        errors.append("Tanggal surat permohonan tidak valid: isi dengan "
            "format TTTT-BB-HH.")
    documents, upload_errors = _uploads(pool, request, types)
    errors += upload_errors
    if not errors and submitting:
        type_ids = [d['type'] for d in documents]
        if record is not None:
            type_ids += [d.type.id for d in record.documents]
        errors += _completeness_errors(pool, user, values, type_ids)
    if errors:
        refuse(errors)
    try:
        if record is None:
            record, = Request.create([dict(values,
                        documents=[('create', documents)])])
        else:
            # Only what changed: the history (ir.model.log) then tells
            # which answers the OPD corrected.
            changed = {name: value for name, value in values.items()
                if _stored(record, name) != (value or None)}
            if changed:
                Request.write([record], changed)
            if documents:
                Document.create([dict(d, request=record.id)
                        for d in documents])
        if submitting:
            Request.submit([record])
    except ThrottledError as exception:
        refuse([exception.message], HTTPStatus.TOO_MANY_REQUESTS)
    except (UserError, UserWarning) as exception:
        if submitting:
            log_event('transition_refused', model='egov.request',
                record_id=record.id if record else None,
                detail=f'portal submit: {type(exception).__name__}')
        refuse([exception.message])
    pesan = ('diajukan' if submitting else 'diperbarui'
        if record.state == 'incomplete' else 'draf')
    return redirect(f'/{database}/portal/request/{record.id}?pesan={pesan}',
        code=HTTPStatus.SEE_OTHER)


@portal_route('/<string:database_name>/portal/new', methods=('GET', 'POST'),
    max_size=True)
def portal_new(request, pool, user):
    database = pool.database_name
    if request.method == 'POST':
        return _save_request(pool, request, user)
    errors = _eligibility_errors(pool, user, submitting=False)
    if errors:
        return _refused_eligibility(database, user, errors)
    return _request_form(pool, database, user,
        f'/{database}/portal/new', {'kind': 'new'}, [])


def _visible_request(pool, request_id):
    "The request if the user may read it (record rules), else None"
    Request = pool.get('egov.request')
    request_id = record_id(request_id)
    if request_id is None:
        return None
    found = Request.search([('id', '=', request_id)], limit=1)
    return found[0] if found else None


@portal_route('/<string:database_name>/portal/request/<request_id>/edit',
    methods=('GET', 'POST'), max_size=True)
def portal_edit(request, pool, user, request_id):
    "A draft, or the answers of an incomplete request (SOP step 1 inputs)"
    database = pool.database_name
    record = _visible_request(pool, request_id)
    if record is None:
        return not_found(database, user, record_id=request_id)
    if record.state not in OPD_STATES:
        return redirect(f'/{database}/portal/request/{record.id}',
            code=HTTPStatus.SEE_OTHER)
    if request.method == 'POST':
        return _save_request(pool, request, user, record=record)
    values = {name: getattr(record, name) or '' for name in TEXT_FIELDS}
    values['letter_date'] = record.letter_date
    values['developed_application'] = _stored(
        record, 'developed_application')
    return _request_form(pool, database, user,
        f'/{database}/portal/request/{record.id}/edit', values, [],
        record=record)


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


@portal_route('/<string:database_name>/portal/request/<request_id>')
def portal_request(request, pool, user, request_id):
    record = _visible_request(pool, request_id)
    if record is None:
        return not_found(pool.database_name, user, record_id=request_id)
    return request_page(pool, request, user, record)


@portal_route(
    '/<string:database_name>/portal/request/<request_id>/upload',
    methods=('POST',), max_size=True)
def portal_upload(request, pool, user, request_id):
    "One more document for a draft or an incomplete request"
    Document = pool.get('egov.request.document')
    DocumentType = pool.get('egov.document.type')
    database = pool.database_name
    record = _visible_request(pool, request_id)
    if record is None:
        return not_found(database, user, record_id=request_id)

    def refuse(message, status=HTTPStatus.UNPROCESSABLE_ENTITY):
        file = request.files.get('file')
        if file and file.filename:
            message = Markup('{} <span data-files-lost>Berkas {} belum '
                'tersimpan; pilih kembali berkasnya.</span>').format(
                message, display_filename(file.filename))
        raise Rollback(request_page(pool, request, user, record,
                errors=[message], status=status))
    if record.state not in OPD_STATES:
        refuse("Dokumen hanya dapat ditambahkan selama permohonan masih "
            "draf atau sedang dilengkapi.")
    type_id = request.form.get('type', '')
    types = DocumentType.search([('id', '=', record_id(type_id))]) if (
        record_id(type_id)) else []
    if not types:
        refuse("Pilih jenis dokumen.")
    file = request.files.get('file')
    if not file or not file.filename:
        refuse("Pilih berkas yang akan diunggah.")
    try:
        # Before the file is read and checked; Document.create counts it.
        pool.get('egov.throttle').check(
            'upload', model=Document.__name__, record_id=None)
    except ThrottledError as exception:
        refuse(exception.message, HTTPStatus.TOO_MANY_REQUESTS)
    try:
        values = _upload_values(pool, file, types[0])
    except UserError as exception:
        refuse(exception.message)
    try:
        Document.create([dict(values, request=record.id)])
    except ThrottledError as exception:
        refuse(exception.message, HTTPStatus.TOO_MANY_REQUESTS)
    except (UserError, UserWarning) as exception:
        refuse(exception.message)
    return redirect(f'/{database}/portal/request/{record.id}?pesan=unggah',
        code=HTTPStatus.SEE_OTHER)


def _confirm_resubmit(pool, user, record):
    "Nothing changed since the request was returned: ask before resubmitting"
    database = pool.database_name
    base = f'/{database}/portal/request/{record.id}'
    body = render('confirm.html', base=base, record=record, user=user)
    return page(database, "Ajukan ulang tanpa perubahan?", body, user=user,
        status=HTTPStatus.CONFLICT)


@portal_route(
    '/<string:database_name>/portal/request/<request_id>/resubmit',
    methods=('POST',))
def portal_resubmit(request, pool, user, request_id):
    Request = pool.get('egov.request')
    database = pool.database_name
    record = _visible_request(pool, request_id)
    if record is None:
        return not_found(database, user, record_id=request_id)
    if (record.state == 'incomplete'
            and request.form.get('confirm') != '1'
            and not any(_changes_since_returned(pool, record))):
        return _confirm_resubmit(pool, user, record)
    try:
        Request.resubmit([record])
    except (UserError, UserWarning) as exception:
        log_event('transition_refused', model='egov.request',
            record_id=record.id,
            detail=f'portal resubmit: {type(exception).__name__}')
        raise Rollback(request_page(pool, request, user, record,
                errors=[exception.message],
                status=HTTPStatus.UNPROCESSABLE_ENTITY))
    return redirect(
        f'/{database}/portal/request/{record.id}?pesan=diajukan-ulang',
        code=HTTPStatus.SEE_OTHER)


def _download(data, filename):
    content_type = mimetypes.guess_type(filename)[0] or (
        'application/octet-stream')
    response = Response(bytes(data), content_type=content_type)
    quoted = urllib.parse.quote(filename)
    response.headers['Content-Disposition'] = (
        f"attachment; filename*=UTF-8''{quoted}")
    return _secure_headers(response)


@portal_route('/<string:database_name>/portal/request/<request_id>'
    '/document/<document_id>')
def portal_document(request, pool, user, request_id, document_id):
    Document = pool.get('egov.request.document')
    record = _visible_request(pool, request_id)
    documents = Document.search([
            ('id', '=', record_id(document_id)),
            ('request', '=', record.id),
            ]) if record is not None and record_id(document_id) else []
    if record is None or not documents:
        return not_found(pool.database_name, user,
            model='egov.request.document', record_id=document_id)
    document, = documents
    return _download(document.file, document.filename)


@portal_route('/<string:database_name>/portal/request/<request_id>'
    '/letter/<letter_id>')
def portal_letter(request, pool, user, request_id, letter_id):
    record = _visible_request(pool, request_id)
    letters = ([l for l in _letters(pool, record)
            if l.id == record_id(letter_id) and l.file]
        if record is not None else [])
    if not letters:
        return not_found(pool.database_name, user,
            model='egov.request.letter', record_id=letter_id)
    letter, = letters
    return _download(letter.file, letter.filename)

