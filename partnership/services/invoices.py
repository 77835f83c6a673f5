"""Invoices of authorised providers under the authorisation model, and their reconciliation
against the payouts computed from the reported enrolments.

Who may do what (checked here, whatever the page or API checked):

* entering an invoice (by hand or by file import), changing it and deleting it while it is
  ``received``: the provider's reporter for its own organisation (a person, or its API client
  with the "report" scope), or a purchaser or admin for any provider (:func:`can_enter_for`);
* approving or disputing: purchasers and admins (:data:`can_review_invoices`). Approval is
  refused while the reconciliation shows differences (or cannot be made) unless the purchaser
  confirms them explicitly; a dispute needs a comment. An approved invoice is final; a disputed
  one may still be approved once the difference is settled;
* reading: the broad roles see every invoice of the tenant; a principal bound to an
  organisation sees only that organisation's invoices; another provider's invoice is refused
  like one that does not exist.

An invoice's number is unique per provider. Its lines bill a student's course type and a part
of the price (``during_course`` or ``on_grades``, as the calculator's lines); amounts are exact,
with at most two decimals, negative for a credit. Every change is audited.

The reconciliation (:func:`reconcile_invoice`) sets the invoice's lines against
:func:`~samverkan.partnership.services.payouts.provider_lines` of its provider and period with
the pure :func:`~samverkan.partnership.services.reconciliation.reconcile`; a calculator error
(no model version, a missing quantity) comes back as a message, not an exception.

File import (:func:`import_invoices`): CSV or XLSX rows of one or several invoices of one
provider, grouped by invoice number, all written or none; every problem is listed with its row
number (the header is row 1).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select

from samverkan.partnership.permissions import (
    bound_to,
    is_provider_reporter,
    is_purchaser,
    sees_everything,
)
from samverkan.partnership.purchasing_models import Invoice, InvoiceLine, InvoiceStatus
from samverkan.partnership.services import payouts, reconciliation
from samverkan.partnership.services.common import (
    PartnershipError,
    label_of,
    parse_decimal,
    record,
    require,
    today,
)
from samverkan.platform.db import db
from samverkan.tenants.models import Organisation, OrganisationKind, Tenant
from samverkan.tenants.permissions import Principal, Rule, has_scope

PARTS = ("during_course", "on_grades")
NUMBER_LENGTH = 50
REF_LENGTH = 64
COURSE_TYPE_LENGTH = 50
TEXT_LENGTH = 200
COMMENT_LENGTH = 2000
MAX_LINES = 2000
AMOUNT_LIMIT = Decimal("1e12")  # Numeric(14, 2): 12 integer digits
CENT = Decimal("0.01")
IMPORT_FORMATS = ("csv", "xlsx")
IMPORT_MAX_ROWS = 10_000
IMPORT_COLUMNS = ("invoice_number", "period_start", "period_end", "student_ref", "course_type",
                  "part", "amount", "text")
MATCHES = "matches"
INVOICE_FIELDS = ["organisation_id", "number", "period_start", "period_end", "received_on",
                  "status", "comment"]

can_review_invoices = is_purchaser


def can_enter_for(organisation_id: int | None) -> Rule:
    """Enter, change and delete (while received) the invoices of this provider."""
    return is_purchaser | (is_provider_reporter & bound_to(organisation_id) & has_scope("report"))


# Who may enter invoices for some provider (the pages' and API's first check).
can_enter_invoices = is_purchaser | (is_provider_reporter & has_scope("report"))


def sees_invoice(invoice: Invoice) -> Rule:
    return sees_everything | bound_to(invoice.organisation_id)


# --- input -----------------------------------------------------------------------------------


@dataclass
class LineData:
    """One line as entered: raw values, checked by the service."""

    student_ref: Any = ""
    course_type: Any = ""
    part: Any = ""
    amount: Any = ""
    text: Any = ""


@dataclass
class InvoiceData:
    """An invoice as entered; ``organisation_id`` None means the principal's own provider."""

    organisation_id: Any
    number: Any
    period_start: Any
    period_end: Any
    received_on: Any
    lines: list[LineData] = field(default_factory=list)


