"""File imports of outcome reports: a template per agreement and period, and a job that reads an
uploaded CSV or XLSX file and saves its values as report drafts, all rows or none.

The file format (the template's first row names the columns; their order is free):

``indicator_code``
    Required. The code of one of the agreement's indicators.
``indicator_name``, ``unit``
    Informative only (the template fills them in); ignored on import.
``value``
    The value, with a decimal comma or point; checked against the indicator's unit. A row
    with neither a value nor a comment is skipped.
``comment_sv``, ``comment_fi``
    Optional comments per content language.
``period``
    Optional. The label of a reporting period (``2025 Q1``); empty means the period chosen on
    the upload page. A file may so carry several periods.
``business_id``
    Optional. The business id of a provider party of the agreement; empty means the provider
    chosen on the upload page. The uploader must be allowed to report for every provider named.

The job (:func:`run_import`) first checks every row and collects every problem with its row
number (the header is row 1), in the uploader's language. Only a file without problems is
written: one draft a provider and period, saved through :func:`.reports.save_draft` in the job's
single transaction. Reports already submitted or accepted are not changed: their rows are
errors. Progress is reported through :func:`samverkan.platform.jobs.report_progress`.

Uploads are kept under ``SAMVERKAN_UPLOAD_PATH/imports`` until their job has run: rq workers
on other machines need that folder shared with the web workers.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from samverkan.partnership.models import (
    Agreement,
    AgreementParty,
    Indicator,
    OutcomeReport,
    PartyRole,
    ReportingPeriod,
)
from samverkan.partnership.permissions import can_report_for
from samverkan.partnership.services.common import PartnershipError
from samverkan.partnership.services.indicators import check_value, indicator_label
from samverkan.partnership.services.reports import (
    EDITABLE_STATUSES,
    REPORTABLE_STATUSES,
    ValueData,
    open_report,
    save_draft,
)
from samverkan.platform import files
from samverkan.platform.config import CONTENT_LOCALES
from samverkan.platform.db import current_tenant_id, current_user_id, db
from samverkan.platform.i18n import translated
from samverkan.platform.jobs import report_progress
from samverkan.tenants.models import Tenant, User
from samverkan.tenants.permissions import Principal, principal_for_user

JOB = "samverkan.partnership.services.imports.run_import"
FORMATS = ("csv", "xlsx")
MAX_ROWS = 100_000
MAX_ERRORS_KEPT = 500
COMMENT_MAX = 5000
PROGRESS_EVERY = 500
COLUMNS = ("indicator_code", "indicator_name", "unit", "value",
           *(f"comment_{locale}" for locale in CONTENT_LOCALES), "period", "business_id")


class ImportFileError(PartnershipError):
    """The file cannot be read at all (format, encoding, header)."""


@dataclass
class RowError:
    row: int
    message: str


@dataclass
class Plan:
    """What a valid file would write: values per (organisation id, period id)."""

    groups: dict[tuple[int, int], dict[int, ValueData]] = field(default_factory=dict)
    first_rows: dict[tuple[int, int], int] = field(default_factory=dict)
    rows: int = 0
    skipped: int = 0
    errors: list[RowError] = field(default_factory=list)


# --- storing an upload --------------------------------------------------------------------------


def upload_folder() -> Path:
    folder = Path(current_app.config["SAMVERKAN_UPLOAD_PATH"]) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def file_format(filename: str | None) -> str | None:
    """``csv`` or ``xlsx`` from a file name, None for anything else."""
    suffix = Path(filename or "").suffix.lower().lstrip(".")
    return suffix if suffix in FORMATS else None


def store_upload(stream, filename: str) -> str:
    """Save an uploaded file under the instance folder; returns its storage key."""
    fmt = file_format(filename)
    if fmt is None:
        raise ImportFileError("file", "format", _l("Upload a CSV or XLSX file."))
    key = f"{uuid.uuid4().hex}.{fmt}"
    target = upload_folder() / key
    with target.open("wb") as out:
        while chunk := stream.read(1 << 16):
            out.write(chunk)
    if target.stat().st_size == 0:
        target.unlink()
        raise ImportFileError("file", "empty", _l("The file is empty."))
    try:  # the content must be what the name says: a renamed program is refused here
        files.recognise(f"upload.{fmt}", target.read_bytes(), ImportFileError)
    except ImportFileError:
        target.unlink()
        raise
    return key


def enqueue_import(tenant: Tenant, principal: Principal, agreement: Agreement, storage_key: str,
                   *, organisation_id: int | None, period_id: int | None, filename: str):
    """Record the import job; it starts when the caller's transaction commits."""
    from samverkan.platform.jobs import enqueue

    return enqueue(JOB, agreement.id, storage_key, organisation_id=organisation_id,
                   period_id=period_id, filename=filename, tenant_id=tenant.id,
                   actor_id=principal.user.id if principal.user is not None else None)


