"""Tenants: provisioning by the platform operator, settings by the tenant's administrators."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from samverkan.platform import audit
from samverkan.platform.config import CONTENT_LOCALES
from samverkan.platform.db import db, platform_scope
from samverkan.tenants.models import Membership, Organisation, Tenant, TenantKind, TenantStatus

SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
DEFAULTS_BY_COUNTRY = {"FI": (["fi", "sv"], "EUR"), "SE": (["sv"], "SEK")}
CURRENCIES = ("EUR", "SEK")
MAX_NAME_LENGTH = 200
TENANT_FIELDS = ["slug", "kind", "name", "content_locales", "default_locale", "country",
                 "currency", "status"]
SETTINGS_FIELDS = ["name", "content_locales", "default_locale"]
TENANT_SORTS = ("slug", "-slug", "created", "-created", "status", "-status")


class TenantError(ValueError):
    """Invalid tenant data; ``field`` names the offending field, ``code`` the problem and
    ``message`` says it in the reader's language."""

    def __init__(self, field: str, code: str, message):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code


@dataclass
class TenantData:
    slug: str
    kind: str
    name: dict
    country: str
    content_locales: list[str] | None = None
    default_locale: str | None = None
    currency: str | None = None


@dataclass
class TenantSettingsData:
    name: dict
    content_locales: list[str]
    default_locale: str


def _clean_name(name: dict | None) -> dict:
    name = {k: (v or "").strip() for k, v in (name or {}).items() if k in CONTENT_LOCALES}
    name = {k: v for k, v in name.items() if v}
    if not name:
        raise TenantError("name", "required", _l("Enter the name in at least one language."))
    if any(len(v) > MAX_NAME_LENGTH for v in name.values()):
        raise TenantError("name", "too_long",
                          _l("A name is at most %(max)d characters.", max=MAX_NAME_LENGTH))
    return name


def _clean_locales(content_locales: list[str] | None, default_locale: str | None) -> tuple[list, str]:
    locales = list(dict.fromkeys(content_locales or []))
    if not locales:
        raise TenantError("content_locales", "required", _l("Choose at least one content language."))
    if any(loc not in CONTENT_LOCALES for loc in locales):
        raise TenantError("content_locales", "invalid",
                          _l("Content languages are Swedish and Finnish."))
    default = default_locale or locales[0]
    if default not in locales:
        raise TenantError("default_locale", "not_content_locale",
                          _l("The default language must be one of the content languages."))
    return locales, default


def validate_tenant(data: TenantData) -> dict:
    """The values of a new tenant; TenantError (a ValueError) with a readable message."""
    slug = (data.slug or "").strip()
    if not SLUG_PATTERN.match(slug):
        raise TenantError("slug", "invalid", _l(
            "Use 1-63 lower-case letters, digits and hyphens, not starting or ending with a hyphen."))
    if data.kind not in {k.value for k in TenantKind}:
        raise TenantError("kind", "invalid", _l("Choose a kind of tenant."))
    if data.country not in DEFAULTS_BY_COUNTRY:
        raise TenantError("country", "invalid", _l("The country must be Finland or Sweden."))
    name = _clean_name(data.name)
    default_locales, default_currency = DEFAULTS_BY_COUNTRY[data.country]
    locales, default_locale = _clean_locales(data.content_locales or default_locales,
                                             data.default_locale)
    currency = data.currency or default_currency
    if currency not in CURRENCIES:
        raise TenantError("currency", "invalid", _l("The currency must be EUR or SEK."))
    return {"slug": slug, "kind": data.kind, "name": name, "content_locales": locales,
            "default_locale": default_locale, "country": data.country, "currency": currency}


