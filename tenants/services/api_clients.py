"""API clients of a tenant: machine integrations using OAuth 2 client credentials.

A client is bound to the tenant, optionally to one of its organisations (it then acts for that
organisation, e.g. as its reporter) and to scopes from :data:`API_SCOPES`. Its secret is
generated here, returned once to be shown to the administrator, and stored as an argon2 hash.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from samverkan.platform import audit
from samverkan.platform.auth import hash_password, verify_password
from samverkan.platform.db import current_tenant_id, db, utcnow
from samverkan.platform.oauth import API_SCOPES
from samverkan.tenants.models import ApiClient, ApiToken, Organisation, Tenant

API_CLIENT_FIELDS = ["client_id", "name", "organisation_id", "scopes", "revoked_at"]
MAX_NAME_LENGTH = 200


class ApiClientError(ValueError):
    """Invalid API client data; ``field`` names the offending field, ``code`` the problem."""

    def __init__(self, field: str, code: str, message):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code


@dataclass
class ApiClientData:
    name: str
    organisation_id: int | None = None
    scopes: list[str] = field(default_factory=list)


def generate_client_id(tenant: Tenant) -> str:
    """A readable, unique client id: the tenant's slug and a random part."""
    return f"{tenant.slug[:40]}-{secrets.token_hex(8)}"


def generate_secret() -> str:
    return secrets.token_urlsafe(32)


def _validated(data: ApiClientData) -> dict:
    name = (data.name or "").strip()
    if not name:
        raise ApiClientError("name", "required", _l("Enter a name for the client."))
    if len(name) > MAX_NAME_LENGTH:
        raise ApiClientError("name", "too_long",
                             _l("A name is at most %(max)d characters.", max=MAX_NAME_LENGTH))
    organisation_id = None
    if data.organisation_id:
        organisation = db.session.scalar(
            select(Organisation).where(Organisation.id == data.organisation_id)
        )
        if organisation is None or organisation.is_archived:
            raise ApiClientError("organisation", "invalid",
                                 _l("Choose one of the tenant's organisations."))
        organisation_id = organisation.id
    scopes = sorted(set(data.scopes or []))
    if not scopes:
        raise ApiClientError("scopes", "required", _l("Choose at least one scope."))
    if any(scope not in API_SCOPES for scope in scopes):
        raise ApiClientError("scopes", "invalid", _l("Choose scopes from the list."))
    return {"name": name, "organisation_id": organisation_id, "scopes": scopes}


def create_client(tenant: Tenant, data: ApiClientData, actor=None) -> tuple[ApiClient, str]:
    """Create a client; returns it with its secret, which is never stored or shown again."""
    values = _validated(data)
    secret = generate_secret()
    client = ApiClient(
        tenant_id=tenant.id,
        client_id=generate_client_id(tenant),
        secret_hash=hash_password(secret),
        created_by_id=getattr(actor, "id", None),
        **values,
    )
    db.session.add(client)
    db.session.flush()
    audit.record("api_client.created", client, actor=actor,
                 after=audit.snapshot(client, API_CLIENT_FIELDS))
    return client, secret


def revoke_client(client: ApiClient, actor=None) -> ApiClient:
    """Revoke a client and every token it holds; integrations using it stop at once."""
    if client.revoked_at is not None:
        return client
    before = audit.snapshot(client, API_CLIENT_FIELDS)
    now = utcnow()
    client.revoked_at = now
    db.session.execute(
        update(ApiToken)
        .where(ApiToken.client_id == client.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    db.session.flush()
    audit.record("api_client.revoked", client, actor=actor, before=before,
                 after=audit.snapshot(client, API_CLIENT_FIELDS))
    return client


def ensure_client(client_id: str, secret: str, name: str, organisation_id: int | None,
                  scopes: list[str], actor=None) -> ApiClient:
    """Create or update a client with a known id and secret in the current tenant (demo seed).

    Idempotent: when the client is already as asked, nothing changes and nothing is audited.
    """
    tenant_id = current_tenant_id()
    if tenant_id is None:
        raise RuntimeError("ensure_client needs a tenant in context")
    values = _validated(ApiClientData(name=name, organisation_id=organisation_id, scopes=scopes))
    client = db.session.scalar(select(ApiClient).where(ApiClient.client_id == client_id))
    if client is None:
        client = ApiClient(tenant_id=tenant_id, client_id=client_id,
                           secret_hash=hash_password(secret), created_by_id=getattr(actor, "id", None),
                           **values)
        db.session.add(client)
        db.session.flush()
        audit.record("api_client.created", client, actor=actor,
                     after=audit.snapshot(client, API_CLIENT_FIELDS))
        return client
    before = audit.snapshot(client, API_CLIENT_FIELDS)
    for key, value in values.items():
        if getattr(client, key) != value:
            setattr(client, key, value)
    client.revoked_at = None
    secret_changed = not verify_password(client.secret_hash, secret)
    if secret_changed:
        client.secret_hash = hash_password(secret)
    db.session.flush()
    after = audit.snapshot(client, API_CLIENT_FIELDS)
    if after != before or secret_changed:
        audit.record("api_client.updated", client, actor=actor, before=before,
                     after=dict(after, secret_changed=secret_changed))
    return client


def clients_statement(*, status: str = "active", search: str = "", sort: str = "name"):
    """The tenant's clients for the admin list: ``status`` active/revoked/all, search, sort."""
    statement = select(ApiClient)
    if status == "active":
        statement = statement.where(ApiClient.revoked_at.is_(None))
    elif status == "revoked":
        statement = statement.where(ApiClient.revoked_at.is_not(None))
    term = (search or "").strip()
    if term:
        escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        statement = statement.where(
            ApiClient.name.ilike(pattern, escape="\\") | ApiClient.client_id.ilike(pattern, escape="\\")
        )
    columns = {"name": ApiClient.name, "created": ApiClient.created_at}
    key = sort.lstrip("-")
    column = columns.get(key, ApiClient.name)
    order = column.desc() if sort.startswith("-") else column.asc()
    return statement.order_by(order, ApiClient.id)