@dataclass
class _Clean:
    number: str
    period_start: date
    period_end: date
    received_on: date
    lines: list[dict]


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ("" if value is None else str(value).strip())


def _date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10] if len(text) > 10 and text[10] in " T" else text)
    except ValueError:
        return None


def _amount(value: Any) -> tuple[Decimal | None, Any]:
    """The amount and None, or None and the message why not."""
    if isinstance(value, Decimal):
        number = value if value.is_finite() else None
    else:
        number = parse_decimal(value) if _text(value) else None
    if number is None:
        return None, (_l("Enter the amount.") if not _text(value) else _l("Enter an amount, e.g. 1300.50."))
    if number != number.quantize(CENT):
        return None, _l("Use at most two decimals (öre or cents).")
    if abs(number) >= AMOUNT_LIMIT:
        return None, _l("The amount is too large.")
    return number.quantize(CENT), None


def _check_line(index: int, line: LineData, errors: dict) -> dict:
    where = f"lines.{index}"
    student_ref, course_type = _text(line.student_ref), _text(line.course_type)
    part, text = _text(line.part), _text(line.text)
    if not student_ref:
        errors[f"{where}.student_ref"] = _l("Enter the student's reference.")
    elif len(student_ref) > REF_LENGTH:
        errors[f"{where}.student_ref"] = _l("At most %(max)d characters.", max=REF_LENGTH)
    if not course_type:
        errors[f"{where}.course_type"] = _l("Enter the course type.")
    elif len(course_type) > COURSE_TYPE_LENGTH:
        errors[f"{where}.course_type"] = _l("At most %(max)d characters.", max=COURSE_TYPE_LENGTH)
    if part not in PARTS:
        errors[f"{where}.part"] = _l("Choose the part: during the course or on grades.")
    amount, problem = _amount(line.amount)
    if problem is not None:
        errors[f"{where}.amount"] = problem
    if len(text) > TEXT_LENGTH:
        errors[f"{where}.text"] = _l("At most %(max)d characters.", max=TEXT_LENGTH)
    return {"student_ref": student_ref, "course_type": course_type, "part": part,
            "amount": amount, "text": text}


def _check(tenant: Tenant, organisation_id: int, data: InvoiceData,
           invoice_id: int | None = None) -> _Clean:
    """The cleaned invoice, or PartnershipError with every problem in ``errors``."""
    errors: dict[str, Any] = {}
    number = _text(data.number)
    if not number:
        errors["number"] = _l("Enter the invoice number.")
    elif len(number) > NUMBER_LENGTH:
        errors["number"] = _l("At most %(max)d characters.", max=NUMBER_LENGTH)
    elif _number_taken(tenant, organisation_id, number, invoice_id):
        errors["number"] = _l("The provider has another invoice with this number.")
    period_start, period_end = _date(data.period_start), _date(data.period_end)
    received_on = _date(data.received_on)
    if period_start is None:
        errors["period_start"] = _l("Enter the first day of the period, e.g. 2025-01-01.")
    if period_end is None:
        errors["period_end"] = _l("Enter the last day of the period, e.g. 2025-01-31.")
    elif period_start is not None and period_end < period_start:
        errors["period_end"] = _l("The period cannot end before it starts.")
    if received_on is None:
        errors["received_on"] = _l("Enter the day the invoice was received.")
    elif received_on > today():
        errors["received_on"] = _l("The date cannot be in the future.")
    if not data.lines:
        errors["lines"] = _l("Enter at least one line.")
    elif len(data.lines) > MAX_LINES:
        errors["lines"] = _l("An invoice can have at most %(count)s lines.", count=MAX_LINES)
    lines = [_check_line(index, line, errors) for index, line in enumerate(data.lines[:MAX_LINES])]
    if errors:
        first = next(iter(errors))
        raise PartnershipError(first, "invalid", errors[first], errors=errors)
    return _Clean(number=number, period_start=period_start, period_end=period_end,
                  received_on=received_on, lines=lines)


