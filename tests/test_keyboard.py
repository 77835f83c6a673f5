"""Keyboard only, in Chromium, on the demo data: sign in, then create an application for
authorisation.

Only the Tab, Enter and typed keys are used. At each Tab the focused element must come after
the previous one in the visual reading order (further down, or to the right on the same row)
and show a focus indicator (a computed outline or box-shadow).
"""

from __future__ import annotations

import pytest

from samverkan.platform.demo import DEMO_PASSWORD, seed

PROVIDER = "provider@example.org"  # provider reporter of Yrkesinstitutet Pro in falun
MAX_TABS = 40

FOCUSED = """() => {
  const e = document.activeElement;
  const r = e.getBoundingClientRect();
  const s = getComputedStyle(e);
  return {
    tag: e.tagName.toLowerCase(), name: e.getAttribute('name') || '', id: e.id || '',
    type: e.getAttribute('type') || '', cls: e.className || '',
    text: (e.innerText || e.value || '').trim().slice(0, 40),
    top: r.top + window.scrollY, bottom: r.bottom + window.scrollY,
    left: r.left + window.scrollX, right: r.right + window.scrollX,
    width: r.width, height: r.height,
    outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0,
    shadow: s.boxShadow !== 'none',
    inViewport: r.bottom > 0 && r.top < window.innerHeight,
  };
}"""


@pytest.fixture
def demo_server(app, app_config, serve):
    with app.app_context():
        seed()
    with serve(app_config) as served:
        yield served


def _describe(element: dict) -> str:
    label = element["name"] or element["id"] or element["text"] or element["cls"]
    return f"<{element['tag']}> {label!r}"


def _comes_after(previous: dict, current: dict) -> bool:
    """Visual order: on a later line, or on the same line further to the right."""
    if current["top"] >= previous["bottom"] - 1:
        return True
    same_row = current["top"] < previous["bottom"] and previous["top"] < current["bottom"]
    return same_row and current["left"] > previous["left"]


def _tab_until(page, predicate, problems: list[str]) -> list[dict]:
    """Press Tab until ``predicate(focused)``; check order and focus indicator at each step."""
    visited: list[dict] = []
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused["tag"] == "body":
            continue
        if not (focused["outline"] or focused["shadow"]):
            problems.append(f"no visible focus indicator on {_describe(focused)}")
        if not focused["width"] or not focused["height"] or not focused["inViewport"]:
            problems.append(f"focused element not visible: {_describe(focused)}")
        if visited and not _comes_after(visited[-1], focused):
            problems.append(f"focus jumps back from {_describe(visited[-1])} "
                            f"to {_describe(focused)}")
        visited.append(focused)
        if predicate(focused):
            return visited
    pytest.fail(f"not reached in {MAX_TABS} Tab presses; visited: "
                f"{[_describe(v) for v in visited]}")


def _sign_in_with_keyboard(page, base: str, locale: str, problems: list[str]) -> None:
    page.goto(f"{base}/signin?lang={locale}")
    page.keyboard.press("Tab")
    skip = page.evaluate(FOCUSED)
    assert "skip-link" in skip["cls"] and skip["inViewport"], "the first Tab reaches the skip link"
    assert skip["outline"] or skip["shadow"]
    page.keyboard.press("Enter")  # to the main content
    visited = _tab_until(page, lambda e: e["name"] == "email", problems)
    assert visited[0]["name"] == "email", "from the main content the first stop is the e-mail"
    page.keyboard.type(PROVIDER)
    _tab_until(page, lambda e: e["name"] == "password", problems)
    page.keyboard.type(DEMO_PASSWORD)
    submit = _tab_until(page, lambda e: e["tag"] == "button" and e["type"] == "submit", problems)
    assert len(submit) == 1, "the sign-in button follows the password"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/signin" not in page.url, "signed in with the keyboard alone"


def test_sign_in_and_apply_for_authorisation_with_the_keyboard_only(demo_server, browser,
                                                                    translate):
    base, application = demo_server
    context = browser.new_context()
    page = context.new_page()
    problems: list[str] = []
    _sign_in_with_keyboard(page, base, "sv", problems)

    (create,) = translate(application, "fi", "Create application")
    page.goto(f"{base}/t/falun/partnership/authorisation/applications/new?lang=fi")
    # Through the whole page, header and navigation included, to the form's button.
    visited = _tab_until(page, lambda e: e["tag"] == "button" and e["text"] == create, problems)
    tags = [v["name"] for v in visited]
    assert "organisation_id" in tags, "the form's field is reached before its button"
    assert tags.index("organisation_id") == len(tags) - 2, "the button follows the field"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.rstrip("/").split("?")[0].split("/")[-1].isdigit(), (
        f"the application was created with the keyboard: {page.url}")
    context.close()
    assert not problems, "\n".join(problems)


def test_a_missing_focus_indicator_is_found(app_config, serve, browser):
    """The check can fail: with the focus styles removed, the sign-in form has no indicator."""
    with serve(app_config) as (base, _application):
        _without_focus_styles(browser, base)


def _without_focus_styles(browser, base: str) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{base}/signin?lang=sv")
    page.evaluate("""() => {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync('*:focus, *:focus-visible { outline: none !important; '
                        + 'box-shadow: none !important; }');
      document.adoptedStyleSheets = [sheet];
    }""")
    problems: list[str] = []
    _tab_until(page, lambda e: e["name"] == "email", problems)
    context.close()
    assert any("no visible focus indicator" in problem for problem in problems)
