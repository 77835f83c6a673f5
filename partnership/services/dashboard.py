"""What the partnership dashboards read: the tenant's overview, an agreement's values against
targets per period and year, the chain from a steering goal to reported values, and the
reporting duties that the overview shows and the reminders job mails about.

Which values count: the values of *accepted* reports; with ``include_submitted`` also those of
submitted reports that await review (marked provisional). For each provider and period the
latest such revision counts, so a correction in progress leaves the accepted values in place.
When an agreement has several providers, their values of a period are combined: added up for
indicators that add up (``sum``), averaged otherwise.

Everything here reads in a fixed number of queries, whatever the number of indicators, periods
or reports (one query per table, no lazy loads in loops).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from samverkan.partnership.models import (
    Aggregation,
    Agreement,
    AgreementParty,
    AgreementStatus,
    Commitment,
    CommitmentStatus,
    Indicator,
    IndicatorTarget,
    OutcomeReport,
    PartyRole,
    ReportingPeriod,
    ReportStatus,
    TargetStatus,
)
from samverkan.partnership.permissions import sees_everything
from samverkan.partnership.services import common
from samverkan.partnership.services.indicators import aggregate, target_status
from samverkan.partnership.services.queries import visible_agreements_query, visible_reports_query
from samverkan.partnership.services.settings import PartnershipSettings, partnership_settings
from samverkan.platform.db import db
from samverkan.tenants.models import Tenant
from samverkan.tenants.permissions import Principal

REPORTED = (ReportStatus.SUBMITTED, ReportStatus.ACCEPTED)
OPEN_STATUSES = (AgreementStatus.DRAFT, AgreementStatus.NEGOTIATION, AgreementStatus.SIGNED,
                 AgreementStatus.ACTIVE)
COMMENT_LIMIT = 10


# --- values against targets ----------------------------------------------------------------------


@dataclass
class Cell:
    """One indicator's target and value in one period."""

    period: ReportingPeriod
    target: Decimal | None
    value: Decimal | None
    status: TargetStatus | None
    provisional: bool = False  # counts a submitted value that awaits review


@dataclass
class YearCell:
    """One indicator's year: periods rolled up by its aggregation rule."""

    year: int
    target: Decimal | None
    value: Decimal | None
    status: TargetStatus | None
    complete: bool  # every period of the year that has a target has a value


@dataclass
class IndicatorRow:
    indicator: Indicator
    cells: list[Cell]
    years: list[YearCell]

    @property
    def latest(self) -> Cell | None:
        return next((c for c in reversed(self.cells) if c.value is not None), None)

    @property
    def charted(self) -> list[Cell]:
        """The periods with a target or a value, in order (the trend chart's points)."""
        return [c for c in self.cells if c.value is not None or c.target is not None]


@dataclass
class Comment:
    report: OutcomeReport
    indicator: Indicator | None  # None: a note on the whole report
    kind: str  # "reporter" or "reviewer"
    text: dict
    at: object


@dataclass
class AgreementDashboard:
    agreement: Agreement
    periods: list[ReportingPeriod]
    rows: list[IndicatorRow]
    comments: list[Comment]
    providers: list[AgreementParty]
    provider_id: int | None
    include_submitted: bool
    settings: PartnershipSettings

    def counts(self) -> dict[str, int]:
        """How many period cells are met, near and missed."""
        tally = {status.value: 0 for status in TargetStatus}
        for row in self.rows:
            for cell in row.cells:
                if cell.status is not None:
                    tally[cell.status.value] += 1
        return tally


def combine(aggregation: str, values: list[Decimal]) -> Decimal | None:
    """Values of several providers for one period: a sum adds up, anything else is averaged."""
    rule = Aggregation.SUM if aggregation == Aggregation.SUM else Aggregation.AVERAGE
    return aggregate(rule, values)


