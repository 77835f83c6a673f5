"""Training order pages: the list (status filter, sorting, pages; a provider sees only the
orders sent to it), a new order by the purchaser (with validation), sending with confirmation,
a provider's offer and its withdrawal, the side-by-side comparison and the confirmed choice,
recording the start (lead time in text), cancelling with a reason, the lead-times page (chart
and table), refusals by role (403) and other tenants' or providers' objects (404)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from samverkan.partnership.training_order_models import TrainingOffer, TrainingOrder
from samverkan.platform.db import db
from tests.test_training_orders import OrderWorld

TODAY = date.today()


class PageWorld(OrderWorld):
    def __init__(self, app, factory, sign_in, slug: str = "falun"):
        super().__init__(app, factory, slug)
        self.slug, self.sign_in = slug, sign_in
        self._clients = {}

    def client(self, key: str):
        if key not in self._clients:
            client = self.app.test_client()
            self.sign_in(client, self.emails[key])
            self._clients[key] = client
        return self._clients[key]

    def url(self, path: str = "") -> str:
        return f"/t/{self.slug}/partnership/training-orders{path}"


@pytest.fixture
def world(app, factory, sign_in_as) -> PageWorld:
    return PageWorld(app, factory, sign_in_as)


def text(response) -> str:
    return response.get_data(as_text=True)


def order_form(world, **overrides) -> dict:
    form = {"employer_id": str(world.org["employer"]), "competence": "Svetsare",
            "programme_area": "industry", "people": "5", "place": "Falun",
            "wanted_start_on": (TODAY + timedelta(days=30)).isoformat(),
            "need_registered_on": TODAY.isoformat(), "specification-sv": "MIG/MAG-svetsning"}
    form.update(overrides)
    return form


def test_the_purchaser_writes_and_sends_an_order(world):
    purchaser = world.client("purchaser")
    page = purchaser.get(world.url())
    assert page.status_code == 200 and "There are no training orders yet." in text(page)
    assert "Training orders" in text(page)
    bad = purchaser.post(world.url("/new"), data=order_form(world, competence="", people="0"))
    assert bad.status_code == 400 and "Please correct the following" in text(bad)
    response = purchaser.post(world.url("/new"), data=order_form(world))
    assert response.status_code == 302
    with world.scope():
        order = db.session.query(TrainingOrder).one()
        order_id = order.id
        assert order.status == "draft" and order.specification == {"sv": "MIG/MAG-svetsning"}
    confirm = purchaser.get(world.url(f"/{order_id}/send"))
    assert "Lärande AB" in text(confirm) and "Yrkesskolan" in text(confirm)
    unconfirmed = purchaser.post(world.url(f"/{order_id}/send"),
                                 data={"answer_by": (TODAY + timedelta(days=7)).isoformat()})
    assert unconfirmed.status_code == 400
    sent = purchaser.post(world.url(f"/{order_id}/send"), data={
        "answer_by": (TODAY + timedelta(days=7)).isoformat(), "confirm": "y"})
    assert sent.status_code == 302
    with world.scope():
        assert world.get(order_id).status == "sent"
    assert purchaser.post(world.url(f"/{order_id}/send"), data={
        "answer_by": TODAY.isoformat(), "confirm": "y"}).status_code == 409


def test_roles_and_visibility(world):
    sent = world.order()
    draft = world.order(send=False, competence="Utkastet")
    viewer, p1 = world.client("viewer"), world.client("p1")
    assert viewer.get(world.url(f"/{draft}")).status_code == 200
    for path in ("/new", f"/{draft}/edit", f"/{draft}/send", f"/{sent}/cancel"):
        assert viewer.get(world.url(path)).status_code == 403, path
        assert p1.get(world.url(path)).status_code in (403, 404), path
    listing = text(p1.get(world.url()))
    assert "CNC-operatör" in listing and "Utkastet" not in listing
    assert p1.get(world.url(f"/{draft}")).status_code == 404
    assert p1.get(world.url("/lead-times")).status_code == 403
    assert viewer.get(world.url(f"/{sent}/offers/new")).status_code == 403


def test_a_provider_offers_and_sees_only_its_own_offer(world):
    order_id = world.order()
    world.offer(order_id, "p2", price="99000")
    p1 = world.client("p1")
    form = p1.get(world.url(f"/{order_id}/offers/new"))
    assert form.status_code == 200 and "Yrkesskolan" not in text(form)
    bad = p1.post(world.url(f"/{order_id}/offers/new"), data={
        "organisation_id": str(world.org["p1"]), "planned_start_on": "", "places": "3",
        "price": "abc"})
    assert bad.status_code == 400
    ok = p1.post(world.url(f"/{order_id}/offers/new"), data={
        "organisation_id": str(world.org["p1"]),
        "planned_start_on": (TODAY + timedelta(days=20)).isoformat(), "places": "5",
        "price": "150000", "description": "Kvällar"})
    assert ok.status_code == 302
    page = text(p1.get(world.url(f"/{order_id}")))
    assert "Kvällar" in page and "99" not in page.split('id="offers"')[1].split("</section>")[0]
    with world.scope():
        mine = db.session.query(TrainingOffer).filter_by(
            organisation_id=world.org["p1"]).one().id
        theirs = db.session.query(TrainingOffer).filter_by(
            organisation_id=world.org["p2"]).one().id
    assert p1.get(world.url(f"/{order_id}/offers/{theirs}/withdraw")).status_code == 404
    assert p1.get(world.url(f"/{order_id}/offers/{mine}/choose")).status_code == 403
    assert p1.get(world.url(f"/{order_id}/offers/{mine}/withdraw")).status_code == 200
    assert p1.post(world.url(f"/{order_id}/offers/{mine}/withdraw")).status_code == 302
    with world.scope():
        assert db.session.get(TrainingOffer, mine).status == "withdrawn"


def test_the_purchaser_compares_chooses_and_records_the_start(world):
    order_id = world.order()
    first = world.offer(order_id, "p1", price="150000")
    world.offer(order_id, "p2", price="99000")
    purchaser = world.client("purchaser")
    page = text(purchaser.get(world.url(f"/{order_id}")))
    assert "Offers side by side" in page and "Lärande AB" in page and "Yrkesskolan" in page
    confirm = purchaser.get(world.url(f"/{order_id}/offers/{first}/choose"))
    assert "These offers are declined" in text(confirm)
    assert purchaser.post(world.url(f"/{order_id}/offers/{first}/choose")).status_code == 400
    assert purchaser.post(world.url(f"/{order_id}/offers/{first}/choose"),
                          data={"confirm": "y"}).status_code == 302
    p2_page = text(world.client("p2").get(world.url(f"/{order_id}")))
    assert "Not chosen" in p2_page
    assert "Chosen" in text(world.client("p1").get(world.url(f"/{order_id}")))
    future = purchaser.post(world.url(f"/{order_id}/start"),
                            data={"started_on": (TODAY + timedelta(days=3)).isoformat()})
    assert future.status_code == 400
    started = purchaser.post(world.url(f"/{order_id}/start"),
                             data={"started_on": (TODAY - timedelta(days=20)).isoformat()})
    assert started.status_code == 302
    page = text(purchaser.get(world.url(f"/{order_id}")))
    assert "40 days" in page and "Within the goal" in page
    lead = purchaser.get(world.url("/lead-times"))
    body = text(lead)
    assert lead.status_code == 200 and 'role="img"' in body and "<desc" in body
    assert "Data of the chart" in body


def test_cancel_needs_confirmation_and_a_reason(world):
    order_id = world.order()
    purchaser = world.client("purchaser")
    assert purchaser.get(world.url(f"/{order_id}/cancel")).status_code == 200
    assert purchaser.post(world.url(f"/{order_id}/cancel"),
                          data={"cancel_reason": "", "confirm": "y"}).status_code == 400
    assert purchaser.post(world.url(f"/{order_id}/cancel"),
                          data={"cancel_reason": "Behovet försvann",
                                "confirm": "y"}).status_code == 302
    with world.scope():
        assert world.get(order_id).status == "cancelled"


def test_the_list_filters_sorts_and_pages(world):
    for n in range(23):
        world.order(send=False, competence=f"Yrke {n:02d}")
    purchaser = world.client("purchaser")
    first = text(purchaser.get(world.url("?sort=competence")))
    assert "Yrke 00" in first and "Yrke 22" not in first and "Page 1 of 2" in first
    assert "Yrke 22" in text(purchaser.get(world.url("?sort=competence&page=2")))
    assert "There are no" not in text(purchaser.get(world.url("?status=draft")))
    assert "No training orders match the filter." in text(
        purchaser.get(world.url("?status=started")))


def test_another_tenants_order_is_a_404(app, factory, sign_in_as, world):
    order_id = world.order()
    other = PageWorld(app, factory, sign_in_as, slug="borlange")
    client = other.client("purchaser")
    assert client.get(other.url(f"/{order_id}")).status_code == 404
    assert client.get(world.url(f"/{order_id}")).status_code in (403, 404)