def _number_taken(tenant: Tenant, organisation_id: int, number: str,
                  invoice_id: int | None) -> bool:
    other = db.session.scalar(select(Invoice.id).where(
        Invoice.tenant_id == tenant.id, Invoice.organisation_id == organisation_id,
        Invoice.number == number))
    return other is not None and other != invoice_id


# --- providers and reading -------------------------------------------------------------------


def providers(tenant: Tenant) -> list[Organisation]:
    """The tenant's provider organisations (archived ones too: their invoices stay)."""
    return list(db.session.scalars(select(Organisation).where(
        Organisation.tenant_id == tenant.id,
        Organisation.kind == OrganisationKind.PROVIDER).order_by(Organisation.id)))


def providers_for(tenant: Tenant, principal: Principal) -> list[Organisation]:
    """The active providers the principal may enter invoices for."""
    return [o for o in providers(tenant)
            if not o.is_archived and can_enter_for(o.id)(principal)]


def visible_providers(tenant: Tenant, principal: Principal) -> list[Organisation]:
    """The providers whose invoices the principal sees."""
    if sees_everything(principal):
        return providers(tenant)
    own = principal.organisation_id if principal is not None else None
    return [o for o in providers(tenant) if o.id == own]


def _provider(tenant: Tenant, principal: Principal, organisation_id: Any) -> Organisation:
    """The provider an invoice is entered for: the one named, or the principal's own."""
    if organisation_id in (None, "") and principal is not None:
        organisation_id = principal.organisation_id
    try:
        organisation_id = int(organisation_id)
    except (TypeError, ValueError):
        organisation_id = None
    organisation = db.session.get(Organisation, organisation_id) if organisation_id else None
    if (organisation is None or organisation.tenant_id != tenant.id
            or organisation.kind != OrganisationKind.PROVIDER):
        raise PartnershipError("organisation_id", "invalid", _l("Choose a provider."))
    require(can_enter_for(organisation.id), principal, tenant, "organisation_id",
            _l("You may not enter invoices for this provider."))
    if organisation.is_archived:
        raise PartnershipError("organisation_id", "invalid", _l("Choose a provider."))
    return organisation


def invoices_query(tenant: Tenant, principal: Principal, *, organisation_id: int | None = None,
                   status: str = "", period_from: date | None = None,
                   period_to: date | None = None) -> Select:
    """The invoices the principal may see, filtered (a period filter keeps invoices whose
    period overlaps it); not ordered."""
    query = select(Invoice).where(Invoice.tenant_id == tenant.id)
    if not sees_everything(principal):
        own = principal.organisation_id if principal is not None else None
        if own is None:
            return query.where(Invoice.id.is_(None))
        query = query.where(Invoice.organisation_id == own)
    if organisation_id is not None:
        query = query.where(Invoice.organisation_id == organisation_id)
    if status in set(InvoiceStatus):
        query = query.where(Invoice.status == status)
    if period_from is not None:
        query = query.where(Invoice.period_end >= period_from)
    if period_to is not None:
        query = query.where(Invoice.period_start <= period_to)
    return query


def invoice_total() -> Any:
    """A correlated subquery of an invoice's total, for listing and sorting."""
    return (select(func.coalesce(func.sum(InvoiceLine.amount), 0))
            .where(InvoiceLine.invoice_id == Invoice.id).correlate(Invoice).scalar_subquery())


def total_of(invoice: Invoice) -> Decimal:
    return sum((line.amount for line in invoice.lines), Decimal("0.00"))


def get_visible_invoice(tenant: Tenant, principal: Principal, invoice_id: Any) -> Invoice:
    """The invoice if the principal may see it, else the same error as a missing one."""
    try:
        invoice_id = int(invoice_id)
    except (TypeError, ValueError):
        invoice_id = None
    invoice = db.session.get(Invoice, invoice_id) if invoice_id else None
    if invoice is None or invoice.tenant_id != tenant.id or not sees_invoice(invoice)(principal):
        raise PartnershipError("invoice_id", "not_found", _l("No such invoice."))
    return invoice


# --- entering, changing, deleting ------------------------------------------------------------


def _snapshot(invoice: Invoice) -> dict:
    return {**{name: getattr(invoice, name) for name in INVOICE_FIELDS},
            "lines": [_line_snapshot(line) for line in invoice.lines]}


