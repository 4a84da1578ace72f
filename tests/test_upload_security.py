"""Uploads and throttling against a real trytond: file
names, quotas, compression bombs, the malware scanner and the throttle of
request creation and uploads, each found by the audit.

The malware scanner is the product's own clamd client (upload_check.py)
talking to a small clamd stand-in in this process (FakeClamd: the INSTREAM
protocol, FOUND for the EICAR test string). The server is configured with
`[egov] malware_scanner = clamd://127.0.0.1:PORT`.

The files tests raise the throttle limits of their database (they create
drafts quickly; throttling is not what they test). The throttle tests run
on a database of their own, with the default limits."""
import base64
import io
import re
import socketserver
import struct
import sys
import threading
import time
import zipfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dbbuild import new_database  # noqa: E402
import server  # noqa: E402
from server import RPCError  # noqa: E402
from test_portal_http import Visitor, documents_of  # noqa: E402

from egov_app_request.tests.tools import PDF  # noqa: E402

MB = 1024 * 1024
# The EICAR anti-virus test file (https://www.eicar.org), in two parts so
# that this file is not itself reported by a scanner.
EICAR = (b'X5O!P%@AP[4\\PZX54(P^)7CC)7}$' + b'EICAR-STANDARD-ANTIVIRUS-'
    b'TEST-FILE!$H+H*')

# --- A clamd stand-in --------------------------------------------------------

