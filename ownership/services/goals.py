"""Steering goals: create, edit, delete, the lifecycle, and conflicting goals.

The lifecycle, who may make each change and when (``TRANSITIONS`` below is this table):

============  ============  ============================================  ============================
from          to            who                                           also
============  ============  ============================================  ============================
draft         proposed      admin; representative of the proposing owner  strategy not archived
draft         withdrawn     admin; representative of the proposing owner
proposed      draft         admin; representative of the proposing owner  no votes cast yet; the goal
                                                                          leaves the agenda
proposed      withdrawn     admin; representative of the proposing owner  as above
proposed      adopted       only an adopting decision of owners' meeting  sets the decision reference
proposed      draft         a rejecting decision of an owners' meeting    the proposer may revise it
adopted       achieved      admin; any owner representative               on or after the target date
adopted       not_achieved  admin; any owner representative               on or after the target date
adopted       withdrawn     admin                                         a note citing the owners'
                                                                          decision is required
============  ============  ============================================  ============================

Provider reporters and viewers make no transition. Achieved, not achieved and withdrawn are
final. Editing follows the same roles: a draft or proposed goal by the admin or the proposing
owner's representative (a proposed one only until votes are cast); an adopted goal only by the
admin and only its title and description, because its measure (unit, direction, baseline,
target, milestones), theme and strategy are frozen: changing them needs a new decision, that
is a new goal. Only a draft that has never been on an agenda can be deleted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import combinations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from samverkan.ownership.models import (
    AgendaItem,
    Decision,
    Direction,
    GoalMilestone,
    GoalStatus,
    GoalTransition,
    ItemOutcome,
    SteeringGoal,
    StrategyStatus,
)
from samverkan.ownership.permissions import (
    can_close_goal,
    can_create_goal,
    can_edit_goal,
)
from samverkan.ownership.services import common
from samverkan.ownership.services.common import (
    MEASURE_LIMIT,
    OwnershipError,
    OwnershipPermissionError,
    choice_value,
    date_value,
    decimal_value,
    label_of,
    record,
    require,
    texts,
    user_id_of,
    year_value,
)
from samverkan.ownership.services.stakes import is_owner_on
from samverkan.ownership.services.strategies import get_strategy
from samverkan.ownership.services.themes import get_theme
from samverkan.platform import audit
from samverkan.platform.db import db
from samverkan.tenants.models import Tenant
from samverkan.tenants.permissions import Principal, Rule, is_admin

GOAL_FIELDS = ["strategy_id", "theme_id", "proposer_organisation_id", "title", "description", "unit",
               "direction", "baseline_value", "baseline_year", "target_value", "target_date", "status",
               "adopted_decision_id"]
MEASURE_FIELDS = ["unit", "direction", "baseline_value", "baseline_year", "target_value", "target_date",
                  "milestones"]
TEXT_FIELDS = ["title", "description"]
EDITABLE_STATUSES = {GoalStatus.DRAFT, GoalStatus.PROPOSED}
FINAL_STATUSES = {GoalStatus.ACHIEVED, GoalStatus.NOT_ACHIEVED, GoalStatus.WITHDRAWN}


@dataclass
class GoalData:
    strategy_id: int
    theme_id: int
    title: dict
    unit: str
    direction: str
    baseline_value: Decimal | str
    baseline_year: int
    target_value: Decimal | str
    target_date: date | str
    description: dict | None = None
    milestones: dict | list | None = None  # {year: value} or [(year, value), ...]
    proposer_organisation_id: int | None = None  # a representative always proposes for their owner


@dataclass(frozen=True)
class Transition:
    """A change of status; ``who`` is None when only an owners' meeting decision makes it."""

    source: str
    target: str
    who: Callable[[SteeringGoal], Rule] | None
    after_target_date: bool = False
    note_required: bool = False


def _proposer_or_admin(goal: SteeringGoal) -> Rule:
    return can_edit_goal(goal)


def _closer(_goal: SteeringGoal) -> Rule:
    return can_close_goal


