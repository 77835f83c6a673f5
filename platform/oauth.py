"""OAuth 2 for machine clients: the token endpoint and bearer-token resource protection.

Token endpoint ``POST /oauth/token`` (authlib's AuthorizationServer, client credentials grant):

- the client authenticates with ``client_secret_basic`` (HTTP Basic) or ``client_secret_post``
  (``client_id`` and ``client_secret`` in the form body);
- client secrets are stored as argon2 hashes (``ApiClient.secret_hash``), access tokens as
  SHA-256 hashes (``ApiToken.token_hash``); the plain token exists only in the response;
- a token expires after ``SAMVERKAN_TOKEN_SECONDS`` and belongs to the client's tenant;
- ``scope`` may narrow the client's scopes; without it the token gets all of them;
- unknown, revoked (or suspended-tenant) clients and wrong secrets all get the same
  ``invalid_client`` answer after the same work.

Resource protection (:func:`require_api`) on ``/api/v1/t/<slug>/...``:

- ``Authorization: Bearer <token>``: the token is looked up in the URL's tenant only. A token
  of another tenant is therefore unknown there and gets **401 invalid_token**, exactly like a
  made-up token: nothing about the other tenant, and none of its data, is revealed.
  Any request carrying an ``Authorization`` header is authenticated by it alone.
- otherwise the signed-in session of a member (same-origin use); a signed-in non-member gets
  404 (the tenant does not exist for them, as on the pages), no credentials at all 401.
  Session requests that change state need the ``X-CSRFToken`` header (``platform/api.py``).

Either way the request gets a :class:`~samverkan.tenants.permissions.Principal`, and the same
:class:`~samverkan.tenants.permissions.Rule` objects as the pages decide.
"""

from __future__ import annotations

import hashlib
import http
import secrets
from collections.abc import Callable
from copy import deepcopy
from datetime import UTC, datetime, timedelta
from functools import wraps

from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import ClientMixin, TokenMixin, grants
from authlib.oauth2.rfc6749.errors import (
    InsecureTransportError,
    InvalidScopeError,
)
from authlib.oauth2.rfc6749.util import list_to_scope, scope_to_list
from authlib.oauth2.rfc6750 import BearerTokenValidator, InsufficientScopeError
from flask import Blueprint, Flask, current_app, g, request
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from samverkan.platform import audit
from samverkan.platform.api import abort_problem
from samverkan.platform.auth import verify_password
from samverkan.platform.db import db, platform_scope, tenant_scope, utcnow

TOKEN_PATH = "/oauth/token"  # noqa: S105 - a URL path
REALM = "samverkan"
CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

#: The fixed list of scopes an API client can be given, with what each allows.
API_SCOPES = {
    "read": _l("Read the tenant's data (organisations, agreements, goals, reports)."),
    "report": _l("Submit outcome reports for the client's organisation."),
}


def hash_token(token: str) -> str:
    """Access tokens are stored as their SHA-256 (they are long and random: no salt needed)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _aware(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)  # SQLite returns naive datetimes
    return moment


# --- token endpoint --------------------------------------------------------------------------


class OAuthClient(ClientMixin):
    """authlib's view of an ``ApiClient`` (or of a client id that matches none)."""

    def __init__(self, client_id: str, row=None, tenant=None):
        self.requested_id = client_id
        self.row = row
        self.tenant = tenant

    @property
    def usable(self) -> bool:
        return (self.row is not None and self.row.revoked_at is None
                and self.tenant is not None and self.tenant.is_active)

    @property
    def scopes(self) -> list[str]:
        return list(self.row.scopes or []) if self.row is not None else []

    def get_client_id(self):
        return self.requested_id

    def check_client_secret(self, client_secret):
        # Verified against the argon2 hash; a dummy hash when there is no such client, so
        # unknown, revoked and wrong-secret attempts take the same time and get the same answer.
        matches = verify_password(self.row.secret_hash if self.row is not None else None,
                                  client_secret)
        return matches and self.usable

    def check_endpoint_auth_method(self, method, endpoint):
        return endpoint == "token" and method in CLIENT_AUTH_METHODS

    def check_grant_type(self, grant_type):
        return grant_type == "client_credentials"

    def get_allowed_scope(self, scope):
        if not scope:
            return list_to_scope(self.scopes)
        return list_to_scope([s for s in scope_to_list(scope) if s in self.scopes])

    def get_default_redirect_uri(self):
        return None

    def check_redirect_uri(self, redirect_uri):
        return False

    def check_response_type(self, response_type):
        return False


