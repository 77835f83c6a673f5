"""The demo data: complete, idempotent, and each demo user sees exactly their tenants."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from samverkan.platform.db import db, platform_scope
from samverkan.platform.demo import DEMO_PASSWORD, TENANTS, USERS, seed


def _row_counts() -> dict[str, int]:
    counts = {}
    with platform_scope("test counts every tenant's rows"):
        for table in db.metadata.sorted_tables:
            counts[table.name] = db.session.scalar(select(func.count()).select_from(table))
    return counts


@pytest.fixture
def demo_app(app):
    with app.app_context():
        seed()
    return app


def test_seeding_twice_changes_nothing(demo_app):
    with demo_app.app_context():
        before = _row_counts()
        seed()
        after = _row_counts()
    assert before == after
    assert before["tenants"] == len(TENANTS) == 9
    assert before["users"] == len(USERS)


@pytest.mark.parametrize("email,_name,_locale,_operator,memberships", USERS)
def test_each_demo_user_sees_exactly_their_tenants(demo_app, email, _name, _locale, _operator,
                                                   memberships):
    client = demo_app.test_client()
    response = client.post("/signin", data={"email": email, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    page = client.get("/tenants?all=1").get_data(as_text=True)
    shown = set(re.findall(r'href="/t/([a-z0-9-]+)/"', page))
    assert shown == {slug for slug, _roles, _org in memberships}
    for slug in (spec["slug"] for spec in TENANTS):
        expected = 200 if slug in shown else 404
        assert client.get(f"/t/{slug}/").status_code == expected


# --- owner steering in kustregionen ---------------------------------------------------------


def _kust():
    from samverkan.platform.demo import _tenant

    return _tenant("kustregionen")


def test_kustregionen_shares_sum_to_100(demo_app):
    from datetime import date
    from decimal import Decimal

    from samverkan.ownership import services as svc
    from samverkan.platform.db import tenant_scope

    with demo_app.app_context(), platform_scope("test"):
        tenant = _kust()
        with tenant_scope(tenant.id):
            shares = {stake.organisation.name["sv"]: stake.share
                      for stake in svc.stakes_in_force(tenant, date.today())}
            history = svc.stake_history(tenant)
    assert shares == {"Vasa stad": Decimal("45.00"), "Korsholms kommun": Decimal("30.00"),
                      "Närpes stad": Decimal("25.00")}
    assert sum(shares.values()) == Decimal("100.00")
    assert all(stake.basis and stake.valid_from == date(2020, 1, 1) for stake in history)


def test_kustregionen_has_an_adopted_strategy_and_the_default_themes(demo_app):
    from samverkan.ownership import services as svc
    from samverkan.platform.db import tenant_scope

    with demo_app.app_context(), platform_scope("test"):
        tenant = _kust()
        with tenant_scope(tenant.id):
            strategy = svc.adopted_strategy(tenant, 2026)
            codes = {theme.code for theme in svc.themes(tenant)}
            goal_themes = {goal.theme.code for goal in svc.list_goals(tenant)}
            assert strategy is not None
            assert (strategy.from_year, strategy.to_year) == (2025, 2028)
            assert strategy.title["sv"] and strategy.title["fi"]
            assert strategy.text["sv"] and strategy.text["fi"]
    assert codes == {code for code, _name in svc.DEFAULT_THEMES}
    assert goal_themes == codes  # goals across every theme


def test_kustregionen_goals_decided_at_a_past_meeting(demo_app):
    from decimal import Decimal

    from samverkan.ownership import services as svc
    from samverkan.ownership.models import GoalStatus, ItemOutcome, MeetingStatus
    from samverkan.platform.db import tenant_scope

    with demo_app.app_context(), platform_scope("test"):
        tenant = _kust()
        with tenant_scope(tenant.id):
            goals = svc.list_goals(tenant)
            statuses = [goal.status for goal in goals]
            assert len(goals) >= 8
            assert statuses.count(GoalStatus.PROPOSED) == 1
            assert statuses.count(GoalStatus.ADOPTED) == len(goals) - 1
            for goal in goals:
                assert goal.title["sv"] and goal.title["fi"]
                assert goal.description["sv"] and goal.description["fi"]
                assert goal.milestones
            past = [m for m in svc.meetings(tenant) if m.meeting_date.year == 2025]
            assert len(past) == 1 and past[0].status == MeetingStatus.CLOSED
            items = past[0].items
            assert len(items) == statuses.count(GoalStatus.ADOPTED)
            assert all(item.outcome == ItemOutcome.ADOPTED for item in items)
            assert all(len(item.votes) == 3 for item in items)
            for goal in goals:
                if goal.status == GoalStatus.ADOPTED:
                    assert goal.adopted_decision.item.meeting_id == past[0].id
            decisions = {item.goal.title["sv"]: item.decision for item in items}
    # one owner against, one abstaining: the weighted arithmetic is shown on these
    cost = decisions["Lägre kostnad per studerandeår"]
    assert (cost.shares_for, cost.shares_against) == (Decimal("70.00"), Decimal("30.00"))
    swedish = decisions["Tryggad utbildning på svenska"]
    assert (swedish.shares_for, swedish.shares_abstain, swedish.shares_represented) == (
        Decimal("55.00"), Decimal("45.00"), Decimal("100.00"))
    assert swedish.adopted


def test_kustregionen_progress_has_every_status(demo_app):
    from samverkan.ownership import services as svc
    from samverkan.ownership.models import GoalStatus, ProgressStatus
    from samverkan.platform.db import tenant_scope

    with demo_app.app_context(), platform_scope("test"):
        tenant = _kust()
        with tenant_scope(tenant.id):
            adopted = svc.list_goals(tenant, statuses=[GoalStatus.ADOPTED])
            latest = svc.latest_reports(tenant, [goal.id for goal in adopted])
            statuses = {goal.title["sv"]: svc.assess_report(tenant, latest[goal.id]).status
                        for goal in adopted}
            periods = {goal.id: [r.period_label for r in svc.reports_of(tenant, goal)]
                       for goal in adopted}
            narratives = [r.narrative for goal in adopted for r in svc.reports_of(tenant, goal)]
    assert all(labels == ["2025", "2026"] for labels in periods.values())
    assert all(n["sv"] and n["fi"] for n in narratives)
    assert statuses["Lägre kostnad per studerandeår"] == ProgressStatus.AT_RISK
    assert statuses["Fler studerande med främmande modersmål slutför sin examen"] == (
        ProgressStatus.OFF_TRACK)
    assert list(statuses.values()).count(ProgressStatus.ON_TRACK) == len(adopted) - 2


def test_proposed_goal_awaits_the_owners_votes_at_an_upcoming_meeting(demo_app):
    from datetime import date

    from samverkan.ownership import services as svc
    from samverkan.ownership.models import GoalStatus, ItemOutcome
    from samverkan.ownership.services.goals import pending_items
    from samverkan.platform.db import tenant_scope
    from samverkan.platform.demo import _principal

    with demo_app.app_context(), platform_scope("test"):
        tenant = _kust()
        with tenant_scope(tenant.id):
            proposed = svc.list_goals(tenant, statuses=[GoalStatus.PROPOSED])
            assert len(proposed) == 1
            items = pending_items(proposed[0])
            assert len(items) == 1 and items[0].outcome == ItemOutcome.PENDING
            assert items[0].votes == []
            assert items[0].meeting.meeting_date > date.today()
            for email in ("owner.vasa@example.org", "owner.korsholm@example.org",
                          "owner.narpes@example.org"):
                owner_id = _principal(tenant, email).organisation_id
                awaiting = svc.items_awaiting_vote(tenant, owner_id)
                assert [item.id for item in awaiting] == [items[0].id], email


def test_the_owners_can_vote_on_the_proposed_goal_and_adopt_it(demo_app):
    """Vasa, Korsholm and Närpes representatives vote through the services as the demo shows."""
    from samverkan.ownership import services as svc
    from samverkan.ownership.models import GoalStatus
    from samverkan.ownership.services.goals import pending_items
    from samverkan.platform.db import tenant_scope
    from samverkan.platform.demo import _principal

    with demo_app.app_context(), platform_scope("test"):
        tenant = _kust()
        with tenant_scope(tenant.id):
            goal = svc.list_goals(tenant, statuses=[GoalStatus.PROPOSED])[0]
            item = pending_items(goal)[0]
            for email in ("owner.vasa@example.org", "owner.korsholm@example.org",
                          "owner.narpes@example.org"):
                svc.cast_vote(tenant, _principal(tenant, email), item, "yes")
            assert goal.status == GoalStatus.ADOPTED
            db.session.rollback()


def test_seeding_again_after_the_owners_vote_changes_nothing(demo_app):
    """A user's vote on the proposed goal survives a second seeding, which adds nothing."""
    from samverkan.ownership import services as svc
    from samverkan.ownership.models import GoalStatus
    from samverkan.ownership.services.goals import pending_items
    from samverkan.platform.db import tenant_scope
    from samverkan.platform.demo import _principal

    with demo_app.app_context():
        with platform_scope("test"):
            tenant = _kust()
            with tenant_scope(tenant.id):
                goal = svc.list_goals(tenant, statuses=[GoalStatus.PROPOSED])[0]
                svc.cast_vote(tenant, _principal(tenant, "owner.vasa@example.org"),
                              pending_items(goal)[0], "no")
        db.session.commit()
        before = _row_counts()
        seed()
        assert _row_counts() == before


