"""The main journey of every role in Chromium, in Swedish and in Finnish, on the demo data.

One demo seed serves the whole module (fixture ``demo_site``). Each journey signs in through
the sign-in form, switches the interface to its language, changes or reads real state through
the pages, and asserts it on the page (with the labels as the app translates them) and in the
database. axe-core audits every page a journey visits (``accessibility.audit``). The journeys
share the served state, so each locale's run acts on objects no other test of the module
relies on: the order of the tests does not matter.

- operator: provisions a tenant and finds it in the list of tenants;
- tenant admin (kustregionen): invites a person with a role, changes a member's roles and
  finds the change in the audit trail;
- coordinator (forbundet): opens the association project, its dashboard and a benchmark;
- owner representative (kustregionen): votes on the proposed steering goal of the next
  owners' meeting;
- provider reporter: fills and submits an outcome report (kustregionen), and adds an
  enrolment in falun;
- purchaser: accepts a submitted outcome report, and draws a spot check in falun;
- viewer (kustregionen): reads the agreement's dashboard and exports it as CSV;
- guidance counsellor (falun): logs a guidance observation.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta

import accessibility
import pytest
from sqlalchemy import select

from samverkan.platform.db import db, platform_scope, tenant_scope
from samverkan.platform.demo import DEMO_PASSWORD
from samverkan.tenants.models import Membership, Tenant, User

LOCALES = ["sv", "fi"]
AGREEMENT_CODE = "SP-VASA-2024"
PROJECT_CODE = "KUMPPANUUS-2024"
AUDITED_SIGN_IN_PAGES: set[str] = set()
PROPOSED_GOAL = {"sv": "Arbetssökande i arbete efter arbetskraftsutbildning",
                 "fi": "Työnhakijat työhön työvoimakoulutuksen jälkeen"}


class Journey:
    """One person's browser session: signs in, keeps the interface in ``locale`` and audits
    every page it reaches with axe-core."""

    def __init__(self, browser, site, email: str, locale: str):
        self.base, self.app = site
        self.locale = locale
        self.context = browser.new_context()
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.page.on("console", lambda m: self.problems.append(m.text)
                     if m.type == "error" else None)
        self.page.on("pageerror", lambda error: self.problems.append(str(error)))
        self.goto(f"/signin?lang={locale}")
        self.page.fill("input[name=email]", email)
        self.page.fill("input[name=password]", DEMO_PASSWORD)
        self.page.locator("main form button[type=submit]").click()
        self.page.wait_for_load_state()
        assert "/signin" not in self.page.url, f"{email} could not sign in"
        # The person's saved language applies after signing in; the language switcher's
        # choice replaces it.
        self.goto(f"/tenants?lang={locale}")

    def t(self, *messages: str):
        """The messages as the app shows them in the journey's language."""
        from flask_babel import force_locale, gettext

        with self.app.test_request_context(), force_locale(self.locale):
            found = [gettext(message) for message in messages]
        return found[0] if len(found) == 1 else found

    def pt(self, context: str, message: str) -> str:
        from flask_babel import force_locale, pgettext

        with self.app.test_request_context(), force_locale(self.locale):
            return pgettext(context, message)

    def arrived(self) -> None:
        """The page after a navigation: in the journey's language, without an error message,
        and free of WCAG 2.1 A/AA violations."""
        self.page.wait_for_load_state()
        assert self.page.locator("html").get_attribute("lang") == self.locale, self.page.url
        errors = self.page.locator(".flash-error, .alert-error, .error-summary")
        assert errors.count() == 0, self.main()[:2000]
        anonymous = self.page.url.replace(self.base, "").startswith("/signin")
        if not anonymous or self.page.url not in AUDITED_SIGN_IN_PAGES:
            # The sign-in page is the same for everyone: audited once per language.
            accessibility.audit(self.page)
            if anonymous:
                AUDITED_SIGN_IN_PAGES.add(self.page.url)

    def goto(self, path: str) -> None:
        response = self.page.goto(f"{self.base}{path}")
        assert response is not None and response.ok, f"{path}: {response and response.status}"
        self.arrived()

    def click(self, locator) -> None:
        locator.click()
        self.arrived()

    def link(self, name: str, *, within: str = "main", exact: bool = True) -> None:
        self.click(self.page.locator(within).get_by_role("link", name=name, exact=exact).first)

    def button(self, name: str, *, exact: bool = True) -> None:
        self.click(self.page.locator("main").get_by_role("button", name=name, exact=exact).first)

    def main(self) -> str:
        return self.page.locator("main").inner_text()

    def close(self) -> None:
        self.context.close()
        assert not self.problems, f"errors in the browser console: {self.problems}"


