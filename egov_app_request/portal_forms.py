"""The OPD's request form and its uploads, checked before anything is saved.

What the form sends (answers, a date, the catalog application developed,
one file per document type) is read and checked here: each file by the
module (type by content, size, name: upload_check.py, document.py), the
SOP step 1 inputs and required documents before a submission, the SOP
warnings 1 and 2 (who may prepare and who may submit). A refused form
rolls the whole transaction back (Rollback) and comes back with the
reasons and the names of the files to choose again. The routes that take
the form are in portal.py; the pages' rendering in portal_pages.py."""
import datetime as dt

from markupsafe import Markup

from trytond.exceptions import UserError, UserWarning
from trytond.protocols.wrappers import HTTPStatus, redirect

from . import vocabulary
from .exceptions import ThrottledError
from .portal_pages import ACCEPT, INPUTS, page, render
from .security_log import log_event
from .upload_check import display_filename


class Rollback(Exception):
    "Undo the transaction and answer `response` (a refused form)"

    def __init__(self, response):
        super().__init__()
        self.response = response


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


def _read(file):
    "The content of an uploaded file, again on a retried transaction"
    file.stream.seek(0)
    return file.stream.read()


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
