"""Authorisation API: the register (public data only) and the criteria; a provider's reporter
or API client creating, answering (If-Match) and submitting its own application; the
purchaser (a person) assessing and deciding; visibility (a provider sees only its own, another
tenant's ids are 404), scopes and roles (viewers and API clients cannot assess or decide), the
problems of refused changes, and the OpenAPI document with examples."""

from __future__ import annotations

import io
from datetime import date, timedelta
from types import SimpleNamespace

import pytest

from samverkan.partnership.services import authorisation as svc
from samverkan.platform.db import db
from tests.test_authorisation import World

PROBLEM = "application/problem+json"
TODAY = date.today()


class ApiWorld(World):
    def __init__(self, app, factory, sign_in, slug: str = "falun"):
        super().__init__(app, factory, slug)
        self.factory, self.sign_in, self.slug = factory, sign_in, slug
        self._clients = {}

    def client(self, key: str):
        if key not in self._clients:
            client = self.app.test_client()
            self.sign_in(client, self.emails[key])
            self._clients[key] = client
        return self._clients[key]

    def url(self, path: str = "") -> str:
        return f"/api/v1/t/{self.slug}/authorisation{path}"

    def bearer(self, org: str | None = "p1", scope: str = "read report") -> dict:
        organisation = SimpleNamespace(id=self.org[org]) if org else None
        client, _secret = self.factory.api_client(self._tenant, organisation=organisation,
                                                  scopes=("read", "report"))
        return {"Authorization": f"Bearer {self.factory.api_token(client, scope=scope)[1]}"}


@pytest.fixture
def world(app, factory, sign_in_as) -> ApiWorld:
    world = ApiWorld(app, factory, sign_in_as)
    world.criteria("K1", "K2")
    return world


def problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    return response.get_json()


def test_a_provider_client_creates_answers_and_submits_its_application(app, world):
    bearer = world.bearer("p1")
    anonymous = app.test_client()
    response = anonymous.post(world.url("/applications"), json={}, headers=bearer)
    assert response.status_code == 201, response.get_json()
    draft = response.get_json()
    assert draft["status"] == "draft" and draft["organisation"]["id"] == world.org["p1"]
    assert [a["criterion"]["code"] for a in draft["answers"]] == ["K1", "K2"]
    assert draft["answers"][0]["criterion"]["evidence"] == {"sv": "Intyg"}
    url = response.headers["Location"]
    problem(anonymous.post(world.url("/applications"), json={"organisation_id": world.org["p2"]},
                           headers=bearer), 403)
    read = anonymous.get(url, headers=bearer)
    etag = read.headers["ETag"]
    problem(anonymous.put(f"{url}/answers", json={"answers": {"K1": "Ja"}}, headers=bearer), 428)
    problem(anonymous.put(f"{url}/answers", json={"answers": {"K1": "Ja"}},
                          headers={**bearer, "If-Match": '"stale"'}), 412)
    body = problem(anonymous.put(f"{url}/answers", json={"answers": {"K9": "Ja"}},
                                 headers={**bearer, "If-Match": etag}), 422)
    assert "K9" in body["errors"]["answers"][0]
    saved = anonymous.put(f"{url}/answers", json={"answers": {"K1": "Ja"}},
                          headers={**bearer, "If-Match": etag})
    assert saved.status_code == 200 and saved.get_json()["answers"][0]["answer"] == "Ja"
    body = problem(anonymous.post(f"{url}/submit", json={}, headers=bearer), 422)
    assert "K2" in body["detail"]
    submitted = anonymous.post(f"{url}/submit", json={"answers": {"K2": "Examen"}},
                               headers=bearer)
    assert submitted.status_code == 200 and submitted.get_json()["status"] == "submitted"
    problem(anonymous.post(f"{url}/submit", json={}, headers=bearer), 409)
    read_only = world.bearer("p1", scope="read")
    problem(anonymous.post(world.url("/applications"), json={}, headers=read_only), 403)
    assert "partnership.application_submitted" in world.actions()


def test_providers_see_only_their_own_applications(app, world):
    own, other = world.application("p1", "p1"), world.application("p2", "p2")
    listing = world.client("p1").get(world.url("/applications"))
    assert [a["id"] for a in listing.get_json()] == [own]
    assert "X-Pagination" in listing.headers
    problem(world.client("p1").get(world.url(f"/applications/{other}")), 404)
    client_listing = app.test_client().get(world.url("/applications"),
                                           headers=world.bearer("p2"))
    assert [a["id"] for a in client_listing.get_json()] == [other]
    everything = world.client("viewer").get(world.url("/applications"))
    assert sorted(a["id"] for a in everything.get_json()) == sorted([own, other])
    filtered = world.client("purchaser").get(
        world.url(f"/applications?organisation_id={world.org['p2']}"))
    assert [a["id"] for a in filtered.get_json()] == [other]
    assert world.client("purchaser").get(world.url("/applications?status=approved")).get_json() == []
    problem(world.client("viewer").post(world.url("/applications"),
                                        json={"organisation_id": world.org["p1"]}), 403)


