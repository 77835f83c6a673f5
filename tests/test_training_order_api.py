"""Training order API: create, send, list and read (purchasers and admins manage; viewers read),
a provider's API client sees only the orders sent to it and only its own offers and offers on
them, choosing and starting with the lead time, problems (403, 404, 409, 422) and the OpenAPI
document with examples."""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

import pytest

from tests.test_training_orders import OrderWorld

TODAY = date.today()
PROBLEM = "application/problem+json"


class ApiWorld(OrderWorld):
    def __init__(self, app, factory, sign_in, slug: str = "falun"):
        super().__init__(app, factory, slug)
        self.factory, self.sign_in = factory, sign_in
        self._clients = {}
        self.base = f"/api/v1/t/{slug}/training-orders"

    def client(self, key: str):
        if key not in self._clients:
            client = self.app.test_client()
            self.sign_in(client, self.emails[key])
            self._clients[key] = client
        return self._clients[key]

    def bearer(self, org: str, scope: str = "read report") -> dict:
        client, _secret = self.factory.api_client(
            self._tenant, organisation=SimpleNamespace(id=self.org[org]),
            scopes=("read", "report"))
        return {"Authorization": f"Bearer {self.factory.api_token(client, scope=scope)[1]}"}


@pytest.fixture
def world(app, factory, sign_in_as) -> ApiWorld:
    return ApiWorld(app, factory, sign_in_as)


def problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    return response.get_json()


def order_body(world, **overrides) -> dict:
    body = {"employer_id": world.org["employer"], "competence": "Undersköterska",
            "programme_area": "industry", "people": 10, "place": "Falu lasarett",
            "need_registered_on": (TODAY - timedelta(days=40)).isoformat(),
            "specification": {"sv": "Vård och omsorg med praktik."}}
    body.update(overrides)
    return body


def test_the_whole_flow_through_the_api(app, world):
    purchaser = world.client("purchaser")
    problem(world.client("viewer").post(world.base, json=order_body(world)), 403)
    problem(purchaser.post(world.base, json=order_body(world, people=0)), 422)
    created = purchaser.post(world.base, json=order_body(world))
    assert created.status_code == 201, created.get_json()
    order = created.get_json()
    assert order["status"] == "draft" and created.headers["Location"].endswith(f"/{order['id']}")
    url = f"{world.base}/{order['id']}"
    problem(purchaser.post(f"{url}/send", json={}), 422)
    sent = purchaser.post(f"{url}/send", json={"answer_by": (TODAY + timedelta(days=5)).isoformat()})
    assert sent.status_code == 200 and sent.get_json()["status"] == "sent"
    problem(purchaser.post(f"{url}/send", json={"answer_by": TODAY.isoformat()}), 409)

    p1 = world.bearer("p1")
    offer = {"planned_start_on": (TODAY - timedelta(days=5)).isoformat(), "places": 10,
             "price": "250000.00", "description": "Åtta veckor"}
    made = world.client("p1").post(f"{url}/offers", json=offer)
    assert made.status_code == 201, made.get_json()
    problem(app.test_client().post(f"{url}/offers", json=offer, headers=p1), 409)
    p2_offer = app.test_client().post(f"{url}/offers", json={**offer, "price": "199000"},
                                      headers=world.bearer("p2"))
    assert p2_offer.status_code == 201
    mine = app.test_client().get(f"{url}/offers", headers=p1).get_json()
    assert [o["organisation"]["id"] for o in mine] == [world.org["p1"]]
    assert len(purchaser.get(f"{url}/offers").get_json()) == 2

    problem(app.test_client().post(f"{url}/choose", json={"offer_id": made.get_json()["id"]},
                                   headers=p1), 403)
    chosen = purchaser.post(f"{url}/choose", json={"offer_id": made.get_json()["id"]})
    assert chosen.status_code == 200 and chosen.get_json()["status"] == "chosen"
    started = purchaser.post(f"{url}/start", json={"started_on": TODAY.isoformat()})
    body = started.get_json()
    assert body["status"] == "started" and body["lead_time_days"] == 40
    assert body["lead_time_class"] == "within"
    read = purchaser.get(url)
    assert read.status_code == 200 and read.headers.get("ETag")


def test_a_provider_sees_only_orders_sent_to_it(app, world):
    sent = world.order()
    draft = world.order(send=False)
    childcare = world.order(programme_area="childcare")
    client = app.test_client()
    p1 = world.bearer("p1", scope="read")
    listed = client.get(world.base, headers=p1)
    assert listed.status_code == 200
    assert [o["id"] for o in listed.get_json()] == [sent]
    assert "X-Pagination" in listed.headers
    problem(client.get(f"{world.base}/{draft}", headers=p1), 404)
    problem(client.get(f"{world.base}/{childcare}/offers", headers=p1), 404)
    problem(client.post(f"{world.base}/{sent}/offers", headers=p1, json={
        "planned_start_on": TODAY.isoformat(), "places": 1, "price": "1"}), 403)  # scope
    viewer = world.client("viewer").get(world.base + "?status=draft").get_json()
    assert [o["id"] for o in viewer] == [draft]


def test_another_tenant_gets_a_404(app, factory, sign_in_as, world):
    order_id = world.order()
    other = ApiWorld(app, factory, sign_in_as, slug="borlange")
    problem(other.client("purchaser").get(f"{other.base}/{order_id}"), 404)
    problem(other.client("purchaser").post(f"{other.base}/{order_id}/start",
                                           json={"started_on": TODAY.isoformat()}), 404)


def test_the_openapi_document_describes_the_routes_with_examples(app):
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    paths = [p for p in spec["paths"] if "/training-orders" in p]
    assert len(paths) >= 6
    create = spec["paths"]["/api/v1/t/{slug}/training-orders"]["post"]
    assert create["requestBody"]["content"]["application/json"]["example"]["competence"]
    assert any(tag["name"] == "Training orders" for tag in spec["tags"])
