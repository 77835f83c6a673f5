"""Owner steering pages: the overview by role, the owner representative's cross-consortium
view, the printable annual report and the exports of goals and progress (CSV and XLSX).

Every page only reads; the queries are in :mod:`samverkan.ownership.services.dashboard`.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

from flask import Response, current_app, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from samverkan.ownership.models import GoalStatus, ItemOutcome, ProgressStatus, SteeringGoal
from samverkan.ownership.permissions import (
    can_view_ownership,
    is_owner_representative,
    is_provider_reporter,
)
from samverkan.ownership.services import common
from samverkan.ownership.services.dashboard import (
    annual_report,
    export_goals,
    export_progress,
    my_steering,
    overview,
    represented_memberships,
    years_with_activity,
)
from samverkan.ownership.views import blueprint
from samverkan.platform.i18n import current_locale, translated
from samverkan.platform.navigation import register_user_menu
from samverkan.tenants.permissions import current_principal, require
from samverkan.tenants.services.accounts import memberships_of

GOAL_STATUS_LABELS = {
    GoalStatus.DRAFT: _l("Draft"),
    GoalStatus.PROPOSED: _l("Proposed"),
    GoalStatus.ADOPTED: _l("Adopted"),
    GoalStatus.ACHIEVED: _l("Achieved"),
    GoalStatus.NOT_ACHIEVED: _l("Not achieved"),
    GoalStatus.WITHDRAWN: _l("Withdrawn"),
}
PROGRESS_STATUS_LABELS = {
    ProgressStatus.ON_TRACK: _l("On track"),
    ProgressStatus.AT_RISK: _l("At risk"),
    ProgressStatus.OFF_TRACK: _l("Off track"),
}
PROGRESS_STATUS_BADGES = {
    ProgressStatus.ON_TRACK: "badge-ok",
    ProgressStatus.AT_RISK: "badge-warning",
    ProgressStatus.OFF_TRACK: "badge-error",
}
OUTCOME_LABELS = {
    ItemOutcome.PENDING: _l("Not decided"),
    ItemOutcome.ADOPTED: _l("Adopted"),
    ItemOutcome.REJECTED: _l("Rejected"),
}
DIRECTION_LABELS = {"higher": _l("Higher is better"), "lower": _l("Lower is better")}

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _has_owner_role(user, _app) -> bool:
    return bool(represented_memberships(memberships_of(user)))


register_user_menu("ownership.my_steering", _l("My owner steering"), _has_owner_role)


# --- template helpers -------------------------------------------------------------------------


def _url_if(endpoint: str, **values) -> str | None:
    """A link to a page another part of the section provides, once it exists."""
    if endpoint not in current_app.view_functions:
        return None
    return url_for(endpoint, **values)


def _helpers() -> dict:
    return {
        "goal_url": lambda goal: _url_if("ownership.goal_detail", goal_id=goal.id),
        "report_url": lambda goal: _url_if("ownership.goal_progress", goal_id=goal.id),
        "item_url": lambda item: _url_if("ownership.item_detail", meeting_id=item.meeting_id,
                                         item_id=item.id),
        "meeting_url": lambda meeting: _url_if("ownership.meeting_detail", meeting_id=meeting.id),
        "goal_status_label": lambda status: GOAL_STATUS_LABELS.get(status, status),
        "progress_status_label": lambda status: PROGRESS_STATUS_LABELS.get(status, status),
        "progress_badge": lambda status: PROGRESS_STATUS_BADGES.get(status, ""),
        "outcome_label": lambda outcome: OUTCOME_LABELS.get(outcome, outcome),
        "direction_label": lambda direction: DIRECTION_LABELS.get(direction, direction),
        "measure": _measure,
        "GoalStatus": GoalStatus,
    }


def _measure(value) -> str:
    """A measure value without trailing zeros, formatted for the locale (70.5000 -> 70,5)."""
    from samverkan.platform.i18n import format_number

    if value is None:
        return "–"
    return format_number(Decimal(value).normalize())


# --- the overview -----------------------------------------------------------------------------


@blueprint.get("/t/<slug>/ownership/", endpoint="overview")
@require(can_view_ownership)
def overview_page():
    principal = current_principal()
    represents = is_owner_representative(principal)
    data = overview(principal.tenant, principal.organisation_id if represents else None)
    return render_template(
        "ownership/dashboard/overview.html", data=data, principal=principal,
        represents=represents, reports=is_provider_reporter(principal), today=common.today(),
        **_helpers(),
    )


# --- the owner representative's cross-consortium view ------------------------------------------


@blueprint.get("/ownership", endpoint="my_steering")
@login_required
def my_steering_page():
    rows = my_steering(memberships_of(current_user))
    return render_template("ownership/dashboard/my_steering.html", rows=rows,
                           statuses=list(GoalStatus), **_helpers())


# --- the annual report ------------------------------------------------------------------------


def _report_year(years: list[int]) -> int:
    try:
        year = int(request.args.get("year", ""))
    except ValueError:
        year = None
    if year is None or not common.MIN_YEAR <= year <= common.MAX_YEAR:
        today = common.today()
        year = today.year - 1 if (today.year - 1) in years else today.year
    return year


def _report_locale(tenant) -> str:
    locales = list(tenant.content_locales or [tenant.default_locale])
    asked = request.args.get("locale")
    if asked in locales:
        return asked
    return current_locale() if current_locale() in locales else tenant.default_locale


def trajectory_data(goal: SteeringGoal, rows) -> dict:
    """The arguments of the shared ``trajectory_chart`` macro (ownership/_chart.html)."""
    return {
        "start": {"date": date(goal.baseline_year, 1, 1), "value": goal.baseline_value},
        "end": {"date": goal.target_date, "value": goal.target_value},
        "actual": [{"label": row.report.period_label, "date": row.report.period_date,
                    "value": row.report.value, "expected": row.assessment.trajectory_value}
                   for row in rows],
    }


@blueprint.get("/t/<slug>/ownership/report", endpoint="annual_report")
@require(can_view_ownership)
def annual_report_page():
    principal = current_principal()
    tenant = principal.tenant
    years = years_with_activity(tenant)
    year = _report_year(years)
    if year not in years:
        years = sorted({*years, year})
    locale = _report_locale(tenant)
    data = annual_report(tenant, year)
    charts = {state.goal.id: trajectory_data(state.goal, data.reports[state.goal.id])
              for state in data.goals}
    locales = list(tenant.content_locales or [tenant.default_locale])
    with force_locale(locale):
        return render_template(
            "ownership/dashboard/annual_report.html", data=data, year=year, years=years,
            locale=locale, locales=locales, charts=charts, **_helpers(),
        )


# --- exports ----------------------------------------------------------------------------------


def _filename(kind: str, extension: str) -> str:
    return f"{current_principal().tenant.slug}-{kind}-{common.today().isoformat()}.{extension}"


def _decimal_comma() -> bool:
    return current_locale() in ("sv", "fi")


def _csv_cell(value):
    """Text for a CSV cell: numbers with the locale's decimal mark, dates in ISO form, and text
    that a spreadsheet would run as a formula quoted with an apostrophe."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return text.replace(".", ",") if _decimal_comma() else text
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def _xlsx_cell(value):
    if isinstance(value, Decimal):
        return value.normalize() if value == value.to_integral_value() else value
    if value is None or isinstance(value, date | int | float):
        return value
    text = str(value)
    if text[:1] in ("=", "+", "-", "@"):
        return "'" + text
    return text


