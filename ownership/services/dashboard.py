"""Read-only queries of owner steering for the overview by role, the owner representative's
cross-consortium view, the annual report and the exports.

Nothing here changes state. Every function runs a fixed number of queries whatever the
number of goals, meetings or reports (relations are eager-loaded), so the pages built on them
cost the same for five goals and for fifty.

The reporting rule of the provider (:func:`reporting_duties`)
    An adopted goal is reported once per calendar year. The period of year ``Y`` is a report
    whose period date falls in ``Y``; it is due by the end of the period, 31 December of ``Y``.
    The first period is the year the goal was adopted (the year of the adopting decision; the
    baseline year's next year when the goal has no decision), the last the year of its target
    date. The next period due is the earliest of those years, up to the current one, with no
    report; when every year up to now is reported, it is the next year (while the goal runs).
    A period whose due date has passed without a report is overdue.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import extract, func, select
from sqlalchemy.orm import joinedload, selectinload

from samverkan.ownership.models import (
    AgendaItem,
    GoalStatus,
    MeetingStatus,
    OwnersMeeting,
    OwnerStake,
    OwnerStrategy,
    ProgressReport,
    ProgressStatus,
    SteeringGoal,
)
from samverkan.ownership.services import common
from samverkan.ownership.services.goals import find_conflicts
from samverkan.ownership.services.meetings import items_awaiting_vote
from samverkan.ownership.services.progress import Assessment, assess
from samverkan.ownership.services.settings import OwnershipSettings, ownership_settings
from samverkan.ownership.services.stakes import stakes_in_force
from samverkan.ownership.services.strategies import adopted_strategy
from samverkan.platform.db import db
from samverkan.tenants.models import Membership, Role, Tenant

# Goals that have been adopted at some point: what follow-up, the report and exports are about.
FOLLOWED_STATUSES = (GoalStatus.ADOPTED, GoalStatus.ACHIEVED, GoalStatus.NOT_ACHIEVED,
                     GoalStatus.WITHDRAWN)
ALL_STATUSES = tuple(GoalStatus)


@dataclass(frozen=True)
class GoalState:
    """A goal with its latest report (up to a date) and that report's assessment."""

    goal: SteeringGoal
    latest: ProgressReport | None
    assessment: Assessment | None
    conflict: bool = False

    @property
    def progress(self) -> Decimal | None:
        return self.assessment.progress if self.assessment else None

    @property
    def status(self) -> ProgressStatus | None:
        return self.assessment.status if self.assessment else None


@dataclass(frozen=True)
class ReportingDuty:
    """What the provider must report on an adopted goal, and by when (see the module's rule)."""

    goal: SteeringGoal
    latest: ProgressReport | None
    next_year: int | None  # the next calendar year to report; None when every period is in
    due: date | None  # 31 December of that year
    overdue: bool
    missing_years: list[int] = field(default_factory=list)  # past years with no report


@dataclass(frozen=True)
class Overview:
    """Everything the overview page shows; the page picks the parts of the reader's roles."""

    counts: dict[str, int]
    total: int
    strategy: OwnerStrategy | None
    next_meeting: OwnersMeeting | None
    adopted: list[GoalState]
    off_track: list[GoalState]
    at_risk: list[GoalState]
    not_reported: list[GoalState]
    awaiting_vote: list[AgendaItem]
    duties: list[ReportingDuty]


@dataclass(frozen=True)
class ConsortiumSummary:
    """One row of the owner representative's cross-consortium view."""

    tenant: Tenant
    organisation_name: dict
    counts: dict[str, int]
    total: int
    awaiting_vote: int
    off_track: int
    at_risk: int


# --- building blocks --------------------------------------------------------------------------


def status_counts(tenant: Tenant) -> dict[str, int]:
    """The number of goals in each status (every status present, zero when none), one query."""
    rows = db.session.execute(
        select(SteeringGoal.status, func.count(SteeringGoal.id))
        .where(SteeringGoal.tenant_id == tenant.id).group_by(SteeringGoal.status)
    ).all()
    counts = {str(status): 0 for status in ALL_STATUSES}
    counts.update({str(status): number for status, number in rows})
    return counts