def _admin(_goal: SteeringGoal) -> Rule:
    return is_admin


TRANSITIONS: dict[tuple[str, str], Transition] = {
    (t.source, t.target): t for t in [
        Transition(GoalStatus.DRAFT, GoalStatus.PROPOSED, _proposer_or_admin),
        Transition(GoalStatus.DRAFT, GoalStatus.WITHDRAWN, _proposer_or_admin),
        Transition(GoalStatus.PROPOSED, GoalStatus.DRAFT, _proposer_or_admin),
        Transition(GoalStatus.PROPOSED, GoalStatus.WITHDRAWN, _proposer_or_admin),
        Transition(GoalStatus.PROPOSED, GoalStatus.ADOPTED, None),
        Transition(GoalStatus.ADOPTED, GoalStatus.ACHIEVED, _closer, after_target_date=True),
        Transition(GoalStatus.ADOPTED, GoalStatus.NOT_ACHIEVED, _closer, after_target_date=True),
        Transition(GoalStatus.ADOPTED, GoalStatus.WITHDRAWN, _admin, note_required=True),
    ]
}


# --- reading ---------------------------------------------------------------------------------


def get_goal(tenant: Tenant, goal_id) -> SteeringGoal:
    goal = db.session.get(SteeringGoal, goal_id) if goal_id else None
    if goal is None or goal.tenant_id != tenant.id:
        raise OwnershipError("goal_id", "invalid", _l("Choose a steering goal."))
    return goal


def list_goals(tenant: Tenant, *, statuses=None, strategy_id: int | None = None,
               theme_id: int | None = None) -> list[SteeringGoal]:
    """Goals with their theme, strategy, proposer and milestones loaded (a fixed number of
    queries whatever the number of goals)."""
    query = (
        select(SteeringGoal).where(SteeringGoal.tenant_id == tenant.id)
        .options(joinedload(SteeringGoal.theme), joinedload(SteeringGoal.strategy),
                 joinedload(SteeringGoal.proposer), selectinload(SteeringGoal.milestones))
        .order_by(SteeringGoal.id)
    )
    if statuses:
        query = query.where(SteeringGoal.status.in_([str(s) for s in statuses]))
    if strategy_id is not None:
        query = query.where(SteeringGoal.strategy_id == strategy_id)
    if theme_id is not None:
        query = query.where(SteeringGoal.theme_id == theme_id)
    return list(db.session.scalars(query).unique())


def pending_items(goal: SteeringGoal) -> list[AgendaItem]:
    """The goal's agenda items not decided yet."""
    return list(db.session.scalars(
        select(AgendaItem).where(AgendaItem.tenant_id == goal.tenant_id, AgendaItem.goal_id == goal.id,
                                 AgendaItem.outcome == ItemOutcome.PENDING)
    ))


def has_votes(goal: SteeringGoal) -> bool:
    return any(item.votes for item in pending_items(goal))


# --- validation ------------------------------------------------------------------------------


def _milestones(value, baseline_year: int, target_year: int) -> dict[int, Decimal]:
    pairs = list(value.items()) if isinstance(value, dict) else list(value or [])
    milestones: dict[int, Decimal] = {}
    for year, number in pairs:
        year = year_value(year, "milestones")
        if not baseline_year < year <= target_year:
            raise OwnershipError("milestones", "out_of_range",
                                 _l("Milestones fall in the years after the baseline year, "
                                    "up to the target date."))
        if year in milestones:
            raise OwnershipError("milestones", "duplicate", _l("One milestone a year."))
        milestones[year] = decimal_value(number, "milestones", places=4, limit=MEASURE_LIMIT)
    return dict(sorted(milestones.items()))


