"""Organisations of a tenant: municipalities, providers, employers and others."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from samverkan.platform import audit
from samverkan.platform.db import db
from samverkan.tenants.business_ids import normalise_business_id
from samverkan.tenants.models import Membership, Organisation, OrganisationKind, Tenant

ORGANISATION_FIELDS = ["kind", "name", "business_id", "country", "is_archived"]


class OrganisationError(ValueError):
    """Invalid organisation data; ``field`` names the offending field, ``code`` the problem."""

    def __init__(self, field: str, code: str, message):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code


@dataclass
class OrganisationData:
    kind: str
    name: dict
    business_id: str | None = None
    country: str | None = None


def _validated(tenant: Tenant, data: OrganisationData, current: Organisation | None) -> dict:
    if data.kind not in {k.value for k in OrganisationKind}:
        raise OrganisationError("kind", "invalid", _l("Choose a kind of organisation."))
    name = {k: v.strip() for k, v in (data.name or {}).items() if k in ("sv", "fi") and (v or "").strip()}
    if not name:
        raise OrganisationError("name", "required", _l("Enter the name in at least one language."))
    if any(len(v) > 200 for v in name.values()):
        raise OrganisationError("name", "too_long", _l("A name is at most 200 characters."))
    country = data.country or tenant.country
    if country not in ("FI", "SE"):
        raise OrganisationError("country", "invalid", _l("The country must be Finland or Sweden."))
    business_id = None
    if data.business_id and data.business_id.strip():
        try:
            business_id = normalise_business_id(data.business_id, country)
        except ValueError as error:
            raise OrganisationError(
                "business_id", str(error).replace(" ", "_"),
                _l("Enter a valid Finnish business ID (Y-tunnus), e.g. 1234567-1.") if country == "FI"
                else _l("Enter a valid Swedish organisation number, e.g. 556677-8899."),
            ) from error
        clash = db.session.scalar(select(Organisation).where(Organisation.business_id == business_id))
        if clash is not None and clash is not current:
            raise OrganisationError("business_id", "taken",
                                    _l("Another organisation already has this business ID."))
    return {"kind": data.kind, "name": name, "business_id": business_id, "country": country}


def create_organisation(tenant: Tenant, data: OrganisationData, actor=None) -> Organisation:
    """Add an organisation to the tenant."""
    values = _validated(tenant, data, None)
    organisation = Organisation(tenant_id=tenant.id, is_archived=False, **values)
    db.session.add(organisation)
    db.session.flush()
    audit.record("organisation.created", organisation, actor=actor,
                 after=audit.snapshot(organisation, ORGANISATION_FIELDS))
    return organisation


def update_organisation(tenant: Tenant, organisation: Organisation, data: OrganisationData,
                        actor=None) -> Organisation:
    """Change an organisation's kind, names or business id."""
    before = audit.snapshot(organisation, ORGANISATION_FIELDS)
    values = _validated(tenant, data, organisation)
    if values["kind"] != organisation.kind and _bound_members(organisation):
        raise OrganisationError("kind", "in_use",
                                _l("Members act for this organisation, so its kind cannot change."))
    for key, value in values.items():
        setattr(organisation, key, value)
    db.session.flush()
    after = audit.snapshot(organisation, ORGANISATION_FIELDS)
    if after != before:
        audit.record("organisation.updated", organisation, actor=actor, before=before, after=after)
    return organisation


def set_archived(organisation: Organisation, archived: bool, actor=None) -> Organisation:
    """Archive (hide from choices) or restore an organisation; history stays intact."""
    if organisation.is_archived == archived:
        return organisation
    if archived and _bound_members(organisation):
        raise OrganisationError("organisation", "in_use",
                                _l("Members act for this organisation. Change their memberships first."))
    before = audit.snapshot(organisation, ["is_archived"])
    organisation.is_archived = archived
    audit.record("organisation.archived" if archived else "organisation.restored", organisation,
                 actor=actor, before=before, after=audit.snapshot(organisation, ["is_archived"]))
    return organisation


def _bound_members(organisation: Organisation) -> int:
    return len(db.session.scalars(
        select(Membership.id).where(Membership.organisation_id == organisation.id)
    ).all())
