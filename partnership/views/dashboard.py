"""Partnership follow-up pages: the tenant's overview by role, an agreement's dashboard of
values against targets, the chain from a steering goal to reported values, the exports of a
dashboard (CSV and XLSX) and the printable follow-up report of an agreement.

Every page only reads; the queries are in :mod:`samverkan.partnership.services.dashboard`. A
provider reporter sees only its own organisation's agreements and reports there.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

from flask import Response, abort, current_app, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from samverkan.partnership.indicator_forms import AGGREGATION_LABELS, DIRECTION_LABELS, UNIT_LABELS
from samverkan.partnership.models import (
    Agreement,
    AgreementStatus,
    CommitmentStatus,
    PartyRole,
    TargetStatus,
    Unit,
)
from samverkan.partnership.permissions import can_view_partnership, sees_everything
from samverkan.partnership.services import common
from samverkan.partnership.services.common import PartnershipError
from samverkan.partnership.services.dashboard import (
    AgreementDashboard,
    agreement_dashboard,
    goal_chain,
    linked_indicator_count,
    tenant_overview,
)
from samverkan.partnership.services.queries import get_visible_agreement
from samverkan.partnership.views import blueprint
from samverkan.platform.db import db
from samverkan.platform.i18n import current_locale, format_number, translated
from samverkan.tenants.audit_labels import register_audit_labels
from samverkan.tenants.permissions import current_principal, require

AGREEMENT = "/t/<slug>/partnership/agreements/<int:agreement_id>"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

AGREEMENT_STATUS_LABELS = {
    AgreementStatus.DRAFT: _l("Draft"),
    AgreementStatus.NEGOTIATION: _l("In negotiation"),
    AgreementStatus.SIGNED: _l("Signed"),
    AgreementStatus.ACTIVE: _l("Active"),
    AgreementStatus.ENDED: _l("Ended"),
    AgreementStatus.TERMINATED: _l("Terminated"),
}
TARGET_STATUS_LABELS = {
    TargetStatus.MET: _l("Met"),
    TargetStatus.NEAR: _l("Near"),
    TargetStatus.MISSED: _l("Missed"),
}
TARGET_STATUS_BADGES = {
    TargetStatus.MET: "badge-ok",
    TargetStatus.NEAR: "badge-warning",
    TargetStatus.MISSED: "badge-error",
}
PARTY_ROLE_LABELS = {
    PartyRole.PURCHASER: _l("Purchaser"),
    PartyRole.PROVIDER: _l("Provider"),
    PartyRole.OWNER: _l("Owner"),
    PartyRole.EMPLOYER: _l("Employer"),
    PartyRole.OTHER: _l("Other"),
}
COMMITMENT_STATUS_LABELS = {
    CommitmentStatus.PLANNED: _l("Planned"),
    CommitmentStatus.IN_PROGRESS: _l("In progress"),
    CommitmentStatus.DONE: _l("Done"),
}

register_audit_labels(actions={"partnership.reminder_sent": _l("Reporting reminder sent")},
                      entity_types={"ReportReminder": _l("Reporting reminder")})


# --- template helpers ----------------------------------------------------------------------------


def _url_if(endpoint: str, **values) -> str | None:
    """A link to a page another part of partnership provides, once it exists."""
    if endpoint not in current_app.view_functions:
        return None
    return url_for(endpoint, **values)


def measure(value, unit: str | None = None) -> str:
    """A value without trailing zeros, formatted for the locale (70.5000 -> 70,5)."""
    if value is None:
        return "–"
    text = format_number(Decimal(value).normalize())
    return f"{text} %" if unit == Unit.PERCENT else text


def unit_label(unit: str) -> str:
    if unit == Unit.MONEY:
        return current_principal().tenant.currency
    return str(UNIT_LABELS.get(unit, unit))


def _helpers() -> dict:
    return {
        "agreement_status_label": lambda s: AGREEMENT_STATUS_LABELS.get(s, s),
        "status_label": lambda s: TARGET_STATUS_LABELS.get(s, s),
        "status_badge": lambda s: TARGET_STATUS_BADGES.get(s, ""),
        "party_role_label": lambda r: PARTY_ROLE_LABELS.get(r, r),
        "commitment_status_label": lambda s: COMMITMENT_STATUS_LABELS.get(s, s),
        "direction_label": lambda d: DIRECTION_LABELS.get(d, d),
        "aggregation_label": lambda a: AGGREGATION_LABELS.get(a, a),
        "unit_label": unit_label,
        "measure": measure,
        "url_if": _url_if,
        "TargetStatus": TargetStatus,
    }


@blueprint.app_context_processor
def goal_chain_link() -> dict:
    """``partnership_goal_chain_url(goal)``: the goal's chain page when indicators link to it."""

    def chain_url(goal) -> str | None:
        principal = current_principal()
        if principal is None or not can_view_partnership(principal):
            return None
        if not linked_indicator_count(principal.tenant, goal.id):
            return None
        return url_for("partnership.goal_chain", slug=principal.tenant.slug, goal_id=goal.id)

    return {"partnership_goal_chain_url": chain_url}