def _validated(tenant: Tenant, data: GoalData, goal: SteeringGoal | None) -> dict:
    strategy = get_strategy(tenant, data.strategy_id)
    if strategy.status == StrategyStatus.ARCHIVED and (goal is None or goal.strategy_id != strategy.id):
        raise OwnershipError("strategy_id", "archived",
                             _l("This strategy is archived: choose a current one."))
    theme = get_theme(tenant, data.theme_id)
    if theme.is_archived and (goal is None or goal.theme_id != theme.id):
        raise OwnershipError("theme_id", "archived", _l("This theme is archived: choose another."))
    unit = (data.unit or "").strip()
    if not unit:
        raise OwnershipError("unit", "required", _l("Enter the unit of the measure, e.g. %."))
    if len(unit) > 50:
        raise OwnershipError("unit", "too_long", _l("A unit is at most 50 characters."))
    direction = choice_value(data.direction, Direction, "direction",
                             _l("Choose whether higher or lower is better."))
    baseline = decimal_value(data.baseline_value, "baseline_value", places=4, limit=MEASURE_LIMIT)
    baseline_year = year_value(data.baseline_year, "baseline_year")
    target = decimal_value(data.target_value, "target_value", places=4, limit=MEASURE_LIMIT)
    target_date = date_value(data.target_date, "target_date")
    if target_date <= date(baseline_year, 1, 1):
        raise OwnershipError("target_date", "before_baseline",
                             _l("The target date must be after the start of the baseline year."))
    if direction == Direction.HIGHER and target < baseline:
        raise OwnershipError("target_value", "wrong_direction",
                             _l("Higher is better: the target cannot be below the baseline."))
    if direction == Direction.LOWER and target > baseline:
        raise OwnershipError("target_value", "wrong_direction",
                             _l("Lower is better: the target cannot be above the baseline."))
    return {
        "strategy_id": strategy.id,
        "theme_id": theme.id,
        "title": texts(data.title, "title", required=True, max_length=300),
        "description": texts(data.description, "description", required=False, max_length=10000),
        "unit": unit,
        "direction": direction,
        "baseline_value": baseline,
        "baseline_year": baseline_year,
        "target_value": target,
        "target_date": target_date,
        "milestones": _milestones(data.milestones, baseline_year, target_date.year),
    }


def _proposer(tenant: Tenant, principal: Principal, requested: int | None, current: int | None) -> int:
    """Whom the goal is proposed by: the representative's own owner, or the admin's choice."""
    if is_admin(principal):
        chosen = requested or current or principal.organisation_id
    else:
        chosen = principal.organisation_id
        if requested is not None and requested != chosen:
            raise OwnershipPermissionError(
                "proposer_organisation_id", "not_own",
                _l("You can propose goals only for the owner you represent."))
    if chosen != current and not is_owner_on(tenant, chosen, common.today()):
        raise OwnershipError("proposer_organisation_id", "not_owner",
                             _l("Choose an owner with an ownership share in force."))
    return chosen


def snapshot(goal: SteeringGoal) -> dict:
    values = audit.snapshot(goal, GOAL_FIELDS)
    values["milestones"] = {str(m.year): str(m.value) for m in goal.milestones}
    return values


def _set_milestones(goal: SteeringGoal, milestones: dict[int, Decimal]) -> None:
    current = {m.year: m for m in goal.milestones}
    for year, milestone in current.items():
        if year not in milestones:
            goal.milestones.remove(milestone)
    for year, value in milestones.items():
        if year in current:
            current[year].value = value
        else:
            goal.milestones.append(GoalMilestone(tenant_id=goal.tenant_id, year=year, value=value))


# --- create, edit, delete ---------------------------------------------------------------------


def create_goal(tenant: Tenant, principal: Principal, data: GoalData) -> SteeringGoal:
    """A new draft goal of an owner (a representative's own; an admin chooses)."""
    require(can_create_goal, principal, tenant)
    proposer = _proposer(tenant, principal, data.proposer_organisation_id, None)
    values = _validated(tenant, data, None)
    milestones = values.pop("milestones")
    goal = SteeringGoal(tenant_id=tenant.id, proposer_organisation_id=proposer, status=GoalStatus.DRAFT,
                        created_by_id=user_id_of(principal), **values)
    db.session.add(goal)
    _set_milestones(goal, milestones)
    db.session.flush()
    _add_transition(goal, None, GoalStatus.DRAFT, principal)
    record("goal.created", goal, principal, after=snapshot(goal))
    return goal


