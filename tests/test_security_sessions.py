"""Sessions under attack: a copied session cookie stops working on sign-out, password change
and password reset; the flags of every cookie the app sets; security headers on every kind of
response; sign-in throttling that a forged proxy header cannot get round."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from samverkan.platform.app import create_app
from samverkan.platform.db import db, platform_scope
from samverkan.tenants.models import User

EMAIL = "anna@example.org"
PASSWORD = "correct horse battery"
NEW_PASSWORD = "a brand new passphrase"
COOKIE = "samverkan_session"
RESET_LINK = re.compile(r"https?://\S+(/password/reset/[^\s/]+)")


@pytest.fixture
def member(factory):
    tenant = factory.tenant("vasa")
    factory.user(EMAIL, tenant=tenant, roles=["admin"])
    return tenant


def _signed_in(app):
    client = app.test_client()
    response = client.post("/signin", data={"email": EMAIL, "password": PASSWORD})
    assert response.status_code == 302
    return client


def _stolen_copy(app, client):
    """A second client carrying only a copy of ``client``'s session cookie (as a thief would)."""
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None and cookie.value
    thief = app.test_client()
    thief.set_cookie(COOKIE, cookie.value)
    return thief


def _works(client) -> bool:
    """Whether the client's session is accepted, on a page and on the API."""
    page = client.get("/t/vasa/")
    api = client.get("/api/v1/t/vasa/me")
    assert (page.status_code == 200) == (api.status_code == 200), (page.status_code,
                                                                    api.status_code)
    if page.status_code != 200:
        assert page.status_code == 302 and "/signin" in page.headers["Location"]
        assert api.status_code == 401 and api.mimetype == "application/problem+json"
    return page.status_code == 200


def _epoch(app) -> int:
    with app.app_context(), platform_scope("test"):
        return db.session.scalar(select(User.session_epoch).where(User.email == EMAIL))


# --- a copied cookie stops working ---------------------------------------------------------


def test_a_copied_cookie_works_only_while_the_session_does(app, member):
    client = _signed_in(app)
    thief = _stolen_copy(app, client)
    assert _works(thief)  # the copy is as good as the original until the session ends


def test_sign_out_ends_a_copied_session_cookie(app, member):
    client = _signed_in(app)
    other_device = _signed_in(app)
    thief = _stolen_copy(app, client)
    before = _epoch(app)

    assert client.post("/signout").status_code == 302
    assert _epoch(app) == before + 1
    assert not _works(client)
    assert not _works(thief)
    assert not _works(other_device)  # sign-out ends every session of the person
    # The copy stays dead: replaying it never revives it, and a new sign-in does not either.
    again = _signed_in(app)
    assert _works(again)
    assert not _works(thief)


def test_a_cookie_from_before_sign_out_does_not_sign_out_the_new_session(app, member):
    """Replaying an old cookie neither works nor disturbs the person's new session."""
    old = _signed_in(app)
    thief = _stolen_copy(app, old)
    old.post("/signout")
    fresh = _signed_in(app)
    assert thief.post("/signout").status_code in {302, 401}
    assert _works(fresh)