def _line_snapshot(line: InvoiceLine) -> dict:
    return {"student_ref": line.student_ref, "course_type": line.course_type, "part": line.part,
            "amount": line.amount, "text": line.text}


def _set_lines(tenant: Tenant, invoice: Invoice, lines: list[dict]) -> None:
    invoice.lines.clear()
    for position, line in enumerate(lines, start=1):
        invoice.lines.append(InvoiceLine(tenant_id=tenant.id, position=position, **line))


def create_invoice(tenant: Tenant, principal: Principal, data: InvoiceData) -> Invoice:
    """A received invoice of a provider with its lines."""
    organisation = _provider(tenant, principal, data.organisation_id)
    clean = _check(tenant, organisation.id, data)
    invoice = _new_invoice(tenant, principal, organisation.id, clean)
    record("partnership.invoice_created", invoice, principal, after=_snapshot(invoice))
    return invoice


def _new_invoice(tenant: Tenant, principal: Principal, organisation_id: int,
                 clean: _Clean) -> Invoice:
    invoice = Invoice(tenant_id=tenant.id, organisation_id=organisation_id, number=clean.number,
                      period_start=clean.period_start, period_end=clean.period_end,
                      received_on=clean.received_on, status=InvoiceStatus.RECEIVED, comment="",
                      created_by_label=label_of(principal))
    db.session.add(invoice)
    _set_lines(tenant, invoice, clean.lines)
    db.session.flush()
    return invoice


def _received(tenant: Tenant, principal: Principal, invoice: Invoice) -> None:
    if invoice is None or invoice.tenant_id != tenant.id:
        raise PartnershipError("invoice_id", "not_found", _l("No such invoice."))
    require(can_enter_for(invoice.organisation_id), principal, tenant)
    if invoice.status != InvoiceStatus.RECEIVED:
        raise PartnershipError("status", "not_received", _l(
            "Only a received invoice can be changed or deleted; this one is already reviewed."))


def update_invoice(tenant: Tenant, principal: Principal, invoice: Invoice,
                   data: InvoiceData) -> None:
    """Change a received invoice; its provider stays (``data.organisation_id`` is ignored)."""
    _received(tenant, principal, invoice)
    clean = _check(tenant, invoice.organisation_id, data, invoice.id)
    before = _snapshot(invoice)
    invoice.number, invoice.received_on = clean.number, clean.received_on
    invoice.period_start, invoice.period_end = clean.period_start, clean.period_end
    _set_lines(tenant, invoice, clean.lines)
    db.session.flush()
    record("partnership.invoice_updated", invoice, principal, before=before,
           after=_snapshot(invoice))


def delete_invoice(tenant: Tenant, principal: Principal, invoice: Invoice) -> None:
    _received(tenant, principal, invoice)
    before, invoice_id = _snapshot(invoice), invoice.id
    db.session.delete(invoice)
    db.session.flush()
    record("partnership.invoice_deleted", None, principal, entity_type="Invoice",
           entity_id=invoice_id, before=before)


# --- review ----------------------------------------------------------------------------------


def _comment(value: Any, *, required: bool) -> str:
    comment = _text(value)
    if len(comment) > COMMENT_LENGTH:
        raise PartnershipError("comment", "too_long", _l(
            "A text is at most %(count)s characters.", count=COMMENT_LENGTH))
    if required and not comment:
        raise PartnershipError("comment", "required",
                               _l("Say what is disputed, for the provider to correct."))
    return comment


def _reviewable(tenant: Tenant, principal: Principal, invoice: Invoice,
                statuses: tuple[str, ...]) -> None:
    if invoice is None or invoice.tenant_id != tenant.id:
        raise PartnershipError("invoice_id", "not_found", _l("No such invoice."))
    require(can_review_invoices, principal, tenant)
    if invoice.status not in statuses:
        raise PartnershipError("status", "not_reviewable", _l(
            "This invoice is already approved and cannot be reviewed again."))


