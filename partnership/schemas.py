"""API schemas of partnership agreements and outcome tracking (marshmallow 4): agreements with
their parties, versions, signatures and commitments, indicators and targets, the reporting
calendar, and outcome reports with their values.

Per-locale texts are objects ``{"sv": "...", "fi": "..."}``; values and targets are decimal
strings (``"42.0000"``); dates are ISO 8601. Input is checked here for shape only; the rules
(codes, ranges per unit, lifecycles, who may do what) are the services' and come back as field
errors.
"""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from samverkan.ownership.schemas import LocalisedContentSchema
from samverkan.partnership.models import (
    Aggregation,
    AgreementStatus,
    CommitmentStatus,
    Direction,
    Frequency,
    PartyRole,
    ReportStatus,
    TargetStatus,
    Unit,
    VersionStatus,
)
from samverkan.tenants.schemas import OrganisationRefSchema

AGREEMENT_STATUSES = [s.value for s in AgreementStatus]
PARTY_ROLES = [r.value for r in PartyRole]
COMMITMENT_STATUSES = [s.value for s in CommitmentStatus]
UNITS = [u.value for u in Unit]
DIRECTIONS = [d.value for d in Direction]
AGGREGATIONS = [a.value for a in Aggregation]
FREQUENCIES = [f.value for f in Frequency]
REPORT_STATUSES = [s.value for s in ReportStatus]
TARGET_STATUSES = [s.value for s in TargetStatus]


def _decimal(example: str | None, description: str, **kwargs) -> fields.Decimal:
    return fields.Decimal(as_string=True, metadata={"description": description, "example": example,
                                                    "type": "string", "format": "decimal"},
                          **kwargs)


def _text(example: dict, description: str, **kwargs) -> fields.Nested:
    return fields.Nested(LocalisedContentSchema, metadata={"description": description,
                                                           "example": example}, **kwargs)


class PeriodSchema(ma.Schema):
    """A period of the tenant's reporting calendar, with its reporting deadline."""

    id = fields.Integer(metadata={"example": 31})
    frequency = fields.String(metadata={"enum": FREQUENCIES, "example": "quarter"})
    year = fields.Integer(metadata={"example": 2025})
    number = fields.Integer(metadata={"description": "Position within the year, from 1.",
                                      "example": 1})
    label = fields.String(metadata={"example": "2025 Q1"})
    starts_on = fields.Date(metadata={"example": "2025-01-01"})
    ends_on = fields.Date(metadata={"example": "2025-03-31"})
    deadline = fields.Date(metadata={"description": "The last day to submit the report.",
                                     "example": "2025-04-30"})


class PeriodQuerySchema(ma.Schema):
    """Filters of the reporting calendar."""

    class Meta:
        unknown = ma.EXCLUDE

    year = fields.Integer(metadata={"description": "Only periods of this year.", "example": 2025})
    frequency = fields.String(validate=validate.OneOf(FREQUENCIES),
                              metadata={"enum": FREQUENCIES,
                                        "description": "Only periods of this frequency."})


# --- agreements ------------------------------------------------------------------------------


class PartySchema(ma.Schema):
    """An organisation that is party to an agreement, in a role."""

    id = fields.Integer(metadata={"example": 7})
    agreement_id = fields.Integer(metadata={"example": 3})
    organisation = fields.Nested(OrganisationRefSchema)
    role = fields.String(metadata={"enum": PARTY_ROLES, "example": "provider"})


class PartyInputSchema(ma.Schema):
    """A party to add: an organisation of the tenant and its role."""

    class Meta:
        unknown = ma.RAISE

    organisation_id = fields.Integer(required=True, metadata={"example": 4})
    role = fields.String(required=True, metadata={"enum": PARTY_ROLES, "example": "provider"})


