"""Training orders, the services: purchasers write and send an employer's order; the
recipients are the providers authorised for its programme area on the sending day; recipients
(their reporter, or the purchaser on their behalf) offer and withdraw; the purchaser chooses one
offer (the others are declined), records the start or cancels; who sees which orders and offers;
lead times against the goal of four to six weeks and their yearly distribution; the audit trail.

The world is Falun with two providers authorised for industry (``p1``, ``p2``), a third
provider authorised for another area only, and an employer.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from samverkan.partnership.services import authorisation as auth_svc
from samverkan.partnership.services import training_orders as svc
from samverkan.partnership.services.common import PartnershipError, PartnershipPermissionError
from samverkan.partnership.training_order_models import TrainingOffer, TrainingOrder
from samverkan.platform.db import db
from tests.test_authorisation import World, refused

TODAY = date.today()


class OrderWorld(World):
    """Falun with p1, p2 authorised for industry and p3 for childcare only."""

    def __init__(self, app, factory, slug: str = "falun"):
        super().__init__(app, factory, slug)
        self.org["p3"] = factory.organisation(self._tenant, kind="provider",
                                              name={"sv": "Barnskolan"}).id
        self.criteria("K1")
        for key, area in (("p1", "industry"), ("p2", "industry"), ("p3", "childcare")):
            self.authorise(key, area)

    def authorise(self, key: str, area: str) -> None:
        application_id = self.application(by="purchaser", org=key)
        self.answer_all(application_id, by="purchaser")
        self.assess_all(application_id)
        with self.scope():
            auth_svc.approve_application(
                self.tenant, self.p("purchaser"), self.app_(application_id), [area],
                TODAY - timedelta(days=400), TODAY + timedelta(days=365))
            db.session.commit()

    def data(self, **overrides) -> svc.OrderData:
        values = {"employer_id": self.org["employer"], "competence": "CNC-operatör",
                  "programme_area": "industry", "people": 6, "place": "Falun",
                  "wanted_start_on": TODAY + timedelta(days=30),
                  "need_registered_on": TODAY - timedelta(days=60),
                  "specification": {"sv": "Grunder i CNC-bearbetning."}}
        values.update(overrides)
        return svc.OrderData(**values)

    def order(self, *, send: bool = True, **overrides) -> int:
        with self.scope():
            order = svc.create_order(self.tenant, self.p("purchaser"), self.data(**overrides))
            if send:
                svc.send_order(self.tenant, self.p("purchaser"), order,
                               TODAY + timedelta(days=10))
            db.session.commit()
            return order.id

    def offer(self, order_id: int, key: str = "p1", by: str | None = None,
              start: date | None = None, price: str = "150000") -> int:
        with self.scope():
            offer = svc.submit_offer(self.tenant, self.p(by or key), self.get(order_id),
                                     self.org[key], start or TODAY - timedelta(days=25), 6,
                                     price, "Tre veckor på plats.")
            db.session.commit()
            return offer.id

    def get(self, order_id: int) -> TrainingOrder:
        return db.session.get(TrainingOrder, order_id)


@pytest.fixture
def world(app, factory) -> OrderWorld:
    return OrderWorld(app, factory)


def test_an_order_is_written_by_the_purchaser_and_checked(world):
    with world.scope():
        for key in ("viewer", "p1"):
            with refused(PartnershipPermissionError):
                svc.create_order(world.tenant, world.p(key), world.data())
        with refused(field="employer_id"):
            svc.create_order(world.tenant, world.p("purchaser"),
                             world.data(employer_id=world.org["p1"]))
        with refused(field="programme_area"):
            svc.create_order(world.tenant, world.p("purchaser"), world.data(programme_area="x"))
        with refused(field="people"):
            svc.create_order(world.tenant, world.p("purchaser"), world.data(people=0))
        with refused(field="specification"):
            svc.create_order(world.tenant, world.p("purchaser"), world.data(specification={}))
        with refused(field="need_registered_on", code="future"):
            svc.create_order(world.tenant, world.p("purchaser"),
                             world.data(need_registered_on=TODAY + timedelta(days=1)))
        order = svc.create_order(world.tenant, world.p("admin"),
                                 world.data(need_registered_on=None))
        assert order.status == "draft" and order.need_registered_on == TODAY
        svc.update_order(world.tenant, world.p("purchaser"), order, world.data(people=8))
        assert order.people == 8


def test_sending_stores_the_providers_authorised_for_the_area(world):
    order_id = world.order(send=False)
    with world.scope():
        order = world.get(order_id)
        with refused(field="answer_by", code="past"):
            svc.send_order(world.tenant, world.p("purchaser"), order, TODAY - timedelta(days=1))
        sent_to = svc.send_order(world.tenant, world.p("purchaser"), order,
                                 TODAY + timedelta(days=7))
        db.session.commit()
        assert {o.id for o in sent_to} == {world.org["p1"], world.org["p2"]}
        assert svc.recipient_ids(order) == {world.org["p1"], world.org["p2"]}
        assert order.status == "sent" and order.sent_on == TODAY
        with refused(code="wrong_status"):
            svc.update_order(world.tenant, world.p("purchaser"), order, world.data())
    lonely = world.order(send=False, programme_area="transport")
    with world.scope(), refused(code="no_recipients"):
        svc.send_order(world.tenant, world.p("purchaser"), world.get(lonely),
                       TODAY + timedelta(days=7))


def test_providers_see_only_orders_sent_to_them_and_their_own_offers(world):
    sent = world.order()
    draft = world.order(send=False)
    childcare = world.order(programme_area="childcare")
    world.offer(sent, "p1")
    world.offer(sent, "p2")
    with world.scope():
        tenant = world.tenant
        assert {o.id for o in svc.orders_for(tenant, world.p("p1"))} == {sent}
        assert {o.id for o in svc.orders_for(tenant, world.p("viewer"))} == {sent, draft,
                                                                             childcare}
        with refused(code="not_found"):
            svc.get_visible_order(tenant, world.p("p1"), draft)
        with refused(code="not_found"):
            svc.get_visible_order(tenant, world.p("p1"), childcare)
        order = svc.get_visible_order(tenant, world.p("p1"), sent)
        assert [o.organisation_id for o in svc.offers_seen_by(order, world.p("p1"))] == [
            world.org["p1"]]
        assert len(svc.offers_seen_by(order, world.p("viewer"))) == 2


def test_offers_come_from_recipients_and_can_be_withdrawn_before_the_choice(world):
    order_id = world.order()
    with world.scope():
        order = world.get(order_id)
        args = (TODAY, 5, "100000", "")
        with refused(field="organisation_id"):  # not a recipient
            svc.submit_offer(world.tenant, world.p("purchaser"), order, world.org["p3"], *args)
        with refused(PartnershipPermissionError):  # another provider's offer
            svc.submit_offer(world.tenant, world.p("p2"), order, world.org["p1"], *args)
        with refused(PartnershipPermissionError):
            svc.submit_offer(world.tenant, world.p("viewer"), order, world.org["p1"], *args)
        with refused(field="price"):
            svc.submit_offer(world.tenant, world.p("p1"), order, world.org["p1"], TODAY, 5,
                             "-1", "")
        with refused(field="places"):
            svc.submit_offer(world.tenant, world.p("p1"), order, world.org["p1"], TODAY, 0,
                             "1", "")
    offer_id = world.offer(order_id, "p1")
    world.offer(order_id, "p2", by="purchaser")  # on the provider's behalf
    with world.scope():
        with refused(code="already_offered"):
            svc.submit_offer(world.tenant, world.p("p1"), world.get(order_id), world.org["p1"],
                             *args)
        offer = db.session.get(TrainingOffer, offer_id)
        with refused(PartnershipPermissionError):
            svc.withdraw_offer(world.tenant, world.p("p2"), offer)
        svc.withdraw_offer(world.tenant, world.p("p1"), offer)
        db.session.commit()
        assert offer.status == "withdrawn"
    world.offer(order_id, "p1", price="140000")  # a new offer after withdrawing


def test_choosing_declines_the_others_and_the_start_gives_the_lead_time(world):
    order_id = world.order()
    chosen = world.offer(order_id, "p1")
    other = world.offer(order_id, "p2")
    with world.scope():
        order = world.get(order_id)
        offer = db.session.get(TrainingOffer, chosen)
        with refused(PartnershipPermissionError):
            svc.choose_offer(world.tenant, world.p("p1"), order, offer)
        with refused(code="wrong_status"):
            svc.start_order(world.tenant, world.p("purchaser"), order, TODAY)
        svc.choose_offer(world.tenant, world.p("purchaser"), order, offer)
        db.session.commit()
        assert order.status == "chosen" and offer.status == "chosen"
        assert db.session.get(TrainingOffer, other).status == "declined"
        with refused(code="not_open"):
            svc.withdraw_offer(world.tenant, world.p("p1"), offer)
        with refused(field="started_on", code="future"):
            svc.start_order(world.tenant, world.p("purchaser"), order, TODAY + timedelta(days=1))
        with refused(field="started_on", code="before_need"):
            svc.start_order(world.tenant, world.p("purchaser"), order, TODAY - timedelta(days=61))
        svc.start_order(world.tenant, world.p("purchaser"), order, TODAY - timedelta(days=25))
        db.session.commit()
        assert order.status == "started"
        assert svc.lead_time(order) == 35
        assert svc.lead_time_class(35) == "within"
    actions = world.actions()
    for action in ("partnership.training_order_created", "partnership.training_order_sent",
                   "partnership.training_offer_submitted", "partnership.training_offer_chosen",
                   "partnership.training_order_started"):
        assert action in actions


def test_cancelling_needs_a_reason_and_declines_open_offers(world):
    order_id = world.order()
    offer_id = world.offer(order_id, "p1")
    with world.scope():
        order = world.get(order_id)
        with refused(field="cancel_reason"):
            svc.cancel_order(world.tenant, world.p("purchaser"), order, " ")
        with refused(PartnershipPermissionError):
            svc.cancel_order(world.tenant, world.p("viewer"), order, "Behovet försvann")
        svc.cancel_order(world.tenant, world.p("purchaser"), order, "Behovet försvann")
        db.session.commit()
        assert order.status == "cancelled" and order.cancel_reason == "Behovet försvann"
        assert db.session.get(TrainingOffer, offer_id).status == "declined"
        with refused(code="wrong_status"):
            svc.cancel_order(world.tenant, world.p("purchaser"), order, "igen")
    assert "partnership.training_order_cancelled" in world.actions()


@pytest.mark.parametrize(("days", "expected"), [
    (0, "faster"), (27, "faster"), (28, "within"), (42, "within"), (43, "slower"), (None, None)])
def test_lead_time_classes_against_the_goal(days, expected):
    assert svc.lead_time_class(days) == expected


def test_the_yearly_distribution(world):
    year = TODAY.year - 1
    lead_days = [20, 30, 35, 40, 50, 70]
    with world.scope():
        for days in lead_days:
            start = date(year, 6, 1)
            db.session.add(TrainingOrder(
                tenant_id=world.tenant.id, employer_id=world.org["employer"], competence="X",
                programme_area="industry", people=1, need_registered_on=start - timedelta(days),
                specification={"sv": "x"}, status="started", started_on=start))
        db.session.commit()
        stats = svc.lead_time_stats(world.tenant, year)
        assert stats.count == 6
        assert dict(stats.buckets) == {"under_4": 1, "4_to_6": 3, "6_to_8": 1, "over_8": 1}
        assert stats.median_days == 37.5
        assert stats.within_share == pytest.approx(0.5)
        assert (stats.faster, stats.within, stats.slower) == (1, 3, 1 + 1)
        assert year in svc.started_years(world.tenant)
        assert svc.lead_time_stats(world.tenant, year - 5).count == 0


def test_another_tenants_order_is_not_found(app, factory, world):
    order_id = world.order()
    other = OrderWorld(app, factory, slug="borlange")
    with other.scope():
        with refused(code="not_found"):
            svc.get_visible_order(other.tenant, other.p("purchaser"), order_id)
        assert svc.orders_for(other.tenant, other.p("purchaser")) == []


def test_prices_are_exact(world):
    order_id = world.order()
    offer_id = world.offer(order_id, "p1", price="123 456,50")
    with world.scope():
        assert db.session.get(TrainingOffer, offer_id).price == Decimal("123456.50")
    with world.scope(), pytest.raises(PartnershipError):
        svc.submit_offer(world.tenant, world.p("p2"), world.get(order_id), world.org["p2"],
                         TODAY, 1, "1.234", "")


def test_recipients_are_those_authorised_on_the_sending_day(world):
    with world.scope():
        tenant = world.tenant
        assert {o.id for o in svc.recipients_for(tenant, "industry", TODAY)} == {
            world.org["p1"], world.org["p2"]}
        later = TODAY + timedelta(days=366)  # after every authorisation ends
        assert svc.recipients_for(tenant, "industry", later) == []
        assert [o.id for o in svc.recipients_for(tenant, "childcare", TODAY)] == [
            world.org["p3"]]
