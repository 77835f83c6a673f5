"""Organisations of a tenant: municipalities, providers, employers and others."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from samverkan.platform import audit
from samverkan.platform.db import db
from samverkan.tenants.business_ids import normalise_business_id
from samverkan.tenants.models import Membership, Organisation, OrganisationKind, Tenant

ORGANISATION_FIELDS = ["kind", "name", "business_id", "country", "is_archived"]
ORGANISATION_SORTS = ("name", "-name", "kind", "-kind", "business_id", "-business_id")
NAME_LOCALES = ("sv", "fi")


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


def _name_in(locale: str):
    return Organisation.name[locale].as_string()


def organisations_statement(tenant: Tenant, *, kind: str = "", include_archived: bool = False,
                            search: str = "", sort: str = "name", locale: str | None = None):
    """The current tenant's organisations, filtered and sorted by name in ``locale``.

    The name sorts in the reader's language, then the tenant's default, then any other.
    ``search`` matches a name in any language or the business id.
    """
    statement = select(Organisation)
    if kind in {k.value for k in OrganisationKind}:
        statement = statement.where(Organisation.kind == kind)
    if not include_archived:
        statement = statement.where(Organisation.is_archived.is_(False))
    search = (search or "").strip()
    if search:
        escaped = search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        statement = statement.where(or_(
            Organisation.business_id.ilike(pattern, escape="\\"),
            *(_name_in(loc).ilike(pattern, escape="\\") for loc in NAME_LOCALES),
        ))
    order = [loc for loc in (locale, tenant.default_locale, *NAME_LOCALES) if loc in NAME_LOCALES]
    name = func.lower(func.coalesce(*(_name_in(loc) for loc in dict.fromkeys(order)), ""))
    sort = sort if sort in ORGANISATION_SORTS else "name"
    key, descending = sort.lstrip("-"), sort.startswith("-")
    column = {"name": name, "kind": Organisation.kind,
              "business_id": func.coalesce(Organisation.business_id, "")}[key]
    columns = [column.desc() if descending else column.asc()]
    if key != "name":
        columns.append(name.asc())
    return statement.order_by(*columns, Organisation.id.asc())


def bound_member_count(organisation: Organisation) -> int:
    """How many members act for the organisation (it cannot be archived while any do)."""
    return _bound_members(organisation)