class AgreementSchema(ma.Schema):
    """A partnership agreement."""

    id = fields.Integer(dump_only=True, metadata={"example": 3})
    code = fields.String(metadata={"example": "SP-VASA-2024"})
    kind = fields.String(metadata={"description": "The kind of agreement (data, not a fixed "
                                                  "list).", "example": "strategic_partnership"})
    title = _text({"sv": "Strategiskt partnerskap för yrkesutbildning",
                   "fi": "Ammatillisen koulutuksen strateginen kumppanuus"}, "The title.")
    summary = _text({"sv": "Vasa stad och anordnaren samarbetar om kompetensförsörjningen.",
                     "fi": "Vaasan kaupunki ja järjestäjä tekevät yhteistyötä."}, "The summary.")
    valid_from = fields.Date(metadata={"example": "2024-01-01"})
    valid_to = fields.Date(allow_none=True, metadata={"example": "2026-12-31"})
    status = fields.String(metadata={"enum": AGREEMENT_STATUSES, "example": "active"})
    status_note = fields.String(metadata={"description": "The note of the last change of status.",
                                          "example": ""})
    version_number = fields.Integer(metadata={"description": "The number of the current version.",
                                              "example": 2})
    parties = fields.List(fields.Nested(PartySchema))
    created_at = fields.DateTime(dump_only=True, metadata={"example": "2024-01-10T09:00:00+00:00"})
    updated_at = fields.DateTime(dump_only=True, metadata={"example": "2025-06-16T12:00:00+00:00"})


class AgreementDetailSchema(AgreementSchema):
    """An agreement with what the requester may do with it now."""

    allowed_transitions = fields.List(fields.String(), metadata={
        "description": "Statuses the requester may move the agreement to now (POST them to "
                       "/transitions).", "example": ["terminated"]})
    missing_signatures = fields.List(fields.Integer(), metadata={
        "description": "Ids of the parties that have not signed the current version yet.",
        "example": []})
    signable_party_ids = fields.List(fields.Integer(), metadata={
        "description": "Ids of the parties the requester may sign the current version for.",
        "example": []})


class AgreementInputSchema(ma.Schema):
    """An agreement to create (a draft), or the new content of one (PUT replaces these fields;
    only while the current version is open)."""

    class Meta:
        unknown = ma.RAISE

    code = fields.String(required=True, metadata={"description": "Unique in the tenant: at most 50 "
                                                                 "letters, digits, dots, dashes "
                                                                 "or underscores.",
                                                  "example": "SP-VASA-2027"})
    kind = fields.String(load_default="strategic_partnership",
                         metadata={"example": "strategic_partnership"})
    title = _text({"sv": "Strategiskt partnerskap 2027-2029",
                   "fi": "Strateginen kumppanuus 2027-2029"},
                  "At least one language; at most 300 characters.", required=True)
    summary = _text({"sv": "Samarbete om yrkesutbildning.", "fi": "Yhteistyö ammatillisessa "
                                                                "koulutuksessa."},
                    "Optional.", load_default=None, allow_none=True)
    valid_from = fields.Date(required=True, metadata={"example": "2027-01-01"})
    valid_to = fields.Date(load_default=None, allow_none=True, metadata={"example": "2029-12-31"})


class AgreementQuerySchema(ma.Schema):
    """Filters of the agreement list."""

    class Meta:
        unknown = ma.EXCLUDE

    status = fields.String(validate=validate.OneOf(AGREEMENT_STATUSES),
                           metadata={"enum": AGREEMENT_STATUSES,
                                     "description": "Only agreements in this status."})
    kind = fields.String(metadata={"description": "Only agreements of this kind."})
    organisation_id = fields.Integer(metadata={"description": "Only agreements this organisation "
                                                              "is party to."})
    q = fields.String(validate=validate.Length(max=200), metadata={
        "description": "Search in the code and the titles.", "example": "VASA"})


class AgreementTransitionInputSchema(ma.Schema):
    """A change of an agreement's status."""

    class Meta:
        unknown = ma.RAISE

    to = fields.String(required=True, validate=validate.OneOf(AGREEMENT_STATUSES),
                       metadata={"enum": AGREEMENT_STATUSES, "example": "negotiation"})
    note = fields.String(load_default="", validate=validate.Length(max=2000), metadata={
        "description": "Required when terminating: the reason.", "example": ""})