# --- reading a file -----------------------------------------------------------------------------


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value) if not value.is_integer() else str(int(value))
    return str(value).strip()


def _csv_rows(data: bytes) -> Iterator[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    first = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first.count)
    for row in csv.reader(io.StringIO(text), delimiter=delimiter):
        yield [cell.strip() for cell in row]


def _xlsx_rows(path: Path) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a broken file
        raise ImportFileError("file", "unreadable",
                              _l("The file is not a readable XLSX workbook.")) from error
    try:
        for row in workbook.worksheets[0].iter_rows(values_only=True):
            yield [_cell(value) for value in row]
    finally:
        workbook.close()


def read_rows(path: Path) -> list[list[str]]:
    """Every row of the file as text cells (CSV in UTF-8 with or without a BOM, or XLSX)."""
    xlsx = file_format(path.name) == "xlsx"
    rows = list(_xlsx_rows(path) if xlsx else _csv_rows(path.read_bytes()))
    while rows and not any(rows[-1]):
        rows.pop()
    if not rows:
        raise ImportFileError("file", "empty", _l("The file is empty."))
    if len(rows) - 1 > MAX_ROWS:
        raise ImportFileError("file", "too_many", _l(
            "A file can have at most %(count)s rows.", count=MAX_ROWS))
    return rows


def _header(row: list[str]) -> dict[str, int]:
    columns = {}
    for index, name in enumerate(row):
        key = name.strip().lstrip("\ufeff").lower().replace(" ", "_")
        if key in COLUMNS and key not in columns:
            columns[key] = index
    if "indicator_code" not in columns or "value" not in columns:
        raise ImportFileError("file", "header", _l(
            "The first row must name the columns, at least indicator_code and value. "
            "Download the template to see the format."))
    return columns


# --- checking the rows --------------------------------------------------------------------------


@dataclass
class Context:
    """What rows are checked against, loaded once."""

    tenant: Tenant
    principal: Principal
    agreement: Agreement
    indicators: dict[str, Indicator]
    providers: dict[str, AgreementParty]  # business id (upper case) -> party
    periods: dict[str, ReportingPeriod]  # label -> period within the agreement's validity
    default_organisation_id: int | None
    default_period_id: int | None
    locked: set[tuple[int, int]]  # (organisation, period) of submitted or accepted reports


def _context(tenant: Tenant, principal: Principal, agreement: Agreement,
             organisation_id: int | None, period_id: int | None) -> Context:
    providers = {(p.organisation.business_id or "").strip().upper(): p for p in agreement.parties
                 if p.role == PartyRole.PROVIDER and p.organisation.business_id}
    periods = {p.label: p for p in db.session.scalars(select(ReportingPeriod).where(
        ReportingPeriod.tenant_id == tenant.id,
        ReportingPeriod.ends_on >= agreement.valid_from,
        *([ReportingPeriod.starts_on <= agreement.valid_to] if agreement.valid_to else []),
    ).order_by(ReportingPeriod.starts_on))}
    locked = {(r.organisation_id, r.period_id) for r in db.session.scalars(select(OutcomeReport).where(
        OutcomeReport.tenant_id == tenant.id, OutcomeReport.agreement_id == agreement.id,
        OutcomeReport.is_current.is_(True), OutcomeReport.status.not_in(EDITABLE_STATUSES)))}
    return Context(tenant, principal, agreement, {i.code: i for i in agreement.indicators},
                   providers, periods, organisation_id, period_id, locked)