def _agreement_or_404(agreement_id: int) -> Agreement:
    principal = current_principal()
    try:
        return get_visible_agreement(principal.tenant, principal, agreement_id)
    except PartnershipError:
        abort(404)


def _include_submitted() -> bool:
    return request.args.get("include") == "submitted"


def _provider_id() -> int | None:
    try:
        return int(request.args.get("provider", ""))
    except ValueError:
        return None


def _content_locale(tenant) -> str:
    """``?locale=`` when it is one of the tenant's content locales, else the reader's language
    if it is one, else the tenant's default."""
    locales = list(tenant.content_locales or [tenant.default_locale])
    asked = request.args.get("locale")
    if asked in locales:
        return asked
    return current_locale() if current_locale() in locales else tenant.default_locale


def _export_locale(tenant) -> str:
    """The language of an export (headers and content): ``?locale=`` when it is one of the
    tenant's content locales, else the reader's language."""
    asked = request.args.get("locale")
    return asked if asked in (tenant.content_locales or []) else current_locale()


# --- the overview --------------------------------------------------------------------------------


@blueprint.get("/t/<slug>/partnership", endpoint="overview")
@require(can_view_partnership)
def overview_page():
    principal = current_principal()
    data = tenant_overview(principal.tenant, principal)
    return render_template(
        "partnership/dashboard/overview.html", data=data, principal=principal,
        statuses=list(AgreementStatus), may_create=principal.has_role("admin", "purchaser"),
        **_helpers(),
    )


# --- an agreement's dashboard --------------------------------------------------------------------


def chart_points(row) -> list[dict]:
    return [{"label": c.period.label, "value": c.value, "target": c.target, "status": c.status,
             "provisional": c.provisional} for c in row.charted]


@blueprint.get(f"{AGREEMENT}/dashboard", endpoint="dashboard")
@require(can_view_partnership)
def dashboard_page(agreement_id: int):
    principal = current_principal()
    agreement = _agreement_or_404(agreement_id)
    data = agreement_dashboard(principal.tenant, principal, agreement,
                               include_submitted=_include_submitted(), provider_id=_provider_id())
    return render_template(
        "partnership/dashboard/agreement.html", agreement=agreement, data=data,
        agreement_tab="dashboard", chart_points=chart_points,
        locales=list(principal.tenant.content_locales or [principal.tenant.default_locale]),
        **_helpers(),
    )


# --- the goal chain ------------------------------------------------------------------------------


@blueprint.get("/t/<slug>/partnership/goals/<int:goal_id>/chain", endpoint="goal_chain")
@require(can_view_partnership)
def goal_chain_page(goal_id: int):
    from samverkan.ownership.models import SteeringGoal

    principal = current_principal()
    goal = db.session.scalar(select(SteeringGoal).where(SteeringGoal.id == goal_id))
    if goal is None or goal.tenant_id != principal.tenant.id:
        abort(404)
    data = goal_chain(principal.tenant, principal, goal, include_submitted=_include_submitted())
    return render_template("partnership/dashboard/goal_chain.html", goal=goal, data=data,
                           chart_points=chart_points, **_helpers())


# --- exports -------------------------------------------------------------------------------------


def _decimal_comma() -> bool:
    return current_locale() in ("sv", "fi")