class SignatureInputSchema(ma.Schema):
    """Whom to sign for: a party's id, or none for the party the requester signs for."""

    class Meta:
        unknown = ma.RAISE

    party_id = fields.Integer(load_default=None, allow_none=True, metadata={"example": None})


class SignatureSchema(ma.Schema):
    """A signatory's confirmation of a version's content for one party."""

    id = fields.Integer(metadata={"example": 12})
    party_id = fields.Integer(metadata={"example": 7})
    organisation_id = fields.Integer(metadata={"example": 4})
    signer = fields.String(attribute="signer_label", metadata={"example": "provider@example.org"})
    content_hash = fields.String(metadata={"description": "SHA-256 of the content confirmed.",
                                           "example": "9f2c4e0d3b8a..."})
    signed_at = fields.DateTime(metadata={"example": "2025-06-16T10:00:00+00:00"})


class SigningSchema(ma.Schema):
    """The signature given, and where the agreement stands after it."""

    signature = fields.Nested(SignatureSchema)
    agreement_status = fields.String(metadata={"enum": AGREEMENT_STATUSES, "example": "signed"})
    version_status = fields.String(metadata={"enum": [s.value for s in VersionStatus],
                                             "example": "signed"})
    missing_signatures = fields.List(fields.Integer(), metadata={
        "description": "Parties still to sign; empty once the version is signed.", "example": []})


class AmendmentInputSchema(ma.Schema):
    class Meta:
        unknown = ma.RAISE

    reason = fields.String(load_default="", validate=validate.Length(max=2000), metadata={
        "description": "Why the agreement is amended.", "example": "The employment target rises."})


class VersionSchema(ma.Schema):
    """A numbered version of an agreement; once signed its content is frozen."""

    id = fields.Integer(metadata={"example": 9})
    agreement_id = fields.Integer(metadata={"example": 3})
    number = fields.Integer(metadata={"example": 2})
    status = fields.String(metadata={"enum": [s.value for s in VersionStatus], "example": "signed"})
    reason = fields.String(metadata={"description": "Why an amendment was opened.",
                                     "example": "The employment target rises."})
    content_hash = fields.String(allow_none=True, metadata={"example": "9f2c4e0d3b8a..."})
    signed_at = fields.DateTime(allow_none=True, metadata={"example": "2025-06-16T12:00:00+00:00"})
    signatures = fields.List(fields.Nested(SignatureSchema))


CONTENT_EXAMPLE = {
    "code": "SP-VASA-2024", "kind": "strategic_partnership",
    "title": {"sv": "Strategiskt partnerskap", "fi": "Strateginen kumppanuus"},
    "summary": {}, "valid_from": "2024-01-01", "valid_to": "2026-12-31",
    "parties": [{"organisation_id": 4, "role": "provider",
                 "name": {"sv": "Yrkesinstitutet Kustregionen"}}],
    "commitments": [],
    "indicators": [{"code": "started", "name": {"sv": "Påbörjade"}, "definition": {},
                    "unit": "count", "direction": "higher", "aggregation": "sum",
                    "steering_goal_id": None, "targets": {"2025 Q1": "40"}}],
}


class VersionDetailSchema(VersionSchema):
    """A version with its content: the frozen snapshot once signed, else the current content."""

    content = fields.Dict(metadata={
        "description": "Code, kind, title, summary, validity, parties, commitments and "
                       "indicators with their targets per period label.",
        "example": CONTENT_EXAMPLE})


class FieldChangeSchema(ma.Schema):
    """One field of two versions side by side."""

    field = fields.String(metadata={"example": "valid_to"})
    before = fields.Raw(allow_none=True, metadata={"example": "2026-12-31"})
    after = fields.Raw(allow_none=True, metadata={"example": "2027-12-31"})
    changed = fields.Boolean(metadata={"example": True})


