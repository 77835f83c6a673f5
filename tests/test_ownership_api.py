"""The owner-steering JSON API: the ownership register, strategies, goals with ETags and
transitions, owners' meetings and weighted votes, progress reports; permissions per role and
per API client scope, validation problems that write nothing, and the OpenAPI document.

The consortium ``kust`` is owned by Vasa 45 %, Korsholm 30 % and Närpes 25 % (see
``SteeringWorld`` in conftest.py).
"""

from __future__ import annotations

import json
from datetime import date
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from samverkan.ownership import services as svc
from samverkan.ownership.models import OwnerStrategy, ProgressReport, SteeringGoal, Vote
from samverkan.platform.audit import AuditEntry
from samverkan.platform.db import db

BASE = "/api/v1/t/kust"
PROBLEM = "application/problem+json"

GOAL = {
    "title": {"sv": "Fler i arbete efter examen", "fi": "Enemmän työllistyneitä"},
    "description": {"sv": "Andel sysselsatta", "fi": "Työllisten osuus"},
    "unit": "%", "direction": "higher", "baseline_value": "62", "baseline_year": 2024,
    "target_value": "75", "target_date": "2028-12-31", "milestones": [{"year": 2026, "value": "68"}],
}
STRATEGY = {"title": {"sv": "Ägarstrategi 2029-2032", "fi": "Omistajastrategia 2029-2032"},
            "text": {"sv": "Text"}, "from_year": 2029, "to_year": 2032}


@pytest.fixture
def world(steering):
    return steering


@pytest.fixture
def as_(app, world, sign_in_as):
    """``as_(key)``: a test client signed in as the world's member ``key``."""
    clients = {}

    def make(key):
        if key not in clients:
            clients[key] = app.test_client()
            sign_in_as(clients[key], world.emails[key])
        return clients[key]

    return make


@pytest.fixture
def bearer(app, factory, world):
    """``bearer(scope, organisation=...)``: headers with a token of a new API client of kust."""

    def make(scope="read report", organisation="provider"):
        organisation = SimpleNamespace(id=world.org_ids[organisation]) if organisation else None
        api_client, _secret = factory.api_client(world._tenant, organisation=organisation,
                                                 scopes=("read", "report"))
        return {"Authorization": f"Bearer {factory.api_token(api_client, scope=scope)[1]}"}

    return make


def problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body = response.get_json()
    assert body["status"] == status
    return body


def goal_body(world, **overrides) -> dict:
    return {"strategy_id": world.strategy_id, "theme_id": world.theme_ids["employment"], **GOAL,
            **overrides}


def new_goal(world, status="draft", by="vasa"):
    """A goal like GOAL (baseline 62 in 2024, target 75 on 2028-12-31) made by the services."""
    return world.new_goal(status=status, by=by, baseline_value="62", baseline_year=2024,
                          target_value="75", target_date=date(2028, 12, 31), milestones={})


SIGN_IN_ONLY = {"users"}  # signing a test client in records the time of the sign-in


def unchanged(snapshots):
    """Context: assert the block wrote nothing (but sign-ins)."""

    class Unchanged:
        def __enter__(self):
            self.before = snapshots.take()

        def __exit__(self, *exc):
            if exc[0] is None:
                changes = snapshots.changes(self.before, snapshots.take())
                assert {k: v for k, v in changes.items() if k not in SIGN_IN_ONLY} == {}

    return Unchanged()


# --- OpenAPI ---------------------------------------------------------------------------------

PATHS = {
    ("/owners", "get"), ("/stakes", "get"), ("/stakes/{stake_id}", "get"),
    ("/strategies", "get"), ("/strategies", "post"), ("/strategies/{strategy_id}", "get"),
    ("/strategies/{strategy_id}", "put"), ("/themes", "get"),
    ("/goals", "get"), ("/goals", "post"), ("/goals/{goal_id}", "get"), ("/goals/{goal_id}", "put"),
    ("/goals/{goal_id}/transitions", "get"), ("/goals/{goal_id}/transitions", "post"),
    ("/meetings", "get"), ("/meetings/{meeting_id}", "get"),
    ("/meetings/{meeting_id}/items/{item_id}", "get"),
    ("/meetings/{meeting_id}/items/{item_id}/votes", "post"),
    ("/goals/{goal_id}/progress", "get"), ("/goals/{goal_id}/progress", "post"),
    ("/goals/{goal_id}/progress/{report_id}", "get"),
}


