"""The outcome report journey in Chromium: the provider fills and submits a report in Finnish,
the purchaser returns it with a comment in Swedish, the provider corrects and submits again,
and the purchaser accepts it.

The world is built with the services: the municipality ``kust`` buys from the provider
Yrkesakademin under the signed agreement ``SP-1`` (2025 Q1) with the indicators ``started``
(count, target 40) and ``employed`` (percent); ``provider@example.org`` reports for the
provider (Finnish), ``purchaser@example.org`` reviews (Swedish).
"""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from samverkan.partnership import services as svc
from samverkan.partnership.models import OutcomeReport
from samverkan.platform.db import db, tenant_scope
from samverkan.tenants.models import Tenant, User
from samverkan.tenants.permissions import principal_for_user

PASSWORD = "a browser journey password"
PROVIDER, PURCHASER = "provider@example.org", "purchaser@example.org"


@pytest.fixture
def world(app, factory) -> dict:
    tenant = factory.tenant("kust")
    city = factory.organisation(tenant, kind="municipality", name={"sv": "Vasa", "fi": "Vaasa"})
    provider = factory.organisation(tenant, kind="provider",
                                    name={"sv": "Yrkesakademin", "fi": "Yrkesakademin"})
    factory.user(PROVIDER, tenant=tenant, roles=["provider_reporter"], locale="fi",
                 organisation=SimpleNamespace(id=provider.id), password=PASSWORD)
    factory.user(PURCHASER, tenant=tenant, roles=["purchaser"], locale="sv", password=PASSWORD)
    with app.app_context(), tenant_scope(tenant.id):
        row = db.session.get(Tenant, tenant.id)

        def who(email):
            return principal_for_user(row, db.session.scalar(select(User).where(User.email == email)))

        period = svc.generate_periods(row, who(PURCHASER), 2025, 2025, "quarter")[0]
        agreement = svc.create_agreement(row, who(PURCHASER), svc.AgreementData(
            code="SP-1", title={"sv": "Strategiskt partnerskap", "fi": "Strateginen kumppanuus"},
            valid_from=date(2025, 1, 1), valid_to=date(2025, 3, 31)))
        svc.add_party(row, who(PURCHASER), agreement, city.id, "purchaser")
        svc.add_party(row, who(PURCHASER), agreement, provider.id, "provider")
        started = svc.add_indicator(row, who(PURCHASER), agreement, svc.IndicatorData(
            code="started", name={"sv": "Påbörjade", "fi": "Aloittaneet"}, unit="count"))
        employed = svc.add_indicator(row, who(PURCHASER), agreement, svc.IndicatorData(
            code="employed", name={"sv": "Sysselsatta", "fi": "Työllistyneet"}, unit="percent"))
        svc.set_target(row, who(PURCHASER), started, period.id, "40")
        svc.transition_agreement(row, who(PURCHASER), agreement, "negotiation")
        svc.sign(row, who(PURCHASER), agreement)
        svc.sign(row, who(PROVIDER), agreement)
        db.session.commit()
        return {"tenant": tenant.id, "agreement": agreement.id, "started": started.id,
                "employed": employed.id}


def _sign_in(browser, base: str, email: str, locale: str):
    context = browser.new_context()
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(f"{base}/signin?lang={locale}")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert "/signin" not in page.url, f"{email} could not sign in"
    return context, page, problems


def _status(application, tenant_id: int) -> list[tuple[int, str]]:
    with application.app_context(), tenant_scope(tenant_id):
        return [(r.revision, r.status) for r in db.session.scalars(
            select(OutcomeReport).order_by(OutcomeReport.revision))]


def _provider_submits(page, translate_fi, world, started: str) -> None:
    page.locator(f"input[name=value-{world['started']}]").fill(started)
    page.locator(f"input[name=value-{world['employed']}]").fill("72,5")
    page.locator(f"textarea[name=comment-{world['started']}-fi]").fill("Hyvä alku")
    page.get_by_role("button", name=translate_fi["Submit"], exact=True).click()
    page.wait_for_load_state()


def _purchaser_decides(browser, base, url, sv: dict, decision: str, comment: str | None):
    context, page, problems = _sign_in(browser, base, PURCHASER, "sv")
    page.goto(url)
    assert page.locator("html").get_attribute("lang") == "sv"
    page.get_by_role("link", name=sv["Review the report"]).click()
    if comment:
        page.locator("textarea[name^=review-]").first.fill(comment)
    page.get_by_label(sv[decision], exact=True).check()
    page.get_by_role("button", name=sv["Record the decision"]).click()
    page.wait_for_load_state()
    text = page.locator("main").inner_text()
    context.close()
    return text, problems


