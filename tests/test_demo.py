"""The demo data: complete, idempotent, and each demo user sees exactly their tenants."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from samverkan.platform.db import db, platform_scope
from samverkan.platform.demo import DEMO_PASSWORD, USERS, seed


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
    assert before["tenants"] == 4
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
    for slug in ("forbundet", "kustregionen", "vasa", "falun"):
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
