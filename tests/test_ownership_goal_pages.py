"""Pages of steering goals: the list, proposing and editing, the goal page with its lifecycle
buttons, chart, decision history and audit trail, deleting a draft, and progress reports."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import event, func, select

from samverkan.ownership import services as svc
from samverkan.ownership.models import GoalStatus, ProgressReport, SteeringGoal
from samverkan.platform.db import db

BASE = "/t/kust/ownership/goals"


@pytest.fixture
def login(app, steering, sign_in_as):
    """``login(key)``: a new client signed in as that member of ``steering``, in English."""

    def login(key: str, world=None):
        world = world or steering
        client = app.test_client()
        sign_in_as(client, world.emails[key])
        client.get(f"/t/{world._tenant.slug}/ownership/goals?lang=en")
        return client

    return login


def text_of(response) -> str:
    return response.get_data(as_text=True)


def goal_values(steering, goal_id: int) -> dict:
    with steering.scope():
        goal = steering.goal(goal_id)
        return {"status": goal.status, "unit": goal.unit, "title": dict(goal.title),
                "target_value": goal.target_value, "reports": len(goal.progress_reports)}


def goal_form(steering, **overrides) -> dict:
    data = {
        "title-sv": "Fler lärlingar", "title-fi": "Enemmän oppisopimuksia",
        "description-sv": "Lärlingsplatser i regionen", "description-fi": "Oppisopimuspaikat",
        "strategy_id": str(steering.strategy_id), "theme_id": str(steering.theme_ids["competence_supply"]),
        "unit": "st.", "direction": "higher", "baseline_value": "120", "baseline_year": "2024",
        "target_value": "200", "target_date": "2028-12-31", "milestones": "2026: 150\n2027: 175",
    }
    data.update(overrides)
    return data


def report(steering, goal_id: int, label: str, day: date, value: str, narrative=None) -> int:
    with steering.scope():
        made = svc.submit_progress(steering.tenant, steering.p("reporter"), steering.goal(goal_id),
                                   svc.ProgressData(label, day, value, narrative or {}))
        db.session.commit()
        return made.id


def adopted_goal(steering, **overrides) -> int:
    """An adopted goal from 100 (2024) to 200 at the end of 2028."""
    values = dict(baseline_value="100", baseline_year=2024, target_value="200",
                  target_date=date(2028, 12, 31), milestones={})
    values.update(overrides)
    return steering.new_goal("adopted", **values)


# --- the list ------------------------------------------------------------------------------------


def test_the_list_shows_goals_with_status_progress_and_track(steering, login):
    on_track = adopted_goal(steering, title={"sv": "Sysselsättning", "fi": "Työllisyys"})
    report(steering, on_track, "2025", date(2025, 12, 31), "150")  # 50 % of the way, 40 % expected
    off_track = adopted_goal(steering, title={"sv": "Genomströmning", "fi": "Läpäisy"})
    report(steering, off_track, "2025", date(2025, 12, 31), "105")  # 5 % of the way
    steering.new_goal("draft", title={"sv": "Utkastmål", "fi": "Luonnostavoite"})

    client = login("viewer")
    response = client.get(BASE)
    assert response.status_code == 200
    page = text_of(response)
    assert "<caption>" in page and 'scope="col"' in page
    assert "Sysselsättning" in page or "Työllisyys" in page
    assert "On track" in page and "Off track" in page
    assert "Draft" in page and "Adopted" in page
    assert "Not reported yet" not in page
    assert "50 %" in page  # the on-track goal's progress
    # A viewer proposes nothing.
    assert "/ownership/goals/new" not in page


def test_the_list_filters_searches_sorts_and_pages(steering, login):
    employment = steering.theme_ids["employment"]
    economy = steering.theme_ids["economy"]
    steering.new_goal("draft", title={"sv": "Alfa sysselsättning", "fi": "Alfa työllisyys"},
                      theme_id=employment)
    steering.new_goal("proposed", title={"sv": "Beta ekonomi", "fi": "Beta talous"}, theme_id=economy)
    client = login("viewer")

    page = text_of(client.get(f"{BASE}?status=proposed"))
    assert "Beta talous" in page and "Alfa työllisyys" not in page
    page = text_of(client.get(f"{BASE}?theme={employment}"))
    assert "Alfa työllisyys" in page and "Beta talous" not in page
    page = text_of(client.get(f"{BASE}?q=BETA"))
    assert "Beta talous" in page and "Alfa työllisyys" not in page
    # The search looks in every language's title (this word is only in the Swedish one).
    page = text_of(client.get(f"{BASE}?q=sysselsättning"))
    assert "Alfa työllisyys" in page
    page = text_of(client.get(f"{BASE}?sort=-title"))
    assert page.index("Beta talous") < page.index("Alfa työllisyys")
    page = text_of(client.get(f"{BASE}?sort=title"))
    assert page.index("Alfa työllisyys") < page.index("Beta talous")
    # Nonsense in the query string is ignored, not an error.
    assert client.get(f"{BASE}?theme=abc&status=nope&sort=drop&page=x").status_code == 200

    page = text_of(client.get(f"{BASE}?q=nothing-like-this"))
    assert "No steering goals match the filter." in page

    for number in range(26):
        steering.new_goal("draft", title={"sv": f"Mål {number:02d}", "fi": f"Tavoite {number:02d}"})
    first = text_of(client.get(BASE))
    assert "Page 1 of 2" in first and 'rel="next"' in first
    second = text_of(client.get(f"{BASE}?page=2"))
    assert "Page 2 of 2" in second


def test_the_list_has_an_empty_state(steering, login):
    client = login("vasa")
    page = text_of(client.get(BASE))
    assert "There are no steering goals yet." in page
    assert f"{BASE}/new" in page  # a representative may propose the first one


def test_conflicting_goals_are_flagged(steering, login):
    up = adopted_goal(steering, title={"sv": "Fler studerande", "fi": "Enemmän"}, unit="studerande")
    down = adopted_goal(steering, title={"sv": "Färre studerande", "fi": "Vähemmän"}, unit="studerande",
                        direction="lower", baseline_value="200", target_value="150")
    calm = adopted_goal(steering, title={"sv": "Oberoende mål", "fi": "Erillinen"}, unit="EUR")
    client = login("viewer")
    page = text_of(client.get(BASE))
    assert page.count("Conflicts with another goal") == 2
    detail = text_of(client.get(f"{BASE}/{up}"))
    assert "Conflicting goals" in detail and f"{BASE}/{down}" in detail
    assert "Conflicting goals" not in text_of(client.get(f"{BASE}/{calm}"))


# --- proposing and editing ------------------------------------------------------------------------


def test_a_representative_proposes_a_goal_for_their_own_owner(steering, login):
    client = login("vasa")
    form = client.get(f"{BASE}/new")
    assert form.status_code == 200
    page = text_of(form)
    assert 'for="unit"' in page and 'name="title-sv"' in page and 'name="title-fi"' in page
    assert 'id="proposer_organisation_id"' not in page  # the owner is the representative's own
    response = client.post(f"{BASE}/new", data=goal_form(
        steering, proposer_organisation_id=str(steering.org_ids["korsholm"])))
    assert response.status_code == 302
    with steering.scope():
        goal = db.session.scalar(select(SteeringGoal).order_by(SteeringGoal.id.desc()))
        assert goal.status == GoalStatus.DRAFT
        assert goal.proposer_organisation_id == steering.org_ids["vasa"]  # not the one posted
        assert goal.title == {"sv": "Fler lärlingar", "fi": "Enemmän oppisopimuksia"}
        assert {m.year: m.value for m in goal.milestones} == {2026: Decimal("150"), 2027: Decimal("175")}
        goal_id = goal.id
    assert response.headers["Location"].endswith(f"{BASE}/{goal_id}")


def test_a_representative_of_a_non_owner_cannot_propose(steering, login, snapshots):
    client = login("malax")  # Malax holds no share
    before = snapshots.take()
    response = client.post(f"{BASE}/new", data=goal_form(steering))
    assert response.status_code == 400
    page = text_of(response)
    assert "Choose an owner with an ownership share in force." in page
    assert 'href="#proposer_organisation_id"' not in page  # no such field on the page
    assert snapshots.changes(before, snapshots.take()) == {}


def test_an_admin_chooses_the_proposing_owner(steering, login):
    client = login("admin")
    page = text_of(client.get(f"{BASE}/new"))
    assert 'id="proposer_organisation_id"' in page and "Malax" not in page  # no share: not offered
    response = client.post(f"{BASE}/new", data=goal_form(
        steering, proposer_organisation_id=str(steering.org_ids["narpes"])))
    assert response.status_code == 302
    with steering.scope():
        goal = db.session.scalar(select(SteeringGoal).order_by(SteeringGoal.id.desc()))
        assert goal.proposer_organisation_id == steering.org_ids["narpes"]


@pytest.mark.parametrize("who", ["viewer", "reporter"])
def test_only_admins_and_representatives_propose(steering, login, snapshots, who):
    client = login(who)
    before = snapshots.take()
    assert client.get(f"{BASE}/new").status_code == 403
    assert client.post(f"{BASE}/new", data=goal_form(steering)).status_code == 403
    assert snapshots.changes(before, snapshots.take()) == {}


@pytest.mark.parametrize("field, value, message", [
    ("title-sv", "", "Enter the text in at least one language."),
    ("target_value", "abc", "Enter a number."),
    ("target_value", "50", "Higher is better: the target cannot be below the baseline."),
    ("baseline_year", "1800", "Enter a year between 1990 and 2100."),
    ("target_date", "31.12.2028", "Enter a date."),
    ("milestones", "2026 150", "Write one milestone a line as year: value"),
    ("milestones", "2035: 150", "Milestones fall in the years after the baseline year"),
    ("theme_id", "", "This field is required."),
    ("theme_id", "987654", "Choose a theme."),
])
def test_bad_input_is_shown_on_the_field_and_changes_nothing(steering, login, snapshots,
                                                            field, value, message):
    client = login("vasa")
    data = goal_form(steering, **{field: value})
    if field == "title-sv":
        data["title-fi"] = ""
    before = snapshots.take()
    response = client.post(f"{BASE}/new", data=data)
    assert response.status_code == 400
    page = text_of(response)
    assert message in page
    assert 'class="error-summary"' in page
    assert snapshots.changes(before, snapshots.take()) == {}


def test_the_proposer_edits_a_draft_and_others_may_not(steering, login, snapshots):
    goal_id = steering.new_goal("draft")
    client = login("korsholm")
    before = snapshots.take()
    assert client.get(f"{BASE}/{goal_id}/edit").status_code == 403
    assert client.post(f"{BASE}/{goal_id}/edit", data=goal_form(steering)).status_code == 403
    assert snapshots.changes(before, snapshots.take()) == {}

    client = login("vasa2")  # another representative of the same owner
    page = text_of(client.get(f"{BASE}/{goal_id}/edit"))
    assert 'value="Fler i arbete efter examen"' in page and "2023: 70" in page
    response = client.post(f"{BASE}/{goal_id}/edit", data=goal_form(steering, unit="%"))
    assert response.status_code == 302
    assert goal_values(steering, goal_id)["title"]["sv"] == "Fler lärlingar"


def test_an_adopted_goal_keeps_its_measure(steering, login, snapshots):
    goal_id = adopted_goal(steering, milestones={2026: "150"})
    client = login("vasa")
    assert client.get(f"{BASE}/{goal_id}/edit").status_code == 403  # only the admin, texts only
    client = login("admin")
    page = text_of(client.get(f"{BASE}/{goal_id}/edit"))
    assert "its measure, theme and strategy are frozen" in page
    assert re.search(r'<input[^>]*id="unit"[^>]*readonly', page)

    form = {"title-sv": "Nytt namn", "title-fi": "Uusi nimi", "unit": "%", "baseline_value": "100",
            "baseline_year": "2024", "target_value": "250", "target_date": "2028-12-31",
            "milestones": "2026: 150"}
    assert "2026: 150" in page
    before = snapshots.take()
    response = client.post(f"{BASE}/{goal_id}/edit", data=form)
    assert response.status_code == 400
    assert "Changing them needs a new decision" in text_of(response)
    assert snapshots.changes(before, snapshots.take()) == {}

    response = client.post(f"{BASE}/{goal_id}/edit", data={**form, "target_value": "200"})
    assert response.status_code == 302
    values = goal_values(steering, goal_id)
    assert values["title"] == {"sv": "Nytt namn", "fi": "Uusi nimi"}
    # Dropping the milestone is a change of the measure too.
    response = client.post(f"{BASE}/{goal_id}/edit", data={**form, "target_value": "200",
                                                           "milestones": ""})
    assert response.status_code == 400
    assert values["target_value"] == Decimal("200") and values["status"] == "adopted"


# --- the goal page and its lifecycle --------------------------------------------------------------


def test_the_goal_page_shows_the_goal_measure_and_history(steering, login):
    goal_id = steering.new_goal("draft")
    client = login("viewer")
    response = client.get(f"{BASE}/{goal_id}")
    assert response.status_code == 200
    page = text_of(response)
    assert "Fler i arbete efter examen" in page and "Enemmän työllistyneitä" in page
    assert "Andel sysselsatta" in page and "Työllisten osuus" in page
    assert "Higher is better" in page and "Vaasa" in page  # the owner, in the tenant's language
    assert "Yearly milestones" in page and "2023" in page
    assert "Decision history" in page and "Created as Draft" in page
    assert "Audit trail" in page and "Steering goal added" in page
    audit = page.split("Audit trail")[-1]
    # Codes and ids read as words: the theme's and the owner's names, the labels of codes.
    assert "Työllistyminen valmistumisen jälkeen" in audit and "Vaasa" in audit
    assert "Higher is better" in audit and ">2023: 70<" not in audit and "2023: 70" in audit
    assert "60.0000" not in audit
    assert "ownership/goals/" + str(goal_id) + "/transition" not in page  # a viewer has no buttons
    assert client.get(f"{BASE}/987654").status_code == 404


def test_the_lifecycle_buttons_follow_the_rules(steering, login):
    goal_id = steering.new_goal("draft")
    client = login("vasa")
    page = text_of(client.get(f"{BASE}/{goal_id}"))
    assert "Propose for decision" in page and "Withdraw" in page and "Delete draft" in page
    assert f"{BASE}/{goal_id}/edit" in page
    client = login("korsholm")
    page = text_of(client.get(f"{BASE}/{goal_id}"))
    assert "Propose for decision" not in page and "Delete draft" not in page
    assert f"{BASE}/{goal_id}/edit" not in page


def test_proposing_and_taking_back(steering, login, snapshots):
    goal_id = steering.new_goal("draft")
    client = login("korsholm")
    before = snapshots.take()
    assert client.post(f"{BASE}/{goal_id}/transition", data={"to": "proposed"}).status_code == 403
    assert snapshots.changes(before, snapshots.take()) == {}

    client = login("vasa")
    response = client.post(f"{BASE}/{goal_id}/transition", data={"to": "proposed"})
    assert response.status_code == 302
    assert goal_values(steering, goal_id)["status"] == "proposed"
    page = text_of(client.get(f"{BASE}/{goal_id}"))
    assert "Draft → Proposed" in page and steering.emails["vasa"] in page
    assert "Take back to draft" in page
    assert client.post(f"{BASE}/{goal_id}/transition", data={"to": "draft"}).status_code == 302
    assert goal_values(steering, goal_id)["status"] == "draft"


def test_a_proposal_shows_where_it_waits(steering, login, app):
    goal_id = steering.new_goal("proposed")
    client = login("viewer")
    assert "awaits a place on the agenda" in text_of(client.get(f"{BASE}/{goal_id}"))
    meeting_id = steering.meeting()
    item_id = steering.agenda(meeting_id, goal_id)
    steering.vote(item_id, "vasa", "yes")
    page = text_of(client.get(f"{BASE}/{goal_id}"))
    assert "On the agenda of the owners' meeting of May 12, 2025" in page
    assert "(votes cast: 1)" in page
    if "ownership.item_detail" in app.view_functions:
        assert f"/t/kust/ownership/meetings/{meeting_id}/items/{item_id}" in page
    # Votes are cast: the proposer can no longer take the goal back or withdraw it.
    client = login("vasa")
    page = text_of(client.get(f"{BASE}/{goal_id}"))
    assert "Take back to draft" not in page and "Withdraw" not in page
    assert f"{BASE}/{goal_id}/edit" not in page
    response = client.post(f"{BASE}/{goal_id}/edit", data=goal_form(steering))
    assert response.status_code == 400
    assert "Owners have voted on this proposal" in text_of(response)


def test_no_one_adopts_a_goal_by_hand(steering, login, snapshots):
    goal_id = steering.new_goal("proposed")
    client = login("admin")
    before = snapshots.take()
    assert client.post(f"{BASE}/{goal_id}/transition", data={"to": "adopted"}).status_code == 403
    response = client.post(f"{BASE}/{goal_id}/transition", data={"to": "achieved"})
    assert response.status_code == 400
    assert "cannot change to this status" in text_of(response)
    assert snapshots.changes(before, snapshots.take()) == {}


def test_withdrawing_asks_for_confirmation(steering, login, snapshots):
    goal_id = steering.new_goal("draft")
    client = login("vasa")
    before = snapshots.take()
    response = client.post(f"{BASE}/{goal_id}/transition", data={"to": "withdrawn"})
    assert response.status_code == 200
    page = text_of(response)
    assert "This closes the goal" in page
    assert re.search(r'<input[^>]*name="confirmed"[^>]*value="1"', page)
    assert snapshots.changes(before, snapshots.take()) == {}
    response = client.post(f"{BASE}/{goal_id}/transition",
                           data={"to": "withdrawn", "confirmed": "1", "note": "Ersatt av nytt mål"})
    assert response.status_code == 302
    assert goal_values(steering, goal_id)["status"] == "withdrawn"
    page = text_of(client.get(f"{BASE}/{goal_id}"))
    assert "Ersatt av nytt mål" in page and "Draft → Withdrawn" in page
    assert "Propose for decision" not in page


def test_withdrawing_an_adopted_goal_needs_a_note(steering, login, snapshots):
    goal_id = adopted_goal(steering)
    client = login("vasa")
    page = text_of(client.get(f"{BASE}/{goal_id}"))
    assert "Withdraw" not in page  # only the admin withdraws an adopted goal
    assert client.post(f"{BASE}/{goal_id}/transition",
                       data={"to": "withdrawn", "confirmed": "1", "note": "x"}).status_code == 403
    client = login("admin")
    before = snapshots.take()
    response = client.post(f"{BASE}/{goal_id}/transition", data={"to": "withdrawn", "confirmed": "1"})
    assert response.status_code == 400
    page = text_of(response)
    assert "Cite the owners' decision behind this change." in page
    assert snapshots.changes(before, snapshots.take()) == {}
    response = client.post(f"{BASE}/{goal_id}/transition",
                           data={"to": "withdrawn", "confirmed": "1", "note": "Stämman 2026 §4"})
    assert response.status_code == 302
    assert goal_values(steering, goal_id)["status"] == "withdrawn"


def test_marking_achieved_after_the_target_date(steering, login):
    goal_id = steering.new_goal("adopted")  # target date 2024-01-01: passed
    client = login("korsholm")  # any owner representative
    page = text_of(client.get(f"{BASE}/{goal_id}"))
    assert "Mark as achieved" in page and "Mark as not achieved" in page
    confirm = client.post(f"{BASE}/{goal_id}/transition", data={"to": "achieved"})
    assert confirm.status_code == 200 and goal_values(steering, goal_id)["status"] == "adopted"
    response = client.post(f"{BASE}/{goal_id}/transition", data={"to": "achieved", "confirmed": "1"})
    assert response.status_code == 302
    assert goal_values(steering, goal_id)["status"] == "achieved"
    other = steering.new_goal("adopted")
    client = login("viewer")
    assert client.post(f"{BASE}/{other}/transition",
                       data={"to": "not_achieved", "confirmed": "1"}).status_code == 403
    assert goal_values(steering, other)["status"] == "adopted"


def test_the_decision_is_referenced(steering, login, app):
    goal_id = adopted_goal(steering)
    client = login("viewer")
    page = text_of(client.get(f"{BASE}/{goal_id}"))
    assert "Adopted by the owners' meeting (100 % of the shares for)." in page
    assert "Proposed → Adopted" in page and "Decision of the owners' meeting" in page
    if "ownership.item_detail" in app.view_functions:
        with steering.scope():
            decision = steering.goal(goal_id).adopted_decision
            meeting_id, item_id = decision.item.meeting_id, decision.item.id
        assert f"/t/kust/ownership/meetings/{meeting_id}/items/{item_id}" in page


# --- deleting a draft --------------------------------------------------------------------------------


def test_deleting_a_draft_asks_first(steering, login, snapshots):
    goal_id = steering.new_goal("draft")
    client = login("korsholm")
    assert client.get(f"{BASE}/{goal_id}/delete").status_code == 403
    assert client.post(f"{BASE}/{goal_id}/delete").status_code == 403
    client = login("vasa")
    before = snapshots.take()
    page = text_of(client.get(f"{BASE}/{goal_id}/delete"))
    assert "Delete Fler i arbete efter examen?" in page or "Delete Enemmän työllistyneitä?" in page
    assert snapshots.changes(before, snapshots.take()) == {}
    response = client.post(f"{BASE}/{goal_id}/delete")
    assert response.status_code == 302 and response.headers["Location"].endswith(BASE)
    with steering.scope():
        assert steering.goal(goal_id) is None
    assert "goal.deleted" in steering.actions()


def test_a_proposed_goal_cannot_be_deleted(steering, login, snapshots):
    goal_id = steering.new_goal("proposed")
    client = login("vasa")
    before = snapshots.take()
    page = text_of(client.get(f"{BASE}/{goal_id}/delete"))
    assert "Only a draft goal can be deleted." in page
    assert client.post(f"{BASE}/{goal_id}/delete").status_code == 409
    assert snapshots.changes(before, snapshots.take()) == {}


# --- progress ---------------------------------------------------------------------------------------


def test_the_provider_reports_progress_and_sees_the_status(steering, login):
    goal_id = adopted_goal(steering)
    client = login("reporter")
    page = text_of(client.get(f"{BASE}/{goal_id}"))
    assert f"{BASE}/{goal_id}/progress" in page
    form = client.get(f"{BASE}/{goal_id}/progress")
    assert form.status_code == 200 and 'name="narrative-sv"' in text_of(form)
    response = client.post(f"{BASE}/{goal_id}/progress", data={
        "period_label": "2025", "period_date": "2025-12-31", "value": "105",
        "narrative-sv": "Svag arbetsmarknad", "narrative-fi": "Heikko työmarkkina"})
    assert response.status_code == 302
    page = text_of(client.get(f"{BASE}/{goal_id}"))
    # 5 % of the way, 40 % expected: 35 points behind -> off track.
    assert "Off track" in page
    assert "Svag arbetsmarknad" in page or "Heikko työmarkkina" in page
    assert "<svg" in page and "<title id=\"goal-chart-title\">" in page and "<desc" in page
    assert "Data of the chart" in page
    response = client.post(f"{BASE}/{goal_id}/progress", data={
        "period_label": "2026", "period_date": "2026-06-30", "value": "175"})
    assert response.status_code == 302
    page = text_of(client.get(f"{BASE}/{goal_id}?lang=en"))
    latest = page.split("Latest report")[1].split("</p>")[0]
    assert "2026" in latest and "On track" in latest


@pytest.mark.parametrize("who", ["vasa", "admin", "viewer"])
def test_only_the_provider_reports(steering, login, snapshots, who):
    goal_id = adopted_goal(steering)
    client = login(who)
    assert f"{BASE}/{goal_id}/progress" not in text_of(client.get(f"{BASE}/{goal_id}"))
    before = snapshots.take()
    assert client.get(f"{BASE}/{goal_id}/progress").status_code == 403
    assert client.post(f"{BASE}/{goal_id}/progress", data={
        "period_label": "2025", "period_date": "2025-12-31", "value": "150"}).status_code == 403
    assert snapshots.changes(before, snapshots.take()) == {}


@pytest.mark.parametrize("data, message", [
    ({"period_label": "", "period_date": "2025-12-31", "value": "150"}, "This field is required."),
    ({"period_label": "2025", "period_date": "2025-12-31", "value": "lots"}, "Enter a number."),
    ({"period_label": "x" * 51, "period_date": "2025-12-31", "value": "1"}, "At most 50 characters."),
    ({"period_label": "2025", "period_date": "2099-12-31", "value": "150"}, "in the future"),
    ({"period_label": "2025", "period_date": "2020-12-31", "value": "150"}, "before the goal"),
])
def test_bad_progress_changes_nothing(steering, login, snapshots, data, message):
    goal_id = adopted_goal(steering)
    client = login("reporter")
    before = snapshots.take()
    response = client.post(f"{BASE}/{goal_id}/progress", data=data)
    assert response.status_code == 400
    assert message in text_of(response)
    assert snapshots.changes(before, snapshots.take()) == {}


def test_progress_only_on_adopted_goals(steering, login, snapshots):
    goal_id = steering.new_goal("proposed")
    client = login("reporter")
    assert "Progress is reported on adopted goals only." in text_of(
        client.get(f"{BASE}/{goal_id}/progress"))
    before = snapshots.take()
    response = client.post(f"{BASE}/{goal_id}/progress", data={
        "period_label": "2023", "period_date": "2023-06-30", "value": "65"})
    assert response.status_code == 400
    assert snapshots.changes(before, snapshots.take()) == {}


def test_the_provider_corrects_a_report(steering, login, snapshots):
    goal_id = adopted_goal(steering)
    report_id = report(steering, goal_id, "2025", date(2025, 12, 31), "105")
    other_goal = adopted_goal(steering)
    client = login("vasa")
    assert client.get(f"{BASE}/{goal_id}/progress/{report_id}/correct").status_code == 403
    client = login("reporter")
    # The report belongs to another goal: not found there.
    assert client.get(f"{BASE}/{other_goal}/progress/{report_id}/correct").status_code == 404
    page = text_of(client.get(f"{BASE}/{goal_id}/progress/{report_id}/correct"))
    assert 'value="105"' in page and 'value="2025-12-31"' in page
    before = snapshots.take()
    assert client.post(f"{BASE}/{goal_id}/progress/{report_id}/correct", data={
        "period_label": "2025", "period_date": "2025-12-31", "value": ""}).status_code == 400
    assert snapshots.changes(before, snapshots.take()) == {}
    response = client.post(f"{BASE}/{goal_id}/progress/{report_id}/correct", data={
        "period_label": "2025", "period_date": "2025-12-31", "value": "160"})
    assert response.status_code == 302
    with steering.scope():
        assert db.session.get(ProgressReport, report_id).value == Decimal("160")
    page = text_of(client.get(f"{BASE}/{goal_id}"))
    assert "Progress report corrected" in page and "On track" in page


# --- queries -----------------------------------------------------------------------------------------


def _make_goals(steering, count: int) -> None:
    """``count`` goals written straight to the tables: a third adopted with two reports each,
    pairs of them conflicting, the rest drafts and proposals."""
    with steering.scope():
        tenant = steering.tenant
        vasa = steering.org_ids["vasa"]
        for number in range(count):
            status = ("adopted", "draft", "proposed")[number % 3]
            lower = number % 2 == 1
            goal = SteeringGoal(
                tenant_id=tenant.id, strategy_id=steering.strategy_id,
                theme_id=steering.theme_ids["economy"], proposer_organisation_id=vasa,
                title={"sv": f"Mål {number}", "fi": f"Tavoite {number}"}, description={},
                unit="EUR", direction="lower" if lower else "higher",
                baseline_value=Decimal(100), baseline_year=2024,
                target_value=Decimal(80 if lower else 120), target_date=date(2028, 12, 31),
                status=status)
            db.session.add(goal)
            db.session.flush()
            if status == "adopted":
                for label, day in (("2024", date(2024, 12, 31)), ("2025", date(2025, 12, 31))):
                    db.session.add(ProgressReport(tenant_id=tenant.id, goal_id=goal.id,
                                                  period_label=label, period_date=day,
                                                  value=Decimal(105), narrative={}))
        db.session.commit()
        assert db.session.scalar(select(func.count(SteeringGoal.id))) >= count


def _queries_of(app, client, path: str) -> int:
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(path)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200
    return len(statements)


def test_the_list_needs_the_same_queries_for_5_and_50_goals(app, make_steering, client, sign_in_as):
    few = make_steering(slug="few")
    many = make_steering(slug="many")
    _make_goals(few, 5)
    _make_goals(many, 50)
    sign_in_as(client, few.emails["viewer"])
    client.get("/t/few/ownership/goals")  # warm up: caches, the session's first request
    small = _queries_of(app, client, "/t/few/ownership/goals?sort=progress")
    other = app.test_client()
    sign_in_as(other, many.emails["viewer"])
    other.get("/t/many/ownership/goals")
    large = _queries_of(app, other, "/t/many/ownership/goals?sort=progress")
    assert small == large, (small, large)
    page = text_of(other.get("/t/many/ownership/goals"))
    assert "Conflicts with another goal" in page  # the conflict check ran on the large list too


def test_goal_rows_service(steering):
    """The list's service: filters, latest report and its assessment, conflicts, sort order."""
    from samverkan.ownership.services.goal_overview import conflicts_of, goal_rows

    up = adopted_goal(steering, title={"sv": "B upp", "fi": "B ylös"}, unit="st")
    down = adopted_goal(steering, title={"sv": "A ned", "fi": "A alas"}, unit="st", direction="lower",
                        baseline_value="200", target_value="100")
    draft = steering.new_goal("draft", title={"sv": "C utkast", "fi": "C luonnos"})
    report(steering, up, "2024", date(2024, 12, 31), "140")
    report(steering, up, "2025", date(2025, 12, 31), "150")
    with steering.scope():
        rows = goal_rows(steering.tenant, sort="title", locale="sv")
        assert [row.goal.id for row in rows] == [down, up, draft]
        by_id = {row.goal.id: row for row in rows}
        assert by_id[up].latest.period_label == "2025"
        assert by_id[up].assessment.progress == Decimal("50.00")
        assert by_id[up].conflicting and by_id[down].conflicting and not by_id[draft].conflicting
        assert [row.goal.id for row in goal_rows(steering.tenant, sort="-progress")][0] == up
        assert [row.goal.id for row in goal_rows(steering.tenant, sort="progress")][-1] != up
        assert [r.goal.id for r in goal_rows(steering.tenant, search="UTKAST")] == [draft]
        assert [r.goal.id for r in goal_rows(steering.tenant, status="draft")] == [draft]
        assert [goal.id for goal in conflicts_of(steering.tenant, steering.goal(up))] == [down]
