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
access; what the pages show (rendering, the data of each page) is in
portal_pages.py, the request form and its uploads in portal_forms.py. The
pages' own texts are Indonesian, in the templates; the refusals come from
the module's messages (message.xml, translated by locale/id.po)."""
import hashlib
import hmac
import logging
import mimetypes
import secrets
import urllib.parse

from markupsafe import Markup, escape

from trytond import backend, config, security
from trytond.exceptions import RateLimitException, UserError, UserWarning
from trytond.protocols.wrappers import (
    HTTPStatus, Response, redirect, set_max_request_size, with_pool,
    with_transaction)
from trytond.transaction import Transaction, check_access
from trytond.wsgi import app

from . import vocabulary
from .exceptions import ThrottledError
from .portal_forms import (
    Rollback, _eligibility_errors, _refused_eligibility,
    _request_form, _save_request, _stored, _upload_values, record_id)
from .portal_pages import (
    FLASH, PAGE_SIZE, TEXT_FIELDS, _changes_since_returned,
    _confirm_resubmit, _letters, _secure_headers, _static_file, list_pager,
    page, render, request_page, state_filters)
from .request import OPD_STATES
from .security_log import log_event
from .upload_check import display_filename

logger = logging.getLogger(__name__)

COOKIE = 'egov_portal'
PRE_COOKIE = 'egov_portal_pre'


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
            context=dict(
                _context(request), language=vocabulary.LANGUAGE))
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
                        context=dict(
                            _context(request),
                            language=vocabulary.LANGUAGE))
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


@portal_route('/<string:database_name>/portal/requests')
def portal_requests(request, pool, user):
    """Pengajuan OPD Saya, one page at a time, newest first: the page reads
    its rows (LIMIT/OFFSET) and counts the rest, so that it costs the same
    to an OPD of a hundred requests as to one of thousands"""
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
    filters = state_filters()
    pager = list_pager(f'/{database}/portal/requests', {
            'status': state if state in dict(filters) else '',
            'cari': text,
            }, request.args.get('halaman', ''), Request.search_count(domain))
    body = render('list.html', database=database, user=user,
        requests=Request.search(domain, offset=pager['offset'],
            limit=PAGE_SIZE),
        filters=filters, state=state, text=text, pager=pager)
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
            if l.id == record_id(letter_id)]
        if record is not None else [])
    if not letters:
        return not_found(pool.database_name, user,
            model='egov.request.letter', record_id=letter_id)
    letter, = letters
    if not letter.ready:
        # Issued seconds ago: trytond-worker is making its PDF.
        database = pool.database_name
        body = render('preparing.html', letter=letter,
            base=f'/{database}/portal/request/{record.id}')
        return page(database, "Dokumen sedang disiapkan", body, user=user,
            status=HTTPStatus.ACCEPTED, headers={'Retry-After': '5'})
    return _download(letter.file, letter.filename)