class ItemChangeSchema(ma.Schema):
    """An item (party, commitment, indicator or target) added, removed or changed."""

    key = fields.String(metadata={"example": "employed 2026 Q1"})
    change = fields.String(metadata={"enum": ["added", "removed", "changed"], "example": "changed"})
    before = fields.Dict(allow_none=True, metadata={"example": {"value": "60"}})
    after = fields.Dict(allow_none=True, metadata={"example": {"value": "61.5"}})
    fields_changed = fields.List(fields.String(), attribute="fields", data_key="fields",
                                 metadata={"example": ["value"]})


class VersionDiffSchema(ma.Schema):
    """What changed from the previous version to this one."""

    from_number = fields.Integer(allow_none=True, metadata={"example": 1})
    to_number = fields.Integer(metadata={"example": 2})
    changed = fields.Boolean(metadata={"example": True})
    fields_ = fields.List(fields.Nested(FieldChangeSchema), attribute="fields", data_key="fields")
    parties = fields.List(fields.Nested(ItemChangeSchema))
    commitments = fields.List(fields.Nested(ItemChangeSchema))
    indicators = fields.List(fields.Nested(ItemChangeSchema))
    targets = fields.List(fields.Nested(ItemChangeSchema))


# --- commitments -----------------------------------------------------------------------------


class CommitmentSchema(ma.Schema):
    """What one party commits to, by a due date; ``late`` is computed from the due date."""

    id = fields.Integer(metadata={"example": 15})
    agreement_id = fields.Integer(metadata={"example": 3})
    party_id = fields.Integer(metadata={"example": 7})
    text = _text({"sv": "Anordnaren startar en svenskspråkig grupp inom logistik.",
                  "fi": "Järjestäjä aloittaa ruotsinkielisen logistiikkaryhmän."}, "The commitment.")
    due_date = fields.Date(allow_none=True, metadata={"example": "2025-08-31"})
    status = fields.String(metadata={"enum": COMMITMENT_STATUSES, "example": "in_progress"})
    late = fields.Boolean(metadata={"description": "Past its due date and not done.",
                                    "example": False})


class CommitmentInputSchema(ma.Schema):
    """A commitment to add, or its new content (PUT replaces these fields)."""

    class Meta:
        unknown = ma.RAISE

    party_id = fields.Integer(required=True, metadata={"example": 7})
    text = _text({"sv": "Studievägledning på svenska.", "fi": "Opinto-ohjausta ruotsiksi."},
                 "At least one language.", required=True)
    due_date = fields.Date(load_default=None, allow_none=True, metadata={"example": "2025-12-31"})


class CommitmentStatusInputSchema(ma.Schema):
    class Meta:
        unknown = ma.RAISE

    status = fields.String(required=True, metadata={"enum": COMMITMENT_STATUSES, "example": "done"})


# --- indicators and targets ------------------------------------------------------------------


class TargetSchema(ma.Schema):
    """An indicator's target for one reporting period."""

    period_id = fields.Integer(metadata={"example": 31})
    period_label = fields.String(metadata={"example": "2025 Q1"})
    value = _decimal("40.0000", "The target.")


class TargetInputSchema(ma.Schema):
    class Meta:
        unknown = ma.RAISE

    period_id = fields.Integer(required=True, metadata={"example": 31})
    value = fields.Raw(required=True, allow_none=True, metadata={
        "type": "string", "format": "decimal", "nullable": True,
        "description": "The target (a decimal string or number); null removes it.",
        "example": "40"})


class TargetsInputSchema(ma.Schema):
    """The indicator's targets: every period listed gets its value, targets of periods not
    listed are removed."""

    class Meta:
        unknown = ma.RAISE

    targets = fields.List(fields.Nested(TargetInputSchema), required=True,
                          metadata={"example": [{"period_id": 31, "value": "40"}]})


