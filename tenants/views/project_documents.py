"""Pages of a project's documents for the association: the upload, the download and the removal
after a confirmation. The list and the upload form are a section of the project's page
(:func:`document_context`).

Every member of the association lists and downloads; coordinators upload and remove (see
:mod:`samverkan.tenants.services.project_documents`). A download is always an attachment with
the stored content type and ``nosniff`` (:func:`samverkan.platform.files.download`).
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import RequestEntityTooLarge

from samverkan.platform import files
from samverkan.platform.db import db
from samverkan.tenants.audit_labels import FIELD_LABELS, register_audit_labels
from samverkan.tenants.forms.admin import ConfirmForm
from samverkan.tenants.forms.project_documents import DOC_TYPE_LABELS, ProjectDocumentForm
from samverkan.tenants.permissions import (
    can_manage_projects,
    can_view_projects,
    current_principal,
    require,
)
from samverkan.tenants.project_models import Project, ProjectDocument
from samverkan.tenants.services import project_documents as svc
from samverkan.tenants.services.projects import ProjectError, ProjectPermissionError, get_project
from samverkan.tenants.views import blueprint

BASE = "/t/<slug>/projects/<int:project_id>/documents"

_FIELDS = {"doc_type": _l("Type of document"), "title": _l("Title"), "filename": _l("File name"),
           "content_type": _l("Format"), "size": _l("Size"), "sha256": _l("Checksum (SHA-256)")}
register_audit_labels(
    actions={"project.document_added": _l("Document added to a project"),
             "project.document_removed": _l("Document removed from a project")},
    entity_types={"ProjectDocument": _l("Project document")},
    fields={key: label for key, label in _FIELDS.items() if key not in FIELD_LABELS},
)


def document_context(project: Project, form: ProjectDocumentForm | None = None) -> dict:
    """What the documents section of the project's page shows."""
    principal = current_principal()
    may_upload = can_manage_projects(principal)
    if form is None and may_upload:
        form = ProjectDocumentForm(formdata=None)
    return {"documents": svc.documents_of(principal.tenant, project),
            "document_form": form if may_upload else None,
            "doc_type_labels": DOC_TYPE_LABELS, "size_label": files.size_label,
            "accepted": files.ACCEPTED, "accept": files.ACCEPT_ATTRIBUTE,
            "max_mb": files.megabytes(files.max_bytes())}


def _project_or_404(project_id: int) -> Project:
    try:
        return get_project(current_principal().tenant, project_id)
    except ProjectError:
        abort(404)


def _document_or_404(project: Project, document_id: int) -> ProjectDocument:
    try:
        return svc.get_document(current_principal().tenant, project, document_id)
    except ProjectError:
        abort(404)


def _to_documents(project: Project):
    return redirect(url_for("tenants.project_detail", project_id=project.id, _anchor="documents"))


def _upload_page(project: Project, form: ProjectDocumentForm, http_status: int = 200):
    return render_template("tenants/projects/document_form.html", project=project,
                           **document_context(project, form)), http_status


@blueprint.route(f"{BASE}/new", methods=["GET", "POST"])
@require(can_manage_projects)
def project_document_new(project_id: int):
    """Upload a document (the form is also on the project's page)."""
    principal = current_principal()
    project = _project_or_404(project_id)
    if request.method == "GET":
        return _upload_page(project, ProjectDocumentForm(formdata=None))
    try:
        form = ProjectDocumentForm()  # reads the request body: a body over the limit fails here
    except RequestEntityTooLarge:
        form = ProjectDocumentForm(formdata=None)
        form.file.errors = [_("The file is too large: at most %(size)s MB.",
                              size=files.megabytes(files.max_bytes()))]
        return _upload_page(project, form, 413)
    if not form.validate_on_submit():
        return _upload_page(project, form, 400)
    try:
        document = svc.add_document(principal.tenant, principal, project, form.file.data,
                                    form.doc_type.data, form.title.data or "")
    except ProjectError as error:
        db.session.rollback()
        if isinstance(error, ProjectPermissionError):
            abort(403)
        field = form._fields.get(error.field)
        if field is not None:
            field.errors = [*field.errors, error.message]
        else:
            form.form_errors.append(error.message)
        return _upload_page(_project_or_404(project_id), form, 400)
    db.session.commit()
    flash(_("The document %(name)s is uploaded.", name=document.title or document.filename),
          "success")
    return _to_documents(project)


@blueprint.get(f"{BASE}/<int:project_document_id>")
@require(can_view_projects)
def project_document_download(project_id: int, project_document_id: int):
    principal = current_principal()
    project = _project_or_404(project_id)
    document = _document_or_404(project, project_document_id)
    try:
        path = svc.open_document(principal.tenant, document)
    except ProjectError:
        abort(404)
    return files.download(path, document.content_type, document.filename)


@blueprint.route(f"{BASE}/<int:project_document_id>/delete", methods=["GET", "POST"])
@require(can_manage_projects)
def project_document_delete(project_id: int, project_document_id: int):
    """Confirm, then remove a document; its file is deleted once the removal is committed."""
    principal = current_principal()
    project = _project_or_404(project_id)
    document = _document_or_404(project, project_document_id)
    form = ConfirmForm()
    error, http_status = None, 200
    if form.validate_on_submit():
        name = document.title or document.filename
        try:
            svc.remove_document(principal.tenant, principal, project, document)
        except ProjectError as refused:
            db.session.rollback()
            if isinstance(refused, ProjectPermissionError):
                abort(403)
            error, http_status = refused.message, 409
            project = _project_or_404(project_id)
            document = _document_or_404(project, project_document_id)
        else:
            db.session.commit()
            flash(_("The document %(name)s is removed.", name=name), "success")
            return _to_documents(project)
    elif request.method == "POST":
        http_status = 400
    return render_template(
        "tenants/projects/document_delete.html", project=project, document=document, form=form,
        error=error, doc_type_labels=DOC_TYPE_LABELS, size_label=files.size_label), http_status