# --- partnership agreements ------------------------------------------------------------------

PARTNERSHIP_TENANTS = {"kustregionen": "SP-VASA-2024", "vasa": "SP-VASA-2024", "falun": "VUX-2024"}


def _agreement(slug: str):
    from samverkan.partnership.models import Agreement
    from samverkan.platform.demo import _tenant

    tenant = _tenant(slug)
    return tenant, db.session.scalar(select(Agreement).where(
        Agreement.tenant_id == tenant.id, Agreement.code == PARTNERSHIP_TENANTS[slug]))


@pytest.mark.parametrize("slug", ["kustregionen", "vasa"])
def test_vasa_and_the_provider_have_a_signed_amended_agreement(demo_app, slug):
    from datetime import date

    from samverkan.partnership import services as psvc
    from samverkan.partnership.models import AgreementStatus, Unit, VersionStatus
    from samverkan.platform.db import tenant_scope

    with demo_app.app_context(), platform_scope("test"):
        tenant, agreement = _agreement(slug)
        with tenant_scope(tenant.id):
            assert agreement.status == AgreementStatus.ACTIVE
            assert (agreement.valid_from, agreement.valid_to) == (date(2024, 1, 1), date(2026, 12, 31))
            assert agreement.title["sv"] and agreement.title["fi"]
            assert agreement.summary["sv"] and agreement.summary["fi"]
            roles = {p.organisation.name["sv"]: p.role for p in agreement.parties}
            assert roles == {"Vasa stad": "purchaser", "Yrkesinstitutet Kustregionen": "provider"}
            first, second = psvc.versions(tenant, agreement)
            assert [first.status, second.status] == [VersionStatus.SIGNED, VersionStatus.SIGNED]
            assert agreement.version_number == 2 and second.reason
            assert all(len(v.signatures) == 2 for v in (first, second))
            assert first.signed_at < second.signed_at
            diff = psvc.version_diff(first, second)
            assert [(c.key, c.change) for c in diff.indicators] == [("days_to_start", "added")]
            raised = [c for c in diff.targets if c.change == "changed"]
            assert raised and all(c.after["indicator"] == "employed" for c in raised)
            assert {c.after["period"] for c in raised} == {"2026 Q1", "2026 Q2", "2026 Q3", "2026 Q4"}
            indicators = agreement.indicators
            assert 6 <= len(indicators) <= 10
            assert {i.unit for i in indicators} == {u.value for u in Unit}
            quarters = psvc.periods(tenant, frequency="quarter")
            assert [p.label for p in quarters][:1] == ["2024 Q1"] and len(quarters) == 12
            assert all(len(i.targets) == 12 for i in indicators)  # a target for every quarter
            by_party = {p.role: [c for c in agreement.commitments if c.party_id == p.id]
                        for p in agreement.parties}
            assert all(by_party.values())
            statuses = {c.status for c in agreement.commitments}
            assert "done" in statuses
            late = psvc.late_commitments(tenant)
            assert len(late) == 1 and late[0].agreement_id == agreement.id