class IndicatorSchema(ma.Schema):
    """A measure followed up under an agreement."""

    id = fields.Integer(metadata={"example": 21})
    agreement_id = fields.Integer(metadata={"example": 3})
    code = fields.String(metadata={"example": "started"})
    name = _text({"sv": "Påbörjade studerande", "fi": "Aloittaneet opiskelijat"}, "The name.")
    definition = _text({"sv": "Antal studerande som påbörjat en examen.",
                        "fi": "Tutkinnon aloittaneiden opiskelijoiden määrä."}, "The definition.")
    unit = fields.String(metadata={"enum": UNITS, "example": "count"})
    direction = fields.String(metadata={"enum": DIRECTIONS, "example": "higher"})
    aggregation = fields.String(metadata={"enum": AGGREGATIONS, "example": "sum"})
    steering_goal_id = fields.Integer(allow_none=True, metadata={
        "description": "The linked steering goal of owner steering, if any.", "example": None})
    position = fields.Integer(metadata={"example": 1})


class IndicatorInputSchema(ma.Schema):
    """An indicator to add, or its new definition (PUT replaces these fields)."""

    class Meta:
        unknown = ma.RAISE

    code = fields.String(required=True, metadata={"example": "employed"})
    name = _text({"sv": "Sysselsatta efter sex månader", "fi": "Työllistyneet kuuden kuukauden "
                                                               "jälkeen"},
                 "At least one language.", required=True)
    definition = _text({"sv": "Andel i arbete eller studier.", "fi": "Osuus työssä tai "
                                                                     "opinnoissa."},
                       "Optional.", load_default=None, allow_none=True)
    unit = fields.String(required=True, metadata={"enum": UNITS, "example": "percent"})
    direction = fields.String(load_default="higher", metadata={"enum": DIRECTIONS,
                                                               "example": "higher"})
    aggregation = fields.String(load_default="sum", metadata={"enum": AGGREGATIONS,
                                                              "example": "average"})
    steering_goal_id = fields.Integer(load_default=None, allow_none=True,
                                      metadata={"example": None})
    position = fields.Integer(load_default=None, allow_none=True, metadata={"example": None})


# --- outcome reports -------------------------------------------------------------------------


class AgreementRefSchema(ma.Schema):
    id = fields.Integer(metadata={"example": 3})
    code = fields.String(metadata={"example": "SP-VASA-2024"})
    title = _text({"sv": "Strategiskt partnerskap", "fi": "Strateginen kumppanuus"}, "The title.")


class ReportValueSchema(ma.Schema):
    """An indicator's value in a report, with comments and the target of the period."""

    indicator_id = fields.Integer(metadata={"example": 21})
    code = fields.String(metadata={"example": "started"})
    name = _text({"sv": "Påbörjade studerande", "fi": "Aloittaneet opiskelijat"}, "The name.")
    unit = fields.String(metadata={"enum": UNITS, "example": "count"})
    value = _decimal("42.0000", "The reported value; null while not filled in.", allow_none=True)
    comment = _text({"sv": "Två grupper startade i januari.", "fi": "Kaksi ryhmää aloitti "
                                                                    "tammikuussa."},
                    "The reporter's comment.")
    review_comment = _text({}, "The reviewer's comment (when returned or accepted).")
    target = _decimal("40.0000", "The target of the period, if any.", allow_none=True)
    target_status = fields.String(allow_none=True, metadata={"enum": TARGET_STATUSES,
                                                             "example": "met"})


class RevisionRefSchema(ma.Schema):
    id = fields.Integer(metadata={"example": 52})
    revision = fields.Integer(metadata={"example": 1})
    status = fields.String(metadata={"enum": REPORT_STATUSES, "example": "accepted"})
    is_current = fields.Boolean(metadata={"example": False})


class OutcomeReportSchema(ma.Schema):
    """A provider's outcome report for an agreement and a period (one revision)."""

    id = fields.Integer(metadata={"example": 52})
    agreement = fields.Nested(AgreementRefSchema)
    organisation = fields.Nested(OrganisationRefSchema)
    period = fields.Nested(PeriodSchema)
    revision = fields.Integer(metadata={"example": 1})
    is_current = fields.Boolean(metadata={"description": "Only the newest revision is current.",
                                          "example": True})
    previous_id = fields.Integer(allow_none=True, metadata={"example": None})
    status = fields.String(metadata={"enum": REPORT_STATUSES, "example": "submitted"})
    lock_version = fields.Integer(metadata={"description": "Grows with every save.",
                                            "example": 3})
    submitted_at = fields.DateTime(allow_none=True, metadata={"example": "2025-04-20T08:00:00+00:00"})
    submitted_by = fields.String(attribute="submitted_by_label",
                                 metadata={"example": "provider@example.org"})
    decided_at = fields.DateTime(allow_none=True, metadata={"example": None})
    decision_note = _text({}, "The reviewer's note on the whole report.")


