"""Uploaded files kept outside the web root: what every kind of stored document shares.

Accepted files: PDF, DOCX, XLSX, ODT, ODS, PNG, JPEG, TXT and CSV. A file must have one of
these extensions *and* content that matches it (the first bytes, or the archive entries of the
office formats): a renamed executable is refused. The size limit is the app setting
``SAMVERKAN_DOCUMENT_MAX_BYTES`` (default 20 MB, never above ``MAX_CONTENT_LENGTH``).

The bytes are stored under ``<root>/<tenant id>/<storage key>``, where the root is the app
setting ``SAMVERKAN_DOCUMENT_PATH`` (default ``<instance>/documents``) and the key is random,
never the user's file name. A file written for a transaction that rolls back is deleted; a file
given to :func:`discard` is deleted once the transaction is committed.

The functions that refuse a file raise the caller's domain error class (``error``), so each
domain keeps its own errors; the field is always ``file``.
"""

from __future__ import annotations

import hashlib
import io
import secrets
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from flask import Response, current_app, send_file
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import event
from sqlalchemy.orm import Session

from samverkan.platform.db import db
from samverkan.platform.i18n import format_number
from samverkan.platform.services import DomainError

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
FILENAME_LENGTH = 255

_WRITTEN = "samverkan_files_written"  # session.info keys: files to undo / to delete
_DISCARDED = "samverkan_files_discarded"


# --- recognising a file ----------------------------------------------------------------------


def _zip_entries(data: bytes) -> tuple[list[str], bytes] | None:
    """The entry names of a ZIP archive and the content of its ``mimetype`` entry, if any."""
    if not data.startswith(b"PK\x03\x04"):
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            mimetype = archive.read("mimetype")[:100] if "mimetype" in names else b""
            return names, mimetype
    except (zipfile.BadZipFile, OSError, ValueError, KeyError, NotImplementedError):
        return None


def _ooxml(folder: str) -> Callable[[bytes], bool]:
    def check(data: bytes) -> bool:
        entries = _zip_entries(data)
        return entries is not None and "[Content_Types].xml" in entries[0] and any(
            name.startswith(folder) for name in entries[0])
    return check


def _opendocument(mimetype: bytes) -> Callable[[bytes], bool]:
    def check(data: bytes) -> bool:
        # The first entry of an OpenDocument package is "mimetype", naming the format.
        entries = _zip_entries(data)
        return entries is not None and entries[0][:1] == ["mimetype"] and entries[1] == mimetype
    return check


def _text(data: bytes) -> bool:
    """Plain text: no NUL bytes, no control characters but tab, line breaks and form feed."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    return not any(ord(ch) < 32 and ch not in "\t\n\r\f" for ch in text)


@dataclass(frozen=True)
class FileKind:
    label: str
    content_type: str
    matches: Callable[[bytes], bool]


FILE_KINDS: dict[str, FileKind] = {
    "pdf": FileKind("PDF", "application/pdf", lambda data: data.startswith(b"%PDF-")),
    "docx": FileKind("DOCX", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                     _ooxml("word/")),
    "xlsx": FileKind("XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     _ooxml("xl/")),
    "odt": FileKind("ODT", "application/vnd.oasis.opendocument.text",
                    _opendocument(b"application/vnd.oasis.opendocument.text")),
    "ods": FileKind("ODS", "application/vnd.oasis.opendocument.spreadsheet",
                    _opendocument(b"application/vnd.oasis.opendocument.spreadsheet")),
    "png": FileKind("PNG", "image/png", lambda data: data.startswith(b"\x89PNG\r\n\x1a\n")),
    "jpg": FileKind("JPEG", "image/jpeg", lambda data: data.startswith(b"\xff\xd8\xff")),
    "jpeg": FileKind("JPEG", "image/jpeg", lambda data: data.startswith(b"\xff\xd8\xff")),
    "txt": FileKind("TXT", "text/plain", _text),
    "csv": FileKind("CSV", "text/csv", _text),
}
ACCEPTED = ", ".join(dict.fromkeys(kind.label for kind in FILE_KINDS.values()))
ACCEPT_ATTRIBUTE = ",".join(f".{extension}" for extension in FILE_KINDS)


def clean_filename(name: str | None) -> str:
    """The file's own name, without folders or control characters, at most 255 characters
    (the extension kept)."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in unicodedata.normalize("NFC", name)
                   if unicodedata.category(ch)[0] != "C").strip().strip(".")
    if len(name) > FILENAME_LENGTH:
        stem, dot, extension = name.rpartition(".")
        keep = FILENAME_LENGTH - len(extension) - 1
        name = f"{stem[:keep]}.{extension}" if dot and 0 < len(extension) < 10 else name[:FILENAME_LENGTH]
    return name


