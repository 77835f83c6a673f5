"""Owner steering services: the ownership register and its 100 % rule, strategies, themes,
steering goals and their lifecycle by role, owners' meetings with weighted votes under both
decision rules, progress and status arithmetic, conflicting goals and the audit trail.

The consortium of these tests is owned by Vasa 45 %, Korsholm 30 % and Närpes 25 %.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from types import SimpleNamespace

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from samverkan.ownership import services as svc
from samverkan.ownership.models import (
    AgendaItem,
    Decision,
    GoalStatus,
    GoalTransition,
    ItemOutcome,
    OwnerStake,
    ProgressReport,
    ProgressStatus,
    SteeringGoal,
    Vote,
)
from samverkan.ownership.services import OwnershipError, OwnershipPermissionError
from samverkan.ownership.services.settings import OwnershipSettings
from samverkan.platform.audit import AuditEntry
from samverkan.platform.db import db
from samverkan.tenants.models import ApiClient
from samverkan.tenants.permissions import principal_for_client

D = Decimal
MEETING_DAY = date(2025, 5, 12)
OWNERS = ("vasa", "korsholm", "narpes")


@pytest.fixture
def world(steering):
    return steering


class Refusal:
    """What a ``refused`` block caught."""

    value: OwnershipError


@contextmanager
def refused(error_class=OwnershipError, field: str | None = None, code: str | None = None):
    """Expect the block to raise ``error_class`` with this field and code."""
    refusal = Refusal()
    try:
        yield refusal
    except error_class as error:
        refusal.value = error
    else:
        pytest.fail(f"{error_class.__name__} not raised")
    assert field is None or refusal.value.field == field, (refusal.value.field, refusal.value)
    assert code is None or refusal.value.code == code, (refusal.value.code, refusal.value)
    assert rendered(refusal.value)  # a readable message, translated when shown


def rendered(error: OwnershipError, language: str = "en") -> str:
    """The error's message as a request in ``language`` shows it."""
    with force_locale(language):
        return str(error.message)


# --- the ownership register -------------------------------------------------------------------


def test_shares_in_force_must_sum_to_exactly_100(world):
    with world.scope():
        tenant, admin = world.tenant, world.p("admin")
        assert svc.share_total(tenant, date(2024, 6, 1)) == D("100.00")
        assert [s.share for s in svc.require_complete_shares(tenant, date(2024, 6, 1))] == [
            D("45.00"), D("30.00"), D("25.00")]
        # Vasa sells five points to Korsholm from 2025: until Korsholm's share changes, 95 %.
        svc.set_stake(tenant, admin, svc.StakeData(world.org_ids["vasa"], "40.00", date(2025, 1, 1)))
        assert svc.share_total(tenant, date(2025, 6, 1)) == D("95.00")
        with refused(OwnershipError, "shares", "incomplete") as info:
            svc.require_complete_shares(tenant, date(2025, 6, 1))
        assert "95.00" in rendered(info.value)
        svc.require_complete_shares(tenant, date(2024, 12, 31))  # the old split is still whole
        svc.set_stake(tenant, admin, svc.StakeData(world.org_ids["korsholm"], "35.00", date(2025, 1, 1)))
        assert svc.shares_on(tenant, date(2025, 6, 1)) == {
            world.org_ids["vasa"]: D("40.00"), world.org_ids["korsholm"]: D("35.00"),
            world.org_ids["narpes"]: D("25.00")}
        svc.require_complete_shares(tenant, date(2025, 6, 1))
        db.session.commit()


def test_a_change_of_share_keeps_the_history(world):
    with world.scope():
        svc.set_stake(world.tenant, world.p("admin"),
                      svc.StakeData(world.org_ids["vasa"], "40.00", date(2025, 1, 1), "Ny grundkapitalandel"))
        db.session.commit()
    with world.scope():
        history = svc.stake_history(world.tenant, world.org_ids["vasa"])
        assert [(s.share, s.valid_from, s.valid_to) for s in history] == [
            (D("40.00"), date(2025, 1, 1), None),
            (D("45.00"), date(2020, 1, 1), date(2024, 12, 31)),
        ]
        assert history[0].basis == "Ny grundkapitalandel"
        assert history[1].in_force_on(date(2024, 12, 31)) and not history[1].in_force_on(date(2025, 1, 1))
    assert world.actions().count("owner_stake.ended") == 1


def test_shares_are_exact_decimals(make_steering):
    world = make_steering(shares=("33.33", "33.33", "33.34"))
    with world.scope():
        stakes = svc.require_complete_shares(world.tenant, date(2025, 1, 1))
        assert all(isinstance(s.share, Decimal) for s in stakes)
        assert sum(s.share for s in stakes) == D("100.00")


def test_an_owner_leaves_and_the_register_is_incomplete_until_its_share_is_redistributed(world):
    with world.scope():
        tenant, admin = world.tenant, world.p("admin")
        svc.end_stake(tenant, admin, world.org_ids["narpes"], date(2025, 12, 31))
        assert world.org_ids["narpes"] in svc.shares_on(tenant, date(2025, 12, 31))
        assert world.org_ids["narpes"] not in svc.shares_on(tenant, date(2026, 1, 1))
        with refused(OwnershipError, "shares", "incomplete"):
            svc.require_complete_shares(tenant, date(2026, 1, 1))
        with refused(OwnershipError, "organisation_id", "no_open_stake"):
            svc.end_stake(tenant, admin, world.org_ids["narpes"], date(2026, 6, 1))
        with refused(OwnershipError, "valid_to", "before_start"):
            svc.end_stake(tenant, admin, world.org_ids["vasa"], date(2019, 1, 1))


@pytest.mark.parametrize(("org", "share", "valid_from", "field", "code"), [
    ("provider", "10", date(2025, 1, 1), "organisation_id", "not_municipality"),
    ("malax", "0", date(2025, 1, 1), "share", "out_of_range"),
    ("malax", "100.01", date(2025, 1, 1), "share", "out_of_range"),
    ("malax", "-5", date(2025, 1, 1), "share", "out_of_range"),
    ("malax", "10.005", date(2025, 1, 1), "share", "precision"),
    ("malax", "ten", date(2025, 1, 1), "share", "invalid"),
    ("vasa", "40", date(2020, 1, 1), "valid_from", "not_after_latest"),
    ("vasa", "40", date(2019, 1, 1), "valid_from", "not_after_latest"),
    ("malax", "10", "not a date", "valid_from", "invalid"),
])
def test_stake_validation(world, org, share, valid_from, field, code):
    with world.scope(), refused(OwnershipError, field, code):
        svc.set_stake(world.tenant, world.p("admin"), svc.StakeData(world.org_ids[org], share, valid_from))


@pytest.mark.parametrize("who", ["vasa", "reporter", "viewer"])
def test_only_an_admin_keeps_the_register(world, who):
    with world.scope():
        with refused(OwnershipPermissionError, code="forbidden"):
            svc.set_stake(world.tenant, world.p(who),
                          svc.StakeData(world.org_ids["malax"], "5", date(2025, 1, 1)))
        stake = svc.stakes_in_force(world.tenant, date(2025, 1, 1))[0]
        with refused(OwnershipPermissionError):
            svc.correct_stake(world.tenant, world.p(who), stake, share="44")
        with refused(OwnershipPermissionError):
            svc.end_stake(world.tenant, world.p(who), world.org_ids["vasa"], date(2026, 1, 1))


def test_correcting_a_stake_is_audited(world):
    with world.scope():
        stake = svc.stakes_in_force(world.tenant, date(2025, 1, 1))[0]
        svc.correct_stake(world.tenant, world.p("admin"), stake, share="45.00", basis="Grundkapital 2020")
        db.session.commit()
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "owner_stake.corrected"))
        assert entry.before["basis"] == "Grundkapital" and entry.after["basis"] == "Grundkapital 2020"
        assert entry.actor_label == world.emails["admin"]


# --- strategies and themes --------------------------------------------------------------------


