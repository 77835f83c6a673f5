"""A person's own account: forgotten password, reset by e-mailed link, change of password,
and the entries of the user menu."""

from __future__ import annotations

import re

import pytest
from flask_babel import force_locale, gettext
from itsdangerous import TimestampSigner
from sqlalchemy import select

from samverkan.platform.audit import AuditEntry
from samverkan.platform.db import db, platform_scope
from samverkan.platform.jobs import JobRun
from samverkan.platform.mail import read_outbox
from samverkan.tenants.models import User

PASSWORD = "correct horse battery"
NEW_PASSWORD = "a brand new passphrase"
RESET_LINK = re.compile(r"https?://\S+(/password/reset/[^\s/]+)")


def outbox(app) -> list[dict]:
    with app.app_context():
        return read_outbox()


def reset_path(app, to: str) -> str:
    messages = [m for m in outbox(app) if m["to"] == to]
    assert len(messages) == 1, messages
    match = RESET_LINK.search(messages[0]["body"])
    assert match, messages[0]["body"]
    return match.group(1)


def audit_actions(app, action: str) -> list[AuditEntry]:
    with app.app_context(), platform_scope("test reads the audit trail"):
        return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def sign_in_status(client, email: str, password: str) -> int:
    return client.post("/signin", data={"email": email, "password": password}).status_code


def ask_for_reset(client, email: str, **kwargs):
    return client.post("/password/forgot", data={"email": email}, **kwargs)


# --- forgotten password -----------------------------------------------------------------------


def test_sign_in_page_links_to_forgotten_password(client):
    page = client.get("/signin").get_data(as_text=True)
    assert 'href="/password/forgot"' in page
    form = client.get("/password/forgot")
    assert form.status_code == 200
    assert 'name="email"' in form.get_data(as_text=True)


def test_same_answer_whether_or_not_the_address_exists(app, client, factory):
    factory.user("known@example.org")
    known = ask_for_reset(client, "known@example.org", follow_redirects=True)
    unknown = ask_for_reset(client, "nobody@example.org", follow_redirects=True)
    assert known.status_code == unknown.status_code == 200
    known_page = known.get_data(as_text=True).replace("known@", "X@")
    unknown_page = unknown.get_data(as_text=True).replace("nobody@", "X@")
    assert known_page == unknown_page
    assert "If an account exists for X@example.org" in known_page
    # Only the existing account gets a message.
    assert [m["to"] for m in outbox(app)] == ["known@example.org"]


def test_invalid_address_is_a_form_error(client):
    response = client.post("/password/forgot", data={"email": "not an address"})
    assert response.status_code == 400
    assert "Enter a valid e-mail address." in response.get_data(as_text=True)


def test_reset_mail_is_queued_as_a_job_in_the_users_language(app, client, factory):
    factory.user("finn@example.org", locale="fi")
    # The page is asked for in Swedish; the mail follows the person's own choice.
    ask_for_reset(client, "finn@example.org", headers={"Accept-Language": "sv"})
    with app.app_context():
        with platform_scope("test reads the job runs"):
            runs = list(db.session.scalars(select(JobRun)))
        with app.test_request_context(), force_locale("fi"):
            subject = gettext("Reset your Samverkan password")
    assert [(r.name, r.status) for r in runs] == [
        ("samverkan.platform.mail.send_mail_job", "finished")]
    messages = outbox(app)
    assert [m["subject"] for m in messages] == [subject]
    assert "finn" in messages[0]["body"]


def test_disabled_account_gets_no_mail(app, client, factory):
    user = factory.user("gone@example.org")
    with app.app_context():
        db.session.get(User, user.id).is_disabled = True
        db.session.commit()
    response = ask_for_reset(client, "gone@example.org")
    assert response.status_code == 302
    assert outbox(app) == []


def test_reset_link_uses_the_configured_base_url_not_the_request_host(app, client, factory):
    factory.user("anna@example.org")
    ask_for_reset(client, "anna@example.org", headers={"Host": "evil.example"})
    body = outbox(app)[0]["body"]
    assert "evil.example" not in body
    assert app.config["SAMVERKAN_BASE_URL"].rstrip("/") + "/password/reset/" in body


