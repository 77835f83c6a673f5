"""A smoke test in a real browser: Debian's Chromium driven by Playwright.

The app runs in a background thread (werkzeug's server on a free local port) against the test
database, with CSRF protection on, as in production. Playwright never downloads a browser:
it starts /usr/bin/chromium, and the test is skipped (with the reason printed) without it.
"""

from __future__ import annotations

import os
import socket
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from samverkan.platform.app import create_app
from samverkan.platform.db import db

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
EMAIL = "browser@example.org"
PASSWORD = "correct horse battery"



def _require_chromium() -> None:
    """Skip (with the reason printed) without Chromium; fail instead where CI requires it."""
    if CHROMIUM.exists():
        return
    reason = f"{CHROMIUM} is not installed (apt-get install chromium)"
    if os.environ.get("SAMVERKAN_TEST_REQUIRE_BROWSER"):
        pytest.fail(f"SAMVERKAN_TEST_REQUIRE_BROWSER is set but {reason}")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def live_server(app_config, factory):
    """The app served on http://127.0.0.1:<port> in a background thread; yields its base URL."""
    _require_chromium()
    tenant = factory.tenant("webbkommun", locales=["sv", "fi"],
                            name={"sv": "Webbkommunen", "fi": "Verkkokunta"})
    factory.user(EMAIL, tenant=tenant, roles=["admin"])
    application = create_app({**app_config, "WTF_CSRF_ENABLED": True, "TESTING": False})
    port = _free_port()
    server = make_server("127.0.0.1", port, application, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}", application
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with application.app_context():
            db.engine.dispose()


@pytest.fixture
def browser():
    _require_chromium()
    os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                              args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def _translations(application, locale: str, *messages: str) -> list[str]:
    from flask_babel import force_locale, gettext

    with application.test_request_context(), force_locale(locale):
        return [gettext(message) for message in messages]


def test_sign_in_switch_language_and_sign_out(live_server, browser):
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
    overview_fi, sign_out_fi = _translations(application, "fi", "Overview", "Sign out")
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