def _periods_for(tenant: Tenant, agreements: list[Agreement], indicator_ids: list[int],
                 frequency: str, day: date) -> list[ReportingPeriod]:
    """The periods with a target or a report of the agreements, and the periods of the
    tenant's calendar within their validity that have begun, in one query."""
    if not agreements:
        return []
    agreement_ids = [a.id for a in agreements]
    first = min(a.valid_from for a in agreements)
    ends = [a.valid_to for a in agreements]
    last = None if any(e is None for e in ends) else max(ends)
    calendar = (ReportingPeriod.frequency == frequency) & (ReportingPeriod.ends_on >= first) & (
        ReportingPeriod.starts_on <= day)
    if last is not None:
        calendar = calendar & (ReportingPeriod.starts_on <= last)
    targeted = select(IndicatorTarget.period_id).where(
        IndicatorTarget.tenant_id == tenant.id, IndicatorTarget.indicator_id.in_(indicator_ids or [-1]))
    reported = select(OutcomeReport.period_id).where(
        OutcomeReport.tenant_id == tenant.id, OutcomeReport.agreement_id.in_(agreement_ids))
    return list(db.session.scalars(select(ReportingPeriod).where(
        ReportingPeriod.tenant_id == tenant.id,
        or_(calendar, ReportingPeriod.id.in_(targeted), ReportingPeriod.id.in_(reported)),
    ).order_by(ReportingPeriod.starts_on, ReportingPeriod.ends_on)))


def _targets(tenant: Tenant, indicator_ids: list[int]) -> dict[tuple[int, int], Decimal]:
    if not indicator_ids:
        return {}
    rows = db.session.execute(select(
        IndicatorTarget.indicator_id, IndicatorTarget.period_id, IndicatorTarget.value,
    ).where(IndicatorTarget.tenant_id == tenant.id, IndicatorTarget.indicator_id.in_(indicator_ids)))
    return {(i, p): v for i, p, v in rows}


def _reports(tenant: Tenant, principal: Principal, agreement_ids: list[int],
             provider_id: int | None) -> list[OutcomeReport]:
    """Every revision the principal may see of the agreements' reports, drafts left out, with
    their values (two queries)."""
    if not agreement_ids:
        return []
    query = visible_reports_query(tenant, principal, current_only=False).where(
        OutcomeReport.agreement_id.in_(agreement_ids), OutcomeReport.status != ReportStatus.DRAFT,
    ).options(selectinload(OutcomeReport.values), selectinload(OutcomeReport.period))
    if provider_id is not None:
        query = query.where(OutcomeReport.organisation_id == provider_id)
    return list(db.session.scalars(query))


def counted_reports(reports: list[OutcomeReport], include_submitted: bool) -> list[OutcomeReport]:
    """Per agreement, provider and period, the latest revision whose values count."""
    statuses = REPORTED if include_submitted else (ReportStatus.ACCEPTED,)
    best: dict[tuple[int, int, int], OutcomeReport] = {}
    for report in reports:
        if report.status not in statuses:
            continue
        key = (report.agreement_id, report.organisation_id, report.period_id)
        if key not in best or best[key].revision < report.revision:
            best[key] = report
    return list(best.values())


def _values(reports: list[OutcomeReport]) -> dict[tuple[int, int], tuple[list[Decimal], bool]]:
    """{(indicator id, period id): (the providers' values, any of them provisional)}."""
    found: dict[tuple[int, int], tuple[list[Decimal], bool]] = {}
    for report in reports:
        for row in report.values:
            if row.value is None:
                continue
            values, provisional = found.get((row.indicator_id, report.period_id), ([], False))
            found[(row.indicator_id, report.period_id)] = (
                [*values, row.value], provisional or report.status != ReportStatus.ACCEPTED)
    return found


def _year_cells(indicator: Indicator, cells: list[Cell], settings: PartnershipSettings
                ) -> list[YearCell]:
    by_year: dict[int, list[Cell]] = defaultdict(list)
    for cell in cells:
        by_year[cell.period.year].append(cell)
    years = []
    for year, items in sorted(by_year.items()):
        if all(c.value is None and c.target is None for c in items):
            continue
        value = aggregate(indicator.aggregation, [c.value for c in items])
        target = aggregate(indicator.aggregation, [c.target for c in items])
        complete = all(c.value is not None for c in items if c.target is not None)
        status = target_status(indicator.direction, value, target, settings) if complete else None
        years.append(YearCell(year, target, value, status, complete))
    return years


