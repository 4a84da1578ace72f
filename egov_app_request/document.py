"""The documents an OPD uploads with its request (egov.request.document):
each checked on the way in (name, size, type by content, archives within
limits, the malware scanner, quotas per request and per OPD per day),
kept as submitted once the request is sent."""
import datetime as dt
import hashlib
import logging
import zoneinfo

from sql.aggregate import Sum
from sql.conditionals import Coalesce

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.pyson import Bool, Eval
from trytond.transaction import Transaction, without_check_access

from .access import RelationRuleMixin
from .exceptions import DocumentLockedError, ProtectedFieldError, UploadError
from .filestore import TransactionalBinary
from .request import OPD_STATES
from . import security_log, upload_check

logger = logging.getLogger(__name__)
# The key, in the transaction's cache, of the uploads it has checked already
# (digest, clean name): the portal checks each file to name what is wrong,
# then creates it. trytond empties the transaction's caches at commit and
# rollback, so a retried transaction checks again.
CHECKED_UPLOADS = 'egov_app_request.checked_uploads'

class RequestDocument(RelationRuleMixin, ModelSQL, ModelView):
    "Supporting document of a request"
    __name__ = 'egov.request.document'
    __string__ = "Request Document"
    request = fields.Many2One(
        'egov.request', "Request", required=True, ondelete='CASCADE')
    type = fields.Many2One(
        'egov.document.type', "Type", required=True, ondelete='RESTRICT',
        states={'readonly': Bool(Eval('locked'))})
    # Removed from the filestore if the transaction rolls back: a refused
    # or failed save leaves no orphan file behind.
    file = TransactionalBinary(
        "File", filename='filename', file_id='file_id',
        store_prefix='egov', required=True,
        states={'readonly': Bool(Eval('locked'))})
    file_id = fields.Char("File ID", readonly=True)
    filename = fields.Char(
        "File Name", required=True,
        states={'readonly': Bool(Eval('locked'))})
    description = fields.Char(
        "Description", states={'readonly': Bool(Eval('locked'))})
    digest = fields.Char("SHA-256", readonly=True)
    size = fields.Integer("Size (bytes)", readonly=True)
    locked = fields.Boolean(
        "Submitted", readonly=True,
        help="Submitted documents are kept as they are; a correction is "
        "added as a new document.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # Whoever may not read the request may not read its documents.
        cls.__access__.add('request')
        cls._order = [('create_date', 'ASC'), ('id', 'ASC')]

    @classmethod
    def default_locked(cls):
        return False

    def get_rec_name(self, name):
        return f'{self.type.rec_name}: {self.filename}'

    @classmethod
    def _refuse_upload(cls, reason, message, filename='', log_size=None,
            **kwargs):
        "Log the refused upload (never its content) and raise UploadError"
        security_log.log_event('upload_refused', model=cls.__name__,
            detail=' '.join(f'{k}={v}' for k, v in [
                    ('reason', reason),
                    ('name', upload_check.display_filename(
                        filename, upload_check.MAX_FILENAME)),
                    ('size', log_size)] if v not in {None, ''}))
        raise UploadError(gettext(
                f'egov_app_request.{message}', filename=filename, **kwargs))

    @classmethod
    def _clean_filename(cls, filename, log_size=None):
        """The name kept: its base name, without control or bidi
        characters (upload_check.clean_filename); refused when nothing is
        left or when it is too long"""
        cleaned = upload_check.clean_filename(filename)
        if not cleaned:
            cls._refuse_upload('name_empty', 'msg_upload_filename_empty',
                filename=upload_check.display_filename(filename) or '-',
                log_size=log_size)
        if len(cleaned) > upload_check.MAX_FILENAME:
            cls._refuse_upload('name_length',
                'msg_upload_filename_too_long',
                filename=upload_check.display_filename(cleaned),
                log_size=log_size, length=len(cleaned),
                limit=upload_check.MAX_FILENAME)
        return cleaned

    @classmethod
    def _check_upload(cls, values):
        """Name, size, type (by content, archives inspected within limits)
        and the malware scanner; the values to store (clean name, digest,
        size). Each refusal is logged (security_log: upload_refused)."""
        pool = Pool()
        Configuration = pool.get('egov.configuration')
        data = values.get('file')
        values = values.copy()
        size = len(data) if data is not None else None
        if 'filename' in values or data is not None:
            values['filename'] = cls._clean_filename(
                values.get('filename') or '', log_size=size)
        if data is None:
            return values
        data = bytes(data)
        filename = values['filename']
        configuration = Configuration.cached()
        limit = configuration.max_upload_size * 1024 * 1024
        if not data:
            cls._refuse_upload('empty', 'msg_upload_empty',
                filename=filename, log_size=0)
        if len(data) > limit:
            cls._refuse_upload('size', 'msg_upload_too_large',
                filename=filename, log_size=len(data),
                size=configuration.max_upload_size)
        digest = hashlib.sha256(data).hexdigest()
        checked = Transaction().cache.setdefault(CHECKED_UPLOADS, set())
        if (digest, filename) not in checked:
            try:
                type_ok = upload_type_ok(filename, data, configuration)
            except upload_check.ArchiveLimit as exception:
                if exception.args[0] == 'entries':
                    cls._refuse_upload('archive_entries',
                        'msg_upload_archive_entries', filename=filename,
                        log_size=len(data),
                        limit=configuration.max_archive_entries)
                cls._refuse_upload('archive_size',
                    'msg_upload_archive_size', filename=filename,
                    log_size=len(data),
                    limit=configuration.max_archive_inflated_size)
            if not type_ok:
                cls._refuse_upload('type', 'msg_upload_type',
                    filename=filename, log_size=len(data))
            try:
                found = upload_check.scan(data)
            except (upload_check.ScannerUnavailable, ValueError) as error:
                logger.error("malware scanner %s: %s",
                    upload_check.scanner(), error)
                cls._refuse_upload('scanner_unavailable',
                    'msg_upload_scanner_unavailable', filename=filename,
                    log_size=len(data))
            if found:
                cls._refuse_upload(f'malware:{found}',
                    'msg_upload_malware', filename=filename,
                    log_size=len(data))
            checked.add((digest, filename))
        values['digest'] = digest
        values['size'] = len(data)
        return values

    @classmethod
    def _check_quotas(cls, additions):
        """Quotas of the e-Government configuration on the documents to
        add: `additions` is a list of (request id, size, replaced document
        id or None, file name). Per request: number and total size; per
        OPD: the total of the calendar day."""
        pool = Pool()
        Configuration = pool.get('egov.configuration')
        Request = pool.get('egov.request')
        if not additions:
            return
        with without_check_access():
            configuration = Configuration.cached()
            per_request = {}
            for request_id, size, replaced, name in additions:
                count, total, skip, names = per_request.setdefault(
                    request_id, [0, 0, set(), []])
                per_request[request_id] = [
                    count + (0 if replaced else 1), total + size,
                    skip | ({replaced} if replaced else set()),
                    names + [name]]
            by_opd = {}
            for request_id, (count, total, skip, names) in (
                    per_request.items()):
                filename = ', '.join(names)
                request = Request(request_id)
                existing = [d for d in cls.search(
                        [('request', '=', request_id)])
                    if d.id not in skip]
                if len(existing) + count > (
                        configuration.max_request_documents):
                    cls._refuse_upload('quota_count',
                        'msg_upload_quota_count', filename=filename,
                        log_size=total,
                        request=request.rec_name,
                        limit=configuration.max_request_documents)
                if sum(d.size or 0 for d in existing) + total > (
                        configuration.max_request_upload_size
                        * 1024 * 1024):
                    cls._refuse_upload('quota_request_size',
                        'msg_upload_quota_size', filename=filename,
                        log_size=total,
                        request=request.rec_name,
                        limit=configuration.max_request_upload_size)
                if request.opd:
                    by_opd.setdefault(request.opd, [0, []])
                    by_opd[request.opd][0] += total
                    by_opd[request.opd][1].extend(names)
            for opd, (total, names) in by_opd.items():
                if cls._uploaded_today(opd) + total > (
                        configuration.max_daily_upload_size * 1024 * 1024):
                    cls._refuse_upload('quota_daily', 'msg_upload_quota_daily',
                        filename=', '.join(names), log_size=total,
                        opd=opd.rec_name,
                        limit=configuration.max_daily_upload_size)

    @classmethod
    def _uploaded_today(cls, opd):
        "Bytes of the documents the OPD uploaded since midnight (local)"
        pool = Pool()
        Configuration = pool.get('egov.configuration')
        Request = pool.get('egov.request')
        zone = zoneinfo.ZoneInfo(Configuration.cached().timezone or 'UTC')
        midnight = dt.datetime.now(zone).replace(
            hour=0, minute=0, second=0, microsecond=0)
        since = midnight.astimezone(dt.timezone.utc).replace(tzinfo=None)
        document = cls.__table__()
        request = Request.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*document.join(request,
                condition=document.request == request.id
                ).select(Sum(Coalesce(document.size, 0)),
                where=(request.opd == opd.id)
                & (document.create_date >= since)))
        return cursor.fetchone()[0] or 0

    @classmethod
    def check_modification(cls, mode, documents, values=None,
            external=False):
        """Users add documents to a request the OPD still holds, never as
        submitted; nobody deletes a submitted document"""
        super().check_modification(
            mode, documents, values=values, external=external)
        if mode == 'create' and external:
            for document in documents:
                if document.locked:
                    raise ProtectedFieldError(gettext(
                            'egov_app_request.msg_protected_field_create',
                            field='locked'))
                if document.request.state not in OPD_STATES:
                    raise DocumentLockedError(gettext(
                            'egov_app_request.msg_document_request_locked',
                            request=document.request.rec_name))
        elif mode == 'delete':
            for document in documents:
                if document.locked:
                    raise DocumentLockedError(gettext(
                            'egov_app_request.msg_document_locked',
                            document=document.rec_name))

    @classmethod
    def create(cls, vlist):
        Throttle = Pool().get('egov.throttle')
        vlist = [cls._check_upload(v) for v in vlist]
        cls._check_quotas([
                (v['request'], v.get('size') or 0, None, v.get('filename'))
                for v in vlist if v.get('request')])
        Throttle.check('upload', amount=len(vlist), record=True,
            model=cls.__name__)
        return super().create(vlist)

    @classmethod
    def write(cls, *args):
        transaction = Transaction()
        actions = iter(args)
        args = []
        additions = []
        for documents, values in zip(actions, actions):
            # Checked here, not in check_modification: on the values as
            # sent, before the upload's check adds its digest and size,
            # and before a submitted document's new file is inspected.
            if transaction.user and transaction.check_access:
                if set(values) & {'locked', 'digest', 'size', 'request'}:
                    raise ProtectedFieldError(gettext(
                            'egov_app_request.msg_document_locked',
                            document=documents[0].rec_name))
                for document in documents:
                    if document.locked:
                        raise DocumentLockedError(gettext(
                                'egov_app_request.msg_document_locked',
                                document=document.rec_name))
            values = cls._check_upload(values)
            if values.get('file') is not None:
                additions.extend((d.request.id, values['size'], d.id,
                        values['filename']) for d in documents)
            args.extend((documents, values))
        cls._check_quotas(additions)
        if additions:
            Pool().get('egov.throttle').check('upload',
                amount=len(additions), record=True, model=cls.__name__)
        super().write(*args)


