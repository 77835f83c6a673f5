"""API schemas of association projects (marshmallow 4): projects with funding, milestones and
events; participants as the coordinator sees them; participations and consents as the
participant sees them; and benchmark results.

Per-locale texts are objects ``{"sv": "...", "fi": "..."}``; amounts and values are decimal
strings; dates are ISO 8601. Input is checked here for shape only; the rules (codes, periods,
statuses, who may do what) are the services' and come back as field errors.
"""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from samverkan.partnership.services.benchmarks import Band
from samverkan.tenants.project_models import MilestoneStatus, ParticipantStatus, ProjectStatus

PROJECT_STATUSES = [s.value for s in ProjectStatus]
MILESTONE_STATUSES = [s.value for s in MilestoneStatus]
PARTICIPANT_STATUSES = [s.value for s in ParticipantStatus]
PROJECT_SORTS = ["code", "-code", "starts_on", "-starts_on", "status", "-status"]
BANDS = [b.value for b in Band]
REASONS = ["below_min_group_size", "unknown_indicator"]


class ContentSchema(ma.Schema):
    """A content text per language (Swedish, Finnish); languages left out have no text."""

    class Meta:
        unknown = ma.RAISE

    sv = fields.String(allow_none=True, metadata={"description": "Swedish.",
                                                  "example": "Strategiskt partnerskap"})
    fi = fields.String(allow_none=True, metadata={"description": "Finnish.",
                                                  "example": "Strateginen kumppanuus"})


def _text(example: dict, description: str, **kwargs) -> fields.Nested:
    return fields.Nested(ContentSchema, metadata={"description": description,
                                                  "example": example}, **kwargs)


def _decimal(example: str, description: str, **kwargs) -> fields.Decimal:
    return fields.Decimal(as_string=True, metadata={"description": description, "example": example,
                                                    "type": "string", "format": "decimal"},
                          **kwargs)


# --- projects --------------------------------------------------------------------------------


class ProjectFundingSchema(ma.Schema):
    """A funding source of a project with its amount."""

    id = fields.Integer(metadata={"example": 5})
    source = _text({"fi": "Opetus- ja kulttuuriministeriö", "sv": "Undervisnings- och "
                    "kulturministeriet"}, "Who funds.")
    amount = _decimal("150000.00", "The amount.")
    currency = fields.String(metadata={"enum": ["EUR", "SEK"], "example": "EUR"})


class ProjectMilestoneSchema(ma.Schema):
    """A dated milestone; ``late`` when its date has passed and it is not done."""

    id = fields.Integer(metadata={"example": 8})
    title = _text({"fi": "Kartoitus valmis", "sv": "Kartläggningen klar"}, "The milestone.")
    due_date = fields.Date(metadata={"example": "2025-06-30"})
    status = fields.String(metadata={"enum": MILESTONE_STATUSES, "example": "in_progress"})
    late = fields.Boolean(metadata={"example": False})


class ProjectEventSchema(ma.Schema):
    """A project event on a date, at a place or behind a link."""

    id = fields.Integer(metadata={"example": 11})
    event_date = fields.Date(metadata={"example": "2025-09-18"})
    title = _text({"fi": "Omistajaohjauksen seminaari", "sv": "Seminarium om ägarstyrning"},
                  "The event.")
    place = fields.String(metadata={"example": "Vaasa"})
    link = fields.String(metadata={"example": ""})


class ProjectSchema(ma.Schema):
    """An association project. ``min_group_size`` is the fewest sharing participants for which
    a benchmark shows an aggregate."""

    id = fields.Integer(dump_only=True, metadata={"example": 2})
    code = fields.String(metadata={"example": "SP-2024"})
    name = _text({"sv": "Strategiskt partnerskap och ägarstyrning 2024-2026",
                  "fi": "Strateginen kumppanuus ja omistajaohjaus 2024-2026"}, "The name.")
    description = _text({"sv": "Ett gemensamt projekt om yrkesutbildningen.",
                         "fi": "Yhteinen hanke ammatillisesta koulutuksesta."}, "The description.")
    starts_on = fields.Date(metadata={"example": "2024-01-01"})
    ends_on = fields.Date(allow_none=True, metadata={"example": "2026-12-31"})
    status = fields.String(metadata={"enum": PROJECT_STATUSES, "example": "running"})
    min_group_size = fields.Integer(metadata={"example": 3})
    created_at = fields.DateTime(dump_only=True, metadata={"example": "2024-01-08T09:00:00+00:00"})
    updated_at = fields.DateTime(dump_only=True, metadata={"example": "2025-02-03T10:15:00+00:00"})


