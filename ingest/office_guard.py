"""Checks an Office file passes before any parser opens it: what container it really is, zip
bombs, and password protection (the one file that imports ``msoffcrypto``).

Why these checks come first: python-docx, python-pptx and openpyxl trust the zip directory and
LibreOffice trusts the bytes, so a file that expands to gigabytes or that needs a password has to
be turned away here, with one sentence, before it costs memory, minutes or a confusing error.

- Container: OOXML and OpenDocument files are zip archives; legacy .doc/.xls/.ppt and
  *encrypted* OOXML files are OLE compound files (magic ``D0 CF 11 E0``). A file is routed by
  what it is, not by its extension (a .doc that is really a .docx still reads).
- Zip bombs: the declared sizes in the zip directory are summed before anything is inflated;
  Python's zipfile (which python-docx, python-pptx and openpyxl read through) never returns more
  than an entry's declared size, so the declared sizes bound what those parsers can inflate.
  LibreOffice reads the zip itself: it runs in a child process under a time, memory and output
  limit (``ingest.libreoffice``).
- Passwords: msoffcrypto-tool (maintained, reads every Office encryption scheme) says whether an
  OLE file is encrypted. An .xls "protected" only against editing is encrypted with Excel's
  published default password (``VelvetSweatshop``) and opens normally; anything else is
  "protected by a password", as PDFs say.
- XML entity tricks: Office XML never declares a DTD, so a part whose prolog does is refused
  here. Behind that, python-docx and python-pptx parse with ``resolve_entities=False`` and openpyxl
  parses through defusedxml when it is installed (a dependency for that reason), which refuses
  entity declarations. ``tests/test_office.py`` checks the refusal.
"""

from __future__ import annotations

import io
import logging
import zipfile
import zlib
from dataclasses import dataclass

import msoffcrypto
from msoffcrypto.exceptions import DecryptionError, FileFormatError, InvalidKeyError

from retrieval.errors import IngestError

log = logging.getLogger(__name__)

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
#: what a zip may expand to: generous for real files (the largest xlsx of POI's test data
#: declares 60 MB), far below what would hurt a 24 GB machine
MAX_UNCOMPRESSED = 512 * 2**20
#: an archive this much larger inflated than packed, past SUSPICIOUS_SIZE, is a bomb
MAX_RATIO = 200
SUSPICIOUS_SIZE = 32 * 2**20
MAX_ENTRIES = 20_000
PROLOG_BYTES = 65536
#: Excel's built-in password for workbooks protected only against changes
EXCEL_DEFAULT_PASSWORD = "VelvetSweatshop"

PROTECTED = "the file is protected by a password; upload an unprotected copy"


@dataclass(frozen=True)
class Container:
    kind: str  # zip | ole | other
    raw: bytes  # the bytes to parse: the file, or its decrypted form (default password)


def check_zip(name: str, raw: bytes) -> None:
    """Refuse a damaged zip or a zip bomb before any parser inflates it."""
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as e:
        raise IngestError(name, "the file is damaged (its zip container cannot be read: "
                                f"{e})") from e
    if len(entries) > MAX_ENTRIES:
        raise IngestError(name, f"the file holds {len(entries):,} parts, more than the "
                                f"{MAX_ENTRIES:,} an Office file needs; it was refused")
    _refuse_entities(name, raw, entries)
    total = sum(max(e.file_size, 0) for e in entries)
    if total > MAX_UNCOMPRESSED or (total > SUSPICIOUS_SIZE
                                    and total > MAX_RATIO * max(len(raw), 1)):
        raise IngestError(name, f"the file would expand to {total / 2**20:,.0f} MB "
                                f"({total / max(len(raw), 1):,.0f} times its size), which "
                                "looks like a zip bomb; it was refused")


def _refuse_entities(name: str, raw: bytes, entries: list[zipfile.ZipInfo]) -> None:
    """Office XML never declares a DTD; one that does is an entity attack (billion laughs,
    external entities). Looked for in each XML part's prolog, before any parser sees it."""
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        for entry in entries:
            if not entry.filename.lower().endswith((".xml", ".rels", ".vml")):
                continue
            try:
                with archive.open(entry) as part:
                    head = part.read(PROLOG_BYTES)
            except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError,
                    RuntimeError, zlib.error):
                continue  # a damaged part: the parser will say so
            if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                raise IngestError(name, "the file's XML declares entities, which docqa refuses "
                                        "(a known attack on XML parsers)")


def _encrypted(raw: bytes) -> msoffcrypto.OfficeFile | None:
    try:
        office = msoffcrypto.OfficeFile(io.BytesIO(raw))
        return office if office.is_encrypted() else None
    except Exception as e:  # msoffcrypto reads damaged files loosely; the parser will judge
        log.info("encryption check failed (%s); treating the file as unencrypted", e)
        return None


def _default_password(office: msoffcrypto.OfficeFile) -> bytes | None:
    """The decrypted file when it only uses Excel's default password, else None."""
    out = io.BytesIO()
    try:
        office.load_key(password=EXCEL_DEFAULT_PASSWORD)
        office.decrypt(out)
    except (DecryptionError, InvalidKeyError, FileFormatError, AssertionError):
        return None
    except Exception as e:
        log.info("default-password check failed: %s", e)
        return None
    data = out.getvalue()
    return data or None


def open_container(name: str, raw: bytes) -> Container:
    """What ``raw`` is, checked: a zip that is no bomb, an OLE file that needs no password
    (decrypted when only the default password protects it), or text-like content (RTF, HTML,
    XML, CSV, which LibreOffice sniffs itself); anything else is refused."""
    if raw.startswith(ZIP_MAGIC) or raw.startswith(b"PK\x05\x06"):
        check_zip(name, raw)
        return Container("zip", raw)
    if raw.startswith(OLE_MAGIC):
        office = _encrypted(raw)
        if office is None:
            return Container("ole", raw)
        decrypted = _default_password(office)
        if decrypted is None:
            raise IngestError(name, PROTECTED)
        if decrypted.startswith(ZIP_MAGIC):
            check_zip(name, decrypted)
            return Container("zip", decrypted)
        return Container("ole", raw)  # a legacy .xls: LibreOffice applies the default itself
    if not _text_like(raw):
        raise IngestError(name, "this is not an Office file (its content is of another kind, "
                                "or it is damaged beyond recognition)")
    return Container("other", raw)


def _text_like(raw: bytes) -> bool:
    """RTF, HTML, XML (Word 2003 XML, flat OpenDocument) or CSV saved under an Office name,
    which LibreOffice reads; random or unknown binary content is not worth converting."""
    head = raw[:4096]
    if head.startswith((b"{\\rtf", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return True
    if b"\0" in head:
        return False
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    return controls <= len(head) // 50