class ClientCredentialsGrant(grants.ClientCredentialsGrant):
    """Client credentials with HTTP Basic or form-posted secrets, scopes limited to the client's."""

    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH_METHODS

    def validate_requested_scope(self):
        requested = set(scope_to_list(self.request.payload.scope) or [])
        if requested - set(self.request.client.scopes):
            raise InvalidScopeError(description="The client may not ask for these scopes.")

    def create_token_response(self):
        scope = self.request.client.get_allowed_scope(self.request.payload.scope)
        token = self.generate_token(scope=scope, include_refresh_token=False)
        self.save_token(token)
        return 200, token, self.TOKEN_RESPONSE_HEADER


def _query_client(client_id: str) -> OAuthClient:
    from samverkan.tenants.models import ApiClient, Tenant

    with platform_scope("an OAuth client is found before its tenant is known"):
        row = db.session.scalar(select(ApiClient).where(ApiClient.client_id == client_id))
        tenant = db.session.get(Tenant, row.tenant_id) if row is not None else None
    return OAuthClient(client_id, row, tenant)


def _generate_token(grant_type, client, user=None, scope=None, expires_in=None,
                    include_refresh_token=False):
    token = {
        "token_type": "Bearer",
        "access_token": secrets.token_urlsafe(32),
        "expires_in": int(current_app.config["SAMVERKAN_TOKEN_SECONDS"]),
    }
    if scope:
        token["scope"] = scope
    return token


def _save_token(token: dict, oauth_request) -> None:
    from samverkan.tenants.models import ApiToken

    client: OAuthClient = oauth_request.client
    now = utcnow()
    with tenant_scope(client.row.tenant_id):
        row = ApiToken(
            tenant_id=client.row.tenant_id,
            client_id=client.row.id,
            token_hash=hash_token(token["access_token"]),
            scope=token.get("scope", ""),
            issued_at=now,
            expires_at=now + timedelta(seconds=token["expires_in"]),
        )
        db.session.add(row)
        db.session.flush()
        audit.record("api_token.issued", row, after={
            "client_id": client.row.client_id, "scope": row.scope, "expires_at": row.expires_at,
        })


authorization_server = AuthorizationServer(query_client=_query_client, save_token=_save_token)
authorization_server.register_grant(ClientCredentialsGrant)

oauth_blueprint = Blueprint("oauth", __name__)


@oauth_blueprint.post(TOKEN_PATH)
def issue_token():
    """Issue an access token to an API client (RFC 6749 client credentials)."""
    try:
        response = authorization_server.create_token_response()
    except InsecureTransportError as error:
        return authorization_server.handle_error_response(None, error)
    db.session.commit()
    return response


# --- resource protection ---------------------------------------------------------------------


class StoredToken(TokenMixin):
    """authlib's view of an ``ApiToken``."""

    def __init__(self, row):
        self.row = row

    def get_scope(self):
        return self.row.scope

    def get_expires_in(self):
        return int((_aware(self.row.expires_at) - _aware(self.row.issued_at)).total_seconds())

    def is_expired(self):
        return _aware(self.row.expires_at) <= utcnow()

    def is_revoked(self):
        return self.row.revoked_at is not None or self.row.client.revoked_at is not None

    def get_client(self):
        return self.row.client

    def get_user(self):
        return None

    def check_client(self, client):
        return self.row.client_id == getattr(client, "id", None)


class TenantBearerTokenValidator(BearerTokenValidator):
    """Finds a token among the current (URL) tenant's tokens only."""

    def authenticate_token(self, token_string):
        from samverkan.tenants.models import ApiToken

        row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token_string)))
        return StoredToken(row) if row is not None else None


resource_protector = ResourceProtector()
resource_protector.register_token_validator(TenantBearerTokenValidator(realm=REALM))


def _oauth_problem(error: OAuth2Error):
    """A problem document for a bearer-token error, with RFC 6750's WWW-Authenticate header."""
    status = error.status_code or 401
    challenge = f'Bearer realm="{REALM}"'
    if error.error in {"invalid_token", "insufficient_scope"}:
        challenge += f', error="{error.error}"'
    detail = {
        "invalid_token": gettext("The access token is unknown, expired or revoked."),
        "insufficient_scope": gettext("The access token does not have the scope this needs."),
    }.get(error.error, gettext("Send an access token: Authorization: Bearer <token>."))
    abort_problem(status, detail, headers={"WWW-Authenticate": challenge}, error=error.error)


