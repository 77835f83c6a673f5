"""Owners' meetings, their agenda, the owners' votes and the weighted decisions.

Each owner votes yes, no or abstain on an agenda item through one of its owner representatives
(the organisation of the representative's membership), once per item, weighted by its share on
the meeting date. The tenant's decision rule (see :mod:`.settings`) decides:

``majority_represented``
    adopted when the yes shares are more than half of the shares represented (yes + no +
    abstain). An abstention is represented but neither for nor against, so it weighs like a
    no; a tie (yes = no) is not a majority.
``qualified_all``
    adopted when the yes shares are at least the fraction (e.g. 2/3) of all shares in force,
    and more than the no shares (so a 50/50 tie under 1/2 is not a majority). Abstentions and
    absent owners do not count towards the fraction.

Owners who did not vote are absent. Shares are exact decimals; the comparisons are made in
whole numbers (``2 * yes > represented``, ``yes * denominator >= total * numerator``). The
decision is computed when every owner in force has voted, or when the admin closes the vote.
An adopting decision sets the goal adopted with a reference to the decision; a rejecting one
returns it to draft.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from samverkan.ownership.models import (
    AgendaItem,
    Decision,
    DecisionResult,
    DecisionRule,
    GoalStatus,
    ItemOutcome,
    MeetingStatus,
    OwnersMeeting,
    SteeringGoal,
    Vote,
    VoteChoice,
)
from samverkan.ownership.permissions import can_manage_meetings, can_vote
from samverkan.ownership.services.common import (
    OwnershipError,
    OwnershipPermissionError,
    choice_value,
    date_value,
    record,
    require,
    texts,
    user_id_of,
)
from samverkan.ownership.services.goals import apply_transition
from samverkan.ownership.services.settings import ownership_settings
from samverkan.ownership.services.stakes import require_complete_shares
from samverkan.platform import audit
from samverkan.platform.db import db, utcnow
from samverkan.tenants.models import Tenant
from samverkan.tenants.permissions import Principal

MEETING_FIELDS = ["meeting_date", "agenda", "minutes", "status"]
DECISION_FIELDS = ["agenda_item_id", "rule", "fraction_numerator", "fraction_denominator", "shares_for",
                   "shares_against", "shares_abstain", "shares_absent", "shares_represented",
                   "shares_total", "result", "breakdown"]
ABSENT = "absent"
ZERO = Decimal("0.00")


@dataclass
class MeetingData:
    meeting_date: date | str
    agenda: dict | None = None
    minutes: dict | None = None


@dataclass(frozen=True)
class Tally:
    """The arithmetic of a weighted vote."""

    rule: str
    fraction: Fraction | None  # the qualified fraction; None under majority_represented
    shares_for: Decimal
    shares_against: Decimal
    shares_abstain: Decimal
    shares_absent: Decimal
    shares_represented: Decimal
    shares_total: Decimal
    adopted: bool
    breakdown: list[dict]

    @property
    def required(self) -> Decimal:
        """The yes shares needed: more than this (majority), or at least this (qualified)."""
        if self.fraction is None:
            return self.shares_represented / 2
        return self.shares_total * self.fraction.numerator / self.fraction.denominator


def weigh(shares: dict[int, Decimal], choices: dict[int, str], rule: str,
          fraction: Fraction | None = None, names: dict[int, dict] | None = None) -> Tally:
    """Weigh the owners' choices (owner id -> yes/no/abstain) by their shares (owner id ->
    percent). Owners with a share and no choice are absent."""
    totals = {VoteChoice.YES: ZERO, VoteChoice.NO: ZERO, VoteChoice.ABSTAIN: ZERO, ABSENT: ZERO}
    breakdown = []
    for owner_id, share in shares.items():
        choice = choices.get(owner_id, ABSENT)
        totals[choice] += share
        breakdown.append({"organisation_id": owner_id, "name": (names or {}).get(owner_id, {}),
                          "share": str(share), "choice": str(choice)})
    shares_for, against, abstain = totals[VoteChoice.YES], totals[VoteChoice.NO], totals[VoteChoice.ABSTAIN]
    represented = shares_for + against + abstain
    total = represented + totals[ABSENT]
    if rule == DecisionRule.MAJORITY_REPRESENTED:
        adopted = 2 * shares_for > represented
        fraction = None
    elif rule == DecisionRule.QUALIFIED_ALL:
        if fraction is None:
            raise ValueError("a qualified majority needs a fraction")
        adopted = shares_for * fraction.denominator >= total * fraction.numerator and shares_for > against
    else:
        raise ValueError(f"unknown decision rule {rule!r}")
    return Tally(rule=str(rule), fraction=fraction, shares_for=shares_for, shares_against=against,
                 shares_abstain=abstain, shares_absent=totals[ABSENT], shares_represented=represented,
                 shares_total=total, adopted=adopted, breakdown=breakdown)


# --- meetings ---------------------------------------------------------------------------------


def meetings(tenant: Tenant) -> list[OwnersMeeting]:
    """Every meeting, latest first, with items, goals and votes loaded."""
    return list(db.session.scalars(
        select(OwnersMeeting).where(OwnersMeeting.tenant_id == tenant.id)
        .options(selectinload(OwnersMeeting.items).selectinload(AgendaItem.votes),
                 selectinload(OwnersMeeting.items).selectinload(AgendaItem.goal))
        .order_by(OwnersMeeting.meeting_date.desc(), OwnersMeeting.id.desc())
    ))


def _meeting_values(data: MeetingData) -> dict:
    return {
        "meeting_date": date_value(data.meeting_date, "meeting_date"),
        "agenda": texts(data.agenda, "agenda", required=False, max_length=20000),
        "minutes": texts(data.minutes, "minutes", required=False, max_length=50000),
    }


def _votes_cast(meeting: OwnersMeeting) -> bool:
    return any(item.votes for item in meeting.items)


def create_meeting(tenant: Tenant, principal: Principal, data: MeetingData) -> OwnersMeeting:
    require(can_manage_meetings, principal, tenant)
    meeting = OwnersMeeting(tenant_id=tenant.id, status=MeetingStatus.PLANNED, **_meeting_values(data))
    db.session.add(meeting)
    db.session.flush()
    record("meeting.created", meeting, principal, after=audit.snapshot(meeting, MEETING_FIELDS))
    return meeting


def update_meeting(tenant: Tenant, principal: Principal, meeting: OwnersMeeting,
                   data: MeetingData) -> OwnersMeeting:
    """Edit the agenda and minutes until the meeting is closed; the date until votes are cast
    (shares are weighed on the meeting date)."""
    require(can_manage_meetings, principal, tenant)
    _check_meeting(tenant, meeting)
    if meeting.status == MeetingStatus.CLOSED:
        raise OwnershipError("status", "closed", _l("A closed meeting cannot be changed."))
    values = _meeting_values(data)
    if values["meeting_date"] != meeting.meeting_date and _votes_cast(meeting):
        raise OwnershipError("meeting_date", "votes_cast",
                             _l("Owners have voted at this meeting: its date cannot change."))
    before = audit.snapshot(meeting, MEETING_FIELDS)
    for key, value in values.items():
        setattr(meeting, key, value)
    db.session.flush()
    after = audit.snapshot(meeting, MEETING_FIELDS)
    if after != before:
        record("meeting.updated", meeting, principal, before=before, after=after)
    return meeting


MEETING_STEPS = {(MeetingStatus.PLANNED, MeetingStatus.HELD), (MeetingStatus.HELD, MeetingStatus.CLOSED)}


def set_meeting_status(tenant: Tenant, principal: Principal, meeting: OwnersMeeting,
                       status: str) -> OwnersMeeting:
    """Planned -> held -> closed; a meeting closes when every item on its agenda is decided."""
    require(can_manage_meetings, principal, tenant)
    _check_meeting(tenant, meeting)
    if (meeting.status, status) not in MEETING_STEPS:
        raise OwnershipError("status", "invalid_transition",
                             _l("A meeting goes from planned to held to closed."))
    if status == MeetingStatus.CLOSED and any(i.outcome == ItemOutcome.PENDING for i in meeting.items):
        raise OwnershipError("status", "items_pending",
                             _l("Decide every item on the agenda before closing the meeting."))
    before = audit.snapshot(meeting, MEETING_FIELDS)
    meeting.status = status
    db.session.flush()
    record("meeting.status_changed", meeting, principal, before=before,
           after=audit.snapshot(meeting, MEETING_FIELDS))
    return meeting


def _check_meeting(tenant: Tenant, meeting: OwnersMeeting) -> None:
    if meeting.tenant_id != tenant.id:
        raise OwnershipError("meeting_id", "invalid", _l("Choose an owners' meeting."))


# --- agenda -----------------------------------------------------------------------------------


def add_agenda_item(tenant: Tenant, principal: Principal, meeting: OwnersMeeting,
                    goal: SteeringGoal) -> AgendaItem:
    """Put a proposed goal on a meeting's agenda (one undecided item per goal)."""
    require(can_manage_meetings, principal, tenant)
    _check_meeting(tenant, meeting)
    if goal.tenant_id != tenant.id:
        raise OwnershipError("goal_id", "invalid", _l("Choose a steering goal."))
    if meeting.status == MeetingStatus.CLOSED:
        raise OwnershipError("meeting_id", "closed", _l("A closed meeting takes no new items."))
    if goal.status != GoalStatus.PROPOSED:
        raise OwnershipError("goal_id", "not_proposed", _l("Only a proposed goal can go on the agenda."))
    pending = db.session.scalar(select(AgendaItem.id).where(
        AgendaItem.tenant_id == tenant.id, AgendaItem.goal_id == goal.id,
        AgendaItem.outcome == ItemOutcome.PENDING))
    if pending is not None:
        raise OwnershipError("goal_id", "on_agenda",
                             _l("This goal is on an owners' meeting agenda already."))
    position = (db.session.scalar(select(func.max(AgendaItem.position)).where(
        AgendaItem.tenant_id == tenant.id, AgendaItem.meeting_id == meeting.id)) or 0) + 1
    item = AgendaItem(tenant_id=tenant.id, meeting_id=meeting.id, goal_id=goal.id, position=position,
                      outcome=ItemOutcome.PENDING)
    db.session.add(item)
    db.session.flush()
    record("agenda_item.added", item, principal,
           after={"meeting_id": meeting.id, "goal_id": goal.id, "position": position})
    return item