def test_one_adopted_strategy_per_period(world):
    with world.scope():
        tenant, admin = world.tenant, world.p("admin")
        overlapping = svc.create_strategy(tenant, admin, svc.StrategyData(
            title={"sv": "Ny strategi"}, from_year=2027, to_year=2028))
        with refused(OwnershipError, "from_year", "period_taken"):
            svc.adopt_strategy(tenant, admin, overlapping)
        later = svc.create_strategy(tenant, admin, svc.StrategyData(
            title={"fi": "Seuraava"}, from_year=2029, to_year=2032))
        svc.adopt_strategy(tenant, admin, later)
        current = svc.get_strategy(tenant, world.strategy_id)
        assert svc.adopted_strategy(tenant, 2026) is current
        assert svc.adopted_strategy(tenant, 2030) is later
        with refused(OwnershipError, "from_year", "adopted"):
            svc.update_strategy(tenant, admin, current, svc.StrategyData(
                title=current.title, from_year=2024, to_year=2028))
        svc.update_strategy(tenant, admin, current, svc.StrategyData(
            title={"sv": "Ägarstrategi", "fi": "Omistajastrategia"}, text={"sv": "Text"},
            from_year=2025, to_year=2028))
        svc.archive_strategy(tenant, admin, current)
        svc.adopt_strategy(tenant, admin, overlapping)  # the period is free again
        with refused(OwnershipError, "status", "archived"):
            svc.update_strategy(tenant, admin, current, svc.StrategyData(
                title={"sv": "X"}, from_year=2025, to_year=2028))
        with refused(OwnershipError, "to_year", "before_start"):
            svc.create_strategy(tenant, admin, svc.StrategyData(title={"sv": "X"}, from_year=2030,
                                                                to_year=2029))
        with refused(OwnershipError, "title", "required"):
            svc.create_strategy(tenant, admin, svc.StrategyData(title={"sv": " "}, from_year=2030,
                                                                to_year=2031))
        with refused(OwnershipPermissionError):
            svc.create_strategy(tenant, world.p("vasa"), svc.StrategyData(title={"sv": "X"}, from_year=2030,
                                                                          to_year=2031))
        db.session.commit()
    actions = world.actions()
    for action in ("strategy.created", "strategy.adopted", "strategy.updated", "strategy.archived"):
        assert action in actions


def test_no_goals_in_an_archived_strategy(world):
    with world.scope():
        strategy = svc.get_strategy(world.tenant, world.strategy_id)
        svc.archive_strategy(world.tenant, world.p("admin"), strategy)
        with refused(OwnershipError, "strategy_id", "archived"):
            svc.create_goal(world.tenant, world.p("vasa"), world.goal_data())


def test_default_themes_are_seeded_in_sv_and_fi_once(world):
    with world.scope():
        themes = svc.themes(world.tenant)
        assert [t.code for t in themes] == [code for code, _ in svc.DEFAULT_THEMES]
        assert len(themes) == 6
        assert all(t.name.get("sv") and t.name.get("fi") for t in themes)
        assert themes[0].name == {"sv": "Kompetensförsörjning", "fi": "Osaavan työvoiman saatavuus"}
        assert svc.seed_default_themes(world.tenant, world.p("admin")) == []
        assert len(svc.themes(world.tenant, include_archived=True)) == 6


def test_themes_are_edited_by_the_tenant_and_codes_stay(world):
    with world.scope():
        tenant, admin = world.tenant, world.p("admin")
        theme = svc.create_theme(tenant, admin, svc.ThemeData(
            code="green_transition", name={"sv": "Grön omställning", "fi": "Vihreä siirtymä"}))
        assert theme.position == 7
        with refused(OwnershipError, "code", "taken"):
            svc.create_theme(tenant, admin, svc.ThemeData(code="economy", name={"sv": "Ekonomi"}))
        with refused(OwnershipError, "code", "invalid"):
            svc.create_theme(tenant, admin, svc.ThemeData(code="Bad Code", name={"sv": "X"}))
        with refused(OwnershipError, "code", "immutable"):
            svc.update_theme(tenant, admin, theme, svc.ThemeData(code="other", name={"sv": "X"}))
        svc.update_theme(tenant, admin, theme, svc.ThemeData(name={"sv": "Grön omställning 2.0"}, position=0))
        assert svc.themes(tenant)[0].code == "green_transition"
        svc.set_theme_archived(tenant, admin, theme, True)
        assert "green_transition" not in [t.code for t in svc.themes(tenant)]
        with refused(OwnershipError, "theme_id", "archived"):
            svc.create_goal(tenant, world.p("vasa"), world.goal_data(theme_id=theme.id))
        with refused(OwnershipPermissionError):
            svc.create_theme(tenant, world.p("vasa"), svc.ThemeData(code="x", name={"sv": "X"}))
        db.session.commit()
    assert {"goal_theme.created", "goal_theme.updated", "goal_theme.archived"} <= set(world.actions())


# --- settings ---------------------------------------------------------------------------------


def test_settings_default_and_change(world):
    with world.scope():
        settings = svc.ownership_settings(world.tenant)
        assert settings == OwnershipSettings("majority_represented", Fraction(2, 3), D("5"), D("15"))
        changed = svc.update_ownership_settings(world.tenant, world.p("admin"), {
            "decision_rule": "qualified_all", "qualified_fraction": "3/4", "at_risk_gap": "2.5",
            "off_track_gap": "10"})
        assert changed.qualified_fraction == Fraction(3, 4) and changed.at_risk_gap == D("2.5")
        db.session.commit()
    with world.scope():
        assert world.tenant.settings["ownership"] == {
            "decision_rule": "qualified_all", "qualified_fraction": "3/4", "at_risk_gap": "2.5",
            "off_track_gap": "10"}
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "ownership.settings_changed"))
        assert entry.before["decision_rule"] == "majority_represented"
        assert entry.after["qualified_fraction"] == "3/4"


@pytest.mark.parametrize(("values", "field"), [
    ({"decision_rule": "unanimity"}, "decision_rule"),
    ({"qualified_fraction": "1/3"}, "qualified_fraction"),
    ({"qualified_fraction": "5/4"}, "qualified_fraction"),
    ({"qualified_fraction": "two thirds"}, "qualified_fraction"),
    ({"at_risk_gap": "-1"}, "at_risk_gap"),
    ({"at_risk_gap": "20", "off_track_gap": "10"}, "off_track_gap"),
])
def test_settings_validation(world, values, field):
    with world.scope(), refused(OwnershipError, field):
        svc.update_ownership_settings(world.tenant, world.p("admin"), values)


def test_only_an_admin_changes_the_settings(world):
    with world.scope(), refused(OwnershipPermissionError):
        svc.update_ownership_settings(world.tenant, world.p("vasa"), {"decision_rule": "qualified_all"})


# --- weighted decisions: the arithmetic --------------------------------------------------------

SHARES = {1: D("45.00"), 2: D("30.00"), 3: D("25.00")}


def _choices(vasa=None, korsholm=None, narpes=None) -> dict:
    return {owner: choice for owner, choice in ((1, vasa), (2, korsholm), (3, narpes)) if choice}


@pytest.mark.parametrize(("choices", "expected", "adopted"), [
    (_choices("yes", "yes", "yes"), ("100.00", "0.00", "0.00", "0.00", "100.00"), True),
    (_choices("yes", "no", "no"), ("45.00", "55.00", "0.00", "0.00", "100.00"), False),
    (_choices("no", "yes", "yes"), ("55.00", "45.00", "0.00", "0.00", "100.00"), True),
    # An abstention is represented but not for: 45 of 100 represented is no majority.
    (_choices("yes", "abstain", "no"), ("45.00", "25.00", "30.00", "0.00", "100.00"), False),
    (_choices("abstain", "yes", "no"), ("30.00", "25.00", "45.00", "0.00", "100.00"), False),
    # Absent owners are not represented: 45 of the 75 represented is a majority.
    (_choices("yes", "no"), ("45.00", "30.00", "0.00", "25.00", "75.00"), True),
    (_choices(korsholm="yes"), ("30.00", "0.00", "0.00", "70.00", "30.00"), True),
    (_choices("no", "yes"), ("30.00", "45.00", "0.00", "25.00", "75.00"), False),
    (_choices(), ("0.00", "0.00", "0.00", "100.00", "0.00"), False),
    (_choices(narpes="abstain"), ("0.00", "0.00", "25.00", "75.00", "25.00"), False),
])
def test_majority_of_shares_represented(choices, expected, adopted):
    tally = svc.weigh(SHARES, choices, "majority_represented")
    assert tuple(str(v) for v in (tally.shares_for, tally.shares_against, tally.shares_abstain,
                                  tally.shares_absent, tally.shares_represented)) == expected
    assert tally.shares_total == D("100.00")
    assert tally.adopted is adopted
    assert tally.required == tally.shares_represented / 2
    assert [row["choice"] for row in tally.breakdown] == [
        choices.get(owner, "absent") for owner in (1, 2, 3)]


