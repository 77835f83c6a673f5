"""API schemas of the shared indicator library (marshmallow 4): an association's versioned
indicator templates and agreement templates, the templates a tenant may adopt, and indicators
adopted from them with the newer version on offer and what differs.

Per-locale texts are objects ``{"sv": "...", "fi": "..."}``. Input is checked here for shape
only; the rules (codes, units, who may publish or adopt) are the services' and come back as
field errors.
"""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from samverkan.ownership.schemas import LocalisedContentSchema
from samverkan.partnership.schemas import AGGREGATIONS, DIRECTIONS, UNITS


def _text(example: dict, description: str, **kwargs) -> fields.Nested:
    return fields.Nested(LocalisedContentSchema, metadata={"description": description,
                                                           "example": example}, **kwargs)


class AssociationSchema(ma.Schema):
    """The association whose library a template belongs to."""

    id = fields.Integer(metadata={"example": 1})
    name = _text({"sv": "Kommunförbundet", "fi": "Kuntaliitto"}, "The association's name.")


# --- indicator templates ---------------------------------------------------------------------


class DifferenceSchema(ma.Schema):
    """One field that differs from the previous (or the adopted) version; texts per locale."""

    field = fields.String(metadata={"enum": ["name", "definition", "unit", "direction",
                                             "aggregation"], "example": "definition"})
    locale = fields.String(allow_none=True, metadata={"description": "The locale of a text; "
                                                                     "null for other fields.",
                                                      "example": "fi"})
    old = fields.Raw(allow_none=True, metadata={"example": "Osuus työssä kuuden kuukauden "
                                                           "jälkeen."})
    new = fields.Raw(allow_none=True, metadata={"example": "Osuus työssä tai opinnoissa "
                                                           "kuuden kuukauden jälkeen."})


class IndicatorTemplateSchema(ma.Schema):
    """One published version of an indicator template (a version never changes)."""

    id = fields.Integer(metadata={"example": 7})
    association = fields.Nested(AssociationSchema)
    code = fields.String(metadata={"example": "employed"})
    version = fields.Integer(metadata={"example": 2})
    name = _text({"sv": "Sysselsatta efter examen", "fi": "Työllistyneet valmistuneista"},
                 "The name.")
    definition = _text({"sv": "Andel i arbete eller studier sex månader efter examen.",
                        "fi": "Osuus työssä tai opinnoissa kuuden kuukauden jälkeen."},
                       "The definition.")
    unit = fields.String(metadata={"enum": UNITS, "example": "percent"})
    direction = fields.String(metadata={"enum": DIRECTIONS, "example": "higher"})
    aggregation = fields.String(metadata={"enum": AGGREGATIONS, "example": "average"})
    change_note = _text({"fi": "Myös jatko-opinnot lasketaan."}, "What changed in this version.")
    published_at = fields.DateTime(metadata={"example": "2025-03-01T09:00:00+00:00"})


class IndicatorTemplateVersionSchema(IndicatorTemplateSchema):
    """A version with what differs from the one before it (null for version 1)."""

    differences = fields.List(fields.Nested(DifferenceSchema), allow_none=True)


class IndicatorTemplateHistorySchema(ma.Schema):
    """Every version of one indicator template, oldest first."""

    code = fields.String(metadata={"example": "employed"})
    latest = fields.Nested(IndicatorTemplateSchema)
    versions = fields.List(fields.Nested(IndicatorTemplateVersionSchema))


class IndicatorTemplateInputSchema(ma.Schema):
    """An indicator template to publish. A version cannot be changed: publish the next one."""

    class Meta:
        unknown = ma.RAISE

    name = _text({"sv": "Sysselsatta efter examen", "fi": "Työllistyneet valmistuneista"},
                 "At least one language.", required=True)
    definition = _text({"sv": "Andel i arbete eller studier sex månader efter examen.",
                        "fi": "Osuus työssä tai opinnoissa kuuden kuukauden jälkeen."},
                       "Optional.", load_default=None, allow_none=True)
    unit = fields.String(required=True, validate=validate.OneOf(UNITS),
                         metadata={"enum": UNITS, "example": "percent"})
    direction = fields.String(load_default="higher", validate=validate.OneOf(DIRECTIONS),
                              metadata={"enum": DIRECTIONS, "example": "higher"})
    aggregation = fields.String(load_default="sum", validate=validate.OneOf(AGGREGATIONS),
                                metadata={"enum": AGGREGATIONS, "example": "average"})
    change_note = _text({"fi": "Myös jatko-opinnot lasketaan.",
                         "sv": "Även fortsatta studier räknas."},
                        "What changed (for a new version).", load_default=None, allow_none=True)