def indicator_rows(tenant: Tenant, indicators: list[Indicator], periods: list[ReportingPeriod],
                   reports: list[OutcomeReport], settings: PartnershipSettings) -> list[IndicatorRow]:
    """Each indicator's cells per period and per year (no queries beyond the targets)."""
    targets = _targets(tenant, [i.id for i in indicators])
    values = _values(reports)
    rows = []
    for indicator in indicators:
        cells = []
        for period in periods:
            target = targets.get((indicator.id, period.id))
            reported, provisional = values.get((indicator.id, period.id), ([], False))
            value = combine(indicator.aggregation, reported)
            cells.append(Cell(period, target, value,
                              target_status(indicator.direction, value, target, settings),
                              provisional and value is not None))
        rows.append(IndicatorRow(indicator, cells, _year_cells(indicator, cells, settings)))
    return rows


def latest_comments(reports: list[OutcomeReport], indicators: dict[int, Indicator],
                    limit: int = COMMENT_LIMIT) -> list[Comment]:
    """The newest comments of providers and reviewers, newest first."""
    comments = []
    for report in reports:
        said = report.submitted_at or report.updated_at
        decided = report.decided_at or report.updated_at
        if any((report.decision_note or {}).values()):
            comments.append(Comment(report, None, "reviewer", report.decision_note, decided))
        for row in report.values:
            indicator = indicators.get(row.indicator_id)
            if any((row.comment or {}).values()):
                comments.append(Comment(report, indicator, "reporter", row.comment, said))
            if any((row.review_comment or {}).values()):
                comments.append(Comment(report, indicator, "reviewer", row.review_comment, decided))
    comments.sort(key=lambda c: (c.at is not None, c.at or 0, c.report.id), reverse=True)
    return comments[:limit]


def agreement_dashboard(tenant: Tenant, principal: Principal, agreement: Agreement, *,
                        include_submitted: bool = False, provider_id: int | None = None,
                        day: date | None = None) -> AgreementDashboard:
    """An agreement's indicators against their targets, for a principal who may see it."""
    day = day or common.today()
    settings = partnership_settings(tenant)
    indicators = list(db.session.scalars(select(Indicator).where(
        Indicator.tenant_id == tenant.id, Indicator.agreement_id == agreement.id,
    ).order_by(Indicator.position, Indicator.id)))
    providers = [p for p in agreement.parties if p.role == PartyRole.PROVIDER]
    if not sees_everything(principal):
        providers = [p for p in providers if p.organisation_id == principal.organisation_id]
    if provider_id not in {p.organisation_id for p in providers}:
        provider_id = None
    periods = _periods_for(tenant, [agreement], [i.id for i in indicators], settings.frequency, day)
    reports = _reports(tenant, principal, [agreement.id], provider_id)
    counted = counted_reports(reports, include_submitted)
    rows = indicator_rows(tenant, indicators, periods, counted, settings)
    comments = latest_comments(reports, {i.id: i for i in indicators})
    return AgreementDashboard(agreement, periods, rows, comments, providers, provider_id,
                              include_submitted, settings)


# --- the goal chain ------------------------------------------------------------------------------


@dataclass
class GoalChain:
    goal: object
    agreements: list[Agreement]
    periods: list[ReportingPeriod]
    rows: list[IndicatorRow]
    settings: PartnershipSettings

    def rows_of(self, agreement: Agreement) -> list[IndicatorRow]:
        return [r for r in self.rows if r.indicator.agreement_id == agreement.id]


def linked_indicator_count(tenant: Tenant, goal_id: int) -> int:
    return db.session.scalar(select(func.count(Indicator.id)).where(
        Indicator.tenant_id == tenant.id, Indicator.steering_goal_id == goal_id)) or 0