def test_forgotten_password_requests_are_throttled_per_address(app, client, factory):
    app.config["SAMVERKAN_SIGNIN_LIMIT"] = "2 per 15 minutes"
    factory.user("anna@example.org")
    assert ask_for_reset(client, "anna@example.org").status_code == 302
    assert ask_for_reset(client, "anna@example.org").status_code == 302
    assert ask_for_reset(client, "anna@example.org").status_code == 429
    assert ask_for_reset(client, "other@example.org").status_code == 302
    assert len(outbox(app)) == 2


# --- reset by link ----------------------------------------------------------------------------


def test_reset_sets_a_new_password_once_and_ends_every_session(app, client, factory, sign_in_as):
    tenant = factory.tenant("vasa")
    user = factory.user("anna@example.org", tenant=tenant)
    elsewhere = app.test_client()
    sign_in_as(elsewhere, "anna@example.org")
    assert elsewhere.get("/t/vasa/").status_code == 200

    ask_for_reset(client, "anna@example.org")
    path = reset_path(app, "anna@example.org")
    form = client.get(path)
    assert form.status_code == 200
    assert "anna@example.org" in form.get_data(as_text=True)

    mismatch = client.post(path, data={"password": NEW_PASSWORD, "confirm": "something else"})
    assert mismatch.status_code == 400
    assert "The passwords do not match." in mismatch.get_data(as_text=True)
    short = client.post(path, data={"password": "short", "confirm": "short"})
    assert short.status_code == 400

    done = client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302 and done.headers["Location"].endswith("/signin")
    assert elsewhere.get("/t/vasa/").status_code == 302  # that session has ended
    assert sign_in_status(app.test_client(), "anna@example.org", PASSWORD) == 400
    assert sign_in_status(app.test_client(), "anna@example.org", NEW_PASSWORD) == 302

    # Single use: the password has changed, so the same link no longer works.
    again = client.get(path)
    assert again.status_code == 410
    assert "already been used" in again.get_data(as_text=True)
    assert client.post(path, data={"password": "yet another passphrase",
                                   "confirm": "yet another passphrase"}).status_code == 410
    assert sign_in_status(app.test_client(), "anna@example.org", NEW_PASSWORD) == 302

    [requested] = audit_actions(app, "user.password_reset_requested")
    [changed] = audit_actions(app, "user.password_changed")
    assert requested.entity_id == changed.entity_id == str(user.id)
    assert changed.actor_id == user.id and changed.after == {"via": "reset"}
    assert changed.tenant_id is None


def test_expired_reset_link_is_refused(app, client, factory, monkeypatch):
    factory.user("anna@example.org")
    real = TimestampSigner.get_timestamp
    hours = app.config["SAMVERKAN_RESET_HOURS"]
    monkeypatch.setattr(TimestampSigner, "get_timestamp",
                        lambda self: real(self) - hours * 3600 - 60)
    ask_for_reset(client, "anna@example.org")
    monkeypatch.setattr(TimestampSigner, "get_timestamp", real)
    path = reset_path(app, "anna@example.org")
    response = client.get(path)
    assert response.status_code == 410
    assert "expired" in response.get_data(as_text=True)
    assert client.post(path, data={"password": NEW_PASSWORD,
                                   "confirm": NEW_PASSWORD}).status_code == 410
    assert sign_in_status(app.test_client(), "anna@example.org", PASSWORD) == 302


@pytest.mark.parametrize("token", ["nonsense", "eyJ1c2VyIjoxfQ.AAAAAA.BBBBBBBBBBBBBBBBBBBBBBBBBBB"])
def test_forged_reset_link_is_not_found(client, factory, token):
    factory.user("anna@example.org")
    response = client.get(f"/password/reset/{token}")
    assert response.status_code == 404
    assert 'href="/password/forgot"' in response.get_data(as_text=True)


def test_reset_link_of_another_user_cannot_be_bent(app, client, factory):
    """The link is signed: changing the user id in it makes it invalid."""
    factory.user("anna@example.org")
    factory.user("bert@example.org")
    ask_for_reset(client, "anna@example.org")
    path = reset_path(app, "anna@example.org")
    token = path.rsplit("/", 1)[1]
    payload, rest = token.split(".", 1)
    forged = f"{payload[:-1]}{'A' if payload[-1] != 'A' else 'B'}.{rest}"
    assert client.get(f"/password/reset/{forged}").status_code == 404


