"""Partnership pages of an agreement's documents: the list with the upload form, the download
and the removal.

Everyone who may see the agreement lists and downloads its documents; anyone else gets a 404,
whatever the document. Purchasers, admins and the acting persons of the agreement's parties
upload; purchasers, admins and the uploader remove (see
:mod:`samverkan.partnership.services.documents`). A download is always an attachment with
the stored content type and ``X-Content-Type-Options: nosniff``, so a browser never renders an
uploaded file as a page of this site.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import RequestEntityTooLarge

from samverkan.partnership.indicator_forms import DOC_TYPE_LABELS, DocumentForm
from samverkan.partnership.models import Agreement, AgreementDocument
from samverkan.partnership.permissions import can_view_partnership
from samverkan.partnership.services.common import PartnershipError, PartnershipPermissionError
from samverkan.partnership.services.documents import (
    ACCEPT_ATTRIBUTE,
    ACCEPTED,
    add_document,
    can_manage_documents,
    can_remove_document,
    documents_of,
    get_document,
    max_bytes,
    megabytes,
    open_document,
    remove_document,
)
from samverkan.partnership.services.queries import get_visible_agreement
from samverkan.partnership.views import blueprint
from samverkan.platform.db import db
from samverkan.platform.files import download, size_label
from samverkan.tenants.audit_labels import FIELD_LABELS, register_audit_labels
from samverkan.tenants.forms.admin import ConfirmForm
from samverkan.tenants.permissions import current_principal, require

BASE = "/t/<slug>/partnership/agreements/<int:agreement_id>/documents"
DOCUMENT_SORTS = {"created_at", "title", "doc_type", "size"}
NEWEST_FIRST = "-created_at"

_FIELDS = {"doc_type": _l("Type of document"), "title": _l("Title"), "filename": _l("File name"),
           "content_type": _l("Format"), "size": _l("Size"), "sha256": _l("Checksum (SHA-256)"),
           "agreement_id": _l("Agreement")}
register_audit_labels(
    actions={"partnership.document_added": _l("Document added to an agreement"),
             "partnership.document_removed": _l("Document removed from an agreement")},
    entity_types={"AgreementDocument": _l("Agreement document")},
    fields={key: label for key, label in _FIELDS.items() if key not in FIELD_LABELS},
)


def _agreement_or_404(agreement_id: int) -> Agreement:
    principal = current_principal()
    try:
        return get_visible_agreement(principal.tenant, principal, agreement_id)
    except PartnershipError:
        abort(404)


def _document_or_404(agreement: Agreement, document_id: int) -> AgreementDocument:
    try:
        return get_document(current_principal().tenant, agreement, document_id)
    except PartnershipError:
        abort(404)


def _sorted(documents: list[AgreementDocument], sort: str) -> list[AgreementDocument]:
    key = sort.lstrip("-")
    keys = {"created_at": lambda d: (d.created_at, d.id),
            "title": lambda d: (d.title or d.filename).casefold(),
            "doc_type": lambda d: (str(DOC_TYPE_LABELS.get(d.doc_type, d.doc_type)), d.id),
            "size": lambda d: (d.size, d.id)}
    return sorted(documents, key=keys[key], reverse=sort.startswith("-"))


def _list_page(agreement: Agreement, form: DocumentForm, status: int = 200):
    principal = current_principal()
    doc_type = request.args.get("type", "")
    doc_type = doc_type if doc_type in DOC_TYPE_LABELS else ""
    sort = request.args.get("sort", NEWEST_FIRST)
    sort = sort if sort.lstrip("-") in DOCUMENT_SORTS else NEWEST_FIRST
    every = documents_of(principal.tenant, agreement)
    shown = _sorted([d for d in every if not doc_type or d.doc_type == doc_type], sort)
    return render_template(
        "partnership/documents/list.html", agreement=agreement, agreement_tab="documents",
        documents=shown, total=len(every), doc_type=doc_type, sort=sort,
        args={"agreement_id": agreement.id, "type": doc_type, "sort": sort},
        form=form, can_upload=can_manage_documents(agreement)(principal),
        removable={d.id for d in every if can_remove_document(d)(principal)},
        doc_type_labels=DOC_TYPE_LABELS, size_label=size_label, accepted=ACCEPTED,
        accept=ACCEPT_ATTRIBUTE, max_mb=megabytes(max_bytes()),
        sortable=request.endpoint == "partnership.document_list"), status


@blueprint.get(BASE)
@require(can_view_partnership)
def document_list(agreement_id: int):
    agreement = _agreement_or_404(agreement_id)
    return _list_page(agreement, DocumentForm(formdata=None))


@blueprint.post(f"{BASE}/upload")
@require(can_view_partnership)
def document_upload(agreement_id: int):
    principal = current_principal()
    agreement = _agreement_or_404(agreement_id)
    if not can_manage_documents(agreement)(principal):
        abort(403)
    try:
        form = DocumentForm()  # reads the request body: a body over the limit fails here
    except RequestEntityTooLarge:
        form = DocumentForm(formdata=None)
        form.file.errors = [_("The file is too large: at most %(size)s MB.",
                              size=megabytes(max_bytes()))]
        return _list_page(agreement, form, 413)
    if not form.validate_on_submit():
        return _list_page(agreement, form, 400)
    try:
        document = add_document(principal.tenant, principal, agreement, form.file.data,
                                form.doc_type.data, form.title.data or "")
    except PartnershipError as error:
        db.session.rollback()
        if isinstance(error, PartnershipPermissionError):
            abort(403)
        field = form._fields.get(error.field)
        if field is not None:
            field.errors = [*field.errors, error.message]
        else:
            form.form_errors.append(error.message)
        return _list_page(agreement, form, 400)
    db.session.commit()
    flash(_("The document %(name)s is uploaded.", name=document.title or document.filename),
          "success")
    return redirect(url_for("partnership.document_list", agreement_id=agreement.id))


@blueprint.get(f"{BASE}/<int:document_id>")
@require(can_view_partnership)
def document_download(agreement_id: int, document_id: int):
    principal = current_principal()
    agreement = _agreement_or_404(agreement_id)
    document = _document_or_404(agreement, document_id)
    try:
        path = open_document(principal.tenant, document)
    except PartnershipError:
        abort(404)
    return download(path, document.content_type, document.filename)


@blueprint.route(f"{BASE}/<int:document_id>/delete", methods=["GET", "POST"])
@require(can_view_partnership)
def document_delete(agreement_id: int, document_id: int):
    principal = current_principal()
    agreement = _agreement_or_404(agreement_id)
    document = _document_or_404(agreement, document_id)
    if not can_remove_document(document)(principal):
        abort(403)
    form = ConfirmForm()
    error, status = None, 200
    if form.validate_on_submit():
        name = document.title or document.filename
        try:
            remove_document(principal.tenant, principal, document)
        except PartnershipError as refused:
            db.session.rollback()
            if isinstance(refused, PartnershipPermissionError):
                abort(403)
            error, status = refused.message, 409
        else:
            db.session.commit()
            flash(_("The document %(name)s is removed.", name=name), "success")
            return redirect(url_for("partnership.document_list", agreement_id=agreement.id))
    elif request.method == "POST":
        status = 400
    return render_template(
        "partnership/documents/delete.html", agreement=agreement, agreement_tab="documents",
        document=document, form=form, error=error, doc_type_labels=DOC_TYPE_LABELS,
        size_label=size_label), status