def test_the_openapi_document_lists_every_endpoint_with_examples(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    paths = spec["paths"]
    for path, method in PATHS:
        operation = paths["/api/v1/t/{slug}" + path][method]
        assert operation["summary"], (method, path)
        assert operation["tags"], (method, path)
        success = next(code for code in operation["responses"] if code.startswith("2"))
        assert operation["responses"][success]["content"]["application/json"]["example"], (method, path)
        if method in ("post", "put"):
            body = operation["requestBody"]["content"]["application/json"]
            assert body["example"], (method, path)
            assert {"401", "403", "422"} <= set(operation["responses"]), (method, path)
    assert {"412", "428", "409"} <= set(paths["/api/v1/t/{slug}/goals/{goal_id}"]["put"]["responses"])
    assert "X-Pagination" in paths["/api/v1/t/{slug}/goals"]["get"]["responses"]["200"]["headers"]
    goal = spec["components"]["schemas"]["Goal"]["properties"]
    assert goal["baseline_value"]["type"] == "string"
    tags = {tag["name"] for tag in spec["tags"]}
    assert {"Ownership register", "Owner strategies", "Steering goals", "Owners' meetings",
            "Goal progress"} <= tags
    docs = client.get("/api/v1/docs").get_data(as_text=True)
    assert "Vote on an agenda item" in docs and "Report progress on a goal" in docs


# --- the ownership register ------------------------------------------------------------------


def test_owners_and_shares_in_force_on_a_date(app, world, as_, bearer):
    with world.scope():
        svc.set_stake(world.tenant, world.p("admin"),
                      svc.StakeData(world.org_ids["vasa"], "40.00", date(2026, 1, 1)))
        svc.set_stake(world.tenant, world.p("admin"),
                      svc.StakeData(world.org_ids["korsholm"], "35.00", date(2026, 1, 1)))
        db.session.commit()
    viewer = as_("viewer")
    now = viewer.get(f"{BASE}/owners?on=2026-03-01").get_json()
    assert now["total"] == "100.00" and now["complete"] is True and now["on"] == "2026-03-01"
    assert [(o["organisation"]["name"]["sv"], o["share"]) for o in now["owners"]] == [
        ("Vasa", "40.00"), ("Korsholm", "35.00"), ("Närpes", "25.00")]
    before = viewer.get(f"{BASE}/owners?on=2025-06-01").get_json()
    assert [o["share"] for o in before["owners"]] == ["45.00", "30.00", "25.00"]
    assert before["owners"][0]["basis"] == "Grundkapital"
    empty = viewer.get(f"{BASE}/owners?on=2019-12-31").get_json()
    assert empty == {"on": "2019-12-31", "total": "0.00", "complete": False, "owners": []}
    assert "on" in problem(viewer.get(f"{BASE}/owners?on=yesterday"), 422)["errors"]
    # An API client with the read scope reads too.
    assert app.test_client().get(f"{BASE}/owners", headers=bearer("read")).status_code == 200

    history = viewer.get(f"{BASE}/stakes?organisation_id={world.org_ids['vasa']}").get_json()
    assert [(s["share"], s["valid_from"], s["valid_to"]) for s in history] == [
        ("40.00", "2026-01-01", None), ("45.00", "2020-01-01", "2025-12-31")]
    assert len(viewer.get(f"{BASE}/stakes").get_json()) == 5
    one = viewer.get(f"{BASE}/stakes/{history[1]['id']}")
    assert one.status_code == 200 and one.get_json() == history[1]
    problem(viewer.get(f"{BASE}/stakes/987654"), 404)


def test_the_register_needs_membership_or_the_read_scope(app, world, bearer):
    problem(app.test_client().get(f"{BASE}/owners"), 401)
    problem(app.test_client().get(f"{BASE}/owners", headers=bearer("report")), 403)


# --- strategies ------------------------------------------------------------------------------


def test_admin_creates_and_every_member_reads_strategies(app, world, as_):
    admin = as_("admin")
    response = admin.post(f"{BASE}/strategies", json=STRATEGY)
    assert response.status_code == 201, response.get_data(as_text=True)
    created = response.get_json()
    assert created["status"] == "draft" and created["from_year"] == 2029
    assert created["text"] == {"sv": "Text"}
    assert response.headers["Location"] == f"{BASE}/strategies/{created['id']}"
    for key in ("viewer", "reporter", "vasa"):
        listing = as_(key).get(f"{BASE}/strategies").get_json()
        assert [s["from_year"] for s in listing] == [2029, 2025]
        assert as_(key).get(response.headers["Location"]).get_json() == created
    with world.scope():
        assert db.session.scalar(select(AuditEntry.action).where(
            AuditEntry.action == "strategy.created")) == "strategy.created"


@pytest.mark.parametrize("key", ["viewer", "reporter", "vasa"])
def test_only_the_admin_creates_and_updates_strategies(world, as_, snapshots, key):
    client = as_(key)
    url = f"{BASE}/strategies/{world.strategy_id}"
    etag = client.get(url).headers["ETag"]
    with unchanged(snapshots):
        problem(client.post(f"{BASE}/strategies", json=STRATEGY), 403)
        problem(client.put(url, json=STRATEGY, headers={"If-Match": etag}), 403)


def test_api_clients_cannot_create_strategies(app, world, bearer):
    problem(app.test_client().post(f"{BASE}/strategies", json=STRATEGY, headers=bearer()), 403)


def test_strategy_validation_errors_write_nothing(world, as_, snapshots):
    admin = as_("admin")
    with unchanged(snapshots):
        backwards = admin.post(f"{BASE}/strategies", json=STRATEGY | {"to_year": 2020})
        assert "to_year" in problem(backwards, 422)["errors"]
        blank = admin.post(f"{BASE}/strategies", json=STRATEGY | {"title": {"sv": "  "}})
        assert list(problem(blank, 422)["errors"]) == ["title"]
        shape = admin.post(f"{BASE}/strategies", json={"title": {"en": "x"}, "from_year": "soon"})
        assert {"title.en", "from_year", "to_year"} <= set(problem(shape, 422)["errors"])


def test_strategy_update_needs_the_current_etag(app, world, as_):
    admin = as_("admin")
    url = f"{BASE}/strategies/{world.strategy_id}"
    etag = admin.get(url).headers["ETag"]
    body = STRATEGY | {"from_year": 2025, "to_year": 2028, "title": {"sv": "Ny titel"}}
    problem(admin.put(url, json=body), 428)
    problem(admin.put(url, json=body, headers={"If-Match": '"stale"'}), 412)
    # The period of an adopted strategy is fixed: a field error, nothing written.
    moved = admin.put(url, json=body | {"to_year": 2030}, headers={"If-Match": etag})
    assert "from_year" in problem(moved, 422)["errors"]
    updated = admin.put(url, json=body, headers={"If-Match": etag})
    assert updated.status_code == 200, updated.get_data(as_text=True)
    assert updated.get_json()["title"] == {"sv": "Ny titel"}
    assert updated.headers["ETag"] != etag
    problem(admin.put(url, json=body, headers={"If-Match": etag}), 412)
    with world.scope():
        assert db.session.get(OwnerStrategy, world.strategy_id).title == {"sv": "Ny titel"}


def test_themes_are_listed(world, as_):
    codes = [t["code"] for t in as_("viewer").get(f"{BASE}/themes").get_json()]
    assert codes[:2] == ["competence_supply", "employment"] and len(codes) == 6


# --- goals -----------------------------------------------------------------------------------


def test_an_owner_representative_creates_a_goal_for_their_owner(app, world, as_):
    vasa = as_("vasa")
    response = vasa.post(f"{BASE}/goals", json=goal_body(world))
    assert response.status_code == 201, response.get_data(as_text=True)
    goal = response.get_json()
    assert goal["status"] == "draft"
    assert goal["proposer"] == {"id": world.org_ids["vasa"], "name": {"sv": "Vasa", "fi": "Vaasa"}}
    assert goal["baseline_value"] == "62.0000" and goal["target_value"] == "75.0000"
    assert goal["milestones"] == [{"year": 2026, "value": "68.0000"}]
    assert goal["theme"]["code"] == "employment"
    assert goal["allowed_transitions"] == ["proposed", "withdrawn"]
    assert response.headers["Location"] == f"{BASE}/goals/{goal['id']}"
    read = as_("viewer").get(response.headers["Location"]).get_json()
    assert read["title"] == GOAL["title"] and read["allowed_transitions"] == []
    # The admin chooses the proposing owner.
    by_admin = as_("admin").post(f"{BASE}/goals", json=goal_body(
        world, proposer_organisation_id=world.org_ids["narpes"]))
    assert by_admin.status_code == 201
    assert by_admin.get_json()["proposer"]["id"] == world.org_ids["narpes"]


def test_a_goal_read_tells_each_reader_what_they_may_do_and_answers_304(world, as_):
    goal_id = new_goal(world)
    url = f"{BASE}/goals/{goal_id}"
    assert as_("vasa").get(url).get_json()["allowed_transitions"] == ["proposed", "withdrawn"]
    assert as_("admin").get(url).get_json()["allowed_transitions"] == ["proposed", "withdrawn"]
    assert as_("korsholm").get(url).get_json()["allowed_transitions"] == []
    etag = as_("viewer").get(url).headers["ETag"]
    again = as_("viewer").get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.headers["ETag"] == etag


@pytest.mark.parametrize("key", ["viewer", "reporter"])
def test_viewers_and_reporters_cannot_create_goals(world, as_, snapshots, key):
    with unchanged(snapshots):
        problem(as_(key).post(f"{BASE}/goals", json=goal_body(world)), 403)


def test_a_representative_cannot_propose_for_another_owner_nor_clients_create(
        app, world, as_, bearer, snapshots):
    headers = bearer()
    with unchanged(snapshots):
        other = as_("vasa").post(f"{BASE}/goals", json=goal_body(
            world, proposer_organisation_id=world.org_ids["korsholm"]))
        assert "proposer_organisation_id" in problem(other, 403)["errors"]
        problem(app.test_client().post(f"{BASE}/goals", json=goal_body(world), headers=headers), 403)


def test_goal_validation_errors_write_nothing(world, as_, snapshots):
    vasa = as_("vasa")
    with unchanged(snapshots):
        wrong_way = vasa.post(f"{BASE}/goals", json=goal_body(world, target_value="50"))
        assert list(problem(wrong_way, 422)["errors"]) == ["target_value"]
        precise = vasa.post(f"{BASE}/goals", json=goal_body(world, baseline_value="62.12345"))
        assert "baseline_value" in problem(precise, 422)["errors"]
        no_theme = vasa.post(f"{BASE}/goals", json=goal_body(world, theme_id=987654))
        assert "theme_id" in problem(no_theme, 422)["errors"]
        milestone = vasa.post(f"{BASE}/goals", json=goal_body(world, milestones=[
            {"year": 2040, "value": "70"}]))
        assert "milestones" in problem(milestone, 422)["errors"]
        shape = vasa.post(f"{BASE}/goals", json={"direction": "sideways", "baseline_value": "many",
                                                 "extra": True})
        errors = problem(shape, 422)["errors"]
        assert {"direction", "baseline_value", "extra", "title", "strategy_id", "target_date"} <= set(errors)


def test_goals_are_listed_with_filters_and_pages(world, as_):
    drafts = [new_goal(world) for _ in range(3)]
    proposed = new_goal(world, status="proposed", by="korsholm")
    economy = world.new_goal(theme_id=world.theme_ids["economy"])
    viewer = as_("viewer")

    def ids(query=""):
        return [g["id"] for g in viewer.get(f"{BASE}/goals?{query}").get_json()]

    assert ids() == [*drafts, proposed, economy]
    assert ids("status=proposed") == [proposed]
    assert ids("status=proposed&status=draft") == [*drafts, proposed, economy]
    assert ids(f"theme_id={world.theme_ids['economy']}") == [economy]
    assert ids(f"strategy_id={world.strategy_id}&status=adopted") == []
    page = viewer.get(f"{BASE}/goals?per_page=2&page=2")
    assert [g["id"] for g in page.get_json()] == drafts[2:] + [proposed]
    assert json.loads(page.headers["X-Pagination"])["total"] == 5
    assert "status.0" in problem(viewer.get(f"{BASE}/goals?status=lost"), 422)["errors"]


def test_goal_update_needs_the_current_etag_and_the_right_role(app, world, as_, snapshots):
    goal_id = new_goal(world)
    url = f"{BASE}/goals/{goal_id}"
    vasa = as_("vasa")
    etag = vasa.get(url).headers["ETag"]
    body = goal_body(world, title={"sv": "Nytt styrmål"})
    problem(vasa.put(url, json=body), 428)
    problem(vasa.put(url, json=body, headers={"If-Match": '"stale"'}), 412)
    with unchanged(snapshots):
        korsholm = as_("korsholm")
        problem(korsholm.put(url, json=body, headers={"If-Match": korsholm.get(url).headers["ETag"]}),
                403)
        viewer = as_("viewer")
        problem(viewer.put(url, json=body, headers={"If-Match": viewer.get(url).headers["ETag"]}), 403)
        bad = vasa.put(url, json=goal_body(world, unit=""), headers={"If-Match": etag})
        assert "unit" in problem(bad, 422)["errors"]
    updated = vasa.put(url, json=body, headers={"If-Match": etag})
    assert updated.status_code == 200, updated.get_data(as_text=True)
    assert updated.get_json()["title"] == {"sv": "Nytt styrmål"}
    assert updated.headers["ETag"] != etag
    problem(vasa.put(url, json=body, headers={"If-Match": etag}), 412)


def test_an_adopted_goal_keeps_its_measure(world, as_, snapshots):
    goal_id = new_goal(world, status="adopted")
    url = f"{BASE}/goals/{goal_id}"
    admin, vasa = as_("admin"), as_("vasa")
    body = goal_body(world, milestones=[])
    with unchanged(snapshots):
        moved = admin.put(url, json=body | {"target_value": "90"},
                          headers={"If-Match": admin.get(url).headers["ETag"]})
        assert "target_value" in problem(moved, 422)["errors"]
        problem(vasa.put(url, json=body | {"title": {"sv": "Annat"}},
                         headers={"If-Match": vasa.get(url).headers["ETag"]}), 403)
    renamed = admin.put(url, json=body | {"title": {"sv": "Bättre titel", "fi": "Parempi otsikko"}},
                        headers={"If-Match": admin.get(url).headers["ETag"]})
    assert renamed.status_code == 200
    assert renamed.get_json()["title"]["fi"] == "Parempi otsikko"
    assert renamed.get_json()["status"] == "adopted"


# --- transitions -----------------------------------------------------------------------------


def test_the_proposer_proposes_and_the_history_is_listed(world, as_):
    goal_id = new_goal(world)
    url = f"{BASE}/goals/{goal_id}/transitions"
    response = as_("vasa").post(url, json={"to": "proposed"})
    assert response.status_code == 201, response.get_data(as_text=True)
    change = response.get_json()
    assert (change["from_status"], change["to_status"]) == ("draft", "proposed")
    assert change["actor"] == world.emails["vasa"]
    history = as_("viewer").get(url).get_json()
    assert [(t["from_status"], t["to_status"]) for t in history] == [(None, "draft"),
                                                                      ("draft", "proposed")]
    assert as_("viewer").get(f"{BASE}/goals/{goal_id}").get_json()["status"] == "proposed"


def test_transitions_refused_by_role_and_lifecycle(app, world, as_, bearer, snapshots):
    goal_id = new_goal(world)
    url = f"{BASE}/goals/{goal_id}/transitions"
    headers = bearer()
    with unchanged(snapshots):
        for key in ("viewer", "reporter", "korsholm"):
            problem(as_(key).post(url, json={"to": "proposed"}), 403)
        problem(app.test_client().post(url, json={"to": "proposed"}, headers=headers), 403)
        # A draft cannot be adopted at all: the lifecycle refuses it before asking who.
        assert "status" in problem(as_("admin").post(url, json={"to": "adopted"}), 409)["errors"]
        assert "status" in problem(as_("vasa").post(url, json={"to": "achieved"}), 409)["errors"]
        assert "to" in problem(as_("vasa").post(url, json={"to": "lost"}), 422)["errors"]
    adopted = new_goal(world, status="adopted")
    with unchanged(snapshots):
        withdraw = as_("admin").post(f"{BASE}/goals/{adopted}/transitions", json={"to": "withdrawn"})
        assert "note" in problem(withdraw, 422)["errors"]
    done = as_("admin").post(f"{BASE}/goals/{adopted}/transitions",
                             json={"to": "withdrawn", "note": "Ägarsamrådet 2026-05-04 § 7"})
    assert done.status_code == 201 and done.get_json()["note"] == "Ägarsamrådet 2026-05-04 § 7"


def test_only_a_decision_adopts_a_goal(world, as_):
    goal_id = new_goal(world, status="proposed")
    for key in ("admin", "vasa"):
        body = problem(as_(key).post(f"{BASE}/goals/{goal_id}/transitions", json={"to": "adopted"}),
                       403)
        assert list(body["errors"]) == ["status"] and body["errors"]["status"][0]


# --- meetings and votes ----------------------------------------------------------------------


def test_a_meeting_shows_votes_per_owner_and_the_decision_with_its_arithmetic(world, as_):
    goal_id = new_goal(world, status="proposed")
    meeting_id = world.meeting()
    item_id = world.agenda(meeting_id, goal_id)
    world.vote(item_id, "vasa", "yes")
    world.vote(item_id, "korsholm", "yes")
    world.vote(item_id, "narpes", "no")
    viewer = as_("viewer")
    meeting = viewer.get(f"{BASE}/meetings/{meeting_id}").get_json()
    assert meeting["meeting_date"] == "2025-05-12" and meeting["item_count"] == 1
    item = meeting["items"][0]
    assert item["outcome"] == "adopted" and item["goal"]["id"] == goal_id
    assert item["goal"]["status"] == "adopted"
    assert [(v["organisation"]["name"]["sv"], v["share"], v["choice"]) for v in item["votes"]] == [
        ("Vasa", "45.00", "yes"), ("Korsholm", "30.00", "yes"), ("Närpes", "25.00", "no")]
    assert all(v["cast_at"] for v in item["votes"])
    decision = item["decision"]
    assert decision["rule"] == "majority_represented" and decision["result"] == "adopted"
    assert (decision["shares_for"], decision["shares_against"], decision["shares_represented"],
            decision["shares_total"]) == ("75.00", "25.00", "100.00", "100.00")
    assert decision["threshold"] == "50.00" and decision["comparison"] == "more_than"
    assert decision["arithmetic"] == "75.00 > 100.00 / 2 = 50.00"
    assert viewer.get(f"{BASE}/meetings/{meeting_id}/items/{item_id}").get_json() == item
    goal = viewer.get(f"{BASE}/goals/{goal_id}").get_json()
    assert goal["adopted_decision_id"] == decision["id"]
    listing = viewer.get(f"{BASE}/meetings")
    assert [(m["id"], m["item_count"]) for m in listing.get_json()] == [(meeting_id, 1)]
    assert json.loads(listing.headers["X-Pagination"])["total"] == 1


def test_a_qualified_majority_decision_shows_absent_owners(world, as_):
    world.set_rule(decision_rule="qualified_all", qualified_fraction="2/3")
    goal_id = new_goal(world, status="proposed")
    meeting_id = world.meeting()
    item_id = world.agenda(meeting_id, goal_id)
    world.vote(item_id, "vasa", "yes")
    world.vote(item_id, "narpes", "abstain")
    with world.scope():
        svc.decide_item(world.tenant, world.p("admin"), world.item(item_id))
        db.session.commit()
    item = as_("viewer").get(f"{BASE}/meetings/{meeting_id}/items/{item_id}").get_json()
    assert [v["choice"] for v in item["votes"]] == ["yes", "absent", "abstain"]
    decision = item["decision"]
    assert decision["result"] == "rejected" and decision["qualified_fraction"] == "2/3"
    assert decision["threshold"] == "66.67" and decision["comparison"] == "at_least"
    assert decision["arithmetic"] == "45.00 < 100.00 * 2/3 = 66.67; 45.00 > 0.00"
    assert decision["shares_absent"] == "30.00"


def test_owner_representatives_vote_for_their_own_owner(world, as_, snapshots):
    goal_id = new_goal(world, status="proposed")
    meeting_id = world.meeting()
    item_id = world.agenda(meeting_id, goal_id)
    url = f"{BASE}/meetings/{meeting_id}/items/{item_id}/votes"
    response = as_("korsholm").post(url, json={"choice": "no"})
    assert response.status_code == 201, response.get_data(as_text=True)
    item = response.get_json()
    assert response.headers["Location"] == f"{BASE}/meetings/{meeting_id}/items/{item_id}"
    assert item["outcome"] == "pending" and item["decision"] is None
    assert {v["organisation"]["id"]: v["choice"] for v in item["votes"]} == {
        world.org_ids["vasa"]: None, world.org_ids["korsholm"]: "no", world.org_ids["narpes"]: None}
    with unchanged(snapshots):
        # Naming another owner is not possible: the body has the choice only.
        other = as_("vasa").post(url, json={"choice": "yes",
                                            "organisation_id": world.org_ids["narpes"]})
        assert "organisation_id" in problem(other, 422)["errors"]
        assert "choice" in problem(as_("vasa").post(url, json={"choice": "maybe"}), 422)["errors"]
        # A second representative of Korsholm cannot vote again for it.
        problem(as_("korsholm").post(url, json={"choice": "yes"}), 409)
    as_("vasa").post(url, json={"choice": "yes"})
    with unchanged(snapshots):
        problem(as_("vasa2").post(url, json={"choice": "yes"}), 409)
    last = as_("narpes").post(url, json={"choice": "yes"})
    assert last.status_code == 201
    decided = last.get_json()
    assert decided["outcome"] == "adopted" and decided["decision"]["shares_for"] == "70.00"
    with unchanged(snapshots):
        problem(as_("vasa").post(url, json={"choice": "no"}), 409)
    with world.scope():
        votes = db.session.scalars(select(Vote).order_by(Vote.id)).all()
        assert [(v.organisation_id, v.choice) for v in votes][-3:] == [
            (world.org_ids["korsholm"], "no"), (world.org_ids["vasa"], "yes"),
            (world.org_ids["narpes"], "yes")]


def test_others_cannot_vote(app, world, as_, bearer, snapshots):
    goal_id = new_goal(world, status="proposed")
    meeting_id = world.meeting()
    item_id = world.agenda(meeting_id, goal_id)
    url = f"{BASE}/meetings/{meeting_id}/items/{item_id}/votes"
    headers = bearer()
    other_meeting = world.meeting(date(2025, 9, 1))
    with unchanged(snapshots):
        for key in ("reporter", "viewer", "admin"):
            problem(as_(key).post(url, json={"choice": "yes"}), 403)
        problem(app.test_client().post(url, json={"choice": "yes"}, headers=headers), 403)
        # Malax represents a municipality with no share.
        assert "choice" in problem(as_("malax").post(url, json={"choice": "yes"}), 403)["errors"]
        problem(as_("vasa").post(f"{BASE}/meetings/{other_meeting}/items/{item_id}/votes",
                                 json={"choice": "yes"}), 404)


# --- progress --------------------------------------------------------------------------------


def test_the_provider_reports_progress_and_sees_the_status(world, as_):
    goal_id = new_goal(world, status="adopted")
    url = f"{BASE}/goals/{goal_id}/progress"
    response = as_("reporter").post(url, json={
        "period_label": "2025", "period_date": "2025-12-31", "value": "66",
        "narrative": {"sv": "Bättre", "fi": "Parempi"}})
    assert response.status_code == 201, response.get_data(as_text=True)
    report = response.get_json()
    # 62 -> 75 by 2028-12-31: 66 is 4/13 of the way; the trajectory expects 730/1826 of it.
    assert (report["value"], report["progress"], report["expected"], report["trajectory_value"],
            report["gap"], report["status"]) == ("66.0000", "30.77", "39.98", "67.1972", "9.21",
                                                 "at_risk")
    assert report["reporter"] == world.emails["reporter"]
    assert response.headers["Location"] == f"{url}/{report['id']}"
    assert as_("viewer").get(response.headers["Location"]).get_json() == report
    as_("reporter").post(url, json={"period_label": "2026", "period_date": "2026-06-30",
                                    "value": "72"})
    listing = as_("vasa").get(url).get_json()
    assert [(r["period_label"], r["status"]) for r in listing] == [("2025", "at_risk"),
                                                                   ("2026", "on_track")]


def test_the_providers_api_client_reports_with_the_report_scope(app, world, bearer, snapshots):
    goal_id = new_goal(world, status="adopted")
    url = f"{BASE}/goals/{goal_id}/progress"
    body = {"period_label": "2025", "period_date": "2025-12-31", "value": 66.5}
    refused = [bearer("read"), bearer(organisation=None), bearer(organisation="vasa")]
    with unchanged(snapshots):
        for headers in refused:  # no report scope; a client of no one; of an owner
            problem(app.test_client().post(url, json=body, headers=headers), 403)
    response = app.test_client().post(url, json=body, headers=bearer())
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json()["value"] == "66.5000"
    assert response.get_json()["reporter"].startswith("api-client:")


@pytest.mark.parametrize("key", ["viewer", "vasa", "admin"])
def test_only_the_provider_reports_progress(world, as_, snapshots, key):
    goal_id = new_goal(world, status="adopted")
    with unchanged(snapshots):
        problem(as_(key).post(f"{BASE}/goals/{goal_id}/progress", json={
            "period_label": "2025", "period_date": "2025-12-31", "value": "66"}), 403)


def test_progress_validation_and_conflicts_write_nothing(world, as_, snapshots):
    goal_id = new_goal(world, status="adopted")
    draft = new_goal(world)
    url = f"{BASE}/goals/{goal_id}/progress"
    reporter = as_("reporter")
    good = {"period_label": "2025", "period_date": "2025-12-31", "value": "66"}
    reporter.post(url, json=good)
    with unchanged(snapshots):
        assert "period_label" in problem(reporter.post(url, json=good), 409)["errors"]
        future = reporter.post(url, json=good | {"period_label": "2099", "period_date": "2099-01-01"})
        assert "period_date" in problem(future, 422)["errors"]
        assert "value" in problem(reporter.post(url, json=good | {"value": "lots"}), 422)["errors"]
        assert "goal_id" in problem(reporter.post(f"{BASE}/goals/{draft}/progress", json=good),
                                    409)["errors"]
        problem(reporter.post(f"{BASE}/goals/987654/progress", json=good), 404)
    with world.scope():
        assert db.session.scalar(select(ProgressReport.period_label)) == "2025"
        assert db.session.get(SteeringGoal, goal_id).status == "adopted"