def remove_agenda_item(tenant: Tenant, principal: Principal, item: AgendaItem) -> None:
    """Take an undecided item with no votes off the agenda."""
    require(can_manage_meetings, principal, tenant)
    _check_item(tenant, item)
    if item.outcome != ItemOutcome.PENDING or item.votes:
        raise OwnershipError("agenda_item", "votes_cast",
                             _l("Owners have voted on this item: it stays on the agenda."))
    before = {"meeting_id": item.meeting_id, "goal_id": item.goal_id, "position": item.position}
    item_id = item.id
    db.session.delete(item)
    db.session.flush()
    record("agenda_item.removed", None, principal, entity_type="AgendaItem", entity_id=item_id,
           before=before)


def _check_item(tenant: Tenant, item: AgendaItem) -> None:
    if item.tenant_id != tenant.id:
        raise OwnershipError("agenda_item", "invalid", _l("Choose an item on the agenda."))


def items_awaiting_vote(tenant: Tenant, organisation_id: int | None) -> list[AgendaItem]:
    """Undecided items of open meetings on which this owner has not voted."""
    if organisation_id is None:
        return []
    voted = select(Vote.agenda_item_id).where(Vote.tenant_id == tenant.id,
                                              Vote.organisation_id == organisation_id)
    return list(db.session.scalars(
        select(AgendaItem).join(OwnersMeeting, OwnersMeeting.id == AgendaItem.meeting_id)
        .where(AgendaItem.tenant_id == tenant.id, AgendaItem.outcome == ItemOutcome.PENDING,
               OwnersMeeting.status != MeetingStatus.CLOSED, AgendaItem.id.not_in(voted))
        .options(selectinload(AgendaItem.goal), selectinload(AgendaItem.meeting))
        .order_by(OwnersMeeting.meeting_date, AgendaItem.position, AgendaItem.id)
    ))