# Allowed uploads, recognised by their first bytes, not only their name.
_SIGNATURES = {
    'pdf': [b'%PDF-'],
    'png': [b'\x89PNG\r\n\x1a\n'],
    'jpg': [b'\xff\xd8\xff'],
    'jpeg': [b'\xff\xd8\xff'],
    # Office Open XML and OpenDocument files are ZIP archives.
    'docx': [b'PK\x03\x04'],
    'xlsx': [b'PK\x03\x04'],
    'odt': [b'PK\x03\x04'],
    'ods': [b'PK\x03\x04'],
    }
# The kinds of file an OPD may upload, as users read them, and their
# extensions: the check above, the portal's file choosers (accept=), its
# hints and its script read this one list.
FILE_TYPES = [
    ("PDF", ['pdf']),
    ("ODT/DOCX", ['odt', 'docx']),
    ("ODS/XLSX", ['ods', 'xlsx']),
    ("PNG", ['png']),
    ("JPG", ['jpg', 'jpeg']),
    ]
ALLOWED_EXTENSIONS = sorted(e for _, extensions in FILE_TYPES
    for e in extensions)


def file_types_text(conjunction="atau"):
    "The allowed kinds of file in words: 'PDF, ODT/DOCX, … PNG atau JPG'"
    names = [name for name, _ in FILE_TYPES]
    return f"{', '.join(names[:-1])} {conjunction} {names[-1]}"


