"""The authorisation model in Chromium, on falun's demo data.

The purchaser (``purchaser@example.org``, in Swedish) assesses the waiting application of
Vård & Omsorgsakademin Dalarna AB criterion by criterion and approves it, after which the public
register lists the provider; draws a spot check of Dalarnas Yrkesakademi's student records with
a seed of its own and records a finding on the first sampled item; creates a training order for
an employer and sends it to the authorised providers of the area. Dalarnas Yrkesakademi's
reporter (``provider@example.org``, in Finnish) answers with an offer, and the purchaser chooses
it. Then the purchaser opens the model's main pages in Finnish.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from samverkan.platform.demo import DEMO_PASSWORD, seed

PURCHASER, PROVIDER = "purchaser@example.org", "provider@example.org"
APPLICANT = "Vård & Omsorgsakademin Dalarna AB"
PROVIDER_NAME = "Dalarnas Yrkesakademi AB"
SEED = "falun-browser-2025"
COMPETENCE = "Svetsare till Kvarnsveden"
BASE = "/t/falun/partnership"


@pytest.fixture
def demo_server(app, app_config, serve):
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


def _click(page, name: str) -> None:
    page.locator("main").get_by_role("button", name=name, exact=True).first.click()
    page.wait_for_load_state()


def _flash_is_not_an_error(page) -> None:
    errors = page.locator(".flash-error, .alert-error, .error-summary")
    assert errors.count() == 0, page.locator("main").inner_text()


def _assess_and_approve(page, base: str, t) -> None:
    save, decide, approve = t("Save assessment", "Decide", "Approve application")
    page.goto(f"{base}{BASE}/authorisation?status=submitted")
    page.get_by_role("link", name=APPLICANT).first.click()
    page.wait_for_load_state()
    selects = page.locator("select[name=assessment]")
    count = selects.count()
    assert count >= 8, "every criterion of the catalogue is to be assessed"
    for index in range(count):
        form = page.locator("form:has(select[name=assessment])").nth(index)
        form.locator("select[name=assessment]").select_option("met")
        form.get_by_role("button", name=save).click()
        page.wait_for_load_state()
        _flash_is_not_an_error(page)
    assert page.locator("td .badge-ok").count() == count
    page.locator("main").get_by_role("link", name=decide, exact=True).click()
    page.wait_for_load_state()
    page.check("input[name=approve-programme_areas][value=health_social_care]")
    page.fill("input[name=approve-valid_from]", date.today().isoformat())
    page.fill("input[name=approve-valid_to]", (date.today() + timedelta(days=3 * 365)).isoformat())
    page.check("input[name=approve-confirm]")
    _click(page, approve)
    _flash_is_not_an_error(page)
    page.goto(f"{base}/t/falun/register?lang=sv")
    assert APPLICANT in page.locator("main").inner_text()


def _spot_check_with_a_finding(page, base: str, t) -> None:
    draw, save, finding_label = t("Draw the sample", "Save assessment", "Finding")
    page.goto(f"{base}{BASE}/spot-checks/new")
    page.locator("select[name=organisation_id]").select_option(label=PROVIDER_NAME)
    page.locator("select[name=population_kind]").select_option("enrolments")
    page.fill("input[name=period_start]", "2025-01-01")
    page.fill("input[name=period_end]", "2025-06-30")
    page.locator("select[name=size_kind]").select_option("count")
    page.fill("input[name=sample_count]", "5")
    page.fill("input[name=seed]", SEED)
    _click(page, draw)
    _flash_is_not_an_error(page)
    main = page.locator("main")
    assert SEED in main.inner_text()
    first = page.locator("form:has(select[name=status])").first
    first.locator("select[name=status]").select_option("finding")
    first.locator("textarea[name=finding]").fill("Närvaron saknas för två veckor i mars.")
    first.get_by_role("button", name=save).click()
    page.wait_for_load_state()
    _flash_is_not_an_error(page)
    text = page.locator("main").inner_text()
    assert "Närvaron saknas för två veckor i mars." in text and finding_label in text


def _create_and_send_order(page, base: str, t) -> str:
    save, send = t("Save as draft", "Send to providers")
    page.goto(f"{base}{BASE}/training-orders/new")
    page.locator("select[name=employer_id]").select_option(label="Stora Enso Kvarnsveden AB")
    page.fill("input[name=competence]", COMPETENCE)
    page.locator("select[name=programme_area]").select_option("industry")
    page.fill("input[name=people]", "6")
    page.fill("input[name=place]", "Borlänge")
    page.fill("input[name=wanted_start_on]", (date.today() + timedelta(days=35)).isoformat())
    page.fill("textarea[name=specification-sv]", "Svetsare med certifikat enligt SS-EN ISO 9606-1.")
    _click(page, save)
    _flash_is_not_an_error(page)
    order_url = page.url.split("?")[0]
    page.locator("main").get_by_role("link", name=send, exact=True).click()
    page.wait_for_load_state()
    assert PROVIDER_NAME in page.locator("main").inner_text(), "the order goes to the provider"
    page.fill("input[name=answer_by]", (date.today() + timedelta(days=7)).isoformat())
    page.check("input[name=confirm]")
    _click(page, send)
    _flash_is_not_an_error(page)
    assert page.url.split("?")[0] == order_url, page.locator("main").inner_text()
    return order_url


def _offer(page, order_url: str, t) -> None:
    make, submit = t("Make an offer", "Submit offer")
    page.goto(order_url)
    assert COMPETENCE in page.locator("main").inner_text()
    page.locator("main").get_by_role("link", name=make, exact=True).click()
    page.wait_for_load_state()
    page.fill("input[name=planned_start_on]", (date.today() + timedelta(days=33)).isoformat())
    page.fill("input[name=places]", "6")
    page.fill("input[name=price]", "186000")
    page.fill("textarea[name=description]", "Hitsauskoulutus Borlängessä, 12 viikkoa.")
    _click(page, submit)
    _flash_is_not_an_error(page)


def _offer_chosen(application, locale: str) -> str:
    """The status of a chosen offer as the app shows it (the word has a context)."""
    from flask_babel import force_locale, pgettext

    with application.test_request_context(), force_locale(locale):
        return pgettext("offer", "Chosen")


def _choose(page, order_url: str, t, chosen: str) -> None:
    choose, choose_offer = t("Choose", "Choose offer")
    page.goto(order_url)
    page.locator("main").get_by_role("link", name=f"{choose} {PROVIDER_NAME}").click()
    page.wait_for_load_state()
    page.check("input[name=confirm]")
    _click(page, choose_offer)
    _flash_is_not_an_error(page)
    assert chosen in page.locator("main").inner_text()


def test_the_purchaser_runs_the_authorisation_model_in_swedish(demo_server, browser, translate):
    base, application = demo_server

    def sv(*messages):
        found = translate(application, "sv", *messages)
        return found[0] if len(found) == 1 else found

    context, page, problems = _sign_in(browser, base, PURCHASER, "sv")
    _assess_and_approve(page, base, sv)
    _spot_check_with_a_finding(page, base, sv)
    order_url = _create_and_send_order(page, base, sv)

    def fi(*messages):
        found = translate(application, "fi", *messages)
        return found[0] if len(found) == 1 else found

    provider_context, provider_page, provider_problems = _sign_in(browser, base, PROVIDER, "fi")
    _offer(provider_page, order_url, fi)
    provider_context.close()

    _choose(page, order_url, sv, _offer_chosen(application, "sv"))
    assert problems == [] and provider_problems == []
    context.close()


def test_the_main_pages_of_the_model_in_finnish(demo_server, browser, translate):
    base, application = demo_server
    context, page, problems = _sign_in(browser, base, PURCHASER, "fi")
    headings = {
        "/authorisation": "Authorisation",
        "/compensation/calculator": "Payouts",
        "/invoices": "Invoices",
        "/spot-checks": "Spot checks",
        "/training-orders": "Training orders",
        "/dialogues": "Quality dialogues",
        "/results": "Results of the authorisation model %(year)s",
    }
    for path, heading in headings.items():
        response = page.goto(f"{base}{BASE}{path}?lang=fi")
        assert response.status == 200, path
        expected = translate(application, "fi", heading)[0].split("%(")[0].strip()
        assert expected != heading.split("%(")[0].strip(), f"{heading!r} has no Finnish translation"
        assert page.locator("h1").first.inner_text().startswith(expected), path
        assert page.locator("html").get_attribute("lang") == "fi"
    assert problems == []
    context.close()