def _csv_response(kind: str, header: list, rows: list[list]) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";" if _decimal_comma() else ",", lineterminator="\r\n")
    writer.writerow([str(h) for h in header])
    for row in rows:
        writer.writerow([_csv_cell(value) for value in row])
    body = "\ufeff" + buffer.getvalue()  # the BOM tells Excel the file is UTF-8
    return Response(body.encode("utf-8"), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{_filename(kind, "csv")}"',
        "Cache-Control": "no-store",
    })


def _xlsx_response(kind: str, title: str, header: list, rows: list[list]) -> Response:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    sheet.append([str(h) for h in header])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_xlsx_cell(value) for value in row])
    sheet.freeze_panes = "A2"
    for column in sheet.columns:
        width = max(len(str(cell.value or "")) for cell in column)
        sheet.column_dimensions[column[0].column_letter].width = min(max(width + 2, 10), 60)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return Response(buffer.getvalue(), mimetype=XLSX_MIMETYPE, headers={
        "Content-Disposition": f'attachment; filename="{_filename(kind, "xlsx")}"',
        "Cache-Control": "no-store",
    })


def _goal_table() -> tuple[list, list[list]]:
    tenant = current_principal().tenant
    header = [_("Goal ID"), _("Title"), _("Theme"), _("Strategy"), _("Proposed by"), _("Status"),
              _("Unit"), _("Direction"), _("Baseline value"), _("Baseline year"), _("Target value"),
              _("Target date"), _("Latest period"), _("Period date"), _("Latest value"),
              _("Progress %"), _("Expected %"), _("Progress status")]
    rows = []
    for state in export_goals(tenant):
        goal, report, assessment = state.goal, state.latest, state.assessment
        rows.append([
            goal.id, translated(goal.title), translated(goal.theme.name),
            translated(goal.strategy.title), translated(goal.proposer.name),
            str(GOAL_STATUS_LABELS.get(goal.status, goal.status)), goal.unit,
            str(DIRECTION_LABELS.get(goal.direction, goal.direction)),
            Decimal(goal.baseline_value), goal.baseline_year, Decimal(goal.target_value),
            goal.target_date,
            report.period_label if report else None, report.period_date if report else None,
            Decimal(report.value) if report else None,
            assessment.progress if assessment else None, assessment.expected if assessment else None,
            str(PROGRESS_STATUS_LABELS[assessment.status]) if assessment else None,
        ])
    return header, rows


