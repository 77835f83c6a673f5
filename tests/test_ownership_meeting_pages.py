"""Owners' meeting pages: the admin schedules a meeting and keeps its agenda, owner
representatives vote for the owner they are bound to, the decision is shown with its weighted
arithmetic in sv and fi, and the goal is adopted; who gets 403, and bad input changes nothing.

The consortium ``kust`` is owned by Vasa 45 %, Korsholm 30 % and Närpes 25 % (see the
``steering`` fixture in conftest.py).
"""

from __future__ import annotations

import html
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from samverkan.ownership.models import (
    AgendaItem,
    Decision,
    GoalStatus,
    MeetingStatus,
    OwnersMeeting,
    Vote,
)
from samverkan.ownership.services import meeting_queries as queries
from samverkan.platform.db import db

BASE = "/t/kust/ownership/meetings"


@pytest.fixture
def world(steering):
    return steering


def client_of(app, sign_in_as, world, key):
    client = app.test_client()
    sign_in_as(client, world.emails[key])
    return client


@pytest.fixture
def as_(app, sign_in_as, world):
    """``as_("vasa")``: a test client signed in as that member of ``kust``."""
    clients = {}

    def get(key):
        if key not in clients:
            clients[key] = client_of(app, sign_in_as, world, key)
            clients[key].get(f"{BASE}?lang=en")  # English from here on (saved for the user)
        return clients[key]

    return get


def text_of(response) -> str:
    """The page as text: tags removed, entities and whitespace normalised."""
    page = response.get_data(as_text=True)
    page = re.sub(r"(?s)<(script|style).*?</\1>", " ", page)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page))).replace("\u00a0", " ")


def open_item(world, choices=()) -> tuple[int, int, int]:
    """A proposed goal on the agenda of a meeting, with some votes: (goal, meeting, item)."""
    goal_id = world.new_goal("proposed")
    meeting_id = world.meeting()
    item_id = world.agenda(meeting_id, goal_id)
    for who, choice in choices:
        world.vote(item_id, who, choice)
    return goal_id, meeting_id, item_id


def item_url(meeting_id, item_id, action="") -> str:
    return f"{BASE}/{meeting_id}/items/{item_id}" + (f"/{action}" if action else "")


# --- the full journey -------------------------------------------------------------------------