def followed_goals(tenant: Tenant, statuses=FOLLOWED_STATUSES) -> list[SteeringGoal]:
    """Goals in these statuses with theme, strategy, proposer, decision and milestones loaded."""
    return list(db.session.scalars(
        select(SteeringGoal)
        .where(SteeringGoal.tenant_id == tenant.id,
               SteeringGoal.status.in_([str(s) for s in statuses]))
        .options(joinedload(SteeringGoal.theme), joinedload(SteeringGoal.strategy),
                 joinedload(SteeringGoal.proposer), joinedload(SteeringGoal.adopted_decision),
                 selectinload(SteeringGoal.milestones))
        .order_by(SteeringGoal.id)
    ).unique())


def latest_reports_until(tenant: Tenant, goal_ids, until: date | None = None) -> dict[int, ProgressReport]:
    """The latest report (by period date) of each goal, up to a date when given, one query."""
    goal_ids = list(goal_ids)
    if not goal_ids:
        return {}
    query = (select(ProgressReport)
             .where(ProgressReport.tenant_id == tenant.id, ProgressReport.goal_id.in_(goal_ids)))
    if until is not None:
        query = query.where(ProgressReport.period_date <= until)
    latest: dict[int, ProgressReport] = {}
    for report in db.session.scalars(query.order_by(
            ProgressReport.goal_id, ProgressReport.period_date.desc(), ProgressReport.id.desc())):
        latest.setdefault(report.goal_id, report)
    return latest


def reported_years(tenant: Tenant, goal_ids) -> dict[int, set[int]]:
    """Goal id -> the calendar years its reports' period dates fall in, one query."""
    goal_ids = list(goal_ids)
    years: dict[int, set[int]] = {goal_id: set() for goal_id in goal_ids}
    if not goal_ids:
        return years
    rows = db.session.execute(
        select(ProgressReport.goal_id, extract("year", ProgressReport.period_date))
        .where(ProgressReport.tenant_id == tenant.id, ProgressReport.goal_id.in_(goal_ids))
        .distinct()
    ).all()
    for goal_id, year in rows:
        years[goal_id].add(int(year))
    return years


def goal_states(tenant: Tenant, goals: list[SteeringGoal], *, until: date | None = None,
                settings: OwnershipSettings | None = None,
                conflicts: set[int] | None = None) -> list[GoalState]:
    """Each goal with its latest report (up to ``until``) and its assessment."""
    settings = settings or ownership_settings(tenant)
    latest = latest_reports_until(tenant, [goal.id for goal in goals], until)
    states = []
    for goal in goals:
        report = latest.get(goal.id)
        assessment = assess(goal, report.value, report.period_date, settings) if report else None
        states.append(GoalState(goal, report, assessment, goal.id in (conflicts or set())))
    return states


def next_meeting(tenant: Tenant, on: date | None = None) -> OwnersMeeting | None:
    """The first meeting on or after a day that is not closed."""
    on = on or common.today()
    return db.session.scalar(
        select(OwnersMeeting)
        .where(OwnersMeeting.tenant_id == tenant.id, OwnersMeeting.meeting_date >= on,
               OwnersMeeting.status != MeetingStatus.CLOSED)
        .order_by(OwnersMeeting.meeting_date, OwnersMeeting.id).limit(1)
    )


def _first_year(goal: SteeringGoal) -> int:
    decision = goal.adopted_decision
    if decision is not None and decision.computed_at is not None:
        year = decision.computed_at.year
    else:
        year = goal.baseline_year + 1
    return min(year, goal.target_date.year)


def reporting_duty(goal: SteeringGoal, years: set[int], latest: ProgressReport | None,
                   today: date) -> ReportingDuty:
    """The next period due of an adopted goal under the module's rule."""
    first, last = _first_year(goal), goal.target_date.year
    missing = [year for year in range(first, min(last, today.year) + 1) if year not in years]
    if missing:
        year = missing[0]
    elif today.year + 1 <= last and today.year + 1 >= first:
        year = today.year + 1
    else:
        year = None
    due = date(year, 12, 31) if year is not None else None
    return ReportingDuty(goal=goal, latest=latest, next_year=year, due=due,
                         overdue=due is not None and due < today,
                         missing_years=[y for y in missing if date(y, 12, 31) < today])


def reporting_duties(tenant: Tenant, goals: list[SteeringGoal],
                     latest: dict[int, ProgressReport]) -> list[ReportingDuty]:
    """What the provider must report on each adopted goal, the overdue and soonest first."""
    adopted = [goal for goal in goals if goal.status == GoalStatus.ADOPTED]
    years = reported_years(tenant, [goal.id for goal in adopted])
    today = common.today()
    duties = [reporting_duty(goal, years[goal.id], latest.get(goal.id), today) for goal in adopted]
    return sorted(duties, key=lambda d: (not d.overdue, d.due or date.max, d.goal.id))