def approve_invoice(tenant: Tenant, principal: Principal, invoice: Invoice, *, comment: Any = "",
                    confirm_differences: bool = False) -> None:
    """Approve a received (or disputed) invoice. Differences in the reconciliation, or a
    reconciliation that cannot be made, need ``confirm_differences``."""
    _reviewable(tenant, principal, invoice, (InvoiceStatus.RECEIVED, InvoiceStatus.DISPUTED))
    comment = _comment(comment, required=False)
    check = reconcile_invoice(invoice)
    if not check.balanced and not confirm_differences:
        message = (_l("The invoice cannot be reconciled, so its differences are unknown. "
                      "Confirm that you approve it all the same.") if check.error is not None
                   else _l("The invoice has %(count)s unexplained differences from the computed "
                           "payout. Confirm that you approve it all the same.",
                           count=check.difference_count))
        raise PartnershipError("confirm_differences", "differences", message)
    before = {"status": invoice.status, "comment": invoice.comment}
    invoice.status = InvoiceStatus.APPROVED
    invoice.comment = comment
    db.session.flush()
    record("partnership.invoice_approved", invoice, principal, before=before,
           after={"status": invoice.status, "comment": comment,
                  "differences": check.difference_count, "difference": check.difference,
                  "confirmed_differences": not check.balanced})


def dispute_invoice(tenant: Tenant, principal: Principal, invoice: Invoice, comment: Any) -> None:
    """Dispute a received invoice, saying why."""
    _reviewable(tenant, principal, invoice, (InvoiceStatus.RECEIVED,))
    comment = _comment(comment, required=True)
    before = {"status": invoice.status, "comment": invoice.comment}
    invoice.status = InvoiceStatus.DISPUTED
    invoice.comment = comment
    db.session.flush()
    record("partnership.invoice_disputed", invoice, principal, before=before,
           after={"status": invoice.status, "comment": comment})


# --- reconciliation --------------------------------------------------------------------------


@dataclass(frozen=True)
class LineCheck:
    """An invoice line (``number`` its place on the invoice) or a computed payout not
    invoiced (``number`` None), with its status: ``matches`` or a
    :class:`~samverkan.partnership.services.reconciliation.DiscrepancyKind`."""

    number: int | None
    status: str
    student_ref: str
    course_type: str
    part: str
    invoiced: Decimal | None
    computed: Decimal | None
    difference: Decimal
    text: str = ""
    explanation: Any = None
    params: dict = field(default_factory=dict)

    @property
    def flagged(self) -> bool:
        return self.status != MATCHES


@dataclass(frozen=True)
class InvoiceCheck:
    """The reconciliation of one invoice: its lines in order, then the payouts not invoiced,
    and the totals; ``error`` (a message) when the payout cannot be computed, and then only
    the invoice's side is known."""

    lines: tuple[LineCheck, ...]
    invoiced_total: Decimal
    computed_total: Decimal | None
    difference: Decimal | None
    error: Any = None

    @property
    def difference_count(self) -> int:
        return sum(1 for line in self.lines if line.flagged)

    @property
    def balanced(self) -> bool:
        return self.error is None and self.difference_count == 0


def reconcile_invoice(invoice: Invoice) -> InvoiceCheck:
    """The invoice against the payout computed for its provider and period (no permission
    check: for callers that have checked that the principal sees the invoice)."""
    lines = list(invoice.lines)
    invoiced_total = total_of(invoice)
    try:
        computed = payouts.provider_lines(invoice.organisation_id, invoice.period_start,
                                          invoice.period_end)
        result = reconciliation.reconcile(
            [reconciliation.InvoiceLine(ref=str(number), student_ref=line.student_ref,
                                        course_type=line.course_type, part=line.part,
                                        amount=Decimal(line.amount).quantize(CENT))
             for number, line in enumerate(lines, start=1)], computed)
    except PartnershipError as error:
        return InvoiceCheck(lines=tuple(_unchecked(lines)), invoiced_total=invoiced_total,
                            computed_total=None, difference=None, error=error.message)
    by_ref: dict[str, LineCheck] = {}
    for match in result.matched:
        by_ref[match.invoice_ref] = LineCheck(
            number=int(match.invoice_ref), status=MATCHES, student_ref=match.student_ref,
            course_type=match.course_type, part=match.part, invoiced=match.invoiced,
            computed=match.computed, difference=match.difference)
    missing = []
    for item in result.discrepancies:
        check = LineCheck(
            number=int(item.invoice_ref) if item.invoice_ref is not None else None,
            status=str(item.kind), student_ref=item.student_ref, course_type=item.course_type,
            part=item.part, invoiced=item.invoiced, computed=item.computed,
            difference=item.difference, explanation=item.explanation, params=dict(item.params))
        if item.invoice_ref is None:
            missing.append(check)
        else:
            by_ref[item.invoice_ref] = check
    ordered = [_with_text(by_ref[str(number)], line.text)
               for number, line in enumerate(lines, start=1)]
    return InvoiceCheck(lines=tuple(ordered + missing), invoiced_total=result.invoiced_total,
                        computed_total=result.computed_total, difference=result.difference)