@pytest.fixture
def journey(demo_site, module_browser):
    """``journey(email, locale)``: a signed-in :class:`Journey`, closed after the test."""
    opened: list[Journey] = []

    def start(email: str, locale: str) -> Journey:
        opened.append(Journey(module_browser, demo_site, email, locale))
        return opened[-1]

    yield start
    for each in opened:
        each.close()


def _tenant(slug: str) -> Tenant:
    return db.session.scalar(select(Tenant).where(Tenant.slug == slug))


@contextmanager
def _in_tenant(app, slug: str) -> Iterator[None]:
    """An application context scoped to the tenant ``slug``, to read what a journey wrote."""
    with app.app_context(), platform_scope("test: finds the tenant"):
        tenant_id = _tenant(slug).id
    with app.app_context(), tenant_scope(tenant_id):
        yield


# --- operator ------------------------------------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
def test_operator_provisions_a_tenant(journey, locale):
    me = journey("operator@example.org", locale)
    slug = f"resan-{locale}"
    names = {"sv": f"Resekommunen {locale}", "fi": f"Matkakunta {locale}"}
    tenants, create = me.t("Tenants", "Create tenant")
    me.goto("/operator/tenants")
    assert me.page.locator("h1").inner_text() == tenants
    me.link(create)
    me.page.fill("input[name=slug]", slug)
    me.page.locator("select[name=kind]").select_option("municipality")
    me.page.fill("input[name=name-sv]", names["sv"])
    me.page.fill("input[name=name-fi]", names["fi"])
    me.page.locator("select[name=country]").select_option("FI")
    me.button(create)

    me.goto(f"/operator/tenants?q={slug}")
    row = me.page.locator("main tbody tr", has_text=slug)
    assert row.count() == 1
    assert names[locale] in row.inner_text()
    with me.app.app_context(), platform_scope("test: the provisioned tenant"):
        tenant = _tenant(slug)
        assert tenant is not None and tenant.name == names and tenant.country == "FI"


# --- tenant admin --------------------------------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
def test_tenant_admin_invites_changes_roles_and_reads_the_audit_trail(journey, locale):
    me = journey("admin.kustregionen@example.org", locale)
    invitee = f"invited.{locale}@example.org"
    # Each language's run gives another owners' representative the extra role of viewer.
    member_email, member_name = {
        "sv": ("owner.korsholm@example.org", "Karin Korsholm"),
        "fi": ("owner.narpes@example.org", "Noora Närpes"),
    }[locale]
    invitations, invite, send, purchaser, viewer = me.t(
        "Invitations", "Invite a person", "Send the invitation", "Purchaser", "Viewer")

    # Invite a person as purchaser.
    me.goto("/t/kustregionen/invitations")
    me.link(invite)
    me.page.fill("input[name=email]", invitee)
    me.page.locator("input[name=roles][value=purchaser]").check()
    me.button(send)
    me.goto("/t/kustregionen/invitations")
    row = me.page.locator("main tbody tr", has_text=invitee)
    assert row.count() == 1 and purchaser in row.inner_text()

    # Give a member the role of viewer besides their own.
    members, save, changed = me.t("Members", "Save", "Member's roles changed")
    me.goto("/t/kustregionen/members")
    assert me.page.locator("h1").inner_text() == members
    me.link(member_name)
    me.page.locator("input[name=roles][value=viewer]").check()
    me.button(save)
    me.goto("/t/kustregionen/members")
    row = me.page.locator("main tbody tr", has_text=member_email)
    assert viewer in row.inner_text()

    # The audit trail records both.
    me.goto("/t/kustregionen/audit?action=membership.changed")
    trail = me.main()
    assert changed in trail
    assert member_name in trail or member_email in trail
    from samverkan.tenants.models import Invitation

    with _in_tenant(me.app, "kustregionen"):
        user = db.session.scalar(select(User).where(User.email == member_email))
        membership = db.session.scalar(select(Membership).where(Membership.user_id == user.id))
        assert set(membership.roles) == {"owner_representative", "viewer"}
        invitation = db.session.scalar(select(Invitation).where(Invitation.email == invitee))
        assert invitation is not None and invitation.roles == ["purchaser"]


