"""API schemas of the authorisation of providers (marshmallow 4): the public register, the
criteria catalogue, applications with their answers, assessments and attachments, and the
input of creating, answering, submitting, assessing and deciding an application.

Per-locale texts are objects ``{"sv": "...", "fi": "..."}``. Input is checked here for shape
only; the rules (who may apply, what a submission or a decision needs) are those of
:mod:`samverkan.partnership.services.authorisation` and come back as field errors.
"""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from samverkan.ownership.schemas import LocalisedContentSchema
from samverkan.partnership.authorisation_models import ApplicationStatus, Assessment
from samverkan.partnership.services.authorisation import PROGRAMME_AREAS
from samverkan.tenants.schemas import OrganisationRefSchema

STATUSES = [s.value for s in ApplicationStatus]
ASSESSMENTS = [a.value for a in Assessment]
AREAS = list(PROGRAMME_AREAS)
DECISIONS = ["approve", "reject"]


def _text(example: dict, description: str, **kwargs) -> fields.Nested:
    return fields.Nested(LocalisedContentSchema, metadata={"description": description,
                                                           "example": example}, **kwargs)


def _areas(**kwargs) -> fields.List:
    return fields.List(fields.String(validate=validate.OneOf(AREAS)), metadata={
        "description": "Programme area codes: " + ", ".join(AREAS) + ".",
        "example": ["sfi", "health_social_care"]}, **kwargs)


# --- the register and the criteria -----------------------------------------------------------


class RegisterEntrySchema(ma.Schema):
    """An authorised provider as the public register shows it (nothing else)."""

    provider = _text({"sv": "Lärande AB", "fi": "Oppiminen Oy"}, "The provider's name.",
                     attribute="name")
    programme_areas = _areas()
    valid_to = fields.Date(metadata={"description": "The last day of the authorisation.",
                                     "example": "2027-06-30"})


class CriterionSchema(ma.Schema):
    """A criterion of the catalogue, with the evidence it requires."""

    id = fields.Integer(metadata={"example": 5})
    code = fields.String(metadata={"example": "K1"})
    text = _text({"sv": "Behöriga lärare", "fi": "Pätevät opettajat"}, "The criterion.")
    evidence = _text({"sv": "Lärarlegitimation för varje lärare"},
                     "The evidence an answer must give or attach.")
    position = fields.Integer(metadata={"description": "Order in the catalogue, from 1.",
                                        "example": 1})
    active = fields.Boolean(metadata={"description": "New applications answer only active "
                                                     "criteria.", "example": True})


# --- applications ----------------------------------------------------------------------------


class AttachmentSchema(ma.Schema):
    """A file attached to an answer (download it on the application's page)."""

    id = fields.Integer(metadata={"example": 14})
    filename = fields.String(metadata={"example": "lararlegitimationer.pdf"})
    content_type = fields.String(metadata={"example": "application/pdf"})
    size = fields.Integer(metadata={"description": "Bytes.", "example": 183204})
    sha256 = fields.String(metadata={"example": "9f2c" + "0" * 60})
    uploaded_by = fields.String(attribute="uploaded_by_label",
                                metadata={"example": "rektor@larande.example.org"})
    created_at = fields.DateTime(metadata={"example": "2026-03-02T09:15:00+00:00"})


class AnswerSchema(ma.Schema):
    """The answer to one criterion, its assessment and its attachments."""

    id = fields.Integer(metadata={"example": 21})
    criterion = fields.Nested(CriterionSchema)
    answer = fields.String(metadata={"example": "Alla sju lärare har lärarlegitimation."})
    assessment = fields.String(metadata={"enum": ASSESSMENTS, "example": "met"})
    assessment_comment = fields.String(metadata={"example": ""})
    assessed_by = fields.String(attribute="assessed_by_label",
                                metadata={"example": "inkop@falun.example.org"})
    attachments = fields.List(fields.Nested(AttachmentSchema))


class ApplicationSchema(ma.Schema):
    """A provider's application for authorisation and the decision on it."""

    id = fields.Integer(metadata={"example": 8})
    organisation = fields.Nested(OrganisationRefSchema)
    status = fields.String(metadata={"enum": STATUSES, "example": "submitted"})
    created_by = fields.String(attribute="created_by_label",
                               metadata={"example": "rektor@larande.example.org"})
    submitted_at = fields.DateTime(allow_none=True,
                                   metadata={"example": "2026-03-02T10:00:00+00:00"})
    decided_at = fields.DateTime(allow_none=True, metadata={"example": None})
    decided_by = fields.String(attribute="decided_by_label", metadata={"example": ""})
    programme_areas = _areas()
    valid_from = fields.Date(allow_none=True, metadata={"example": None})
    valid_to = fields.Date(allow_none=True, metadata={"example": None})
    decision_reasons = _text({}, "The reasons of a rejection.")
    next_recheck_on = fields.Date(allow_none=True, metadata={
        "description": "When an approved authorisation is next re-checked.", "example": None})
    revoked_on = fields.Date(allow_none=True, metadata={"example": None})


class ApplicationDetailSchema(ApplicationSchema):
    """An application with an answer per criterion, in the catalogue's order."""

    answers = fields.List(fields.Nested(AnswerSchema))


class ApplicationQuerySchema(ma.Schema):
    """Filters of the application list."""

    class Meta:
        unknown = ma.EXCLUDE

    status = fields.String(validate=validate.OneOf(STATUSES),
                           metadata={"enum": STATUSES, "description": "Only in this status."})
    organisation_id = fields.Integer(metadata={"description": "Only this provider's."})
    q = fields.String(validate=validate.Length(max=100),
                      metadata={"description": "The provider's name contains this."})


