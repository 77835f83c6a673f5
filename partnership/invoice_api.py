"""JSON API of providers' invoices under ``/api/v1/t/<slug>/invoices``: the list, an invoice
with its reconciliation against the computed payout, and entering an invoice.

Authentication as in :mod:`samverkan.partnership.api` (``require_api``). Reading: members
(clients: scope read); a provider's reporter or client sees only its own provider's invoices,
another provider's invoice is a 404. Entering: a provider's reporter or client (scope report)
for its own provider, or a purchaser or admin for any
(:func:`~samverkan.partnership.services.invoices.can_enter_for`).

A service's :class:`PartnershipPermissionError` is a 403 problem, any other
:class:`PartnershipError` a 422 problem naming the field in ``errors`` (a line's field as
``lines.<n>.<name>``, from 0); nothing is written.
"""

from __future__ import annotations

from decimal import Decimal

from flask import url_for
from flask_babel import gettext
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from samverkan.partnership.invoice_schemas import (
    INVOICE_DETAIL_EXAMPLE,
    INVOICE_EXAMPLE,
    INVOICE_INPUT_EXAMPLE,
    InvoiceDetailSchema,
    InvoiceInputSchema,
    InvoiceQuerySchema,
    InvoiceSchema,
)
from samverkan.partnership.permissions import can_view_partnership
from samverkan.partnership.purchasing_models import Invoice
from samverkan.partnership.services import invoices as svc
from samverkan.partnership.services.common import PartnershipError, PartnershipPermissionError
from samverkan.platform.api import Blueprint, abort_problem
from samverkan.platform.db import db
from samverkan.platform.i18n import format_money
from samverkan.platform.oauth import require_api
from samverkan.tenants.permissions import current_principal, is_member

TAG = "Invoices"
LOCATION = {"Location": {"description": "The URL of the object.", "schema": {"type": "string"}}}

blueprint = Blueprint(
    "invoice_api", __name__, url_prefix="/api/v1/t/<slug>",
    description="Providers' invoices under the authorisation model, reconciled against the "
                "payouts computed from the reported enrolments.",
    tags=[{"name": TAG, "description": "Invoices of authorised providers: their lines (student, "
                                       "course type, part of the price, amount) and the "
                                       "reconciliation of each line against the computed "
                                       "payout. Providers enter and read their own; "
                                       "purchasers read and enter any."}],
)


def _messages(error: PartnershipError) -> dict[str, list]:
    errors: dict[str, list] = {}
    for name, message in (error.errors or {error.field: error.message}).items():
        errors.setdefault(name, []).append(message)
    return errors


def _call(service, *args, **kwargs):
    """Run a service; on its errors roll back and stop with a problem naming the field."""
    try:
        return service(*args, **kwargs)
    except PartnershipPermissionError as error:
        db.session.rollback()
        abort_problem(403, error.message, errors={error.field: [error.message]})
    except PartnershipError as error:
        db.session.rollback()
        if error.code == "not_found":
            abort_problem(404)
        abort_problem(422, gettext("Check the fields listed in errors."),
                      errors=_messages(error))


