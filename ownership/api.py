"""JSON API of owner steering under ``/api/v1/t/<slug>/``: the ownership register, strategies,
goal themes, steering goals and their transitions, owners' meetings and votes, and progress
reports.

Authentication and permission as in :mod:`samverkan.tenants.api`: ``require_api`` with the rules
of :mod:`samverkan.ownership.permissions`; the services check again with the state of the
object. A service's :class:`OwnershipPermissionError` is a 403 problem, a refused change of
state (a vote cast already, a decided item, a transition the lifecycle does not allow) a 409
problem, and any other :class:`OwnershipError` a 422 problem; all name the field in ``errors``,
and nothing is written.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from types import SimpleNamespace

from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from samverkan.ownership import services as svc
from samverkan.ownership.models import (
    AgendaItem,
    Decision,
    DecisionRule,
    GoalTransition,
    OwnersMeeting,
    OwnerStake,
    OwnerStrategy,
    ProgressReport,
    SteeringGoal,
)
from samverkan.ownership.permissions import (
    can_close_goal,
    can_create_goal,
    can_manage_strategies,
    can_report_progress,
    can_view_ownership,
    can_vote,
)
from samverkan.ownership.schemas import (
    GOAL_DETAIL_EXAMPLE,
    GOAL_EXAMPLE,
    GOAL_INPUT_EXAMPLE,
    ITEM_EXAMPLE,
    MEETING_DETAIL_EXAMPLE,
    MEETING_EXAMPLE,
    PROGRESS_EXAMPLE,
    PROGRESS_INPUT_EXAMPLE,
    REGISTER_EXAMPLE,
    STAKE_EXAMPLE,
    STRATEGY_EXAMPLE,
    STRATEGY_INPUT_EXAMPLE,
    THEME_EXAMPLE,
    TRANSITION_EXAMPLE,
    TRANSITION_INPUT_EXAMPLE,
    VOTE_INPUT_EXAMPLE,
    AgendaItemSchema,
    GoalDetailSchema,
    GoalInputSchema,
    GoalQuerySchema,
    GoalSchema,
    MeetingDetailSchema,
    MeetingSchema,
    ProgressInputSchema,
    ProgressReportSchema,
    RegisterQuerySchema,
    RegisterSchema,
    StakeQuerySchema,
    StakeSchema,
    StrategyInputSchema,
    StrategySchema,
    ThemeSchema,
    TransitionInputSchema,
    TransitionSchema,
    VoteInputSchema,
)
from samverkan.ownership.services.common import today
from samverkan.ownership.services.stakes import HUNDRED
from samverkan.platform.api import Blueprint, QueryPage, abort_problem
from samverkan.platform.db import db
from samverkan.platform.oauth import require_api
from samverkan.tenants.permissions import current_principal

TAGS = {
    "register": "Ownership register",
    "strategies": "Owner strategies",
    "goals": "Steering goals",
    "meetings": "Owners' meetings",
    "progress": "Goal progress",
}

blueprint = Blueprint(
    "ownership_api", __name__, url_prefix="/api/v1/t/<slug>",
    description="Owner steering of a consortium: owners and shares, strategies, steering goals, "
                "owners' meetings and weighted votes, progress reports.",
    tags=[
        {"name": TAGS["register"], "description": "The consortium's owners and their ownership "
                                                  "shares over time. Every member reads "
                                                  "(clients: scope read)."},
        {"name": TAGS["strategies"], "description": "Owner strategies and the list of goal "
                                                    "themes. Every member reads; the admin "
                                                    "creates and updates strategies."},
        {"name": TAGS["goals"], "description": "Steering goals, their measure and lifecycle "
                                               "(draft, proposed, adopted, achieved, not "
                                               "achieved, withdrawn). The admin and owner "
                                               "representatives propose and edit as the "
                                               "lifecycle allows."},
        {"name": TAGS["meetings"], "description": "Owners' meetings, their agenda, every owner's "
                                                  "vote weighted by its share, and the decisions "
                                                  "with their arithmetic. Owner representatives "
                                                  "vote for the owner they represent."},
        {"name": TAGS["progress"], "description": "Progress reports on adopted goals, with "
                                                  "progress and status computed. The provider "
                                                  "reports (people with the provider reporter "
                                                  "role, or its API client with scope report)."},
    ],
)

# Refusals that are about the current state of an object rather than the data sent: 409.
CONFLICT_CODES = {"already_voted", "decided", "closed", "invalid_transition", "votes_cast", "final",
                  "taken", "incomplete", "not_adopted", "before_target_date", "not_draft"}
CENT = Decimal("0.01")


def _call(service, *args, **kwargs):
    """Run a service; on its errors roll back and stop with a problem naming the field."""
    try:
        return service(*args, **kwargs)
    except svc.OwnershipPermissionError as error:
        db.session.rollback()
        abort_problem(403, error.message, errors={error.field: [error.message]})
    except svc.OwnershipError as error:
        db.session.rollback()
        if error.code in CONFLICT_CODES:
            abort_problem(409, error.message, errors={error.field: [error.message]})
        abort_problem(422, _check_fields(), errors={error.field: [error.message]})


def _check_fields() -> str:
    from flask_babel import gettext

    return gettext("Check the fields listed in errors.")


def _conflict(view):
    return blueprint.alt_response(409, response="CONFLICT")(view)


def _one(statement):
    obj = db.session.scalar(statement)
    if obj is None:
        abort_problem(404)
    return obj


def _goal(goal_id: int) -> SteeringGoal:
    return _one(select(SteeringGoal).where(SteeringGoal.id == goal_id))


def _strategy(strategy_id: int) -> OwnerStrategy:
    return _one(select(OwnerStrategy).where(OwnerStrategy.id == strategy_id))


def _meeting(meeting_id: int) -> OwnersMeeting:
    return _one(select(OwnersMeeting).where(OwnersMeeting.id == meeting_id).options(
        selectinload(OwnersMeeting.items).selectinload(AgendaItem.votes),
        selectinload(OwnersMeeting.items).selectinload(AgendaItem.goal)))


def _item(meeting_id: int, item_id: int) -> AgendaItem:
    return _one(select(AgendaItem).where(AgendaItem.id == item_id,
                                         AgendaItem.meeting_id == meeting_id))


def _ref(organisation) -> dict:
    return {"id": organisation.id, "name": dict(organisation.name or {})}


# --- the ownership register ------------------------------------------------------------------


@blueprint.route("/owners", tags=[TAGS["register"]])
@require_api(can_view_ownership, scope="read")
@blueprint.arguments(RegisterQuerySchema, location="query")
@blueprint.response(200, RegisterSchema, example=REGISTER_EXAMPLE)
def owners(args):
    """List the owners and shares in force

    The owners of the consortium with their shares in force on `on` (default today), largest
    first, and whether the shares sum to exactly 100 (needed before a weighted decision).
    """
    tenant = current_principal().tenant
    on = args.get("on") or today()
    stakes = svc.stakes_in_force(tenant, on)
    total = sum((stake.share for stake in stakes), Decimal("0.00"))
    return {"on": on, "total": total, "complete": total == HUNDRED,
            "owners": [_stake(stake) for stake in stakes]}


def _stake(stake: OwnerStake) -> dict:
    return {"id": stake.id, "organisation": _ref(stake.organisation), "share": stake.share,
            "basis": stake.basis, "valid_from": stake.valid_from, "valid_to": stake.valid_to}


@blueprint.route("/stakes", tags=[TAGS["register"]])
@require_api(can_view_ownership, scope="read")
@blueprint.arguments(StakeQuerySchema, location="query")
@blueprint.response(200, StakeSchema(many=True), example=[STAKE_EXAMPLE])
def stakes(args):
    """List the history of shares

    Every stake ever registered, newest first (of one owner with `organisation_id`): a change
    of share ends the previous stake the day before the new one starts.
    """
    tenant = current_principal().tenant
    return [_stake(stake) for stake in svc.stake_history(tenant, args.get("organisation_id"))]


@blueprint.route("/stakes/<int:stake_id>", tags=[TAGS["register"]])
@require_api(can_view_ownership, scope="read")
@blueprint.response(200, StakeSchema, example=STAKE_EXAMPLE)
def stake(stake_id):
    """Read a stake"""
    return _stake(_one(select(OwnerStake).where(OwnerStake.id == stake_id)))


# --- strategies and themes -------------------------------------------------------------------


@blueprint.route("/strategies", tags=[TAGS["strategies"]])
@require_api(can_view_ownership, scope="read")
@blueprint.response(200, StrategySchema(many=True), example=[STRATEGY_EXAMPLE])
def strategies():
    """List owner strategies

    Latest period first.
    """
    return svc.strategies(current_principal().tenant)


def _strategy_data(args: dict) -> svc.StrategyData:
    return svc.StrategyData(title=args["title"], text=args.get("text"), from_year=args["from_year"],
                            to_year=args["to_year"])


@blueprint.route("/strategies", methods=["POST"], tags=[TAGS["strategies"]])
@require_api(can_manage_strategies)
@blueprint.etag
@blueprint.arguments(StrategyInputSchema, example=STRATEGY_INPUT_EXAMPLE)
@blueprint.response(201, StrategySchema, example=STRATEGY_EXAMPLE | {"status": "draft",
                                                                     "adopted_at": None},
                    headers={"Location": {"description": "The new strategy's URL.",
                                          "schema": {"type": "string"}}})
def create_strategy(args):
    """Create an owner strategy

    Administrators only. The strategy starts as a draft; errors come back as 422 with
    `errors[field]`.
    """
    principal = current_principal()
    strategy = _call(svc.create_strategy, principal.tenant, principal, _strategy_data(args))
    db.session.commit()
    return strategy, 201, {"Location": url_for("ownership_api.strategy", strategy_id=strategy.id)}


@blueprint.route("/strategies/<int:strategy_id>", tags=[TAGS["strategies"]])
@require_api(can_view_ownership, scope="read")
@blueprint.etag
@blueprint.response(200, StrategySchema, example=STRATEGY_EXAMPLE)
def strategy(strategy_id):
    """Read an owner strategy

    The `ETag` header is the version to send back in `If-Match` when updating.
    """
    return _strategy(strategy_id)


@blueprint.route("/strategies/<int:strategy_id>", methods=["PUT"], tags=[TAGS["strategies"]])
@require_api(can_manage_strategies)
@blueprint.etag
@blueprint.arguments(StrategyInputSchema, example=STRATEGY_INPUT_EXAMPLE)
@blueprint.response(200, StrategySchema, example=STRATEGY_EXAMPLE)
def update_strategy(args, strategy_id):
    """Update an owner strategy

    Administrators only. The texts can change while the strategy is a draft or adopted, its
    period only while a draft. Send the `ETag` you read in `If-Match` (428 without it, 412 when
    the strategy changed in between).
    """
    principal = current_principal()
    strategy = _strategy(strategy_id)
    blueprint.check_etag(strategy, StrategySchema)
    _call(svc.update_strategy, principal.tenant, principal, strategy, _strategy_data(args))
    db.session.commit()
    return strategy


@blueprint.route("/themes", tags=[TAGS["strategies"]])
@require_api(can_view_ownership, scope="read")
@blueprint.response(200, ThemeSchema(many=True), example=[THEME_EXAMPLE])
def themes():
    """List goal themes

    The themes goals can have (archived ones left out: new goals cannot take them).
    """
    return svc.themes(current_principal().tenant)


# --- goals -----------------------------------------------------------------------------------


class GoalView:
    """A goal with the statuses the requester may move it to now."""

    def __init__(self, goal: SteeringGoal):
        principal = current_principal()
        self._goal = goal
        self.allowed_transitions = sorted(svc.allowed_transitions(principal.tenant, principal, goal))

    def __getattr__(self, name):
        return getattr(self._goal, name)


@blueprint.route("/goals", tags=[TAGS["goals"]])
@require_api(can_view_ownership, scope="read")
@blueprint.arguments(GoalQuerySchema, location="query")
@blueprint.response(200, GoalSchema(many=True), example=[GOAL_EXAMPLE])
@blueprint.paginate(QueryPage)
def goals(args):
    """List steering goals

    Filter by `status` (repeatable), `theme_id` and `strategy_id`. Paginated with `page` and
    `per_page`; the `X-Pagination` header carries the totals and `Link` the neighbouring pages.
    """
    statement = (
        select(SteeringGoal)
        .options(joinedload(SteeringGoal.theme), joinedload(SteeringGoal.proposer),
                 selectinload(SteeringGoal.milestones))
        .order_by(SteeringGoal.id)
    )
    if args.get("status"):
        statement = statement.where(SteeringGoal.status.in_(args["status"]))
    if args.get("theme_id") is not None:
        statement = statement.where(SteeringGoal.theme_id == args["theme_id"])
    if args.get("strategy_id") is not None:
        statement = statement.where(SteeringGoal.strategy_id == args["strategy_id"])
    return statement


def _goal_data(args: dict) -> svc.GoalData:
    return svc.GoalData(
        strategy_id=args["strategy_id"], theme_id=args["theme_id"], title=args["title"],
        description=args.get("description"), unit=args["unit"], direction=args["direction"],
        baseline_value=args["baseline_value"], baseline_year=args["baseline_year"],
        target_value=args["target_value"], target_date=args["target_date"],
        milestones=[(m["year"], m["value"]) for m in args.get("milestones") or []],
        proposer_organisation_id=args.get("proposer_organisation_id"),
    )


@blueprint.route("/goals", methods=["POST"], tags=[TAGS["goals"]])
@require_api(can_create_goal)
@blueprint.etag
@blueprint.arguments(GoalInputSchema, example=GOAL_INPUT_EXAMPLE)
@blueprint.response(201, GoalDetailSchema,
                    example=GOAL_DETAIL_EXAMPLE | {"status": "draft", "adopted_decision_id": None,
                                                   "allowed_transitions": ["proposed", "withdrawn"]},
                    headers={"Location": {"description": "The new goal's URL.",
                                          "schema": {"type": "string"}}})
def create_goal(args):
    """Create a steering goal

    The admin, or an owner representative for the owner they represent. The goal starts as a
    draft; propose it with a transition to `proposed`.
    """
    principal = current_principal()
    goal = _call(svc.create_goal, principal.tenant, principal, _goal_data(args))
    db.session.commit()
    return GoalView(goal), 201, {"Location": url_for("ownership_api.goal", goal_id=goal.id)}


@blueprint.route("/goals/<int:goal_id>", tags=[TAGS["goals"]])
@require_api(can_view_ownership, scope="read")
@blueprint.etag
@blueprint.response(200, GoalDetailSchema, example=GOAL_DETAIL_EXAMPLE)
def goal(goal_id):
    """Read a steering goal

    With the statuses the requester may move it to now. The `ETag` header is the version to
    send back in `If-Match` when updating.
    """
    return GoalView(_goal(goal_id))


@blueprint.route("/goals/<int:goal_id>", methods=["PUT"], tags=[TAGS["goals"]])
@require_api(can_create_goal)
@blueprint.etag
@blueprint.arguments(GoalInputSchema, example=GOAL_INPUT_EXAMPLE)
@blueprint.response(200, GoalDetailSchema, example=GOAL_DETAIL_EXAMPLE)
@_conflict
def update_goal(args, goal_id):
    """Update a steering goal

    A draft or proposed goal (until owners have voted on it): the admin or the proposing
    owner's representative. An adopted goal: the admin, its title and description only (its
    measure, theme and strategy are frozen: send them unchanged). Closed goals do not change.
    Send the `ETag` you read in `If-Match` (428 without it, 412 when the goal changed in
    between).
    """
    principal = current_principal()
    goal = _goal(goal_id)
    blueprint.check_etag(GoalView(goal), GoalDetailSchema)
    _call(svc.update_goal, principal.tenant, principal, goal, _goal_data(args))
    db.session.commit()
    return GoalView(goal)


@blueprint.route("/goals/<int:goal_id>/transitions", tags=[TAGS["goals"]])
@require_api(can_view_ownership, scope="read")
@blueprint.response(200, TransitionSchema(many=True), example=[
    TRANSITION_EXAMPLE | {"id": 30, "from_status": None, "to_status": "draft"}, TRANSITION_EXAMPLE])
def transitions(goal_id):
    """List a goal's changes of status

    Oldest first, from its creation as a draft; changes made by an owners' meeting name the
    decision.
    """
    goal = _goal(goal_id)
    return list(db.session.scalars(
        select(GoalTransition).where(GoalTransition.goal_id == goal.id)
        .order_by(GoalTransition.occurred_at, GoalTransition.id)))


@blueprint.route("/goals/<int:goal_id>/transitions", methods=["POST"], tags=[TAGS["goals"]])
@require_api(can_create_goal | can_close_goal)
@blueprint.arguments(TransitionInputSchema, example=TRANSITION_INPUT_EXAMPLE)
@blueprint.response(201, TransitionSchema, example=TRANSITION_EXAMPLE)
@_conflict
def transition(args, goal_id):
    """Change a goal's status

    As the lifecycle allows: draft to proposed or withdrawn, proposed back to draft or
    withdrawn (admin or the proposing owner's representative; not once owners have voted);
    adopted to achieved or not achieved on or after the target date (admin or any owner
    representative); adopted to withdrawn (admin, with a `note` citing the owners' decision).
    Only a decision of an owners' meeting adopts a goal: moving a proposed goal to `adopted`
    by hand is 403. A change the lifecycle does not allow from the current status is 409.
    """
    principal = current_principal()
    goal = _goal(goal_id)
    change = _call(svc.transition_goal, principal.tenant, principal, goal, args["to"],
                   args.get("note") or "")
    db.session.commit()
    return change, 201


# --- meetings and votes ----------------------------------------------------------------------


def _threshold(decision: Decision) -> tuple[Decimal, str, str]:
    """The yes shares needed, how they compare, and the comparison as a formula."""
    yes, no = decision.shares_for, decision.shares_against
    if decision.rule == DecisionRule.MAJORITY_REPRESENTED:
        needed = (decision.shares_represented / 2).quantize(CENT, rounding=ROUND_HALF_UP)
        sign = ">" if 2 * yes > decision.shares_represented else "<="
        return needed, "more_than", f"{yes} {sign} {decision.shares_represented} / 2 = {needed}"
    numerator, denominator = decision.fraction_numerator or 1, decision.fraction_denominator or 1
    needed = (decision.shares_total * numerator / denominator).quantize(CENT, rounding=ROUND_HALF_UP)
    sign = ">=" if yes * denominator >= decision.shares_total * numerator else "<"
    more = ">" if yes > no else "<="
    return needed, "at_least", (f"{yes} {sign} {decision.shares_total} * {numerator}/{denominator}"
                                f" = {needed}; {yes} {more} {no}")


def _decision(decision: Decision | None) -> dict | None:
    if decision is None:
        return None
    threshold, comparison, arithmetic = _threshold(decision)
    fraction = (f"{decision.fraction_numerator}/{decision.fraction_denominator}"
                if decision.fraction_numerator else None)
    return {
        "id": decision.id, "rule": decision.rule, "qualified_fraction": fraction,
        "shares_for": decision.shares_for, "shares_against": decision.shares_against,
        "shares_abstain": decision.shares_abstain, "shares_absent": decision.shares_absent,
        "shares_represented": decision.shares_represented, "shares_total": decision.shares_total,
        "threshold": str(threshold), "comparison": comparison, "arithmetic": arithmetic,
        "result": decision.result, "computed_at": decision.computed_at,
    }


def _item_view(item: AgendaItem, stakes: list[OwnerStake]) -> dict:
    """An item with one row per owner: the decision's breakdown once decided, else the owners
    in force on the meeting date with their votes so far."""
    cast = {vote.organisation_id: vote for vote in item.votes}
    rows = []
    if item.decision is not None:
        for line in item.decision.breakdown or []:
            vote = cast.get(line["organisation_id"])
            rows.append({"organisation": {"id": line["organisation_id"], "name": line.get("name") or {}},
                         "share": Decimal(line["share"]), "choice": line["choice"],
                         "cast_at": vote.cast_at if vote else None})
    else:
        for stake in stakes:
            vote = cast.pop(stake.organisation_id, None)
            rows.append({"organisation": _ref(stake.organisation), "share": stake.share,
                         "choice": vote.choice if vote else None,
                         "cast_at": vote.cast_at if vote else None})
        for vote in cast.values():  # an owner whose share has ended since it voted
            rows.append({"organisation": _ref(vote.organisation), "share": None,
                         "choice": vote.choice, "cast_at": vote.cast_at})
    return {"id": item.id, "meeting_id": item.meeting_id, "position": item.position,
            "goal": item.goal, "outcome": item.outcome, "votes": rows,
            "decision": _decision(item.decision)}


@blueprint.route("/meetings", tags=[TAGS["meetings"]])
@require_api(can_view_ownership, scope="read")
@blueprint.response(200, MeetingSchema(many=True), example=[MEETING_EXAMPLE])
@blueprint.paginate(QueryPage)
def meetings():
    """List owners' meetings

    Latest first. Paginated with `page` and `per_page`.
    """
    return (select(OwnersMeeting).options(selectinload(OwnersMeeting.items))
            .order_by(OwnersMeeting.meeting_date.desc(), OwnersMeeting.id.desc()))


@blueprint.route("/meetings/<int:meeting_id>", tags=[TAGS["meetings"]])
@require_api(can_view_ownership, scope="read")
@blueprint.response(200, MeetingDetailSchema, example=MEETING_DETAIL_EXAMPLE)
def meeting(meeting_id):
    """Read an owners' meeting

    With its agenda items: every owner's vote weighted by its share on the meeting date (null
    while it has not voted, `absent` when the item was decided without its vote), and each
    decided item's decision with its arithmetic.
    """
    meeting = _meeting(meeting_id)
    stakes = svc.stakes_in_force(current_principal().tenant, meeting.meeting_date)
    return SimpleNamespace(id=meeting.id, meeting_date=meeting.meeting_date, status=meeting.status,
                           agenda=meeting.agenda, minutes=meeting.minutes,
                           items=[_item_view(item, stakes) for item in meeting.items])


@blueprint.route("/meetings/<int:meeting_id>/items/<int:item_id>", tags=[TAGS["meetings"]])
@require_api(can_view_ownership, scope="read")
@blueprint.response(200, AgendaItemSchema, example=ITEM_EXAMPLE)
def item(meeting_id, item_id):
    """Read an agenda item

    Every owner's vote and, once decided, the decision with its arithmetic.
    """
    item = _item(meeting_id, item_id)
    return _item_view(item, svc.stakes_in_force(current_principal().tenant, item.meeting.meeting_date))


@blueprint.route("/meetings/<int:meeting_id>/items/<int:item_id>/votes", methods=["POST"],
                 tags=[TAGS["meetings"]])
@require_api(can_vote)
@blueprint.arguments(VoteInputSchema, example=VOTE_INPUT_EXAMPLE)
@blueprint.response(201, AgendaItemSchema, example=ITEM_EXAMPLE,
                    headers={"Location": {"description": "The agenda item's URL.",
                                          "schema": {"type": "string"}}})
@_conflict
def vote(args, meeting_id, item_id):
    """Vote on an agenda item

    An owner representative votes yes, no or abstain for the owner they represent (the
    organisation of their membership), once per item; the vote weighs that owner's share on the
    meeting date. When every owner has voted the item is decided and the answer carries the
    decision. An owner with no share on the meeting date cannot vote (403); a second vote for
    the same owner, or a vote on a decided item, is 409.
    """
    principal = current_principal()
    item = _item(meeting_id, item_id)
    _call(svc.cast_vote, principal.tenant, principal, item, args["choice"])
    db.session.commit()
    location = url_for("ownership_api.item", meeting_id=meeting_id, item_id=item_id)
    return (_item_view(item, svc.stakes_in_force(principal.tenant, item.meeting.meeting_date)), 201,
            {"Location": location})


# --- progress reports ------------------------------------------------------------------------


def _report_view(report: ProgressReport, settings) -> dict:
    assessment = svc.assess(report.goal, report.value, report.period_date, settings)
    return {
        "id": report.id, "goal_id": report.goal_id, "period_label": report.period_label,
        "period_date": report.period_date, "value": report.value, "narrative": report.narrative,
        "reporter_label": report.reporter_label, "reported_at": report.reported_at,
        "progress": assessment.progress, "expected": assessment.expected,
        "trajectory_value": assessment.trajectory_value, "gap": assessment.gap,
        "status": str(assessment.status),
    }


@blueprint.route("/goals/<int:goal_id>/progress", tags=[TAGS["progress"]])
@require_api(can_view_ownership, scope="read")
@blueprint.response(200, ProgressReportSchema(many=True), example=[PROGRESS_EXAMPLE])
def progress(goal_id):
    """List a goal's progress reports

    Oldest period first, each with progress from baseline towards target (0-100 %), the
    progress the straight trajectory expects at the period date, the gap and the status
    (on_track, at_risk, off_track) by the tenant's thresholds.
    """
    principal = current_principal()
    goal = _goal(goal_id)
    settings = svc.ownership_settings(principal.tenant)
    return [_report_view(report, settings) for report in svc.reports_of(principal.tenant, goal)]


@blueprint.route("/goals/<int:goal_id>/progress", methods=["POST"], tags=[TAGS["progress"]])
@require_api(can_report_progress, scope="report")
@blueprint.arguments(ProgressInputSchema, example=PROGRESS_INPUT_EXAMPLE)
@blueprint.response(201, ProgressReportSchema, example=PROGRESS_EXAMPLE,
                    headers={"Location": {"description": "The report's URL.",
                                          "schema": {"type": "string"}}})
@_conflict
def report_progress(args, goal_id):
    """Report progress on a goal

    The provider: a person with the provider reporter role, or the provider's API client with
    scope `report`. Adopted goals only (409 otherwise); one report per period (a second one for
    the same `period_label` is 409); the period date cannot be in the future or before the
    baseline year. The answer carries the computed progress and status.
    """
    principal = current_principal()
    goal = _goal(goal_id)
    report = _call(svc.submit_progress, principal.tenant, principal, goal, svc.ProgressData(
        period_label=args["period_label"], period_date=args["period_date"], value=args["value"],
        narrative=args.get("narrative")))
    db.session.commit()
    location = url_for("ownership_api.progress_report", goal_id=goal.id, report_id=report.id)
    return (_report_view(report, svc.ownership_settings(principal.tenant)), 201,
            {"Location": location})


@blueprint.route("/goals/<int:goal_id>/progress/<int:report_id>", tags=[TAGS["progress"]])
@require_api(can_view_ownership, scope="read")
@blueprint.response(200, ProgressReportSchema, example=PROGRESS_EXAMPLE)
def progress_report(goal_id, report_id):
    """Read a progress report"""
    report = _one(select(ProgressReport).where(ProgressReport.id == report_id,
                                               ProgressReport.goal_id == goal_id))
    return _report_view(report, svc.ownership_settings(current_principal().tenant))