def api_principal(scope: str | None = None):
    """The principal of this API request in the URL's tenant, or stop with 401/403/404."""
    from flask_login import current_user

    from samverkan.tenants.permissions import principal_for_client, principal_for_user

    if "principal" in g and g.principal is not None:
        return g.principal
    tenant = g.get("tenant")
    if tenant is None:
        abort_problem(404)
    if "Authorization" in request.headers:
        try:
            token = resource_protector.acquire_token()
        except OAuth2Error as error:
            _oauth_problem(error)
        principal = principal_for_client(tenant, token.row.client, set(scope_to_list(token.row.scope) or []))
        g.api_token = token.row
    elif current_user.is_authenticated:
        principal = principal_for_user(tenant, current_user)
        if principal is None:
            abort_problem(404)
    else:
        abort_problem(401, gettext("Sign in, or send an access token: Authorization: Bearer <token>."),
                      headers={"WWW-Authenticate": f'Bearer realm="{REALM}"'})
    if scope and principal.scopes is not None and scope not in principal.scopes:
        _oauth_problem(InsufficientScopeError())
    g.principal = principal
    return principal


def require_api(rule, *, scope: str | None = None) -> Callable:
    """API decorator: authenticate (bearer token or session), then check ``rule``.

    401 without valid credentials, 404 for a signed-in non-member, 403 when the token lacks
    ``scope`` or the rule refuses. Place it right under ``@blueprint.route`` so that it runs
    before arguments are parsed; it documents its responses and security in the OpenAPI document.
    """

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            principal = api_principal(scope)
            if not rule(principal):
                abort_problem(403, gettext("Your roles or scopes do not allow this."))
            return view(*args, **kwargs)

        wrapped._apidoc = deepcopy(getattr(view, "_apidoc", {}))
        manual = wrapped._apidoc.setdefault("manual_doc", {})
        responses = manual.setdefault("responses", {})
        for code in (401, 403, 404):
            responses.setdefault(code, http.HTTPStatus(code).name)
        manual["security"] = [{"oauth2": [scope] if scope else []}, {"session": []}]
        wrapped.permission_rule = rule
        wrapped.api_scope = scope
        return wrapped

    return decorator


# --- OpenAPI description of the token endpoint ---------------------------------------------


def _document_token_endpoint(spec, rule) -> None:
    spec.tag({"name": "Authentication",
              "description": "OAuth 2 client credentials. API clients are created by a tenant's "
                             "administrator; the secret is shown once."})
    spec.path(rule=rule, operations={"post": {
        "tags": ["Authentication"],
        "summary": "Get an access token",
        "description": "Client credentials grant (RFC 6749 section 4.4). Authenticate with HTTP "
                       "Basic (client_secret_basic) or with client_id and client_secret in the "
                       "form (client_secret_post). Send the token as `Authorization: Bearer "
                       "<access_token>` to /api/v1/t/<slug>/... of the client's tenant.",
        "security": [],
        "requestBody": {"required": True, "content": {"application/x-www-form-urlencoded": {
            "schema": {"type": "object", "required": ["grant_type"], "properties": {
                "grant_type": {"type": "string", "enum": ["client_credentials"]},
                "scope": {"type": "string", "description": "Space-separated; defaults to all "
                                                          "of the client's scopes.",
                          "example": "read report"},
                "client_id": {"type": "string", "description": "client_secret_post only."},
                "client_secret": {"type": "string", "description": "client_secret_post only."},
            }},
            "example": {"grant_type": "client_credentials", "scope": "read"},
        }}},
        "responses": {
            "200": {"description": "An access token", "content": {"application/json": {
                "schema": {"type": "object", "properties": {
                    "access_token": {"type": "string"},
                    "token_type": {"type": "string", "enum": ["Bearer"]},
                    "expires_in": {"type": "integer", "description": "Seconds."},
                    "scope": {"type": "string"},
                }},
                "example": {"access_token": "pF4nq6m…", "token_type": "Bearer",
                            "expires_in": 3600, "scope": "read report"},
            }}},
            "400": {"description": "OAuth 2 error (invalid_request, invalid_scope, "
                                   "unsupported_grant_type)",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/OAuthError"}}}},
            "401": {"description": "invalid_client: unknown or revoked client, or a wrong secret",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/OAuthError"}}}},
        },
    }})
    spec.components.schema("OAuthError", {"type": "object", "properties": {
        "error": {"type": "string", "example": "invalid_client"},
        "error_description": {"type": "string"},
    }})


def init_app(app: Flask) -> None:
    from samverkan.platform.api import api
    from samverkan.platform.extensions import csrf

    authorization_server.init_app(app)
    authorization_server.register_token_generator("default", _generate_token)
    app.register_blueprint(oauth_blueprint)
    csrf.exempt(issue_token)
    _document_token_endpoint(api.spec, next(app.url_map.iter_rules("oauth.issue_token")))