# --- voting and deciding ---------------------------------------------------------------------


def _check_open(tenant: Tenant, item: AgendaItem) -> None:
    _check_item(tenant, item)
    if item.outcome != ItemOutcome.PENDING:
        raise OwnershipError("agenda_item", "decided", _l("This item has been decided already."))
    if item.meeting.status == MeetingStatus.CLOSED:
        raise OwnershipError("agenda_item", "closed", _l("The meeting is closed."))


def cast_vote(tenant: Tenant, principal: Principal, item: AgendaItem, choice: str) -> Vote:
    """The represented owner's vote; when every owner has voted, the item is decided."""
    require(can_vote, principal, tenant, "choice",
            _l("Only an owner representative can vote, for the owner they represent."))
    _check_open(tenant, item)
    choice = choice_value(choice, VoteChoice, "choice", _l("Choose yes, no or abstain."))
    meeting_date = item.meeting.meeting_date
    stakes = require_complete_shares(tenant, meeting_date)
    owner_id = principal.organisation_id
    if owner_id not in {stake.organisation_id for stake in stakes}:
        raise OwnershipPermissionError(
            "choice", "not_owner",
            _l("The organisation you represent has no ownership share on the meeting date."))
    existing = db.session.scalar(select(Vote).where(
        Vote.tenant_id == tenant.id, Vote.agenda_item_id == item.id, Vote.organisation_id == owner_id))
    if existing is not None:
        raise OwnershipError("choice", "already_voted",
                             _l("The owner you represent has voted on this item already."))
    vote = Vote(tenant_id=tenant.id, agenda_item_id=item.id, organisation_id=owner_id,
                user_id=user_id_of(principal), choice=choice, cast_at=utcnow())
    db.session.add(vote)
    db.session.flush()
    record("vote.cast", vote, principal,
           after={"agenda_item_id": item.id, "organisation_id": owner_id, "choice": choice,
                  "user_id": vote.user_id})
    db.session.refresh(item, ["votes"])
    if {v.organisation_id for v in item.votes} >= {stake.organisation_id for stake in stakes}:
        _decide(tenant, principal, item)
    return vote