def upload_type_ok(filename, data, configuration=None):
    """The extension is allowed and the content starts as such a file does;
    an archive is inspected within the configuration's limits (raises
    upload_check.ArchiveLimit)"""
    extension = filename.rsplit('.', 1)[-1].lower() if '.' in filename else ''
    signatures = _SIGNATURES.get(extension)
    if not signatures:
        return False
    if not any(data.startswith(s) for s in signatures):
        return False
    if extension in {'docx', 'xlsx', 'odt', 'ods'}:
        if configuration is None:
            entries = upload_check.ARCHIVE_ENTRIES
            size = upload_check.ARCHIVE_INFLATED_MB
        else:
            entries = configuration.max_archive_entries
            size = configuration.max_archive_inflated_size
        return _zip_kind_ok(extension, data, entries, size * 1024 * 1024)
    return True


def _zip_kind_ok(extension, data, max_entries, max_size):
    "Inflated by streaming, every member, within the limits (no bomb)"
    try:
        found, names = upload_check.inspect_zip(
            data, max_entries, max_size, wanted={'mimetype'})
    except upload_check.ArchiveLimit:
        raise
    except Exception:
        # Damaged, encrypted or otherwise unreadable: not an allowed file.
        return False
    if extension in {'odt', 'ods'}:
        mimetype = found.get('mimetype', b'').decode('ascii', 'replace')
        return mimetype == {
            'odt': 'application/vnd.oasis.opendocument.text',
            'ods': 'application/vnd.oasis.opendocument.spreadsheet',
            }[extension]
    return {'docx': 'word/document.xml',
        'xlsx': 'xl/workbook.xml'}[extension] in names
