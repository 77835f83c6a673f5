"""API schemas of employer-driven training orders (marshmallow 4): orders with their lead
time, the offers of the providers, and the input of creating, sending, choosing, starting and
offering.

The specification is per-locale text ``{"sv": "...", "fi": "..."}``; prices are decimal strings.
Input is checked here for shape only; the rules are the service's and come back as field errors.
"""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from samverkan.ownership.schemas import LocalisedContentSchema
from samverkan.partnership.services.authorisation import PROGRAMME_AREAS
from samverkan.partnership.training_order_models import OfferStatus, OrderStatus

ORDER_STATUSES = [s.value for s in OrderStatus]
OFFER_STATUSES = [s.value for s in OfferStatus]
LEAD_TIME_CLASSES = ["faster", "within", "slower"]


class TrainingPartySchema(ma.Schema):
    id = fields.Integer(metadata={"example": 12})
    name = fields.Nested(LocalisedContentSchema, metadata={
        "example": {"sv": "Stora Enso Kvarnsveden AB"}})


class TrainingOrderSchema(ma.Schema):
    """A training order as the requester may see it."""

    id = fields.Integer(metadata={"example": 41})
    employer = fields.Nested(TrainingPartySchema)
    competence = fields.String(metadata={"example": "Industrielektriker"})
    programme_area = fields.String(metadata={"enum": list(PROGRAMME_AREAS),
                                             "example": "industry"})
    people = fields.Integer(metadata={"example": 8})
    place = fields.String(metadata={"example": "Borlänge"})
    wanted_start_on = fields.Date(allow_none=True, metadata={"example": "2026-03-02"})
    need_registered_on = fields.Date(metadata={"example": "2026-01-26"})
    specification = fields.Nested(LocalisedContentSchema, metadata={
        "example": {"sv": "El- och automationskunskaper för underhåll av pappersmaskiner."}})
    status = fields.String(metadata={"enum": ORDER_STATUSES, "example": "sent"})
    sent_on = fields.Date(allow_none=True, metadata={"example": "2026-01-28"})
    answer_by = fields.Date(allow_none=True, metadata={"example": "2026-02-06"})
    started_on = fields.Date(allow_none=True, metadata={"example": None})
    cancelled_on = fields.Date(allow_none=True, metadata={"example": None})
    cancel_reason = fields.String(metadata={"example": ""})
    lead_time_days = fields.Integer(allow_none=True, metadata={
        "description": "Days from the registered need to the start; null before the start.",
        "example": None})
    lead_time_class = fields.String(allow_none=True, metadata={
        "enum": LEAD_TIME_CLASSES, "description": "Against the goal of 4-6 weeks (28-42 days).",
        "example": None})


class TrainingOfferSchema(ma.Schema):
    """A provider's offer on an order."""

    id = fields.Integer(metadata={"example": 77})
    order_id = fields.Integer(metadata={"example": 41})
    organisation = fields.Nested(TrainingPartySchema)
    planned_start_on = fields.Date(metadata={"example": "2026-02-23"})
    places = fields.Integer(metadata={"example": 8})
    price = fields.Decimal(as_string=True, metadata={"type": "string", "format": "decimal",
                                                     "example": "384000.00"})
    description = fields.String(metadata={"example": "Tolv veckor, praktik hos arbetsgivaren."})
    status = fields.String(metadata={"enum": OFFER_STATUSES, "example": "submitted"})


class TrainingOrderQuerySchema(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    status = fields.String(validate=validate.OneOf(ORDER_STATUSES), metadata={
        "enum": ORDER_STATUSES, "description": "Only orders in this status."})


class TrainingOrderInputSchema(ma.Schema):
    """A new order (a draft)."""

    class Meta:
        unknown = ma.RAISE

    employer_id = fields.Integer(required=True, metadata={"example": 12})
    competence = fields.String(required=True, validate=validate.Length(max=200),
                               metadata={"example": "Industrielektriker"})
    programme_area = fields.String(required=True, metadata={"enum": list(PROGRAMME_AREAS),
                                                            "example": "industry"})
    people = fields.Integer(required=True, metadata={"example": 8})
    place = fields.String(load_default="", metadata={"example": "Borlänge"})
    wanted_start_on = fields.Date(allow_none=True, load_default=None,
                                  metadata={"example": "2026-03-02"})
    need_registered_on = fields.Date(allow_none=True, load_default=None, metadata={
        "description": "Today when left out.", "example": "2026-01-26"})
    specification = fields.Nested(LocalisedContentSchema, required=True, metadata={
        "example": {"sv": "El- och automationskunskaper för underhåll av pappersmaskiner."}})


class SendInputSchema(ma.Schema):
    class Meta:
        unknown = ma.RAISE

    answer_by = fields.Date(required=True, metadata={
        "description": "The last day for the providers to answer.", "example": "2026-02-06"})


class ChooseInputSchema(ma.Schema):
    class Meta:
        unknown = ma.RAISE

    offer_id = fields.Integer(required=True, metadata={"example": 77})


class StartInputSchema(ma.Schema):
    class Meta:
        unknown = ma.RAISE

    started_on = fields.Date(required=True, metadata={"example": "2026-02-23"})


class OfferInputSchema(ma.Schema):
    """An offer; a provider's client may leave out ``organisation_id`` (its own)."""

    class Meta:
        unknown = ma.RAISE

    organisation_id = fields.Integer(allow_none=True, load_default=None, metadata={
        "description": "The provider; the requester's own organisation when left out.",
        "example": 5})
    planned_start_on = fields.Date(required=True, metadata={"example": "2026-02-23"})
    places = fields.Integer(required=True, metadata={"example": 8})
    price = fields.Decimal(required=True, metadata={"type": "string", "format": "decimal",
                                                    "example": "384000.00"})
    description = fields.String(load_default="", validate=validate.Length(max=5000),
                                metadata={"example": "Tolv veckor, praktik hos arbetsgivaren."})


_EMPLOYER = {"id": 12, "name": {"sv": "Stora Enso Kvarnsveden AB"}}
ORDER_EXAMPLE = {
    "id": 41, "employer": _EMPLOYER, "competence": "Industrielektriker",
    "programme_area": "industry", "people": 8, "place": "Borlänge",
    "wanted_start_on": "2026-03-02", "need_registered_on": "2026-01-26",
    "specification": {"sv": "El- och automationskunskaper för underhåll av pappersmaskiner."},
    "status": "started", "sent_on": "2026-01-28", "answer_by": "2026-02-06",
    "started_on": "2026-03-02", "cancelled_on": None, "cancel_reason": "",
    "lead_time_days": 35, "lead_time_class": "within"}
ORDER_INPUT_EXAMPLE = {
    "employer_id": 12, "competence": "Industrielektriker", "programme_area": "industry",
    "people": 8, "place": "Borlänge", "wanted_start_on": "2026-03-02",
    "need_registered_on": "2026-01-26",
    "specification": {"sv": "El- och automationskunskaper för underhåll av pappersmaskiner."}}
OFFER_EXAMPLE = {
    "id": 77, "order_id": 41, "organisation": {"id": 5, "name": {"sv": "Lernia Utbildning AB"}},
    "planned_start_on": "2026-02-23", "places": 8, "price": "384000.00",
    "description": "Tolv veckor, praktik hos arbetsgivaren.", "status": "submitted"}
OFFER_INPUT_EXAMPLE = {"planned_start_on": "2026-02-23", "places": 8, "price": "384000.00",
                       "description": "Tolv veckor, praktik hos arbetsgivaren."}
