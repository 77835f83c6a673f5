"""The kernel: app, health, import namespace, sign-in and the tenant picker."""

from __future__ import annotations

import platform
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_platform_is_the_standard_library_module():
    assert platform.__file__.startswith(sysconfig.get_paths()["stdlib"])
    assert not (ROOT / "platform" / "__init__.py").exists()


def test_healthz_reports_database_and_redis(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["database"] == "ok"
    assert body["redis"] in {"ok", "not configured"}


def test_sign_in_lists_only_own_tenants(client, factory, sign_in_as):
    vasa = factory.tenant("vasa")
    falun = factory.tenant("falun", country="SE")
    factory.tenant("other")
    user = factory.user("anna@example.org", tenant=vasa, roles=["admin"])
    factory.membership(falun, user, ["viewer"])
    sign_in_as(client, "ANNA@example.org")
    page = client.get("/tenants").get_data(as_text=True)
    assert "/t/vasa/" in page and "/t/falun/" in page
    assert "/t/other/" not in page


def test_wrong_password_does_not_reveal_whether_the_user_exists(client, factory):
    factory.user("known@example.org")
    known = client.post("/signin", data={"email": "known@example.org", "password": "wrong-pass"})
    unknown = client.post("/signin", data={"email": "nobody@example.org", "password": "wrong-pass"})
    assert known.status_code == unknown.status_code == 400
    assert "incorrect" in known.get_data(as_text=True)
    assert known.get_data(as_text=True).replace("known@", "X@") == unknown.get_data(
        as_text=True).replace("nobody@", "X@")


def test_non_member_gets_404_for_another_tenant(client, factory, sign_in_as):
    vasa = factory.tenant("vasa")
    factory.tenant("falun", country="SE")
    factory.user("anna@example.org", tenant=vasa, roles=["viewer"])
    sign_in_as(client, "anna@example.org")
    assert client.get("/t/vasa/").status_code == 200
    assert client.get("/t/falun/").status_code == 404
    assert client.get("/t/nowhere/").status_code == 404


def test_sign_out_ends_the_session_everywhere(app, factory, sign_in_as):
    vasa = factory.tenant("vasa")
    factory.user("anna@example.org", tenant=vasa)
    first, second = app.test_client(), app.test_client()
    sign_in_as(first, "anna@example.org")
    sign_in_as(second, "anna@example.org")
    assert second.get("/t/vasa/").status_code == 200
    first.post("/signout")
    assert second.get("/t/vasa/").status_code == 302
