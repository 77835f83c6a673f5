"""Spot-check API: listing and reading spot checks with items, findings and actions (a provider
sees only its own), drawing (purchasers and admins; validation problems), recording a finding
with If-Match, creating a corrective action after a finding, listing actions with filters,
closing (a provider's client for its provider-owned action), other tenants' ids 404, and the
OpenAPI document with examples."""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

import pytest

from tests.test_spot_check_service import SpotWorld

PROBLEM = "application/problem+json"
TODAY = date.today()


class ApiWorld(SpotWorld):
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
        return f"/api/v1/t/{self.slug}{path}"

    def bearer(self, org: str | None = "p1", scope: str = "read report") -> dict:
        organisation = SimpleNamespace(id=self.org[org]) if org else None
        client, _secret = self.factory.api_client(self._tenant, organisation=organisation,
                                                  scopes=("read", "report"))
        return {"Authorization": f"Bearer {self.factory.api_token(client, scope=scope)[1]}"}


@pytest.fixture
def world(app, factory, sign_in_as) -> ApiWorld:
    return ApiWorld(app, factory, sign_in_as)


def problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    return response.get_json()


DRAW = {"population_kind": "enrolments", "period_start": "2025-01-01",
        "period_end": "2025-06-30", "sample_count": 3, "seed": "falun-api"}


def test_drawing_reading_assessing_and_actions(app, world):
    purchaser = world.client("purchaser")
    body = problem(purchaser.post(world.url("/spot-checks"), json={
        **DRAW, "organisation_id": world.org["p1"], "sample_percent": "5"}), 422)
    assert "sample_count" in body["errors"]
    problem(world.client("viewer").post(world.url("/spot-checks"), json={
        **DRAW, "organisation_id": world.org["p1"]}), 403)
    response = purchaser.post(world.url("/spot-checks"),
                              json={**DRAW, "organisation_id": world.org["p1"]})
    assert response.status_code == 201, response.get_data(as_text=True)
    created = response.get_json()
    assert created["seed"] == "falun-api" and created["population_size"] == 20
    assert len(created["population_refs"]) == 20 and [i["rank"] for i in created["items"]] == [
        1, 2, 3]
    assert created["counts"] == {"pending": 3, "no_remark": 0, "finding": 0}
    url = response.headers["Location"]
    item = created["items"][0]
    item_url = f"{url}/items/{item['id']}"
    problem(purchaser.put(item_url, json={"status": "finding", "finding": "Saknas"}), 428)
    etag = purchaser.get(item_url).headers["ETag"]
    problem(purchaser.put(item_url, json={"status": "finding", "finding": "Saknas"},
                          headers={"If-Match": '"stale"'}), 412)
    body = problem(purchaser.put(item_url, json={"status": "finding", "finding": ""},
                                 headers={"If-Match": etag}), 422)
    assert "finding" in body["errors"]
    response = purchaser.put(item_url, json={"status": "finding", "finding": "Saknas"},
                             headers={"If-Match": etag})
    assert response.status_code == 200 and response.get_json()["status"] == "finding"
    other_item = created["items"][1]["id"]
    problem(purchaser.post(world.url("/actions"), json={
        "source_kind": "spot_check", "source_id": other_item, "description": "X",
        "owner": "Y", "owner_party": "provider", "due_on": TODAY.isoformat()}), 409)
    response = purchaser.post(world.url("/actions"), json={
        "source_kind": "spot_check", "source_id": item["id"], "description": "Rätta närvaron",
        "owner": "Rektor", "owner_party": "provider",
        "due_on": (TODAY - timedelta(days=1)).isoformat()})
    assert response.status_code == 201, response.get_data(as_text=True)
    action = response.get_json()
    assert action["overdue"] is True and action["organisation_id"] == world.org["p1"]
    detail = purchaser.get(url).get_json()
    assert detail["items"][0]["actions"][0]["id"] == action["id"]
    listed = purchaser.get(world.url("/actions?state=overdue")).get_json()
    assert [a["id"] for a in listed] == [action["id"]]
    assert purchaser.get(world.url("/actions?state=closed")).get_json() == []

    # the provider's client reads its own and closes its provider-owned action
    bearer = world.bearer("p1")
    client = app.test_client()
    assert [s["id"] for s in client.get(world.url("/spot-checks"), headers=bearer)
            .get_json()] == [created["id"]]
    problem(client.post(world.url(f"/actions/{action['id']}/close"), json={
        "closing_note": "Klart"}, headers=world.bearer("p1", scope="read")), 403)
    response = client.post(world.url(f"/actions/{action['id']}/close"),
                           json={"closing_note": "Närvaron rättad"}, headers=bearer)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["status"] == "closed"
    problem(client.post(world.url(f"/actions/{action['id']}/close"),
                        json={"closing_note": "Igen"}, headers=bearer), 409)
    # a provider-owned finding of another provider is not found for p2
    p2 = world.bearer("p2")
    problem(client.get(url, headers=p2), 404)
    problem(client.get(world.url(f"/actions/{action['id']}"), headers=p2), 404)
    assert client.get(world.url("/actions"), headers=p2).get_json() == []


def test_listing_filters_and_pagination(world):
    world.spot_check(org="p1")
    world.spot_check(org="p2", count=1)
    purchaser = world.client("purchaser")
    response = purchaser.get(world.url(f"/spot-checks?organisation_id={world.org['p2']}"))
    assert [s["organisation_id"] for s in response.get_json()] == [world.org["p2"]]
    response = purchaser.get(world.url("/spot-checks?per_page=1"))
    assert len(response.get_json()) == 1 and "X-Pagination" in response.headers
    assert world.client("p1").get(world.url("/spot-checks")).get_json()[0][
        "organisation_id"] == world.org["p1"]


def test_other_tenants_ids_are_not_found(app, factory, sign_in_as, world):
    other = ApiWorld(app, factory, sign_in_as, slug="borlange")
    foreign = other.spot_check()
    purchaser = world.client("purchaser")
    problem(purchaser.get(world.url(f"/spot-checks/{foreign}")), 404)
    problem(purchaser.get(other.url("/spot-checks")), 404)
    problem(app.test_client().get(world.url("/spot-checks")), 401)


def test_the_openapi_document_describes_the_spot_check_api(app):
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    paths = {p for p in spec["paths"] if "/spot-checks" in p or p.endswith("/actions")
             or "/actions/" in p}
    assert "/api/v1/t/{slug}/spot-checks/{spot_check_id}/items/{sample_id}" in paths
    assert "/api/v1/t/{slug}/actions/{action_id}/close" in paths
    draw = spec["paths"]["/api/v1/t/{slug}/spot-checks"]["post"]
    assert draw["requestBody"]["content"]["application/json"]["example"]["sample_percent"] == "10"
    assert "example" in draw["responses"]["201"]["content"]["application/json"]
    assert any(tag["name"] == "Spot checks" for tag in spec["tags"])