def _with_text(check: LineCheck, text: str) -> LineCheck:
    return LineCheck(**{**check.__dict__, "text": text or ""})


def _unchecked(lines: list[InvoiceLine]) -> Iterator[LineCheck]:
    for number, line in enumerate(lines, start=1):
        yield LineCheck(number=number, status="unknown", student_ref=line.student_ref,
                        course_type=line.course_type, part=line.part, invoiced=line.amount,
                        computed=None, difference=Decimal("0.00"), text=line.text or "")


def explain(check: LineCheck, money: Callable[[Decimal], str]) -> str:
    """The line's explanation in the reader's language, amounts formatted by ``money``."""
    if check.explanation is None:
        return ""
    params = {key: money(value) if isinstance(value, Decimal) else value
              for key, value in check.params.items()}
    return str(check.explanation) % params


def difference_counts(invoices: Iterable[Invoice]) -> dict[int, int | None]:
    """Each invoice's number of differences (None when it cannot be reconciled)."""
    counts: dict[int, int | None] = {}
    for invoice in invoices:
        check = reconcile_invoice(invoice)
        counts[invoice.id] = None if check.error is not None else check.difference_count
    return counts


# --- file import -----------------------------------------------------------------------------


class InvoiceImportError(PartnershipError):
    """The file is refused: ``rows`` lists ``(row number, message)``; row 0 is the file."""

    def __init__(self, rows: list[tuple[int, Any]]):
        super().__init__("file", "invalid", rows[0][1])
        self.rows = rows


def file_format(filename: str | None) -> str | None:
    name = (filename or "").lower()
    return next((fmt for fmt in IMPORT_FORMATS if name.endswith("." + fmt)), None)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value) if not value.is_integer() else str(int(value))
    return str(value).strip()


def read_file(data: bytes, filename: str) -> list[list[str]]:
    """The rows of a CSV (UTF-8, with or without a BOM; ``;``, ``,`` or tab) or XLSX file."""
    fmt = file_format(filename)
    if fmt is None:
        raise InvoiceImportError([(0, _l("Upload a CSV or XLSX file."))])
    rows = _xlsx_rows(data) if fmt == "xlsx" else _csv_rows(data)
    while rows and not any(rows[-1]):
        rows.pop()
    if not rows:
        raise InvoiceImportError([(0, _l("The file is empty."))])
    if len(rows) - 1 > IMPORT_MAX_ROWS:
        raise InvoiceImportError([(0, _l("A file can have at most %(count)s rows.",
                                         count=IMPORT_MAX_ROWS))])
    return rows


def _csv_rows(data: bytes) -> list[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    first = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first.count)
    return [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text),
                                                                 delimiter=delimiter)]


