"""Read-only queries behind the owners' meeting pages: meetings with their items, an item's
ballot (every owner with its share on the meeting date and its vote), the goals that can go on
an agenda, what awaits a representative's vote, and the arithmetic of a stored decision.

Nothing here changes state; the rules live in :mod:`.meetings`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload, selectinload

from samverkan.ownership.models import (
    AgendaItem,
    Decision,
    DecisionRule,
    GoalStatus,
    ItemOutcome,
    OwnersMeeting,
    SteeringGoal,
    Vote,
)
from samverkan.ownership.services.meetings import ABSENT, Tally, items_awaiting_vote, weigh
from samverkan.ownership.services.stakes import stake_history, stakes_in_force
from samverkan.platform.db import db
from samverkan.tenants.models import Tenant
from samverkan.tenants.permissions import Principal

CENT = Decimal("0.01")
NOT_VOTED = "not_voted"
MEETING_SORTS = {"date": (OwnersMeeting.meeting_date, OwnersMeeting.id),
                 "-date": (OwnersMeeting.meeting_date.desc(), OwnersMeeting.id.desc())}


def _item_options():
    return (selectinload(OwnersMeeting.items).selectinload(AgendaItem.votes),
            selectinload(OwnersMeeting.items).selectinload(AgendaItem.goal))


def meetings_statement(tenant: Tenant, *, upcoming: bool, today: date, status: str = "",
                       sort: str = "date") -> Select:
    """Meetings on or after ``today`` (upcoming) or before it (past), optionally of one status,
    with their items and votes loaded in a fixed number of queries."""
    query = select(OwnersMeeting).where(OwnersMeeting.tenant_id == tenant.id)
    if upcoming:
        query = query.where(OwnersMeeting.meeting_date >= today)
    else:
        query = query.where(OwnersMeeting.meeting_date < today)
    if status:
        query = query.where(OwnersMeeting.status == status)
    return query.options(*_item_options()).order_by(*MEETING_SORTS.get(sort, MEETING_SORTS["date"]))


def get_meeting(tenant: Tenant, meeting_id: int) -> OwnersMeeting | None:
    return db.session.scalar(
        select(OwnersMeeting).where(OwnersMeeting.tenant_id == tenant.id, OwnersMeeting.id == meeting_id)
        .options(selectinload(OwnersMeeting.items).selectinload(AgendaItem.votes),
                 selectinload(OwnersMeeting.items).selectinload(AgendaItem.goal)
                 .joinedload(SteeringGoal.proposer),
                 selectinload(OwnersMeeting.items).selectinload(AgendaItem.decision))
    )


def get_item(tenant: Tenant, meeting_id: int, item_id: int) -> AgendaItem | None:
    """An item of this meeting (an item of another meeting is not found)."""
    return db.session.scalar(
        select(AgendaItem).where(AgendaItem.tenant_id == tenant.id, AgendaItem.id == item_id,
                                 AgendaItem.meeting_id == meeting_id)
        .options(joinedload(AgendaItem.meeting), joinedload(AgendaItem.goal),
                 selectinload(AgendaItem.votes).joinedload(Vote.user),
                 selectinload(AgendaItem.decision))
    )


def goals_for_agenda(tenant: Tenant) -> list[SteeringGoal]:
    """Proposed goals that are not on an undecided agenda item of any meeting."""
    pending = select(AgendaItem.goal_id).where(AgendaItem.tenant_id == tenant.id,
                                               AgendaItem.outcome == ItemOutcome.PENDING)
    return list(db.session.scalars(
        select(SteeringGoal).where(SteeringGoal.tenant_id == tenant.id,
                                   SteeringGoal.status == GoalStatus.PROPOSED,
                                   SteeringGoal.id.not_in(pending))
        .options(joinedload(SteeringGoal.proposer)).order_by(SteeringGoal.id)
    ).unique())


def awaiting_vote(tenant: Tenant, principal: Principal | None) -> list[AgendaItem]:
    """Undecided items of open meetings on which the representative's owner, an owner on the
    meeting's date, has not voted yet."""
    organisation_id = principal.organisation_id if principal is not None else None
    if organisation_id is None:
        return []
    stakes = stake_history(tenant, organisation_id)
    return [item for item in items_awaiting_vote(tenant, organisation_id)
            if any(stake.in_force_on(item.meeting.meeting_date) for stake in stakes)]


@dataclass(frozen=True)
class BallotRow:
    organisation_id: int
    name: dict
    share: Decimal
    choice: str  # yes, no, abstain; "absent" once decided; "not_voted" before
    vote: Vote | None


def ballot(tenant: Tenant, item: AgendaItem) -> list[BallotRow]:
    """Every owner of the item's meeting date with its share and vote; once decided, the
    decision's own breakdown (so it reads the same after shares change)."""
    votes = {vote.organisation_id: vote for vote in item.votes}
    if item.decision is not None:
        return [BallotRow(row["organisation_id"], row.get("name") or {}, Decimal(row["share"]),
                          row["choice"], votes.get(row["organisation_id"]))
                for row in item.decision.breakdown]
    rows = []
    for stake in stakes_in_force(tenant, item.meeting.meeting_date):
        vote = votes.get(stake.organisation_id)
        rows.append(BallotRow(stake.organisation_id, dict(stake.organisation.name or {}), stake.share,
                              vote.choice if vote else NOT_VOTED, vote))
    return rows


def decision_tally(decision: Decision) -> Tally:
    """The stored decision weighed again from its breakdown: the same numbers, and what was
    required (:attr:`Tally.required`)."""
    shares = {row["organisation_id"]: Decimal(row["share"]) for row in decision.breakdown}
    choices = {row["organisation_id"]: row["choice"] for row in decision.breakdown
               if row["choice"] != ABSENT}
    fraction = (Fraction(decision.fraction_numerator, decision.fraction_denominator)
                if decision.rule == DecisionRule.QUALIFIED_ALL else None)
    names = {row["organisation_id"]: row.get("name") or {} for row in decision.breakdown}
    return weigh(shares, choices, decision.rule, fraction, names=names)


def required_share(tally: Tally) -> Decimal:
    """What the rule required, in percent to two decimals (rounded half up for display)."""
    return Decimal(tally.required).quantize(CENT, rounding=ROUND_HALF_UP)