class ProjectDetailSchema(ProjectSchema):
    """A project with its funding (and the total per currency), milestones and events."""

    funding = fields.List(fields.Nested(ProjectFundingSchema))
    funding_total = fields.Dict(keys=fields.String(), values=fields.String(), metadata={
        "description": "The sum of the funding per currency (decimal strings).",
        "example": {"EUR": "200000.00"}})
    milestones = fields.List(fields.Nested(ProjectMilestoneSchema))
    events = fields.List(fields.Nested(ProjectEventSchema))


class ProjectInputSchema(ma.Schema):
    """A project to create, or (PATCH) the fields to change."""

    class Meta:
        unknown = ma.RAISE

    code = fields.String(required=True, validate=validate.Length(min=1, max=50),
                         metadata={"description": "Unique in the association.",
                                   "example": "SP-2027"})
    name = fields.Nested(ContentSchema, required=True,
                         metadata={"description": "At least one language.",
                                   "example": {"sv": "Kompetensförsörjning 2027",
                                               "fi": "Osaavan työvoiman saatavuus 2027"}})
    description = fields.Nested(ContentSchema, load_default=None, allow_none=True)
    starts_on = fields.Date(required=True, metadata={"example": "2027-01-01"})
    ends_on = fields.Date(load_default=None, allow_none=True, metadata={"example": "2027-12-31"})
    status = fields.String(validate=validate.OneOf(PROJECT_STATUSES), metadata={
        "enum": PROJECT_STATUSES, "description": "planning, running or closed (final); a new "
                                                 "project starts as planning by default.",
        "example": "planning"})
    min_group_size = fields.Integer(validate=validate.Range(min=3, max=100), metadata={
        "description": "3 to 100; 3 by default.", "example": 3})


class ProjectPatchSchema(ProjectInputSchema):
    """The fields of a project to change (PATCH): any of those of a new project."""

    class Meta:
        unknown = ma.RAISE


class ProjectQuerySchema(ma.Schema):
    """Filters of the project list."""

    class Meta:
        unknown = ma.EXCLUDE

    status = fields.String(validate=validate.OneOf(PROJECT_STATUSES),
                           metadata={"enum": PROJECT_STATUSES,
                                     "description": "Only projects of this status."})
    q = fields.String(validate=validate.Length(max=100),
                      metadata={"description": "Search in the code and the names."})
    sort = fields.String(load_default="code", validate=validate.OneOf(PROJECT_SORTS),
                         metadata={"enum": PROJECT_SORTS, "description": "The order; a leading "
                                                                         "minus reverses it."})


# --- participants (the coordinator's side) ---------------------------------------------------


class ConsentSummarySchema(ma.Schema):
    """What a participant shares with the project now."""

    indicator_codes = fields.List(fields.String(), allow_none=True, metadata={
        "description": "Library template codes whose values are shared; null when the "
                       "participant shares anonymised (what it shares would single it out).",
        "example": ["employed", "started"]})
    anonymised = fields.Boolean(metadata={"description": "Values are shown without the "
                                                         "participant's name.", "example": False})
    share_goal_statuses = fields.Boolean(allow_none=True, metadata={
        "description": "Whether its steering goals' statuses are shared; null when anonymised.",
        "example": True})
    granted_at = fields.DateTime(metadata={"example": "2025-02-01T08:00:00+00:00"})