def test_a_tie_is_not_a_majority():
    shares = {1: D("50.00"), 2: D("30.00"), 3: D("20.00")}
    tie = svc.weigh(shares, {1: "yes", 2: "no", 3: "no"}, "majority_represented")
    assert tie.shares_for == tie.shares_against == D("50.00") and not tie.adopted
    tie_of_the_present = svc.weigh(shares, {2: "yes", 3: "no", 1: "abstain"}, "majority_represented")
    assert not tie_of_the_present.adopted
    assert svc.weigh({1: D("30.00"), 2: D("30.00"), 3: D("40.00")}, {1: "yes", 2: "no"},
                     "majority_represented").adopted is False
    qualified_half = svc.weigh(shares, {1: "yes", 2: "no", 3: "no"}, "qualified_all", Fraction(1, 2))
    assert not qualified_half.adopted
    # Half of all shares for and none against reaches a qualified majority of one half.
    assert svc.weigh(shares, {1: "yes", 2: "abstain"}, "qualified_all", Fraction(1, 2)).adopted


@pytest.mark.parametrize(("choices", "adopted"), [
    (_choices("yes", "yes", "no"), True),  # 75 >= 66.67
    (_choices("yes", "no", "yes"), True),  # 70
    (_choices("no", "yes", "yes"), False),  # 55
    (_choices("yes", "yes", "abstain"), True),  # abstentions do not count, 75 still does
    (_choices("yes", "abstain", "abstain"), False),  # 45
    (_choices("yes", "abstain", "yes"), True),  # 70
    (_choices("yes", "yes"), True),  # Närpes absent: 75 of all 100
    (_choices("yes", narpes="yes"), True),  # 70 of all 100 although Korsholm is absent
    (_choices(korsholm="yes", narpes="yes"), False),  # 55: absent Vasa counts in the total
    (_choices(), False),
])
def test_qualified_majority_of_all_shares(choices, adopted):
    tally = svc.weigh(SHARES, choices, "qualified_all", Fraction(2, 3))
    assert tally.adopted is adopted
    assert tally.shares_total == D("100.00")
    assert tally.required * 3 == D("200.00")


def test_qualified_majority_is_exact_at_the_boundary():
    two_thirds = Fraction(2, 3)
    assert svc.weigh({1: D("66.67"), 2: D("33.33")}, {1: "yes", 2: "no"}, "qualified_all", two_thirds).adopted
    assert not svc.weigh({1: D("66.66"), 2: D("33.34")}, {1: "yes", 2: "no"}, "qualified_all",
                         two_thirds).adopted
    three_quarters = Fraction(3, 4)
    assert svc.weigh({1: D("75.00"), 2: D("25.00")}, {1: "yes"}, "qualified_all", three_quarters).adopted
    assert not svc.weigh({1: D("74.99"), 2: D("25.01")}, {1: "yes"}, "qualified_all",
                         three_quarters).adopted
    # 0.1 + 0.2 style sums stay exact: 33.33 + 33.33 + 33.34 = 100.00 all in favour.
    thirds = {1: D("33.33"), 2: D("33.33"), 3: D("33.34")}
    tally = svc.weigh(thirds, {1: "yes", 2: "yes", 3: "yes"}, "qualified_all", Fraction(1, 1))
    assert tally.shares_for == D("100.00") and tally.adopted


# --- weighted decisions through the services ---------------------------------------------------


def test_the_last_owner_vote_decides_and_adopts_the_goal(world):
    goal_id = world.new_goal("proposed")
    meeting_id = world.meeting()
    item_id = world.agenda(meeting_id, goal_id)
    world.vote(item_id, "vasa", "yes")
    world.vote(item_id, "korsholm", "no")
    with world.scope():
        assert world.item(item_id).outcome == ItemOutcome.PENDING
        assert world.goal(goal_id).status == GoalStatus.PROPOSED
    world.vote(item_id, "narpes", "yes")
    with world.scope():
        decision = db.session.scalar(select(Decision))
        assert decision.rule == "majority_represented"
        assert (decision.shares_for, decision.shares_against, decision.shares_abstain,
                decision.shares_absent, decision.shares_represented, decision.shares_total) == (
            D("70.00"), D("30.00"), D("0.00"), D("0.00"), D("100.00"), D("100.00"))
        assert isinstance(decision.shares_for, Decimal)
        assert decision.result == "adopted" and decision.fraction_numerator is None
        assert [(row["name"]["sv"], row["share"], row["choice"]) for row in decision.breakdown] == [
            ("Vasa", "45.00", "yes"), ("Korsholm", "30.00", "no"), ("Närpes", "25.00", "yes")]
        assert decision.computed_by.email == world.emails["narpes"]
        goal = world.goal(goal_id)
        assert goal.status == GoalStatus.ADOPTED
        assert goal.adopted_decision_id == decision.id
        assert world.item(item_id).outcome == ItemOutcome.ADOPTED
        last = goal.transitions[-1]
        assert (last.from_status, last.to_status, last.decision_id) == ("proposed", "adopted", decision.id)
    actions = world.actions()
    assert actions.count("vote.cast") == 3
    assert actions[-2:] == ["decision.computed", "goal.status_changed"]


def test_the_admin_closes_the_vote_and_the_silent_owner_is_absent(world):
    goal_id = world.new_goal("proposed")
    item_id = world.agenda(world.meeting(), goal_id)
    world.vote(item_id, "vasa", "yes")
    world.vote(item_id, "korsholm", "no")
    with world.scope():
        with refused(OwnershipPermissionError):
            svc.decide_item(world.tenant, world.p("vasa"), world.item(item_id))
        decision = svc.decide_item(world.tenant, world.p("admin"), world.item(item_id))
        db.session.commit()
        assert (decision.shares_for, decision.shares_against, decision.shares_absent,
                decision.shares_represented) == (D("45.00"), D("30.00"), D("25.00"), D("75.00"))
        assert decision.breakdown[2]["choice"] == "absent"
        assert decision.result == "adopted"  # 45 of the 75 represented
        with refused(OwnershipError, "agenda_item", "decided"):
            svc.decide_item(world.tenant, world.p("admin"), world.item(item_id))
        with refused(OwnershipError, "agenda_item", "decided"):
            svc.cast_vote(world.tenant, world.p("narpes"), world.item(item_id), "yes")


def test_a_rejected_goal_returns_to_draft_with_the_decision_recorded(world):
    goal_id = world.new_goal("proposed")
    item_id = world.agenda(world.meeting(), goal_id)
    world.vote(item_id, "vasa", "yes")
    world.vote(item_id, "korsholm", "abstain")
    world.vote(item_id, "narpes", "no")
    with world.scope():
        decision = db.session.scalar(select(Decision))
        assert decision.result == "rejected"  # 45 for, of 100 represented
        assert decision.shares_abstain == D("30.00")
        goal = world.goal(goal_id)
        assert goal.status == GoalStatus.DRAFT and goal.adopted_decision_id is None
        assert goal.transitions[-1].decision_id == decision.id
        assert world.item(item_id).outcome == ItemOutcome.REJECTED
        # The proposer may revise and propose it again, to another meeting.
        svc.transition_goal(world.tenant, world.p("vasa"), goal, "proposed")
        db.session.commit()


def test_qualified_rule_from_the_tenant_settings(world):
    world.set_rule(decision_rule="qualified_all", qualified_fraction="2/3")
    adopted_id, rejected_id = world.new_goal("proposed"), world.new_goal("proposed")
    meeting_id = world.meeting()
    adopted_item, rejected_item = world.agenda(meeting_id, adopted_id), world.agenda(meeting_id, rejected_id)
    for who, choice in (("vasa", "yes"), ("korsholm", "yes"), ("narpes", "no")):
        world.vote(adopted_item, who, choice)
    for who, choice in (("vasa", "no"), ("korsholm", "yes"), ("narpes", "yes")):
        world.vote(rejected_item, who, choice)
    with world.scope():
        first = world.item(adopted_item).decision
        second = world.item(rejected_item).decision
        assert (first.rule, first.fraction_numerator, first.fraction_denominator) == ("qualified_all", 2, 3)
        assert first.result == "adopted" and first.shares_for == D("75.00")
        assert second.result == "rejected" and second.shares_for == D("55.00")
        assert world.goal(adopted_id).status == GoalStatus.ADOPTED
        assert world.goal(rejected_id).status == GoalStatus.DRAFT