def goal_chain(tenant: Tenant, principal: Principal, goal, *, include_submitted: bool = False,
               day: date | None = None) -> GoalChain:
    """A steering goal, the indicators linked to it in agreements the principal may see, and
    their values per period."""
    day = day or common.today()
    settings = partnership_settings(tenant)
    visible = visible_agreements_query(tenant, principal).order_by(None).with_only_columns(Agreement.id)
    indicators = list(db.session.scalars(select(Indicator).where(
        Indicator.tenant_id == tenant.id, Indicator.steering_goal_id == goal.id,
        Indicator.agreement_id.in_(visible),
    ).options(selectinload(Indicator.agreement)).order_by(Indicator.agreement_id, Indicator.position,
                                                           Indicator.id)))
    agreements = sorted({i.agreement for i in indicators}, key=lambda a: a.code)
    periods = _periods_for(tenant, agreements, [i.id for i in indicators], settings.frequency, day)
    reports = counted_reports(_reports(tenant, principal, [a.id for a in agreements], None),
                              include_submitted)
    rows = indicator_rows(tenant, indicators, periods, reports, settings)
    return GoalChain(goal, agreements, periods, rows, settings)


# --- reporting duties and the tenant overview ----------------------------------------------------


@dataclass
class Duty:
    """A provider party's report for a period of an active agreement."""

    agreement: Agreement
    party: AgreementParty
    period: ReportingPeriod
    reported: bool  # a submitted or accepted revision exists

    def days_left(self, day: date) -> int:
        return (self.period.deadline - day).days

    def is_late(self, day: date) -> bool:
        return not self.reported and self.period.deadline < day

    def is_due(self, day: date, days_before: int) -> bool:
        """Not reported, deadline not passed, and the period ended or the deadline is near."""
        if self.reported or self.period.deadline < day:
            return False
        return self.period.ends_on < day or self.days_left(day) <= days_before


def reporting_duties(tenant: Tenant, day: date, *, organisation_id: int | None = None,
                     agreement_ids: list[int] | None = None) -> list[Duty]:
    """The reports that active agreements with indicators expect of their provider parties, for
    the periods of the tenant's calendar within each agreement's validity whose reporting
    window has opened or is near (deadline within ``reminder_days_before`` days, or passed).
    ``organisation_id`` narrows to one provider. A fixed number of queries."""
    settings = partnership_settings(tenant)
    query = select(Agreement).where(
        Agreement.tenant_id == tenant.id, Agreement.status == AgreementStatus.ACTIVE,
        Agreement.id.in_(select(Indicator.agreement_id).where(Indicator.tenant_id == tenant.id)),
    ).options(selectinload(Agreement.parties)).order_by(Agreement.code)
    if agreement_ids is not None:
        query = query.where(Agreement.id.in_(agreement_ids or [-1]))
    agreements = list(db.session.scalars(query))
    if not agreements:
        return []
    horizon = date.fromordinal(day.toordinal() + settings.reminder_days_before)
    periods = list(db.session.scalars(select(ReportingPeriod).where(
        ReportingPeriod.tenant_id == tenant.id, ReportingPeriod.frequency == settings.frequency,
        ReportingPeriod.ends_on >= min(a.valid_from for a in agreements),
        or_(ReportingPeriod.ends_on < day, ReportingPeriod.deadline <= horizon),
    ).order_by(ReportingPeriod.starts_on)))
    reported = set(db.session.execute(select(
        OutcomeReport.agreement_id, OutcomeReport.organisation_id, OutcomeReport.period_id,
    ).where(OutcomeReport.tenant_id == tenant.id, OutcomeReport.status.in_(REPORTED),
            OutcomeReport.agreement_id.in_([a.id for a in agreements]))).all())
    duties = []
    for agreement in agreements:
        for party in agreement.parties:
            if party.role != PartyRole.PROVIDER:
                continue
            if organisation_id is not None and party.organisation_id != organisation_id:
                continue
            for period in periods:
                if period.ends_on < agreement.valid_from or (
                        agreement.valid_to is not None and period.starts_on > agreement.valid_to):
                    continue
                key = (agreement.id, party.organisation_id, period.id)
                duties.append(Duty(agreement, party, period, key in reported))
    return duties