class ParticipantSchema(ma.Schema):
    """A tenant invited to, asking to join or taking part in a project, with its consent."""

    id = fields.Integer(metadata={"example": 14})
    project_id = fields.Integer(metadata={"example": 2})
    participant_tenant_id = fields.Integer(metadata={"example": 6})
    name = _text({"sv": "Vasa stad", "fi": "Vaasan kaupunki"}, "The participant's name.")
    status = fields.String(metadata={"enum": PARTICIPANT_STATUSES, "example": "active"})
    invited_at = fields.DateTime(allow_none=True, metadata={"example": "2025-01-20T09:00:00+00:00"})
    requested_at = fields.DateTime(allow_none=True, metadata={"example": None})
    answered_at = fields.DateTime(allow_none=True, metadata={"example": "2025-02-01T08:00:00+00:00"})
    consent = fields.Nested(ConsentSummarySchema, allow_none=True, metadata={
        "description": "The consent in force of an active participant; null when it shares "
                       "nothing."})
    consent_withdrawn = fields.Boolean(metadata={
        "description": "The participant withdrew its consent and has none in force.",
        "example": False})


class InviteInputSchema(ma.Schema):
    """The tenant to invite (one of the project's invite candidates)."""

    class Meta:
        unknown = ma.RAISE

    participant_tenant_id = fields.Integer(required=True, metadata={
        "description": "The id of an active municipality or consortium tenant.", "example": 6})


class CandidateSchema(ma.Schema):
    """A tenant a coordinator may invite to a project."""

    tenant_id = fields.Integer(metadata={"example": 6})
    name = _text({"sv": "Vasa stad", "fi": "Vaasan kaupunki"}, "The tenant's name.")
    kind = fields.String(metadata={"enum": ["municipality", "consortium"],
                                   "example": "municipality"})


# --- participations and consent (the participant's side) -------------------------------------


class ProjectRefSchema(ma.Schema):
    """The project of a participation."""

    id = fields.Integer(metadata={"example": 2})
    code = fields.String(metadata={"example": "SP-2024"})
    name = _text({"sv": "Strategiskt partnerskap och ägarstyrning 2024-2026",
                  "fi": "Strateginen kumppanuus ja omistajaohjaus 2024-2026"}, "The name.")
    description = _text({"fi": "Yhteinen hanke ammatillisesta koulutuksesta."}, "The description.")
    status = fields.String(metadata={"enum": PROJECT_STATUSES, "example": "running"})
    starts_on = fields.Date(metadata={"example": "2024-01-01"})
    ends_on = fields.Date(allow_none=True, metadata={"example": "2026-12-31"})
    min_group_size = fields.Integer(allow_none=True, metadata={
        "description": "Null in the list of projects to join.", "example": 3})


class AssociationRefSchema(ma.Schema):
    """The association that runs the project."""

    id = fields.Integer(metadata={"example": 1})
    name = _text({"sv": "Kommunförbundet", "fi": "Kuntaliitto"}, "The association's name.")


class ConsentSchema(ma.Schema):
    """A consent: the one in force (``in_force``), or one of the history."""

    id = fields.Integer(allow_none=True, metadata={"example": 21})
    in_force = fields.Boolean(metadata={"description": "False when nothing is shared (no "
                                                       "consent, or it was withdrawn).",
                                        "example": True})
    indicator_codes = fields.List(fields.String(), metadata={"example": ["employed", "started"]})
    anonymised = fields.Boolean(metadata={"example": False})
    share_goal_statuses = fields.Boolean(metadata={"example": True})
    granted_at = fields.DateTime(allow_none=True, metadata={"example": "2025-02-01T08:00:00+00:00"})
    granted_by = fields.String(metadata={"example": "owner.vasa@example.org"})
    withdrawn_at = fields.DateTime(allow_none=True, metadata={"example": None})
    withdrawn_by = fields.String(metadata={"example": ""})


class ConsentInputSchema(ma.Schema):
    """What the tenant shares: replaces the consent in force (narrow or widen it)."""

    class Meta:
        unknown = ma.RAISE

    indicator_codes = fields.List(
        fields.String(validate=validate.Length(min=1, max=50)), load_default=list,
        validate=validate.Length(max=100),
        metadata={"description": "Library template codes of the project's association whose "
                                 "values are shared.", "example": ["employed", "started"]})
    anonymised = fields.Boolean(load_default=False, metadata={
        "description": "Share the values without the tenant's name.", "example": False})
    share_goal_statuses = fields.Boolean(load_default=False, metadata={
        "description": "Share the statuses of the owner-steering goals.", "example": True})