class NewIndicatorTemplateInputSchema(IndicatorTemplateInputSchema):
    """A new indicator template: version 1 of a code not in the library yet."""

    class Meta:
        unknown = ma.RAISE

    code = fields.String(required=True, validate=validate.Length(min=1, max=50), metadata={
        "description": "Letters, digits, dots, dashes or underscores; unique in the library.",
        "example": "employed"})


# --- agreement templates ---------------------------------------------------------------------


class AgreementTemplateSchema(ma.Schema):
    """One published version of an agreement template: a named set of indicator template
    versions adopted into an agreement at once."""

    id = fields.Integer(metadata={"example": 4})
    association = fields.Nested(AssociationSchema)
    code = fields.String(metadata={"example": "SP-BASE"})
    version = fields.Integer(metadata={"example": 1})
    name = _text({"sv": "Strategiskt partnerskap, grundmått", "fi": "Strateginen kumppanuus, "
                                                                      "perusmittarit"},
                 "The name.")
    description = _text({"fi": "Aloittaneet ja työllistyneet."}, "The description.")
    change_note = _text({}, "What changed in this version.")
    published_at = fields.DateTime(metadata={"example": "2025-03-01T09:00:00+00:00"})
    indicators = fields.List(fields.Nested(IndicatorTemplateSchema), metadata={
        "description": "The indicator template versions, in order."})


class AgreementTemplateHistorySchema(ma.Schema):
    """Every version of one agreement template, oldest first."""

    code = fields.String(metadata={"example": "SP-BASE"})
    latest = fields.Nested(AgreementTemplateSchema)
    versions = fields.List(fields.Nested(AgreementTemplateSchema))


class AgreementTemplateInputSchema(ma.Schema):
    """An agreement template to publish: its indicator template versions, in order."""

    class Meta:
        unknown = ma.RAISE

    name = _text({"sv": "Strategiskt partnerskap, grundmått",
                  "fi": "Strateginen kumppanuus, perusmittarit"}, "At least one language.",
                 required=True)
    description = _text({"fi": "Aloittaneet ja työllistyneet."}, "Optional.",
                        load_default=None, allow_none=True)
    indicator_template_ids = fields.List(fields.Integer(), required=True,
                                         validate=validate.Length(min=1, max=100), metadata={
                                             "description": "Ids of indicator template versions "
                                                            "of the library, one per code.",
                                             "example": [7, 9]})
    change_note = _text({}, "What changed (for a new version).", load_default=None,
                        allow_none=True)


class NewAgreementTemplateInputSchema(AgreementTemplateInputSchema):
    """A new agreement template: version 1 of a code not in the library yet."""

    class Meta:
        unknown = ma.RAISE

    code = fields.String(required=True, validate=validate.Length(min=1, max=50),
                         metadata={"example": "SP-BASE"})


# --- adopting --------------------------------------------------------------------------------


class AvailableSchema(ma.Schema):
    """The newest templates of every library the tenant may adopt from."""

    indicator_templates = fields.List(fields.Nested(IndicatorTemplateSchema))
    agreement_templates = fields.List(fields.Nested(AgreementTemplateSchema))


class AdoptInputSchema(ma.Schema):
    """One indicator template version, or every indicator of an agreement template version."""

    class Meta:
        unknown = ma.RAISE

    template_id = fields.Integer(load_default=None, allow_none=True, metadata={
        "description": "An indicator template version (from `library/available`).",
        "example": 7})
    agreement_template_id = fields.Integer(load_default=None, allow_none=True, metadata={
        "description": "An agreement template version: its indicators not adopted yet.",
        "example": None})

    @ma.validates_schema
    def one_of_them(self, data, **_kwargs):
        if (data.get("template_id") is None) == (data.get("agreement_template_id") is None):
            from flask_babel import gettext

            raise ma.ValidationError(
                gettext("Give either template_id or agreement_template_id."), "template_id")


