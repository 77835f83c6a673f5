"""Follow-up of adopted goals: progress reports, progress and status arithmetic.

Progress is how far the reported value has come from the baseline towards the target, in the
goal's direction, clamped to 0-100 %: ``(value - baseline) / (target - baseline)``. When the
target equals the baseline (hold a level), progress is 100 % when the value is at the target or
better in the goal's direction, else 0 %.

The trajectory is the straight line from the baseline at the start of the baseline year
(1 January) to the target on the target date. Expected progress at a date is the share of that
time elapsed, clamped to 0-100 % (100 % on and after the target date; 100 % throughout when
the target equals the baseline, since the level is to be held all along).

The gap is expected minus actual progress in percentage points. With the tenant's thresholds
(see :mod:`.settings`): more than ``off_track_gap`` behind is off track, more than
``at_risk_gap`` behind is at risk, anything else (also ahead of the trajectory) is on track.
Progress and expected progress are rounded half up to two decimals before they are compared, so
the figures shown give the status shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from samverkan.ownership.models import Direction, GoalStatus, ProgressReport, ProgressStatus, SteeringGoal
from samverkan.ownership.permissions import can_report_progress
from samverkan.ownership.services import common
from samverkan.ownership.services.common import (
    MEASURE_LIMIT,
    OwnershipError,
    date_value,
    decimal_value,
    label_of,
    record,
    require,
    texts,
    user_id_of,
)
from samverkan.ownership.services.settings import OwnershipSettings, ownership_settings
from samverkan.platform import audit
from samverkan.platform.db import db, utcnow
from samverkan.tenants.models import Tenant
from samverkan.tenants.permissions import Principal

HUNDRED = Decimal(100)
CENT = Decimal("0.01")
REPORT_FIELDS = ["goal_id", "period_label", "period_date", "value", "narrative", "reporter_id"]


@dataclass
class ProgressData:
    period_label: str
    period_date: date | str
    value: Decimal | str
    narrative: dict | None = None


@dataclass(frozen=True)
class Assessment:
    """Where a goal stands with a value at a date."""

    value: Decimal
    on: date
    progress: Decimal  # percent of the way from baseline to target, 0-100
    expected: Decimal  # percent the trajectory expects at the date, 0-100
    trajectory_value: Decimal  # the measure's value on the trajectory at the date
    gap: Decimal  # expected - progress, percentage points; positive is behind
    status: ProgressStatus


def _clamp(number: Decimal) -> Decimal:
    return min(HUNDRED, max(Decimal(0), number))


def _round(number: Decimal) -> Decimal:
    return number.quantize(CENT, rounding=ROUND_HALF_UP)


def progress_percent(goal: SteeringGoal, value: Decimal) -> Decimal:
    """Progress of a value from the goal's baseline towards its target, 0-100 %."""
    value, baseline, target = Decimal(value), Decimal(goal.baseline_value), Decimal(goal.target_value)
    if target == baseline:
        reached = value >= target if goal.direction == Direction.HIGHER else value <= target
        return _round(HUNDRED if reached else Decimal(0))
    return _round(_clamp((value - baseline) / (target - baseline) * HUNDRED))


def _elapsed(goal: SteeringGoal, on: date) -> Decimal:
    """The share of the time from the start of the baseline year to the target date, 0-1."""
    start = date(goal.baseline_year, 1, 1)
    if on <= start:
        return Decimal(0)
    if on >= goal.target_date:
        return Decimal(1)
    return Decimal((on - start).days) / Decimal((goal.target_date - start).days)


def expected_percent(goal: SteeringGoal, on: date) -> Decimal:
    """The progress the straight trajectory expects at a date, 0-100 %."""
    if Decimal(goal.target_value) == Decimal(goal.baseline_value):
        return _round(HUNDRED)
    return _round(_elapsed(goal, on) * HUNDRED)


def trajectory_value(goal: SteeringGoal, on: date) -> Decimal:
    """The measure's value on the straight trajectory at a date."""
    baseline, target = Decimal(goal.baseline_value), Decimal(goal.target_value)
    return (baseline + (target - baseline) * _elapsed(goal, on)).quantize(Decimal("0.0001"),
                                                                        rounding=ROUND_HALF_UP)


def status_for_gap(gap: Decimal, settings: OwnershipSettings) -> ProgressStatus:
    if gap > settings.off_track_gap:
        return ProgressStatus.OFF_TRACK
    if gap > settings.at_risk_gap:
        return ProgressStatus.AT_RISK
    return ProgressStatus.ON_TRACK


def assess(goal: SteeringGoal, value: Decimal, on: date, settings: OwnershipSettings) -> Assessment:
    """Progress, expected progress, gap and status of a value reported for a date."""
    progress = progress_percent(goal, value)
    expected = expected_percent(goal, on)
    gap = expected - progress
    return Assessment(value=Decimal(value), on=on, progress=progress, expected=expected,
                      trajectory_value=trajectory_value(goal, on), gap=gap,
                      status=status_for_gap(gap, settings))