class AcceptInputSchema(ma.Schema):
    """Accept an invitation, with the consent chosen (none: nothing is shared yet)."""

    class Meta:
        unknown = ma.RAISE

    consent = fields.Nested(ConsentInputSchema, load_default=None, allow_none=True)


class JoinRequestInputSchema(ma.Schema):
    """Ask to join an open project; a consent given now applies once a coordinator approves."""

    class Meta:
        unknown = ma.RAISE

    project_id = fields.Integer(required=True, metadata={"example": 2})
    consent = fields.Nested(ConsentInputSchema, load_default=None, allow_none=True)


class ParticipationSchema(ma.Schema):
    """A project the tenant is invited to, asks to join, takes part in or has left."""

    participant_id = fields.Integer(metadata={"example": 14})
    status = fields.String(metadata={"enum": PARTICIPANT_STATUSES, "example": "active"})
    invited_at = fields.DateTime(allow_none=True, metadata={"example": "2025-01-20T09:00:00+00:00"})
    requested_at = fields.DateTime(allow_none=True, metadata={"example": None})
    answered_at = fields.DateTime(allow_none=True, metadata={"example": "2025-02-01T08:00:00+00:00"})
    project = fields.Nested(ProjectRefSchema)
    association = fields.Nested(AssociationRefSchema)
    consent = fields.Nested(ConsentSchema, metadata={"description": "The consent in force."})


class JoinableProjectSchema(ma.Schema):
    """An open project the tenant may ask to join."""

    project = fields.Nested(ProjectRefSchema)
    association = fields.Nested(AssociationRefSchema)


# --- benchmarks ------------------------------------------------------------------------------


class BenchmarkQuerySchema(ma.Schema):
    """The indicator and period of a benchmark."""

    class Meta:
        unknown = ma.EXCLUDE

    code = fields.String(required=True, validate=validate.Length(min=1, max=50), metadata={
        "description": "A template code of the association's indicator library.",
        "example": "employed"})
    period = fields.String(required=True, validate=validate.Regexp(r"^\d{4}([ -]\S{1,10})?$"),
                           metadata={"description": "A reporting period's label (\"2025 Q1\") or "
                                                    "a year (\"2025\").", "example": "2025 Q1"})


class DistributionSchema(ma.Schema):
    """Count, extremes and quartiles (inclusive linear interpolation) of the shared values."""

    count = fields.Integer(metadata={"example": 5})
    min = _decimal("48.0000", "The lowest value.")
    q1 = _decimal("55.5000", "The first quartile.")
    median = _decimal("61.0000", "The median.")
    q3 = _decimal("66.0000", "The third quartile.")
    max = _decimal("72.0000", "The highest value.")


class BenchmarkPointSchema(ma.Schema):
    """One participant's value. An anonymised participant has ``label`` null; ``token`` is
    opaque, stable within the project."""

    token = fields.String(metadata={"example": "3fa9c01b7e"})
    label = _text({"sv": "Vasa stad", "fi": "Vaasan kaupunki"},
                  "The participant's name; null when it shares anonymised.", allow_none=True)
    value = _decimal("61.0000", "The participant's value for the period.")
    own = fields.Boolean(metadata={"description": "The requesting tenant's own value.",
                                   "example": False})


class PositionSchema(ma.Schema):
    """The requesting participant's own value among the others: rank 1 is the best given the
    indicator's direction; band the quarter it falls in."""

    value = _decimal("66.0000", "The own value.")
    rank = fields.Integer(metadata={"example": 2})
    count = fields.Integer(metadata={"example": 5})
    band = fields.String(metadata={"enum": BANDS, "example": "top"})


class TemplateRefSchema(ma.Schema):
    """The association's library template of the code (its newest version)."""

    id = fields.Integer(metadata={"example": 7})
    version = fields.Integer(metadata={"example": 2})
    name = _text({"sv": "Sysselsatta efter examen", "fi": "Työllistyneet valmistuneista"},
                 "The indicator's name.")


