"""The API clients administration: list, create with the secret shown once, revoke."""

from __future__ import annotations

import base64
import re

import pytest
from sqlalchemy import select

from samverkan.platform.db import db, platform_scope, tenant_scope


@pytest.fixture
def world(factory):
    vasa = factory.tenant("vasa")
    falun = factory.tenant("falun", country="SE")
    provider = factory.organisation(vasa, kind="provider", name={"sv": "Yrkesinstitutet",
                                                                  "fi": "Ammattiopisto"})
    falun_org = factory.organisation(falun, kind="provider", name={"sv": "Falu anordnare"})
    factory.user("admin@example.org", tenant=vasa, roles=["admin"], locale="en")
    factory.user("viewer@example.org", tenant=vasa, roles=["viewer"], locale="en")
    factory.user("purchaser@example.org", tenant=vasa, roles=["purchaser", "coordinator"], locale="en")
    factory.user("falun@example.org", tenant=falun, roles=["admin"], locale="en")
    return {"vasa": vasa, "falun": falun, "provider": provider, "falun_org": falun_org}


def create(client, **form):
    data = {"name": "Student administration", "organisation": "", "scopes": ["read"]}
    data.update(form)
    return client.post("/t/vasa/api-clients/new", data=data)


def stored_clients(app, tenant):
    from samverkan.tenants.models import ApiClient

    with app.app_context(), tenant_scope(tenant.id):
        rows = db.session.scalars(select(ApiClient).order_by(ApiClient.id)).all()
        for row in rows:
            db.session.expunge(row)
        return rows


def shown_secret(page: str) -> str:
    return re.search(r'<p class="secret" id="client-secret">([^<]+)</p>', page).group(1)


def test_admin_sees_the_page_in_the_navigation_with_an_empty_state(client, world, sign_in_as):
    sign_in_as(client, "admin@example.org")
    home = client.get("/t/vasa/").get_data(as_text=True)
    assert 'href="/t/vasa/api-clients"' in home
    page = client.get("/t/vasa/api-clients")
    assert page.status_code == 200
    assert "There are no API clients yet" in page.get_data(as_text=True)


@pytest.mark.parametrize("email", ["viewer@example.org", "purchaser@example.org"])
def test_other_roles_neither_see_nor_use_it(client, world, sign_in_as, email):
    sign_in_as(client, email)
    assert 'href="/t/vasa/api-clients"' not in client.get("/t/vasa/").get_data(as_text=True)
    assert client.get("/t/vasa/api-clients").status_code == 403
    assert client.get("/t/vasa/api-clients/new").status_code == 403
    assert create(client).status_code == 403


def test_anonymous_is_sent_to_sign_in(client, world):
    response = client.get("/t/vasa/api-clients")
    assert response.status_code == 302
    assert "/signin" in response.headers["Location"]


def test_create_shows_the_secret_once_and_stores_it_hashed(app, client, world, sign_in_as):
    from samverkan.platform.audit import AuditEntry
    from samverkan.platform.auth import verify_password

    sign_in_as(client, "admin@example.org")
    form = client.get("/t/vasa/api-clients/new").get_data(as_text=True)
    assert re.search(rf'<option value="{world["provider"].id}">(Ammattiopisto|Yrkesinstitutet)<', form)
    assert "Falu anordnare" not in form
    response = create(client, organisation=str(world["provider"].id), scopes=["read", "report"])
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    secret = shown_secret(page)
    assert "shown only this once" in page
    [row] = stored_clients(app, world["vasa"])
    assert row.client_id in page
    assert row.name == "Student administration"
    assert row.organisation_id == world["provider"].id
    assert row.scopes == ["read", "report"]
    assert row.secret_hash != secret and row.secret_hash.startswith("$argon2")
    with app.app_context():
        assert verify_password(row.secret_hash, secret)
    # Never shown again: not in the list, not in the audit trail.
    listing = client.get("/t/vasa/api-clients").get_data(as_text=True)
    assert row.client_id in listing and secret not in listing
    with app.app_context(), platform_scope("test reads the audit trail"):
        entries = db.session.scalars(select(AuditEntry)).all()
        assert any(e.action == "api_client.created" for e in entries)
        assert all(secret not in str(e.after) + str(e.before) for e in entries)
    # And it works at the token endpoint.
    credentials = base64.b64encode(f"{row.client_id}:{secret}".encode()).decode()
    token = client.post("/oauth/token", data={"grant_type": "client_credentials"},
                        headers={"Authorization": f"Basic {credentials}"})
    assert token.status_code == 200
    assert token.get_json()["scope"] == "read report"


def test_create_validates_and_keeps_the_input(app, client, world, sign_in_as):
    sign_in_as(client, "admin@example.org")
    response = create(client, name="", scopes=[])
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "error-summary" in page
    assert "Choose at least one scope." in page
    foreign = create(client, organisation=str(world["falun_org"].id))
    assert foreign.status_code == 400
    unknown_scope = create(client, scopes=["admin"])
    assert unknown_scope.status_code == 400
    assert stored_clients(app, world["vasa"]) == []