# --- coordinator ---------------------------------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
def test_coordinator_opens_the_project_its_dashboard_and_a_benchmark(journey, locale):
    me = journey("coordinator@example.org", locale)
    projects, dashboard, participants, benchmarks, show, median = me.t(
        "Projects", "Dashboard", "Participants and their consent", "Benchmarks", "Show", "Median")
    vasa = {"sv": "Vasa stad", "fi": "Vaasan kaupunki"}[locale]
    me.goto("/t/forbundet/")
    me.link(projects, within="nav")
    me.link(PROJECT_CODE)
    project_title = me.page.locator("h1").inner_text()
    from samverkan.tenants.project_models import Project

    with _in_tenant(me.app, "forbundet"):
        project = db.session.scalar(select(Project).where(Project.code == PROJECT_CODE))
        assert project.name[locale] in project_title

    me.link(dashboard, within="nav.tabs-secondary")
    assert me.page.locator("h1").inner_text().startswith(dashboard)
    section = me.page.locator("section[aria-labelledby=participants-heading]").inner_text()
    assert participants in section and vasa in section

    me.link(benchmarks, within="nav.tabs-secondary")
    me.page.select_option("select#code", "started")
    me.page.select_option("select#period", "2025 Q2")
    me.button(show)
    heading = me.page.locator("#benchmark-heading").inner_text()
    assert "(started)" in heading and "2025 Q2" in heading
    text = me.main()
    assert median in text and vasa in text
    assert me.page.locator("main svg[role=img] circle").count() >= 3


# --- owner representative ------------------------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
def test_owner_representative_votes_on_the_proposed_goal(journey, locale):
    # Vasa (45 %) votes yes in Swedish, Närpes (25 %) no in Finnish: the item stays undecided
    # until Korsholm votes, so either run finds it open.
    email, choice, owner = {
        "sv": ("owner.vasa@example.org", "yes", "Vasa stad"),
        "fi": ("owner.narpes@example.org", "no", "Närpiön kaupunki"),
    }[locale]
    me = journey(email, locale)
    cast_your_vote, cast, your_vote = me.t("Cast your vote", "Cast the vote", "Your vote")
    label = me.t({"yes": "Yes", "no": "No"}[choice])
    title = PROPOSED_GOAL[locale]
    me.goto("/t/kustregionen/ownership/")
    me.link(f"{cast_your_vote} {title}")
    assert me.page.locator("h1").inner_text() == title
    assert your_vote in me.main()
    me.page.locator("main form").get_by_label(label, exact=True).check()
    me.button(cast)
    ballot = me.page.locator("table.ballot tbody tr", has_text=owner).inner_text()
    assert label in ballot

    from samverkan.ownership.models import AgendaItem, SteeringGoal, Vote

    with _in_tenant(me.app, "kustregionen"):
        goal = next(g for g in db.session.scalars(select(SteeringGoal))
                    if g.title.get(locale) == title)
        item = db.session.scalar(select(AgendaItem).where(AgendaItem.goal_id == goal.id))
        user = db.session.scalar(select(User).where(User.email == email))
        votes = db.session.scalars(select(Vote).where(
            Vote.agenda_item_id == item.id, Vote.user_id == user.id)).all()
        assert [vote.choice for vote in votes] == [choice]


# --- provider reporter ---------------------------------------------------------------------