class UpgradeInputSchema(ma.Schema):
    """The newer version to take."""

    class Meta:
        unknown = ma.RAISE

    template_id = fields.Integer(required=True, metadata={"example": 9})


class KeepInputSchema(ma.Schema):
    """The newer version not to take (it and older ones are no longer offered)."""

    class Meta:
        unknown = ma.RAISE

    version = fields.Integer(required=True, metadata={"example": 2})


class AdoptedFromSchema(ma.Schema):
    """The library template an indicator was adopted from."""

    association_id = fields.Integer(metadata={"example": 1})
    code = fields.String(metadata={"example": "employed"})
    version = fields.Integer(metadata={"example": 1})
    kept_version = fields.Integer(allow_none=True, metadata={
        "description": "The newest version the tenant chose not to take.", "example": None})


class AdoptedIndicatorSchema(ma.Schema):
    """An indicator of an agreement adopted from a library, with the newer version on offer
    (null when none) and what would change."""

    id = fields.Integer(metadata={"example": 21})
    agreement_id = fields.Integer(metadata={"example": 3})
    code = fields.String(metadata={"example": "employed"})
    name = _text({"sv": "Sysselsatta efter examen", "fi": "Työllistyneet valmistuneista"},
                 "The name.")
    definition = _text({"fi": "Osuus työssä kuuden kuukauden jälkeen."}, "The definition.")
    unit = fields.String(metadata={"enum": UNITS, "example": "percent"})
    direction = fields.String(metadata={"enum": DIRECTIONS, "example": "higher"})
    aggregation = fields.String(metadata={"enum": AGGREGATIONS, "example": "average"})
    adopted_from = fields.Nested(AdoptedFromSchema, allow_none=True)
    newer_version = fields.Nested(IndicatorTemplateSchema, allow_none=True)
    differences = fields.List(fields.Nested(DifferenceSchema), metadata={
        "description": "What the newer version would change; empty without one."})


# --- examples --------------------------------------------------------------------------------

_ASSOCIATION = {"id": 1, "name": {"sv": "Kommunförbundet", "fi": "Kuntaliitto"}}
INDICATOR_TEMPLATE_EXAMPLE = {
    "id": 9, "association": _ASSOCIATION, "code": "employed", "version": 2,
    "name": {"sv": "Sysselsatta efter examen", "fi": "Työllistyneet valmistuneista"},
    "definition": {"sv": "Andel i arbete eller studier sex månader efter examen.",
                   "fi": "Osuus työssä tai opinnoissa kuuden kuukauden jälkeen."},
    "unit": "percent", "direction": "higher", "aggregation": "average",
    "change_note": {"fi": "Myös jatko-opinnot lasketaan.", "sv": "Även fortsatta studier räknas."},
    "published_at": "2025-03-01T09:00:00+00:00",
}
_VERSION_1 = {**INDICATOR_TEMPLATE_EXAMPLE, "id": 7, "version": 1, "change_note": {},
              "definition": {"sv": "Andel i arbete sex månader efter examen.",
                             "fi": "Osuus työssä kuuden kuukauden jälkeen."},
              "published_at": "2024-02-01T09:00:00+00:00"}