def test_the_purchaser_assesses_and_decides_and_clients_cannot(app, world):
    application_id = world.application()
    url = world.url(f"/applications/{application_id}")
    purchaser = world.client("purchaser")
    decision = {"decision": "approve", "programme_areas": ["sfi"],
                "valid_from": TODAY.isoformat(),
                "valid_to": (TODAY + timedelta(days=365)).isoformat()}
    problem(purchaser.post(f"{url}/assessments", json={"criterion": "K1",
                                                       "assessment": "met"}), 409)
    world.answer_all(application_id)
    for headers, client in ((world.bearer(None), app.test_client()),
                            (world.bearer("p1"), app.test_client()), ({}, world.client("viewer")),
                            ({}, world.client("p1"))):
        problem(client.post(f"{url}/assessments", json={"criterion": "K1", "assessment": "met"},
                            headers=headers), 403)
        problem(client.post(f"{url}/decision", json=decision, headers=headers), 403)
    body = problem(purchaser.post(f"{url}/assessments", json={"criterion": "K1",
                                                              "assessment": "not_met"}), 422)
    assert "comment" in body["errors"]
    problem(purchaser.post(f"{url}/assessments", json={"criterion": "K9",
                                                       "assessment": "met"}), 422)
    body = problem(purchaser.post(f"{url}/decision", json=decision), 422)
    assert "decision" in body["errors"]
    for code in ("K1", "K2"):
        response = purchaser.post(f"{url}/assessments", json={"criterion": code,
                                                              "assessment": "met"})
        assert response.status_code == 200
    problem(purchaser.post(f"{url}/decision", json={**decision, "programme_areas": ["space"]}),
            422)
    approved = purchaser.post(f"{url}/decision", json=decision)
    assert approved.status_code == 200, approved.get_json()
    data = approved.get_json()
    assert data["status"] == "approved" and data["programme_areas"] == ["sfi"]
    assert data["next_recheck_on"] == svc.add_months(TODAY, 12).isoformat()
    problem(purchaser.post(f"{url}/decision", json=decision), 409)
    register = world.client("p2").get(world.url("/register")).get_json()
    assert register == [{"provider": {"sv": "Lärande AB", "fi": "Oppiminen Oy"},
                         "programme_areas": ["sfi"],
                         "valid_to": (TODAY + timedelta(days=365)).isoformat()}]


def test_a_rejection_needs_reasons(world):
    application_id = world.application()
    world.answer_all(application_id)
    url = world.url(f"/applications/{application_id}/decision")
    admin = world.client("admin")
    body = problem(admin.post(url, json={"decision": "reject"}), 422)
    assert "decision_reasons" in body["errors"]
    response = admin.post(url, json={"decision": "reject", "reasons": {"sv": "Saknar intyg"}})
    assert response.status_code == 200 and response.get_json()["status"] == "rejected"


def test_criteria_and_attachments_are_read(app, world):
    with world.scope():
        criterion = next(c for c in svc.criteria_of(world.tenant) if c.code == "K2")
        svc.set_criterion_active(world.tenant, world.p("purchaser"), criterion, False)
        db.session.commit()
    assert [c["code"] for c in world.client("p1").get(world.url("/criteria")).get_json()] == ["K1"]
    every = world.client("purchaser").get(world.url("/criteria")).get_json()
    assert [(c["code"], c["active"]) for c in every] == [("K1", True), ("K2", False)]
    application_id = world.application()
    page = f"/t/{world.slug}/partnership/authorisation/applications/{application_id}/attachments"
    with world.scope():
        answer_id = world.app_(application_id).answers[0].id
    world.client("p1").post(page, data={"answer_id": str(answer_id),
                                        "file": (io.BytesIO(b"%PDF-1.4\n"), "intyg.pdf")},
                            content_type="multipart/form-data")
    detail = world.client("viewer").get(world.url(f"/applications/{application_id}")).get_json()
    [attachment] = detail["answers"][0]["attachments"]
    assert attachment["filename"] == "intyg.pdf" and attachment["size"] == 9


def test_other_tenants_and_the_unauthenticated_are_refused(app, factory, sign_in_as, world):
    other = ApiWorld(app, factory, sign_in_as, slug="borlange")
    other.criteria("K1")
    foreign = other.application()
    purchaser = world.client("purchaser")
    problem(purchaser.get(world.url(f"/applications/{foreign}")), 404)
    problem(purchaser.post(world.url(f"/applications/{foreign}/assessments"),
                           json={"criterion": "K1", "assessment": "met"}), 404)
    problem(purchaser.get(other.url("/applications")), 404)
    problem(app.test_client().get(world.url("/register")), 401)


def test_the_openapi_document_describes_the_authorisation_api(app):
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    paths = {p for p in spec["paths"] if "/authorisation/" in p}
    assert "/api/v1/t/{slug}/authorisation/applications/{application_id}/decision" in paths
    assert len(paths) == 8
    create = spec["paths"]["/api/v1/t/{slug}/authorisation/applications"]["post"]
    assert create["requestBody"]["content"]["application/json"]["example"] == {
        "organisation_id": 4}
    assert "example" in create["responses"]["201"]["content"]["application/json"]
    assert any(tag["name"] == "Authorisation of providers" for tag in spec["tags"])