def _report_status(app, slug: str, period_label: str) -> list[str]:
    from samverkan.partnership.models import OutcomeReport, ReportingPeriod

    with _in_tenant(app, slug):
        return list(db.session.scalars(
            select(OutcomeReport.status).join(
                ReportingPeriod, ReportingPeriod.id == OutcomeReport.period_id)
            .where(ReportingPeriod.label == period_label)
            .order_by(OutcomeReport.revision)))


@pytest.mark.parametrize("locale", LOCALES)
def test_provider_reporter_submits_a_report_and_adds_an_enrolment(journey, locale):
    me = journey("provider@example.org", locale)
    start, fill, submit, submitted = me.t("Start report", "Fill in the report", "Submit",
                                          "Submitted")
    # Swedish starts the report of 2025 Q4, not begun; Finnish completes the draft of 2026 Q3.
    period = {"sv": "2025 Q4", "fi": "2026 Q3"}[locale]
    me.goto("/t/kustregionen/partnership/reports")
    row = me.page.locator("main tbody tr", has_text=period)
    if locale == "sv":
        me.click(row.get_by_role("button", name=start, exact=False))
    else:
        me.click(row.get_by_role("link"))
        me.link(fill)
    assert me.page.url.endswith("/edit")
    values = me.page.locator("main input[name^=value-]")
    for index in range(values.count()):
        if not values.nth(index).input_value():
            values.nth(index).fill("12")
    me.button(submit)
    assert submitted in me.page.locator("main dl.facts").inner_text()
    assert _report_status(me.app, "kustregionen", period)[-1] == "submitted"

    # In falun, the provider adds an enrolment of a student to an upper secondary course.
    enrolments, add = me.t("Enrolments", "Add enrolment")
    student = f"RESA-{locale.upper()}-1"
    me.goto("/t/falun/partnership/compensation/enrolments")
    assert me.page.locator("h1").inner_text().startswith(enrolments)
    me.link(add)
    me.page.fill("input[name=student_ref]", student)
    me.page.locator("select[name=course_type]").select_option("upper_secondary_komvux")
    me.page.fill("input[name=course_name]", "Svetsteknik 1")
    me.page.fill("input[name=starts_on]", date.today().isoformat())
    me.page.fill("input[name=ends_on]", (date.today() + timedelta(days=70)).isoformat())
    me.page.fill("input[name=course_points]", "100")
    me.button(add)
    me.goto(f"/t/falun/partnership/compensation/enrolments?q={student}")
    assert student in me.main()

    from samverkan.partnership.purchasing_models import Enrolment

    with _in_tenant(me.app, "falun"):
        enrolment = db.session.scalar(select(Enrolment).where(Enrolment.student_ref == student))
        assert enrolment is not None and enrolment.course_type == "upper_secondary_komvux"


# --- purchaser -----------------------------------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
def test_purchaser_accepts_a_report_and_draws_a_spot_check(journey, locale):
    me = journey("purchaser@example.org", locale)
    review, accept, record, accepted = me.t("Review the report", "Accept the report",
                                            "Record the decision", "Accepted")
    # The report of 2026 Q2 awaits review in both tenants: Swedish reviews kustregionen's,
    # Finnish falun's.
    slug = {"sv": "kustregionen", "fi": "falun"}[locale]
    me.goto(f"/t/{slug}/partnership/reports?status=submitted")
    me.click(me.page.locator("main tbody tr", has_text="2026 Q2").get_by_role("link"))
    me.link(review)
    me.page.get_by_label(accept, exact=True).check()
    me.button(record)
    assert accepted in me.page.locator("main dl.facts").inner_text()
    assert _report_status(me.app, slug, "2026 Q2")[-1] == "accepted"

    # In falun, a spot check of a provider's enrolments with a seed of the journey's own.
    spot_checks, draw = me.t("Spot checks", "Draw the sample")
    seed = f"resan-{locale}"
    provider = {"sv": "Dalarnas Yrkesakademi AB", "fi": "Lernia Utbildning AB"}[locale]
    me.goto("/t/falun/partnership/spot-checks")
    assert me.page.locator("h1").inner_text().startswith(spot_checks)
    me.goto("/t/falun/partnership/spot-checks/new")
    me.page.locator("select[name=organisation_id]").select_option(label=provider)
    me.page.locator("select[name=population_kind]").select_option("enrolments")
    me.page.fill("input[name=period_start]", "2025-01-01")
    me.page.fill("input[name=period_end]", "2025-12-31")
    me.page.locator("select[name=size_kind]").select_option("count")
    me.page.fill("input[name=sample_count]", "3")
    me.page.fill("input[name=seed]", seed)
    me.button(draw)
    assert seed in me.main() and provider in me.main()
    sampled = me.page.locator("form:has(select[name=status])").count()

    from samverkan.partnership.spot_check_models import SpotCheck

    with _in_tenant(me.app, "falun"):
        check = db.session.scalar(select(SpotCheck).where(SpotCheck.seed == seed))
        assert check is not None and check.population_kind == "enrolments"
        assert 0 < sampled <= 3


