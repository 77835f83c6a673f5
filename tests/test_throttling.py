"""Sign-in throttling: per submitted address and per IP address, counting failures only."""

from __future__ import annotations

import re

import pytest
from flask_babel import force_locale, gettext

PASSWORD = "correct horse battery"
LIMIT = 3


@pytest.fixture
def app_config(app_config):
    return {**app_config, "SAMVERKAN_SIGNIN_LIMIT": f"{LIMIT} per 15 minutes"}


def attempt(client, email: str, password: str, **kwargs):
    return client.post("/signin", data={"email": email, "password": password}, **kwargs)


def fail(client, email: str, times: int = LIMIT, **kwargs) -> None:
    for _ in range(times):
        assert attempt(client, email, "a wrong guess", **kwargs).status_code == 400


def without_reference(page: str) -> str:
    """The error page carries the request id; everything else must be the same."""
    return re.sub(r'<p class="meta">.*?</p>', "", page)


def test_failures_for_one_address_block_it_even_with_the_right_password(app, client, factory):
    factory.user("anna@example.org")
    fail(client, "anna@example.org")
    blocked = attempt(client, "anna@example.org", PASSWORD)
    assert blocked.status_code == 429
    # Another browser (the same network) is blocked for that address too.
    assert attempt(app.test_client(), "anna@example.org", PASSWORD).status_code == 429


def test_the_block_counts_the_address_whatever_its_case(client, factory):
    factory.user("anna@example.org")
    fail(client, "anna@example.org", 1)
    fail(client, "ANNA@example.org", 1)
    fail(client, "Anna@Example.Org", 1)
    assert attempt(client, "anna@example.org", PASSWORD).status_code == 429


def test_the_throttled_page_is_translated(app, client, factory):
    factory.user("anna@example.org")
    fail(client, "anna@example.org")
    for locale in ("fi", "sv"):
        blocked = attempt(app.test_client(), "anna@example.org", PASSWORD,
                          headers={"Accept-Language": locale})
        assert blocked.status_code == 429
        page = blocked.get_data(as_text=True)
        assert f'<html lang="{locale}">' in page
        with app.test_request_context(), force_locale(locale):
            title = gettext("Too many attempts")
            advice = gettext("For your security, wait a few minutes before you try again.")
        assert f"<h1>{title}</h1>" in page
        assert advice in page


def test_other_addresses_are_unaffected(app, client, factory):
    factory.user("anna@example.org")
    factory.user("bert@example.org")
    fail(client, "anna@example.org")
    assert attempt(client, "anna@example.org", PASSWORD).status_code == 429
    assert attempt(client, "bert@example.org", PASSWORD).status_code == 302
    other = app.test_client()
    assert attempt(other, "nobody@example.org", "a wrong guess").status_code == 400


def test_successful_sign_ins_do_not_count(app, factory):
    factory.user("anna@example.org")
    for _ in range(LIMIT + 2):
        client = app.test_client()
        assert attempt(client, "anna@example.org", PASSWORD).status_code == 302


def test_the_block_does_not_reveal_whether_the_address_exists(app, factory):
    factory.user("anna@example.org")
    known, unknown = app.test_client(), app.test_client()
    fail(known, "anna@example.org")
    fail(unknown, "nobody@example.org")
    known_page = attempt(known, "anna@example.org", PASSWORD)
    unknown_page = attempt(unknown, "nobody@example.org", PASSWORD)
    assert known_page.status_code == unknown_page.status_code == 429
    assert without_reference(known_page.get_data(as_text=True)) == without_reference(
        unknown_page.get_data(as_text=True))
    for page in (known_page, unknown_page):
        text = page.get_data(as_text=True)
        assert "anna@" not in text and "nobody@" not in text
        assert "incorrect" not in text


def test_many_failures_from_one_ip_address_block_it(app, factory):
    """Trying many addresses from one place is blocked too; other places are not."""
    factory.user("anna@example.org")
    attacker = app.test_client()
    attacker.environ_base["REMOTE_ADDR"] = "192.0.2.10"
    blocked = None
    for number in range(60):
        response = attempt(attacker, f"guess{number}@example.org", "a wrong guess")
        if response.status_code == 429:
            blocked = number
            break
        assert response.status_code == 400
    assert blocked is not None and blocked >= LIMIT
    assert attempt(attacker, "anna@example.org", PASSWORD).status_code == 429
    elsewhere = app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "198.51.100.20"
    assert attempt(elsewhere, "anna@example.org", PASSWORD).status_code == 302
