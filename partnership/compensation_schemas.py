"""API schemas of the compensation model (marshmallow 4): its versions, the payouts of a period
with their lines, and the enrolments a provider reports.

Amounts, shares, quantities and weights are exact decimals written as strings ("1300.00",
"0.65"); dates are ISO dates. Input is checked here for shape only; the rules (course types,
quantities, authorised providers, who may report) are the services' and come back as field
errors.
"""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from samverkan.partnership.services.authorisation import PROGRAMME_AREAS

BASES = ["course_point", "week", "student"]
PARTS = ["during_course", "on_grades", "forfeited"]


def _decimal(example: str, description: str, **kwargs) -> fields.Decimal:
    return fields.Decimal(as_string=True, metadata={"example": example, "description": description,
                                                    "type": "string", "format": "decimal"},
                          **kwargs)


# --- versions --------------------------------------------------------------------------------


class PriceComponentSchema(ma.Schema):
    """The price of one course type."""

    course_type = fields.String(metadata={"example": "vocational"})
    basis = fields.String(metadata={"enum": BASES, "example": "course_point",
                                    "description": "What the amount is per."})
    amount = fields.String(metadata={"example": "60.00", "description": "The price per unit."})
    result_prices = fields.Dict(keys=fields.String(), values=fields.String(), allow_none=True,
                                metadata={"description": "A result-based price per category of "
                                                         "student instead of the amount.",
                                          "example": None})


class CompensationVersionSchema(ma.Schema):
    """One version of the compensation model, valid from a date."""

    id = fields.Integer(metadata={"example": 3})
    version = fields.Integer(metadata={"example": 2})
    valid_from = fields.Date(metadata={"example": "2025-07-01"})
    base_year = fields.Integer(metadata={"example": 2025})
    during_course_share = _decimal("0.6500", "Share paid monthly during the course.")
    on_grades_share = _decimal("0.3500", "Share paid once grades are reported on time.")
    grade_deadline_days = fields.Integer(metadata={"example": 30})
    components = fields.List(fields.Nested(PriceComponentSchema))
    demand_weights = fields.Dict(keys=fields.String(), values=fields.String(), metadata={
        "description": "Weight per programme area; an area not listed weighs 1.",
        "example": {"health_social_care": "1.2"}})
    indexation = fields.Dict(keys=fields.String(), values=fields.String(), metadata={
        "description": "Percentage per year after the base year.", "example": {"2026": "2.5"}})
    note = fields.Dict(keys=fields.String(), values=fields.String(),
                       metadata={"example": {"sv": "Högre vikt för vård och omsorg."}})
    in_force = fields.Boolean(metadata={"description": "Valid from today or earlier: never "
                                                       "changed.", "example": True})


VERSION_EXAMPLE = {
    "id": 3, "version": 2, "valid_from": "2025-07-01", "base_year": 2025,
    "during_course_share": "0.6500", "on_grades_share": "0.3500", "grade_deadline_days": 30,
    "components": [{"course_type": "vocational", "basis": "course_point", "amount": "60",
                    "result_prices": None},
                   {"course_type": "sfi", "basis": "student", "amount": "0",
                    "result_prices": {"short": "24900", "medium": "20000", "long": "15000"}}],
    "demand_weights": {"health_social_care": "1.2"}, "indexation": {"2026": "2.5"},
    "note": {"sv": "Högre vikt för vård och omsorg."}, "in_force": True,
}


# --- payouts ---------------------------------------------------------------------------------


class CompensationPeriodQuerySchema(ma.Schema):
    """The period: ``from`` and ``to``, or ``year`` with an optional ``month``; by default
    last month."""

    class Meta:
        unknown = ma.EXCLUDE

    from_ = fields.Date(data_key="from", metadata={"description": "First day of the period.",
                                                   "example": "2025-01-01"})
    to = fields.Date(metadata={"description": "Last day of the period.", "example": "2025-03-31"})
    year = fields.Integer(validate=validate.Range(min=1900, max=2200),
                          metadata={"description": "A calendar year (with month: that month).",
                                    "example": 2025})
    month = fields.Integer(validate=validate.Range(min=1, max=12),
                           metadata={"description": "A month of the year.", "example": 1})
    organisation_id = fields.Integer(metadata={"description": "Only this provider's payout."})


class CompensationLineSchema(ma.Schema):
    """One part of one enrolment's price paid (or forfeited) in the period."""

    student_ref = fields.String(metadata={"example": "S-1"})
    course_type = fields.String(metadata={"example": "vocational"})
    programme_area = fields.String(allow_none=True, metadata={"example": "health_social_care"})
    part = fields.String(metadata={"enum": PARTS, "example": "during_course"})
    model_version = fields.Integer(metadata={"example": 1})
    quantity = _decimal("100", "Course points, weeks or 1 per student.")
    unit_price = _decimal("60", "The price per unit.")
    demand_weight = _decimal("1", "The weight of the programme area.")
    index_factor = _decimal("1", "The compounded indexation from the base year.")
    share = _decimal("0.65", "The share of the price this part is.")
    amount = _decimal("1300.00", "The amount paid; 0.00 when forfeited.")
    explanation = fields.String(metadata={"description": "How the amount was reached, in the "
                                                         "request's language.",
                                          "example": "Paid during the course: 1 of 3 months of "
                                                     "the share 65% of 100 x SEK 60.00 x weight "
                                                     "1 x index 1."})