def _safe_text(text: str) -> str:
    """Text a spreadsheet would run as a formula, quoted with an apostrophe."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return text.replace(".", ",") if _decimal_comma() else text
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    return _safe_text(str(value))


def _xlsx_cell(value):
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if value is None or isinstance(value, date | int | float):
        return value
    return _safe_text(str(value))


def _filename(agreement: Agreement, extension: str) -> str:
    code = "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in agreement.code)
    return f"{current_principal().tenant.slug}-{code}-{common.today().isoformat()}.{extension}"


def _download(body: bytes, mimetype: str, filename: str) -> Response:
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})


def dashboard_table(data: AgreementDashboard, locale: str) -> tuple[list[str], list[list]]:
    """One row per indicator and period, then one per indicator and year."""
    header = [_("Agreement"), _("Indicator code"), _("Indicator"), _("Unit"), _("Direction"),
              _("Level"), _("Period"), _("Period start"), _("Period end"), _("Reporting deadline"),
              _("Target"), _("Value"), _("Status"), _("Awaiting review")]
    rows = []
    code = data.agreement.code
    for row in data.rows:
        indicator = row.indicator
        start = [code, indicator.code, translated(indicator.name, locale),
                 unit_label(indicator.unit), str(DIRECTION_LABELS.get(indicator.direction, ""))]
        for cell in row.cells:
            rows.append([*start, _("Period"), cell.period.label, cell.period.starts_on,
                         cell.period.ends_on, cell.period.deadline, cell.target, cell.value,
                         str(TARGET_STATUS_LABELS[cell.status]) if cell.status else None,
                         _("Yes") if cell.provisional else None])
        for year in row.years:
            rows.append([*start, _("Year"), year.year, None, None, None, year.target, year.value,
                         str(TARGET_STATUS_LABELS[year.status]) if year.status else None, None])
    return header, rows


def _csv(header: list[str], rows: list[list]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([_csv_cell(v) for v in row] for row in rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # the BOM tells Excel it is UTF-8


def _xlsx(title: str, header: list[str], rows: list[list]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "".join(ch for ch in title if ch not in "[]:*?/\\")[:31] or "Sheet"
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_xlsx_cell(v) for v in row])
    sheet.freeze_panes = "A2"
    for column in sheet.columns:
        width = max(len(str(cell.value or "")) for cell in column)
        sheet.column_dimensions[column[0].column_letter].width = min(max(width + 2, 10), 60)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@blueprint.get(f"{AGREEMENT}/export", endpoint="export_dashboard")
@require(can_view_partnership)
def export_dashboard(agreement_id: int):
    principal = current_principal()
    agreement = _agreement_or_404(agreement_id)
    kind = request.args.get("format", "csv")
    if kind not in ("csv", "xlsx"):
        abort(404)
    locale = _export_locale(principal.tenant)
    data = agreement_dashboard(principal.tenant, principal, agreement,
                               include_submitted=_include_submitted(), provider_id=_provider_id())
    with force_locale(locale):
        header, rows = dashboard_table(data, locale)
        if kind == "csv":
            return _download(_csv(header, rows), "text/csv", _filename(agreement, "csv"))
        return _download(_xlsx(agreement.code, header, rows), XLSX_MIMETYPE,
                         _filename(agreement, "xlsx"))


# --- the printable follow-up report --------------------------------------------------------------


@blueprint.get(f"{AGREEMENT}/follow-up", endpoint="export_report")
@require(can_view_partnership)
def follow_up_report(agreement_id: int):
    principal = current_principal()
    tenant = principal.tenant
    agreement = _agreement_or_404(agreement_id)
    locale = _content_locale(tenant)
    data = agreement_dashboard(tenant, principal, agreement, include_submitted=_include_submitted(),
                               provider_id=_provider_id())
    commitments = [c for c in agreement.commitments
                   if sees_everything(principal) or c.party.organisation_id == principal.organisation_id]
    with force_locale(locale):
        return render_template(
            "partnership/dashboard/follow_up.html", agreement=agreement, data=data,
            commitments=commitments, locale=locale, day=common.today(), chart_points=chart_points,
            locales=list(tenant.content_locales or [tenant.default_locale]), **_helpers(),
        )