class ApplicationInputSchema(ma.Schema):
    """A new draft application: the provider (a provider's reporter or client: its own)."""

    class Meta:
        unknown = ma.RAISE

    organisation_id = fields.Integer(load_default=None, allow_none=True, strict=True, metadata={
        "description": "The provider that applies; left out, the requester's own "
                       "organisation.", "example": 4})


class AnswersInputSchema(ma.Schema):
    """Answers of a draft to save, keyed by criterion code; criteria left out keep theirs."""

    class Meta:
        unknown = ma.RAISE

    answers = fields.Dict(keys=fields.String(), values=fields.String(), required=True,
                          metadata={"description": "Per criterion code: the answer text.",
                                    "example": {"K1": "Alla sju lärare har lärarlegitimation."}})


class SubmitInputSchema(ma.Schema):
    """A submission, optionally with answers saved first."""

    class Meta:
        unknown = ma.RAISE

    answers = fields.Dict(keys=fields.String(), values=fields.String(), load_default=None,
                          allow_none=True, metadata={
                              "description": "Optional: answers saved before submitting.",
                              "example": {"K1": "Alla sju lärare har lärarlegitimation."}})


class AssessmentInputSchema(ma.Schema):
    """The assessment of one answer, named by its criterion's code."""

    class Meta:
        unknown = ma.RAISE

    criterion = fields.String(required=True, metadata={"description": "The criterion code.",
                                                       "example": "K1"})
    assessment = fields.String(required=True, validate=validate.OneOf(ASSESSMENTS),
                               metadata={"enum": ASSESSMENTS, "example": "met"})
    comment = fields.String(load_default="", metadata={
        "description": "Why the criterion is not met (required then).", "example": ""})


class DecisionInputSchema(ma.Schema):
    """Approve (programme areas, validity) or reject (reasons) a submitted application."""

    class Meta:
        unknown = ma.RAISE

    decision = fields.String(required=True, validate=validate.OneOf(DECISIONS),
                             metadata={"enum": DECISIONS, "example": "approve"})
    programme_areas = _areas(load_default=list)
    valid_from = fields.Date(load_default=None, allow_none=True,
                             metadata={"example": "2026-04-01"})
    valid_to = fields.Date(load_default=None, allow_none=True, metadata={"example": "2028-03-31"})
    reasons = _text({"sv": "Lärarnas behörighet är inte styrkt."},
                    "The reasons of a rejection.", load_default=None, allow_none=True)


# --- examples --------------------------------------------------------------------------------

_PROVIDER = {"id": 4, "kind": "provider", "name": {"sv": "Lärande AB", "fi": "Oppiminen Oy"}}
CRITERION_EXAMPLE = {"id": 5, "code": "K1",
                     "text": {"sv": "Behöriga lärare", "fi": "Pätevät opettajat"},
                     "evidence": {"sv": "Lärarlegitimation för varje lärare"},
                     "position": 1, "active": True}
REGISTER_EXAMPLE = {"provider": {"sv": "Lärande AB", "fi": "Oppiminen Oy"},
                    "programme_areas": ["sfi", "health_social_care"], "valid_to": "2027-06-30"}
ATTACHMENT_EXAMPLE = {"id": 14, "filename": "lararlegitimationer.pdf",
                      "content_type": "application/pdf", "size": 183204,
                      "sha256": "9f2c" + "0" * 60, "uploaded_by": "rektor@larande.example.org",
                      "created_at": "2026-03-02T09:15:00+00:00"}
APPLICATION_EXAMPLE = {
    "id": 8, "organisation": _PROVIDER, "status": "submitted",
    "created_by": "rektor@larande.example.org", "submitted_at": "2026-03-02T10:00:00+00:00",
    "decided_at": None, "decided_by": "", "programme_areas": [], "valid_from": None,
    "valid_to": None, "decision_reasons": {}, "next_recheck_on": None, "revoked_on": None}
ANSWER_EXAMPLE = {"id": 21, "criterion": CRITERION_EXAMPLE,
                  "answer": "Alla sju lärare har lärarlegitimation.", "assessment": "pending",
                  "assessment_comment": "", "assessed_by": "",
                  "attachments": [ATTACHMENT_EXAMPLE]}
APPLICATION_DETAIL_EXAMPLE = {**APPLICATION_EXAMPLE, "answers": [ANSWER_EXAMPLE]}
DRAFT_EXAMPLE = {**APPLICATION_DETAIL_EXAMPLE, "status": "draft", "submitted_at": None,
                 "answers": [{**ANSWER_EXAMPLE, "answer": "", "attachments": []}]}
APPROVED_EXAMPLE = {
    **APPLICATION_DETAIL_EXAMPLE, "status": "approved",
    "decided_at": "2026-03-20T13:00:00+00:00", "decided_by": "inkop@falun.example.org",
    "programme_areas": ["sfi", "health_social_care"], "valid_from": "2026-04-01",
    "valid_to": "2028-03-31", "next_recheck_on": "2027-04-01",
    "answers": [{**ANSWER_EXAMPLE, "assessment": "met",
                 "assessed_by": "inkop@falun.example.org"}]}
APPLICATION_INPUT_EXAMPLE = {"organisation_id": 4}
ANSWERS_INPUT_EXAMPLE = {"answers": {"K1": "Alla sju lärare har lärarlegitimation."}}
SUBMIT_INPUT_EXAMPLE = {"answers": None}
ASSESSMENT_INPUT_EXAMPLE = {"criterion": "K1", "assessment": "met", "comment": ""}
DECISION_INPUT_EXAMPLE = {"decision": "approve", "programme_areas": ["sfi", "health_social_care"],
                          "valid_from": "2026-04-01", "valid_to": "2028-03-31", "reasons": None}