def _progress_table() -> tuple[list, list[list]]:
    tenant = current_principal().tenant
    header = [_("Goal ID"), _("Goal"), _("Period"), _("Period date"), _("Value"), _("Unit"),
              _("Progress %"), _("Expected %"), _("Trajectory value"), _("Progress status"),
              _("Narrative"), _("Reported by"), _("Reported at")]
    rows = []
    for report, assessment in export_progress(tenant):
        goal = report.goal
        rows.append([
            goal.id, translated(goal.title), report.period_label, report.period_date,
            Decimal(report.value), goal.unit, assessment.progress, assessment.expected,
            assessment.trajectory_value, str(PROGRESS_STATUS_LABELS[assessment.status]),
            translated(report.narrative), report.reporter_label,
            report.reported_at.date() if report.reported_at else None,
        ])
    return header, rows


def _export_locale() -> str:
    """The language of an export (headers and content): ``?locale=`` when it is one of the
    tenant's content locales, else the reader's language."""
    tenant = current_principal().tenant
    asked = request.args.get("locale")
    return asked if asked in (tenant.content_locales or []) else current_locale()


@blueprint.get("/t/<slug>/ownership/export/goals.csv", endpoint="export_goals")
@require(can_view_ownership)
def export_goals_csv():
    with force_locale(_export_locale()):
        return _csv_response("goals", *_goal_table())


@blueprint.get("/t/<slug>/ownership/export/goals.xlsx", endpoint="export_goals_xlsx")
@require(can_view_ownership)
def export_goals_xlsx():
    with force_locale(_export_locale()):
        return _xlsx_response("goals", _("Steering goals"), *_goal_table())


@blueprint.get("/t/<slug>/ownership/export/progress.csv", endpoint="export_progress")
@require(can_view_ownership)
def export_progress_csv():
    with force_locale(_export_locale()):
        return _csv_response("progress", *_progress_table())


@blueprint.get("/t/<slug>/ownership/export/progress.xlsx", endpoint="export_progress_xlsx")
@require(can_view_ownership)
def export_progress_xlsx():
    with force_locale(_export_locale()):
        return _xlsx_response("progress", _("Progress reports"), *_progress_table())
