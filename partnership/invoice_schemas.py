"""API schemas of providers' invoices and their reconciliation (marshmallow 4).

Amounts are decimal strings with two decimals (``"1300.00"``); an input amount may be a string
(decimal point or comma) or a JSON number. Input is checked here for shape only; the rules
(numbers unique per provider, periods, parts, who may enter for which provider) are the
service's and come back as field errors (a line's field as ``lines.<n>.<name>``, from 0).
"""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from samverkan.partnership.services.invoices import PARTS

STATUSES = ["received", "approved", "disputed"]
CHECK_STATUSES = ["matches", "amount_differs", "not_computed", "duplicate", "not_invoiced",
                  "unknown"]


def _amount(example: str | None, description: str, **kwargs) -> fields.Decimal:
    return fields.Decimal(as_string=True, metadata={"description": description, "example": example,
                                                    "type": "string", "format": "decimal"},
                          **kwargs)


class InvoiceQuerySchema(ma.Schema):
    """Filters of the invoice list."""

    class Meta:
        unknown = ma.EXCLUDE

    organisation_id = fields.Integer(metadata={"description": "Only this provider's invoices."})
    status = fields.String(validate=validate.OneOf(STATUSES),
                           metadata={"enum": STATUSES, "description": "Only in this status."})
    period_from = fields.Date(metadata={"description": "Only invoices whose period ends on or "
                                                       "after this day.",
                                        "example": "2025-01-01"})
    period_to = fields.Date(metadata={"description": "Only invoices whose period starts on or "
                                                     "before this day.",
                                      "example": "2025-12-31"})


class InvoiceLineInputSchema(ma.Schema):
    student_ref = fields.String(required=True, validate=validate.Length(min=1, max=64), metadata={
        "description": "The provider's pseudonymous reference of the student, as in the "
                       "enrolments.", "example": "S-1001"})
    course_type = fields.String(required=True, validate=validate.Length(min=1, max=50), metadata={
        "description": "A course type of the compensation model.", "example": "vocational"})
    part = fields.String(required=True, validate=validate.OneOf(PARTS), metadata={
        "enum": list(PARTS), "description": "The part of the price billed.",
        "example": "during_course"})
    amount = fields.Raw(required=True, metadata={
        "type": "string", "format": "decimal", "example": "1300.00",
        "description": "At most two decimals; negative for a credit."})
    text = fields.String(load_default="", validate=validate.Length(max=200),
                         metadata={"example": "January"})


class InvoiceInputSchema(ma.Schema):
    """A new invoice. A provider's client or reporter may leave out ``organisation_id`` (its
    own provider); purchasers and admins name the provider."""

    organisation_id = fields.Integer(load_default=None, allow_none=True, metadata={
        "description": "The provider; default: the requester's own.", "example": 12})
    number = fields.String(required=True, validate=validate.Length(min=1, max=50), metadata={
        "description": "The provider's invoice number, unique for the provider.",
        "example": "F-2025-001"})
    period_start = fields.Date(required=True, metadata={"example": "2025-01-01"})
    period_end = fields.Date(required=True, metadata={"example": "2025-01-31"})
    received_on = fields.Date(load_default=None, allow_none=True, metadata={
        "description": "The day the invoice was received; default: today.",
        "example": "2025-02-05"})
    lines = fields.List(fields.Nested(InvoiceLineInputSchema), required=True,
                        validate=validate.Length(min=1))


class InvoiceLineSchema(ma.Schema):
    number = fields.Integer(metadata={"description": "The line's place on the invoice, from 1.",
                                      "example": 1})
    student_ref = fields.String(metadata={"example": "S-1001"})
    course_type = fields.String(metadata={"example": "vocational"})
    part = fields.String(metadata={"enum": list(PARTS), "example": "during_course"})
    amount = _amount("1300.00", "The invoiced amount.")
    text = fields.String(metadata={"example": "January"})