DIFFERENCES_EXAMPLE = [
    {"field": "definition", "locale": "sv", "old": "Andel i arbete sex månader efter examen.",
     "new": "Andel i arbete eller studier sex månader efter examen."},
    {"field": "definition", "locale": "fi", "old": "Osuus työssä kuuden kuukauden jälkeen.",
     "new": "Osuus työssä tai opinnoissa kuuden kuukauden jälkeen."},
]
INDICATOR_HISTORY_EXAMPLE = {
    "code": "employed", "latest": INDICATOR_TEMPLATE_EXAMPLE,
    "versions": [{**_VERSION_1, "differences": None},
                 {**INDICATOR_TEMPLATE_EXAMPLE, "differences": DIFFERENCES_EXAMPLE}],
}
NEW_INDICATOR_TEMPLATE_INPUT_EXAMPLE = {
    "code": "started", "name": {"sv": "Påbörjade studerande", "fi": "Aloittaneet opiskelijat"},
    "definition": {"sv": "Antal som påbörjat en examen.", "fi": "Tutkinnon aloittaneet."},
    "unit": "count", "direction": "higher", "aggregation": "sum",
}
INDICATOR_VERSION_INPUT_EXAMPLE = {
    "name": {"sv": "Sysselsatta efter examen", "fi": "Työllistyneet valmistuneista"},
    "definition": {"sv": "Andel i arbete eller studier sex månader efter examen.",
                   "fi": "Osuus työssä tai opinnoissa kuuden kuukauden jälkeen."},
    "unit": "percent", "direction": "higher", "aggregation": "average",
    "change_note": {"fi": "Myös jatko-opinnot lasketaan.", "sv": "Även fortsatta studier räknas."},
}
AGREEMENT_TEMPLATE_EXAMPLE = {
    "id": 4, "association": _ASSOCIATION, "code": "SP-BASE", "version": 1,
    "name": {"sv": "Strategiskt partnerskap, grundmått",
             "fi": "Strateginen kumppanuus, perusmittarit"},
    "description": {"fi": "Aloittaneet ja työllistyneet."}, "change_note": {},
    "published_at": "2025-03-01T09:00:00+00:00",
    "indicators": [INDICATOR_TEMPLATE_EXAMPLE],
}
AGREEMENT_HISTORY_EXAMPLE = {"code": "SP-BASE", "latest": AGREEMENT_TEMPLATE_EXAMPLE,
                             "versions": [AGREEMENT_TEMPLATE_EXAMPLE]}
NEW_AGREEMENT_TEMPLATE_INPUT_EXAMPLE = {
    "code": "SP-BASE", "name": {"sv": "Strategiskt partnerskap, grundmått",
                                "fi": "Strateginen kumppanuus, perusmittarit"},
    "description": {"fi": "Aloittaneet ja työllistyneet."}, "indicator_template_ids": [9],
}
AGREEMENT_VERSION_INPUT_EXAMPLE = {
    "name": {"sv": "Strategiskt partnerskap, grundmått",
             "fi": "Strateginen kumppanuus, perusmittarit"},
    "description": {"fi": "Aloittaneet ja työllistyneet."}, "indicator_template_ids": [9, 11],
    "change_note": {"fi": "Lisätty aloittaneet.", "sv": "Påbörjade tillagda."},
}
AVAILABLE_EXAMPLE = {"indicator_templates": [INDICATOR_TEMPLATE_EXAMPLE],
                     "agreement_templates": [AGREEMENT_TEMPLATE_EXAMPLE]}
ADOPT_INPUT_EXAMPLE = {"template_id": 7}
UPGRADE_INPUT_EXAMPLE = {"template_id": 9}
KEEP_INPUT_EXAMPLE = {"version": 2}
ADOPTED_EXAMPLE = {
    "id": 21, "agreement_id": 3, "code": "employed", "name": _VERSION_1["name"],
    "definition": _VERSION_1["definition"], "unit": "percent", "direction": "higher",
    "aggregation": "average",
    "adopted_from": {"association_id": 1, "code": "employed", "version": 1, "kept_version": None},
    "newer_version": INDICATOR_TEMPLATE_EXAMPLE, "differences": DIFFERENCES_EXAMPLE,
}
UPGRADED_EXAMPLE = {
    **ADOPTED_EXAMPLE, "definition": INDICATOR_TEMPLATE_EXAMPLE["definition"],
    "adopted_from": {"association_id": 1, "code": "employed", "version": 2, "kept_version": None},
    "newer_version": None, "differences": [],
}
KEPT_EXAMPLE = {
    **ADOPTED_EXAMPLE,
    "adopted_from": {"association_id": 1, "code": "employed", "version": 1, "kept_version": 2},
    "newer_version": None, "differences": [],
}