def recognise(filename: str, data: bytes, error: type[DomainError]) -> FileKind:
    """The kind of an accepted file, or ``error`` on the ``file`` field."""
    extension = filename.rpartition(".")[2].lower() if "." in filename else ""
    kind = FILE_KINDS.get(extension)
    if kind is None:
        raise error("file", "type", _l(
            "This type of file is not accepted. Accepted: %(types)s.", types=ACCEPTED))
    if not kind.matches(data):
        raise error("file", "content", _l(
            "The content of the file is not %(type)s, as its name says. Save it again as %(type)s "
            "and upload that file.", type=kind.label))
    return kind


# --- settings --------------------------------------------------------------------------------


def max_bytes() -> int:
    configured = current_app.config.get("SAMVERKAN_DOCUMENT_MAX_BYTES") or DEFAULT_MAX_BYTES
    request_limit = current_app.config.get("MAX_CONTENT_LENGTH")
    return min(int(configured), int(request_limit)) if request_limit else int(configured)


def megabytes(size: int) -> str:
    """A size in MB for messages: ``20``, ``2.5``."""
    return f"{size / 1024 / 1024:.1f}".removesuffix(".0")


def size_label(size: int) -> str:
    """A file size for people: bytes, kB or MB."""
    if size < 1024:
        return _("%(size)s bytes", size=size)
    if size < 1024 * 1024:
        return _("%(size)s kB", size=format_number(size / 1024, 0))
    return _("%(size)s MB", size=format_number(size / 1024 / 1024, 1))


def document_root() -> Path:
    configured = current_app.config.get("SAMVERKAN_DOCUMENT_PATH")
    return Path(configured) if configured else Path(current_app.instance_path) / "documents"


def stored_path(tenant_id: int, storage_key: str, root: Path | None = None) -> Path:
    """Where the file of a tenant's document with this key is (or would be) stored."""
    return (root or document_root()) / str(tenant_id) / storage_key


# --- reading an upload -----------------------------------------------------------------------


@dataclass(frozen=True)
class Upload:
    """An uploaded file that was read within the limit and recognised."""

    filename: str
    data: bytes
    kind: FileKind

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def read_limited(file_storage, limit: int, error: type[DomainError]) -> bytes:
    """At most ``limit`` bytes of an upload, or ``error`` when it is missing, empty or larger."""
    stream = getattr(file_storage, "stream", None)
    if stream is None:
        raise error("file", "required", _l("Choose a file to upload."))
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise error("file", "too_large", _l(
            "The file is too large: at most %(size)s MB.", size=megabytes(limit)))
    if not data:
        raise error("file", "empty", _l("The file is empty."))
    return data


def read_upload(file_storage, error: type[DomainError]) -> Upload:
    """Name, bytes and kind of an uploaded file (a werkzeug ``FileStorage``), checked: a name,
    the size limit, an accepted type whose content matches it."""
    filename = clean_filename(getattr(file_storage, "filename", None)) if file_storage else ""
    if not filename:
        raise error("file", "required", _l("Choose a file to upload."))
    data = read_limited(file_storage, max_bytes(), error)
    return Upload(filename=filename, data=data, kind=recognise(filename, data, error))


# --- storing and deleting --------------------------------------------------------------------


def new_storage_key() -> str:
    return secrets.token_hex(16)


def store(path: Path, data: bytes) -> None:
    """Write a new file; it is deleted again if the session's transaction rolls back."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("xb") as target:
        target.write(data)
    db.session.info.setdefault(_WRITTEN, []).append(path)


def discard(path: Path) -> None:
    """Delete the file once the session's transaction is committed (never before)."""
    db.session.info.setdefault(_DISCARDED, []).append(path)


def existing(path: Path) -> Path | None:
    """The path of a stored file, or None when it is not there."""
    return path if path.is_file() else None


def download(path: Path, content_type: str, filename: str) -> Response:
    """A stored file as a download: always an attachment with the stored content type and
    ``nosniff``, never cached, sandboxed, so a browser never renders it as a page of the site."""
    response = send_file(path, mimetype=content_type, as_attachment=True, download_name=filename,
                         max_age=0, conditional=False, etag=False)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    session.info.pop(_WRITTEN, None)
    for path in session.info.pop(_DISCARDED, []):
        path.unlink(missing_ok=True)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_DISCARDED, None)
    for path in session.info.pop(_WRITTEN, []):
        path.unlink(missing_ok=True)