def _states(tenant, agreement, organisation_id=None) -> dict[str, str]:
    """{period label: status} of the current reports; "late" for an overdue period without one."""
    from samverkan.partnership import services as psvc
    from samverkan.partnership.models import OutcomeReport
    from samverkan.partnership.services.common import today as current_day

    reports = db.session.scalars(select(OutcomeReport).where(
        OutcomeReport.tenant_id == tenant.id, OutcomeReport.agreement_id == agreement.id,
        OutcomeReport.is_current.is_(True),
        *([OutcomeReport.organisation_id == organisation_id] if organisation_id else [])))
    states = {r.period.label: r.status for r in reports}
    today = current_day()
    for period in psvc.periods(tenant, frequency="quarter"):
        if period.deadline < today and period.label not in states:
            states[period.label] = "late"
    return states


@pytest.mark.parametrize("slug", ["kustregionen", "vasa", "falun"])
def test_reports_in_every_state_and_one_late(demo_app, slug):
    from collections import Counter

    from samverkan.partnership.models import ReportStatus
    from samverkan.platform.db import tenant_scope

    with demo_app.app_context(), platform_scope("test"):
        tenant, agreement = _agreement(slug)
        with tenant_scope(tenant.id):
            counts = Counter()
            for party in agreement.parties:
                if party.role == "provider":
                    counts.update(_states(tenant, agreement, party.organisation_id).values())
            returned = [r for r in _reports(tenant, agreement) if r.status == ReportStatus.RETURNED]
            assert returned and all(any(v.review_comment for v in r.values) for r in returned)
            comments = [v.comment for r in _reports(tenant, agreement) for v in r.values if v.comment]
    assert set(counts) == {"accepted", "submitted", "returned", "draft", "late"}
    assert counts["accepted"] > sum(n for state, n in counts.items() if state != "accepted")
    assert comments
    if slug != "falun":
        assert any("fi" in c for c in comments) and any("sv" in c for c in comments)


