"""The owner-steering journey on the demo data, in Chromium, in Swedish and in Finnish.

Vasa's representative opens the goal awaiting the owners' vote from the overview and votes;
the representatives of Korsholm and Närpes vote too; the page shows the weighted decision and
the goal is adopted on Vasa's overview. Then the provider reports progress on it and sees the
goal's status.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from samverkan.ownership.models import GoalStatus, SteeringGoal
from samverkan.platform.db import db, tenant_scope
from samverkan.platform.demo import DEMO_PASSWORD, seed
from samverkan.tenants.models import Tenant

TENANT = "kustregionen"
REPRESENTATIVES = ("owner.vasa@example.org", "owner.korsholm@example.org",
                   "owner.narpes@example.org")


@pytest.fixture
def demo_server(app, app_config, serve):
    with app.app_context():
        seed()
    with serve(app_config) as served:
        yield served


def _proposed_goal(application) -> SteeringGoal:
    with application.app_context():
        tenant = db.session.scalar(select(Tenant).where(Tenant.slug == TENANT))
        with tenant_scope(tenant.id):
            goal = db.session.scalar(select(SteeringGoal).where(
                SteeringGoal.status == GoalStatus.PROPOSED))
            db.session.expunge(goal)
            return goal


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
    # The language switcher's choice (saved for the person) wins over their earlier choice.
    page.goto(f"{base}/tenants?lang={locale}")
    return context, page, problems


@pytest.mark.parametrize("locale", ["sv", "fi"])
def test_owners_vote_a_goal_adopted_and_the_provider_reports_on_it(demo_server, browser, translate,
                                                                   locale):
    base, application = demo_server
    goal = _proposed_goal(application)
    title = goal.title[locale]
    vote, yes, cast, adopted = translate(application, locale, "Cast your vote", "Yes", "Cast the vote",
                                         "Adopted")
    overview = f"{base}/t/{TENANT}/ownership/"
    problems: list[str] = []

    # Each owner's representative finds the item on the overview and votes yes.
    for email in REPRESENTATIVES:
        context, page, seen = _sign_in(browser, base, email, locale)
        page.goto(overview)
        assert page.locator("html").get_attribute("lang") == locale
        page.get_by_role("link", name=f"{vote} {title}").click()
        assert f"/t/{TENANT}/ownership/meetings/" in page.url and "/items/" in page.url
        page.get_by_label(yes, exact=True).check()
        page.get_by_role("button", name=cast).click()
        page.wait_for_load_state()
        problems += seen
        if email == REPRESENTATIVES[-1]:
            # The last vote decides the item: the result and its arithmetic are on the page.
            text = page.locator("main").inner_text()
            assert adopted in text
            assert "100" in text and "%" in text
        context.close()

    # Vasa sees the goal adopted on the overview, and no longer awaiting a vote.
    context, page, seen = _sign_in(browser, base, REPRESENTATIVES[0], locale)
    page.goto(overview)
    assert page.get_by_role("link", name=f"{vote} {title}").count() == 0
    adopted_goals = page.locator("section[aria-labelledby=adopted-heading]").inner_text()
    assert title in adopted_goals
    problems += seen
    context.close()

    # The provider reports progress on it and sees the goal's status.
    report, on_track, at_risk, off_track = translate(application, locale, "Report", "On track",
                                                     "At risk", "Off track")
    context, page, seen = _sign_in(browser, base, "provider@example.org", locale)
    page.goto(overview)
    page.get_by_role("link", name=f"{report} {title}").click()
    assert page.url.endswith(f"/goals/{goal.id}/progress")
    today = date.today()
    page.locator("input[name=period_label]").fill(str(today.year))
    page.locator("input[name=period_date]").fill(today.isoformat())
    page.locator("input[name=value]").fill("45")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert page.url.split("?")[0].endswith(f"/goals/{goal.id}")
    text = page.locator("main").inner_text()
    assert any(status in text for status in (on_track, at_risk, off_track)), text[:2000]
    assert "45" in text
    problems += seen
    context.close()

    assert not problems, f"errors in the browser console: {problems}"
