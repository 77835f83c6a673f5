"""Documents attached to an agreement: the signed agreement, appendices, minutes.

Accepted files: PDF, DOCX, XLSX, ODT, ODS, PNG, JPEG, TXT and CSV. A file must have one of
these extensions *and* content that matches it (the first bytes, or the archive entries of the
office formats): a renamed executable is refused. The size limit is the app setting
``SAMVERKAN_DOCUMENT_MAX_BYTES`` (default 20 MB, never above ``MAX_CONTENT_LENGTH``).

The bytes are stored outside the web root, under ``<root>/<tenant id>/<storage key>``, where
the root is the app setting ``SAMVERKAN_DOCUMENT_PATH`` (default ``<instance>/documents``) and
the key is random, never the user's file name. The content type stored (and served) is the one
of the recognised format, not the browser's claim. A file written for a transaction that rolls
back is deleted; a removed document's file is deleted once the removal is committed. The file
handling is :mod:`samverkan.platform.files`, shared with the documents of association projects.

Who may upload (:func:`can_manage_documents`): purchasers and admins, and a person (not only a
viewer) bound to an organisation that is party to the agreement. Removing: purchasers and
admins, or the person who uploaded it.
"""

from __future__ import annotations

from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from samverkan.partnership.models import Agreement, AgreementDocument
from samverkan.partnership.permissions import is_purchaser
from samverkan.partnership.services.common import (
    PartnershipError,
    label_of,
    record,
    require,
    user_id_of,
)
from samverkan.platform import files
from samverkan.platform.db import db
from samverkan.platform.files import (  # noqa: F401 (the names this module always offered)
    ACCEPT_ATTRIBUTE,
    ACCEPTED,
    DEFAULT_MAX_BYTES,
    FILE_KINDS,
    FILENAME_LENGTH,
    FileKind,
    clean_filename,
    document_root,
    max_bytes,
    megabytes,
)
from samverkan.tenants.models import Role, Tenant
from samverkan.tenants.permissions import Principal, Rule, is_person

DOC_TYPES = ("agreement", "appendix", "minutes", "other")
TITLE_LENGTH = 200
DOCUMENT_FIELDS = ["doc_type", "title", "filename", "content_type", "size", "sha256"]


def recognise(filename: str, data: bytes) -> FileKind:
    """The kind of an accepted file, or a :class:`PartnershipError` on the ``file`` field."""
    return files.recognise(filename, data, PartnershipError)


def document_path(document: AgreementDocument, root: Path | None = None) -> Path:
    return files.stored_path(document.tenant_id, document.storage_key, root)


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
    upload = files.read_upload(file_storage, PartnershipError)
    document = AgreementDocument(
        tenant_id=tenant.id, agreement_id=agreement.id, doc_type=doc_type, title=title,
        filename=upload.filename, content_type=upload.kind.content_type, size=upload.size,
        sha256=upload.sha256, storage_key=files.new_storage_key(),
        uploaded_by_id=user_id_of(principal), uploaded_by_label=label_of(principal))
    files.store(document_path(document, root), upload.data)
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
    files.discard(path)
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
    path = files.existing(document_path(document, root))
    if document.tenant_id != tenant.id or path is None:
        raise PartnershipError("document_id", "not_found", _l("No such document."))
    return path


def _snapshot(document: AgreementDocument) -> dict:
    return {name: getattr(document, name) for name in DOCUMENT_FIELDS}