def _reports(tenant, agreement):
    from samverkan.partnership.models import OutcomeReport

    return list(db.session.scalars(select(OutcomeReport).where(
        OutcomeReport.tenant_id == tenant.id, OutcomeReport.agreement_id == agreement.id)))


def test_a_corrected_report_keeps_its_history(demo_app):
    from samverkan.partnership import services as psvc
    from samverkan.platform.db import tenant_scope

    with demo_app.app_context(), platform_scope("test"):
        tenant, agreement = _agreement("kustregionen")
        with tenant_scope(tenant.id):
            corrected = [r for r in _reports(tenant, agreement) if r.revision == 2]
            assert len(corrected) == 1
            revisions = psvc.report_revisions(tenant, corrected[0])
            assert [(r.revision, r.is_current, r.status) for r in revisions] == [
                (1, False, "accepted"), (2, True, "accepted")]


def test_kustregionen_indicators_follow_the_steering_goals(demo_app):
    from samverkan.ownership.models import SteeringGoal
    from samverkan.platform.db import tenant_scope

    with demo_app.app_context(), platform_scope("test"):
        tenant, agreement = _agreement("kustregionen")
        with tenant_scope(tenant.id):
            linked = {i.code: db.session.get(SteeringGoal, i.steering_goal_id).title["sv"]
                      for i in agreement.indicators if i.steering_goal_id}
        vasa_tenant, vasa_agreement = _agreement("vasa")
        with tenant_scope(vasa_tenant.id):
            assert not any(i.steering_goal_id for i in vasa_agreement.indicators)
    assert linked == {
        "completed": "Fler examina inom bristyrken",
        "employed": "Fler i arbete sex månader efter examen",
        "swedish_places": "Tryggad utbildning på svenska",
        "cost_per_student_year": "Lägre kostnad per studerandeår",
    }