def create_tenant(data: TenantData, actor=None) -> Tenant:
    """Create a tenant with defaults for its country."""
    values = validate_tenant(data)
    with platform_scope("tenant provisioning"):
        if db.session.scalar(select(Tenant.id).where(Tenant.slug == values["slug"])):
            raise TenantError("slug", "taken", _l(
                "A tenant with the address %(slug)s exists already.", slug=values["slug"]))
        tenant = Tenant(status=TenantStatus.ACTIVE, settings={}, **values)
        db.session.add(tenant)
        db.session.flush()
        audit.record(
            "tenant.created", tenant, actor=actor, tenant_id=tenant.id,
            after=audit.snapshot(tenant, TENANT_FIELDS),
        )
    return tenant


def set_tenant_status(tenant: Tenant, status: str, actor=None) -> Tenant:
    """Suspend or reactivate a tenant (a suspended tenant's pages answer 404)."""
    if status not in {s.value for s in TenantStatus}:
        raise TenantError("status", "invalid", _l("The status must be active or suspended."))
    if tenant.status == status:
        return tenant
    before = audit.snapshot(tenant, ["status"])
    tenant.status = status
    with platform_scope("tenant provisioning"):
        audit.record("tenant.status_changed", tenant, actor=actor, tenant_id=tenant.id,
                     before=before, after=audit.snapshot(tenant, ["status"]))
    return tenant


def update_tenant_settings(tenant: Tenant, data: TenantSettingsData, actor=None) -> Tenant:
    """A tenant administrator changes the names, the content languages and the default language.

    Content already written in a language that is no longer a content language is kept.
    """
    name = _clean_name(data.name)
    if not data.default_locale:
        raise TenantError("default_locale", "required", _l("Choose the default language."))
    locales, default_locale = _clean_locales(data.content_locales, data.default_locale)
    # The order decides the order of inputs in forms: languages kept stay where they were.
    current = list(tenant.content_locales or [])
    locales = [loc for loc in current if loc in locales] + [loc for loc in locales if loc not in current]
    before = audit.snapshot(tenant, SETTINGS_FIELDS)
    tenant.name = name
    tenant.content_locales = locales
    tenant.default_locale = default_locale
    db.session.flush()
    after = audit.snapshot(tenant, SETTINGS_FIELDS)
    if after != before:
        audit.record("tenant.settings_changed", tenant, actor=actor, tenant_id=tenant.id,
                     before=before, after=after)
    return tenant


# --- the operator's overview -------------------------------------------------------------------


def tenants_statement(*, search: str = "", status: str = "", sort: str = "slug"):
    """Every tenant (tenants are not tenant-owned rows), filtered and sorted."""
    statement = select(Tenant)
    search = (search or "").strip()
    if search:
        escaped = search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        statement = statement.where(or_(
            Tenant.slug.ilike(pattern, escape="\\"),
            *(Tenant.name[loc].as_string().ilike(pattern, escape="\\") for loc in CONTENT_LOCALES),
        ))
    if status in {s.value for s in TenantStatus}:
        statement = statement.where(Tenant.status == status)
    sort = sort if sort in TENANT_SORTS else "slug"
    key, descending = sort.lstrip("-"), sort.startswith("-")
    column = {"slug": Tenant.slug, "created": Tenant.created_at, "status": Tenant.status}[key]
    columns = [column.desc() if descending else column.asc()]
    return statement.order_by(*columns, Tenant.slug.asc())


def tenant_counts(tenant_ids: list[int]) -> dict[int, dict[str, int]]:
    """Members and organisations per tenant, for the operator's overview."""
    counts = {tenant_id: {"members": 0, "organisations": 0} for tenant_id in tenant_ids}
    if not tenant_ids:
        return counts
    with platform_scope("the operator's overview counts the rows of every tenant"):
        for key, model in (("members", Membership), ("organisations", Organisation)):
            rows = db.session.execute(
                select(model.tenant_id, func.count(model.id))
                .where(model.tenant_id.in_(tenant_ids))
                .group_by(model.tenant_id)
            ).all()
            for tenant_id, count in rows:
                counts[tenant_id][key] = count
    return counts
