"""The association project in Chromium, on the demo data.

The coordinator of ``forbundet`` (``coordinator@example.org``) opens the project "Strategic
partnership and owner steering in vocational education 2024-2026" and the benchmark of the
library indicator ``started`` in Finnish, then in Swedish: Vasa shares it by name, so Vasa is
among the points. Vasa's admin (``owner.vasa@example.org``) withdraws Vasa's consent in
``vasa``; the coordinator's benchmark no longer shows Vasa, and the dashboard says that the
consent was withdrawn.
"""

from __future__ import annotations

import pytest

from samverkan.platform.demo import DEMO_PASSWORD, seed

COORDINATOR, VASA_ADMIN = "coordinator@example.org", "owner.vasa@example.org"
PROJECT = {"fi": "Strateginen kumppanuus ja omistajaohjaus ammatillisessa koulutuksessa 2024–2026",
           "sv": "Strategiskt partnerskap och ägarstyrning inom yrkesutbildningen 2024–2026"}
VASA = {"fi": "Vaasan kaupunki", "sv": "Vasa stad"}
CODE, PERIOD = "started", "2025 Q2"
PROJECT_CODE = "KUMPPANUUS-2024"


@pytest.fixture
def demo_server(app, app_config, serve):
    """The demo data in the test database, served in a background thread."""
    with app.app_context():
        seed()
    with serve(app_config) as served:
        yield served


def _sign_in(browser, base: str, email: str, locale: str):
    context = browser.new_context()
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(f"{base}/signin?lang={locale}")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert "/signin" not in page.url, f"{email} could not sign in"
    return context, page, problems


def _open_benchmark(page, base: str, application, translate, locale: str) -> str:
    """From the project list to the benchmark of ``started`` in ``PERIOD``; the chart's and
    table's text."""
    projects, benchmarks, show = translate(application, locale, "Projects", "Benchmarks", "Show")
    page.goto(f"{base}/t/forbundet/?lang={locale}")
    page.locator("nav").get_by_role("link", name=projects, exact=True).first.click()
    page.get_by_role("link", name=PROJECT_CODE, exact=True).click()
    assert PROJECT[locale] in page.locator("h1").inner_text()
    page.locator("nav.tabs-secondary").get_by_role("link", name=benchmarks).click()
    assert page.locator("h1").inner_text().startswith(benchmarks)
    page.select_option("select#code", CODE)
    page.select_option("select#period", PERIOD)
    page.get_by_role("button", name=show).click()
    page.wait_for_load_state()
    heading = page.locator("#benchmark-heading").inner_text()
    assert f"({CODE})" in heading and PERIOD in heading
    return page.locator("main").inner_text()


def test_coordinator_sees_the_benchmark_and_loses_vasa_when_it_withdraws(
        demo_server, browser, translate):
    base, application = demo_server
    median_fi, anonymised_fi = translate(application, "fi", "Median", "Anonymised participant")
    (median_sv,) = translate(application, "sv", "Median")

    coordinator, page, problems = _sign_in(browser, base, COORDINATOR, "fi")
    finnish = _open_benchmark(page, base, application, translate, "fi")
    assert page.locator("html").get_attribute("lang") == "fi"
    chart = page.locator("main svg[role=img]")
    assert chart.count() == 1 and chart.locator(":scope > title").count() == 1
    assert median_fi in finnish and VASA["fi"] in finnish
    assert anonymised_fi in finnish  # the anonymised participants: in the table, without names
    swedish = _open_benchmark(page, base, application, translate, "sv")
    assert page.locator("html").get_attribute("lang") == "sv"
    assert median_sv in swedish and VASA["sv"] in swedish
    points_before = page.locator("main svg[role=img] circle").count()
    assert points_before >= 3

    # Vasa's admin withdraws the consent, confirming on the page.
    admin, vasa_page, vasa_problems = _sign_in(browser, base, VASA_ADMIN, "sv")
    joint_projects, withdraw, withdrawn = translate(
        application, "sv", "Joint projects", "Withdraw the consent", "Consent withdrawn")
    vasa_page.goto(f"{base}/t/vasa/")
    vasa_page.locator("nav").get_by_role("link", name=joint_projects, exact=True).first.click()
    vasa_page.get_by_role("link", name=PROJECT["sv"]).first.click()
    vasa_page.get_by_role("link", name=withdraw).click()
    vasa_page.locator("main form").get_by_role("button", name=withdraw).click()
    vasa_page.wait_for_load_state()
    assert "/withdraw" not in vasa_page.url

    # The coordinator's view loses Vasa's data at once.
    after = _open_benchmark(page, base, application, translate, "sv")
    assert VASA["sv"] not in after
    assert page.locator("main svg[role=img] circle").count() in (0, points_before - 1)
    page.goto(page.url.replace("/benchmarks", "/dashboard").split("?")[0])
    assert withdrawn in page.locator("main").inner_text()

    for context in (coordinator, admin):
        context.close()
    assert not problems and not vasa_problems, f"browser errors: {problems + vasa_problems}"