def test_qualified_rule_counts_absent_owners_in_all_shares(world):
    world.set_rule(decision_rule="qualified_all")
    goal_id = world.new_goal("proposed")
    item_id = world.agenda(world.meeting(), goal_id)
    world.vote(item_id, "korsholm", "yes")
    world.vote(item_id, "narpes", "yes")
    with world.scope():
        decision = svc.decide_item(world.tenant, world.p("admin"), world.item(item_id))
        assert decision.result == "rejected"  # 55 of all 100, Vasa absent
        assert decision.shares_absent == D("45.00")


def test_no_weighted_decision_unless_the_shares_sum_to_100(world):
    goal_id = world.new_goal("proposed")
    item_id = world.agenda(world.meeting(date(2025, 6, 1)), goal_id)
    with world.scope():
        svc.set_stake(world.tenant, world.p("admin"),
                      svc.StakeData(world.org_ids["vasa"], "40", date(2025, 1, 1)))
        db.session.commit()
    with world.scope():
        with refused(OwnershipError, "shares", "incomplete"):
            svc.cast_vote(world.tenant, world.p("vasa"), world.item(item_id), "yes")
        with refused(OwnershipError, "shares", "incomplete"):
            svc.decide_item(world.tenant, world.p("admin"), world.item(item_id))
        assert db.session.scalar(select(func.count(Vote.id))) == 0


# --- voting: who may vote for whom -------------------------------------------------------------


@pytest.fixture
def open_item(world) -> int:
    return world.agenda(world.meeting(), world.new_goal("proposed"))


@pytest.mark.parametrize("who", ["reporter", "viewer", "admin"])
def test_only_owner_representatives_vote(world, open_item, who):
    with world.scope(), refused(OwnershipPermissionError, "choice", "forbidden"):
        svc.cast_vote(world.tenant, world.p(who), world.item(open_item), "yes")


def test_a_provider_reporter_api_client_cannot_vote(world, factory, open_item):
    provider = SimpleNamespace(id=world.org_ids["provider"])
    client, _ = factory.api_client(world._tenant, organisation=provider, scopes=("read", "report"))
    with world.scope():
        principal = principal_for_client(world.tenant, db.session.get(ApiClient, client.id),
                                         {"read", "report"})
        with refused(OwnershipPermissionError, "choice"):
            svc.cast_vote(world.tenant, principal, world.item(open_item), "yes")


def test_a_representative_votes_for_the_owner_they_are_bound_to_once(world, open_item):
    world.vote(open_item, "vasa", "abstain")
    with world.scope():
        vote = db.session.scalar(select(Vote))
        assert vote.organisation_id == world.org_ids["vasa"]
        assert vote.user.email == world.emails["vasa"] and vote.choice == "abstain"
        # A second representative of Vasa cannot vote again for Vasa.
        with refused(OwnershipError, "choice", "already_voted"):
            svc.cast_vote(world.tenant, world.p("vasa2"), world.item(open_item), "yes")
        with refused(OwnershipError, "choice", "already_voted"):
            svc.cast_vote(world.tenant, world.p("vasa"), world.item(open_item), "no")
    world.vote(open_item, "korsholm", "yes")
    with world.scope():
        assert {v.organisation_id: v.choice for v in world.item(open_item).votes} == {
            world.org_ids["vasa"]: "abstain", world.org_ids["korsholm"]: "yes"}


def test_a_representative_of_a_municipality_without_a_share_cannot_vote(world, open_item):
    with world.scope(), refused(OwnershipPermissionError, "choice", "not_owner"):
        svc.cast_vote(world.tenant, world.p("malax"), world.item(open_item), "yes")


def test_a_former_owner_cannot_vote_after_leaving(world):
    item_id = world.agenda(world.meeting(date(2026, 3, 1)), world.new_goal("proposed"))
    with world.scope():
        admin = world.p("admin")
        svc.end_stake(world.tenant, admin, world.org_ids["narpes"], date(2025, 12, 31))
        svc.set_stake(world.tenant, admin, svc.StakeData(world.org_ids["vasa"], "70", date(2026, 1, 1)))
        db.session.commit()
    with world.scope(), refused(OwnershipPermissionError, "choice", "not_owner"):
        svc.cast_vote(world.tenant, world.p("narpes"), world.item(item_id), "yes")
    world.vote(item_id, "vasa", "yes")
    world.vote(item_id, "korsholm", "no")  # every owner in force has voted: decided
    with world.scope():
        decision = world.item(item_id).decision
        assert decision.result == "adopted" and decision.shares_for == D("70.00")
        assert len(decision.breakdown) == 2


def test_a_member_of_another_tenant_cannot_vote_here(make_steering, world, open_item):
    other = make_steering(slug="other")
    with other.scope():
        outsider = other.p("vasa")
    with world.scope(), refused(OwnershipPermissionError):
        svc.cast_vote(world.tenant, outsider, world.item(open_item), "yes")


def test_votes_need_a_valid_choice_and_an_open_meeting(world, open_item):
    with world.scope(), refused(OwnershipError, "choice", "invalid"):
        svc.cast_vote(world.tenant, world.p("vasa"), world.item(open_item), "maybe")


def test_awaiting_vote_lists_items_until_the_owner_has_voted(world, open_item):
    with world.scope():
        assert [i.id for i in svc.items_awaiting_vote(world.tenant, world.org_ids["korsholm"])] == [open_item]
    world.vote(open_item, "korsholm", "yes")
    with world.scope():
        assert svc.items_awaiting_vote(world.tenant, world.org_ids["korsholm"]) == []
        assert [i.id for i in svc.items_awaiting_vote(world.tenant, world.org_ids["vasa"])] == [open_item]
        assert svc.items_awaiting_vote(world.tenant, None) == []


# --- meetings and the agenda ------------------------------------------------------------------


def test_meeting_agenda_and_status_rules(world):
    proposed = world.new_goal("proposed")
    draft = world.new_goal("draft")
    meeting_id = world.meeting()
    item_id = world.agenda(meeting_id, proposed)
    with world.scope():
        from samverkan.ownership.models import OwnersMeeting

        tenant, admin = world.tenant, world.p("admin")
        meeting = db.session.get(OwnersMeeting, meeting_id)
        with refused(OwnershipError, "goal_id", "not_proposed"):
            svc.add_agenda_item(tenant, admin, meeting, world.goal(draft))
        with refused(OwnershipError, "goal_id", "on_agenda"):
            svc.add_agenda_item(tenant, admin, meeting, world.goal(proposed))
        with refused(OwnershipPermissionError):
            svc.add_agenda_item(tenant, world.p("vasa"), meeting, world.goal(proposed))
        with refused(OwnershipError, "status", "invalid_transition"):
            svc.set_meeting_status(tenant, admin, meeting, "closed")
        svc.set_meeting_status(tenant, admin, meeting, "held")
        svc.update_meeting(tenant, admin, meeting, svc.MeetingData(
            meeting_date=MEETING_DAY, agenda=meeting.agenda,
            minutes={"sv": "Protokoll", "fi": "Pöytäkirja"}))
        with refused(OwnershipError, "status", "items_pending"):
            svc.set_meeting_status(tenant, admin, meeting, "closed")
        db.session.commit()
    world.vote(item_id, "vasa", "yes")
    with world.scope():
        meeting = db.session.get(OwnersMeeting, meeting_id)
        tenant, admin = world.tenant, world.p("admin")
        with refused(OwnershipError, "meeting_date", "votes_cast"):
            svc.update_meeting(tenant, admin, meeting, svc.MeetingData(meeting_date=date(2025, 6, 1)))
        with refused(OwnershipError, "agenda_item", "votes_cast"):
            svc.remove_agenda_item(tenant, admin, world.item(item_id))
        svc.decide_item(tenant, admin, world.item(item_id))
        svc.set_meeting_status(tenant, admin, meeting, "closed")
        with refused(OwnershipError, "status", "closed"):
            svc.update_meeting(tenant, admin, meeting, svc.MeetingData(meeting_date=MEETING_DAY))
        db.session.commit()
    assert {"meeting.created", "meeting.status_changed", "meeting.updated", "agenda_item.added"} <= set(
        world.actions())