class OutcomeReportDetailSchema(OutcomeReportSchema):
    """A report with its values and every revision of it."""

    values = fields.List(fields.Nested(ReportValueSchema), metadata={
        "description": "One entry per indicator of the agreement."})
    revisions = fields.List(fields.Nested(RevisionRefSchema), metadata={
        "description": "Every revision, oldest first."})


class ReportQuerySchema(ma.Schema):
    """Filters of the report list."""

    class Meta:
        unknown = ma.EXCLUDE

    agreement_id = fields.Integer(metadata={"description": "Only reports on this agreement."})
    period_id = fields.Integer(metadata={"description": "Only reports for this period."})
    status = fields.String(validate=validate.OneOf(REPORT_STATUSES),
                           metadata={"enum": REPORT_STATUSES,
                                     "description": "Only reports in this status."})
    organisation_id = fields.Integer(metadata={"description": "Only this provider's reports."})
    all_revisions = fields.Boolean(load_default=False, metadata={
        "description": "Include earlier revisions (by default only current ones)."})


class ReportOpenInputSchema(ma.Schema):
    """Which report to open: the agreement and the period (and, for an admin, the provider)."""

    class Meta:
        unknown = ma.RAISE

    agreement_id = fields.Integer(required=True, metadata={"example": 3})
    period_id = fields.Integer(required=True, metadata={"example": 31})
    organisation_id = fields.Integer(load_default=None, allow_none=True, metadata={
        "description": "The provider; only an admin names it (a reporter reports for its own "
                       "organisation).", "example": None})


class ValueInputSchema(ma.Schema):
    class Meta:
        unknown = ma.RAISE

    value = fields.Raw(load_default=None, allow_none=True, metadata={
        "type": "string", "format": "decimal", "nullable": True,
        "description": "A decimal string or number; null or empty clears it.", "example": "42"})
    comment = _text({"sv": "Två grupper startade i januari."}, "Optional.", load_default=None,
                    allow_none=True)


def _values(description: str, **kwargs) -> fields.Dict:
    return fields.Dict(keys=fields.String(), values=fields.Nested(ValueInputSchema), metadata={
        "description": description,
        "example": {"started": {"value": "42", "comment": {"sv": "Två grupper startade."}}}},
        **kwargs)


class ReportValuesInputSchema(ma.Schema):
    """Values of a draft to save, keyed by indicator code (or id); indicators left out keep
    their values."""

    class Meta:
        unknown = ma.RAISE

    values = _values("Per indicator code: the value and an optional comment.", required=True)


class ReportSubmitInputSchema(ma.Schema):
    """A submission, optionally with values saved first."""

    class Meta:
        unknown = ma.RAISE

    values = _values("Optional: values saved before submitting.", load_default=None,
                     allow_none=True)


class ReviewInputSchema(ma.Schema):
    """A reviewer's decision: a note on the report and comments per value."""

    class Meta:
        unknown = ma.RAISE

    note = _text({"sv": "Kontrollera antalet påbörjade."}, "Optional note on the report.",
                 load_default=None, allow_none=True)
    comments = fields.Dict(keys=fields.String(), values=fields.Nested(LocalisedContentSchema),
                           load_default=None, allow_none=True, metadata={
                               "description": "Per indicator code: a comment. Returning needs "
                                              "at least one comment or a note.",
                               "example": {"started": {"sv": "Stämmer siffran med Koski?"}}})


# --- examples --------------------------------------------------------------------------------

_PROVIDER = {"id": 4, "kind": "provider", "name": {"sv": "Yrkesinstitutet Kustregionen",
                               "fi": "Rannikkoseudun ammattiopisto"}}
