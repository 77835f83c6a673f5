"""A smoke test in a real browser: Debian's Chromium driven by Playwright.

The app runs in a background thread against the test database with CSRF protection on, as in
production (fixtures ``serve`` and ``browser`` in conftest.py).
"""

from __future__ import annotations

import pytest

EMAIL = "browser@example.org"
PASSWORD = "correct horse battery"


@pytest.fixture
def live_server(app_config, factory, serve):
    """The app served on http://127.0.0.1:<port> in a background thread; yields its base URL."""
    tenant = factory.tenant("webbkommun", locales=["sv", "fi"],
                            name={"sv": "Webbkommunen", "fi": "Verkkokunta"})
    factory.user(EMAIL, tenant=tenant, roles=["admin"])
    with serve(app_config) as served:
        yield served


def test_sign_in_switch_language_and_sign_out(live_server, browser, translate):
    base, application = live_server
    context = browser.new_context(locale="sv-SE")
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text)
            if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))

    # Sign in, in Swedish.
    page.goto(f"{base}/signin?lang=sv")
    assert page.locator("html").get_attribute("lang") == "sv"
    page.fill("input[name=email]", EMAIL)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{base}/t/webbkommun/")
    assert page.locator("html").get_attribute("lang") == "sv"
    swedish = page.locator("body").inner_text()
    assert "Webbkommunen" in swedish

    # Switch to Finnish with the language switcher.
    page.get_by_role("link", name="Suomi").click()
    page.wait_for_url(f"{base}/t/webbkommun/?lang=fi")
    assert page.locator("html").get_attribute("lang") == "fi"
    finnish = page.locator("body").inner_text()
    assert finnish != swedish
    assert "Verkkokunta" in finnish and "Webbkommunen" not in finnish
    overview_fi, sign_out_fi = translate(application, "fi", "Overview", "Sign out")
    assert overview_fi in finnish
    # The choice sticks: the next page is Finnish without ?lang=.
    page.goto(f"{base}/t/webbkommun/")
    assert page.locator("html").get_attribute("lang") == "fi"

    # Sign out through the user menu (a form with its CSRF token).
    session_cookie = next(c for c in context.cookies() if c["name"] == "samverkan_session")
    page.locator("details.user-menu summary").click()
    page.get_by_role("button", name=sign_out_fi).click()
    page.wait_for_url(f"{base}/signin")
    assert page.locator("html").get_attribute("lang") == "fi"
    assert page.get_by_role("button", name=sign_out_fi).count() == 0

    # The session is gone: the tenant's page asks to sign in again ...
    page.goto(f"{base}/t/webbkommun/")
    assert page.url.startswith(f"{base}/signin")
    # ... even for someone who kept a copy of the old session cookie.
    other = browser.new_context()
    other.add_cookies([session_cookie])
    replay = other.new_page()
    replay.goto(f"{base}/t/webbkommun/")
    assert replay.url.startswith(f"{base}/signin")
    other.close()
    context.close()

    assert not problems, f"errors in the browser console: {problems}"