def test_an_item_without_votes_can_be_removed(world):
    goal_id = world.new_goal("proposed")
    item_id = world.agenda(world.meeting(), goal_id)
    with world.scope():
        svc.remove_agenda_item(world.tenant, world.p("admin"), world.item(item_id))
        db.session.commit()
        assert db.session.scalar(select(func.count(AgendaItem.id))) == 0
    assert "agenda_item.removed" in world.actions()


# --- the goal lifecycle by role ----------------------------------------------------------------

ROLES = ["admin", "proposer", "other_owner", "reporter", "viewer"]
WHO = {"admin": "admin", "proposer": "vasa", "other_owner": "korsholm", "reporter": "reporter",
       "viewer": "viewer"}
LIFECYCLE = [
    # (from, to, roles allowed)
    ("draft", "proposed", {"admin", "proposer"}),
    ("draft", "withdrawn", {"admin", "proposer"}),
    ("proposed", "draft", {"admin", "proposer"}),
    ("proposed", "withdrawn", {"admin", "proposer"}),
    ("proposed", "adopted", set()),  # only a decision of the owners' meeting
    ("adopted", "achieved", {"admin", "proposer", "other_owner"}),
    ("adopted", "not_achieved", {"admin", "proposer", "other_owner"}),
    ("adopted", "withdrawn", {"admin"}),
]


@pytest.mark.parametrize(("source", "target", "allowed"), LIFECYCLE,
                         ids=[f"{source}->{target}" for source, target, _ in LIFECYCLE])
def test_every_lifecycle_transition_by_role(world, source, target, allowed):
    """Each role tries the transition on a goal of its own (proposed by Vasa, target date past)."""
    goals = {role: world.new_goal("proposed" if source == "adopted" else source) for role in ROLES}
    if source == "adopted":
        world.adopt(*goals.values())
    outcome = {}
    for role in ROLES:
        with world.scope():
            goal, principal = world.goal(goals[role]), world.p(WHO[role])
            offered = target in svc.allowed_transitions(world.tenant, principal, goal)
            try:
                transition = svc.transition_goal(world.tenant, principal, goal, target, note="Beslut § 12")
            except OwnershipPermissionError as error:
                assert error.field == "status" and rendered(error)
                db.session.rollback()
                outcome[role] = ("refused", offered, world.goal(goals[role]).status)
                continue
            db.session.commit()
            assert (transition.from_status, transition.to_status) == (source, target)
            assert transition.actor_id == principal.user.id and transition.note == "Beslut § 12"
            entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
            assert (entry.action, entry.entity_id, entry.actor_id) == (
                "goal.status_changed", str(goals[role]), principal.user.id)
            outcome[role] = ("allowed", offered, world.goal(goals[role]).status)
    assert outcome == {
        role: ("allowed", True, target) if role in allowed else ("refused", False, source) for role in ROLES
    }


IMPOSSIBLE = [
    ("draft", "adopted"), ("draft", "achieved"), ("draft", "draft"), ("proposed", "achieved"),
    ("adopted", "proposed"), ("adopted", "draft"), ("achieved", "adopted"), ("achieved", "not_achieved"),
    ("not_achieved", "achieved"), ("withdrawn", "draft"), ("withdrawn", "proposed"), ("draft", "nonsense"),
]


def test_impossible_transitions_are_refused_even_for_the_admin(world):
    setup = {"achieved": "adopted", "not_achieved": "adopted", "withdrawn": "draft"}
    goals = [world.new_goal("proposed" if setup.get(s, s) == "adopted" else setup.get(s, s))
             for s, _ in IMPOSSIBLE]
    world.adopt(*[g for g, (s, _) in zip(goals, IMPOSSIBLE, strict=True) if setup.get(s, s) == "adopted"])
    codes = {}
    with world.scope():
        admin = world.p("admin")
        for goal_id, (source, target) in zip(goals, IMPOSSIBLE, strict=True):
            goal = world.goal(goal_id)
            if source in setup:
                svc.transition_goal(world.tenant, admin, goal, source, note="x")
            assert goal.status == source
            try:
                svc.transition_goal(world.tenant, admin, goal, target, note="x")
            except OwnershipError as error:
                codes[(source, target)] = (type(error).__name__, error.field, error.code)
    assert codes == {pair: ("OwnershipError", "status", "invalid_transition") for pair in IMPOSSIBLE}


def test_achieved_only_on_or_after_the_target_date(world):
    later = date.today() + timedelta(days=30)
    goal_id = world.new_goal("adopted", target_date=later)
    with world.scope():
        for who in ("admin", "vasa"):
            with refused(OwnershipError, "status", "before_target_date"):
                svc.transition_goal(world.tenant, world.p(who), world.goal(goal_id), "achieved")
            assert svc.allowed_transitions(world.tenant, world.p(who), world.goal(goal_id)) == (
                ["withdrawn"] if who == "admin" else [])
    today_goal = world.new_goal("adopted", target_date=date.today())
    with world.scope():
        svc.transition_goal(world.tenant, world.p("korsholm"), world.goal(today_goal), "not_achieved")
        db.session.commit()


def test_withdrawing_an_adopted_goal_cites_the_decision(world):
    goal_id = world.new_goal("adopted")
    with world.scope():
        with refused(OwnershipError, "note", "required"):
            svc.transition_goal(world.tenant, world.p("admin"), world.goal(goal_id), "withdrawn", note="  ")
        svc.transition_goal(world.tenant, world.p("admin"), world.goal(goal_id), "withdrawn",
                            note="Ägarsamrådet 2026-02-01 § 4")
        db.session.commit()


def test_a_proposal_under_vote_stays_until_the_decision(world):
    goal_id = world.new_goal("proposed")
    item_id = world.agenda(world.meeting(), goal_id)
    world.vote(item_id, "korsholm", "no")
    with world.scope():
        for target in ("draft", "withdrawn"):
            with refused(OwnershipError, "status", "votes_cast"):
                svc.transition_goal(world.tenant, world.p("vasa"), world.goal(goal_id), target)
        with refused(OwnershipError, "status", "votes_cast"):
            svc.update_goal(world.tenant, world.p("vasa"), world.goal(goal_id),
                            world.goal_data(title={"sv": "Ändrad"}))


def test_withdrawing_a_proposal_takes_it_off_the_agenda(world):
    goal_id = world.new_goal("proposed")
    world.agenda(world.meeting(), goal_id)
    with world.scope():
        svc.transition_goal(world.tenant, world.p("vasa"), world.goal(goal_id), "withdrawn")
        db.session.commit()
        assert db.session.scalar(select(func.count(AgendaItem.id))) == 0
    actions = world.actions()
    assert actions[-2:] == ["agenda_item.removed", "goal.status_changed"]


def test_transitions_are_recorded_with_who_and_when(world):
    goal_id = world.new_goal("adopted")
    with world.scope():
        svc.transition_goal(world.tenant, world.p("korsholm"), world.goal(goal_id), "achieved")
        db.session.commit()
        history = list(db.session.scalars(select(GoalTransition).where(GoalTransition.goal_id == goal_id)
                                          .order_by(GoalTransition.id)))
        assert [(t.from_status, t.to_status) for t in history] == [
            (None, "draft"), ("draft", "proposed"), ("proposed", "adopted"), ("adopted", "achieved")]
        assert [t.actor_label for t in history] == [
            world.emails["vasa"], world.emails["vasa"], world.emails["narpes"], world.emails["korsholm"]]
        assert all(t.occurred_at is not None for t in history)
        assert history[2].decision_id is not None


# --- creating and editing goals ---------------------------------------------------------------