_VASA = {"id": 2, "kind": "municipality", "name": {"sv": "Vasa stad", "fi": "Vaasan kaupunki"}}
_TITLE = {"sv": "Strategiskt partnerskap för yrkesutbildning",
          "fi": "Ammatillisen koulutuksen strateginen kumppanuus"}
PERIOD_EXAMPLE = {"id": 31, "frequency": "quarter", "year": 2025, "number": 1, "label": "2025 Q1",
                  "starts_on": "2025-01-01", "ends_on": "2025-03-31", "deadline": "2025-04-30"}
PARTY_EXAMPLE = {"id": 7, "agreement_id": 3, "organisation": _PROVIDER, "role": "provider"}
PARTY_INPUT_EXAMPLE = {"organisation_id": 4, "role": "provider"}
AGREEMENT_EXAMPLE = {
    "id": 3, "code": "SP-VASA-2024", "kind": "strategic_partnership", "title": _TITLE,
    "summary": {"sv": "Vasa stad och anordnaren samarbetar om kompetensförsörjningen.",
                "fi": "Vaasan kaupunki ja järjestäjä tekevät yhteistyötä."},
    "valid_from": "2024-01-01", "valid_to": "2026-12-31", "status": "active", "status_note": "",
    "version_number": 2,
    "parties": [{"id": 6, "agreement_id": 3, "organisation": _VASA, "role": "purchaser"},
                PARTY_EXAMPLE],
    "created_at": "2024-01-10T09:00:00+00:00", "updated_at": "2025-06-16T12:00:00+00:00",
}
AGREEMENT_DETAIL_EXAMPLE = {**AGREEMENT_EXAMPLE, "allowed_transitions": ["ended", "terminated"],
                            "missing_signatures": [], "signable_party_ids": []}
AGREEMENT_INPUT_EXAMPLE = {
    "code": "SP-VASA-2027", "kind": "strategic_partnership",
    "title": {"sv": "Strategiskt partnerskap 2027-2029", "fi": "Strateginen kumppanuus 2027-2029"},
    "summary": {"sv": "Samarbete om yrkesutbildning.",
                "fi": "Yhteistyö ammatillisessa koulutuksessa."},
    "valid_from": "2027-01-01", "valid_to": "2029-12-31",
}
TRANSITION_INPUT_EXAMPLE = {"to": "negotiation", "note": ""}
SIGNATURE_EXAMPLE = {"id": 12, "party_id": 7, "organisation_id": 4,
                     "signer": "provider@example.org", "content_hash": "9f2c4e0d3b8a...",
                     "signed_at": "2025-06-16T10:00:00+00:00"}
SIGNING_EXAMPLE = {"signature": SIGNATURE_EXAMPLE, "agreement_status": "signed",
                   "version_status": "signed", "missing_signatures": []}
SIGNATURE_INPUT_EXAMPLE = {"party_id": None}
AMENDMENT_INPUT_EXAMPLE = {"reason": "The employment target rises from 2026."}
VERSION_EXAMPLE = {"id": 9, "agreement_id": 3, "number": 2, "status": "signed",
                   "reason": "The employment target rises from 2026.",
                   "content_hash": "9f2c4e0d3b8a...", "signed_at": "2025-06-16T12:00:00+00:00",
                   "signatures": [SIGNATURE_EXAMPLE]}
VERSION_DETAIL_EXAMPLE = {
    **VERSION_EXAMPLE,
    "content": CONTENT_EXAMPLE,
}
DIFF_EXAMPLE = {
    "from_number": 1, "to_number": 2, "changed": True,
    "fields": [{"field": "valid_to", "before": "2026-12-31", "after": "2026-12-31",
                "changed": False}],
    "parties": [], "commitments": [],
    "indicators": [{"key": "days_to_start", "change": "added", "before": None,
                    "after": {"code": "days_to_start", "unit": "days"}, "fields": []}],
    "targets": [{"key": "employed 2026 Q1", "change": "changed",
                 "before": {"indicator": "employed", "period": "2026 Q1", "value": "60"},
                 "after": {"indicator": "employed", "period": "2026 Q1", "value": "61.5"},
                 "fields": ["value"]}],
}
COMMITMENT_EXAMPLE = {
    "id": 15, "agreement_id": 3, "party_id": 7,
    "text": {"sv": "Anordnaren startar en svenskspråkig grupp inom logistik.",
             "fi": "Järjestäjä aloittaa ruotsinkielisen logistiikkaryhmän."},
    "due_date": "2025-08-31", "status": "in_progress", "late": False,
}
COMMITMENT_INPUT_EXAMPLE = {"party_id": 7,
                            "text": {"sv": "Studievägledning på svenska.",
                                     "fi": "Opinto-ohjausta ruotsiksi."},
                            "due_date": "2025-12-31"}