def test_revoke_asks_for_confirmation_then_revokes_client_and_tokens(app, client, world, sign_in_as):
    from samverkan.platform.audit import AuditEntry
    from samverkan.tenants.models import ApiToken

    sign_in_as(client, "admin@example.org")
    secret = shown_secret(create(client).get_data(as_text=True))
    [row] = stored_clients(app, world["vasa"])
    credentials = base64.b64encode(f"{row.client_id}:{secret}".encode()).decode()
    access = client.post("/oauth/token", data={"grant_type": "client_credentials"},
                         headers={"Authorization": f"Basic {credentials}"}).get_json()["access_token"]
    confirm = client.get(f"/t/vasa/api-clients/{row.id}/revoke")
    assert confirm.status_code == 200
    assert "cannot be undone" in confirm.get_data(as_text=True)
    assert stored_clients(app, world["vasa"])[0].revoked_at is None
    response = client.post(f"/t/vasa/api-clients/{row.id}/revoke")
    assert response.status_code == 302
    assert stored_clients(app, world["vasa"])[0].revoked_at is not None
    with app.app_context(), tenant_scope(world["vasa"].id):
        assert all(t.revoked_at is not None for t in db.session.scalars(select(ApiToken)))
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "api_client.revoked"))
    assert client.get("/api/v1/t/vasa/me",
                      headers={"Authorization": f"Bearer {access}"}).status_code == 401
    listing = client.get("/t/vasa/api-clients?status=revoked").get_data(as_text=True)
    assert row.client_id in listing and "Revoked" in listing
    assert row.client_id not in client.get("/t/vasa/api-clients").get_data(as_text=True)
    again = client.post(f"/t/vasa/api-clients/{row.id}/revoke")
    assert again.status_code == 302


def test_another_tenants_client_is_404(app, client, world, sign_in_as):
    sign_in_as(client, "falun@example.org")
    create_page = client.post("/t/falun/api-clients/new",
                              data={"name": "Falun system", "organisation": "", "scopes": ["read"]})
    assert create_page.status_code == 200
    [falun_client] = stored_clients(app, world["falun"])
    client.post("/signout")
    sign_in_as(client, "admin@example.org")
    assert client.get(f"/t/vasa/api-clients/{falun_client.id}/revoke").status_code == 404
    assert client.post(f"/t/vasa/api-clients/{falun_client.id}/revoke").status_code == 404
    assert client.get("/t/falun/api-clients").status_code == 404
    assert client.post(f"/t/falun/api-clients/{falun_client.id}/revoke").status_code == 404
    assert "Falun system" not in client.get("/t/vasa/api-clients?status=all").get_data(as_text=True)
    assert stored_clients(app, world["falun"])[0].revoked_at is None


def test_list_search_sort_and_pagination(app, client, world, sign_in_as):
    from samverkan.tenants.models import Tenant
    from samverkan.tenants.services.api_clients import ApiClientData, create_client

    with app.app_context(), tenant_scope(world["vasa"].id):
        tenant = db.session.get(Tenant, world["vasa"].id)
        for index in range(23):
            create_client(tenant, ApiClientData(name=f"System {index:02d}", scopes=["read"]))
        create_client(tenant, ApiClientData(name="Payroll bridge", scopes=["read"]))
        db.session.commit()
    sign_in_as(client, "admin@example.org")
    first = client.get("/t/vasa/api-clients").get_data(as_text=True)
    assert "Page 1 of 2" in first
    assert "Payroll bridge" in first and "System 19" not in first
    second = client.get("/t/vasa/api-clients?page=2").get_data(as_text=True)
    assert "System 22" in second
    found = client.get("/t/vasa/api-clients?q=payroll").get_data(as_text=True)
    assert "Payroll bridge" in found and "System 01" not in found
    descending = client.get("/t/vasa/api-clients?sort=-name").get_data(as_text=True)
    assert descending.index("System 22") < descending.index("System 21")
    assert "No API clients match" in client.get("/t/vasa/api-clients?q=zzz").get_data(as_text=True)


def test_ensure_client_is_idempotent(app, world):
    from samverkan.platform.audit import AuditEntry
    from samverkan.platform.auth import verify_password
    from samverkan.tenants.models import ApiClient
    from samverkan.tenants.services.api_clients import ensure_client

    def ensure(secret="first-secret", scopes=("read",)):
        with app.app_context(), tenant_scope(world["vasa"].id):
            ensure_client("fixed-client", secret, "Fixed", world["provider"].id, list(scopes))
            db.session.commit()

    def audit_count():
        with app.app_context(), tenant_scope(world["vasa"].id):
            return len(db.session.scalars(
                select(AuditEntry).where(AuditEntry.entity_type == "ApiClient")).all())

    ensure()
    ensure()
    assert audit_count() == 1
    ensure(secret="second-secret", scopes=("read", "report"))
    assert audit_count() == 2
    [row] = stored_clients(app, world["vasa"])
    assert row.scopes == ["read", "report"]
    with app.app_context():
        assert verify_password(row.secret_hash, "second-secret")
    with app.app_context(), tenant_scope(world["falun"].id):
        assert db.session.scalars(select(ApiClient)).all() == []