def test_falun_has_two_adult_education_providers_in_swedish_kronor(demo_app):
    from samverkan.partnership.models import Unit
    from samverkan.platform.db import tenant_scope

    with demo_app.app_context(), platform_scope("test"):
        tenant, agreement = _agreement("falun")
        assert tenant.currency == "SEK"
        with tenant_scope(tenant.id):
            roles = sorted((p.role, p.organisation.name["sv"]) for p in agreement.parties)
            assert roles == [("provider", "Dalarnas Yrkesakademi AB"),
                             ("provider", "Lernia Utbildning AB"), ("purchaser", "Falu kommun")]
            assert agreement.current_version.is_signed
            assert len(agreement.current_version.signatures) == 3
            assert Unit.MONEY in {i.unit for i in agreement.indicators}
            assert all(set(i.name) == {"sv"} for i in agreement.indicators)
            reporting = {r.organisation.name["sv"] for r in _reports(tenant, agreement)}
    assert reporting == {"Dalarnas Yrkesakademi AB", "Lernia Utbildning AB"}


@pytest.mark.parametrize("slug", ["kustregionen", "falun"])
def test_provider_sees_only_its_own_organisations_reports(demo_app, slug):
    from samverkan.partnership import services as psvc
    from samverkan.platform.db import tenant_scope
    from samverkan.platform.demo import _principal

    with demo_app.app_context(), platform_scope("test"):
        tenant, agreement = _agreement(slug)
        with tenant_scope(tenant.id):
            provider = _principal(tenant, "provider@example.org")
            manager = _principal(tenant, "purchaser@example.org")
            own = psvc.visible_reports(tenant, provider)
            every = psvc.visible_reports(tenant, manager)
            assert own and {r.organisation_id for r in own} == {provider.organisation_id}
            assert [a.id for a in psvc.visible_agreements(tenant, provider)] == [agreement.id]
            others = [r for r in every if r.organisation_id != provider.organisation_id]
            assert bool(others) == (slug == "falun")  # Lernia reports in Falun too
            for report in others:
                assert not psvc.can_see_report(tenant, provider, report)


def test_provider_report_pages_show_only_its_own_reports(demo_app):
    """Through the pages: the purchaser in Falun sees Lernia's reports, the provider does not."""
    from samverkan.partnership.models import OutcomeReport
    from samverkan.platform.db import tenant_scope

    with demo_app.app_context(), platform_scope("test"):
        tenant, agreement = _agreement("falun")
        with tenant_scope(tenant.id):
            lernia = db.session.scalar(select(OutcomeReport.id).where(
                OutcomeReport.tenant_id == tenant.id,
                OutcomeReport.organisation.has(business_id="556575-1475")))
    rules = [r for r in demo_app.url_map.iter_rules()
             if r.endpoint.startswith("partnership.") and "GET" in r.methods
             and set(r.arguments) == {"slug", "outcome_id"}]
    if not rules:
        pytest.skip("no report page yet")
    adapter = demo_app.url_map.bind("localhost")
    urls = [adapter.build(r.endpoint, {"slug": "falun", "outcome_id": lernia}) for r in rules]
    for email, hidden in (("provider@example.org", True), ("purchaser@example.org", False)):
        client = demo_app.test_client()
        client.post("/signin", data={"email": email, "password": DEMO_PASSWORD})
        for url in urls:
            assert (client.get(url).status_code == 404) == hidden, (email, url)


# --- forbundet's indicator library and project ----------------------------------------------

PROJECT_CODE = "KUMPPANUUS-2024"
ACTIVE = {"kustregionen", "vasa", "korsholm", "narpes", "jakobstad", "yrkesakademin"}


def _project():
    from samverkan.platform.demo import _tenant
    from samverkan.tenants.project_models import Project

    forbundet = _tenant("forbundet")
    return forbundet, db.session.scalar(select(Project).where(
        Project.tenant_id == forbundet.id, Project.code == PROJECT_CODE))


