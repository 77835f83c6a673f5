"""Accessibility (axe-core, WCAG 2.1 AA) and HTML validity (Nu HTML Checker) of every page of the
navigation, for each role of the demo, in Swedish and in Finnish.

Each role signs in on the demo data in Chromium and opens its tenant's start page, then every
page its main navigation, its user menu and the section tabs (``nav.tabs``) of those pages
lead to, once per path; to keep the run short, a page an earlier role opened in the same locale
is not opened again. Any page of the navigation that does not open (4xx) is a finding, and
``accessibility.audit`` fails on any axe violation and keeps the HTML,
which one vnu run validates at the end of the session. The public pages (sign-in, the
accessibility statement, the register of authorised providers) are checked without signing in.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import accessibility  # loaded by conftest.py
import pytest

from samverkan.platform.demo import DEMO_PASSWORD, seed

LOCALES = ("sv", "fi")
# role: (demo user, the tenant the role is checked in; None: the user's start page)
ROLES = {  # the narrowest roles first: they open their whole navigation before others share it
    "viewer": ("viewer@example.org", "kustregionen"),
    "guidance counsellor": ("counsellor@example.org", "falun"),
    "provider reporter": ("provider@example.org", "kustregionen"),
    "owner representative": ("owner.korsholm@example.org", "kustregionen"),
    "purchaser": ("purchaser@example.org", "falun"),
    "coordinator": ("coordinator@example.org", "forbundet"),
    "tenant admin": ("admin.kustregionen@example.org", "kustregionen"),
    "operator": ("operator@example.org", None),
}
PUBLIC = ("/signin", "/accessibility", "/t/falun/accessibility", "/t/kustregionen/accessibility",
          "/t/falun/register")
LINKS = "nav.main-nav a[href], details.user-menu a[href], main nav.tabs a[href]"
MAX_PAGES_PER_PASS = 60  # a bound: a navigation larger than this is a finding in itself


@pytest.fixture
def demo_server(app, app_config, serve):
    with app.app_context():
        seed()
    with serve(app_config) as served:
        yield served


def _links(page, base: str) -> list[str]:
    hrefs = page.eval_on_selector_all(LINKS, "links => links.map(a => a.href)")
    paths = []
    for href in hrefs:
        parts = urlsplit(href)
        if f"{parts.scheme}://{parts.netloc}" == base and not parts.path.startswith("/api/"):
            paths.append(parts.path)
    return paths


def _check(page, url: str, findings: list[str], audited: set[str] | None = None) -> bool:
    """Open ``url``; audit it unless its path was audited in this locale already (``audited``).
    Returns whether it was audited."""
    response = page.goto(url)
    assert response is not None
    if response.status >= 400:
        findings.append(f"{url}: HTTP {response.status}")
        return False
    if audited is not None:
        if url in audited:
            return False
        audited.add(url)
    try:
        accessibility.audit(page)
    except pytest.fail.Exception as failure:
        findings.append(str(failure))
    return True


def _sign_in(context, base: str, email: str, locale: str):
    page = context.new_page()
    page.goto(f"{base}/signin?lang={locale}")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert "/signin" not in page.url, f"{email} could not sign in"
    return page


def _crawl(page, base: str, start: str, locale: str, findings: list[str],
           audited: set[str]) -> tuple[int, int]:
    """Open ``start`` and every navigation page reachable from it that no earlier role opened in
    this locale, each path once, and audit them; returns (paths reached, pages audited)."""
    queue, seen, count = [urlsplit(start).path], set(), 0
    while queue and len(seen) < MAX_PAGES_PER_PASS:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        url = f"{base}{path}?lang={locale}"
        if url in audited and len(seen) > 1:
            continue  # audited for an earlier role; the role's own start page is always opened
        count += _check(page, url, findings, audited)
        queue.extend(link for link in _links(page, base) if link not in seen)
    return len(seen), count


def test_every_navigation_page_of_every_role_is_accessible_and_valid(
        demo_server, browser, summary):
    accessibility.require_tools()
    base, _application = demo_server
    findings: list[str] = []
    opened = checked = 0
    for locale in LOCALES:
        audited: set[str] = set()  # a page seen by several roles is audited once per locale
        context = browser.new_context()
        page = context.new_page()
        for path in PUBLIC:
            _check(page, f"{base}{path}?lang={locale}", findings)
            checked += 1
        context.close()
        for role, (email, slug) in ROLES.items():
            context = browser.new_context()
            page = _sign_in(context, base, email, locale)
            start = f"{base}/t/{slug}/" if slug else page.url
            pages, new = _crawl(page, base, start, locale, findings, audited)
            assert pages > 1 or slug is None, f"{role}: no navigation found on {start}"
            opened += pages
            checked += new
            context.close()
    summary(f"accessibility: {len(ROLES)} roles in {'/'.join(LOCALES)} reached {opened} "
            f"navigation paths; {checked} distinct pages audited (axe-core; HTML kept for vnu)")
    assert not findings, "\n".join(findings)