def test_meeting_votes_and_decision_journey_in_sv_and_fi(world, as_):
    goal_id = world.new_goal("proposed")
    admin = as_("admin")

    # The admin schedules a meeting with a per-locale agenda.
    page = admin.get(f"{BASE}?lang=en")
    assert page.status_code == 200
    assert "No meetings are scheduled" in text_of(page)
    day = date.today() + timedelta(days=14)
    response = admin.post(f"{BASE}/new", data={"meeting_date": day.isoformat(),
                                              "agenda-sv": "Styrmål för 2026",
                                              "agenda-fi": "Ohjaustavoitteet 2026"})
    assert response.status_code == 302
    meeting_id = int(re.search(r"/meetings/(\d+)$", response.headers["Location"]).group(1))
    detail = admin.get(f"{BASE}/{meeting_id}?lang=sv")
    assert "Styrmål för 2026" in text_of(detail)
    assert admin.get(f"{BASE}/{meeting_id}?lang=fi").status_code == 200
    assert "Ohjaustavoitteet 2026" in text_of(admin.get(f"{BASE}/{meeting_id}"))

    # ...and puts the proposed goal on its agenda.
    detail = admin.get(f"{BASE}/{meeting_id}?lang=sv").get_data(as_text=True)
    assert f'<option value="{goal_id}">Fler i arbete efter examen</option>' in detail
    response = admin.post(f"{BASE}/{meeting_id}/items", data={"goal_id": str(goal_id)})
    assert response.status_code == 302
    detail = text_of(admin.get(f"{BASE}/{meeting_id}?lang=sv"))
    assert "Fler i arbete efter examen" in detail and "Vasa" in detail  # the goal and its proposer
    with world.scope():
        item_id = db.session.scalar(select(AgendaItem.id).where(AgendaItem.meeting_id == meeting_id))
    # The goal is no longer offered for an agenda.
    detail = admin.get(f"{BASE}/{meeting_id}?lang=en").get_data(as_text=True)
    assert f'<option value="{goal_id}">' not in detail

    # Vasa's representative sees what awaits the vote, and votes yes.
    vasa = as_("vasa")
    listing = text_of(vasa.get(f"{BASE}?lang=en"))
    assert "Awaiting your vote" in listing and "Enemmän työllistyneitä" in listing  # en falls back to fi
    item_page = vasa.get(item_url(meeting_id, item_id) + "?lang=en").get_data(as_text=True)
    assert re.search(r"<fieldset[^>]*>\s*<legend>Vote of Vaasa", item_page)
    assert item_page.count('type="radio"') == 3
    assert "Not yet voted" in text_of(vasa.get(item_url(meeting_id, item_id)))
    assert vasa.post(item_url(meeting_id, item_id, "vote"), data={"choice": "yes"}).status_code == 302
    assert "Nothing awaits your vote" in text_of(vasa.get(f"{BASE}?lang=en"))
    response = as_("korsholm").post(item_url(meeting_id, item_id, "vote"), data={"choice": "yes"})
    assert response.status_code == 302
    with world.scope():
        assert world.goal(goal_id).status == GoalStatus.PROPOSED
    assert as_("narpes").post(item_url(meeting_id, item_id, "vote"), data={"choice": "no"}).status_code == 302

    # Every owner has voted: the item is decided and the goal adopted.
    with world.scope():
        decision = db.session.scalar(select(Decision))
        assert decision.result == "adopted"
        goal = world.goal(goal_id)
        assert goal.status == GoalStatus.ADOPTED and goal.adopted_decision_id == decision.id

    english = text_of(admin.get(item_url(meeting_id, item_id) + "?lang=en"))
    assert ("For: 45.00 + 30.00 = 75.00 % of 100.00 % represented; 75.00 % for > 50.00 % "
            "required (more than half): adopted") in english
    assert "45.00 + 30.00 + 0.00 = 100.00 %" not in english
    assert "75.00 + 25.00 + 0.00 = 100.00 %" in english  # represented: for + against + abstaining
    assert "Majority of the shares represented" in english

    swedish = admin.get(item_url(meeting_id, item_id) + "?lang=sv")
    assert swedish.status_code == 200 and '<html lang="sv">' in swedish.get_data(as_text=True)
    swedish = text_of(swedish)
    assert "45,00 + 30,00 = 75,00" in swedish and "50,00" in swedish and "100,00" in swedish
    assert "Vasa 45,00 %" in swedish and "Korsholm 30,00 %" in swedish and "Närpes 25,00 %" in swedish

    finnish = admin.get(item_url(meeting_id, item_id) + "?lang=fi")
    assert '<html lang="fi">' in finnish.get_data(as_text=True)
    finnish = text_of(finnish)
    assert "45,00 + 30,00 = 75,00" in finnish and "75,00 + 25,00 + 0,00 = 100,00" in finnish
    assert "Vaasa 45,00 %" in finnish and "Mustasaari 30,00 %" in finnish and "Närpiö 25,00 %" in finnish

    # Nobody votes on a decided item.
    response = as_("vasa2").post(item_url(meeting_id, item_id, "vote"), data={"choice": "no"})
    assert response.status_code == 400
    with world.scope():
        assert db.session.query(Vote).count() == 3


def test_a_representative_votes_once_and_only_for_their_own_owner(world, as_, snapshots):
    _goal, meeting_id, item_id = open_item(world)
    vasa = as_("vasa")
    # A field naming another owner is ignored: the vote is the bound owner's.
    response = vasa.post(item_url(meeting_id, item_id, "vote"),
                         data={"choice": "no", "organisation_id": world.org_ids["korsholm"]})
    assert response.status_code == 302
    with world.scope():
        votes = db.session.scalars(select(Vote)).all()
        assert [(v.organisation_id, v.choice) for v in votes] == [(world.org_ids["vasa"], "no")]
    page = text_of(vasa.get(item_url(meeting_id, item_id) + "?lang=en"))
    assert "Vaasa has voted: No." in page and "Cast the vote" not in page

    as_("vasa2")
    before = snapshots.take()
    for key in ("vasa", "vasa2"):  # the second representative of Vasa cannot vote again either
        response = as_(key).post(item_url(meeting_id, item_id, "vote") + "?lang=en", data={"choice": "yes"})
        assert response.status_code == 400
        assert "The owner you represent has voted on this item already." in text_of(response)
    assert snapshots.changes(before, snapshots.take()) == {}


def test_a_representative_of_a_municipality_without_a_share_gets_the_services_message(world, as_, snapshots):
    _goal, meeting_id, item_id = open_item(world)
    malax = as_("malax")
    page = text_of(malax.get(item_url(meeting_id, item_id) + "?lang=en"))
    assert "no ownership share on the meeting date" in page and "Cast the vote" not in page
    before = snapshots.take()
    response = malax.post(item_url(meeting_id, item_id, "vote"), data={"choice": "yes"})
    assert response.status_code == 403
    assert ("The organisation you represent has no ownership share on the meeting date."
            in text_of(response))
    assert snapshots.changes(before, snapshots.take()) == {}