def _slugs() -> dict[int, str]:
    from samverkan.tenants.models import Tenant

    return {tenant.id: tenant.slug for tenant in db.session.scalars(select(Tenant))}


def _actions(tenant_id: int) -> list[str]:
    from samverkan.platform.audit import AuditEntry
    from samverkan.platform.db import tenant_scope

    with tenant_scope(tenant_id):
        return list(db.session.scalars(select(AuditEntry.action).where(
            AuditEntry.tenant_id == tenant_id).order_by(AuditEntry.id)))


def test_the_new_demo_tenants_are_in_ostrobothnia_with_an_admin_each(demo_app):
    from samverkan.platform.demo import _tenant

    with demo_app.app_context(), platform_scope("test"):
        for slug in ("korsholm", "narpes", "jakobstad", "kristinestad", "yrkesakademin"):
            tenant = _tenant(slug)
            assert (tenant.country, tenant.currency) == ("FI", "EUR")
            assert tenant.name["sv"] and tenant.name["fi"]
            admins = [email for email, _n, _l, _o, memberships in USERS
                      if (slug, ["admin"], None) in memberships]
            assert admins == [f"admin.{slug}@example.org"]
        assert _tenant("yrkesakademin").kind == "consortium"


def test_forbundet_runs_the_project_with_funding_milestones_and_events(demo_app):
    from datetime import date

    from samverkan.platform.db import tenant_scope

    with demo_app.app_context(), platform_scope("test"):
        forbundet, project = _project()
        with tenant_scope(forbundet.id):
            assert project.status == "running" and project.min_group_size == 3
            assert (project.starts_on, project.ends_on) == (date(2024, 1, 1), date(2026, 12, 31))
            assert project.name["sv"] == ("Strategiskt partnerskap och ägarstyrning inom "
                                          "yrkesutbildningen 2024–2026")
            assert project.name["fi"] == ("Strateginen kumppanuus ja omistajaohjaus "
                                          "ammatillisessa koulutuksessa 2024–2026")
            assert "AN2024" in project.description["sv"] and "TE24" in project.description["fi"]
            sources = {funding.source["fi"]: funding.amount for funding in project.funding}
            assert len(sources) == 3 and {f.currency for f in project.funding} == {"EUR"}
            assert "Opetus- ja kulttuuriministeriö" in sources
            statuses = [milestone.status for milestone in project.milestones]
            assert statuses.count("done") >= 3 and "planned" in statuses
            assert all(m.title["sv"] and m.title["fi"] for m in project.milestones)
            assert len(project.events) >= 4
            assert all((e.place or e.link) and e.title["sv"] and e.title["fi"]
                       for e in project.events)
            assert any(e.link for e in project.events) and any(e.place for e in project.events)


def test_the_project_has_participants_with_mixed_consent(demo_app):
    from samverkan.platform.db import tenant_scope
    from samverkan.platform.demo import _tenant
    from samverkan.tenants.services import participation as part
    from samverkan.tenants.services import sharing

    with demo_app.app_context(), platform_scope("test"):
        slugs = _slugs()
        forbundet, project = _project()
        with tenant_scope(forbundet.id):
            rows = {slugs[row.participant_tenant_id]: row
                    for row in part.participants(forbundet, project)}
            statuses = {slug: row.status for slug, row in rows.items()}
            assert statuses == {**dict.fromkeys(ACTIVE, "active"), "kristinestad": "invited"}
            assert rows["jakobstad"].requested_at is not None  # joined on its own request
            assert rows["vasa"].invited_at < rows["vasa"].answered_at
        consents = {slugs[c.participant_tenant_id]: c
                    for c in sharing.consents_in_force(project.id).values()}
        assert set(consents) == ACTIVE - {"narpes"}
        named = {slug for slug, consent in consents.items() if not consent.anonymised}
        assert named == {"kustregionen", "vasa", "jakobstad"}
        assert consents["vasa"].share_goal_statuses and "started" in consents["vasa"].indicator_codes

        # Närpes gave its consent and withdrew it: both in the trails of both tenants.
        narpes = _tenant("narpes")
        with tenant_scope(narpes.id):
            history = part.consent_history(narpes, rows["narpes"].id)
            assert len(history) == 1 and history[0].anonymised
            assert history[0].granted_at < history[0].withdrawn_at
        for tenant_id in (narpes.id, forbundet.id):
            actions = _actions(tenant_id)
            assert "project.consent_granted" in actions and "project.consent_withdrawn" in actions
        assert "project.invitation_accepted" in _actions(_tenant("vasa").id)
        assert "project.participation_approved" in _actions(_tenant("jakobstad").id)


