"""Documents of an association project: plans, minutes, reports, presentations.

Coordinators add and remove them (:data:`can_manage_projects`), also while the project is
closed (its minutes and final report come after); every member of the association reads them.
The file handling (accepted types by extension and content, the size limit, storage outside the
web root under a random key, deletion after commit or rollback) is
:mod:`samverkan.platform.files`, as for agreement documents. Participants read a project's
documents only through :mod:`samverkan.tenants.services.sharing`.
"""

from __future__ import annotations

from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from samverkan.platform import audit, files
from samverkan.platform.db import db
from samverkan.platform.services import label_of, record, user_id_of
from samverkan.tenants.models import Tenant
from samverkan.tenants.permissions import Principal, can_manage_projects
from samverkan.tenants.project_models import Project, ProjectDocument, ProjectDocumentType
from samverkan.tenants.services.projects import ProjectError, require, short_text

TITLE_LENGTH = 200
DOCUMENT_FIELDS = ["project_id", "doc_type", "title", "filename", "content_type", "size",
                   "sha256"]


def document_path(document: ProjectDocument, root: Path | None = None) -> Path:
    return files.stored_path(document.tenant_id, document.storage_key, root)


def _not_found() -> ProjectError:
    return ProjectError("project_document_id", "not_found", _l("No such document."))


def add_document(tenant: Tenant, principal: Principal, project: Project, file_storage,
                 doc_type: str, title: str = "", *, root: Path | None = None) -> ProjectDocument:
    """Check and store an uploaded file (a werkzeug ``FileStorage``) as a project document."""
    require(can_manage_projects, principal, tenant)
    if project.tenant_id != tenant.id:
        raise ProjectError("project", "invalid", _l("Choose a project."))
    if doc_type not in {t.value for t in ProjectDocumentType}:
        raise ProjectError("doc_type", "invalid", _l("Choose the type of the document."))
    title = short_text(title, "title", TITLE_LENGTH)
    upload = files.read_upload(file_storage, ProjectError)
    document = ProjectDocument(
        tenant_id=tenant.id, project_id=project.id, doc_type=doc_type, title=title,
        filename=upload.filename, content_type=upload.kind.content_type, size=upload.size,
        sha256=upload.sha256, storage_key=files.new_storage_key(),
        uploaded_by_id=user_id_of(principal), uploaded_by_label=label_of(principal))
    files.store(document_path(document, root), upload.data)
    db.session.add(document)
    db.session.flush()
    record("project.document_added", document, principal,
           after=audit.snapshot(document, DOCUMENT_FIELDS))
    return document


def remove_document(tenant: Tenant, principal: Principal, project: Project,
                    document: ProjectDocument, *, root: Path | None = None) -> None:
    """Delete the document; its file goes once the transaction is committed."""
    require(can_manage_projects, principal, tenant)
    if document.tenant_id != tenant.id or document.project_id != project.id:
        raise _not_found()
    path = document_path(document, root)
    record("project.document_removed", document, principal,
           before=audit.snapshot(document, DOCUMENT_FIELDS))
    db.session.delete(document)
    db.session.flush()
    files.discard(path)


def documents_of(tenant: Tenant, project: Project) -> list[ProjectDocument]:
    """The project's documents, newest first."""
    return list(db.session.scalars(select(ProjectDocument).where(
        ProjectDocument.tenant_id == tenant.id, ProjectDocument.project_id == project.id
    ).order_by(ProjectDocument.created_at.desc(), ProjectDocument.id.desc())))


def get_document(tenant: Tenant, project: Project, document_id) -> ProjectDocument:
    """The project's document, or the same error as a missing one."""
    try:
        document = db.session.get(ProjectDocument, int(document_id))
    except (TypeError, ValueError):
        document = None
    if document is None or document.tenant_id != tenant.id or document.project_id != project.id:
        raise _not_found()
    return document


def open_document(tenant: Tenant, document: ProjectDocument, *,
                  root: Path | None = None) -> Path:
    """The stored file of a document (the caller has checked that it may be read)."""
    path = files.existing(document_path(document, root))
    if document.tenant_id != tenant.id or path is None:
        raise _not_found()
    return path