def update_goal(tenant: Tenant, principal: Principal, goal: SteeringGoal, data: GoalData) -> SteeringGoal:
    """Edit a goal as its status allows (see the module's table)."""
    _check_same_tenant(tenant, goal)
    if goal.status in FINAL_STATUSES:
        raise OwnershipError("status", "final", _l("A goal that is closed cannot be changed."))
    before = snapshot(goal)
    if goal.status == GoalStatus.ADOPTED:
        require(is_admin, principal, tenant)
        values = _validated(tenant, data, goal)
        values["proposer_organisation_id"] = data.proposer_organisation_id or goal.proposer_organisation_id
        for name in ["strategy_id", "theme_id", "proposer_organisation_id", *MEASURE_FIELDS]:
            current = before[name] if name == "milestones" else getattr(goal, name)
            new = {str(y): str(v) for y, v in values[name].items()} if name == "milestones" else values[name]
            if new != current:
                raise OwnershipError(
                    name, "frozen",
                    _l("The goal is adopted: its measure, theme and strategy are frozen. "
                       "Changing them needs a new decision of the owners' meeting."))
        for name in TEXT_FIELDS:
            setattr(goal, name, values[name])
    else:
        require(can_edit_goal(goal), principal, tenant)
        if goal.status == GoalStatus.PROPOSED and has_votes(goal):
            raise OwnershipError("status", "votes_cast",
                                 _l("Owners have voted on this proposal: it cannot change any more."))
        proposer = _proposer(tenant, principal, data.proposer_organisation_id,
                             goal.proposer_organisation_id)
        values = _validated(tenant, data, goal)
        _set_milestones(goal, values.pop("milestones"))
        for name, value in values.items():
            setattr(goal, name, value)
        goal.proposer_organisation_id = proposer
    db.session.flush()
    after = snapshot(goal)
    if after != before:
        record("goal.updated", goal, principal, before=before, after=after)
    return goal


def delete_goal(tenant: Tenant, principal: Principal, goal: SteeringGoal) -> None:
    """Delete a draft that has never been on an owners' meeting agenda."""
    _check_same_tenant(tenant, goal)
    require(can_edit_goal(goal), principal, tenant)
    if goal.status != GoalStatus.DRAFT:
        raise OwnershipError("status", "not_draft", _l("Only a draft goal can be deleted."))
    on_agenda = db.session.scalar(select(AgendaItem.id).where(AgendaItem.tenant_id == tenant.id,
                                                              AgendaItem.goal_id == goal.id))
    if on_agenda is not None:
        raise OwnershipError("status", "has_history",
                             _l("This goal has been before an owners' meeting: withdraw it instead."))
    before = snapshot(goal)
    goal_id = goal.id
    db.session.delete(goal)
    db.session.flush()
    record("goal.deleted", None, principal, entity_type="SteeringGoal", entity_id=goal_id,
           before=before)


def _check_same_tenant(tenant: Tenant, goal: SteeringGoal) -> None:
    if goal.tenant_id != tenant.id:
        raise OwnershipError("goal_id", "invalid", _l("Choose a steering goal."))


# --- lifecycle --------------------------------------------------------------------------------


def _check_transition(tenant: Tenant, principal: Principal, goal: SteeringGoal, target: str,
                      note: str) -> Transition:
    transition = TRANSITIONS.get((goal.status, target))
    if transition is None:
        raise OwnershipError("status", "invalid_transition",
                             _l("The goal cannot change to this status from its current one."))
    if transition.who is None:
        raise OwnershipPermissionError("status", "by_decision",
                                       _l("Only a decision of the owners' meeting adopts a goal."))
    require(transition.who(goal), principal, tenant, "status",
            _l("Your role does not allow this change of the goal's status."))
    if transition.after_target_date and common.today() < goal.target_date:
        raise OwnershipError("status", "before_target_date",
                             _l("The target date (%(date)s) has not come yet.",
                                date=goal.target_date.isoformat()))
    if transition.note_required and not note:
        raise OwnershipError("note", "required",
                             _l("Cite the owners' decision behind this change."))
    if target == GoalStatus.PROPOSED and goal.strategy.status == StrategyStatus.ARCHIVED:
        raise OwnershipError("strategy_id", "archived",
                             _l("The goal's strategy is archived: move the goal to a current one."))
    if goal.status == GoalStatus.PROPOSED and has_votes(goal):
        raise OwnershipError("status", "votes_cast",
                             _l("Owners have voted on this proposal: wait for the decision."))
    return transition


