"""What an uploaded file must pass before it is stored:
a clean name, archives (ODT/ODS/DOCX/XLSX are ZIP files) inspected by
streaming within limits, and the malware scanner.

The scanner is set in the trytond configuration::

    [egov]
    malware_scanner = clamd:///run/clamav/clamd.ctl
    # or clamd://127.0.0.1:3310, or eicar (the EICAR test signature only,
    # for the demo and the tests); empty: no scan

A configured scanner that cannot be reached refuses the upload (fail
closed)."""
import io
import re
import socket
import struct
import unicodedata
import zipfile
from urllib.parse import unquote, urlsplit

from trytond import config

#: The longest file name kept (characters, extension included).
MAX_FILENAME = 150

#: Default limits of an archive (e-Government configuration).
ARCHIVE_ENTRIES = 1000
ARCHIVE_INFLATED_MB = 100

#: Bytes inflated per read when an archive is inspected.
CHUNK = 64 * 1024

#: The EICAR anti-virus test file (https://www.eicar.org), split so that
#: this source file is not itself reported by a scanner.
EICAR = (b'X5O!P%@AP[4\\PZX54(P^)7CC)7}$' + b'EICAR-STANDARD-ANTIVIRUS-'
    b'TEST-FILE!$H+H*')

_SPACES = re.compile(r'\s+')


def clean_filename(name):
    """The base name of `name` without path parts, control, format (bidi)
    or surrogate characters, whitespace collapsed; '' when nothing is left.

    Not truncated: a name longer than MAX_FILENAME is refused by the
    caller, with its own message."""
    name = str(name or '')
    # Keep what follows the last separator of any system.
    name = re.split(r'[/\\]', name)[-1]
    kept = []
    for char in name:
        category = unicodedata.category(char)
        if category in {'Cc', 'Cf', 'Cs', 'Co', 'Cn'}:
            # Controls (NUL, newlines...), format characters (U+202A-U+202E,
            # U+2066-U+2069, U+200E/U+200F, zero width...), surrogates,
            # private and unassigned code points.
            if category == 'Cc' and char in '\t\n\r\x0b\x0c':
                kept.append(' ')
            continue
        if category.startswith('Z'):
            kept.append(' ')
            continue
        kept.append(char)
    name = _SPACES.sub(' ', ''.join(kept)).strip()
    # Windows drops trailing dots and spaces; '.' and '..' are not names.
    name = name.rstrip('. ')
    return name


def display_filename(name, width=60):
    """A name to show back to the user (a message, the log), cleaned and,
    when long, cut in the middle so that its extension stays visible"""
    name = clean_filename(name)
    if len(name) > width:
        tail = max(width // 4, 1)
        name = name[:width - tail - 1] + '…' + name[-tail:]
    return name


# --- Archives ----------------------------------------------------------------

class ArchiveLimit(Exception):
    "The archive has too many entries or inflates beyond the limit"


def inspect_zip(data, max_entries, max_size, wanted=()):
    """Inflate every member of the ZIP archive `data` by CHUNK bytes,
    counting what really comes out (the sizes the archive declares are not
    trusted), and stop as soon as more than `max_size` bytes or
    `max_entries` entries are met.

    Returns ({name: content} of the members named in `wanted`, at most 4 KiB
    each, the names of all members). Raises ArchiveLimit over a limit and
    zipfile.BadZipFile (or another error) for a damaged archive."""
    found = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = archive.infolist()
        if len(infos) > max_entries:
            raise ArchiveLimit('entries')
        total = 0
        for info in infos:
            if info.is_dir():
                continue
            keep = info.filename in wanted
            kept = []
            with archive.open(info) as member:
                while True:
                    chunk = member.read(CHUNK)
                    if not chunk:
                        break
                    total += len(chunk)
                    if total > max_size:
                        raise ArchiveLimit('size')
                    if keep and sum(map(len, kept)) < 4096:
                        kept.append(chunk)
            if keep:
                found[info.filename] = b''.join(kept)[:4096]
        return found, {i.filename for i in infos}


# --- Malware scanner ---------------------------------------------------------

class ScannerUnavailable(Exception):
    "The configured scanner could not be reached or did not answer"


def scanner():
    "The configured scanner ('' when none)"
    return (config.get('egov', 'malware_scanner', default='') or '').strip()


def scan(data, url=None):
    """None when `data` is clean, else the name of what was found.

    Raises ScannerUnavailable when the scanner cannot give an answer, and
    ValueError for a scanner setting that is not understood."""
    url = scanner() if url is None else url
    if not url:
        return None
    if url == 'eicar':
        return 'Eicar-Test-Signature' if EICAR in data else None
    parts = urlsplit(url)
    if parts.scheme != 'clamd':
        raise ValueError(f'unknown malware scanner: {url}')
    if parts.hostname:
        address = (parts.hostname, parts.port or 3310)
        family = socket.AF_INET6 if ':' in parts.hostname else socket.AF_INET
    else:
        address = unquote(parts.path)
        family = socket.AF_UNIX
    return clamd_instream(family, address, data)


def clamd_instream(family, address, data, timeout=None):
    """Send `data` to clamd with the INSTREAM command (clamd(8)): chunks
    prefixed by their length (4 bytes, network order), a zero-length chunk
    to end; the answer is 'stream: OK' or 'stream: NAME FOUND'."""
    if timeout is None:
        timeout = config.getfloat('egov', 'malware_scanner_timeout',
            default=30)
    try:
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            sock.connect(address)
            sock.sendall(b'zINSTREAM\0')
            view = memoryview(data)
            for start in range(0, len(view), CHUNK):
                chunk = view[start:start + CHUNK]
                sock.sendall(struct.pack('!L', len(chunk)) + chunk)
            sock.sendall(struct.pack('!L', 0))
            answer = b''
            while not answer.endswith(b'\0'):
                received = sock.recv(4096)
                if not received:
                    break
                answer += received
                if len(answer) > 65536:
                    break
    except OSError as exception:
        raise ScannerUnavailable(str(exception)) from exception
    text = answer.rstrip(b'\0').decode('utf-8', 'replace').strip()
    if text.endswith(' FOUND'):
        found = text[:-len(' FOUND')]
        return found.split(':', 1)[-1].strip() or 'malware'
    if text.endswith(': OK') or text == 'OK':
        return None
    # 'INSTREAM size limit exceeded. ERROR' and any other answer.
    raise ScannerUnavailable(text or 'no answer')


__all__ = ['MAX_FILENAME', 'EICAR', 'clean_filename', 'display_filename',
    'ArchiveLimit', 'inspect_zip', 'ScannerUnavailable', 'scanner', 'scan',
    'clamd_instream']
