"""The current tenant, taken from the URL (``/t/<slug>/...`` and ``/api/v1/t/<slug>/...``)."""

from __future__ import annotations

from flask import Flask, abort, g
from sqlalchemy import select

from samverkan.platform.db import db, set_tenant_id, set_user_id

TENANT_URL_ARG = "slug"


def load_tenant(_endpoint: str | None, view_args: dict | None) -> None:
    """Resolve the tenant of this request; an unknown or suspended slug is 404."""
    from samverkan.tenants.models import Tenant

    g.tenant = None
    set_tenant_id(None)
    if not view_args or TENANT_URL_ARG not in view_args:
        return
    slug = view_args.pop(TENANT_URL_ARG)
    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is None or not tenant.is_active:
        abort(404)
    g.tenant = tenant
    set_tenant_id(tenant.id)


def add_tenant_to_urls(endpoint: str, values: dict) -> None:
    """Let ``url_for`` fill in the current tenant's slug."""
    tenant = g.get("tenant")
    if tenant is None or TENANT_URL_ARG in values:
        return
    from flask import current_app

    if current_app.url_map.is_endpoint_expecting(endpoint, TENANT_URL_ARG):
        values[TENANT_URL_ARG] = tenant.slug


def current_tenant():
    return g.get("tenant")


def _reset_context(exc=None) -> None:
    if exc is not None:
        # After a database error PostgreSQL refuses every statement of the transaction: end it
        # before the settings below are applied to it (the request's work is lost anyway).
        db.session.rollback()
    set_tenant_id(None)
    set_user_id(None)


def init_app(app: Flask) -> None:
    app.url_value_preprocessor(load_tenant)
    app.url_defaults(add_tenant_to_urls)
    app.teardown_request(_reset_context)
