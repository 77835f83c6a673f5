"""API schemas of owner steering (marshmallow 4): the ownership register, strategies, themes,
steering goals and their transitions, owners' meetings with votes and decisions, and progress
reports.

Per-locale texts are objects ``{"sv": "...", "fi": "..."}``; shares and measure values are
decimal strings (``"45.00"``, ``"72.5000"``); dates are ISO 8601. Input is checked here for
shape only; the rules (lengths, years, directions, who may do what) are the services' and come
back as field errors.
"""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from samverkan.ownership.models import (
    Direction,
    GoalStatus,
    ItemOutcome,
    MeetingStatus,
    ProgressStatus,
    StrategyStatus,
    VoteChoice,
)

GOAL_STATUSES = [s.value for s in GoalStatus]
DIRECTIONS = [d.value for d in Direction]
VOTE_CHOICES = [c.value for c in VoteChoice]
PROGRESS_STATUSES = [s.value for s in ProgressStatus]


def _decimal(example: str, description: str, **kwargs) -> fields.Decimal:
    return fields.Decimal(as_string=True, metadata={"description": description, "example": example,
                                                    "type": "string", "format": "decimal"},
                          **kwargs)


class LocalisedContentSchema(ma.Schema):
    """A content text per language (Swedish, Finnish); languages left out have no text."""

    class Meta:
        unknown = ma.RAISE

    sv = fields.String(allow_none=True, metadata={"description": "Swedish.",
                                                  "example": "Fler i arbete efter examen"})
    fi = fields.String(allow_none=True, metadata={"description": "Finnish.",
                                                  "example": "Enemmän työllistyneitä valmistuneista"})


def _text(example: dict, description: str, **kwargs) -> fields.Nested:
    return fields.Nested(LocalisedContentSchema, metadata={"description": description,
                                                           "example": example}, **kwargs)


class OwnerRefSchema(ma.Schema):
    """An organisation (an owner municipality, or the provider) by id and name."""

    id = fields.Integer(metadata={"example": 3})
    name = _text({"sv": "Vasa stad", "fi": "Vaasan kaupunki"}, "The organisation's name.")


# --- the ownership register ------------------------------------------------------------------


class StakeSchema(ma.Schema):
    """An owner's share of the consortium for a period; a change of share is a new stake."""

    id = fields.Integer(dump_only=True, metadata={"example": 7})
    organisation = fields.Nested(OwnerRefSchema)
    share = _decimal("45.00", "Percent of the consortium, two decimals.")
    basis = fields.String(metadata={"description": "What the share is based on.",
                                    "example": "Grundkapital"})
    valid_from = fields.Date(metadata={"description": "First day in force.", "example": "2020-01-01"})
    valid_to = fields.Date(allow_none=True, metadata={"description": "Last day in force; null while "
                                                                     "open.", "example": None})


class RegisterSchema(ma.Schema):
    """The owners and their shares in force on a date."""

    on = fields.Date(metadata={"description": "The date the shares are in force on.",
                               "example": "2026-05-12"})
    total = _decimal("100.00", "The sum of the shares in force.")
    complete = fields.Boolean(metadata={"description": "True when the shares sum to exactly 100: "
                                                       "only then can owners' meetings decide.",
                                        "example": True})
    owners = fields.List(fields.Nested(StakeSchema), metadata={"description": "Largest share "
                                                                              "first."})