def decide_item(tenant: Tenant, principal: Principal, item: AgendaItem) -> Decision:
    """Close the vote on an item (admin): owners who have not voted are absent."""
    require(can_manage_meetings, principal, tenant)
    _check_open(tenant, item)
    return _decide(tenant, principal, item)


def _decide(tenant: Tenant, principal: Principal, item: AgendaItem) -> Decision:
    stakes = require_complete_shares(tenant, item.meeting.meeting_date)
    settings = ownership_settings(tenant)
    fraction = settings.qualified_fraction if settings.decision_rule == DecisionRule.QUALIFIED_ALL else None
    tally = weigh(
        {stake.organisation_id: stake.share for stake in stakes},
        {vote.organisation_id: vote.choice for vote in item.votes},
        settings.decision_rule, fraction,
        names={stake.organisation_id: dict(stake.organisation.name or {}) for stake in stakes},
    )
    result = DecisionResult.ADOPTED if tally.adopted else DecisionResult.REJECTED
    decision = Decision(
        tenant_id=tenant.id, item=item, rule=tally.rule,
        fraction_numerator=fraction.numerator if fraction else None,
        fraction_denominator=fraction.denominator if fraction else None,
        shares_for=tally.shares_for, shares_against=tally.shares_against,
        shares_abstain=tally.shares_abstain, shares_absent=tally.shares_absent,
        shares_represented=tally.shares_represented, shares_total=tally.shares_total,
        breakdown=tally.breakdown, result=result, computed_at=utcnow(),
        computed_by_id=user_id_of(principal),
    )
    db.session.add(decision)
    item.outcome = ItemOutcome.ADOPTED if tally.adopted else ItemOutcome.REJECTED
    db.session.flush()
    record("decision.computed", decision, principal, after=audit.snapshot(decision, DECISION_FIELDS))
    goal = item.goal
    if tally.adopted:
        apply_transition(goal, GoalStatus.ADOPTED, principal, decision=decision)
    else:
        apply_transition(goal, GoalStatus.DRAFT, principal, decision=decision)
    return decision