class InvoiceSchema(ma.Schema):
    """An invoice as listed, with its total and its number of differences from the computed
    payout (null when the payout cannot be computed)."""

    id = fields.Integer(metadata={"example": 41})
    organisation_id = fields.Integer(metadata={"example": 12})
    organisation_name = fields.Dict(metadata={"example": {"sv": "Lärande AB"}})
    number = fields.String(metadata={"example": "F-2025-001"})
    period_start = fields.Date(metadata={"example": "2025-01-01"})
    period_end = fields.Date(metadata={"example": "2025-01-31"})
    received_on = fields.Date(metadata={"example": "2025-02-05"})
    status = fields.String(metadata={"enum": STATUSES, "example": "received"})
    comment = fields.String(metadata={"example": ""})
    total = _amount("1300.00", "The sum of the lines.")
    difference_count = fields.Integer(allow_none=True, metadata={"example": 0})


class LineCheckSchema(ma.Schema):
    """An invoice line (``line`` its number) or a computed payout not invoiced (``line``
    null), with the reconciliation's result and, for a difference, the explanation."""

    line = fields.Integer(allow_none=True, metadata={"example": 1})
    status = fields.String(metadata={"enum": CHECK_STATUSES, "example": "amount_differs"})
    student_ref = fields.String(metadata={"example": "S-1001"})
    course_type = fields.String(metadata={"example": "vocational"})
    part = fields.String(metadata={"example": "during_course"})
    invoiced = _amount("1400.00", "The invoiced amount (null when not invoiced).",
                       allow_none=True)
    computed = _amount("1300.00", "The computed amount (null when none is computed).",
                       allow_none=True)
    difference = _amount("100.00", "Invoiced minus computed, a missing side as zero.")
    explanation = fields.String(allow_none=True, metadata={
        "example": "Invoiced 1,400.00 kr, but the computed payout is 1,300.00 kr: a "
                   "difference of 100.00 kr."})


class ReconciliationSchema(ma.Schema):
    """The invoice against the payout computed for its provider and period."""

    balanced = fields.Boolean(metadata={"example": False})
    error = fields.String(allow_none=True, metadata={
        "description": "Why the payout cannot be computed (then only the invoice's side is "
                       "known).", "example": None})
    invoiced_total = _amount("1400.00", "The invoice's total.")
    computed_total = _amount("1300.00", "The computed payout's total.", allow_none=True)
    difference = _amount("100.00", "Invoiced minus computed.", allow_none=True)
    difference_count = fields.Integer(metadata={"example": 1})
    lines = fields.List(fields.Nested(LineCheckSchema))


class InvoiceDetailSchema(InvoiceSchema):
    """An invoice with its lines and its reconciliation."""

    lines = fields.List(fields.Nested(InvoiceLineSchema))
    reconciliation = fields.Nested(ReconciliationSchema)


INVOICE_EXAMPLE = {
    "id": 41, "organisation_id": 12, "organisation_name": {"sv": "Lärande AB"},
    "number": "F-2025-001", "period_start": "2025-01-01", "period_end": "2025-01-31",
    "received_on": "2025-02-05", "status": "received", "comment": "", "total": "1400.00",
    "difference_count": 1,
}
INVOICE_DETAIL_EXAMPLE = {
    **INVOICE_EXAMPLE,
    "lines": [{"number": 1, "student_ref": "S-1001", "course_type": "vocational",
               "part": "during_course", "amount": "1400.00", "text": "January"}],
    "reconciliation": {
        "balanced": False, "error": None, "invoiced_total": "1400.00",
        "computed_total": "1300.00", "difference": "100.00", "difference_count": 1,
        "lines": [{"line": 1, "status": "amount_differs", "student_ref": "S-1001",
                   "course_type": "vocational", "part": "during_course",
                   "invoiced": "1400.00", "computed": "1300.00", "difference": "100.00",
                   "explanation": "Invoiced 1,400.00 kr, but the computed payout is "
                                  "1,300.00 kr: a difference of 100.00 kr."}],
    },
}
INVOICE_INPUT_EXAMPLE = {
    "number": "F-2025-001", "period_start": "2025-01-01", "period_end": "2025-01-31",
    "received_on": "2025-02-05",
    "lines": [{"student_ref": "S-1001", "course_type": "vocational", "part": "during_course",
               "amount": "1400.00", "text": "January"}],
}