@pytest.mark.parametrize("who", ["reporter", "viewer"])
def test_provider_reporter_and_viewer_read_but_cannot_vote_decide_or_edit(world, as_, snapshots, who):
    goal_id, meeting_id, item_id = open_item(world, [("vasa", "yes")])
    spare_goal = world.new_goal("proposed", title={"sv": "Reserv", "fi": "Vara"})
    client = as_(who)
    for url in (BASE, f"{BASE}/{meeting_id}", item_url(meeting_id, item_id)):
        assert client.get(url).status_code == 200, url
    page = text_of(client.get(item_url(meeting_id, item_id) + "?lang=en"))
    assert "Cast the vote" not in page and "Close the vote" not in page
    before = snapshots.take()
    for method, url, data in [
        ("post", item_url(meeting_id, item_id, "vote"), {"choice": "yes"}),
        ("get", item_url(meeting_id, item_id, "decide"), None),
        ("post", item_url(meeting_id, item_id, "decide"), {}),
        ("get", f"{BASE}/{meeting_id}/edit", None),
        ("post", f"{BASE}/{meeting_id}/edit", {"meeting_date": "2025-06-01"}),
        ("get", f"{BASE}/new", None),
        ("post", f"{BASE}/new", {"meeting_date": "2025-06-01"}),
        ("post", f"{BASE}/{meeting_id}/items", {"goal_id": str(spare_goal)}),
        ("get", item_url(meeting_id, item_id, "remove"), None),
        ("post", item_url(meeting_id, item_id, "remove"), {}),
    ]:
        response = getattr(client, method)(url, data=data)
        assert response.status_code == 403, (method, url, response.status_code)
    assert snapshots.changes(before, snapshots.take()) == {}
    assert goal_id


def test_owner_representatives_cannot_manage_meetings(world, as_, snapshots):
    _goal, meeting_id, item_id = open_item(world)
    vasa, admin = as_("vasa"), as_("admin")
    before = snapshots.take()
    for method, url in [("post", item_url(meeting_id, item_id, "decide")), ("post", f"{BASE}/new"),
                        ("get", f"{BASE}/{meeting_id}/edit"),
                        ("post", item_url(meeting_id, item_id, "remove"))]:
        assert getattr(vasa, method)(url, data={"meeting_date": "2025-06-01"}).status_code == 403, url
    # and the admin does not vote: only representatives do
    assert admin.post(item_url(meeting_id, item_id, "vote"), data={"choice": "yes"}).status_code == 403
    assert snapshots.changes(before, snapshots.take()) == {}


def test_an_item_of_another_meeting_is_not_found(world, as_):
    _goal, meeting_id, item_id = open_item(world)
    other = world.meeting()
    admin = as_("admin")
    assert admin.get(item_url(other, item_id)).status_code == 404
    assert as_("vasa").post(item_url(other, item_id, "vote"), data={"choice": "yes"}).status_code == 404
    assert admin.get(f"{BASE}/987654").status_code == 404


# --- closing a vote, removing an item ---------------------------------------------------------


def test_the_admin_closes_the_vote_after_confirmation_and_silent_owners_are_absent(world, as_):
    goal_id, meeting_id, item_id = open_item(world, [("vasa", "yes"), ("korsholm", "no")])
    admin = as_("admin")
    page = admin.get(item_url(meeting_id, item_id, "decide") + "?lang=en")
    assert page.status_code == 200
    text = text_of(page)
    assert "Close the vote on" in text and "Not yet voted" in text and "counted as absent" in text
    with world.scope():
        assert db.session.scalar(select(Decision)) is None  # asking changes nothing
    response = admin.post(item_url(meeting_id, item_id, "decide"))
    assert response.status_code == 302
    page = text_of(admin.get(item_url(meeting_id, item_id) + "?lang=en"))
    assert ("For: 45.00 % of 75.00 % represented; 45.00 % for > 37.50 % required (more than half): "
            "adopted") in page
    assert "Närpes 25.00 % Absent" in page or "Närpiö 25.00 % Absent" in page
    with world.scope():
        assert world.goal(goal_id).status == GoalStatus.ADOPTED
    # A second close is refused with the reason, and nothing changes.
    again = admin.post(item_url(meeting_id, item_id, "decide") + "?lang=en")
    assert again.status_code == 409 and "decided already" in text_of(again)