def _money(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def _view(invoice: Invoice, check: svc.InvoiceCheck) -> dict:
    return {"id": invoice.id, "organisation_id": invoice.organisation_id,
            "organisation_name": dict(invoice.organisation.name or {}), "number": invoice.number,
            "period_start": invoice.period_start, "period_end": invoice.period_end,
            "received_on": invoice.received_on, "status": invoice.status,
            "comment": invoice.comment or "", "total": svc.total_of(invoice),
            "difference_count": None if check.error is not None else check.difference_count}


def _detail(invoice: Invoice) -> dict:
    check = svc.reconcile_invoice(invoice)
    return {
        **_view(invoice, check),
        "lines": [{"number": n, "student_ref": line.student_ref, "course_type": line.course_type,
                   "part": line.part, "amount": line.amount, "text": line.text or ""}
                  for n, line in enumerate(invoice.lines, start=1)],
        "reconciliation": {
            "balanced": check.balanced,
            "error": str(check.error) if check.error is not None else None,
            "invoiced_total": check.invoiced_total, "computed_total": check.computed_total,
            "difference": check.difference, "difference_count": check.difference_count,
            "lines": [{"line": line.number, "status": line.status,
                       "student_ref": line.student_ref, "course_type": line.course_type,
                       "part": line.part, "invoiced": line.invoiced, "computed": line.computed,
                       "difference": line.difference,
                       "explanation": svc.explain(line, format_money) or None}
                      for line in check.lines],
        },
    }


@blueprint.route("/invoices", tags=[TAG])
@require_api(can_view_partnership, scope="read")
@blueprint.arguments(InvoiceQuerySchema, location="query")
@blueprint.response(200, InvoiceSchema(many=True), example=[INVOICE_EXAMPLE])
@blueprint.paginate()
def invoices(args, pagination_parameters):
    """List invoices

    The invoices the requester may see (a provider: its own), newest received first, each
    with its total and number of differences from the computed payout. Filter by
    `organisation_id`, `status` and the period (`period_from`, `period_to`: invoices whose
    period overlaps). Paginated with `page` and `per_page`; `X-Pagination` carries the totals.
    """
    principal = current_principal()
    query = svc.invoices_query(principal.tenant, principal,
                               organisation_id=args.get("organisation_id"),
                               status=args.get("status") or "",
                               period_from=args.get("period_from"),
                               period_to=args.get("period_to"))
    pagination_parameters.item_count = db.session.scalar(
        select(func.count()).select_from(query.subquery()))
    rows = db.session.scalars(
        query.options(selectinload(Invoice.lines), selectinload(Invoice.organisation))
        .order_by(Invoice.received_on.desc(), Invoice.id.desc())
        .offset(pagination_parameters.first_item).limit(pagination_parameters.page_size))
    return [_view(invoice, svc.reconcile_invoice(invoice)) for invoice in rows]


@blueprint.route("/invoices", methods=["POST"], tags=[TAG])
@require_api(is_member & svc.can_enter_invoices, scope="report")
@blueprint.arguments(InvoiceInputSchema, example=INVOICE_INPUT_EXAMPLE)
@blueprint.response(201, InvoiceDetailSchema, headers=LOCATION, example=INVOICE_DETAIL_EXAMPLE)
def create_invoice(args):
    """Enter an invoice

    A provider's client (scope report) or reporter for its own provider (leave out
    `organisation_id`), or a purchaser or admin for any provider. The invoice is `received`;
    its number must be new for the provider (422 otherwise). The answer carries the
    reconciliation against the computed payout.
    """
    principal = current_principal()
    data = svc.InvoiceData(
        organisation_id=args.get("organisation_id"), number=args["number"],
        period_start=args["period_start"], period_end=args["period_end"],
        received_on=args.get("received_on") or svc.today(),
        lines=[svc.LineData(student_ref=line["student_ref"], course_type=line["course_type"],
                            part=line["part"], amount=line["amount"], text=line.get("text", ""))
               for line in args["lines"]])
    invoice = _call(svc.create_invoice, principal.tenant, principal, data)
    try:
        db.session.commit()
    except IntegrityError:  # the same number entered twice at once
        db.session.rollback()
        abort_problem(409, gettext("Someone else changed this at the same time. Try again."))
    return _detail(invoice), 201, {
        "Location": url_for("invoice_api.invoice", invoice_id=invoice.id)}


@blueprint.route("/invoices/<int:invoice_id>", tags=[TAG])
@require_api(can_view_partnership, scope="read")
@blueprint.response(200, InvoiceDetailSchema, example=INVOICE_DETAIL_EXAMPLE)
def invoice(invoice_id):
    """Read an invoice with its reconciliation

    Its lines, and each line against the payout computed for the provider and the invoice's
    period: `matches`, `amount_differs` (with both amounts and the difference),
    `not_computed`, `duplicate`; then the computed payouts not invoiced (`not_invoiced`).
    When the payout cannot be computed (e.g. no version of the compensation model), `error`
    says why and the lines are `unknown`.
    """
    principal = current_principal()
    return _detail(_call(svc.get_visible_invoice, principal.tenant, principal, invoice_id))
