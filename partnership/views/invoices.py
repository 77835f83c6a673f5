"""Pages of providers' invoices under ``/t/<slug>/partnership/invoices``: the list (filters,
sorting, pages, the number of differences of each invoice), entering and changing an invoice
with its lines (empty rows, and more on request, without JavaScript), deleting it (confirmed),
the detail with its reconciliation against the computed payout, the file import with its
template, and the purchaser's review (approve or dispute).

The rules are those of :mod:`samverkan.partnership.services.invoices`; an invoice the principal
may not see is a 404, whoever owns it.
"""

from __future__ import annotations

import csv
import io
from datetime import date

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from samverkan.partnership.invoice_forms import (
    CHECK_LABELS,
    EMPTY_LINES,
    PART_LABELS,
    STATUS_LABELS,
    ImportForm,
    InvoiceForm,
    ReviewForm,
)
from samverkan.partnership.permissions import can_view_partnership
from samverkan.partnership.purchasing_models import CompensationVersion, Invoice
from samverkan.partnership.services import invoices as svc
from samverkan.partnership.services.common import PartnershipError, PartnershipPermissionError
from samverkan.partnership.views import blueprint
from samverkan.platform.db import db
from samverkan.platform.i18n import format_money, translated
from samverkan.platform.listing import ListPage
from samverkan.tenants.audit_labels import FIELD_LABELS, register_audit_labels
from samverkan.tenants.forms.admin import ConfirmForm
from samverkan.tenants.permissions import current_principal, require

BASE = "/t/<slug>/partnership/invoices"
INVOICE = BASE + "/<int:invoice_id>"
PER_PAGE = 25
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SORTS = {
    "received": Invoice.received_on,
    "number": Invoice.number,
    "period": Invoice.period_start,
    "status": Invoice.status,
}

register_audit_labels(
    actions={
        "partnership.invoice_created": _l("Invoice entered"),
        "partnership.invoice_imported": _l("Invoice imported"),
        "partnership.invoice_updated": _l("Invoice changed"),
        "partnership.invoice_deleted": _l("Invoice deleted"),
        "partnership.invoice_approved": _l("Invoice approved"),
        "partnership.invoice_disputed": _l("Invoice disputed"),
    },
    entity_types={"Invoice": _l("Invoice")},
    fields={key: label for key, label in {
        "number": _l("Invoice number"), "period_start": _l("Period from"),
        "period_end": _l("Period to"), "received_on": _l("Received on"),
        "lines": _l("Lines"), "differences": _l("Differences"),
        "difference": _l("Difference"),
        "confirmed_differences": _l("Approved with differences"),
        "comment": _l("Comment")}.items() if key not in FIELD_LABELS},
)


# --- helpers ---------------------------------------------------------------------------------


def _invoice_or_404(invoice_id: int) -> Invoice:
    principal = current_principal()
    try:
        return svc.get_visible_invoice(principal.tenant, principal, invoice_id)
    except PartnershipError:
        abort(404)


def _fail(form, error: PartnershipError) -> None:
    """Put a service error (and its further errors) on the form's fields or the form."""
    db.session.rollback()
    if isinstance(error, PartnershipPermissionError):
        abort(403)
    for name, message in (error.errors or {error.field: error.message}).items():
        target = _form_field(form, name)
        if target is not None:
            target.errors = [*target.errors, message]
        else:
            form.form_errors.append(message)


def _form_field(form, name: str):
    """The form field of a service field name (``lines.<n>.<name>`` is a line's field)."""
    parts = name.split(".")
    if parts[0] == "lines" and len(parts) == 3 and parts[1].isdigit():
        index = int(parts[1])
        positions = getattr(form, "line_positions", None)
        if positions is not None and index < len(positions):
            entry = form.lines.entries[positions[index]]
            return entry.form._fields.get(parts[2])
        return None
    return form._fields.get(name) if name != "lines" else None


