"""API schemas of spot checks and follow-up actions (marshmallow 4). Input is checked here for
shape only; the rules (sizes, seeds, who may assess or close) are the services' and come back as
field errors."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

POPULATION_KINDS = ["enrolments", "invoice_lines"]
ITEM_STATUSES = ["pending", "no_remark", "finding"]
OWNER_PARTIES = ["purchaser", "provider"]
ACTION_STATES = ["open", "overdue", "closed"]
SOURCE_KINDS = ["spot_check", "dialogue"]

ACTION_EXAMPLE = {
    "id": 12, "organisation_id": 4, "source_kind": "spot_check", "source_id": 31,
    "description": "Correct the attendance records of the course.", "owner": "Anna Lind",
    "owner_party": "provider", "due_on": "2025-06-30", "status": "open", "overdue": False,
    "closed_on": None, "closing_note": "", "created_by_label": "purchaser@example.org",
}
ITEM_EXAMPLE = {
    "id": 31, "rank": 1, "ref": "S-0142/VARVAR0",
    "summary": "S-0142 · VARVAR0 Vård och omsorg · 2025-01-13–2025-03-21",
    "status": "finding", "finding": "No attendance recorded for the last three weeks.",
    "assessed_on": "2025-04-02", "assessed_by_label": "purchaser@example.org",
    "actions": [ACTION_EXAMPLE],
}
SPOT_CHECK_EXAMPLE = {
    "id": 5, "organisation_id": 4, "population_kind": "enrolments",
    "period_start": "2025-01-01", "period_end": "2025-06-30", "seed": "3f9a0c1d2b4e5f60",
    "sample_count": None, "sample_percent": "10.00", "population_size": 120,
    "status": "open", "closed_on": None, "note": "",
    "created_by_label": "purchaser@example.org", "created_at": "2025-04-01T08:00:00+00:00",
    "counts": {"pending": 10, "no_remark": 1, "finding": 1},
}
SPOT_CHECK_DETAIL_EXAMPLE = {**SPOT_CHECK_EXAMPLE, "population_refs": ["S-0001/VARVAR0", "…"],
                             "items": [ITEM_EXAMPLE]}
DRAW_INPUT_EXAMPLE = {"organisation_id": 4, "population_kind": "enrolments",
                      "period_start": "2025-01-01", "period_end": "2025-06-30",
                      "sample_percent": "10"}
FINDING_INPUT_EXAMPLE = {"status": "finding",
                         "finding": "No attendance recorded for the last three weeks."}
ACTION_INPUT_EXAMPLE = {"source_kind": "spot_check", "source_id": 31,
                        "description": "Correct the attendance records of the course.",
                        "owner": "Anna Lind", "owner_party": "provider", "due_on": "2025-06-30"}
CLOSE_INPUT_EXAMPLE = {"closing_note": "The records are corrected and re-sent.",
                       "closed_on": "2025-06-20"}


class FollowUpActionSchema(ma.Schema):
    """A follow-up action: a corrective action after a finding, or one agreed in a dialogue."""

    id = fields.Integer()
    organisation_id = fields.Integer(metadata={"description": "The provider."})
    source_kind = fields.String(metadata={"enum": SOURCE_KINDS})
    source_id = fields.Integer(metadata={"description": "The sampled item or the dialogue."})
    description = fields.String()
    owner = fields.String(metadata={"description": "The person responsible."})
    owner_party = fields.String(metadata={"enum": OWNER_PARTIES})
    due_on = fields.Date()
    status = fields.String(metadata={"enum": ["open", "closed"]})
    overdue = fields.Boolean(metadata={"description": "Open with the due date passed."})
    closed_on = fields.Date(allow_none=True)
    closing_note = fields.String()
    created_by_label = fields.String()


class SpotCheckItemSchema(ma.Schema):
    """A sampled item in draw order with its assessment and corrective actions."""

    id = fields.Integer()
    rank = fields.Integer(metadata={"description": "The draw order, from 1."})
    ref = fields.String(metadata={"description": "The item's reference in the population."})
    summary = fields.String(metadata={"description": "What the item was at the draw."})
    status = fields.String(metadata={"enum": ITEM_STATUSES})
    finding = fields.String()
    assessed_on = fields.Date(allow_none=True)
    assessed_by_label = fields.String()
    actions = fields.List(fields.Nested(FollowUpActionSchema))


class SpotCheckCountsSchema(ma.Schema):
    pending = fields.Integer()
    no_remark = fields.Integer()
    finding = fields.Integer()


class SpotCheckSchema(ma.Schema):
    """A spot check: the draw (seed, size, population) and its progress."""

    id = fields.Integer()
    organisation_id = fields.Integer(metadata={"description": "The provider."})
    population_kind = fields.String(metadata={"enum": POPULATION_KINDS})
    period_start = fields.Date()
    period_end = fields.Date()
    seed = fields.String(metadata={"description": "The seed of the draw: the sample is the "
                                                  "references sorted by SHA-256 of "
                                                  "`<seed>:<ref>`, first ones first."})
    sample_count = fields.Integer(allow_none=True)
    sample_percent = fields.Decimal(as_string=True, allow_none=True,
                                    metadata={"type": "string", "format": "decimal"})
    population_size = fields.Integer()
    status = fields.String(metadata={"enum": ["open", "closed"]})
    closed_on = fields.Date(allow_none=True)
    note = fields.String()
    created_by_label = fields.String()
    created_at = fields.DateTime()
    counts = fields.Nested(SpotCheckCountsSchema)


class SpotCheckDetailSchema(SpotCheckSchema):
    """A spot check with every reference of its population and its sampled items."""

    population_refs = fields.List(fields.String(), metadata={
        "description": "Every reference of the population at the draw, sorted."})
    items = fields.List(fields.Nested(SpotCheckItemSchema))


class SpotCheckQuerySchema(ma.Schema):
    organisation_id = fields.Integer(metadata={"description": "Only this provider's."})
    status = fields.String(validate=validate.OneOf(["open", "closed"]))


class SpotCheckDrawInputSchema(ma.Schema):
    """Exactly one of `sample_count` and `sample_percent`; `seed` to reproduce a draw."""

    organisation_id = fields.Integer(required=True)
    population_kind = fields.String(required=True, validate=validate.OneOf(POPULATION_KINDS))
    period_start = fields.Date(required=True)
    period_end = fields.Date(required=True)
    sample_count = fields.Integer(allow_none=True)
    sample_percent = fields.Decimal(as_string=True, allow_none=True,
                                    metadata={"type": "string", "format": "decimal"})
    seed = fields.String(allow_none=True, validate=validate.Length(max=64))
    note = fields.String(load_default="", validate=validate.Length(max=2000))


class SpotCheckFindingInputSchema(ma.Schema):
    status = fields.String(required=True, validate=validate.OneOf(ITEM_STATUSES))
    finding = fields.String(load_default="", validate=validate.Length(max=4000))


class FollowUpActionQuerySchema(ma.Schema):
    state = fields.String(validate=validate.OneOf(ACTION_STATES))
    organisation_id = fields.Integer()
    source_kind = fields.String(validate=validate.OneOf(SOURCE_KINDS))
    source_id = fields.Integer()


class FollowUpActionInputSchema(ma.Schema):
    """A corrective action after a spot-check finding (`source_id`: the sampled item)."""

    source_kind = fields.String(required=True, validate=validate.OneOf(["spot_check"]))
    source_id = fields.Integer(required=True)
    description = fields.String(required=True, validate=validate.Length(max=2000))
    owner = fields.String(required=True, validate=validate.Length(max=200))
    owner_party = fields.String(required=True, validate=validate.OneOf(OWNER_PARTIES))
    due_on = fields.Date(required=True)


class FollowUpActionCloseInputSchema(ma.Schema):
    closing_note = fields.String(required=True, validate=validate.Length(max=2000))
    closed_on = fields.Date(allow_none=True)