COMMITMENT_STATUS_INPUT_EXAMPLE = {"status": "done"}
INDICATOR_EXAMPLE = {
    "id": 21, "agreement_id": 3, "code": "started",
    "name": {"sv": "Påbörjade studerande", "fi": "Aloittaneet opiskelijat"},
    "definition": {"sv": "Antal studerande som påbörjat en examen.",
                   "fi": "Tutkinnon aloittaneiden opiskelijoiden määrä."},
    "unit": "count", "direction": "higher", "aggregation": "sum", "steering_goal_id": None,
    "position": 1,
}
INDICATOR_INPUT_EXAMPLE = {
    "code": "employed",
    "name": {"sv": "Sysselsatta efter sex månader", "fi": "Työllistyneet kuuden kuukauden jälkeen"},
    "definition": {"sv": "Andel i arbete eller studier.", "fi": "Osuus työssä tai opinnoissa."},
    "unit": "percent", "direction": "higher", "aggregation": "average", "steering_goal_id": None,
    "position": None,
}
TARGET_EXAMPLE = {"period_id": 31, "period_label": "2025 Q1", "value": "40.0000"}
TARGETS_INPUT_EXAMPLE = {"targets": [{"period_id": 31, "value": "40"},
                                     {"period_id": 32, "value": "45"}]}
VALUE_EXAMPLE = {
    "indicator_id": 21, "code": "started",
    "name": {"sv": "Påbörjade studerande", "fi": "Aloittaneet opiskelijat"}, "unit": "count",
    "value": "42.0000", "comment": {"sv": "Två grupper startade i januari."},
    "review_comment": {}, "target": "40.0000", "target_status": "met",
}
REPORT_EXAMPLE = {
    "id": 52, "agreement": {"id": 3, "code": "SP-VASA-2024", "title": _TITLE},
    "organisation": _PROVIDER, "period": PERIOD_EXAMPLE, "revision": 1, "is_current": True,
    "previous_id": None, "status": "submitted", "lock_version": 3,
    "submitted_at": "2025-04-20T08:00:00+00:00", "submitted_by": "provider@example.org",
    "decided_at": None, "decision_note": {},
}
REPORT_DETAIL_EXAMPLE = {**REPORT_EXAMPLE, "values": [VALUE_EXAMPLE],
                         "revisions": [{"id": 52, "revision": 1, "status": "submitted",
                                        "is_current": True}]}
REPORT_DRAFT_EXAMPLE = {**REPORT_DETAIL_EXAMPLE, "status": "draft", "lock_version": 1,
                        "submitted_at": None, "submitted_by": "",
                        "revisions": [{"id": 52, "revision": 1, "status": "draft",
                                       "is_current": True}]}
REPORT_OPEN_INPUT_EXAMPLE = {"agreement_id": 3, "period_id": 31, "organisation_id": None}
VALUES_INPUT_EXAMPLE = {"values": {"started": {"value": "42",
                                               "comment": {"sv": "Två grupper startade."}}}}
SUBMIT_INPUT_EXAMPLE = {"values": {"started": {"value": "42"}}}
ACCEPT_INPUT_EXAMPLE = {"note": {"sv": "Tack!"}, "comments": None}
RETURN_INPUT_EXAMPLE = {"note": None, "comments": {"started": {"sv": "Stämmer siffran med Koski?"}}}