class BenchmarkSchema(ma.Schema):
    """The benchmark of a shared indicator for a period. Below the project's minimum group
    size (or for a code not in the library) ``distribution`` is null, ``points`` empty and
    ``reason`` says why."""

    project_id = fields.Integer(metadata={"example": 2})
    code = fields.String(metadata={"example": "employed"})
    period = fields.String(metadata={"example": "2025 Q1"})
    template = fields.Nested(TemplateRefSchema, allow_none=True)
    unit = fields.String(allow_none=True, metadata={"example": "percent"})
    direction = fields.String(allow_none=True, metadata={"enum": ["higher", "lower"],
                                                         "example": "higher"})
    min_group_size = fields.Integer(metadata={"example": 3})
    distribution = fields.Nested(DistributionSchema, allow_none=True)
    points = fields.List(fields.Nested(BenchmarkPointSchema))
    position = fields.Nested(PositionSchema, allow_none=True, metadata={
        "description": "The requesting participant's position (participants only; null when "
                       "it has no value)."})
    reason = fields.String(allow_none=True, metadata={"enum": REASONS, "example": None})


# --- examples --------------------------------------------------------------------------------

_NAME = {"sv": "Strategiskt partnerskap och ägarstyrning 2024-2026",
         "fi": "Strateginen kumppanuus ja omistajaohjaus 2024-2026"}
_DESCRIPTION = {"sv": "Ett gemensamt projekt om yrkesutbildningen.",
                "fi": "Yhteinen hanke ammatillisesta koulutuksesta."}
PROJECT_EXAMPLE = {
    "id": 2, "code": "SP-2024", "name": _NAME, "description": _DESCRIPTION,
    "starts_on": "2024-01-01", "ends_on": "2026-12-31", "status": "running", "min_group_size": 3,
    "created_at": "2024-01-08T09:00:00+00:00", "updated_at": "2025-02-03T10:15:00+00:00",
}
PROJECT_DETAIL_EXAMPLE = {
    **PROJECT_EXAMPLE,
    "funding": [{"id": 5, "source": {"fi": "Opetus- ja kulttuuriministeriö"},
                 "amount": "150000.00", "currency": "EUR"},
                {"id": 6, "source": {"fi": "Kuntaliitto", "sv": "Kommunförbundet"},
                 "amount": "50000.00", "currency": "EUR"}],
    "funding_total": {"EUR": "200000.00"},
    "milestones": [{"id": 8, "title": {"fi": "Kartoitus valmis", "sv": "Kartläggningen klar"},
                    "due_date": "2025-06-30", "status": "in_progress", "late": False}],
    "events": [{"id": 11, "event_date": "2025-09-18",
                "title": {"fi": "Omistajaohjauksen seminaari",
                          "sv": "Seminarium om ägarstyrning"},
                "place": "Vaasa", "link": ""}],
}
PROJECT_INPUT_EXAMPLE = {
    "code": "SP-2027", "name": {"sv": "Kompetensförsörjning 2027",
                                "fi": "Osaavan työvoiman saatavuus 2027"},
    "description": {"sv": "Arbetsgivarnas behov och utbildningen.",
                    "fi": "Työnantajien tarpeet ja koulutus."},
    "starts_on": "2027-01-01", "ends_on": "2027-12-31", "status": "planning", "min_group_size": 3,
}
PROJECT_PATCH_EXAMPLE = {"status": "running", "min_group_size": 4}
_CONSENT_SUMMARY = {"indicator_codes": ["employed", "started"], "anonymised": False,
                    "share_goal_statuses": True, "granted_at": "2025-02-01T08:00:00+00:00"}
PARTICIPANT_EXAMPLE = {
    "id": 14, "project_id": 2, "participant_tenant_id": 6,
    "name": {"sv": "Vasa stad", "fi": "Vaasan kaupunki"}, "status": "active",
    "invited_at": "2025-01-20T09:00:00+00:00", "requested_at": None,
    "answered_at": "2025-02-01T08:00:00+00:00", "consent": _CONSENT_SUMMARY,
    "consent_withdrawn": False,
}
INVITED_EXAMPLE = {**PARTICIPANT_EXAMPLE, "status": "invited", "answered_at": None,
                   "consent": None}