def test_a_rejection_and_the_qualified_rule_show_their_arithmetic(world, as_):
    world.set_rule(decision_rule="qualified_all", qualified_fraction="2/3")
    adopted_goal, meeting_id, adopted_item = open_item(
        world, [("vasa", "yes"), ("korsholm", "yes"), ("narpes", "no")])
    rejected_goal = world.new_goal("proposed")
    rejected_item = world.agenda(meeting_id, rejected_goal)
    for who, choice in (("vasa", "no"), ("korsholm", "yes"), ("narpes", "yes")):
        world.vote(rejected_item, who, choice)
    admin = as_("admin")
    page = text_of(admin.get(item_url(meeting_id, adopted_item) + "?lang=en"))
    assert ("For: 45.00 + 30.00 = 75.00 % of 100.00 % of all shares; 75.00 % for ≥ 66.67 % "
            "required (2/3 of all shares): adopted") in page
    assert "Qualified majority of all shares" in page
    page = text_of(admin.get(item_url(meeting_id, rejected_item) + "?lang=fi"))
    assert "30,00 + 25,00 = 55,00" in page and "puolesta 55,00 % < vaadittu 66,67 %" in page
    with world.scope():
        assert world.goal(adopted_goal).status == GoalStatus.ADOPTED
        assert world.goal(rejected_goal).status == GoalStatus.DRAFT


def test_an_item_is_removed_after_confirmation_until_owners_vote(world, as_, snapshots):
    goal_id, meeting_id, item_id = open_item(world)
    admin = as_("admin")
    page = admin.get(item_url(meeting_id, item_id, "remove") + "?lang=en")
    assert page.status_code == 200 and "Remove" in text_of(page)
    assert admin.post(item_url(meeting_id, item_id, "remove")).status_code == 302
    with world.scope():
        assert db.session.get(AgendaItem, item_id) is None
        assert world.goal(goal_id).status == GoalStatus.PROPOSED

    item_id = world.agenda(meeting_id, goal_id)
    world.vote(item_id, "vasa", "yes")
    before = snapshots.take()
    response = admin.post(item_url(meeting_id, item_id, "remove") + "?lang=en")
    assert response.status_code == 409
    assert "Owners have voted on this item: it stays on the agenda." in text_of(response)
    assert snapshots.changes(before, snapshots.take()) == {}


# --- editing a meeting, bad input -----------------------------------------------------------


def test_the_admin_edits_a_meeting_and_moves_it_from_planned_to_held_to_closed(world, as_):
    _goal, meeting_id, item_id = open_item(world)
    admin = as_("admin")
    form = admin.get(f"{BASE}/{meeting_id}/edit?lang=en").get_data(as_text=True)
    assert 'value="planned"' in form and 'value="held"' in form and 'value="closed"' not in form
    response = admin.post(f"{BASE}/{meeting_id}/edit", data={
        "meeting_date": "2025-05-12", "agenda-sv": "Ny agenda", "minutes-fi": "Pöytäkirja", "status": "held"})
    assert response.status_code == 302
    with world.scope():
        meeting = db.session.get(OwnersMeeting, meeting_id)
        assert meeting.status == MeetingStatus.HELD
        assert meeting.agenda == {"sv": "Ny agenda"} and meeting.minutes == {"fi": "Pöytäkirja"}
    # Closing with an undecided item is refused on the field, and nothing is written.
    response = admin.post(f"{BASE}/{meeting_id}/edit?lang=en", data={
        "meeting_date": "2025-05-12", "agenda-sv": "Ändrad", "status": "closed"})
    assert response.status_code == 400
    assert "Decide every item on the agenda before closing the meeting." in text_of(response)
    with world.scope():
        meeting = db.session.get(OwnersMeeting, meeting_id)
        assert meeting.status == MeetingStatus.HELD and meeting.agenda == {"sv": "Ny agenda"}
    admin.post(item_url(meeting_id, item_id, "decide"))
    response = admin.post(f"{BASE}/{meeting_id}/edit", data={
        "meeting_date": "2025-05-12", "agenda-sv": "Ny agenda", "status": "closed"})
    assert response.status_code == 302
    page = text_of(admin.get(f"{BASE}/{meeting_id}?lang=en"))
    assert "Closed" in page and "Add to the agenda" not in page