class RegisterQuerySchema(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    on = fields.Date(metadata={"description": "The date (ISO); default today.",
                               "example": "2026-05-12"})


class StakeQuerySchema(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    organisation_id = fields.Integer(metadata={"description": "Only this owner's stakes."})


# --- strategies and themes -------------------------------------------------------------------


class StrategySchema(ma.Schema):
    """An owner strategy for a period of years; steering goals belong to one."""

    id = fields.Integer(dump_only=True, metadata={"example": 2})
    title = _text({"sv": "Ägarstrategi 2025-2028", "fi": "Omistajastrategia 2025-2028"},
                  "The strategy's title.")
    text = _text({"sv": "Samkommunen utbildar för regionens behov.",
                  "fi": "Kuntayhtymä kouluttaa alueen tarpeisiin."}, "The strategy's text.")
    from_year = fields.Integer(metadata={"example": 2025})
    to_year = fields.Integer(metadata={"example": 2028})
    status = fields.String(metadata={"enum": [s.value for s in StrategyStatus], "example": "adopted"})
    adopted_at = fields.DateTime(allow_none=True, metadata={"example": "2025-02-10T12:00:00+00:00"})
    created_at = fields.DateTime(dump_only=True, metadata={"example": "2025-01-20T09:30:00+00:00"})
    updated_at = fields.DateTime(dump_only=True, metadata={"example": "2025-02-10T12:00:00+00:00"})


class StrategyInputSchema(ma.Schema):
    """A strategy to create (a draft), or the new state of one (PUT replaces these fields)."""

    class Meta:
        unknown = ma.RAISE

    title = _text({"sv": "Ägarstrategi 2029-2032", "fi": "Omistajastrategia 2029-2032"},
                  "At least one language; at most 300 characters.", required=True)
    text = _text({"sv": "Utbildning som möter arbetslivets behov.",
                  "fi": "Työelämän tarpeita vastaava koulutus."}, "Optional.", load_default=None,
                 allow_none=True)
    from_year = fields.Integer(required=True, metadata={"example": 2029})
    to_year = fields.Integer(required=True, metadata={"example": 2032})


class ThemeSchema(ma.Schema):
    """A theme of steering goals (the tenant edits the list)."""

    id = fields.Integer(metadata={"example": 2})
    code = fields.String(metadata={"example": "employment"})
    name = _text({"sv": "Sysselsättning efter examen", "fi": "Työllistyminen valmistumisen jälkeen"},
                 "The theme's name.")
    is_archived = fields.Boolean(metadata={"example": False})


# --- goals -----------------------------------------------------------------------------------


class MilestoneSchema(ma.Schema):
    class Meta:
        unknown = ma.RAISE

    year = fields.Integer(required=True, metadata={"example": 2026})
    value = _decimal("70", "The measure's value expected that year.", required=True)


class GoalSchema(ma.Schema):
    """A steering goal with its measure and lifecycle status."""

    id = fields.Integer(dump_only=True, metadata={"example": 12})
    strategy_id = fields.Integer(metadata={"example": 2})
    theme = fields.Nested(ThemeSchema)
    proposer = fields.Nested(OwnerRefSchema, metadata={"description": "The proposing owner."})
    title = _text({"sv": "Fler i arbete efter examen", "fi": "Enemmän työllistyneitä"},
                  "The goal's title.")
    description = _text({"sv": "Andelen utexaminerade i arbete ett år efter examen.",
                         "fi": "Työllisten osuus vuosi valmistumisen jälkeen."}, "The description.")
    unit = fields.String(metadata={"example": "%"})
    direction = fields.String(metadata={"enum": DIRECTIONS, "example": "higher",
                                        "description": "Whether higher or lower is better."})
    baseline_value = _decimal("62.0000", "The measure at the baseline.")
    baseline_year = fields.Integer(metadata={"example": 2024})
    target_value = _decimal("75.0000", "The measure's target.")
    target_date = fields.Date(metadata={"example": "2028-12-31"})
    milestones = fields.List(fields.Nested(MilestoneSchema),
                             metadata={"description": "Optional yearly milestones."})
    status = fields.String(metadata={"enum": GOAL_STATUSES, "example": "adopted"})
    adopted_decision_id = fields.Integer(allow_none=True, metadata={
        "description": "The owners' meeting decision that adopted the goal.", "example": 5})
    created_at = fields.DateTime(dump_only=True, metadata={"example": "2025-03-01T08:00:00+00:00"})
    updated_at = fields.DateTime(dump_only=True, metadata={"example": "2025-05-12T14:00:00+00:00"})


class GoalDetailSchema(GoalSchema):
    """A steering goal, with the changes of status the requester may make now."""

    allowed_transitions = fields.List(
        fields.String(validate=validate.OneOf(GOAL_STATUSES)),
        metadata={"description": "Statuses the requester may move the goal to now (POST them "
                                 "to /transitions).", "example": []})


class GoalInputSchema(ma.Schema):
    """A goal to create (a draft), or the new state of one (PUT replaces these fields).

    While a goal is a draft or proposed (until votes are cast) the admin or the proposing
    owner's representative may change everything; once adopted only the admin may change its
    title and description, and the rest must be sent unchanged.
    """

    class Meta:
        unknown = ma.RAISE

    strategy_id = fields.Integer(required=True, metadata={"example": 2})
    theme_id = fields.Integer(required=True, metadata={"example": 2})
    proposer_organisation_id = fields.Integer(
        load_default=None, allow_none=True,
        metadata={"description": "The proposing owner: an owner representative always proposes "
                                 "for the owner they represent; an admin chooses.",
                  "example": None})
    title = _text({"sv": "Fler i arbete efter examen", "fi": "Enemmän työllistyneitä"},
                  "At least one language; at most 300 characters.", required=True)
    description = _text({"sv": "Andelen utexaminerade i arbete ett år efter examen.",
                         "fi": "Työllisten osuus vuosi valmistumisen jälkeen."}, "Optional.",
                        load_default=None, allow_none=True)
    unit = fields.String(required=True, metadata={"example": "%"})
    direction = fields.String(required=True, validate=validate.OneOf(DIRECTIONS),
                              metadata={"enum": DIRECTIONS, "example": "higher"})
    baseline_value = _decimal("62", "The measure at the baseline (at most 4 decimals).",
                              required=True)
    baseline_year = fields.Integer(required=True, metadata={"example": 2024})
    target_value = _decimal("75", "The target (at most 4 decimals).", required=True)
    target_date = fields.Date(required=True, metadata={"example": "2028-12-31"})
    milestones = fields.List(fields.Nested(MilestoneSchema), load_default=list,
                             metadata={"description": "Optional: one a year, after the baseline "
                                                      "year and up to the target date.",
                                       "example": [{"year": 2026, "value": "68"}]})


class GoalQuerySchema(ma.Schema):
    """Filters of the goal list."""

    class Meta:
        unknown = ma.EXCLUDE

    status = fields.List(fields.String(validate=validate.OneOf(GOAL_STATUSES)),
                         metadata={"description": "Only goals in these statuses (repeat the "
                                                  "parameter for several)."})
    theme_id = fields.Integer(metadata={"description": "Only goals of this theme."})
    strategy_id = fields.Integer(metadata={"description": "Only goals of this strategy."})


class TransitionSchema(ma.Schema):
    """One change of a goal's status."""

    id = fields.Integer(metadata={"example": 31})
    goal_id = fields.Integer(metadata={"example": 12})
    from_status = fields.String(allow_none=True, metadata={"enum": GOAL_STATUSES,
                                                           "example": "draft"})
    to_status = fields.String(metadata={"enum": GOAL_STATUSES, "example": "proposed"})
    actor = fields.String(attribute="actor_label", metadata={
        "description": "Who made the change (e-mail, or the API client).",
        "example": "vasa.kust@example.org"})
    occurred_at = fields.DateTime(metadata={"example": "2025-03-02T10:15:00+00:00"})
    note = fields.String(metadata={"example": ""})
    decision_id = fields.Integer(allow_none=True, metadata={
        "description": "The owners' meeting decision that made the change, if any.",
        "example": None})


class TransitionInputSchema(ma.Schema):
    """A change of a goal's status by hand (adoption is by an owners' meeting's decision)."""

    class Meta:
        unknown = ma.RAISE

    to = fields.String(required=True, validate=validate.OneOf(GOAL_STATUSES),
                       metadata={"enum": GOAL_STATUSES, "example": "proposed"})
    note = fields.String(load_default="", validate=validate.Length(max=2000),
                         metadata={"description": "Required when an adopted goal is withdrawn: "
                                                  "cite the owners' decision.", "example": ""})


# --- meetings, votes, decisions --------------------------------------------------------------


class OwnerVoteSchema(ma.Schema):
    """An owner's vote on an agenda item, weighted by its share on the meeting date."""

    organisation = fields.Nested(OwnerRefSchema)
    share = _decimal("45.00", "The owner's share on the meeting date.", allow_none=True)
    choice = fields.String(allow_none=True, metadata={
        "enum": [*VOTE_CHOICES, "absent"],
        "description": "yes, no or abstain; null while the owner has not voted yet, absent when "
                       "the item was decided without its vote.", "example": "yes"})
    cast_at = fields.DateTime(allow_none=True, metadata={"example": "2025-05-12T13:05:00+00:00"})


class DecisionSchema(ma.Schema):
    """The weighted result of an agenda item, with its arithmetic."""

    id = fields.Integer(metadata={"example": 5})
    rule = fields.String(metadata={"enum": ["majority_represented", "qualified_all"],
                                   "example": "majority_represented"})
    qualified_fraction = fields.String(allow_none=True, metadata={
        "description": "The fraction of all shares needed under qualified_all.", "example": None})
    shares_for = _decimal("75.00", "Shares that voted yes.")
    shares_against = _decimal("25.00", "Shares that voted no.")
    shares_abstain = _decimal("0.00", "Shares that abstained.")
    shares_absent = _decimal("0.00", "Shares of owners that did not vote.")
    shares_represented = _decimal("100.00", "yes + no + abstain.")
    shares_total = _decimal("100.00", "Every share in force on the meeting date.")
    threshold = fields.String(metadata={
        "description": "The yes shares needed: more than this (majority of the shares "
                       "represented) or at least this (qualified majority of all shares).",
        "example": "50.00"})
    comparison = fields.String(metadata={"enum": ["more_than", "at_least"],
                                         "example": "more_than"})
    arithmetic = fields.String(metadata={"description": "The comparison that decided, as a "
                                                        "formula.",
                                         "example": "75.00 > 100.00 / 2 = 50.00"})
    result = fields.String(metadata={"enum": ["adopted", "rejected"], "example": "adopted"})
    computed_at = fields.DateTime(metadata={"example": "2025-05-12T13:10:00+00:00"})


class GoalRefSchema(ma.Schema):
    """A steering goal by id, title, status and proposer."""

    id = fields.Integer(metadata={"example": 12})
    title = _text({"sv": "Fler i arbete efter examen", "fi": "Enemmän työllistyneitä"},
                  "The goal's title.")
    status = fields.String(metadata={"enum": GOAL_STATUSES, "example": "adopted"})
    proposer = fields.Nested(OwnerRefSchema, metadata={"description": "The proposing owner."})


class AgendaItemSchema(ma.Schema):
    """A proposed goal on a meeting's agenda: every owner's vote, and the decision."""

    id = fields.Integer(metadata={"example": 9})
    meeting_id = fields.Integer(metadata={"example": 4})
    position = fields.Integer(metadata={"example": 1})
    goal = fields.Nested(GoalRefSchema)
    outcome = fields.String(metadata={"enum": [o.value for o in ItemOutcome], "example": "adopted"})
    votes = fields.List(fields.Nested(OwnerVoteSchema), metadata={
        "description": "One row per owner in force on the meeting date."})
    decision = fields.Nested(DecisionSchema, allow_none=True, metadata={
        "description": "Null until the item is decided."})


class MeetingSchema(ma.Schema):
    """An owners' meeting."""

    id = fields.Integer(metadata={"example": 4})
    meeting_date = fields.Date(metadata={"example": "2025-05-12"})
    status = fields.String(metadata={"enum": [s.value for s in MeetingStatus], "example": "held"})
    agenda = _text({"sv": "Styrmål för 2026", "fi": "Ohjaustavoitteet vuodelle 2026"}, "The agenda.")
    minutes = _text({"sv": "Ägarsamrådet antog målet.", "fi": "Omistajakokous hyväksyi tavoitteen."},
                    "The minutes.")
    item_count = fields.Function(lambda meeting: len(meeting.items), metadata={
        "type": "integer", "description": "Items on the agenda.", "example": 1})


class MeetingDetailSchema(MeetingSchema):
    """An owners' meeting with its agenda items, votes and decisions."""

    items = fields.List(fields.Nested(AgendaItemSchema))


class VoteInputSchema(ma.Schema):
    """The vote of the owner the representative is bound to."""

    class Meta:
        unknown = ma.RAISE

    choice = fields.String(required=True, validate=validate.OneOf(VOTE_CHOICES),
                           metadata={"enum": VOTE_CHOICES, "example": "yes"})


# --- progress reports ------------------------------------------------------------------------


class ProgressReportSchema(ma.Schema):
    """A reported value of an adopted goal's measure, with where the goal stands."""

    id = fields.Integer(metadata={"example": 21})
    goal_id = fields.Integer(metadata={"example": 12})
    period_label = fields.String(metadata={"example": "2025"})
    period_date = fields.Date(metadata={"example": "2025-12-31"})
    value = _decimal("66.0000", "The reported value of the measure.")
    narrative = _text({"sv": "Sysselsättningen ökade inom vård och teknik.",
                       "fi": "Työllisyys parani sote- ja tekniikan aloilla."}, "The narrative.")
    reporter = fields.String(attribute="reporter_label", metadata={
        "example": "reporter.kust@example.org"})
    reported_at = fields.DateTime(metadata={"example": "2026-01-20T09:00:00+00:00"})
    progress = _decimal("30.77", "Percent of the way from baseline to target, 0-100.")
    expected = _decimal("39.98", "Percent the straight trajectory expects at the period date.")
    trajectory_value = _decimal("67.1972", "The measure's value on the trajectory at that date.")
    gap = _decimal("9.21", "expected - progress in percentage points; positive is behind.")
    status = fields.String(metadata={"enum": PROGRESS_STATUSES, "example": "at_risk"})


class ProgressInputSchema(ma.Schema):
    """A progress report for a period (one per period and goal)."""

    class Meta:
        unknown = ma.RAISE

    period_label = fields.String(required=True, metadata={"example": "2026"})
    period_date = fields.Date(required=True, metadata={"description": "The date the value is for; "
                                                                      "not in the future.",
                                                       "example": "2026-06-30"})
    value = _decimal("68.5", "The measure's value (at most 4 decimals).", required=True)
    narrative = _text({"sv": "Fler studerande fick anställning inom industrin.",
                       "fi": "Useampi opiskelija työllistyi teollisuuteen."}, "Optional.",
                      load_default=None, allow_none=True)


# --- examples --------------------------------------------------------------------------------

_KUST = {"sv": "Vasa stad", "fi": "Vaasan kaupunki"}
STAKE_EXAMPLE = {"id": 7, "organisation": {"id": 3, "name": _KUST}, "share": "45.00",
                 "basis": "Grundkapital", "valid_from": "2020-01-01", "valid_to": None}
REGISTER_EXAMPLE = {
    "on": "2026-05-12", "total": "100.00", "complete": True,
    "owners": [
        STAKE_EXAMPLE,
        {"id": 8, "organisation": {"id": 4, "name": {"sv": "Korsholm", "fi": "Mustasaari"}},
         "share": "30.00", "basis": "Grundkapital", "valid_from": "2020-01-01", "valid_to": None},
        {"id": 9, "organisation": {"id": 5, "name": {"sv": "Närpes", "fi": "Närpiö"}},
         "share": "25.00", "basis": "Grundkapital", "valid_from": "2020-01-01", "valid_to": None},
    ],
}
STRATEGY_EXAMPLE = {
    "id": 2, "title": {"sv": "Ägarstrategi 2025-2028", "fi": "Omistajastrategia 2025-2028"},
    "text": {"sv": "Samkommunen utbildar för regionens behov.",
             "fi": "Kuntayhtymä kouluttaa alueen tarpeisiin."},
    "from_year": 2025, "to_year": 2028, "status": "adopted",
    "adopted_at": "2025-02-10T12:00:00+00:00", "created_at": "2025-01-20T09:30:00+00:00",
    "updated_at": "2025-02-10T12:00:00+00:00",
}
STRATEGY_INPUT_EXAMPLE = {
    "title": {"sv": "Ägarstrategi 2029-2032", "fi": "Omistajastrategia 2029-2032"},
    "text": {"sv": "Utbildning som möter arbetslivets behov.",
             "fi": "Työelämän tarpeita vastaava koulutus."},
    "from_year": 2029, "to_year": 2032,
}
THEME_EXAMPLE = {"id": 2, "code": "employment",
                 "name": {"sv": "Sysselsättning efter examen",
                          "fi": "Työllistyminen valmistumisen jälkeen"},
                 "is_archived": False}
GOAL_EXAMPLE = {
    "id": 12, "strategy_id": 2, "theme": THEME_EXAMPLE, "proposer": {"id": 3, "name": _KUST},
    "title": {"sv": "Fler i arbete efter examen", "fi": "Enemmän työllistyneitä"},
    "description": {"sv": "Andelen utexaminerade i arbete ett år efter examen.",
                    "fi": "Työllisten osuus vuosi valmistumisen jälkeen."},
    "unit": "%", "direction": "higher", "baseline_value": "62.0000", "baseline_year": 2024,
    "target_value": "75.0000", "target_date": "2028-12-31",
    "milestones": [{"year": 2026, "value": "68.0000"}], "status": "adopted",
    "adopted_decision_id": 5, "created_at": "2025-03-01T08:00:00+00:00",
    "updated_at": "2025-05-12T14:00:00+00:00",
}
GOAL_DETAIL_EXAMPLE = {**GOAL_EXAMPLE, "allowed_transitions": ["withdrawn"]}
GOAL_INPUT_EXAMPLE = {
    "strategy_id": 2, "theme_id": 2, "proposer_organisation_id": None,
    "title": {"sv": "Fler i arbete efter examen", "fi": "Enemmän työllistyneitä"},
    "description": {"sv": "Andelen utexaminerade i arbete ett år efter examen.",
                    "fi": "Työllisten osuus vuosi valmistumisen jälkeen."},
    "unit": "%", "direction": "higher", "baseline_value": "62", "baseline_year": 2024,
    "target_value": "75", "target_date": "2028-12-31",
    "milestones": [{"year": 2026, "value": "68"}],
}
TRANSITION_EXAMPLE = {"id": 31, "goal_id": 12, "from_status": "draft", "to_status": "proposed",
                      "actor": "vasa.kust@example.org", "occurred_at": "2025-03-02T10:15:00+00:00",
                      "note": "", "decision_id": None}
TRANSITION_INPUT_EXAMPLE = {"to": "proposed", "note": ""}
DECISION_EXAMPLE = {
    "id": 5, "rule": "majority_represented", "qualified_fraction": None,
    "shares_for": "75.00", "shares_against": "25.00", "shares_abstain": "0.00",
    "shares_absent": "0.00", "shares_represented": "100.00", "shares_total": "100.00",
    "threshold": "50.00", "comparison": "more_than", "arithmetic": "75.00 > 100.00 / 2 = 50.00",
    "result": "adopted", "computed_at": "2025-05-12T13:10:00+00:00",
}
ITEM_EXAMPLE = {
    "id": 9, "meeting_id": 4, "position": 1,
    "goal": {"id": 12, "title": {"sv": "Fler i arbete efter examen", "fi": "Enemmän työllistyneitä"},
             "status": "adopted", "proposer": {"id": 3, "name": _KUST}},
    "outcome": "adopted",
    "votes": [
        {"organisation": {"id": 3, "name": _KUST}, "share": "45.00", "choice": "yes",
         "cast_at": "2025-05-12T13:01:00+00:00"},
        {"organisation": {"id": 4, "name": {"sv": "Korsholm", "fi": "Mustasaari"}}, "share": "30.00",
         "choice": "yes", "cast_at": "2025-05-12T13:03:00+00:00"},
        {"organisation": {"id": 5, "name": {"sv": "Närpes", "fi": "Närpiö"}}, "share": "25.00",
         "choice": "no", "cast_at": "2025-05-12T13:05:00+00:00"},
    ],
    "decision": DECISION_EXAMPLE,
}
MEETING_EXAMPLE = {
    "id": 4, "meeting_date": "2025-05-12", "status": "held",
    "agenda": {"sv": "Styrmål för 2026", "fi": "Ohjaustavoitteet vuodelle 2026"},
    "minutes": {"sv": "Ägarsamrådet antog målet.", "fi": "Omistajakokous hyväksyi tavoitteen."},
    "item_count": 1,
}
MEETING_DETAIL_EXAMPLE = {**MEETING_EXAMPLE, "items": [ITEM_EXAMPLE]}
VOTE_INPUT_EXAMPLE = {"choice": "yes"}
PROGRESS_EXAMPLE = {
    "id": 21, "goal_id": 12, "period_label": "2025", "period_date": "2025-12-31",
    "value": "66.0000",
    "narrative": {"sv": "Sysselsättningen ökade inom vård och teknik.",
                  "fi": "Työllisyys parani sote- ja tekniikan aloilla."},
    "reporter": "reporter.kust@example.org", "reported_at": "2026-01-20T09:00:00+00:00",
    "progress": "30.77", "expected": "39.98", "trajectory_value": "67.1972", "gap": "9.21",
    "status": "at_risk",
}
PROGRESS_INPUT_EXAMPLE = {
    "period_label": "2026", "period_date": "2026-06-30", "value": "68.5",
    "narrative": {"sv": "Fler studerande fick anställning inom industrin.",
                  "fi": "Useampi opiskelija työllistyi teollisuuteen."},
}