def test_fill_submit_return_correct_resubmit_accept(app, app_config, world, serve, browser,
                                                    translate):
    keys = ("Start report", "Submit", "Submitted", "Correct and submit again")
    fi = dict(zip(keys, translate(app, "fi", *keys), strict=True))
    keys_sv = ("Review the report", "Return to the provider", "Accept the report",
               "Record the decision", "Returned", "Accepted")
    sv = dict(zip(keys_sv, translate(app, "sv", *keys_sv), strict=True))
    problems: list[str] = []
    with serve(app_config) as (base, application):
        # The provider starts the report from the list, fills it in Finnish and submits it.
        context, page, seen = _sign_in(browser, base, PROVIDER, "fi")
        page.goto(f"{base}/t/kust/partnership/reports")
        assert page.locator("html").get_attribute("lang") == "fi"
        page.locator("tr", has_text="2025 Q1").get_by_role("button", name=fi["Start report"]).click()
        page.wait_for_load_state()
        assert page.url.endswith("/edit")
        _provider_submits(page, fi, world, "38")
        detail = page.url
        assert fi["Submitted"] in page.locator("main dl.facts").inner_text()
        assert _status(application, world["tenant"]) == [(1, "submitted")]
        problems += seen
        context.close()

        # The purchaser returns it in Swedish with a comment on a value.
        text, seen = _purchaser_decides(browser, base, detail, sv, "Return to the provider",
                                        "Kontrollera antalet påbörjade")
        assert sv["Returned"] in text and "Kontrollera antalet påbörjade" in text
        assert _status(application, world["tenant"]) == [(1, "returned")]
        problems += seen

        # The provider reads the comment, corrects the value and submits again.
        context, page, seen = _sign_in(browser, base, PROVIDER, "fi")
        page.goto(detail)
        page.get_by_role("link", name=fi["Correct and submit again"]).click()
        assert "Kontrollera antalet påbörjade" in page.locator("main").inner_text()
        _provider_submits(page, fi, world, "41")
        assert fi["Submitted"] in page.locator("main dl.facts").inner_text()
        problems += seen
        context.close()

        # The purchaser accepts it.
        text, seen = _purchaser_decides(browser, base, detail, sv, "Accept the report", None)
        assert sv["Accepted"] in text and "41" in text
        problems += seen
    assert _status(app, world["tenant"]) == [(1, "accepted")]
    assert not problems, f"errors in the browser console: {problems}"


def test_import_progress_page_follows_the_job_and_shows_the_result(app, app_config, world, serve,
                                                                   browser, translate, tmp_path):
    """The provider uploads a file; the job runs in a background thread and the status page
    polls it, then shows the result, with no script errors."""
    from playwright.sync_api import expect

    from samverkan.partnership.services.imports import COLUMNS

    upload = tmp_path / "arvot.csv"
    upload.write_text(";".join(COLUMNS) + "\nstarted;;;39;;;;\nemployed;;;70;;;;\n",
                      encoding="utf-8-sig")
    keys = ("Import", "File (CSV or XLSX)",
            "The values are saved as drafts. Check each report and submit it.")
    fi = dict(zip(keys, translate(app, "fi", *keys), strict=True))
    with serve({**app_config, "SAMVERKAN_JOBS_MODE": "thread"}) as (base, application):
        context, page, problems = _sign_in(browser, base, PROVIDER, "fi")
        page.goto(f"{base}/t/kust/partnership/agreements/{world['agreement']}/import")
        page.get_by_label(fi["File (CSV or XLSX)"]).set_input_files(str(upload))
        page.get_by_role("button", name=fi["Import"], exact=True).click()
        page.wait_for_url("**/partnership/imports/*")
        page.get_by_text(fi["The values are saved as drafts. Check each report and submit it."]
                         ).wait_for(timeout=15_000)

        # A run still going: the bar follows its progress, and the page shows the end result.
        run_id = _running_import(application, world)
        page.goto(f"{base}/t/kust/partnership/imports/{run_id}")
        assert page.locator("progress").get_attribute("value") == "10"
        _set_run(application, run_id, progress=60)
        expect(page.locator("[data-progress-text]")).to_have_text("60 %", timeout=5_000)
        _set_run(application, run_id, status="finished", progress=100, result={
            "ok": False, "error_count": 1, "errors": [[2, "Rivillä on ongelma"]],
            "agreement_id": world["agreement"]})
        page.get_by_text("Rivillä on ongelma").wait_for(timeout=5_000)
        context.close()
    with app.app_context(), tenant_scope(world["tenant"]):
        values = {v.indicator.code: v.value for r in db.session.scalars(select(OutcomeReport))
                  for v in r.values}
    assert values == {"started": 39, "employed": 70}
    assert not problems, f"errors in the browser console: {problems}"


def _running_import(application, world) -> str:
    import uuid

    from samverkan.partnership.services.imports import JOB
    from samverkan.platform.jobs import JobRun

    with application.app_context(), tenant_scope(world["tenant"]):
        user = db.session.scalar(select(User).where(User.email == PROVIDER))
        run = JobRun(id=str(uuid.uuid4()), name=JOB, tenant_id=world["tenant"], actor_id=user.id,
                     status="running", progress=10)
        db.session.add(run)
        db.session.commit()
        return run.id


def _set_run(application, run_id: str, **values) -> None:
    from samverkan.platform.db import platform_scope
    from samverkan.platform.jobs import JobRun

    with application.app_context(), platform_scope("test: a job's bookkeeping"):
        run = db.session.get(JobRun, run_id)
        for key, value in values.items():
            setattr(run, key, value)
        db.session.commit()
