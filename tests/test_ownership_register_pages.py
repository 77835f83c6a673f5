"""Owner-steering pages of the register, strategies, goal themes and settings: every member
reads the owners and shares (with the 100 % check, a chart and a table) and the strategies;
administrators give, correct and end shares, write, adopt and archive strategies, edit the
goal themes and the decision rule and thresholds. Others get 403 and see no action buttons;
refused or invalid input changes nothing."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from samverkan.ownership import services as svc
from samverkan.ownership.models import GoalTheme, OwnerStake, OwnerStrategy
from samverkan.ownership.services.register_queries import goal_counts_by_strategy
from samverkan.platform.db import db

BASE = "/t/kust/ownership"


@pytest.fixture
def signed_in(app, steering, sign_in_as):
    """``signed_in("admin")``: a test client of that steering member, reading in English."""

    def make(key: str):
        client = app.test_client()
        sign_in_as(client, steering.emails[key])
        assert client.get(f"{BASE}/owners?lang=en").status_code == 200
        return client

    return make


def text(response) -> str:
    return response.get_data(as_text=True)


def main(response) -> str:
    page = text(response)
    return page[page.index("<main"):]


def stakes(steering) -> list[tuple[str, Decimal, date, date | None]]:
    """(Swedish owner name, share, valid_from, valid_to) of every stake, in id order."""
    with steering.scope():
        rows = db.session.scalars(select(OwnerStake).order_by(OwnerStake.id)).unique().all()
        return [(row.organisation.name["sv"], row.share, row.valid_from, row.valid_to) for row in rows]


def strategy_rows(steering) -> list[tuple[str, int, int, str]]:
    with steering.scope():
        rows = db.session.scalars(select(OwnerStrategy).order_by(OwnerStrategy.id)).all()
        return [(row.title.get("sv", ""), row.from_year, row.to_year, row.status) for row in rows]


def theme_rows(steering) -> dict[str, tuple[dict, int, bool]]:
    with steering.scope():
        rows = db.session.scalars(select(GoalTheme)).all()
        return {row.code: (row.name, row.position, row.is_archived) for row in rows}


def settings_of(steering) -> dict:
    with steering.scope():
        return svc.ownership_settings(steering.tenant).as_dict()


def stake_id(steering, owner: str) -> int:
    with steering.scope():
        return next(s.id for s in svc.stakes_in_force(steering.tenant, date.today())
                    if s.organisation_id == steering.org_ids[owner])


def new_strategy(steering, first: int, last: int, title: str = "Ny strategi") -> int:
    with steering.scope():
        strategy = svc.create_strategy(steering.tenant, steering.p("admin"), svc.StrategyData(
            title={"sv": title, "fi": "Uusi strategia"}, from_year=first, to_year=last))
        db.session.commit()
        return strategy.id


# --- the ownership register --------------------------------------------------------------------


def test_every_member_reads_the_register_with_chart_table_and_total(signed_in):
    page = main(signed_in("viewer").get(f"{BASE}/owners"))
    assert 'aria-current="page">Owners and shares</a>' in page  # the section's tab
    table = page[page.index("<caption>Shares in force on"):page.index("</table>")]
    rows = re.findall(r'<th scope="row">(.*?)</th>\s*<td class="num">(.*?)&nbsp;%</td>', table)
    assert rows == [("Vaasa", "45.00"), ("Mustasaari", "30.00"), ("Närpiö", "25.00")]
    assert "100.00&nbsp;%" in table and "badge-ok" in table
    assert "exactly 100 percent" in page
    # The chart: an SVG image with a title and a description of the same figures.
    svg = page[page.index("<svg"):page.index("</svg>")]
    assert 'role="img"' in svg and "<title" in svg
    assert "Vaasa: 45.00 %; Mustasaari: 30.00 %; Närpiö: 25.00 %" in svg
    assert len(re.findall(r'<rect class="chart-bar', svg)) == 3
    # 100 % is 340 units wide: 45 % is 153.
    assert 'width="153.0"' in svg
    # The history lists every stake; no change buttons for a viewer.
    assert "History of the shares" in page
    assert "/owners/new" not in page and "/edit" not in page and "/end" not in page


def test_the_register_on_another_date_and_a_wrong_date(signed_in):
    client = signed_in("vasa")
    before = main(client.get(f"{BASE}/owners?on=2019-12-31"))
    assert "No owner has a share in force on this date." in before
    wrong = client.get(f"{BASE}/owners?on=31.12.2019")
    assert wrong.status_code == 400
    assert 'aria-invalid="true"' in text(wrong) and "Enter a date" in text(wrong)


def test_an_incomplete_register_warns_that_no_weighted_decision_can_be_taken(steering, signed_in):
    with steering.scope():
        svc.end_stake(steering.tenant, steering.p("admin"), steering.org_ids["narpes"], date(2024, 12, 31))
        db.session.commit()
    page = main(signed_in("korsholm").get(f"{BASE}/owners?on=2025-01-01"))
    assert "Incomplete:" in page and "sum to 75.00 %, not 100 %" in page
    assert "No weighted decision can be taken" in page
    assert "25.00 percentage points are not assigned" in page
    assert "Not 100 percent" in page
    # The day before, the register was complete.
    assert "exactly 100 percent" in main(signed_in("korsholm").get(f"{BASE}/owners?on=2024-12-31"))


def test_admin_gives_an_owner_a_share_and_a_change_of_share_keeps_the_history(steering, signed_in):
    client = signed_in("admin")
    form = client.get(f"{BASE}/owners/new")
    assert form.status_code == 200
    # Only municipalities are offered as owners: not the provider.
    assert "Malax" in text(form) or "Maalahti" in text(form)
    assert "Yrkesakademin" not in text(form)

    response = client.post(f"{BASE}/owners/new", data={
        "organisation_id": steering.org_ids["vasa"], "share": "40,00", "basis": "Grundkapital 2026",
        "valid_from": "2026-01-01"})
    assert response.status_code == 302 and response.location.endswith(f"{BASE}/owners")
    rows = stakes(steering)
    assert ("Vasa", Decimal("45.00"), date(2020, 1, 1), date(2025, 12, 31)) in rows
    assert ("Vasa", Decimal("40.00"), date(2026, 1, 1), None) in rows
    # 2026 now sums to 95 %: the register says so.
    page = main(client.get(f"{BASE}/owners?on=2026-06-01"))
    assert "sum to 95.00 %, not 100 %" in page
    assert "5.00 percentage points are not assigned" in page


@pytest.mark.parametrize("data, field, message", [
    ({"share": "0"}, "share", "more than 0 and at most 100"),
    ({"share": "100.01"}, "share", "more than 0 and at most 100"),
    ({"share": "12.345"}, "share", "at most 2 decimals"),
    ({"share": "abc"}, "share", "Enter a number"),
    ({"share": ""}, "share", "This field is required"),
    ({"valid_from": "2019-05-01"}, "valid_from", "must start later"),
    ({"valid_from": "1.1.2026"}, "valid_from", "Enter a date"),
    ({"organisation_id": "provider"}, "organisation_id", "Owners are municipalities"),
    ({"organisation_id": "999999"}, "organisation_id", "Choose an owner municipality"),
])
def test_a_wrong_share_is_shown_on_its_field_and_nothing_changes(steering, signed_in, snapshots,
                                                                 data, field, message):
    client = signed_in("admin")
    values = {"organisation_id": steering.org_ids["vasa"], "share": "40", "valid_from": "2026-01-01"}
    values.update(data)
    if values["organisation_id"] == "provider":
        values["organisation_id"] = steering.org_ids["provider"]
    before = snapshots.take()
    response = client.post(f"{BASE}/owners/new", data=values)
    assert response.status_code == 400
    page = text(response)
    assert "error-summary" in page and message in page
    assert re.search(rf'id="{field}-error"', page)
    assert snapshots.changes(before, snapshots.take()) == {}


def test_admin_corrects_a_mistyped_share(steering, signed_in):
    client = signed_in("admin")
    stake = stake_id(steering, "korsholm")
    form = text(client.get(f"{BASE}/owners/{stake}/edit"))
    assert 'value="30.00"' in form
    response = client.post(f"{BASE}/owners/{stake}/edit", data={"share": "30.5", "basis": "Rättat"})
    assert response.status_code == 302
    assert ("Korsholm", Decimal("30.50"), date(2020, 1, 1), None) in stakes(steering)
    assert "owner_stake.corrected" in steering.actions()
    assert "Ownership share corrected" in text(client.get("/t/kust/audit"))  # named in the trail
    bad = client.post(f"{BASE}/owners/{stake}/edit", data={"share": "-1", "basis": ""})
    assert bad.status_code == 400
    assert ("Korsholm", Decimal("30.50"), date(2020, 1, 1), None) in stakes(steering)


def test_ending_a_share_asks_for_confirmation_then_ends_it(steering, signed_in):
    client = signed_in("admin")
    stake = stake_id(steering, "narpes")
    confirm = client.get(f"{BASE}/owners/{stake}/end")
    assert confirm.status_code == 200
    assert "End the share of" in text(confirm) and 'method="post"' in text(confirm)
    assert ("Närpes", Decimal("25.00"), date(2020, 1, 1), None) in stakes(steering)  # not yet

    early = client.post(f"{BASE}/owners/{stake}/end", data={"valid_to": "2019-01-01"})
    assert early.status_code == 400 and "cannot be before the share started" in text(early)
    assert ("Närpes", Decimal("25.00"), date(2020, 1, 1), None) in stakes(steering)

    response = client.post(f"{BASE}/owners/{stake}/end", data={"valid_to": "2025-06-30"})
    assert response.status_code == 302
    assert ("Närpes", Decimal("25.00"), date(2020, 1, 1), date(2025, 6, 30)) in stakes(steering)
    again = client.post(f"{BASE}/owners/{stake}/end", data={"valid_to": "2025-07-31"})
    assert again.status_code == 409 and "has ended already" in text(again)
    assert ("Närpes", Decimal("25.00"), date(2020, 1, 1), date(2025, 6, 30)) in stakes(steering)


# --- owner strategies --------------------------------------------------------------------------


def test_strategies_list_with_period_status_and_number_of_goals(steering, signed_in):
    steering.new_goal()
    steering.new_goal(status="proposed", by="korsholm")
    new_strategy(steering, 2029, 2032, "Framtida strategi")
    page = main(signed_in("reporter").get(f"{BASE}/strategies"))
    rows = re.findall(r'(?s)<tr>\s*<th scope="row"><a[^>]*>(.*?)</a>.*?<td>(.*?)</td>\s*<td><span[^>]*>'
                      r'(.*?)</span></td>\s*<td class="num">(.*?)</td>', page)
    assert rows == [("Uusi strategia", "2029–2032", "Draft", "0"),
                    ("Omistajastrategia 2025-2028", "2025–2028", "Adopted", "2")]
    assert "New strategy" not in page  # no action for a reporter
    drafts = main(signed_in("reporter").get(f"{BASE}/strategies?status=archived"))
    assert "No strategy has this status." in drafts


def test_goal_counts_by_strategy_counts_every_status_in_one_query(steering):
    steering.new_goal()
    steering.new_goal(status="proposed")
    other = new_strategy(steering, 2029, 2030)
    with steering.scope():
        assert goal_counts_by_strategy(steering.tenant) == {steering.strategy_id: 2}
        assert goal_counts_by_strategy(steering.tenant).get(other, 0) == 0


def test_strategy_page_shows_each_language_and_its_goals(app, steering, signed_in):
    with steering.scope():
        strategy = db.session.get(OwnerStrategy, steering.strategy_id)
        svc.update_strategy(steering.tenant, steering.p("admin"), strategy, svc.StrategyData(
            title=strategy.title, from_year=2025, to_year=2028,
            text={"sv": "Ägarnas förväntningar", "fi": "Omistajien odotukset"}))
        db.session.commit()
    goal_id = steering.new_goal()
    page = main(signed_in("viewer").get(f"{BASE}/strategies/{steering.strategy_id}"))
    assert 'lang="sv"' in page and "Ägarnas förväntningar" in page
    assert 'lang="fi"' in page and "Omistajien odotukset" in page
    assert "Enemmän työllistyneitä" in page or "Fler i arbete efter examen" in page
    if "ownership.goal_detail" in app.view_functions:
        assert f"/goals/{goal_id}" in page
    assert "/edit" not in page and "/adopt" not in page and "/archive" not in page


def test_admin_writes_a_draft_strategy_and_edits_it(steering, signed_in):
    client = signed_in("admin")
    assert client.get(f"{BASE}/strategies/new").status_code == 200
    response = client.post(f"{BASE}/strategies/new", data={
        "title-sv": "Ägarstrategi 2029-2032", "title-fi": "Omistajastrategia 2029-2032",
        "text-sv": "Text", "from_year": "2029", "to_year": "2032"})
    assert response.status_code == 302
    assert ("Ägarstrategi 2029-2032", 2029, 2032, "draft") in strategy_rows(steering)
    with steering.scope():
        strategy = db.session.scalar(select(OwnerStrategy.id).where(OwnerStrategy.from_year == 2029))
    edit = client.post(f"{BASE}/strategies/{strategy}/edit", data={
        "title-sv": "Ägarstrategi 2030-2033", "title-fi": "", "from_year": "2030", "to_year": "2033"})
    assert edit.status_code == 302
    assert ("Ägarstrategi 2030-2033", 2030, 2033, "draft") in strategy_rows(steering)


@pytest.mark.parametrize("data, message", [
    ({"title-sv": "", "title-fi": ""}, "Enter the text in at least one language"),
    ({"to_year": "2028"}, "cannot end before it starts"),
    ({"from_year": "20x9"}, "Enter a year between"),
    ({"from_year": ""}, "This field is required"),
])
def test_a_wrong_strategy_is_refused_and_nothing_changes(signed_in, snapshots, data, message):
    client = signed_in("admin")
    values = {"title-sv": "Strategi", "title-fi": "Strategia", "from_year": "2029", "to_year": "2032"}
    values.update(data)
    before = snapshots.take()
    response = client.post(f"{BASE}/strategies/new", data=values)
    assert response.status_code == 400 and message in text(response)
    assert "error-summary" in text(response)
    assert snapshots.changes(before, snapshots.take()) == {}


def test_the_period_of_an_adopted_strategy_cannot_change(steering, signed_in):
    response = signed_in("admin").post(f"{BASE}/strategies/{steering.strategy_id}/edit", data={
        "title-sv": "Ägarstrategi", "from_year": "2025", "to_year": "2030"})
    assert response.status_code == 400
    assert "The period of an adopted strategy cannot change" in text(response)
    assert strategy_rows(steering)[0][1:] == (2025, 2028, "adopted")


def test_one_adopted_strategy_per_period_is_shown_and_archiving_frees_it(steering, signed_in):
    client = signed_in("admin")
    overlapping = new_strategy(steering, 2027, 2030)
    confirm = client.get(f"{BASE}/strategies/{overlapping}/adopt")
    assert confirm.status_code == 200 and "Mark adopted" in text(confirm)
    refused = client.post(f"{BASE}/strategies/{overlapping}/adopt")
    assert refused.status_code == 409
    assert "is adopted already for this period" in text(refused)
    assert strategy_rows(steering)[1][3] == "draft"

    archive = client.get(f"{BASE}/strategies/{steering.strategy_id}/archive")
    assert archive.status_code == 200 and "Archive strategy" in text(archive)
    assert client.post(f"{BASE}/strategies/{steering.strategy_id}/archive").status_code == 302
    assert client.post(f"{BASE}/strategies/{overlapping}/adopt").status_code == 302
    assert [row[3] for row in strategy_rows(steering)] == ["archived", "adopted"]
    # An archived strategy cannot be edited; a second archive says so.
    again = client.post(f"{BASE}/strategies/{steering.strategy_id}/archive")
    assert again.status_code == 302  # archiving is idempotent in the service
    edit = client.post(f"{BASE}/strategies/{steering.strategy_id}/edit", data={
        "title-sv": "X", "from_year": "2025", "to_year": "2028"})
    assert edit.status_code == 400 and "archived strategy cannot be changed" in text(edit)


# --- settings and themes -----------------------------------------------------------------------


def test_admin_sets_the_decision_rule_and_thresholds(steering, signed_in):
    client = signed_in("admin")
    page = text(client.get(f"{BASE}/settings"))
    assert 'value="majority_represented" checked' in page or re.search(
        r'checked[^>]*value="majority_represented"', page)
    assert "Majority of the shares represented" in page and "Qualified majority of all shares" in page
    assert "Goal themes" in page and "/ownership/themes" in page
    response = client.post(f"{BASE}/settings", data={
        "decision_rule": "qualified_all", "qualified_fraction": "3/4", "at_risk_gap": "7,5",
        "off_track_gap": "20"})
    assert response.status_code == 302
    assert settings_of(steering) == {"decision_rule": "qualified_all", "qualified_fraction": "3/4",
                                     "at_risk_gap": "7.5", "off_track_gap": "20"}
    assert "ownership.settings_changed" in steering.actions()


@pytest.mark.parametrize("data, message", [
    ({"qualified_fraction": "1/3"}, "Enter a fraction from 1/2 to 1/1"),
    ({"qualified_fraction": "two thirds"}, "Enter a fraction from 1/2 to 1/1"),
    ({"decision_rule": "unanimity"}, "Not a valid choice"),
    ({"off_track_gap": "3"}, "at least the at-risk gap"),
    ({"at_risk_gap": "abc"}, "Enter a number"),
])
def test_wrong_settings_are_refused_and_nothing_changes(steering, signed_in, snapshots, data, message):
    client = signed_in("admin")
    values = {"decision_rule": "qualified_all", "qualified_fraction": "2/3", "at_risk_gap": "5",
              "off_track_gap": "15"}
    values.update(data)
    before = snapshots.take()
    response = client.post(f"{BASE}/settings", data=values)
    assert response.status_code == 400
    assert "error-summary" in text(response)
    if message != "Not a valid choice":  # wtforms' own message, translated by wtforms
        assert message in text(response)
    assert snapshots.changes(before, snapshots.take()) == {}
    assert settings_of(steering)["decision_rule"] == "majority_represented"


def test_admin_adds_renames_archives_and_restores_a_theme(steering, signed_in):
    client = signed_in("admin")
    page = main(client.get(f"{BASE}/themes"))
    assert page.count('<th scope="row">') == 6  # the seeded themes
    response = client.post(f"{BASE}/themes/new", data={
        "code": "digital", "name-sv": "Digitalisering", "name-fi": "Digitalisaatio", "position": ""})
    assert response.status_code == 302
    assert theme_rows(steering)["digital"] == ({"sv": "Digitalisering", "fi": "Digitalisaatio"}, 7, False)

    theme = steering.theme_ids["economy"]
    edit = client.post(f"{BASE}/themes/{theme}/edit", data={
        "name-sv": "Ekonomi och resurser", "name-fi": "Talous ja resurssit", "position": "10"})
    assert edit.status_code == 302
    assert theme_rows(steering)["economy"] == (
        {"sv": "Ekonomi och resurser", "fi": "Talous ja resurssit"}, 10, False)

    confirm = client.get(f"{BASE}/themes/{theme}/archive")
    assert confirm.status_code == 200 and "Archive theme" in text(confirm)
    assert theme_rows(steering)["economy"][2] is False  # a GET changes nothing
    assert client.post(f"{BASE}/themes/{theme}/archive", data={"archive": "1"}).status_code == 302
    assert theme_rows(steering)["economy"][2] is True
    restore = client.get(f"{BASE}/themes/{theme}/archive")
    assert "Restore theme" in text(restore)
    assert client.post(f"{BASE}/themes/{theme}/archive", data={"archive": "0"}).status_code == 302
    assert theme_rows(steering)["economy"][2] is False
    assert {"goal_theme.created", "goal_theme.updated", "goal_theme.archived",
            "goal_theme.restored"} <= set(steering.actions())


@pytest.mark.parametrize("data, message", [
    ({"code": "economy"}, "Another theme has this code"),
    ({"code": "Bad Code"}, "A code is lower-case letters"),
    ({"name-sv": "", "name-fi": ""}, "Enter the text in at least one language"),
    ({"position": "first"}, "Enter a whole number"),
])
def test_a_wrong_theme_is_refused_and_nothing_changes(signed_in, snapshots, data, message):
    client = signed_in("admin")
    values = {"code": "digital", "name-sv": "Digitalisering", "name-fi": "Digitalisaatio", "position": ""}
    values.update(data)
    before = snapshots.take()
    response = client.post(f"{BASE}/themes/new", data=values)
    assert response.status_code == 400 and message in text(response)
    assert snapshots.changes(before, snapshots.take()) == {}


def test_settings_tab_only_for_admins(signed_in):
    assert f'href="{BASE}/settings"' in text(signed_in("admin").get(f"{BASE}/strategies"))
    assert f'href="{BASE}/settings"' not in text(signed_in("vasa").get(f"{BASE}/strategies"))


# --- permissions -------------------------------------------------------------------------------


def _change_routes(steering) -> list[tuple[str, str, dict]]:
    stake = stake_id(steering, "vasa")
    strategy, theme = steering.strategy_id, steering.theme_ids["economy"]
    return [
        ("GET", f"{BASE}/owners/new", {}),
        ("POST", f"{BASE}/owners/new", {"organisation_id": steering.org_ids["malax"], "share": "5",
                                        "valid_from": "2026-01-01"}),
        ("GET", f"{BASE}/owners/{stake}/edit", {}),
        ("POST", f"{BASE}/owners/{stake}/edit", {"share": "50"}),
        ("GET", f"{BASE}/owners/{stake}/end", {}),
        ("POST", f"{BASE}/owners/{stake}/end", {"valid_to": "2026-01-01"}),
        ("GET", f"{BASE}/strategies/new", {}),
        ("POST", f"{BASE}/strategies/new", {"title-sv": "X", "from_year": "2030", "to_year": "2031"}),
        ("GET", f"{BASE}/strategies/{strategy}/edit", {}),
        ("POST", f"{BASE}/strategies/{strategy}/edit", {"title-sv": "X", "from_year": "2025",
                                                         "to_year": "2028"}),
        ("GET", f"{BASE}/strategies/{strategy}/adopt", {}),
        ("POST", f"{BASE}/strategies/{strategy}/adopt", {}),
        ("GET", f"{BASE}/strategies/{strategy}/archive", {}),
        ("POST", f"{BASE}/strategies/{strategy}/archive", {}),
        ("GET", f"{BASE}/settings", {}),
        ("POST", f"{BASE}/settings", {"decision_rule": "qualified_all", "qualified_fraction": "2/3",
                                      "at_risk_gap": "5", "off_track_gap": "15"}),
        ("GET", f"{BASE}/themes", {}),
        ("GET", f"{BASE}/themes/new", {}),
        ("POST", f"{BASE}/themes/new", {"code": "x", "name-sv": "X"}),
        ("GET", f"{BASE}/themes/{theme}/edit", {}),
        ("POST", f"{BASE}/themes/{theme}/edit", {"name-sv": "X"}),
        ("GET", f"{BASE}/themes/{theme}/archive", {}),
        ("POST", f"{BASE}/themes/{theme}/archive", {"archive": "1"}),
    ]


@pytest.mark.parametrize("key", ["vasa", "malax", "reporter", "viewer"])
def test_only_admins_change_the_register_strategies_themes_and_settings(steering, signed_in,
                                                                        snapshots, key):
    client = signed_in(key)
    routes = _change_routes(steering)
    before = snapshots.take()
    for method, url, data in routes:
        response = client.open(url, method=method, data=data)
        assert response.status_code == 403, (key, method, url, response.status_code)
    assert snapshots.changes(before, snapshots.take()) == {}
    # Reading stays open to every member.
    assert client.get(f"{BASE}/owners").status_code == 200
    assert client.get(f"{BASE}/strategies").status_code == 200
    assert client.get(f"{BASE}/strategies/{steering.strategy_id}").status_code == 200


def test_admin_opens_every_change_page(steering, signed_in):
    client = signed_in("admin")
    for method, url, _data in _change_routes(steering):
        if method == "GET":
            assert client.get(url).status_code == 200, url


def test_signed_out_visitors_are_sent_to_sign_in(client, steering):
    for path in ("owners", "strategies", f"strategies/{steering.strategy_id}", "settings", "themes"):
        response = client.get(f"{BASE}/{path}")
        assert response.status_code == 302 and "signin" in response.location


def test_a_missing_object_is_404_for_the_admin(signed_in):
    client = signed_in("admin")
    for path in ("owners/987654/edit", "owners/987654/end", "strategies/987654",
                 "strategies/987654/edit", "strategies/987654/adopt", "themes/987654/edit",
                 "themes/987654/archive"):
        assert client.get(f"{BASE}/{path}").status_code == 404, path


def test_a_theme_archive_form_without_a_choice_changes_nothing(steering, signed_in, snapshots):
    client = signed_in("admin")
    theme = steering.theme_ids["economy"]
    before = snapshots.take()
    for data in ({}, {"archive": "maybe"}):
        response = client.post(f"{BASE}/themes/{theme}/archive", data=data)
        assert response.status_code == 400 and "error-summary" in text(response)
    assert snapshots.changes(before, snapshots.take()) == {}