# --- viewer --------------------------------------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
def test_viewer_reads_the_agreement_dashboard_and_exports_csv(journey, locale):
    me = journey("viewer@example.org", locale)
    agreements, follow_up = me.t("Agreements", "Follow-up")
    me.goto("/t/kustregionen/partnership/agreements")
    me.link(AGREEMENT_CODE, exact=False)
    me.link(follow_up, within="nav.tabs-secondary")
    assert AGREEMENT_CODE in me.page.locator("h1").inner_text()

    from samverkan.partnership.models import Agreement, Indicator

    with _in_tenant(me.app, "kustregionen"):
        agreement = db.session.scalar(select(Agreement).where(
            Agreement.code == AGREEMENT_CODE))
        codes = set(db.session.scalars(select(Indicator.code).where(
            Indicator.agreement_id == agreement.id)))
        names = {code: name.get(locale) for code, name in db.session.execute(
            select(Indicator.code, Indicator.name).where(
                Indicator.agreement_id == agreement.id))}
    text = me.main()
    assert all(code in text for code in codes)
    assert names["started"] in text

    with me.page.expect_download() as download:
        me.page.locator("main").get_by_role("link", name="CSV", exact=True).click()
    content = open(download.value.path(), encoding="utf-8-sig").read()  # noqa: SIM115
    rows = list(csv.reader(io.StringIO(content), dialect=csv.Sniffer().sniff(content[:2000])))
    assert len(rows) > 1
    exported = {cell for row in rows[1:] for cell in row}
    assert codes <= exported, codes - exported


# --- guidance counsellor -------------------------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
def test_guidance_counsellor_logs_an_observation(journey, locale):
    me = journey("counsellor@example.org", locale)
    signals, log, log_button, logged, concern = me.t(
        "Guidance signals", "Log an observation", "Log observation",
        "The observation is logged.", "Concern")
    said = {"sv": "Eleverna på vårdutbildningen saknar handledare under APL.",
            "fi": "Hoitoalan opiskelijoilla ei ole työpaikkaohjaajaa työssäoppimisen aikana."}[locale]
    me.goto("/t/falun/partnership/guidance")
    assert me.page.locator("h1").inner_text() == signals
    me.link(log)
    me.page.locator("select[name=organisation_id]").select_option(label="Hermods AB")
    me.page.locator("select[name=theme]").select_option("workplace_learning")
    me.page.locator("select[name=tone]").select_option("concern")
    me.page.fill("textarea[name=text]", said)
    me.button(log_button)
    assert logged in me.page.locator("body").inner_text()
    row = me.page.locator("main tbody tr", has_text=said)
    assert row.count() == 1 and "Hermods AB" in row.inner_text() and concern in row.inner_text()

    from samverkan.partnership.dialogue_models import GuidanceObservation

    with _in_tenant(me.app, "falun"):
        observation = db.session.scalar(select(GuidanceObservation).where(
            GuidanceObservation.text == said))
        assert observation is not None and observation.tone == "concern"
        assert observation.status == "new"