# --- pages ------------------------------------------------------------------------------------


def overview(tenant: Tenant, organisation_id: int | None = None) -> Overview:
    """The overview of a consortium's owner steering; ``organisation_id`` is the owner the
    reader represents (what awaits its vote), if any."""
    settings = ownership_settings(tenant)
    goals = followed_goals(tenant, (GoalStatus.ADOPTED,))
    conflicts = {goal.id for pair in find_conflicts(tenant) for goal in pair}
    states = goal_states(tenant, goals, settings=settings, conflicts=conflicts)
    counts = status_counts(tenant)
    latest = {state.goal.id: state.latest for state in states if state.latest is not None}
    return Overview(
        counts=counts,
        total=sum(counts.values()),
        strategy=adopted_strategy(tenant, common.today().year),
        next_meeting=next_meeting(tenant),
        adopted=states,
        off_track=[s for s in states if s.status == ProgressStatus.OFF_TRACK],
        at_risk=[s for s in states if s.status == ProgressStatus.AT_RISK],
        not_reported=[s for s in states if s.latest is None],
        awaiting_vote=items_awaiting_vote(tenant, organisation_id) if organisation_id else [],
        duties=reporting_duties(tenant, goals, latest),
    )


def consortium_summary(tenant: Tenant, membership: Membership) -> ConsortiumSummary:
    """One consortium's row for its owner representative; call it in that tenant's scope."""
    settings = ownership_settings(tenant)
    states = goal_states(tenant, followed_goals(tenant, (GoalStatus.ADOPTED,)), settings=settings)
    counts = status_counts(tenant)
    organisation = membership.organisation
    return ConsortiumSummary(
        tenant=tenant,
        organisation_name=dict(organisation.name or {}) if organisation is not None else {},
        counts=counts,
        total=sum(counts.values()),
        awaiting_vote=len(items_awaiting_vote(tenant, membership.organisation_id)),
        off_track=sum(1 for s in states if s.status == ProgressStatus.OFF_TRACK),
        at_risk=sum(1 for s in states if s.status == ProgressStatus.AT_RISK),
    )


def represented_memberships(memberships: list[Membership]) -> list[Membership]:
    """The memberships in which the person represents an owner (bound to an organisation)."""
    return [m for m in memberships
            if Role.OWNER_REPRESENTATIVE in (m.roles or []) and m.organisation_id is not None]


def my_steering(memberships: list[Membership]) -> list[ConsortiumSummary]:
    """The cross-consortium view: one summary per membership as owner representative, each
    read in the scope of its own tenant, one tenant at a time."""
    from samverkan.platform.db import tenant_scope

    rows = []
    for membership in represented_memberships(memberships):
        tenant = membership.tenant
        with tenant_scope(tenant.id, membership.user_id):
            membership = db.session.get(Membership, membership.id)
            rows.append(consortium_summary(tenant, membership))
    return rows


# --- the annual report ------------------------------------------------------------------------


@dataclass(frozen=True)
class AssessedReport:
    report: ProgressReport
    assessment: Assessment


@dataclass(frozen=True)
class AnnualReport:
    year: int
    day: date  # 31 December of the year
    stakes: list[OwnerStake]
    share_total: Decimal
    strategy: OwnerStrategy | None
    goals: list[GoalState]
    reports: dict[int, list[AssessedReport]]  # goal id -> its reports up to the day, oldest first
    meetings: list[OwnersMeeting]
    counts: dict[str, int]


def reports_until(tenant: Tenant, goal_ids, until: date | None = None) -> dict[int, list[ProgressReport]]:
    """Every report of these goals (up to a date), oldest first per goal, one query."""
    goal_ids = list(goal_ids)
    reports: dict[int, list[ProgressReport]] = {goal_id: [] for goal_id in goal_ids}
    if not goal_ids:
        return reports
    query = (select(ProgressReport)
             .where(ProgressReport.tenant_id == tenant.id, ProgressReport.goal_id.in_(goal_ids)))
    if until is not None:
        query = query.where(ProgressReport.period_date <= until)
    for report in db.session.scalars(query.order_by(ProgressReport.period_date, ProgressReport.id)):
        reports[report.goal_id].append(report)
    return reports