def test_the_library_has_versions_and_the_agreements_adopt_it(demo_app):
    from collections import defaultdict

    from samverkan.partnership.models import (
        Agreement,
        AgreementTemplate,
        Indicator,
        IndicatorTemplate,
    )
    from samverkan.platform.db import tenant_scope
    from samverkan.platform.demo import _tenant

    with demo_app.app_context(), platform_scope("test"):
        forbundet = _tenant("forbundet")
        with tenant_scope(forbundet.id):
            templates = list(db.session.scalars(select(IndicatorTemplate).where(
                IndicatorTemplate.tenant_id == forbundet.id)))
            versions = defaultdict(list)
            for template in templates:
                versions[template.code].append(template.version)
                assert template.name["sv"] and template.name["fi"]
                assert template.definition["sv"] and template.definition["fi"]
                if template.version > 1:
                    assert template.change_note["sv"] and template.change_note["fi"]
            latest = {code: max(numbers) for code, numbers in versions.items()}
            assert 6 <= len(versions) <= 8
            assert sorted(code for code, numbers in versions.items() if sorted(numbers) == [1, 2]
                          ) == ["cost_per_student_year", "dropout_rate", "employed"]
            assert {t.unit for t in templates} == {"count", "percent", "money", "score"}
            assert {t.code for t in templates if t.direction == "lower"} == {
                "cost_per_student_year", "dropout_rate"}
            (agreement_template,) = db.session.scalars(select(AgreementTemplate).where(
                AgreementTemplate.tenant_id == forbundet.id))
            assert agreement_template.version == 1
            assert agreement_template.name["sv"] and agreement_template.name["fi"]
            assert len(agreement_template.items) == 5

        adopted = {}
        for slug in sorted(ACTIVE):
            tenant = _tenant(slug)
            with tenant_scope(tenant.id):
                rows = db.session.execute(select(Agreement.status, Indicator).join(
                    Agreement, Agreement.id == Indicator.agreement_id).where(
                    Indicator.tenant_id == tenant.id, Indicator.template_code.is_not(None))).all()
                assert rows and {status for status, _i in rows} == {"active"}, slug
                assert {i.template_tenant_id for _s, i in rows} == {forbundet.id}
                adopted[slug] = {i.template_code: i.template_version for _s, i in rows}
        for slug, codes in adopted.items():
            assert all(1 <= version <= latest[code] for code, version in codes.items()), slug
        # Korsholm still uses version 1 where a version 2 is published
        assert adopted["korsholm"]["employed"] == 1 < latest["employed"]
        assert all(version == latest[code] for slug, codes in adopted.items()
                   for code, version in codes.items() if slug != "korsholm")
        # Vasa's existing agreement is linked, not duplicated
        for slug in ("kustregionen", "vasa"):
            assert adopted[slug] == {"started": 1, "completed": 1, "completion_rate": 1,
                                     "employed": 2, "cost_per_student_year": 2}
            tenant = _tenant(slug)
            with tenant_scope(tenant.id):
                codes = set(db.session.scalars(select(Agreement.code).where(
                    Agreement.tenant_id == tenant.id)))
            assert codes == {"SP-VASA-2024"}


def _points(values):
    from samverkan.partnership.services.benchmarks import Point

    return [Point(value.value, label=value.label["sv"] if value.label else None,
                  anonymised=value.label is None) for value in values]