INVITE_INPUT_EXAMPLE = {"participant_tenant_id": 6}
CANDIDATE_EXAMPLE = {"tenant_id": 6, "name": {"sv": "Vasa stad", "fi": "Vaasan kaupunki"},
                     "kind": "municipality"}
CONSENT_EXAMPLE = {
    "id": 21, "in_force": True, "indicator_codes": ["employed", "started"], "anonymised": False,
    "share_goal_statuses": True, "granted_at": "2025-02-01T08:00:00+00:00",
    "granted_by": "owner.vasa@example.org", "withdrawn_at": None, "withdrawn_by": "",
}
WITHDRAWN_EXAMPLE = {**CONSENT_EXAMPLE, "in_force": False,
                     "withdrawn_at": "2025-10-02T13:00:00+00:00",
                     "withdrawn_by": "owner.vasa@example.org"}
CONSENT_INPUT_EXAMPLE = {"indicator_codes": ["employed", "started"], "anonymised": False,
                         "share_goal_statuses": True}
ACCEPT_INPUT_EXAMPLE = {"consent": {"indicator_codes": ["employed"], "anonymised": True,
                                    "share_goal_statuses": False}}
JOIN_INPUT_EXAMPLE = {"project_id": 2, "consent": {"indicator_codes": ["employed"],
                                                   "anonymised": True,
                                                   "share_goal_statuses": False}}
_PROJECT_REF = {"id": 2, "code": "SP-2024", "name": _NAME, "description": _DESCRIPTION,
                "status": "running", "starts_on": "2024-01-01", "ends_on": "2026-12-31",
                "min_group_size": 3}
_ASSOCIATION = {"id": 1, "name": {"sv": "Kommunförbundet", "fi": "Kuntaliitto"}}
PARTICIPATION_EXAMPLE = {
    "participant_id": 14, "status": "active", "invited_at": "2025-01-20T09:00:00+00:00",
    "requested_at": None, "answered_at": "2025-02-01T08:00:00+00:00", "project": _PROJECT_REF,
    "association": _ASSOCIATION, "consent": CONSENT_EXAMPLE,
}
REQUESTED_EXAMPLE = {**PARTICIPATION_EXAMPLE, "status": "requested", "invited_at": None,
                     "requested_at": "2025-03-03T08:00:00+00:00", "answered_at": None}
JOINABLE_EXAMPLE = {"project": _PROJECT_REF, "association": _ASSOCIATION}
_POINTS = [
    {"token": "a81c33d0f2", "label": None, "value": "48.0000", "own": False},
    {"token": "0c5d7e19ab", "label": {"sv": "Malax kommun", "fi": "Maalahden kunta"},
     "value": "55.5000", "own": False},
    {"token": "3fa9c01b7e", "label": {"sv": "Vasa stad", "fi": "Vaasan kaupunki"},
     "value": "61.0000", "own": False},
    {"token": "e4b2a6c810", "label": None, "value": "66.0000", "own": False},
    {"token": "9d0f1e2c3b", "label": {"sv": "Korsholms kommun", "fi": "Mustasaaren kunta"},
     "value": "72.0000", "own": False},
]
BENCHMARK_EXAMPLE = {
    "project_id": 2, "code": "employed", "period": "2025 Q1",
    "template": {"id": 7, "version": 2, "name": {"sv": "Sysselsatta efter examen",
                                                 "fi": "Työllistyneet valmistuneista"}},
    "unit": "percent", "direction": "higher", "min_group_size": 3,
    "distribution": {"count": 5, "min": "48.0000", "q1": "55.5000", "median": "61.0000",
                     "q3": "66.0000", "max": "72.0000"},
    "points": _POINTS, "position": None, "reason": None,
}
OWN_BENCHMARK_EXAMPLE = {
    **BENCHMARK_EXAMPLE,
    "points": [*_POINTS[:3], {**_POINTS[3], "own": True}, _POINTS[4]],
    "position": {"value": "66.0000", "rank": 2, "count": 5, "band": "top"},
}
BELOW_MIN_EXAMPLE = {**BENCHMARK_EXAMPLE, "distribution": None, "points": [], "position": None,
                     "reason": "below_min_group_size"}
