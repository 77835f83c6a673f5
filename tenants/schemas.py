"""API schemas of the tenants domain (marshmallow 4): who am I, organisations."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from samverkan.tenants.models import OrganisationKind, Role

ORGANISATION_KINDS = [k.value for k in OrganisationKind]
ROLES = [r.value for r in Role]


class LocalisedTextSchema(ma.Schema):
    """A text per content language; at least one is given."""

    class Meta:
        unknown = ma.RAISE

    sv = fields.String(validate=validate.Length(max=200), allow_none=True,
                       metadata={"description": "Swedish.", "example": "Vasa stad"})
    fi = fields.String(validate=validate.Length(max=200), allow_none=True,
                       metadata={"description": "Finnish.", "example": "Vaasan kaupunki"})


class TenantSchema(ma.Schema):
    slug = fields.String(metadata={"example": "kustregionen"})
    kind = fields.String(metadata={"enum": ["municipality", "consortium", "association"],
                                   "example": "consortium"})
    name = fields.Nested(LocalisedTextSchema)
    country = fields.String(metadata={"example": "FI"})
    currency = fields.String(metadata={"example": "EUR"})
    content_locales = fields.List(fields.String(), metadata={"example": ["fi", "sv"]})
    default_locale = fields.String(metadata={"example": "fi"})


class OrganisationRefSchema(ma.Schema):
    id = fields.Integer(metadata={"example": 4})
    kind = fields.String(metadata={"enum": ORGANISATION_KINDS, "example": "provider"})
    name = fields.Nested(LocalisedTextSchema)


class UserRefSchema(ma.Schema):
    id = fields.Integer(metadata={"example": 12})
    email = fields.String(metadata={"example": "anna@example.org"})
    name = fields.String(metadata={"example": "Anna Admin"})


class ClientRefSchema(ma.Schema):
    client_id = fields.String(metadata={"example": "demo-provider-client"})
    name = fields.String(metadata={"example": "Student administration system"})


class MeSchema(ma.Schema):
    """Who the request acts as in this tenant."""

    kind = fields.String(metadata={"enum": ["person", "client"], "example": "client",
                                   "description": "A signed-in person or an API client."})
    tenant = fields.Nested(TenantSchema)
    roles = fields.List(fields.String(validate=validate.OneOf(ROLES)),
                        metadata={"example": ["provider_reporter"]})
    organisation = fields.Nested(OrganisationRefSchema, allow_none=True,
                                 metadata={"description": "The organisation acted for, if any."})
    user = fields.Nested(UserRefSchema, allow_none=True,
                         metadata={"description": "The person (null for a client)."})
    client = fields.Nested(ClientRefSchema, allow_none=True,
                           metadata={"description": "The API client (null for a person)."})
    scopes = fields.List(fields.String(), allow_none=True,
                         metadata={"description": "The token's scopes; null for a person, "
                                                  "who is limited by roles alone.",
                                   "example": ["read", "report"]})


class OrganisationSchema(ma.Schema):
    """An organisation known to the tenant."""

    id = fields.Integer(dump_only=True, metadata={"example": 4})
    kind = fields.String(metadata={"enum": ORGANISATION_KINDS, "example": "provider"})
    name = fields.Nested(LocalisedTextSchema)
    business_id = fields.String(allow_none=True, metadata={
        "description": "Finnish Y-tunnus or Swedish organisationsnummer.", "example": "2045567-8"})
    country = fields.String(metadata={"enum": ["FI", "SE"], "example": "FI"})
    is_archived = fields.Boolean(metadata={"example": False})
    created_at = fields.DateTime(dump_only=True, metadata={"example": "2026-01-15T09:30:00+00:00"})
    updated_at = fields.DateTime(dump_only=True, metadata={"example": "2026-01-15T09:30:00+00:00"})


class OrganisationInputSchema(ma.Schema):
    """An organisation to create, or the new state of one (PUT replaces these fields)."""

    class Meta:
        unknown = ma.RAISE

    kind = fields.String(required=True, validate=validate.OneOf(ORGANISATION_KINDS),
                         metadata={"enum": ORGANISATION_KINDS, "example": "employer"})
    name = fields.Nested(LocalisedTextSchema, required=True,
                         metadata={"description": "At least one language."})
    business_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=20),
                                metadata={"description": "Checked: Y-tunnus (FI) with its check "
                                                         "digit, organisationsnummer (SE) with its "
                                                         "Luhn digit.",
                                          "example": "0773744-3"})
    country = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(["FI", "SE"]),
                            metadata={"description": "Defaults to the tenant's country.",
                                      "example": "FI"})


class OrganisationQuerySchema(ma.Schema):
    """Filters of the organisation list."""

    class Meta:
        unknown = ma.EXCLUDE

    kind = fields.String(validate=validate.OneOf(ORGANISATION_KINDS),
                         metadata={"description": "Only organisations of this kind."})
    q = fields.String(validate=validate.Length(max=100),
                      metadata={"description": "Search in the names and the business id."})
    include_archived = fields.Boolean(load_default=False,
                                      metadata={"description": "Include archived organisations."})


ORGANISATION_EXAMPLE = {
    "id": 4, "kind": "provider",
    "name": {"sv": "Yrkesinstitutet Kustregionen", "fi": "Rannikkoseudun ammattiopisto"},
    "business_id": "2045567-8", "country": "FI", "is_archived": False,
    "created_at": "2026-01-15T09:30:00+00:00", "updated_at": "2026-01-15T09:30:00+00:00",
}
ORGANISATION_INPUT_EXAMPLE = {
    "kind": "employer", "name": {"sv": "Wärtsilä Finland Ab", "fi": "Wärtsilä Finland Oy"},
    "business_id": "0773744-3", "country": "FI",
}
ME_EXAMPLE = {
    "kind": "client",
    "tenant": {"slug": "kustregionen", "kind": "consortium",
               "name": {"sv": "Samkommunen Kustregionen", "fi": "Rannikkoseudun kuntayhtymä"},
               "country": "FI", "currency": "EUR", "content_locales": ["fi", "sv"],
               "default_locale": "fi"},
    "roles": ["provider_reporter"],
    "organisation": {"id": 4, "kind": "provider",
                     "name": {"sv": "Yrkesinstitutet Kustregionen",
                              "fi": "Rannikkoseudun ammattiopisto"}},
    "user": None,
    "client": {"client_id": "demo-provider-client", "name": "Demo provider integration"},
    "scopes": ["read", "report"],
}