def _xlsx_rows(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a broken file
        raise InvoiceImportError([(0, _l("The file is not a readable XLSX workbook."))]) from error
    try:
        return [[_cell(value) for value in row]
                for row in workbook.worksheets[0].iter_rows(values_only=True)]
    finally:
        workbook.close()


def _header(row: list[str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, name in enumerate(row):
        key = name.strip().lstrip("\ufeff").lower().replace(" ", "_")
        if key in IMPORT_COLUMNS and key not in columns:
            columns[key] = index
    missing = [name for name in IMPORT_COLUMNS if name != "text" and name not in columns]
    if missing:
        raise InvoiceImportError([(1, _l(
            "The first row must name the columns. Missing: %(columns)s. Download the template "
            "to see the format.", columns=", ".join(missing)))])
    return columns


@dataclass
class _Group:
    number: str
    rows: list[int] = field(default_factory=list)
    data: InvoiceData | None = None


def _groups(rows: list[list[str]], organisation_id: int, received_on: Any,
            problems: list[tuple[int, Any]]) -> list[_Group]:
    """The file's invoices by number, in the order they first appear."""
    columns = _header(rows[0])
    groups: dict[str, _Group] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(row):
            continue
        cells = {name: (row[index] if index < len(row) else "") for name, index in columns.items()}
        invoice_number = cells["invoice_number"].strip()
        if not invoice_number:
            problems.append((number, _l("Enter the invoice number.")))
            continue
        group = groups.setdefault(invoice_number, _Group(invoice_number))
        if group.data is None:
            group.data = InvoiceData(organisation_id, invoice_number, cells["period_start"],
                                     cells["period_end"], received_on)
        elif (_date(cells["period_start"]), _date(cells["period_end"])) != (
                _date(group.data.period_start), _date(group.data.period_end)):
            problems.append((number, _l(
                "The invoice %(number)s has another period on row %(row)s: every row of an "
                "invoice has the same period.", number=invoice_number, row=group.rows[0])))
        group.rows.append(number)
        group.data.lines.append(LineData(cells["student_ref"], cells["course_type"],
                                         cells["part"].strip().lower(), cells["amount"],
                                         cells.get("text", "")))
    return list(groups.values())


def _row_of(group: _Group, error_field: str) -> int:
    """The row of an error: the line's row, else the invoice's first row."""
    parts = error_field.split(".")
    if parts[0] == "lines" and len(parts) > 1 and parts[1].isdigit():
        return group.rows[int(parts[1])]
    return group.rows[0]


FIELD_NAMES = {"number": "invoice_number", "period_start": "period_start",
               "period_end": "period_end", "received_on": "received_on", "lines": "lines"}


def import_invoices(tenant: Tenant, principal: Principal, organisation_id: Any,
                    received_on: Any, rows: list[list[str]]) -> list[Invoice]:
    """Every invoice of the rows (one provider, all received on ``received_on``), written all
    or none; InvoiceImportError lists every problem with its row number."""
    organisation = _provider(tenant, principal, organisation_id)
    day = _date(received_on)
    if day is None or day > today():
        raise PartnershipError("received_on", "invalid", _l(
            "Enter the day the invoices were received (not in the future)."))
    problems: list[tuple[int, Any]] = []
    groups = _groups(rows, organisation.id, received_on, problems)
    if not groups and not problems:
        raise InvoiceImportError([(0, _l("The file has no invoice lines."))])
    checked = []
    for group in groups:
        try:
            checked.append(_check(tenant, organisation.id, group.data))
        except PartnershipError as error:
            for error_field, message in error.errors.items():
                column = error_field.rsplit(".", 1)[-1]
                problems.append((_row_of(group, error_field), _l(
                    "%(column)s: %(message)s", column=FIELD_NAMES.get(column, column),
                    message=message)))
    if problems:
        raise InvoiceImportError(sorted(problems, key=lambda item: item[0]))
    invoices = []
    for clean in checked:
        invoice = _new_invoice(tenant, principal, organisation.id, clean)
        record("partnership.invoice_imported", invoice, principal, after=_snapshot(invoice))
        invoices.append(invoice)
    return invoices


def template_rows() -> list[list[str]]:
    """The import template: the header and two example rows of one invoice."""
    return [list(IMPORT_COLUMNS),
            ["F-2025-001", "2025-01-01", "2025-01-31", "S-1001", "vocational", "during_course",
             "1300.00", "January"],
            ["F-2025-001", "2025-01-01", "2025-01-31", "S-1002", "sfi", "on_grades", "2450.00",
             ""]]