def test_a_representative_proposes_for_their_own_owner(world):
    with world.scope():
        goal = svc.create_goal(world.tenant, world.p("korsholm"), world.goal_data())
        assert goal.proposer_organisation_id == world.org_ids["korsholm"]
        assert goal.status == GoalStatus.DRAFT
        assert [(m.year, m.value) for m in goal.milestones] == [(2023, D("70.0000"))]
        with refused(OwnershipPermissionError, "proposer_organisation_id", "not_own"):
            svc.create_goal(world.tenant, world.p("korsholm"),
                            world.goal_data(proposer_organisation_id=world.org_ids["vasa"]))
        on_behalf = svc.create_goal(world.tenant, world.p("admin"),
                                    world.goal_data(proposer_organisation_id=world.org_ids["narpes"]))
        assert on_behalf.proposer_organisation_id == world.org_ids["narpes"]
        with refused(OwnershipError, "proposer_organisation_id", "not_owner"):
            svc.create_goal(world.tenant, world.p("admin"),
                            world.goal_data(proposer_organisation_id=world.org_ids["malax"]))
        with refused(OwnershipError, "proposer_organisation_id", "not_owner"):
            svc.create_goal(world.tenant, world.p("malax"), world.goal_data())
        for who in ("reporter", "viewer"):
            with refused(OwnershipPermissionError):
                svc.create_goal(world.tenant, world.p(who), world.goal_data())
        db.session.commit()
    actions = world.actions()
    assert actions.count("goal.created") == 2


@pytest.mark.parametrize(("overrides", "field", "code"), [
    ({"direction": "higher", "target_value": "50"}, "target_value", "wrong_direction"),
    ({"direction": "lower", "target_value": "70"}, "target_value", "wrong_direction"),
    ({"direction": "sideways"}, "direction", "invalid"),
    ({"unit": "  "}, "unit", "required"),
    ({"unit": "x" * 51}, "unit", "too_long"),
    ({"title": {"sv": "", "fi": " "}}, "title", "required"),
    ({"title": {"en": "English only"}}, "title", "required"),
    ({"baseline_value": "abc"}, "baseline_value", "invalid"),
    ({"baseline_value": "1.23456"}, "baseline_value", "precision"),
    ({"target_value": "1e15"}, "target_value", "too_large"),
    ({"baseline_year": 1800}, "baseline_year", "invalid"),
    ({"target_date": date(2022, 1, 1)}, "target_date", "before_baseline"),
    ({"target_date": "2024-13-01"}, "target_date", "invalid"),
    ({"milestones": {2022: "65"}}, "milestones", "out_of_range"),
    ({"milestones": {2025: "65"}}, "milestones", "out_of_range"),
    ({"milestones": [(2023, "65"), (2023, "66")]}, "milestones", "duplicate"),
    ({"strategy_id": 999999}, "strategy_id", "invalid"),
    ({"theme_id": 999999}, "theme_id", "invalid"),
])
def test_goal_validation(world, overrides, field, code):
    with world.scope(), refused(OwnershipError, field, code):
        svc.create_goal(world.tenant, world.p("vasa"), world.goal_data(**overrides))


def test_a_draft_is_edited_by_its_proposer_or_the_admin(world):
    goal_id = world.new_goal("draft")
    with world.scope():
        for who in ("korsholm", "reporter", "viewer"):
            with refused(OwnershipPermissionError):
                svc.update_goal(world.tenant, world.p(who), world.goal(goal_id),
                                world.goal_data(target_value="85"))
        svc.update_goal(world.tenant, world.p("vasa"), world.goal(goal_id),
                        world.goal_data(target_value="85", milestones={2023: "72"}))
        svc.update_goal(world.tenant, world.p("admin"), world.goal(goal_id),
                        world.goal_data(target_value="85", milestones={2023: "72"},
                                        title={"sv": "Sysselsättning", "fi": "Työllisyys"}))
        db.session.commit()
        goal = world.goal(goal_id)
        assert goal.target_value == D("85")
        assert [(m.year, m.value) for m in goal.milestones] == [(2023, D("72"))]
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "goal.updated")
                                   .order_by(AuditEntry.id)).first()
        assert entry.before["target_value"] == "80.0000" and entry.after["target_value"] == "85.0000"
        assert entry.before["milestones"] == {"2023": "70.0000"}


@pytest.mark.parametrize(("overrides", "field"), [
    ({"target_value": "90"}, "target_value"),
    ({"baseline_value": "61"}, "baseline_value"),
    ({"baseline_year": 2021}, "baseline_year"),
    ({"target_date": date(2024, 6, 1)}, "target_date"),
    ({"unit": "persons"}, "unit"),
    ({"direction": "lower", "target_value": "50"}, "direction"),
    ({"milestones": {2023: "71"}}, "milestones"),
    ({"milestones": {}}, "milestones"),
    ({"theme_id": "economy"}, "theme_id"),
])
def test_an_adopted_goal_has_a_frozen_measure(world, overrides, field):
    goal_id = world.new_goal("adopted")
    if overrides.get("theme_id") == "economy":
        overrides = {"theme_id": world.theme_ids["economy"]}
    with world.scope():
        with refused(OwnershipError, field, "frozen") as info:
            svc.update_goal(world.tenant, world.p("admin"), world.goal(goal_id), world.goal_data(**overrides))
        assert "decision" in rendered(info.value)
    with world.scope():
        goal = world.goal(goal_id)
        assert (goal.target_value, goal.baseline_value, goal.unit) == (D("80"), D("60"), "%")


def test_an_adopted_goal_keeps_its_texts_editable_by_the_admin_only(world):
    goal_id = world.new_goal("adopted")
    corrected = {"sv": "Fler i arbete efter examen (rättad)", "fi": "Enemmän työllistyneitä"}
    with world.scope():
        with refused(OwnershipPermissionError):
            svc.update_goal(world.tenant, world.p("vasa"), world.goal(goal_id),
                            world.goal_data(title=corrected))
        svc.update_goal(world.tenant, world.p("admin"), world.goal(goal_id), world.goal_data(title=corrected))
        db.session.commit()
        assert world.goal(goal_id).title == corrected
    goal_id = world.new_goal("adopted")
    with world.scope():
        svc.transition_goal(world.tenant, world.p("admin"), world.goal(goal_id), "achieved")
        with refused(OwnershipError, "status", "final"):
            svc.update_goal(world.tenant, world.p("admin"), world.goal(goal_id),
                            world.goal_data(title=corrected))


def test_only_a_draft_never_on_an_agenda_is_deleted(world):
    draft = world.new_goal("draft")
    proposed = world.new_goal("proposed")
    rejected = world.new_goal("proposed")
    item_id = world.agenda(world.meeting(), rejected)
    with world.scope():
        svc.decide_item(world.tenant, world.p("admin"), world.item(item_id))  # nobody voted: rejected
        db.session.commit()
    with world.scope():
        assert world.goal(rejected).status == GoalStatus.DRAFT
        with refused(OwnershipError, "status", "has_history"):
            svc.delete_goal(world.tenant, world.p("vasa"), world.goal(rejected))
        with refused(OwnershipError, "status", "not_draft"):
            svc.delete_goal(world.tenant, world.p("vasa"), world.goal(proposed))
        with refused(OwnershipPermissionError):
            svc.delete_goal(world.tenant, world.p("korsholm"), world.goal(draft))
        svc.delete_goal(world.tenant, world.p("vasa"), world.goal(draft))
        db.session.commit()
        assert world.goal(draft) is None
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "goal.deleted"))
        assert entry.entity_id == str(draft) and entry.before["status"] == "draft"


def test_another_tenants_goal_is_not_found(make_steering, world):
    other = make_steering(slug="other")
    foreign_id = other.new_goal("draft")
    with world.scope():
        with refused(OwnershipError, "goal_id", "invalid"):
            svc.get_goal(world.tenant, foreign_id)
        assert world.goal(foreign_id) is None  # the tenant scope hides it


# --- progress and status arithmetic ------------------------------------------------------------

DEFAULTS = OwnershipSettings("majority_represented", Fraction(2, 3), D("5"), D("15"))


def _goal(direction: str, baseline: str, target: str, baseline_year: int = 2022,
          target_date: date = date(2024, 1, 1)) -> SteeringGoal:
    """A goal from 2022-01-01 to 2024-01-01: 730 days, so 2023-01-01 is exactly half-way."""
    return SteeringGoal(direction=direction, baseline_value=D(baseline), target_value=D(target),
                        baseline_year=baseline_year, target_date=target_date)


