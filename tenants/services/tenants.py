"""Tenant provisioning (platform operator)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select

from samverkan.platform import audit
from samverkan.platform.db import db, platform_scope
from samverkan.tenants.models import Tenant, TenantKind, TenantStatus

SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
DEFAULTS_BY_COUNTRY = {"FI": (["fi", "sv"], "EUR"), "SE": (["sv"], "SEK")}
TENANT_FIELDS = ["slug", "kind", "name", "content_locales", "default_locale", "country",
                 "currency", "status"]


@dataclass
class TenantData:
    slug: str
    kind: str
    name: dict
    country: str
    content_locales: list[str] | None = None
    default_locale: str | None = None
    currency: str | None = None


def validate_tenant(data: TenantData) -> None:
    """Raise ValueError with a readable message for bad tenant data."""
    if not SLUG_PATTERN.match(data.slug or ""):
        raise ValueError("slug: lower-case letters, digits and hyphens, 1-63 characters")
    if data.kind not in {k.value for k in TenantKind}:
        raise ValueError(f"kind: one of {', '.join(k.value for k in TenantKind)}")
    if data.country not in DEFAULTS_BY_COUNTRY:
        raise ValueError("country: FI or SE")
    if not any((v or "").strip() for v in data.name.values()):
        raise ValueError("name: at least one language")


def create_tenant(data: TenantData, actor=None) -> Tenant:
    """Create a tenant with defaults for its country."""
    validate_tenant(data)
    locales, currency = DEFAULTS_BY_COUNTRY[data.country]
    content_locales = data.content_locales or locales
    if any(loc not in ("sv", "fi") for loc in content_locales):
        raise ValueError("content locales: sv and/or fi")
    with platform_scope("tenant provisioning"):
        if db.session.scalar(select(Tenant.id).where(Tenant.slug == data.slug)):
            raise ValueError(f"a tenant with the slug {data.slug!r} exists already")
        tenant = Tenant(
            slug=data.slug,
            kind=data.kind,
            name={k: v.strip() for k, v in data.name.items() if (v or "").strip()},
            content_locales=content_locales,
            default_locale=data.default_locale or content_locales[0],
            country=data.country,
            currency=data.currency or currency,
            status=TenantStatus.ACTIVE,
            settings={},
        )
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
        raise ValueError("status: active or suspended")
    before = audit.snapshot(tenant, ["status"])
    tenant.status = status
    with platform_scope("tenant provisioning"):
        audit.record("tenant.status_changed", tenant, actor=actor, tenant_id=tenant.id,
                     before=before, after=audit.snapshot(tenant, ["status"]))
    return tenant