def assess_report(tenant: Tenant, report: ProgressReport,
                  settings: OwnershipSettings | None = None) -> Assessment:
    return assess(report.goal, report.value, report.period_date, settings or ownership_settings(tenant))


def latest_reports(tenant: Tenant, goal_ids) -> dict[int, ProgressReport]:
    """The latest report (by period date) of each goal, in one query."""
    goal_ids = list(goal_ids)
    if not goal_ids:
        return {}
    rows = db.session.scalars(
        select(ProgressReport)
        .where(ProgressReport.tenant_id == tenant.id, ProgressReport.goal_id.in_(goal_ids))
        .order_by(ProgressReport.goal_id, ProgressReport.period_date.desc(), ProgressReport.id.desc())
    )
    latest: dict[int, ProgressReport] = {}
    for report in rows:
        latest.setdefault(report.goal_id, report)
    return latest


def reports_of(tenant: Tenant, goal: SteeringGoal) -> list[ProgressReport]:
    """A goal's reports, oldest period first."""
    return list(db.session.scalars(
        select(ProgressReport)
        .where(ProgressReport.tenant_id == tenant.id, ProgressReport.goal_id == goal.id)
        .order_by(ProgressReport.period_date, ProgressReport.id)
    ))


# --- reporting --------------------------------------------------------------------------------


def _validated(goal: SteeringGoal, data: ProgressData, report: ProgressReport | None) -> dict:
    label = (data.period_label or "").strip()
    if not label:
        raise OwnershipError("period_label", "required", _l("Name the reporting period, e.g. 2025."))
    if len(label) > 50:
        raise OwnershipError("period_label", "too_long", _l("A period name is at most 50 characters."))
    clash = db.session.scalar(select(ProgressReport.id).where(
        ProgressReport.tenant_id == goal.tenant_id, ProgressReport.goal_id == goal.id,
        ProgressReport.period_label == label))
    if clash is not None and (report is None or clash != report.id):
        raise OwnershipError("period_label", "taken",
                             _l("This period has been reported already: correct that report instead."))
    period_date = date_value(data.period_date, "period_date")
    if period_date < date(goal.baseline_year, 1, 1):
        raise OwnershipError("period_date", "before_baseline",
                             _l("The period cannot be before the goal's baseline year."))
    if period_date > common.today():
        raise OwnershipError("period_date", "future", _l("A period in the future cannot be reported yet."))
    return {
        "period_label": label,
        "period_date": period_date,
        "value": decimal_value(data.value, "value", places=4, limit=MEASURE_LIMIT),
        "narrative": texts(data.narrative, "narrative", required=False, max_length=10000),
    }


def _check_goal(tenant: Tenant, goal: SteeringGoal) -> None:
    if goal.tenant_id != tenant.id:
        raise OwnershipError("goal_id", "invalid", _l("Choose a steering goal."))
    if goal.status != GoalStatus.ADOPTED:
        raise OwnershipError("goal_id", "not_adopted", _l("Progress is reported on adopted goals only."))


def _snapshot(tenant: Tenant, report: ProgressReport) -> dict:
    values = audit.snapshot(report, REPORT_FIELDS)
    assessment = assess_report(tenant, report)
    values.update(progress=str(assessment.progress), expected=str(assessment.expected),
                  status=str(assessment.status))
    return values


def submit_progress(tenant: Tenant, principal: Principal, goal: SteeringGoal,
                    data: ProgressData) -> ProgressReport:
    """The provider reports a value (and a narrative) of an adopted goal for a period."""
    require(can_report_progress, principal, tenant, "value",
            _l("Only the provider's reporters can report progress."))
    _check_goal(tenant, goal)
    report = ProgressReport(tenant_id=tenant.id, goal=goal, reporter_id=user_id_of(principal),
                            reporter_label=label_of(principal), reported_at=utcnow(),
                            **_validated(goal, data, None))
    db.session.add(report)
    db.session.flush()
    record("progress.reported", report, principal, after=_snapshot(tenant, report))
    return report


def correct_progress(tenant: Tenant, principal: Principal, report: ProgressReport,
                     data: ProgressData) -> ProgressReport:
    """Correct a report while its goal is adopted (who corrected it is recorded)."""
    require(can_report_progress, principal, tenant, "value",
            _l("Only the provider's reporters can report progress."))
    if report.tenant_id != tenant.id:
        raise OwnershipError("report", "invalid", _l("No such progress report."))
    _check_goal(tenant, report.goal)
    before = _snapshot(tenant, report)
    for key, value in _validated(report.goal, data, report).items():
        setattr(report, key, value)
    report.reporter_id = user_id_of(principal)
    report.reporter_label = label_of(principal)
    report.reported_at = utcnow()
    db.session.flush()
    after = _snapshot(tenant, report)
    if after != before:
        record("progress.corrected", report, principal, before=before, after=after)
    return report