def allowed_transitions(tenant: Tenant, principal: Principal, goal: SteeringGoal) -> list[str]:
    """The statuses this principal may move the goal to now (notes aside), for buttons."""
    allowed = []
    for (source, target), transition in TRANSITIONS.items():
        if source != goal.status or transition.who is None:
            continue
        try:
            _check_transition(tenant, principal, goal, target, "-")
        except OwnershipError:
            continue
        allowed.append(target)
    return allowed


def transition_goal(tenant: Tenant, principal: Principal, goal: SteeringGoal, target: str,
                    note: str = "") -> GoalTransition:
    """Move a goal to another status by hand, as the lifecycle table allows."""
    _check_same_tenant(tenant, goal)
    note = (note or "").strip()
    if len(note) > 2000:
        raise OwnershipError("note", "too_long", _l("A note is at most 2000 characters."))
    _check_transition(tenant, principal, goal, target, note)
    if goal.status == GoalStatus.PROPOSED:
        for item in pending_items(goal):  # leaves the agenda (no votes: checked above)
            item_id, meeting_id = item.id, item.meeting_id
            db.session.delete(item)
            db.session.flush()
            record("agenda_item.removed", None, principal, entity_type="AgendaItem", entity_id=item_id,
                   before={"meeting_id": meeting_id, "goal_id": goal.id})
    return apply_transition(goal, target, principal, note)


def apply_transition(goal: SteeringGoal, target: str, principal: Principal, note: str = "",
                     decision: Decision | None = None) -> GoalTransition:
    """Record a checked change of status (decisions call this directly)."""
    before = snapshot(goal)
    source = goal.status
    goal.status = target
    if decision is not None and target == GoalStatus.ADOPTED:
        goal.adopted_decision = decision
    db.session.flush()
    transition = _add_transition(goal, source, target, principal, note, decision)
    record("goal.status_changed", goal, principal, before=before,
           after={**snapshot(goal), "note": note})
    return transition


def _add_transition(goal: SteeringGoal, source: str | None, target: str, principal: Principal,
                    note: str = "", decision: Decision | None = None) -> GoalTransition:
    transition = GoalTransition(
        tenant_id=goal.tenant_id, goal_id=goal.id, from_status=source, to_status=target,
        actor_id=user_id_of(principal), actor_label=label_of(principal), note=note,
        decision_id=decision.id if decision is not None else None,
    )
    db.session.add(transition)
    db.session.flush()
    return transition


# --- conflicting goals ------------------------------------------------------------------------


def find_conflicts(tenant: Tenant) -> list[tuple[SteeringGoal, SteeringGoal]]:
    """Pairs of adopted goals on the same theme and unit whose targets pull the measure in
    opposite directions (one up from its baseline, the other down)."""
    groups: dict[tuple[int, str], list[SteeringGoal]] = defaultdict(list)
    for goal in list_goals(tenant, statuses=[GoalStatus.ADOPTED]):
        groups[(goal.theme_id, goal.unit.strip().casefold())].append(goal)
    conflicts = []
    for goals in groups.values():
        for first, second in combinations(goals, 2):
            if first.pull * second.pull == -1:
                conflicts.append((first, second))
    return conflicts


def conflicting_goal_ids(tenant: Tenant) -> set[int]:
    return {goal.id for pair in find_conflicts(tenant) for goal in pair}

