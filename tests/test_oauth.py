"""OAuth 2 client credentials at /oauth/token and bearer tokens on the API."""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select

from samverkan.platform.db import db, platform_scope, tenant_scope, utcnow


def create_api_client(app, tenant, *, organisation=None, scopes=("read", "report"), name="Integration"):
    """An API client made by the service, as the admin page does; returns (client id, secret, id)."""
    from samverkan.tenants.models import Tenant
    from samverkan.tenants.services.api_clients import ApiClientData, create_client

    with app.app_context(), tenant_scope(tenant.id):
        row, secret = create_client(
            db.session.get(Tenant, tenant.id),
            ApiClientData(name=name, organisation_id=organisation.id if organisation else None,
                          scopes=list(scopes)),
        )
        db.session.commit()
        return row.client_id, secret, row.id


def basic(client_id: str, secret: str) -> dict:
    value = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {value}"}


def get_token(client, client_id, secret, **form):
    return client.post("/oauth/token", data={"grant_type": "client_credentials", **form},
                       headers=basic(client_id, secret))


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def setup(app, factory):
    vasa = factory.tenant("vasa")
    falun = factory.tenant("falun", country="SE")
    provider = factory.organisation(vasa, kind="provider")
    client_id, secret, row_id = create_api_client(app, vasa, organisation=provider)
    return {"vasa": vasa, "falun": falun, "provider": provider, "client_id": client_id,
            "secret": secret, "row_id": row_id}


def test_token_with_http_basic_authentication(app, client, setup):
    response = get_token(client, setup["client_id"], setup["secret"])
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == app.config["SAMVERKAN_TOKEN_SECONDS"]
    assert body["scope"] == "read report"
    assert response.headers["Cache-Control"] == "no-store"
    me = client.get("/api/v1/t/vasa/me", headers=bearer(body["access_token"]))
    assert me.status_code == 200
    assert me.get_json()["client"]["client_id"] == setup["client_id"]


def test_token_with_client_secret_post(client, setup):
    response = client.post("/oauth/token", data={
        "grant_type": "client_credentials", "client_id": setup["client_id"],
        "client_secret": setup["secret"],
    })
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["access_token"]


def test_tokens_are_stored_hashed_bound_to_the_tenant_and_expire(app, client, setup):
    from samverkan.tenants.models import ApiToken

    token = get_token(client, setup["client_id"], setup["secret"]).get_json()["access_token"]
    with app.app_context(), platform_scope("test reads every token"):
        rows = db.session.scalars(select(ApiToken)).all()
        assert len(rows) == 1
        row = rows[0]
        assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert token not in {row.token_hash, row.scope}
        assert row.tenant_id == setup["vasa"].id
        lifetime = row.expires_at - row.issued_at
        assert lifetime == timedelta(seconds=app.config["SAMVERKAN_TOKEN_SECONDS"])


def test_token_issuance_is_audited(app, client, setup):
    from samverkan.platform.audit import AuditEntry

    get_token(client, setup["client_id"], setup["secret"])
    with app.app_context(), tenant_scope(setup["vasa"].id):
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "api_token.issued"))
    assert entry is not None
    assert entry.after["client_id"] == setup["client_id"]


@pytest.mark.parametrize("scheme", ["basic", "post"])
def test_wrong_secret_and_unknown_client_get_the_same_invalid_client(client, setup, scheme):
    def attempt(client_id, secret):
        if scheme == "basic":
            return get_token(client, client_id, secret)
        return client.post("/oauth/token", data={"grant_type": "client_credentials",
                                                 "client_id": client_id, "client_secret": secret})

    wrong = attempt(setup["client_id"], "not-the-secret")
    unknown = attempt("no-such-client", "not-the-secret")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.get_json() == unknown.get_json()
    assert wrong.get_json()["error"] == "invalid_client"


def test_missing_credentials_and_unsupported_grant(client, setup):
    assert client.post("/oauth/token", data={"grant_type": "client_credentials"}).get_json()[
        "error"] == "invalid_client"
    response = client.post("/oauth/token", data={"grant_type": "password"},
                           headers=basic(setup["client_id"], setup["secret"]))
    assert response.status_code == 400
    assert response.get_json()["error"] == "unsupported_grant_type"