class CompensationPayoutSchema(ma.Schema):
    organisation_id = fields.Integer(metadata={"example": 12})
    total = _decimal("1300.00", "The sum of the lines.")
    lines = fields.List(fields.Nested(CompensationLineSchema))


class CompensationPayoutsSchema(ma.Schema):
    """The payouts of a period, one per provider the requester may see."""

    period_start = fields.Date(metadata={"example": "2025-01-01"})
    period_end = fields.Date(metadata={"example": "2025-01-31"})
    currency = fields.String(metadata={"example": "SEK"})
    total = _decimal("1300.00", "The sum of the payouts.")
    payouts = fields.List(fields.Nested(CompensationPayoutSchema))


LINE_EXAMPLE = {
    "student_ref": "S-1", "course_type": "vocational", "programme_area": None,
    "part": "during_course", "model_version": 1, "quantity": "100", "unit_price": "60",
    "demand_weight": "1", "index_factor": "1", "share": "0.65", "amount": "1300.00",
    "explanation": "Paid during the course: 1 of 3 months of the share 65% of 100 x SEK 60.00 x "
                   "weight 1 x index 1.",
}
PAYOUTS_EXAMPLE = {
    "period_start": "2025-01-01", "period_end": "2025-01-31", "currency": "SEK",
    "total": "1300.00",
    "payouts": [{"organisation_id": 12, "total": "1300.00", "lines": [LINE_EXAMPLE]}],
}


# --- enrolments ------------------------------------------------------------------------------


class EnrolmentSchema(ma.Schema):
    """A student's enrolment on a course at a provider, as the provider reported it."""

    id = fields.Integer(metadata={"example": 41})
    organisation_id = fields.Integer(metadata={"example": 12})
    student_ref = fields.String(metadata={"description": "The provider's pseudonymous "
                                                         "reference; never a name or an "
                                                         "identity number.", "example": "S-1"})
    course_type = fields.String(metadata={"example": "vocational"})
    course_code = fields.String(metadata={"example": "VARVAR0"})
    course_name = fields.String(metadata={"example": "Vård och omsorg"})
    programme_area = fields.String(allow_none=True, metadata={"enum": list(PROGRAMME_AREAS),
                                                              "example": "health_social_care"})
    starts_on = fields.Date(metadata={"example": "2025-01-13"})
    ends_on = fields.Date(metadata={"example": "2025-03-21"})
    course_points = _decimal("100", "Course points (when the course type is paid per point).",
                             allow_none=True)
    weeks = _decimal("10", "Weeks (when the course type is paid per week).", allow_none=True)
    category = fields.String(allow_none=True, metadata={"example": None})
    completed = fields.Boolean(metadata={"example": False})
    grades_reported_on = fields.Date(allow_none=True, metadata={"example": None})


ENROLMENT_EXAMPLE = {
    "id": 41, "organisation_id": 12, "student_ref": "S-1", "course_type": "vocational",
    "course_code": "VARVAR0", "course_name": "Vård och omsorg",
    "programme_area": "health_social_care", "starts_on": "2025-01-13", "ends_on": "2025-03-21",
    "course_points": "100.00", "weeks": None, "category": None, "completed": False,
    "grades_reported_on": None,
}


class EnrolmentInputSchema(ma.Schema):
    """A new enrolment of the provider in the URL."""

    class Meta:
        unknown = ma.RAISE

    student_ref = fields.String(required=True, validate=validate.Length(min=1, max=64),
                                metadata={"example": "S-1001"})
    course_type = fields.String(required=True, validate=validate.Length(min=1, max=50),
                                metadata={"example": "vocational"})
    course_code = fields.String(load_default="", validate=validate.Length(max=50),
                                metadata={"example": "VARVAR0"})
    course_name = fields.String(load_default="", validate=validate.Length(max=200),
                                metadata={"example": "Vård och omsorg"})
    programme_area = fields.String(load_default=None, allow_none=True,
                                   metadata={"enum": list(PROGRAMME_AREAS),
                                             "example": "health_social_care"})
    starts_on = fields.Date(required=True, metadata={"example": "2025-01-13"})
    ends_on = fields.Date(required=True, metadata={"example": "2025-03-21"})
    course_points = fields.Decimal(load_default=None, allow_none=True,
                                   metadata={"example": "100"})
    weeks = fields.Decimal(load_default=None, allow_none=True, metadata={"example": None})
    category = fields.String(load_default=None, allow_none=True, metadata={"example": None})


ENROLMENT_INPUT_EXAMPLE = {
    "student_ref": "S-1001", "course_type": "vocational", "course_code": "VARVAR0",
    "course_name": "Vård och omsorg", "programme_area": "health_social_care",
    "starts_on": "2025-01-13", "ends_on": "2025-03-21", "course_points": "100",
}