# --- change of password -----------------------------------------------------------------------


def test_change_password_needs_sign_in(client):
    response = client.get("/account/password")
    assert response.status_code == 302 and "/signin" in response.headers["Location"]


def test_change_password(app, client, factory, sign_in_as):
    tenant = factory.tenant("vasa")
    user = factory.user("anna@example.org", tenant=tenant)
    elsewhere = app.test_client()
    sign_in_as(elsewhere, "anna@example.org")
    sign_in_as(client, "anna@example.org")
    page = client.get("/account/password")
    assert page.status_code == 200
    assert 'autocomplete="current-password"' in page.get_data(as_text=True)

    wrong = client.post("/account/password", data={
        "current_password": "not my password", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert wrong.status_code == 400
    assert "The current password is incorrect." in wrong.get_data(as_text=True)
    assert audit_actions(app, "user.password_changed") == []

    done = client.post("/account/password", data={
        "current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302
    assert client.get("/t/vasa/").status_code == 200  # this session goes on
    assert elsewhere.get("/t/vasa/").status_code == 302  # every other one has ended
    assert sign_in_status(app.test_client(), "anna@example.org", PASSWORD) == 400
    assert sign_in_status(app.test_client(), "anna@example.org", NEW_PASSWORD) == 302
    [changed] = audit_actions(app, "user.password_changed")
    assert changed.actor_id == user.id and changed.after == {"via": "change"}


def test_change_password_validates_the_new_one(client, factory, sign_in_as):
    factory.user("anna@example.org")
    sign_in_as(client, "anna@example.org")
    short = client.post("/account/password", data={
        "current_password": PASSWORD, "password": "short", "confirm": "short"})
    assert short.status_code == 400
    assert 'aria-invalid="true"' in short.get_data(as_text=True)


def test_guessing_the_current_password_is_throttled(app, client, factory, sign_in_as):
    app.config["SAMVERKAN_SIGNIN_LIMIT"] = "3 per 15 minutes"
    factory.user("anna@example.org")
    sign_in_as(client, "anna@example.org")
    for _ in range(3):
        assert client.post("/account/password", data={
            "current_password": "a wrong guess", "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD}).status_code == 400
    blocked = client.post("/account/password", data={
        "current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert blocked.status_code == 429
    assert sign_in_status(app.test_client(), "anna@example.org", PASSWORD) == 302


# --- user menu --------------------------------------------------------------------------------


def test_user_menu_offers_change_of_password_but_no_outbox_outside_demo(client, factory, sign_in_as):
    tenant = factory.tenant("vasa")
    factory.user("anna@example.org", tenant=tenant)
    sign_in_as(client, "anna@example.org")
    page = client.get("/t/vasa/").get_data(as_text=True)
    assert 'href="/account/password"' in page
    assert 'href="/dev/outbox"' not in page
    assert client.get("/dev/outbox").status_code == 404


class TestDemoMode:
    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "SAMVERKAN_DEMO": True}

    def test_user_menu_links_the_outbox(self, app, client, factory, sign_in_as):
        tenant = factory.tenant("vasa")
        factory.user("anna@example.org", tenant=tenant)
        sign_in_as(client, "anna@example.org")
        ask_for_reset(app.test_client(), "anna@example.org")
        page = client.get("/t/vasa/").get_data(as_text=True)
        assert 'href="/dev/outbox"' in page
        outbox_page = client.get("/dev/outbox")
        assert outbox_page.status_code == 200
        assert "/password/reset/" in outbox_page.get_data(as_text=True)


class TestWithTheMailQueueDown:
    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "SAMVERKAN_JOBS_MODE": "rq",
                "SAMVERKAN_REDIS_URL": "redis://127.0.0.1:1/0"}

    def test_everyone_is_told_to_try_later(self, client, factory):
        factory.user("known@example.org")
        known = ask_for_reset(client, "known@example.org")
        unknown = ask_for_reset(client, "nobody@example.org")
        assert known.status_code == unknown.status_code == 503
        assert known.get_data(as_text=True).replace("known@", "X@") == unknown.get_data(
            as_text=True).replace("nobody@", "X@")
        assert "E-mail cannot be sent right now." in known.get_data(as_text=True)