@dataclass
class MissingTargets:
    indicator: Indicator
    periods: list[ReportingPeriod]


@dataclass
class Overview:
    status_counts: dict[str, int]
    due: list[Duty]
    late: list[Duty]
    missing_targets: list[MissingTargets]
    late_commitments: list[Commitment]
    settings: PartnershipSettings
    day: date
    own_only: bool

    @property
    def agreement_count(self) -> int:
        return sum(self.status_counts.values())


def _missing_targets(tenant: Tenant, principal: Principal, settings: PartnershipSettings
                     ) -> list[MissingTargets]:
    visible = visible_agreements_query(tenant, principal).order_by(None).with_only_columns(Agreement.id)
    indicators = list(db.session.scalars(select(Indicator).join(Indicator.agreement).where(
        Indicator.tenant_id == tenant.id, Indicator.agreement_id.in_(visible),
        Agreement.status.in_(OPEN_STATUSES),
    ).options(selectinload(Indicator.agreement)).order_by(Agreement.code, Indicator.position,
                                                           Indicator.id)))
    if not indicators:
        return []
    first = min(i.agreement.valid_from for i in indicators)
    periods = list(db.session.scalars(select(ReportingPeriod).where(
        ReportingPeriod.tenant_id == tenant.id, ReportingPeriod.frequency == settings.frequency,
        ReportingPeriod.ends_on >= first,
    ).order_by(ReportingPeriod.starts_on)))
    targets = _targets(tenant, [i.id for i in indicators])
    missing = []
    for indicator in indicators:
        agreement = indicator.agreement
        lacking = [p for p in periods if p.ends_on >= agreement.valid_from
                   and (agreement.valid_to is None or p.starts_on <= agreement.valid_to)
                   and (indicator.id, p.id) not in targets]
        if lacking:
            missing.append(MissingTargets(indicator, lacking))
    return missing


def _late_commitments(tenant: Tenant, principal: Principal, day: date) -> list[Commitment]:
    visible = visible_agreements_query(tenant, principal).order_by(None).with_only_columns(Agreement.id)
    query = select(Commitment).join(Commitment.party).where(
        Commitment.tenant_id == tenant.id, Commitment.agreement_id.in_(visible),
        Commitment.due_date < day, Commitment.status != CommitmentStatus.DONE,
    ).options(selectinload(Commitment.agreement), selectinload(Commitment.party))
    if not sees_everything(principal):
        query = query.where(AgreementParty.organisation_id == principal.organisation_id)
    return list(db.session.scalars(query.order_by(Commitment.due_date, Commitment.id)))


def tenant_overview(tenant: Tenant, principal: Principal, day: date | None = None) -> Overview:
    """The partnership overview of the tenant as the principal may see it: a provider
    reporter sees only its own organisation's agreements, reports and commitments."""
    day = day or common.today()
    settings = partnership_settings(tenant)
    counts = dict(db.session.execute(
        visible_agreements_query(tenant, principal).order_by(None)
        .with_only_columns(Agreement.status, func.count(Agreement.id)).group_by(Agreement.status)
    ).all())
    own_only = not sees_everything(principal)
    if own_only and principal.organisation_id is None:
        duties = []
    else:
        duties = reporting_duties(tenant, day, organisation_id=principal.organisation_id
                                  if own_only else None)
    return Overview(
        status_counts=counts,
        due=sorted((d for d in duties if d.is_due(day, settings.reminder_days_before)),
                   key=lambda d: (d.period.deadline, d.agreement.code)),
        late=sorted((d for d in duties if d.is_late(day)),
                    key=lambda d: (d.period.deadline, d.agreement.code)),
        missing_targets=_missing_targets(tenant, principal, settings),
        late_commitments=_late_commitments(tenant, principal, day),
        settings=settings, day=day, own_only=own_only,
    )