def test_password_change_ends_copied_sessions_but_not_the_changers(app, member):
    client = _signed_in(app)
    thief = _stolen_copy(app, client)
    before = _epoch(app)
    done = client.post("/account/password", data={
        "current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302
    assert _epoch(app) == before + 1
    assert _works(client)
    assert not _works(thief)
    # The changer's new cookie is a new value: the stolen one is not it.
    assert client.get_cookie(COOKIE).value != thief.get_cookie(COOKIE).value


def test_password_reset_ends_copied_sessions(app, member):
    from samverkan.platform.mail import read_outbox

    client = _signed_in(app)
    thief = _stolen_copy(app, client)
    anonymous = app.test_client()
    assert anonymous.post("/password/forgot", data={"email": EMAIL}).status_code == 302
    with app.app_context():
        [message] = [m for m in read_outbox() if m["to"] == EMAIL]
    path = RESET_LINK.search(message["body"]).group(1)
    done = anonymous.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302
    assert not _works(client)
    assert not _works(thief)


def test_a_disabled_account_loses_its_sessions_at_once(app, member):
    client = _signed_in(app)
    thief = _stolen_copy(app, client)
    with app.app_context(), platform_scope("test"):
        user = db.session.scalar(select(User).where(User.email == EMAIL))
        user.is_disabled = True
        db.session.commit()
    assert not _works(client)
    assert not _works(thief)


def test_a_session_cookie_signed_with_another_key_is_ignored(app, member, app_config):
    forger = create_app({**app_config, "SECRET_KEY": "someone-elses-key"})
    with forger.test_request_context():
        serializer = forger.session_interface.get_signing_serializer(forger)
        with forger.app_context(), platform_scope("test"):
            user = db.session.scalar(select(User).where(User.email == EMAIL))
            forged = serializer.dumps({"_user_id": user.get_id(), "_fresh": True})
    thief = app.test_client()
    thief.set_cookie(COOKIE, forged)
    assert not _works(thief)


# --- cookie flags --------------------------------------------------------------------------


def _set_cookies(responses) -> list[str]:
    return [header for response in responses for header in response.headers.getlist("Set-Cookie")]


def _flags(cookie: str) -> dict[str, str]:
    flags = {}
    for part in cookie.split(";")[1:]:
        name, _, value = part.strip().partition("=")
        flags[name.lower()] = value
    return flags


def _journey(client, **kwargs) -> list:
    """Every kind of request that may set a cookie: pages, language choice, sign-in and -out,
    an API call and the token endpoint."""
    responses = [client.get("/signin", **kwargs), client.get("/signin?lang=fi", **kwargs)]
    responses.append(client.post("/signin", data={"email": EMAIL, "password": PASSWORD},
                                 **kwargs))
    responses += [client.get("/t/vasa/?lang=sv", **kwargs), client.get("/api/v1/t/vasa/me", **kwargs),
                  client.post("/oauth/token", data={"grant_type": "client_credentials"}, **kwargs),
                  client.post("/signout", **kwargs)]
    return responses


def _assert_flags(cookies: list[str], *, secure: bool) -> None:
    assert cookies, "the journey sets the session cookie"
    for cookie in cookies:
        name = cookie.split("=", 1)[0]
        assert name == COOKIE, f"an unexpected cookie: {cookie}"  # no remember-me, no language
        flags = _flags(cookie)
        assert "httponly" in flags, cookie
        assert flags.get("samesite", "").lower() == "lax", cookie
        assert ("secure" in flags) is secure, cookie
        assert flags.get("path") == "/", cookie
        assert "domain" not in flags, cookie  # host-only


def test_every_cookie_over_plain_http_is_httponly_and_samesite(client, member):
    _assert_flags(_set_cookies(_journey(client)), secure=False)


def test_every_cookie_behind_an_https_proxy_is_secure(member, app_config, monkeypatch):
    monkeypatch.setenv("SAMVERKAN_HTTPS", "1")
    client = create_app(app_config).test_client()
    responses = _journey(client, headers={"X-Forwarded-Proto": "https"})
    _assert_flags(_set_cookies(responses), secure=True)
    # The proxy's header made the request https: HSTS on, links and redirects https.
    assert "Strict-Transport-Security" in responses[0].headers


def test_the_sign_out_cookie_is_removed_with_the_same_flags(client, member):
    client.post("/signin", data={"email": EMAIL, "password": PASSWORD})
    response = client.post("/signout")
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith(f"{COOKIE}=")]
    # Whatever the browser keeps after sign-out carries no identity.
    assert client.get_cookie(COOKIE) is None or "_user_id" not in _session_of(client)
    for cookie in cookies:
        assert "httponly" in _flags(cookie)


def _session_of(client) -> dict:
    from flask import current_app

    with client.application.test_request_context():
        serializer = current_app.session_interface.get_signing_serializer(current_app)
        return serializer.loads(client.get_cookie(COOKIE).value)


def test_the_session_keeps_no_secret_in_the_cookie(client, member):
    """The signed cookie is readable by its holder: it holds ids, never a password or hash."""
    client.post("/signin", data={"email": EMAIL, "password": PASSWORD})
    data = _session_of(client)
    text = repr(data)
    assert PASSWORD not in text and "argon2" not in text
    assert re.fullmatch(r"\d+:\d+", data["_user_id"])


# --- security headers on more kinds of response ----------------------------------------------


def _assert_headers(response) -> None:
    policy = response.headers.get("Content-Security-Policy", "")
    assert "frame-ancestors 'none'" in policy or "sandbox" in policy, response.request.path
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers.get("Referrer-Policy")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "X-Request-ID" in response.headers


def test_security_headers_on_api_problems(client, member):
    """401, 404, 405, 415 and 422 problem documents of the API carry the headers."""
    responses = [
        client.get("/api/v1/t/vasa/organisations"),
        client.get("/api/v1/t/vasa/organisations/999999"),
        client.delete("/api/v1/t/vasa/organisations"),
    ]
    client.post("/signin", data={"email": EMAIL, "password": PASSWORD})
    responses += [
        client.post("/api/v1/t/vasa/organisations", data="x", content_type="text/plain"),
        client.post("/api/v1/t/vasa/organisations", json={"kind": "nonsense"}),
        client.get("/api/v1/t/vasa/organisations?page=0"),
    ]
    statuses = [r.status_code for r in responses]
    assert statuses == [401, 401, 405, 415, 422, 422], statuses
    for response in responses:
        assert response.mimetype == "application/problem+json", response.request.path
        _assert_headers(response)
        assert response.headers["Cache-Control"] == "no-store"


def test_security_headers_on_the_public_register(client, factory):
    """The register of authorised providers is read without signing in."""
    tenant = factory.tenant("falun", country="SE", locales=["sv"])
    response = client.get(f"/t/{tenant.slug}/register")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    _assert_headers(response)
    api = client.get(f"/api/v1/t/{tenant.slug}/authorisation/register")
    assert api.status_code in {200, 401}  # the API's copy of it asks for credentials
    _assert_headers(api)


def test_security_headers_on_downloads_and_exports(client, factory):
    tenant = factory.tenant("vasa")
    factory.user(EMAIL, tenant=tenant, roles=["admin"])
    client.post("/signin", data={"email": EMAIL, "password": PASSWORD})
    responses = [client.get("/t/vasa/ownership/export/goals.csv"),
                 client.get("/t/vasa/ownership/export/goals.xlsx"),
                 client.get("/t/vasa/partnership/invoices/import/template"),
                 client.get("/api/v1/openapi.json"),
                 client.get("/static/style.css"),
                 client.get("/partnership/import-progress.js")]
    for response in responses:
        assert response.status_code == 200, (response.request.path, response.status_code)
        _assert_headers(response)


def test_security_headers_on_a_stored_document_download(app, client, factory):
    """A stored file comes back as a sandboxed attachment, never as a page of the site."""
    tenant = factory.tenant("vasa")
    factory.user(EMAIL, tenant=tenant, roles=["admin", "purchaser"])
    rows = factory.partnership_rows(tenant)
    client.post("/signin", data={"email": EMAIL, "password": PASSWORD})
    response = client.get(
        f"/t/vasa/partnership/agreements/{rows['agreement']}/documents/{rows['document']}")
    assert response.status_code == 200
    _assert_headers(response)
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.mimetype == "application/pdf"


# --- sign-in throttling: proxy headers cannot reset the count ---------------------------------


LIMIT = 3


def _throttled_app(app_config, **extra):
    return create_app({**app_config, "SAMVERKAN_SIGNIN_LIMIT": f"{LIMIT} per 15 minutes",
                       **extra})


def _guesses_until_blocked(client, headers_for) -> int | None:
    for number in range(60):
        response = client.post("/signin", data={"email": f"guess{number}@example.org",
                                                "password": "a wrong guess"},
                               headers=headers_for(number))
        if response.status_code == 429:
            return number
        assert response.status_code == 400
    return None


def test_a_forged_forwarded_for_header_does_not_reset_the_ip_count(app_config, member):
    """Without a configured proxy, X-Forwarded-For is the client's word and is ignored."""
    client = _throttled_app(app_config).test_client()
    client.environ_base["REMOTE_ADDR"] = "192.0.2.10"
    blocked = _guesses_until_blocked(
        client, lambda number: {"X-Forwarded-For": f"203.0.113.{number % 250}"})
    assert blocked is not None


def test_behind_the_proxy_only_the_address_it_saw_counts(app_config, member, monkeypatch):
    """With SAMVERKAN_HTTPS the proxy's own (last) X-Forwarded-For entry is the client: what an
    attacker puts before it changes nothing."""
    monkeypatch.setenv("SAMVERKAN_HTTPS", "1")
    client = _throttled_app(app_config).test_client()
    blocked = _guesses_until_blocked(
        client, lambda number: {"X-Forwarded-For": f"203.0.113.{number % 250}, 192.0.2.10",
                                "X-Forwarded-Proto": "https"})
    assert blocked is not None
    elsewhere = client.post("/signin", data={"email": EMAIL, "password": PASSWORD},
                            headers={"X-Forwarded-For": "198.51.100.20",
                                     "X-Forwarded-Proto": "https"})
    assert elsewhere.status_code == 302


def test_a_throttled_right_password_signs_nobody_in(app_config, member):
    application = _throttled_app(app_config)
    client = application.test_client()
    for _ in range(LIMIT):
        assert client.post("/signin", data={"email": EMAIL, "password": "wrong"}).status_code == 400
    blocked = client.post("/signin", data={"email": EMAIL, "password": PASSWORD})
    assert blocked.status_code == 429
    assert client.get("/t/vasa/").status_code == 302
    with application.app_context(), platform_scope("test"):
        assert db.session.scalar(select(User.last_signed_in_at).where(User.email == EMAIL)) is None