def _committed(form) -> bool:
    """Commit; False (with a message on the form) when a number was taken meanwhile."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        form.form_errors.append(_("Someone else saved an invoice with this number at the same "
                                  "time. Check the invoices and try again."))
        return False
    return True


def _date_arg(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() else None


def _money(value) -> str:
    return format_money(value)


def _course_types(tenant) -> list[str]:
    """The course types priced by any version of the tenant's compensation model."""
    found: set[str] = set()
    for components in db.session.scalars(select(CompensationVersion.components).where(
            CompensationVersion.tenant_id == tenant.id)):
        found.update(str(item.get("course_type")) for item in components or []
                     if item.get("course_type"))
    return sorted(found)


# --- the list --------------------------------------------------------------------------------


@blueprint.get(BASE)
@require(can_view_partnership)
def invoices():
    """The invoices the principal may see, filtered, sorted and paged."""
    principal = current_principal()
    tenant = principal.tenant
    providers = svc.visible_providers(tenant, principal)
    provider = _int_arg("provider")
    provider = provider if provider in {o.id for o in providers} else None
    status = request.args.get("status", "")
    status = status if status in STATUS_LABELS else ""
    period_from, period_to = _date_arg("from"), _date_arg("to")
    sort = request.args.get("sort", "-received")
    sort = sort if sort.lstrip("-") in (*SORTS, "total") else "-received"
    query = svc.invoices_query(tenant, principal, organisation_id=provider, status=status,
                               period_from=period_from, period_to=period_to)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    column = svc.invoice_total() if sort.lstrip("-") == "total" else SORTS[sort.lstrip("-")]
    order = column.desc() if sort.startswith("-") else column.asc()
    pages = max(1, -(-total // PER_PAGE))
    page_number = min(max(1, _int_arg("page") or 1), pages)
    rows = list(db.session.scalars(
        query.options(selectinload(Invoice.lines), selectinload(Invoice.organisation))
        .order_by(order, Invoice.id.desc()).offset((page_number - 1) * PER_PAGE).limit(PER_PAGE)))
    page = ListPage(items=rows, page=page_number, per_page=PER_PAGE, total=total)
    args = {key: value for key, value in (
        ("provider", provider), ("status", status),
        ("from", period_from.isoformat() if period_from else ""),
        ("to", period_to.isoformat() if period_to else ""), ("sort", sort)) if value}
    return render_template(
        "partnership/invoices/list.html", page=page, args=args, providers=providers,
        provider=provider, status=status, period_from=period_from, period_to=period_to, sort=sort,
        filtered=bool(provider or status or period_from or period_to),
        counts=svc.difference_counts(rows), totals={i.id: svc.total_of(i) for i in rows},
        status_labels=STATUS_LABELS, can_enter=svc.can_enter_invoices(principal)
        and bool(svc.providers_for(tenant, principal)))


# --- entering and changing -------------------------------------------------------------------


def _provider_choices(tenant, principal) -> list[tuple[int, str]]:
    return [(o.id, translated(o.name)) for o in svc.providers_for(tenant, principal)]


def _lines_data(form: InvoiceForm) -> list[svc.LineData]:
    """The non-empty line rows; their form positions are kept on the form for errors."""
    form.line_positions = [n for n, entry in enumerate(form.lines.entries)
                           if not entry.form.is_empty()]
    return [svc.LineData(**{name: form.lines.entries[n].form[name].data or ""
                            for name in ("student_ref", "course_type", "part", "amount", "text")})
            for n in form.line_positions]


def _data(form: InvoiceForm) -> svc.InvoiceData:
    return svc.InvoiceData(organisation_id=form.organisation_id.data or None,
                           number=form.number.data or "", period_start=form.period_start.data,
                           period_end=form.period_end.data, received_on=form.received_on.data,
                           lines=_lines_data(form))


def _pad(form: InvoiceForm, count: int = EMPTY_LINES) -> None:
    for _n in range(count):
        form.lines.append_entry()


def _form_page(form: InvoiceForm, invoice: Invoice | None, providers, status: int = 200):
    tenant = current_principal().tenant
    return render_template(
        "partnership/invoices/form.html", form=form, invoice=invoice, providers=providers,
        course_types=_course_types(tenant), part_labels=PART_LABELS), status


def _save(form: InvoiceForm, invoice: Invoice | None, providers):
    """Validate and save; the response (a redirect, or the form again with its errors)."""
    principal = current_principal()
    if request.form.get("action") == "more":
        _pad(form)
        return _form_page(form, invoice, providers)
    if not form.validate_on_submit():
        _pad(form, 1)
        return _form_page(form, invoice, providers, 400)
    data, created = _data(form), invoice is None
    try:
        if created:
            invoice = svc.create_invoice(principal.tenant, principal, data)
        else:
            svc.update_invoice(principal.tenant, principal, invoice, data)
    except PartnershipError as error:
        _fail(form, error)
        if invoice is not None:
            invoice = _invoice_or_404(invoice.id)
        status = 409 if error.code == "not_received" else 400
        return _form_page(form, invoice, providers, status)
    if not _committed(form):
        return _form_page(form, None if created else _invoice_or_404(invoice.id), providers, 409)
    flash(_("The invoice %(number)s is saved.", number=invoice.number), "success")
    return redirect(url_for("partnership.invoice_detail", invoice_id=invoice.id))


@blueprint.route(f"{BASE}/new", methods=["GET", "POST"])
@require(can_view_partnership)
def invoice_new():
    principal = current_principal()
    providers = _provider_choices(principal.tenant, principal)
    if not providers:
        abort(403)
    form = InvoiceForm(providers=providers)
    if request.method == "GET":
        form.received_on.data = svc.today()
        if len(providers) == 1:
            form.organisation_id.data = str(providers[0][0])
        _pad(form)
        return _form_page(form, None, providers)
    return _save(form, None, providers)


@blueprint.route(f"{INVOICE}/edit", methods=["GET", "POST"])
@require(can_view_partnership)
def invoice_edit(invoice_id: int):
    principal = current_principal()
    invoice = _invoice_or_404(invoice_id)
    if not svc.can_enter_for(invoice.organisation_id)(principal):
        abort(403)
    if request.method == "GET":
        form = InvoiceForm(data={
            "number": invoice.number, "period_start": invoice.period_start,
            "period_end": invoice.period_end, "received_on": invoice.received_on,
            "lines": [{"student_ref": line.student_ref, "course_type": line.course_type,
                       "part": line.part, "amount": format(line.amount, "f"),
                       "text": line.text} for line in invoice.lines]})
        _pad(form, 3)
        status = 200 if invoice.status == "received" else 409
        return _form_page(form, invoice, [], status)
    return _save(InvoiceForm(), invoice, [])


@blueprint.route(f"{INVOICE}/delete", methods=["GET", "POST"])
@require(can_view_partnership)
def invoice_delete(invoice_id: int):
    """Delete a received invoice, after confirmation."""
    principal = current_principal()
    invoice = _invoice_or_404(invoice_id)
    if not svc.can_enter_for(invoice.organisation_id)(principal):
        abort(403)
    form = ConfirmForm()
    status = 200
    if form.validate_on_submit():
        number = invoice.number
        try:
            svc.delete_invoice(principal.tenant, principal, invoice)
        except PartnershipError as error:
            _fail(form, error)
            invoice = _invoice_or_404(invoice_id)
            status = 409
        else:
            db.session.commit()
            flash(_("The invoice %(number)s is deleted.", number=number), "success")
            return redirect(url_for("partnership.invoices"))
    elif request.method == "POST":
        status = 400
    return render_template("partnership/invoices/delete.html", invoice=invoice, form=form,
                           total=svc.total_of(invoice),
                           deletable=invoice.status == "received"), status


# --- the detail and the review ---------------------------------------------------------------


def _detail(invoice: Invoice, review_form: ReviewForm | None = None, status: int = 200):
    principal = current_principal()
    check = svc.reconcile_invoice(invoice)
    reviewable = svc.can_review_invoices(principal) and invoice.status in ("received", "disputed")
    return render_template(
        "partnership/invoices/detail.html", invoice=invoice, check=check,
        explanations=[svc.explain(line, _money) for line in check.lines],
        status_labels=STATUS_LABELS, check_labels=CHECK_LABELS, part_labels=PART_LABELS,
        can_change=invoice.status == "received"
        and svc.can_enter_for(invoice.organisation_id)(principal),
        reviewable=reviewable, review_form=review_form or ReviewForm(formdata=None)), status


@blueprint.get(INVOICE)
@require(can_view_partnership)
def invoice_detail(invoice_id: int):
    """The invoice, its lines reconciled against the computed payout, and the review."""
    return _detail(_invoice_or_404(invoice_id))


@blueprint.post(f"{INVOICE}/review")
@require(can_view_partnership)
def invoice_review(invoice_id: int):
    """Approve (differences confirmed explicitly) or dispute (with a comment)."""
    principal = current_principal()
    invoice = _invoice_or_404(invoice_id)
    if not svc.can_review_invoices(principal):
        abort(403)
    form = ReviewForm()
    if not form.validate_on_submit() or form.decision.data not in ("approve", "dispute"):
        if form.decision.data and form.decision.data not in ("approve", "dispute"):
            form.decision.errors = [*form.decision.errors, _("Choose approve or dispute.")]
        return _detail(invoice, form, 400)
    try:
        if form.decision.data == "approve":
            svc.approve_invoice(principal.tenant, principal, invoice, comment=form.comment.data,
                                confirm_differences=bool(form.confirm_differences.data))
        else:
            svc.dispute_invoice(principal.tenant, principal, invoice, form.comment.data)
    except PartnershipError as error:
        _fail(form, error)
        invoice = _invoice_or_404(invoice_id)
        return _detail(invoice, form, 409 if error.code == "not_reviewable" else 400)
    db.session.commit()
    flash(_("The invoice %(number)s is approved.", number=invoice.number)
          if form.decision.data == "approve"
          else _("The invoice %(number)s is disputed.", number=invoice.number), "success")
    return redirect(url_for("partnership.invoice_detail", invoice_id=invoice.id))


# --- import ----------------------------------------------------------------------------------


@blueprint.get(f"{BASE}/import/template")
@require(can_view_partnership)
def invoice_import_template():
    """``?format=csv|xlsx``: the columns and two example rows."""
    rows = svc.template_rows()
    if request.args.get("format") == "xlsx":
        from openpyxl import Workbook

        workbook = Workbook()
        sheet = workbook.active
        sheet.title = "invoices"
        for row in rows:
            sheet.append(row)
        buffer = io.BytesIO()
        workbook.save(buffer)
        return Response(buffer.getvalue(), mimetype=XLSX_MIMETYPE, headers={
            "Content-Disposition": 'attachment; filename="invoices.xlsx"',
            "Cache-Control": "no-store"})
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";", lineterminator="\r\n").writerows(rows)
    return Response(("\ufeff" + buffer.getvalue()).encode("utf-8"), mimetype="text/csv", headers={
        "Content-Disposition": 'attachment; filename="invoices.csv"', "Cache-Control": "no-store"})


@blueprint.route(f"{BASE}/import", methods=["GET", "POST"])
@require(can_view_partnership)
def invoice_import():
    """Upload a CSV or XLSX file of invoices of one provider: all are saved or none."""
    principal = current_principal()
    providers = _provider_choices(principal.tenant, principal)
    if not providers:
        abort(403)
    form = ImportForm(providers=providers)
    if request.method == "GET":
        form.received_on.data = svc.today()
        if len(providers) == 1:
            form.organisation_id.data = str(providers[0][0])
        return _import_page(form, providers)
    if not form.validate_on_submit():
        return _import_page(form, providers, status=400)
    upload = form.file.data
    if not upload or not getattr(upload, "filename", ""):
        form.file.errors = [*form.file.errors, _("Choose a file to upload.")]
        return _import_page(form, providers, status=400)
    try:
        rows = svc.read_file(upload.read(), upload.filename)
        imported = svc.import_invoices(principal.tenant, principal, form.organisation_id.data,
                                       form.received_on.data, rows)
    except svc.InvoiceImportError as error:
        db.session.rollback()
        return _import_page(form, providers, problems=error.rows, status=400)
    except PartnershipError as error:
        _fail(form, error)
        return _import_page(form, providers, status=400)
    if not _committed(form):
        return _import_page(form, providers, status=409)
    flash(_("%(count)s invoices are imported.", count=len(imported)), "success")
    return redirect(url_for("partnership.invoices"))


def _import_page(form: ImportForm, providers, problems=None, status: int = 200):
    return render_template("partnership/invoices/import.html", form=form, providers=providers,
                           problems=problems or [], columns=svc.IMPORT_COLUMNS,
                           max_rows=svc.IMPORT_MAX_ROWS), status