def meetings_in_year(tenant: Tenant, year: int) -> list[OwnersMeeting]:
    """The year's meetings, oldest first, with items, goals and decisions loaded."""
    return list(db.session.scalars(
        select(OwnersMeeting)
        .where(OwnersMeeting.tenant_id == tenant.id,
               OwnersMeeting.meeting_date >= date(year, 1, 1),
               OwnersMeeting.meeting_date <= date(year, 12, 31))
        .options(selectinload(OwnersMeeting.items).selectinload(AgendaItem.goal),
                 selectinload(OwnersMeeting.items).selectinload(AgendaItem.decision))
        .order_by(OwnersMeeting.meeting_date, OwnersMeeting.id)
    ))


def report_goals(tenant: Tenant, year: int) -> list[SteeringGoal]:
    """The goals an annual report covers: goals adopted at some point whose strategy's period
    reaches the year (or that have a report in it)."""
    goals = followed_goals(tenant)
    return [goal for goal in goals
            if goal.strategy.from_year <= year <= goal.strategy.to_year
            or goal.baseline_year <= year <= goal.target_date.year]


def annual_report(tenant: Tenant, year: int) -> AnnualReport:
    """Owners and shares on 31 December, the strategy in force, every goal with its status
    at the end of the year, and the year's decisions."""
    day = date(year, 12, 31)
    settings = ownership_settings(tenant)
    stakes = stakes_in_force(tenant, day)
    goals = report_goals(tenant, year)
    states = goal_states(tenant, goals, until=day, settings=settings)
    history = {
        goal_id: [AssessedReport(r, assess(r.goal, r.value, r.period_date, settings)) for r in rows]
        for goal_id, rows in reports_until(tenant, [goal.id for goal in goals], day).items()
    }
    return AnnualReport(
        year=year, day=day, stakes=stakes,
        share_total=sum((stake.share for stake in stakes), Decimal("0.00")),
        strategy=adopted_strategy(tenant, year),
        goals=states,
        reports=history,
        meetings=meetings_in_year(tenant, year),
        counts=dict(Counter(str(goal.status) for goal in goals)),
    )


def years_with_activity(tenant: Tenant) -> list[int]:
    """The years a report can be asked for: of strategies, meetings and progress reports."""
    years: set[int] = set()
    for from_year, to_year in db.session.execute(
            select(OwnerStrategy.from_year, OwnerStrategy.to_year)
            .where(OwnerStrategy.tenant_id == tenant.id)).all():
        years.update(range(from_year, to_year + 1))
    for (day,) in db.session.execute(
            select(OwnersMeeting.meeting_date).where(OwnersMeeting.tenant_id == tenant.id)).all():
        years.add(day.year)
    years.add(common.today().year)
    return sorted(y for y in years if common.MIN_YEAR <= y <= common.MAX_YEAR)


# --- exports ----------------------------------------------------------------------------------


def export_goals(tenant: Tenant) -> list[GoalState]:
    """Every goal (any status) with its latest report and assessment."""
    goals = list(db.session.scalars(
        select(SteeringGoal).where(SteeringGoal.tenant_id == tenant.id)
        .options(joinedload(SteeringGoal.theme), joinedload(SteeringGoal.strategy),
                 joinedload(SteeringGoal.proposer))
        .order_by(SteeringGoal.id)
    ).unique())
    return goal_states(tenant, goals)


def export_progress(tenant: Tenant) -> list[tuple[ProgressReport, Assessment]]:
    """Every progress report, by goal and period, with its assessment."""
    settings = ownership_settings(tenant)
    reports = db.session.scalars(
        select(ProgressReport).where(ProgressReport.tenant_id == tenant.id)
        .options(joinedload(ProgressReport.goal).joinedload(SteeringGoal.theme))
        .order_by(ProgressReport.goal_id, ProgressReport.period_date, ProgressReport.id)
    ).unique()
    return [(report, assess(report.goal, report.value, report.period_date, settings))
            for report in reports]


__all__ = [
    "FOLLOWED_STATUSES", "AnnualReport", "AssessedReport", "ConsortiumSummary", "GoalState", "Overview",
    "ReportingDuty", "annual_report", "consortium_summary", "export_goals", "export_progress",
    "followed_goals", "goal_states", "latest_reports_until", "meetings_in_year", "my_steering",
    "next_meeting", "overview", "reported_years", "reporting_duties", "reporting_duty",
    "reports_until", "represented_memberships", "status_counts", "years_with_activity",
]