HALF_WAY = date(2023, 1, 1)
PAST = date(2025, 6, 1)


@pytest.mark.parametrize(("direction", "baseline", "target", "value", "progress"), [
    ("higher", "60", "80", "70", "50.00"),
    ("higher", "60", "80", "65", "25.00"),
    ("higher", "60", "80", "60", "0.00"),
    ("higher", "60", "80", "80", "100.00"),
    ("higher", "60", "80", "95", "100.00"),  # beyond the target: clamped
    ("higher", "60", "80", "40", "0.00"),  # worse than the baseline: clamped
    ("higher", "60", "80", "66.6667", "33.33"),
    ("lower", "20", "10", "15", "50.00"),
    ("lower", "20", "10", "20", "0.00"),
    ("lower", "20", "10", "10", "100.00"),
    ("lower", "20", "10", "4", "100.00"),
    ("lower", "20", "10", "25", "0.00"),
    ("lower", "20", "10", "17.5", "25.00"),
    # Holding a level: reached or not, in the goal's direction.
    ("higher", "95", "95", "95", "100.00"),
    ("higher", "95", "95", "96", "100.00"),
    ("higher", "95", "95", "94.99", "0.00"),
    ("lower", "5", "5", "5", "100.00"),
    ("lower", "5", "5", "4", "100.00"),
    ("lower", "5", "5", "5.01", "0.00"),
])
def test_progress_from_baseline_towards_target(direction, baseline, target, value, progress):
    assert svc.progress_percent(_goal(direction, baseline, target), D(value)) == D(progress)


@pytest.mark.parametrize(("on", "expected", "higher", "lower"), [
    (date(2021, 6, 1), "0.00", "60.0000", "20.0000"),  # before the baseline year
    (date(2022, 1, 1), "0.00", "60.0000", "20.0000"),  # the start of the baseline year
    (HALF_WAY, "50.00", "70.0000", "15.0000"),  # 365 of 730 days
    (date(2023, 7, 2), "74.93", "74.9863", "12.5068"),  # 547 of 730 days
    (date(2024, 1, 1), "100.00", "80.0000", "10.0000"),  # the target date
    (PAST, "100.00", "80.0000", "10.0000"),  # past the target date
])
def test_expected_progress_along_the_straight_trajectory(on, expected, higher, lower):
    for goal, trajectory in ((_goal("higher", "60", "80"), higher), (_goal("lower", "20", "10"), lower)):
        assert svc.expected_percent(goal, on) == D(expected)
        assert svc.trajectory_value(goal, on) == D(trajectory)
    # Holding a level: the level is expected from the start.
    assert svc.expected_percent(_goal("higher", "95", "95"), on) == D("100.00")
    assert svc.trajectory_value(_goal("higher", "95", "95"), on) == D("95")


@pytest.mark.parametrize(("direction", "baseline", "target", "value", "on", "status", "gap"), [
    # Higher is better, half-way through: 70 expected.
    ("higher", "60", "80", "70", HALF_WAY, "on_track", "0.00"),
    ("higher", "60", "80", "75", HALF_WAY, "on_track", "-25.00"),  # ahead
    ("higher", "60", "80", "69", HALF_WAY, "on_track", "5.00"),  # exactly the at-risk gap
    ("higher", "60", "80", "68.9", HALF_WAY, "at_risk", "5.50"),
    ("higher", "60", "80", "67", HALF_WAY, "at_risk", "15.00"),  # exactly the off-track gap
    ("higher", "60", "80", "66.9", HALF_WAY, "off_track", "15.50"),
    ("higher", "60", "80", "55", HALF_WAY, "off_track", "50.00"),
    # Lower is better, half-way through: 15 expected.
    ("lower", "20", "10", "15", HALF_WAY, "on_track", "0.00"),
    ("lower", "20", "10", "15.5", HALF_WAY, "on_track", "5.00"),
    ("lower", "20", "10", "15.6", HALF_WAY, "at_risk", "6.00"),
    ("lower", "20", "10", "16.5", HALF_WAY, "at_risk", "15.00"),
    ("lower", "20", "10", "16.6", HALF_WAY, "off_track", "16.00"),
    ("lower", "20", "10", "12", HALF_WAY, "on_track", "-30.00"),
    # Past the target date the trajectory expects the target itself.
    ("higher", "60", "80", "80", PAST, "on_track", "0.00"),
    ("higher", "60", "80", "85", PAST, "on_track", "0.00"),
    ("higher", "60", "80", "79", PAST, "on_track", "5.00"),
    ("higher", "60", "80", "78", PAST, "at_risk", "10.00"),
    ("higher", "60", "80", "76", PAST, "off_track", "20.00"),
    ("lower", "20", "10", "11", PAST, "at_risk", "10.00"),
    ("lower", "20", "10", "9", PAST, "on_track", "0.00"),
    # At the start nothing is expected yet.
    ("higher", "60", "80", "60", date(2022, 1, 1), "on_track", "0.00"),
    ("lower", "20", "10", "25", date(2022, 1, 1), "on_track", "0.00"),
    # Baseline equal to target: the level is expected all along.
    ("higher", "95", "95", "95", HALF_WAY, "on_track", "0.00"),
    ("higher", "95", "95", "94", HALF_WAY, "off_track", "100.00"),
    ("lower", "5", "5", "6", date(2022, 1, 1), "off_track", "100.00"),
    ("lower", "5", "5", "4", PAST, "on_track", "0.00"),
])
def test_status_against_the_trajectory(direction, baseline, target, value, on, status, gap):
    assessment = svc.assess(_goal(direction, baseline, target), D(value), on, DEFAULTS)
    assert assessment.status == ProgressStatus(status)
    assert assessment.gap == D(gap)
    assert assessment.gap == assessment.expected - assessment.progress


def test_status_follows_the_tenant_thresholds():
    strict = OwnershipSettings("majority_represented", Fraction(2, 3), D("2"), D("4"))
    goal = _goal("higher", "60", "80")
    assert svc.assess(goal, D("69"), HALF_WAY, strict).status == ProgressStatus.OFF_TRACK
    assert svc.assess(goal, D("69.5"), HALF_WAY, strict).status == ProgressStatus.AT_RISK
    assert svc.assess(goal, D("69.6"), HALF_WAY, strict).status == ProgressStatus.ON_TRACK
    assert svc.assess(goal, D("69"), HALF_WAY, DEFAULTS).status == ProgressStatus.ON_TRACK


# --- progress reports through the services ----------------------------------------------------


def test_the_provider_reports_progress_and_the_status_follows(world):
    goal_id = world.new_goal("adopted")
    with world.scope():
        first = svc.submit_progress(world.tenant, world.p("reporter"), world.goal(goal_id), svc.ProgressData(
            period_label="2022", period_date=date(2023, 1, 1), value="66.9",
            narrative={"sv": "Svag arbetsmarknad", "fi": "Heikko työmarkkina"}))
        db.session.commit()
        assert svc.assess_report(world.tenant, first).status == ProgressStatus.OFF_TRACK
        second = svc.submit_progress(world.tenant, world.p("reporter"), world.goal(goal_id), svc.ProgressData(
            period_label="2023", period_date=date(2023, 12, 31), value="80"))
        db.session.commit()
        latest = svc.latest_reports(world.tenant, [goal_id])
        assert latest[goal_id].id == second.id
        assert svc.assess_report(world.tenant, latest[goal_id]).status == ProgressStatus.ON_TRACK
        assert [r.period_label for r in svc.reports_of(world.tenant, world.goal(goal_id))] == ["2022", "2023"]
        assert first.reporter.email == world.emails["reporter"]
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "progress.reported")
                                   .order_by(AuditEntry.id)).first()
        assert entry.after["status"] == "off_track" and entry.after["progress"] == "34.50"
        assert entry.after["value"] == "66.9000" and entry.actor_label == world.emails["reporter"]


def test_the_tenant_thresholds_change_a_reported_status(world):
    goal_id = world.new_goal("adopted")
    with world.scope():
        report = svc.submit_progress(world.tenant, world.p("reporter"), world.goal(goal_id), svc.ProgressData(
            period_label="2022", period_date=HALF_WAY, value="69"))
        db.session.commit()
        assert svc.assess_report(world.tenant, report).status == ProgressStatus.ON_TRACK
    world.set_rule(at_risk_gap="2", off_track_gap="4")
    with world.scope():
        report = db.session.scalar(select(ProgressReport))
        assert svc.assess_report(world.tenant, report).status == ProgressStatus.OFF_TRACK