@pytest.mark.parametrize("data, message", [
    ({"meeting_date": ""}, "This field is required."),
    ({"meeting_date": "12.5.2025"}, "Enter a date as year-month-day"),
    ({"meeting_date": "2025-05-12", "status": "closed"}, "Not a valid choice"),
    ({"meeting_date": "2025-06-01"}, "its date cannot change"),
    ({"meeting_date": "2025-05-12", "agenda-sv": "x" * 20001}, "At most 20000 characters."),
])
def test_bad_meeting_input_changes_nothing(world, as_, snapshots, data, message):
    _goal, meeting_id, _item = open_item(world, [("vasa", "yes")])
    admin = as_("admin")
    before = snapshots.take()
    response = admin.post(f"{BASE}/{meeting_id}/edit?lang=en", data=data)
    assert response.status_code == 400
    page = text_of(response)
    assert message in page and "Please correct the following" in page
    assert snapshots.changes(before, snapshots.take()) == {}


def test_a_new_meeting_with_a_bad_date_is_not_created(world, as_, snapshots):
    admin = as_("admin")
    before = snapshots.take()
    response = admin.post(f"{BASE}/new?lang=en", data={"meeting_date": "tomorrow", "agenda-sv": "x"})
    assert response.status_code == 400 and "Enter a date" in text_of(response)
    assert snapshots.changes(before, snapshots.take()) == {}


@pytest.mark.parametrize("which, message", [
    ("draft", "Only a proposed goal can go on the agenda."),
    ("", "This field is required."),
    ("garbage", "Choose a steering goal."),
    ("missing", "Choose a steering goal."),
    ("on_agenda", "This goal is on an owners' meeting agenda already."),
])
def test_bad_agenda_input_changes_nothing(world, as_, snapshots, which, message):
    goal_on_agenda, meeting_id, _item = open_item(world)
    values = {"draft": str(world.new_goal("draft")), "": "", "garbage": "abc", "missing": "987654",
              "on_agenda": str(goal_on_agenda)}
    admin = as_("admin")
    before = snapshots.take()
    response = admin.post(f"{BASE}/{meeting_id}/items?lang=en", data={"goal_id": values[which]})
    assert response.status_code == 400
    assert message in text_of(response)
    assert snapshots.changes(before, snapshots.take()) == {}


@pytest.mark.parametrize("choice, message", [("maybe", "Choose yes, no or abstain."),
                                             ("", "This field is required.")])
def test_a_bad_vote_changes_nothing(world, as_, snapshots, choice, message):
    _goal, meeting_id, item_id = open_item(world)
    vasa = as_("vasa")
    before = snapshots.take()
    response = vasa.post(item_url(meeting_id, item_id, "vote") + "?lang=en", data={"choice": choice})
    assert response.status_code == 400
    assert message in text_of(response)
    assert snapshots.changes(before, snapshots.take()) == {}


# --- the list and the queries behind it ---------------------------------------------------------


def test_the_list_shows_upcoming_and_past_meetings_with_status_and_counts(world, as_):
    open_item(world, [("vasa", "yes")])
    future = world.meeting(date.today() + timedelta(days=30))
    viewer = as_("viewer")
    page = text_of(viewer.get(f"{BASE}?lang=en"))
    assert "Upcoming meetings (1)" in page and "Past meetings (1)" in page
    assert "Awaiting your vote" not in page  # not a representative
    held = text_of(viewer.get(f"{BASE}?status=closed&lang=en"))
    assert "No past meetings have this status." in held
    assert viewer.get(f"{BASE}?sort=date&page=99").status_code == 200
    assert future


def test_queries_offer_only_free_proposed_goals_and_awaiting_items_of_owners(world):
    on_agenda, meeting_id, item_id = open_item(world)
    free = world.new_goal("proposed")
    draft = world.new_goal("draft")
    with world.scope():
        offered = [goal.id for goal in queries.goals_for_agenda(world.tenant)]
        assert free in offered and on_agenda not in offered and draft not in offered
        assert [item.id for item in queries.awaiting_vote(world.tenant, world.p("vasa"))] == [item_id]
        assert queries.awaiting_vote(world.tenant, world.p("malax")) == []  # no share
        assert queries.awaiting_vote(world.tenant, world.p("viewer")) == []
    world.vote(item_id, "vasa", "yes")
    with world.scope():
        assert queries.awaiting_vote(world.tenant, world.p("vasa2")) == []  # Vasa has voted
        rows = queries.ballot(world.tenant, world.item(item_id))
        assert [(row.share, row.choice) for row in rows] == [
            (pytest.approx(45), "yes"), (pytest.approx(30), "not_voted"), (pytest.approx(25), "not_voted")]
    assert meeting_id