def test_revoked_client_gets_invalid_client_and_its_tokens_stop_working(app, client, setup):
    from samverkan.tenants.models import ApiClient
    from samverkan.tenants.services.api_clients import revoke_client

    token = get_token(client, setup["client_id"], setup["secret"]).get_json()["access_token"]
    assert client.get("/api/v1/t/vasa/me", headers=bearer(token)).status_code == 200
    with app.app_context(), tenant_scope(setup["vasa"].id):
        revoke_client(db.session.get(ApiClient, setup["row_id"]))
        db.session.commit()
    response = get_token(client, setup["client_id"], setup["secret"])
    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_client"
    refused = client.get("/api/v1/t/vasa/me", headers=bearer(token))
    assert refused.status_code == 401
    assert refused.get_json()["error"] == "invalid_token"


def test_expired_token_is_refused(app, client, setup):
    from samverkan.tenants.models import ApiToken

    token = get_token(client, setup["client_id"], setup["secret"]).get_json()["access_token"]
    with app.app_context(), tenant_scope(setup["vasa"].id):
        row = db.session.scalar(select(ApiToken))
        row.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    response = client.get("/api/v1/t/vasa/me", headers=bearer(token))
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_token_lifetime_follows_the_configuration(app, client, setup):
    app.config["SAMVERKAN_TOKEN_SECONDS"] = 120
    body = get_token(client, setup["client_id"], setup["secret"]).get_json()
    assert body["expires_in"] == 120


def test_token_of_one_tenant_is_unknown_in_another(app, client, factory, setup):
    falun = setup["falun"]
    factory.organisation(falun, kind="employer", name={"sv": "Falu hemlighet"})
    token = get_token(client, setup["client_id"], setup["secret"]).get_json()["access_token"]
    for path in ("/api/v1/t/falun/me", "/api/v1/t/falun/organisations"):
        response = client.get(path, headers=bearer(token))
        assert response.status_code == 401
        assert response.get_json()["error"] == "invalid_token"
        assert "Falu" not in response.get_data(as_text=True)


def test_scope_can_be_narrowed_but_not_widened(client, setup):
    narrowed = get_token(client, setup["client_id"], setup["secret"], scope="read")
    assert narrowed.get_json()["scope"] == "read"
    widened = get_token(client, setup["client_id"], setup["secret"], scope="read admin")
    assert widened.status_code == 400
    assert widened.get_json()["error"] == "invalid_scope"


def test_token_without_the_read_scope_cannot_read(app, client, setup):
    client_id, secret, _ = create_api_client(app, setup["vasa"], scopes=("report",))
    token = get_token(client, client_id, secret).get_json()["access_token"]
    response = client.get("/api/v1/t/vasa/organisations", headers=bearer(token))
    assert response.status_code == 403
    assert response.get_json()["error"] == "insufficient_scope"
    # Who-am-I needs no particular scope.
    assert client.get("/api/v1/t/vasa/me", headers=bearer(token)).status_code == 200


@pytest.mark.parametrize("header", ["Bearer not-a-token", "Basic Zm9vOmJhcg==", "Bearer", ""])
def test_bad_authorization_headers_are_401_problems(client, setup, header):
    response = client.get("/api/v1/t/vasa/me", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_authorization_header_wins_over_a_session(client, factory, sign_in_as, setup):
    factory.user("anna@example.org", tenant=setup["vasa"], roles=["admin"])
    sign_in_as(client, "anna@example.org")
    assert client.get("/api/v1/t/vasa/me").get_json()["kind"] == "person"
    response = client.get("/api/v1/t/vasa/me", headers=bearer("made-up"))
    assert response.status_code == 401


def test_token_endpoint_answers_other_methods_with_a_problem(client):
    response = client.get("/oauth/token")
    assert response.status_code == 405
    assert response.mimetype == "application/problem+json"
    assert "POST" in response.headers["Allow"]


def test_demo_client_gets_a_token_and_acts_for_the_provider(app, client):
    from samverkan.platform.demo import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, seed

    with app.app_context():
        seed()
    token = get_token(client, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET).get_json()["access_token"]
    me = client.get("/api/v1/t/kustregionen/me", headers=bearer(token)).get_json()
    assert me["kind"] == "client"
    assert me["roles"] == ["provider_reporter"]
    assert me["organisation"]["kind"] == "provider"
    assert me["scopes"] == ["read", "report"]