def test_benchmarks_show_named_and_anonymised_participants(demo_app):
    from samverkan.partnership.services.benchmarks import benchmark
    from samverkan.platform.db import tenant_scope
    from samverkan.tenants.services import sharing

    with demo_app.app_context(), platform_scope("test"):
        forbundet, project = _project()
        for period in (2024, 2025, "2025 Q1", "2025 Q2"):
            with tenant_scope(forbundet.id):
                started = sharing.shared_values(project, "started", period)
                names = sorted(v.label["sv"] for v in started if v.label)
                assert names == ["Jakobstads stad", "Vasa stad"]
                assert sum(1 for v in started if v.label is None) == 2  # Korsholm, Yrkesakademin
                assert len({v.value for v in started}) == len(started)
                result = benchmark(_points(started), "higher", project.min_group_size)
                assert result is not None and result.distribution.count == 4
                assert result.distribution.minimum < result.distribution.median < (
                    result.distribution.maximum)
                for code in ("completed", "completion_rate", "employed", "cost_per_student_year",
                             "apprenticeships", "dropout_rate"):
                    values = sharing.shared_values(project, code, period)
                    assert len(values) >= 3 and any(v.label is None for v in values), code
                    assert benchmark(_points(values), "higher", 3) is not None, code
                # only Yrkesakademin shares its satisfaction now that Närpes has withdrawn
                satisfaction = sharing.shared_values(project, "student_satisfaction", period)
                assert len(satisfaction) == 1
                assert benchmark(_points(satisfaction), "higher", 3) is None


def test_vasa_withdraws_and_the_benchmark_goes_on_without_it(demo_app):
    """What the browser test does: Vasa's admin withdraws; three participants still share."""
    from samverkan.partnership.services.benchmarks import benchmark
    from samverkan.platform.db import tenant_scope
    from samverkan.platform.demo import _principal, _tenant
    from samverkan.tenants.services import participation as part
    from samverkan.tenants.services import sharing

    with demo_app.app_context():
        with platform_scope("test"):
            forbundet, project = _project()
            project_id = project.id
            vasa = _tenant("vasa")
            (joined,) = sharing.participations_for(vasa.id)
            with tenant_scope(vasa.id):
                part.withdraw_consent(vasa, _principal(vasa, "owner.vasa@example.org"),
                                      joined.participant_id)
            with tenant_scope(forbundet.id):
                started = sharing.shared_values(project_id, "started", 2025)
                goals = sharing.goal_statuses(project_id)
        db.session.commit()
        assert len(started) == 3 and "Vasa stad" not in {v.label["sv"] for v in started if v.label}
        assert benchmark(_points(started), "higher", 3) is not None
        assert all(g.label != vasa.name for g in goals)
        before = _row_counts()
        seed()  # the withdrawal stays: nothing is granted again
        assert _row_counts() == before


def test_the_project_pages_show_the_demo(demo_app):
    """The coordinator's pages of the project (its dashboard, benchmarks and exports) and Vasa's
    pages of its participation open."""
    from samverkan.platform.demo import _tenant
    from samverkan.tenants.services import sharing

    with demo_app.app_context(), platform_scope("test"):
        _forbundet, project = _project()
        project_id = project.id
        (joined,) = sharing.participations_for(_tenant("vasa").id)
    adapter = demo_app.url_map.bind("localhost")
    cases = (
        ("coordinator@example.org", "/t/<slug>/projects", {"slug": "forbundet",
                                                          "project_id": project_id}),
        ("owner.vasa@example.org", "/t/<slug>/participation", {
            "slug": "vasa", "participant_id": joined.participant_id}),
    )
    for email, prefix, args in cases:
        client = demo_app.test_client()
        client.post("/signin", data={"email": email, "password": DEMO_PASSWORD})
        rules = [r for r in demo_app.url_map.iter_rules() if r.rule.startswith(prefix)
                 and r.methods - {"HEAD", "OPTIONS"} == {"GET"} and set(r.arguments) <= set(args)]
        assert rules, prefix
        for rule in rules:
            url = adapter.build(rule.endpoint, {k: args[k] for k in rule.arguments})
            response = client.get(url)
            assert response.status_code == 200, (email, url)
