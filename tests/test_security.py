"""Security headers, cookies, CSRF, request ids and redirects after sign-in."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

import pytest
from sqlalchemy import select

from samverkan.platform.app import create_app
from samverkan.platform.db import db, platform_scope, tenant_scope
from samverkan.tenants.models import User

EMAIL = "anna@example.org"


def _csp(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    directives = {}
    for part in policy.split(";"):
        name, _, value = part.strip().partition(" ")
        directives[name] = value
    return directives


def _assert_security_headers(response) -> None:
    policy = response.headers.get("Content-Security-Policy", "")
    assert policy, response.request.path
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    directives = _csp(response)
    assert directives["frame-ancestors"] == "'none'"
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert not re.search(r"https?:", policy), "nothing may load from another origin"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] in {"same-origin", "no-referrer",
                                                   "strict-origin-when-cross-origin"}
    assert response.headers["X-Frame-Options"] == "DENY"


@pytest.fixture
def member(factory):
    tenant = factory.tenant("vasa")
    factory.user(EMAIL, tenant=tenant, roles=["admin"])
    return tenant


@pytest.mark.parametrize("path,status,mimetype", [
    ("/signin", 200, "text/html"),
    ("/healthz", 200, "application/json"),
    ("/api/v1/openapi.json", 200, "application/json"),
    ("/no-such-page", 404, "text/html"),
    ("/t/no-such-tenant/", 404, "text/html"),
    ("/api/v1/no-such-endpoint", 404, "application/problem+json"),
    ("/api/v1/t/no-such-tenant/me", 404, "application/problem+json"),
    ("/signout", 405, "text/html"),
])
def test_security_headers_on_every_kind_of_response(client, path, status, mimetype):
    response = client.get(path)
    assert response.status_code == status
    assert response.mimetype == mimetype
    _assert_security_headers(response)
    assert "Strict-Transport-Security" not in response.headers  # plain http


def test_security_headers_on_an_unexpected_error(app_config, monkeypatch):
    application = create_app({**app_config, "TESTING": False, "PROPAGATE_EXCEPTIONS": False})

    def explode():
        raise RuntimeError("boom")

    application.add_url_rule("/explode", "explode", explode)
    monkeypatch.setattr(application.logger, "disabled", True)  # a shared logger: restored
    response = application.test_client().get("/explode")
    assert response.status_code == 500
    assert response.mimetype == "text/html"
    assert "boom" not in response.get_data(as_text=True)
    _assert_security_headers(response)


def test_html_pages_are_not_cached(client, member, sign_in_as):
    sign_in_as(client, EMAIL)
    assert client.get("/t/vasa/").headers["Cache-Control"] == "no-store"


def test_hsts_only_over_https(client, app_config, monkeypatch):
    assert "Strict-Transport-Security" not in client.get("/signin").headers
    secure = client.get("/signin", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")
    assert int(re.search(r"max-age=(\d+)", secure.headers["Strict-Transport-Security"])[1]) >= 15552000

    # Behind a TLS-terminating proxy (SAMVERKAN_HTTPS): X-Forwarded-Proto decides.
    monkeypatch.setenv("SAMVERKAN_HTTPS", "1")
    proxied = create_app(app_config).test_client()
    assert "Strict-Transport-Security" in proxied.get(
        "/signin", headers={"X-Forwarded-Proto": "https"}, base_url="http://localhost").headers
    plain = proxied.get("/signin", base_url="http://localhost")
    assert "Strict-Transport-Security" not in plain.headers


def _session_cookie(response) -> str:
    cookies = [c for c in response.headers.getlist("Set-Cookie")
               if c.startswith("samverkan_session=")]
    assert cookies, response.headers
    return cookies[-1]


def _attributes(cookie: str) -> set[str]:
    return {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}


def test_session_cookie_is_httponly_and_samesite_lax(client, member):
    response = client.post("/signin", data={"email": EMAIL, "password": "correct horse battery"})
    assert response.status_code == 302
    cookie = _session_cookie(response)
    assert "httponly" in _attributes(cookie)
    assert re.search(r"SameSite=Lax", cookie, re.IGNORECASE)
    assert "secure" not in _attributes(cookie)  # plain http in tests


def test_session_cookie_is_secure_with_https(member, app_config, monkeypatch):
    monkeypatch.setenv("SAMVERKAN_HTTPS", "true")
    application = create_app(app_config)
    assert application.config["SESSION_COOKIE_SECURE"] is True
    client = application.test_client()
    response = client.post("/signin", data={"email": EMAIL, "password": "correct horse battery"},
                           base_url="https://localhost")
    assert response.status_code == 302
    cookie = _session_cookie(response)
    assert {"httponly", "secure"} <= _attributes(cookie)
    assert re.search(r"SameSite=Lax", cookie, re.IGNORECASE)


# --- CSRF ----------------------------------------------------------------------------------


@pytest.fixture
def csrf_client(app_config, member):
    return create_app({**app_config, "WTF_CSRF_ENABLED": True}).test_client()


def _token(page: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', page)
    assert match, "the page has no CSRF token"
    return match[1]


def _last_signed_in(app) -> object:
    with app.app_context(), platform_scope("test"):
        return db.session.scalar(select(User.last_signed_in_at).where(User.email == EMAIL))


def test_sign_in_without_csrf_token_is_refused(app, csrf_client, snapshots):
    before = snapshots.take()
    response = csrf_client.post("/signin", data={"email": EMAIL,
                                                 "password": "correct horse battery"})
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert snapshots.changes(before, snapshots.take()) == {}
    assert csrf_client.get("/t/vasa/").status_code == 302  # not signed in
    assert _last_signed_in(app) is None


def test_sign_in_and_out_with_csrf_token(app, csrf_client, snapshots):
    token = _token(csrf_client.get("/signin").get_data(as_text=True))
    wrong = csrf_client.post("/signin", data={"email": EMAIL, "password": "correct horse battery",
                                              "csrf_token": token[::-1]})
    assert wrong.status_code == 400
    response = csrf_client.post("/signin", data={"email": EMAIL,
                                                 "password": "correct horse battery",
                                                 "csrf_token": token})
    assert response.status_code == 302
    page = csrf_client.get("/t/vasa/")
    assert page.status_code == 200

    # Sign-out is a state change too: without the token it is refused and the session stays.
    before = snapshots.take()
    assert csrf_client.post("/signout").status_code == 400
    assert snapshots.changes(before, snapshots.take()) == {}
    assert csrf_client.get("/t/vasa/").status_code == 200
    token = _token(page.get_data(as_text=True))
    assert csrf_client.post("/signout", data={"csrf_token": token}).status_code == 302
    assert csrf_client.get("/t/vasa/").status_code == 302


def test_every_form_on_a_page_carries_a_csrf_token(csrf_client):
    """Each POST form the app renders includes the token (checked on the pages reachable here)."""
    token = _token(csrf_client.get("/signin").get_data(as_text=True))
    csrf_client.post("/signin", data={"email": EMAIL, "password": "correct horse battery",
                                      "csrf_token": token})
    for path in ("/signin", "/tenants?all=1", "/t/vasa/"):
        page = csrf_client.get(path, follow_redirects=True).get_data(as_text=True)
        for form in re.findall(r"<form\b[^>]*>.*?</form>", page, re.DOTALL | re.IGNORECASE):
            if re.search(r'method="post"', form, re.IGNORECASE):
                assert 'name="csrf_token"' in form, (path, form[:200])


# --- request ids ---------------------------------------------------------------------------


def test_request_id_is_echoed_when_well_formed(client):
    response = client.get("/healthz", headers={"X-Request-ID": "abc-123_DEF.456"})
    assert response.headers["X-Request-ID"] == "abc-123_DEF.456"


@pytest.mark.parametrize("incoming", [None, "", "short", "has space in it", "x" * 65,
                                      "evil\r\nSet-Cookie: a=b", "<script>alert(1)</script>"])
def test_request_id_is_generated_when_missing_or_malformed(client, incoming):
    headers = {"X-Request-ID": incoming} if incoming is not None else {}
    try:
        response = client.get("/healthz", headers=headers)
    except ValueError:  # werkzeug refuses to send a header with a newline at all
        assert "\n" in (incoming or "")
        return
    generated = response.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", generated)
    assert generated != incoming
    assert client.get("/healthz", headers=headers).headers["X-Request-ID"] != generated


def test_request_id_is_recorded_in_the_audit_trail(app, app_config, member):
    from samverkan.platform import audit
    from samverkan.platform.audit import AuditEntry

    def change_something():
        with tenant_scope(member.id):  # as a tenant's page would be
            audit.record("test.changed", entity_type="Test", entity_id=1, tenant_id=member.id)
            db.session.commit()
        return "ok"

    application = create_app(app_config)
    application.add_url_rule("/change", "change", change_something, methods=["POST"])
    response = application.test_client().post("/change",
                                              headers={"X-Request-ID": "req-0123456789"})
    assert response.headers["X-Request-ID"] == "req-0123456789"
    with app.app_context(), platform_scope("test"):
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "test.changed"))
        assert entry.request_id == "req-0123456789"


def test_log_records_carry_the_request_id(app, client, caplog):
    import logging

    def log_something():
        from flask import current_app

        current_app.logger.warning("something happened")
        return "ok"

    fresh = create_app({**app.config})
    fresh.add_url_rule("/log", "log", log_something)
    with caplog.at_level(logging.WARNING):
        fresh.test_client().get("/log", headers={"X-Request-ID": "log-request-0001"})
    records = [r for r in caplog.records if r.getMessage() == "something happened"]
    assert records and records[0].request_id == "log-request-0001"


# --- redirects after sign-in ---------------------------------------------------------------


def _where_a_browser_goes(location: str, base: str = "http://localhost/") -> tuple[str, str]:
    """Resolve a Location header the way browsers do (backslash is a slash, tabs vanish)."""
    cleaned = re.sub(r"[\t\n\r]", "", location).strip().replace("\\", "/")
    parts = urlsplit(urljoin(base, cleaned))
    return parts.scheme, parts.netloc


@pytest.mark.parametrize("target", [
    "https://evil.example/",
    "http://evil.example",
    "//evil.example/",
    "/\\evil.example",
    "\\\\evil.example",
    "/\\/evil.example/",
    "/\t/evil.example",
    "javascript:alert(1)",
    "evil.example",
    "https:/evil.example",
    " //evil.example",
])
def test_sign_in_refuses_to_redirect_off_site(client, member, target):
    response = client.post("/signin", query_string={"next": target},
                           data={"email": EMAIL, "password": "correct horse battery"})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert _where_a_browser_goes(location) == ("http", "localhost"), location
    assert not location.lower().startswith("javascript")


def test_sign_in_follows_a_same_site_next(client, member):
    response = client.post("/signin", query_string={"next": "/t/vasa/?x=1"},
                           data={"email": EMAIL, "password": "correct horse battery"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/t/vasa/?x=1"