class FakeClamd:
    """clamd's INSTREAM on 127.0.0.1: 'stream: OK' or, when the stream holds
    the EICAR test string, 'stream: Eicar-Test-Signature FOUND'"""

    def __init__(self, port=0):
        scans = self.scans = []

        class Handler(socketserver.BaseRequestHandler):
            def handle(self):
                sock = self.request
                command = b''
                while not command.endswith(b'\0'):
                    received = sock.recv(1)
                    if not received:
                        return
                    command += received
                if command != b'zINSTREAM\0':
                    sock.sendall(b'UNKNOWN COMMAND\0')
                    return
                data = b''
                while True:
                    header = self._exact(4)
                    length, = struct.unpack('!L', header)
                    if not length:
                        break
                    data += self._exact(length)
                scans.append(len(data))
                if EICAR in data:
                    sock.sendall(b'stream: Eicar-Test-Signature FOUND\0')
                else:
                    sock.sendall(b'stream: OK\0')

            def _exact(self, size):
                buffer = b''
                while len(buffer) < size:
                    received = self.request.recv(size - len(buffer))
                    if not received:
                        raise ConnectionError('short read')
                    buffer += received
                return buffer

        class Server(socketserver.ThreadingTCPServer):
            allow_reuse_address = True
            daemon_threads = True

        self.server = Server(('127.0.0.1', port), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(
            target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


# --- Sites -------------------------------------------------------------------

def _start(prefix, clamd=None, relax=False):
    database = new_database(prefix)
    if clamd is not None:
        extra = database.directory / 'egov.conf'
        extra.write_text(
            f'[egov]\nmalware_scanner = clamd://127.0.0.1:{clamd.port}\n')
        database.configs.append(str(extra))
    # Served the production way (tests/dbbuild.py): the security log in a
    # file of its own, database.security_log.
    try:
        database.start()
    except RuntimeError:
        raise RuntimeError(database.server_log()[-3000:])
    database.base = database.url.rstrip('/') + '/' + database.name
    database.admin = database.client('admin')
    if relax:
        # Not about throttling: the tests create drafts and upload quickly.
        server.relax_throttle(database.admin)
    return database


@pytest.fixture(scope='module')
def clamd():
    server = FakeClamd()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(scope='module')
def site(clamd):
    database = None
    try:
        database = _start('egov_uploads', clamd=clamd, relax=True)
        database.clamd = clamd
        yield database
    finally:
        if database is not None:
            database.destroy()


@pytest.fixture(scope='module')
def throttle_site():
    database = None
    try:
        database = _start('egov_throttle')
        yield database
    finally:
        if database is not None:
            database.destroy()


ID = {'language': 'id'}


def opd(site, login):
    "A JSON-RPC client of an OPD user, its messages in Indonesian"
    client = site.client(login)
    call = client.call

    def call_id(method, *args, context=None):
        return call(method, *args, context=context or ID)
    client.call = call_id
    return client


def binary(data):
    return {'__class__': 'bytes',
        'base64': base64.b64encode(data).decode()}


def new_draft(site, login, title="Aplikasi Uji Unggah"):
    client = opd(site, login)
    request_id, = client.call('model.egov.request.create', [{
                'title': title, 'kind': 'new'}])
    return request_id


def upload(visitor, request_id, filename, content, type_id='1'):
    token = visitor.token(f'/portal/request/{request_id}')
    return visitor.post(f'/portal/request/{request_id}/upload',
        {'csrf_token': token, 'type': type_id},
        files={'file': (filename, content)})


def stored_names(site, request_id):
    "The names of the request's documents, in the order of its list"
    ids, _ = documents_of(site, request_id)
    return [d['filename'] for d in site.admin.read(
            'egov.request.document', ids, ['filename'])]


def refused_lines(site, since=0):
    "The upload_refused lines of the server log, after the first `since`"
    return [line for line in security_log(site).splitlines()
        if 'event=upload_refused' in line][since:]


def security_log(site):
    try:
        return site.security_log.read_text()
    except FileNotFoundError:
        return ''


def text_of(response):
    "The page's text without tags or entities, for the messages"
    import html
    return html.unescape(re.sub(r'<[^>]+>', ' ', response.text))


def bomb(kind, inflated=300 * MB, member=None):
    """An ODT or DOCX file of a few hundred KiB whose one member (`member`,
    else content.xml or word/document.xml) inflates to `inflated` bytes of
    zeros"""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, 'w', zipfile.ZIP_DEFLATED,
            compresslevel=9) as archive:
        if kind == 'odt':
            if member != 'mimetype':
                archive.writestr(zipfile.ZipInfo('mimetype'),
                    'application/vnd.oasis.opendocument.text')
            name = member or 'content.xml'
        else:
            archive.writestr('[Content_Types].xml', '<Types/>')
            name = member or 'word/document.xml'
        with archive.open(name, 'w', force_zip64=True) as member:
            block = b'\0' * MB
            for _ in range(inflated // MB):
                member.write(block)
    return buffer.getvalue()


# --- File names --------------------------------------------------------------

def test_portal_names_lose_nul_and_bidi_characters(site):
    "NUL and U+202E (right-to-left override) are not stored (audit)"
    draft = new_draft(site, 'kadis.dinkes')
    dinkes = Visitor(site).login('kadis.dinkes')
    for sent, kept in [
            ('surat\x00izin.pdf', 'suratizin.pdf'),
            ('laporan\u202efdp.pdf', 'laporanfdp.pdf'),
            ('/home/staf/Dokumen  KAK\u200f.pdf', 'Dokumen KAK.pdf'),
            ]:
        response = upload(dinkes, draft, sent, PDF)
        assert response.status == 303, (sent, response.status,
            text_of(response)[:500])
        names = stored_names(site, draft)
        assert names[-1] == kept, (sent, names)
        # The page shows the stored name.
        page = dinkes.get(f'/portal/request/{draft}')
        assert kept in text_of(page)
    for name in stored_names(site, draft):
        assert not any(c in name for c in '\x00\u202e\u200f/\\'), name


def test_rpc_name_without_path_or_bidi(site):
    "RPC stored ../../../x\\u202e.pdf as given (audit)"
    draft = new_draft(site, 'kadis.dinkes')
    dinkes = opd(site, 'kadis.dinkes')
    document, = dinkes.call('model.egov.request.document.create', [{
                'request': draft, 'type': 1, 'filename': '../../../x\u202e.pdf',
                'file': binary(PDF)}])
    read, = site.admin.call('model.egov.request.document.read', [document],
        ['filename'])
    assert read['filename'] == 'x.pdf'
    # Renaming is cleaned too.
    dinkes.call('model.egov.request.document.write', [document],
        {'filename': '..\\..\\etc\\passwd\x00.pdf'})
    read, = site.admin.call('model.egov.request.document.read', [document],
        ['filename'])
    assert read['filename'] == 'passwd.pdf'
    # Nothing left of a name: refused, with its own message.
    with pytest.raises(RPCError) as error:
        dinkes.call('model.egov.request.document.create', [{
                    'request': draft, 'type': 1, 'filename': '../\u202e\u2066',
                    'file': binary(PDF)}])
    assert 'tidak memuat karakter yang dapat dipakai' in str(error.value)


def test_long_name_has_its_own_message(site):
    "A 300-character name was refused with a message about the file type"
    draft = new_draft(site, 'kadis.dinkes')
    before = stored_names(site, draft)
    name = 'a' * 296 + '.pdf'
    dinkes = Visitor(site).login('kadis.dinkes')
    response = upload(dinkes, draft, name, PDF)
    assert response.status == 422
    text = text_of(response)
    assert '300 karakter' in text and 'batas 150 karakter' in text, text
    assert 'tidak diizinkan' not in text
    assert stored_names(site, draft) == before
    with pytest.raises(RPCError) as error:
        opd(site, 'kadis.dinkes').call(
            'model.egov.request.document.create', [{
                    'request': draft, 'type': 1, 'filename': name,
                    'file': binary(PDF)}])
    assert 'batas 150 karakter' in str(error.value)
    assert stored_names(site, draft) == before
    line = refused_lines(site)[-1]
    assert 'reason=name_length' in line and 'user=kadis.dinkes' in line


# --- Quotas ------------------------------------------------------------------

def test_quota_of_documents_and_size_per_request(site):
    "10 x 3 MB went to one draft in a second (audit)"
    draft = new_draft(site, 'kadis.dinkes')
    dinkes = Visitor(site).login('kadis.dinkes')
    big = PDF + b'0' * (3 * MB - len(PDF))
    statuses = [upload(dinkes, draft, f'lampiran-{i}.pdf', big).status
        for i in range(10)]
    # The default total per request is 25 MB: 8 files of 3 MB.
    assert statuses == [303] * 8 + [422] * 2, statuses
    assert len(stored_names(site, draft)) == 8
    response = upload(dinkes, draft, 'lampiran-x.pdf', big)
    assert 'paling besar 25 MB' in text_of(response)
    assert 'reason=quota_request_size' in refused_lines(site)[-1]

    site.admin.call('model.egov.configuration.write', [1],
        {'max_request_documents': 9})
    try:
        assert upload(dinkes, draft, 'kecil-1.pdf', PDF).status == 303
        response = upload(dinkes, draft, 'kecil-2.pdf', PDF)
        assert response.status == 422
        assert 'paling banyak memuat 9 dokumen' in text_of(response)
        assert len(stored_names(site, draft)) == 9
        # Over RPC as well.
        with pytest.raises(RPCError) as error:
            opd(site, 'kadis.dinkes').call(
                'model.egov.request.document.create', [{
                        'request': draft, 'type': 1, 'filename': 'k.pdf',
                        'file': binary(PDF)}])
        assert 'paling banyak memuat 9 dokumen' in str(error.value)
        assert len(stored_names(site, draft)) == 9
    finally:
        site.admin.call('model.egov.configuration.write', [1],
            {'max_request_documents': 20})


def test_daily_quota_per_opd(site):
    "The uploads of one OPD in a day have a total, over all its requests"
    # Dinas Perhubungan has uploaded nothing in this database.
    first = new_draft(site, 'kabid.dishub', "Aplikasi Parkir")
    second = new_draft(site, 'kabid.dishub', "Aplikasi Terminal")
    site.admin.call('model.egov.configuration.write', [1],
        {'max_daily_upload_size': 1})
    try:
        dishub = Visitor(site).login('kabid.dishub')
        part = PDF + b'0' * (700 * 1024)
        assert upload(dishub, first, 'parkir.pdf', part).status == 303
        response = upload(dishub, second, 'terminal.pdf', part)
        assert response.status == 422
        assert 'batas unggahan harian 1 MB' in text_of(response)
        assert stored_names(site, second) == []
        line = refused_lines(site)[-1]
        assert 'reason=quota_daily' in line and 'terminal.pdf' in line
        # Another OPD (nothing uploaded today) is not concerned.
        camat = Visitor(site).login('camat.cipondoh')
        draft = new_draft(site, 'camat.cipondoh', "Aplikasi Kecamatan")
        assert upload(camat, draft, 'lain.pdf', part).status == 303
    finally:
        site.admin.call('model.egov.configuration.write', [1],
            {'max_daily_upload_size': 200})


# --- Compression bombs -------------------------------------------------------

@pytest.mark.parametrize('kind,member', [
        ('odt', None), ('odt', 'mimetype'), ('docx', None)])
def test_compression_bomb_refused(site, kind, member):
    """A 298 KiB ODT inflating to 300 MiB took 5.4 s and 480 MB before its
    refusal; the same as DOCX was stored (audit)"""
    data = bomb(kind, member=member)
    assert len(data) < 400 * 1024
    draft = new_draft(site, 'kadis.dinkes')
    dinkes = Visitor(site).login('kadis.dinkes')
    start = time.monotonic()
    response = upload(dinkes, draft, f'bom.{kind}', data)
    elapsed = time.monotonic() - start
    assert response.status == 422, response.status
    text = text_of(response)
    assert 'melebihi 100 MB setelah diekstrak' in text, text[:2000]
    assert stored_names(site, draft) == []
    assert 'reason=archive_size' in refused_lines(site)[-1]
    # Stopped at the limit, not after inflating everything.
    assert elapsed < 5, elapsed
    # An ordinary file of this kind, 20 MB inflated, goes in.
    response = upload(dinkes, draft, f'kak.{kind}', bomb(kind, 20 * MB))
    assert response.status == 303, text_of(response)[:1000]
    assert stored_names(site, draft) == [f'kak.{kind}']


def test_archive_entry_count_limit(site):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, 'w') as archive:
        archive.writestr('word/document.xml', '<w/>')
        for i in range(1200):
            archive.writestr(f'word/media/{i}.xml', '')
    draft = new_draft(site, 'kadis.dinkes')
    response = upload(Visitor(site).login('kadis.dinkes'), draft,
        'banyak.docx', buffer.getvalue())
    assert response.status == 422
    assert 'lebih dari 1000 berkas' in text_of(response)
    assert stored_names(site, draft) == []


# --- Malware -----------------------------------------------------------------

def test_eicar_refused_logged_and_not_stored(site):
    "The EICAR test string inside a PDF was stored (audit)"
    infected = PDF.replace(b'%%EOF', b'% ' + EICAR + b'\n%%EOF')
    draft = new_draft(site, 'kadis.dinkes')
    dinkes = Visitor(site).login('kadis.dinkes')
    scans = len(site.clamd.scans)
    response = upload(dinkes, draft, 'surat-eicar.pdf', infected)
    assert response.status == 422
    assert 'pemindai malware menemukan ancaman' in text_of(response)
    assert stored_names(site, draft) == []
    # The server's clamd client sent the file to the scanner.
    assert len(site.clamd.scans) == scans + 1
    assert site.clamd.scans[-1] == len(infected)
    line = refused_lines(site)[-1]
    assert 'reason=malware:Eicar-Test-Signature' in line
    assert 'name=surat-eicar.pdf' in line and f'size={len(infected)}' in line
    assert 'user=kadis.dinkes' in line
    assert 'EICAR-STANDARD' not in security_log(site)
    assert 'EICAR-STANDARD' not in site.server_log()
    # In the new-request form: no request is saved either.
    count = site.admin.call('model.egov.request.search_count', [])
    token = dinkes.token('/portal/new')
    response = dinkes.post('/portal/new', {
            'csrf_token': token, 'kind': 'new', 'title': "Aplikasi Virus",
            'action': 'draft'}, files={'doc_1': ('virus.pdf', infected)})
    assert response.status == 422
    assert site.admin.call('model.egov.request.search_count', []) == count
    # Over RPC.
    with pytest.raises(RPCError) as error:
        opd(site, 'kadis.dinkes').call(
            'model.egov.request.document.create', [{
                    'request': draft, 'type': 1, 'filename': 'v.pdf',
                    'file': binary(infected)}])
    assert 'pemindai malware' in str(error.value)
    assert stored_names(site, draft) == []
    # A clean file is scanned and goes in.
    assert upload(dinkes, draft, 'bersih.pdf', PDF).status == 303
    assert stored_names(site, draft) == ['bersih.pdf']


def test_scanner_unreachable_fails_closed(site):
    "A configured scanner that does not answer refuses the upload"
    draft = new_draft(site, 'kadis.dinkes')
    dinkes = Visitor(site).login('kadis.dinkes')
    port = site.clamd.port
    site.clamd.close()
    try:
        response = upload(dinkes, draft, 'surat.pdf', PDF)
        assert response.status == 422
        assert 'belum dapat diperiksa dari malware' in text_of(response)
        assert stored_names(site, draft) == []
        assert 'reason=scanner_unavailable' in refused_lines(site)[-1]
    finally:
        site.clamd = FakeClamd(port)
    assert upload(dinkes, draft, 'surat.pdf', PDF).status == 303


# --- Throttling --------------------------------------------------------------

def throttled_lines(site):
    return [line for line in security_log(site).splitlines()
        if 'event=throttled' in line]


def test_request_creation_burst_throttled(throttle_site):
    "One account created 30 drafts in 0.8 s (audit)"
    site = throttle_site
    staf = opd(site, 'staf.dinkes')
    before = site.admin.call('model.egov.request.search_count', [])
    created, refusal = 0, None
    for i in range(30):
        try:
            staf.call('model.egov.request.create', [{
                        'title': f"Aplikasi Beruntun {i}", 'kind': 'new'}])
            created += 1
        except RPCError as error:
            refusal = error
            break
    # The default: 5 a minute per account.
    assert created == 5
    assert refusal is not None and refusal.args[0] == 'UserError'
    assert 'Terlalu banyak permohonan dibuat' in str(refusal)
    assert 'untuk setiap akun' in str(refusal)
    assert site.admin.call(
        'model.egov.request.search_count', []) == before + 5
    assert any('user=staf.dinkes' in line and 'model=egov.request' in line
        for line in throttled_lines(site))
    # The portal answers 429 with the message, and saves nothing.
    visitor = Visitor(site).login('staf.dinkes')
    token = visitor.token('/portal/new')
    response = visitor.post('/portal/new', {
            'csrf_token': token, 'kind': 'new', 'title': "Aplikasi Portal",
            'action': 'draft'})
    assert response.status == 429
    assert 'Terlalu banyak permohonan dibuat' in text_of(response)
    assert site.admin.call(
        'model.egov.request.search_count', []) == before + 5
    # Another account from the same address is not held by this one...
    kadis = opd(site, 'kadis.dinkes')
    kadis.call('model.egov.request.create', [{'title': "A", 'kind': 'new'}])
    # ...until the address's own limit: 6 were created from it.
    site.admin.call('model.egov.configuration.write', [1],
        {'throttle_requests_ip': 7})
    try:
        kadis.call('model.egov.request.create', [{
                    'title': "B", 'kind': 'new'}])
        with pytest.raises(RPCError) as error:
            kadis.call('model.egov.request.create', [{
                        'title': "C", 'kind': 'new'}])
        assert 'dari setiap alamat jaringan' in str(error.value)
    finally:
        site.admin.call('model.egov.configuration.write', [1],
            {'throttle_requests_ip': 20})


def test_upload_burst_throttled(throttle_site):
    "Uploads in a burst: refused with 429 after the limit"
    site = throttle_site
    drafts = site.data['draft']
    draft = drafts[0]
    dinkes = Visitor(site).login('kadis.dinkes')
    before = len(stored_names(site, draft))
    # Not about the quota of documents per request.
    site.admin.call('model.egov.configuration.write', [1],
        {'max_request_documents': 100})
    statuses = [upload(dinkes, draft, f'b{i}.pdf', PDF).status
        for i in range(24)]
    # The default: 20 a minute per account.
    assert statuses == [303] * 20 + [429] * 4, statuses
    assert len(stored_names(site, draft)) == before + 20
    response = upload(dinkes, draft, 'lagi.pdf', PDF)
    assert response.status == 429
    assert 'Terlalu banyak dokumen diunggah' in text_of(response)
    assert any('user=kadis.dinkes' in line
        and 'model=egov.request.document' in line
        for line in throttled_lines(site))
    # Over RPC as well.
    with pytest.raises(RPCError) as error:
        opd(site, 'kadis.dinkes').call(
            'model.egov.request.document.create', [{
                    'request': draft, 'type': 1, 'filename': 'r.pdf',
                    'file': binary(PDF)}])
    assert 'Terlalu banyak dokumen diunggah' in str(error.value)
