"""The results of the authorisation model for a year: what was paid, to whom and for what, what
a student place and a completed course point cost, and how many completed.

Definitions (calendar year ``year``):

- *payouts*: the sum of the payout lines of the year (:mod:`.payouts`: each enrolment priced by
  the version valid when its course started, during-course parts by month, on-grades parts in the
  month grades were reported);
- *student places*: enrolments whose course runs on at least one day of the year;
- *completions*: enrolments completed with grades reported in the year; *completed points* the
  course points of those;
- *cost per student place*: payouts / student places; *cost per completed point*: the payouts of
  course types priced per course point / their completed points (none when nothing completed).

Per course type, provider and programme area, from the same lines. A provider reporter sees its
own organisation's figures only (the rules of :func:`.payouts.visible_providers`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select

from samverkan.partnership.purchasing_models import Enrolment
from samverkan.partnership.services import compensation, payouts
from samverkan.platform.db import db
from samverkan.tenants.permissions import Principal

CENT = Decimal("0.01")
ZERO = Decimal(0)


@dataclass
class Figures:
    """The figures of one group (the whole year, a course type, a provider or an area)."""

    payouts: Decimal = ZERO
    places: int = 0
    completions: int = 0
    ended: int = 0
    completed_points: Decimal = ZERO
    point_payouts: Decimal = ZERO

    @property
    def cost_per_place(self) -> Decimal | None:
        return _ratio(self.payouts, self.places)

    @property
    def cost_per_completed_point(self) -> Decimal | None:
        return _ratio(self.point_payouts, self.completed_points)

    @property
    def completion_rate(self) -> Decimal | None:
        """Completions in percent of the enrolments that ended in the year."""
        if not self.ended:
            return None
        return (Decimal(100) * self.completions / self.ended).quantize(
            Decimal("0.1"), ROUND_HALF_UP)


@dataclass
class YearResults:
    year: int
    total: Figures = field(default_factory=Figures)
    by_course_type: dict[str, Figures] = field(default_factory=dict)
    by_provider: dict[int, Figures] = field(default_factory=dict)
    by_area: dict[str, Figures] = field(default_factory=dict)
    error: object | None = None


def _ratio(amount: Decimal, count: Decimal | int) -> Decimal | None:
    if not count:
        return None
    return (amount / Decimal(count)).quantize(CENT, ROUND_HALF_UP)


def year_results(principal: Principal, year: int,
                 organisation_id: int | None = None) -> YearResults:
    """The results of ``year`` that ``principal`` may see (see the module docstring). A model
    problem (an enrolment no version prices) is returned in ``error``, not raised."""
    return period_results(principal, date(year, 1, 1), date(year, 12, 31), organisation_id)


def period_results(principal: Principal, start: date, end: date,
                   organisation_id: int | None = None) -> YearResults:
    """The results of the days ``start`` to ``end``, by the definitions of a year."""
    results = YearResults(year=start.year)
    providers = payouts.visible_providers(principal, organisation_id)
    try:
        computed = payouts.computed_payouts(principal, start, end, organisation_id)
    except compensation.PartnershipError as error:
        results.error = error.message
        computed = []
    point_types = _point_course_types()
    for payout in computed:
        for line in payout.lines:
            _add_line(results, payout.provider_id, line, line.course_type in point_types)
    for row in _enrolments(start, end, providers):
        _add_enrolment(results, row, start, end)
    return results


def _groups(results: YearResults, provider_id: int, course_type: str,
            area: str | None) -> list[Figures]:
    return [results.total,
            results.by_course_type.setdefault(course_type, Figures()),
            results.by_provider.setdefault(provider_id, Figures()),
            results.by_area.setdefault(area or "", Figures())]


def _add_line(results: YearResults, provider_id: int, line: compensation.PayoutLine,
              per_point: bool) -> None:
    for figures in _groups(results, provider_id, line.course_type, line.programme_area):
        figures.payouts += line.amount
        if per_point:
            figures.point_payouts += line.amount


def _add_enrolment(results: YearResults, row: Enrolment, start: date, end: date) -> None:
    completed = bool(row.completed and row.grades_reported_on
                     and start <= row.grades_reported_on <= end)
    for figures in _groups(results, row.organisation_id, row.course_type, row.programme_area):
        if row.starts_on <= end and row.ends_on >= start:
            figures.places += 1
        if start <= row.ends_on <= end:
            figures.ended += 1
        if completed:
            figures.completions += 1
            figures.completed_points += row.course_points or ZERO


def _enrolments(start: date, end: date, providers: list[int] | None) -> list[Enrolment]:
    """Enrolments running in the year, ending in it or with grades reported in it."""
    query = select(Enrolment).where(Enrolment.starts_on <= end).where(
        (Enrolment.ends_on >= start) | (Enrolment.grades_reported_on >= start))
    if providers is not None:
        query = query.where(Enrolment.organisation_id.in_(providers))
    return list(db.session.scalars(query))


def _point_course_types() -> set[str]:
    """Course types that some version prices per course point."""
    return {item["course_type"] for version in payouts.versions()
            for item in version.components or []
            if item.get("basis") == compensation.Basis.COURSE_POINT}


# The figures offered as indicator values: (code, unit of partnership.models.Unit, attribute).
METRICS = (
    ("payouts", "money", "payouts"),
    ("student_places", "count", "places"),
    ("cost_per_place", "money", "cost_per_place"),
    ("completions", "count", "completions"),
    ("completion_rate", "percent", "completion_rate"),
    ("completed_points", "count", "completed_points"),
    ("cost_per_completed_point", "money", "cost_per_completed_point"),
)


def metric_rows(results: YearResults) -> list[tuple[int, str, str, Decimal | int]]:
    """``(provider id, code, unit, value)`` for every provider and metric with a value."""
    rows = []
    for provider_id, figures in results.by_provider.items():
        for code, unit, attribute in METRICS:
            value = getattr(figures, attribute)
            if value is not None:
                rows.append((provider_id, code, unit, value))
    return rows


def years_with_data() -> list[int]:
    """The years in which some enrolment runs, newest first (for the year chooser)."""
    bounds = db.session.execute(select(db.func.min(Enrolment.starts_on),
                                       db.func.max(Enrolment.ends_on))).one()
    if bounds[0] is None:
        return []
    return list(range(bounds[1].year, bounds[0].year - 1, -1))


@dataclass(frozen=True)
class FollowUpSummary:
    """Spot checks of a year (by the period they cover) and the state of their findings and
    corrective actions, as the principal may see them."""

    spot_checks: int
    sampled: int
    findings: int
    actions_open: int
    actions_overdue: int
    actions_closed: int


def follow_up_summary(principal: Principal, year: int) -> FollowUpSummary:
    """Spot checks whose period starts in ``year``, their findings and corrective actions."""
    from samverkan.partnership.services import follow_up, spot_check_service
    from samverkan.partnership.spot_check_models import ItemStatus

    checks = [check for check in spot_check_service.spot_checks_for(principal)
              if check.period_start.year == year]
    items = [item for check in checks for item in check.items]
    item_ids = {item.id for item in items}
    actions = [action for action in follow_up.actions_for(principal, follow_up.ActionFilter(
        source_kind="spot_check")) if action.source_id in item_ids]
    closed = sum(1 for action in actions if action.status == "closed")
    overdue = sum(1 for action in actions if follow_up.is_overdue(action))
    return FollowUpSummary(
        spot_checks=len(checks), sampled=len(items),
        findings=sum(1 for item in items if item.status == ItemStatus.FINDING),
        actions_open=len(actions) - closed, actions_overdue=overdue, actions_closed=closed)
