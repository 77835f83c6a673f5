"""Documents attached to an agreement: the signed agreement, appendices, minutes.

Accepted files: PDF, DOCX, XLSX, ODT, ODS, PNG, JPEG, TXT and CSV. A file must have one of
these extensions *and* content that matches it (the first bytes, or the archive entries of the
office formats): a renamed executable is refused. The size limit is the app setting
``SAMVERKAN_DOCUMENT_MAX_BYTES`` (default 20 MB, never above ``MAX_CONTENT_LENGTH``).

The bytes are stored outside the web root, under ``<root>/<tenant id>/<storage key>``, where
the root is the app setting ``SAMVERKAN_DOCUMENT_PATH`` (default ``<instance>/documents``) and
the key is random, never the user's file name. The content type stored (and served) is the one
of the recognised format, not the browser's claim. A file written for a transaction that rolls
back is deleted; a removed document's file is deleted once the removal is committed.

Who may upload (:func:`can_manage_documents`): purchasers and admins, and a person (not only a
viewer) bound to an organisation that is party to the agreement. Removing: purchasers and
admins, or the person who uploaded it.
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

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from samverkan.partnership.models import Agreement, AgreementDocument
from samverkan.partnership.permissions import is_purchaser
from samverkan.partnership.services.common import (
    PartnershipError,
    label_of,
    record,
    require,
    user_id_of,
)
from samverkan.platform.db import db
from samverkan.tenants.models import Role, Tenant
from samverkan.tenants.permissions import Principal, Rule, is_person

DOC_TYPES = ("agreement", "appendix", "minutes", "other")
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
TITLE_LENGTH = 200
FILENAME_LENGTH = 255
DOCUMENT_FIELDS = ["doc_type", "title", "filename", "content_type", "size", "sha256"]

_WRITTEN = "partnership_documents_written"  # session.info keys: files to undo / to delete
_DISCARDED = "partnership_documents_discarded"


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


def recognise(filename: str, data: bytes) -> FileKind:
    """The kind of an accepted file, or a :class:`PartnershipError` on the ``file`` field."""
    extension = filename.rpartition(".")[2].lower() if "." in filename else ""
    kind = FILE_KINDS.get(extension)
    if kind is None:
        raise PartnershipError("file", "type", _l(
            "This type of file is not accepted. Accepted: %(types)s.", types=ACCEPTED))
    if not kind.matches(data):
        raise PartnershipError("file", "content", _l(
            "The content of the file is not %(type)s, as its name says. Save it again as %(type)s "
            "and upload that file.", type=kind.label))
    return kind


# --- settings and storage --------------------------------------------------------------------


def max_bytes() -> int:
    configured = current_app.config.get("SAMVERKAN_DOCUMENT_MAX_BYTES") or DEFAULT_MAX_BYTES
    request_limit = current_app.config.get("MAX_CONTENT_LENGTH")
    return min(int(configured), int(request_limit)) if request_limit else int(configured)


def megabytes(size: int) -> str:
    """A size in MB for messages: ``20``, ``2.5``."""
    return f"{size / 1024 / 1024:.1f}".removesuffix(".0")


def document_root() -> Path:
    configured = current_app.config.get("SAMVERKAN_DOCUMENT_PATH")
    return Path(configured) if configured else Path(current_app.instance_path) / "documents"


def document_path(document: AgreementDocument, root: Path | None = None) -> Path:
    return (root or document_root()) / str(document.tenant_id) / document.storage_key


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


# --- the rules and the changes ---------------------------------------------------------------


def can_manage_documents(agreement: Agreement) -> Rule:
    """Upload to the agreement: a purchaser or admin, or an acting person of one of its parties."""
    organisations = {party.organisation_id for party in agreement.parties}
    party_person = is_person & Rule(
        f"acting person of a party of agreement:{agreement.id}",
        lambda p: p.organisation_id in organisations and bool(set(p.roles) - {Role.VIEWER}))
    return is_purchaser | party_person


def can_remove_document(document: AgreementDocument) -> Rule:
    """Remove a document: a purchaser or admin, or the person who uploaded it."""
    uploader = Rule(f"uploaded document:{document.id}", lambda p: p.user is not None
                    and document.uploaded_by_id is not None and p.user.id == document.uploaded_by_id)
    return is_purchaser | (can_manage_documents(document.agreement) & uploader)


def _read(file_storage, limit: int) -> bytes:
    stream = getattr(file_storage, "stream", None)
    if stream is None:
        raise PartnershipError("file", "required", _l("Choose a file to upload."))
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise PartnershipError("file", "too_large", _l(
            "The file is too large: at most %(size)s MB.", size=megabytes(limit)))
    if not data:
        raise PartnershipError("file", "empty", _l("The file is empty."))
    return data


def add_document(tenant: Tenant, principal: Principal, agreement: Agreement, file_storage,
                 doc_type: str, title: str = "", *, root: Path | None = None) -> AgreementDocument:
    """Check and store an uploaded file (a werkzeug ``FileStorage``) as a document."""
    require(can_manage_documents(agreement), principal, tenant)
    if agreement.tenant_id != tenant.id:
        raise PartnershipError("agreement_id", "invalid", _l("Choose an agreement."))
    if doc_type not in DOC_TYPES:
        raise PartnershipError("doc_type", "invalid", _l("Choose the type of the document."))
    title = (title or "").strip()
    if len(title) > TITLE_LENGTH:
        raise PartnershipError("title", "too_long",
                               _l("A text is at most %(count)s characters.", count=TITLE_LENGTH))
    filename = clean_filename(getattr(file_storage, "filename", None)) if file_storage else ""
    if not filename:
        raise PartnershipError("file", "required", _l("Choose a file to upload."))
    data = _read(file_storage, max_bytes())
    kind = recognise(filename, data)
    document = AgreementDocument(
        tenant_id=tenant.id, agreement_id=agreement.id, doc_type=doc_type, title=title,
        filename=filename, content_type=kind.content_type, size=len(data),
        sha256=hashlib.sha256(data).hexdigest(), storage_key=secrets.token_hex(16),
        uploaded_by_id=user_id_of(principal), uploaded_by_label=label_of(principal))
    path = document_path(document, root)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("xb") as target:
        target.write(data)
    db.session.info.setdefault(_WRITTEN, []).append(path)
    db.session.add(document)
    db.session.flush()
    record("partnership.document_added", document, principal, entity_type="AgreementDocument",
           after={"agreement_id": agreement.id, **_snapshot(document)})
    return document


def remove_document(tenant: Tenant, principal: Principal, document: AgreementDocument, *,
                    root: Path | None = None) -> None:
    """Delete the document; its file goes once the transaction is committed."""
    require(can_remove_document(document), principal, tenant)
    if document.tenant_id != tenant.id:
        raise PartnershipError("document_id", "not_found", _l("No such document."))
    before = {"agreement_id": document.agreement_id, **_snapshot(document)}
    document_id, path = document.id, document_path(document, root)
    db.session.delete(document)
    db.session.flush()
    db.session.info.setdefault(_DISCARDED, []).append(path)
    record("partnership.document_removed", None, principal, entity_type="AgreementDocument",
           entity_id=document_id, before=before)


def documents_of(tenant: Tenant, agreement: Agreement) -> list[AgreementDocument]:
    return list(db.session.scalars(select(AgreementDocument).where(
        AgreementDocument.tenant_id == tenant.id, AgreementDocument.agreement_id == agreement.id
    ).order_by(AgreementDocument.created_at.desc(), AgreementDocument.id.desc())))


def get_document(tenant: Tenant, agreement: Agreement, document_id) -> AgreementDocument:
    """The agreement's document, or the same error as a missing one."""
    document = db.session.get(AgreementDocument, document_id) if document_id else None
    if document is None or document.tenant_id != tenant.id or document.agreement_id != agreement.id:
        raise PartnershipError("document_id", "not_found", _l("No such document."))
    return document


def open_document(tenant: Tenant, document: AgreementDocument, *, root: Path | None = None) -> Path:
    """The stored file of a document (the caller has checked that it may be read)."""
    path = document_path(document, root)
    if document.tenant_id != tenant.id or not path.is_file():
        raise PartnershipError("document_id", "not_found", _l("No such document."))
    return path


def _snapshot(document: AgreementDocument) -> dict:
    return {name: getattr(document, name) for name in DOCUMENT_FIELDS}