@pytest.mark.parametrize("who", ["admin", "vasa", "viewer"])
def test_only_the_provider_reports_progress(world, who):
    goal_id = world.new_goal("adopted")
    with world.scope(), refused(OwnershipPermissionError, "value", "forbidden"):
        svc.submit_progress(world.tenant, world.p(who), world.goal(goal_id),
                            svc.ProgressData(period_label="2023", period_date=HALF_WAY, value="70"))


def test_the_providers_api_client_reports_progress(world, factory):
    goal_id = world.new_goal("adopted")

    provider = SimpleNamespace(id=world.org_ids["provider"])
    client, _ = factory.api_client(world._tenant, organisation=provider, scopes=("read", "report"))
    with world.scope():
        principal = principal_for_client(world.tenant, db.session.get(ApiClient, client.id),
                                         {"read", "report"})
        report = svc.submit_progress(world.tenant, principal, world.goal(goal_id), svc.ProgressData(
            period_label="2023", period_date=HALF_WAY, value="70"))
        db.session.commit()
        assert report.reporter_id is None and report.reporter_label == f"api-client:{client.client_id}"
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "progress.reported"))
        assert entry.actor_id is None and entry.actor_label == f"api-client:{client.client_id}"
        read_only = principal_for_client(world.tenant, db.session.get(ApiClient, client.id), {"read"})
        with refused(OwnershipPermissionError):
            svc.submit_progress(world.tenant, read_only, world.goal(goal_id), svc.ProgressData(
                period_label="2024", period_date=HALF_WAY, value="70"))


def test_progress_report_rules(world):
    adopted = world.new_goal("adopted")
    proposed = world.new_goal("proposed")
    reporter = "reporter"
    with world.scope():
        tenant, principal = world.tenant, world.p(reporter)

        def data(**overrides):
            values = dict(period_label="2023", period_date=HALF_WAY, value="70")
            values.update(overrides)
            return svc.ProgressData(**values)

        with refused(OwnershipError, "goal_id", "not_adopted"):
            svc.submit_progress(tenant, principal, world.goal(proposed), data())
        with refused(OwnershipError, "period_date", "future"):
            svc.submit_progress(tenant, principal, world.goal(adopted),
                                data(period_date=date.today() + timedelta(days=1)))
        with refused(OwnershipError, "period_date", "before_baseline"):
            svc.submit_progress(tenant, principal, world.goal(adopted), data(period_date=date(2021, 12, 31)))
        with refused(OwnershipError, "period_label", "required"):
            svc.submit_progress(tenant, principal, world.goal(adopted), data(period_label=" "))
        with refused(OwnershipError, "value", "invalid"):
            svc.submit_progress(tenant, principal, world.goal(adopted), data(value=""))
        report = svc.submit_progress(tenant, principal, world.goal(adopted), data())
        with refused(OwnershipError, "period_label", "taken"):
            svc.submit_progress(tenant, principal, world.goal(adopted), data(value="71"))
        svc.correct_progress(tenant, principal, report, data(value="71,5", narrative={"fi": "Korjattu"}))
        db.session.commit()
        assert report.value == D("71.5") and report.narrative == {"fi": "Korjattu"}
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "progress.corrected"))
        assert entry.before["value"] == "70.0000" and entry.after["value"] == "71.5000"
        svc.transition_goal(tenant, world.p("admin"), world.goal(adopted), "achieved")
        with refused(OwnershipError, "goal_id", "not_adopted"):
            svc.correct_progress(tenant, principal, report, data(value="72"))


# --- conflicting goals -----------------------------------------------------------------------


def test_conflicting_adopted_goals_are_flagged(world):
    up = world.new_goal("draft", theme_id=world.theme_ids["economy"], unit="EUR/student",
                        direction="higher", baseline_value="9000", target_value="9500")
    down = world.new_goal("draft", by="korsholm", theme_id=world.theme_ids["economy"], unit="eur/student ",
                          direction="lower", baseline_value="9000", target_value="8500")
    same_way = world.new_goal("draft", by="narpes", theme_id=world.theme_ids["economy"],
                              unit="EUR/student", direction="higher", baseline_value="8000",
                              target_value="8800")
    other_unit = world.new_goal("draft", theme_id=world.theme_ids["economy"], unit="EUR",
                                direction="lower", baseline_value="100", target_value="90")
    other_theme = world.new_goal("draft", theme_id=world.theme_ids["quality_feedback"], unit="EUR/student",
                                 direction="lower", baseline_value="9000", target_value="8000")
    holding = world.new_goal("draft", theme_id=world.theme_ids["economy"], unit="EUR/student",
                             direction="lower", baseline_value="9000", target_value="9000")
    pending = world.new_goal("proposed", by="korsholm", theme_id=world.theme_ids["economy"],
                             unit="EUR/student", direction="lower", baseline_value="9900",
                             target_value="9000")
    with world.scope():
        for goal_id in (up, down, same_way, other_unit, other_theme, holding):
            svc.transition_goal(world.tenant, world.p("admin"), world.goal(goal_id), "proposed")
        db.session.commit()
    world.adopt(up, down, same_way, other_unit, other_theme, holding)
    with world.scope():
        pairs = {(a.id, b.id) for a, b in svc.find_conflicts(world.tenant)}
        assert pairs == {(up, down), (down, same_way)}
        assert svc.conflicting_goal_ids(world.tenant) == {up, down, same_way}
        assert pending not in svc.conflicting_goal_ids(world.tenant)
    with world.scope():
        svc.transition_goal(world.tenant, world.p("admin"), world.goal(down), "withdrawn", note="§ 9")
        db.session.commit()
        assert svc.find_conflicts(world.tenant) == []


# --- the audit trail -------------------------------------------------------------------------


def test_every_change_writes_an_audit_entry_with_its_actor(world):
    goal_id = world.new_goal("adopted")
    with world.scope():
        svc.submit_progress(world.tenant, world.p("reporter"), world.goal(goal_id), svc.ProgressData(
            period_label="2023", period_date=HALF_WAY, value="70"))
        svc.transition_goal(world.tenant, world.p("vasa"), world.goal(goal_id), "achieved")
        db.session.commit()
        entries = list(db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
    by_action: dict[str, list] = {}
    for entry in entries:
        by_action.setdefault(entry.action, []).append(entry)
    for action in ("owner_stake.created", "goal_theme.created", "strategy.created", "strategy.adopted",
                   "goal.created", "goal.status_changed", "meeting.created", "agenda_item.added",
                   "vote.cast", "decision.computed", "progress.reported"):
        assert action in by_action, action
    assert len(by_action["owner_stake.created"]) == 3 and len(by_action["goal_theme.created"]) == 6
    assert all(e.tenant_id == world.id for e in entries if e.action.split(".")[0] in {
        "owner_stake", "goal", "vote", "decision", "progress", "meeting", "agenda_item"})
    votes = by_action["vote.cast"]
    assert [e.actor_label for e in votes] == [world.emails[o] for o in OWNERS]
    assert [e.after["choice"] for e in votes] == ["yes", "yes", "yes"]
    decision = by_action["decision.computed"][0]
    assert decision.after["shares_for"] == "100.00" and decision.after["result"] == "adopted"
    statuses = [(e.before["status"], e.after["status"]) for e in by_action["goal.status_changed"]]
    assert statuses == [("draft", "proposed"), ("proposed", "adopted"), ("adopted", "achieved")]
    assert by_action["goal.status_changed"][-1].actor_label == world.emails["vasa"]


def test_a_refused_change_writes_nothing(world):
    goal_id = world.new_goal("draft")
    before = len(world.actions())
    with world.scope():
        with refused(OwnershipPermissionError):
            svc.transition_goal(world.tenant, world.p("korsholm"), world.goal(goal_id), "proposed")
        db.session.commit()
    assert len(world.actions()) == before
    with world.scope():
        assert world.goal(goal_id).status == GoalStatus.DRAFT
        assert db.session.scalar(select(func.count(OwnerStake.id))) == 3