def _organisation(ctx: Context, business_id: str) -> int:
    if not business_id:
        if ctx.default_organisation_id is None:
            raise PartnershipError("business_id", "required", _l(
                "Give the business id of the provider."))
        organisation_id = ctx.default_organisation_id
    else:
        party = ctx.providers.get(business_id.upper())
        if party is None:
            raise PartnershipError("business_id", "unknown", _l(
                "%(value)s is not the business id of a provider of this agreement.",
                value=business_id))
        organisation_id = party.organisation_id
    if not can_report_for(organisation_id)(ctx.principal):
        raise PartnershipError("business_id", "forbidden", _l(
            "You may not report for the provider %(value)s.", value=business_id or "-"))
    return organisation_id


def _period(ctx: Context, label: str) -> int:
    if not label:
        if ctx.default_period_id is None:
            raise PartnershipError("period", "required", _l("Give the reporting period."))
        return ctx.default_period_id
    period = ctx.periods.get(label)
    if period is None:
        raise PartnershipError("period", "unknown", _l(
            "%(value)s is not a reporting period of this agreement.", value=label))
    return period.id


def _check_row(ctx: Context, plan: Plan, number: int, cells: dict[str, str], seen: dict) -> None:
    code = cells.get("indicator_code", "")
    indicator = ctx.indicators.get(code)
    if indicator is None:
        raise PartnershipError("indicator_code", "unknown", _l(
            "%(value)s is not an indicator of this agreement.", value=code or "-"))
    raw = cells.get("value", "")
    comment = {loc: cells[f"comment_{loc}"] for loc in CONTENT_LOCALES if cells.get(f"comment_{loc}")}
    if not raw and not comment:
        plan.skipped += 1
        return
    value: Decimal | None = None
    if raw:
        value = check_value(indicator.unit, raw, indicator.code, indicator_label(indicator))
    if any(len(text) > COMMENT_MAX for text in comment.values()):
        raise PartnershipError("comment", "too_long", _l(
            "A text is at most %(count)s characters.", count=COMMENT_MAX))
    key = (_organisation(ctx, cells.get("business_id", "")), _period(ctx, cells.get("period", "")))
    if key in ctx.locked:
        raise PartnershipError("period", "locked", _l(
            "The report of this provider and period is already submitted or accepted."))
    earlier = seen.get((*key, indicator.id))
    if earlier is not None:
        raise PartnershipError("indicator_code", "duplicate", _l(
            "The value of %(indicator)s for this provider and period is already on row %(row)s.",
            indicator=indicator.code, row=earlier))
    seen[(*key, indicator.id)] = number
    plan.groups.setdefault(key, {})[indicator.id] = ValueData(value=value, comment=comment)
    plan.first_rows.setdefault(key, number)
    plan.rows += 1


def check_rows(ctx: Context, rows: list[list[str]], run_id: str | None = None) -> Plan:
    """Check every data row; the plan holds the values, or the errors of every bad row."""
    columns = _header(rows[0])
    plan, seen = Plan(), {}
    total = max(1, len(rows) - 1)
    for number, row in enumerate(rows[1:], start=2):
        if not any(row):
            continue
        cells = {name: (row[index].strip() if index < len(row) else "")
                 for name, index in columns.items()}
        try:
            _check_row(ctx, plan, number, cells, seen)
        except PartnershipError as error:
            plan.errors.append(RowError(number, str(error.message)))
        if run_id and number % PROGRESS_EVERY == 0:
            report_progress(run_id, int(50 * number / total), "checking")
    if plan.rows == 0 and not plan.errors:
        plan.errors.append(RowError(1, str(_l("The file has no values to import."))))
    return plan


# --- writing ------------------------------------------------------------------------------------


class RowFailure(Exception):
    """A group of rows that the services refused while writing."""

    def __init__(self, row: int, error: PartnershipError):
        super().__init__(row)
        self.row = row
        self.error = error


