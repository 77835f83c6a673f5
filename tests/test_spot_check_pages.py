"""Spot-check pages: drawing (purchasers and admins, with validation errors), the detail with
the seed and how the draw works, redraw and compare, assessing items, a corrective action after
a finding, closing only when every item is assessed (confirmed), the follow-up actions page with
its filters, a provider closing its own provider-owned action, read-only viewers, and 404 for
other providers' and other tenants' objects."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from samverkan.partnership.purchasing_models import FollowUpAction
from samverkan.partnership.services import follow_up
from samverkan.partnership.services import spot_check_service as svc
from samverkan.partnership.spot_check_models import SpotCheck
from samverkan.platform.db import db
from tests.test_spot_check_service import SpotWorld

TODAY = date.today()


class PageWorld(SpotWorld):
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
        return f"/t/{self.slug}/partnership/spot-checks{path}"

    def actions_url(self, path: str = "") -> str:
        return f"/t/{self.slug}/partnership/actions{path}"

    def items(self, spot_check_id: int) -> list[int]:
        with self.scope():
            return [i.id for i in self.get(spot_check_id).items]

    def finding_with_action(self, spot_check_id: int, party: str = "provider",
                            due: date = TODAY + timedelta(days=10)) -> tuple[int, int]:
        with self.scope():
            item = self.get(spot_check_id).items[0]
            svc.assess_item(self.p("purchaser"), item, "finding", "Närvaro saknas")
            action = svc.add_action(self.p("purchaser"), item, "Rätta närvaron", "Rektor", party,
                                    due)
            db.session.commit()
            return item.id, action.id


@pytest.fixture
def world(app, factory, sign_in_as) -> PageWorld:
    return PageWorld(app, factory, sign_in_as)


def text(response) -> str:
    return response.get_data(as_text=True)


def test_drawing_is_for_purchasers_and_admins_with_clear_errors(world):
    for key in ("viewer", "p1"):
        assert world.client(key).get(world.url("/new")).status_code == 403
    client = world.client("purchaser")
    page = client.get(world.url("/new"))
    assert page.status_code == 200 and "How the draw works" in text(page)
    response = client.post(world.url("/new"), data={
        "organisation_id": world.org["p1"], "population_kind": "enrolments",
        "period_start": "2025-01-01", "period_end": "2025-06-30", "size_kind": "percent",
        "sample_percent": "250"})
    assert response.status_code == 400
    assert "Enter a percentage above 0 and at most 100" in text(response)
    response = client.post(world.url("/new"), data={
        "organisation_id": world.org["p1"], "population_kind": "enrolments",
        "period_start": "2025-01-01", "period_end": "2025-06-30", "size_kind": "count",
        "sample_count": "4", "seed": "falun-demo"})
    assert response.status_code == 302
    with world.scope():
        spot_check = db.session.scalar(select(SpotCheck))
        assert spot_check.seed == "falun-demo" and len(spot_check.items) == 4
    page = text(client.get(response.headers["Location"]))
    assert "falun-demo" in page and "SHA-256" in page and "Redraw and compare" in page


def test_the_detail_redraw_and_assessing(world):
    spot_check_id = world.spot_check(count=2)
    first, second = world.items(spot_check_id)
    client = world.client("purchaser")
    redraw = client.get(world.url(f"/{spot_check_id}/redraw"))
    assert redraw.status_code == 200
    assert "The redraw gives the same items in the same order" in text(redraw)
    response = client.post(world.url(f"/{spot_check_id}/items/{first}/assess"),
                           data={"item_id": first, "status": "finding", "finding": ""})
    assert response.status_code == 400 and "Describe the finding" in text(response)
    assert client.post(world.url(f"/{spot_check_id}/items/{first}/assess"), data={
        "item_id": first, "status": "finding", "finding": "Närvaro saknas"}).status_code == 302
    new = client.get(world.url(f"/{spot_check_id}/items/{first}/actions/new"))
    assert new.status_code == 200
    response = client.post(world.url(f"/{spot_check_id}/items/{first}/actions/new"), data={
        "description": "Rätta närvaron", "owner": "Rektor", "owner_party": "provider",
        "due_on": (TODAY + timedelta(days=14)).isoformat()})
    assert response.status_code == 302
    page = text(client.get(world.url(f"/{spot_check_id}")))
    assert "Närvaro saknas" in page and "Rätta närvaron" in page
    # closing needs every item assessed, and a confirmation
    close = client.get(world.url(f"/{spot_check_id}/close"))
    assert close.status_code == 200 and "1 pending" in text(close)
    assert client.post(world.url(f"/{spot_check_id}/close"),
                       data={"confirm": "y"}).status_code == 409
    client.post(world.url(f"/{spot_check_id}/items/{second}/assess"),
                data={"item_id": second, "status": "no_remark"})
    assert client.post(world.url(f"/{spot_check_id}/close"), data={}).status_code == 400
    assert client.post(world.url(f"/{spot_check_id}/close"),
                       data={"confirm": "y"}).status_code == 302
    with world.scope():
        assert world.get(spot_check_id).status == "closed"


def test_viewers_read_only_and_providers_see_their_own(world):
    own = world.spot_check(org="p1", count=2)
    other = world.spot_check(org="p2", count=1)
    first = world.items(own)[0]
    viewer = world.client("viewer")
    listing = text(viewer.get(world.url()))
    assert "Lärande AB" in listing and "Yrkesskolan" in listing
    assert "New spot check" not in listing
    assert "Save assessment" not in text(viewer.get(world.url(f"/{own}")))
    assert viewer.post(world.url(f"/{own}/items/{first}/assess"),
                       data={"item_id": first, "status": "no_remark"}).status_code == 403
    assert viewer.get(world.url(f"/{own}/close")).status_code == 403
    share = world.spot_check(org="p1", percent=Decimal("12.5"))
    detail = text(viewer.get(world.url(f"/{share}")))
    assert "12.5 %" in detail and "3 drawn" in detail and "How the draw works" in detail
    p1 = world.client("p1")
    listing = text(p1.get(world.url()))
    assert "Lärande AB" in listing and "Yrkesskolan" not in listing
    assert p1.get(world.url(f"/{own}")).status_code == 200
    assert p1.get(world.url(f"/{other}")).status_code == 404
    assert p1.get(world.url(f"/{other}/redraw")).status_code == 404
    assert world.client("p2").get(world.url(f"/{own}/items/{first}/actions/new")).status_code \
        == 404


def test_the_actions_page_filters_and_a_provider_closes_its_own(world):
    spot_check_id = world.spot_check(count=2)
    _item, provider_action = world.finding_with_action(spot_check_id)
    with world.scope():
        item = world.get(spot_check_id).items[1]
        svc.assess_item(world.p("purchaser"), item, "finding", "Fel belopp")
        late = svc.add_action(world.p("purchaser"), item, "Kontrollera fakturan", "Ekonom",
                              "purchaser", TODAY - timedelta(days=3)).id
        db.session.commit()
    purchaser = world.client("purchaser")
    page = text(purchaser.get(world.actions_url()))
    assert "Rätta närvaron" in page and "Kontrollera fakturan" in page and "Overdue" in page
    overdue = text(purchaser.get(world.actions_url("?state=overdue")))
    assert "Kontrollera fakturan" in overdue and "Rätta närvaron" not in overdue
    assert "No follow-up actions match" in text(purchaser.get(
        world.actions_url("?source=dialogue")))
    with world.scope():
        follow_up.create(world.p("purchaser"), "dialogue", 4242, world.org["p2"], "Ny rutin",
                         "Kvalitetschef", "provider", TODAY)
        db.session.commit()
    from_dialogues = text(purchaser.get(world.actions_url("?source=dialogue")))
    assert "Ny rutin" in from_dialogues and "Rätta närvaron" not in from_dialogues
    assert "Ny rutin" not in text(world.client("p1").get(world.actions_url()))
    p1 = world.client("p1")
    assert "Rätta närvaron" in text(p1.get(world.actions_url()))
    assert p1.get(world.actions_url(f"/{late}/close")).status_code == 403  # purchaser-owned
    assert p1.get(world.actions_url(f"/{provider_action}/edit")).status_code == 403
    assert world.client("p2").get(world.actions_url(f"/{provider_action}/close")).status_code \
        == 404
    assert world.client("viewer").get(
        world.actions_url(f"/{provider_action}/close")).status_code == 403
    response = p1.post(world.actions_url(f"/{provider_action}/close"), data={"closing_note": ""})
    assert response.status_code == 400 and "This field is required" in text(response)
    response = p1.post(world.actions_url(f"/{provider_action}/close"),
                       data={"closing_note": "Närvaron rättad"})
    assert response.status_code == 302
    closed = text(purchaser.get(world.actions_url("?state=closed")))
    assert "Närvaron rättad" in closed
    # the purchaser reopens it, confirmed
    assert purchaser.post(world.actions_url(f"/{provider_action}/reopen"),
                          data={}).status_code == 400
    assert purchaser.post(world.actions_url(f"/{provider_action}/reopen"),
                          data={"confirm": "y"}).status_code == 302
    with world.scope():
        assert db.session.get(FollowUpAction, provider_action).status == "open"


def test_other_tenants_objects_are_not_found(world, app, factory, sign_in_as):
    spot_check_id = world.spot_check(count=1)
    _item, action_id = world.finding_with_action(spot_check_id)
    other = PageWorld(app, factory, sign_in_as, slug="borlange")
    client = other.client("admin")
    assert client.get(other.url(f"/{spot_check_id}")).status_code == 404
    assert client.get(other.actions_url(f"/{action_id}/close")).status_code == 404
    assert "There are no spot checks yet" in text(client.get(other.url()))
    assert "There are no follow-up actions yet" in text(client.get(other.actions_url()))