def write_plan(ctx: Context, plan: Plan, run_id: str | None = None) -> list[int]:
    """Save the plan's values as drafts; returns the ids of the reports written.

    SQLite has one writer at a time: once this transaction writes, a progress update from
    another connection would wait for it, so there progress stays at "writing" until the end.
    """
    ids = []
    if run_id:
        report_progress(run_id, 50, "writing")
    concurrent = db.session.get_bind().dialect.name != "sqlite"
    for done, ((organisation_id, period_id), values) in enumerate(plan.groups.items(), start=1):
        try:
            report = open_report(ctx.tenant, ctx.principal, ctx.agreement, period_id,
                                 organisation_id)
            save_draft(ctx.tenant, ctx.principal, report, values)
        except PartnershipError as error:
            raise RowFailure(plan.first_rows[(organisation_id, period_id)], error) from error
        ids.append(report.id)
        if run_id and concurrent and done % 10 == 0:
            report_progress(run_id, 50 + int(50 * done / len(plan.groups)), "writing")
    return ids


def import_file(tenant: Tenant, principal: Principal, agreement: Agreement, path: Path, *,
                organisation_id: int | None = None, period_id: int | None = None,
                run_id: str | None = None) -> dict:
    """Check and write a file; returns the result (``ok``, counts, errors by row). Nothing
    is written unless every row is valid; the caller commits or rolls back."""
    if agreement.status not in REPORTABLE_STATUSES:
        return _failed([RowError(1, str(_l(
            "Reports are made on signed, active or ended agreements.")))])
    try:
        rows = read_rows(path)
    except ImportFileError as error:
        return _failed([RowError(1, str(error.message))])
    ctx = _context(tenant, principal, agreement, organisation_id, period_id)
    plan = check_rows(ctx, rows, run_id)
    if plan.errors:
        return _failed(plan.errors, rows=len(rows) - 1)
    try:
        ids = write_plan(ctx, plan, run_id)
    except RowFailure as failure:
        db.session.rollback()
        return _failed([RowError(failure.row, str(failure.error.message))], rows=len(rows) - 1)
    return {"ok": True, "rows": len(rows) - 1, "values": plan.rows, "skipped": plan.skipped,
            "reports": len(ids), "report_ids": ids[:100], "errors": [], "error_count": 0}


def _failed(errors: list[RowError], rows: int = 0) -> dict:
    return {"ok": False, "rows": rows, "values": 0, "skipped": 0, "reports": 0,
            "report_ids": [], "error_count": len(errors),
            "errors": [[e.row, e.message] for e in errors[:MAX_ERRORS_KEPT]]}


def run_import(agreement_id: int, storage_key: str, *, run_id: str,
               organisation_id: int | None = None, period_id: int | None = None,
               filename: str = "") -> dict:
    """The import job: runs as the uploader in its tenant, messages in the uploader's
    language; the stored file is removed when the job has run."""
    tenant = db.session.get(Tenant, current_tenant_id())
    user = db.session.get(User, current_user_id()) if current_user_id() else None
    principal = principal_for_user(tenant, user)
    path = upload_folder() / Path(storage_key).name
    locale = (user.preferred_locale if user else None) or tenant.default_locale
    with force_locale(locale):
        agreement = db.session.get(Agreement, agreement_id)
        if principal is None or agreement is None or agreement.tenant_id != tenant.id:
            result = _failed([RowError(1, str(_l("You are not allowed to do this.")))])
        else:
            result = import_file(tenant, principal, agreement, path,
                                 organisation_id=organisation_id, period_id=period_id,
                                 run_id=run_id)
        if not result["ok"]:
            db.session.rollback()
    path.unlink(missing_ok=True)
    return {**result, "agreement_id": agreement_id, "filename": filename, "locale": locale}


# --- the template -------------------------------------------------------------------------------


def template_rows(agreement: Agreement, period: ReportingPeriod, business_id: str,
                  values: dict[int, tuple[Decimal | None, dict]], unit_label) -> Iterable[list]:
    """One row an indicator, with the values already reported (if any)."""
    for indicator in agreement.indicators:
        value, comment = values.get(indicator.id, (None, {}))
        yield [indicator.code, translated(indicator.name), unit_label(indicator.unit), value,
               *((comment or {}).get(loc, "") for loc in CONTENT_LOCALES), period.label,
               business_id]
