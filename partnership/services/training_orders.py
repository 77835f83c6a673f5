"""Employer-driven training orders and their lead time.

When an employer needs trained people, the municipality and the employer write a specification
(:func:`create_order`, a draft). Sending it (:func:`send_order`) stores as recipients the
providers whose authorisation is valid on the sending day and covers the order's programme
area, with a date to answer by. A recipient answers with an offer (:func:`submit_offer`: planned
start, places, price, description) and may withdraw it before the choice. The purchaser compares
the offers and chooses one (:func:`choose_offer`; the other offers are declined), then records
the start of the training (:func:`start_order`). An order not yet started may be cancelled with
a reason (:func:`cancel_order`).

Who may do what (checked here, whatever the page or the API checked):

* orders: purchasers and admins (:data:`can_manage_orders`);
* an offer of a provider: its provider reporter (a person, or its API client with the
  ``report`` scope) or the purchaser on its behalf (:func:`can_offer_for`), for an order sent
  to that provider;
* reading: the broad roles see every order and offer; a principal bound to a provider sees
  only the orders sent to it and only its own offers (:func:`orders_for`, :func:`offers_seen_by`).

The lead time of a started order is the days from the registered need to the start; the goal
is four to six weeks (:data:`GOAL_DAYS`). :func:`lead_time_stats` gives a year's distribution.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from samverkan.partnership.authorisation_models import (
    ApplicationStatus,
    AuthorisationApplication,
)
from samverkan.partnership.permissions import (
    bound_to,
    is_provider_reporter,
    is_purchaser,
    sees_everything,
)
from samverkan.partnership.services.authorisation import PROGRAMME_AREAS
from samverkan.partnership.services.common import (
    PartnershipError,
    decimal_value,
    label_of,
    record,
    require,
    texts,
    today,
)
from samverkan.partnership.training_order_models import (
    OfferStatus,
    OrderStatus,
    TrainingOffer,
    TrainingOrder,
    TrainingOrderRecipient,
)
from samverkan.platform.db import db, utcnow
from samverkan.tenants.models import Organisation, OrganisationKind, Tenant
from samverkan.tenants.permissions import Principal, Rule, has_scope

GOAL_DAYS = (28, 42)  # four to six weeks from the registered need to the start
BUCKETS = (("under_4", None, 27), ("4_to_6", 28, 42), ("6_to_8", 43, 56), ("over_8", 57, None))
SPECIFICATION_LENGTH = 10000
TEXT_LENGTH = 200
DESCRIPTION_LENGTH = 5000
REASON_LENGTH = 2000
MAX_PEOPLE = 10000
PRICE_LIMIT = Decimal("1e12")
ORDER_FIELDS = ["employer_id", "competence", "programme_area", "people", "place",
                "wanted_start_on", "need_registered_on", "specification"]
SORTS = {
    "need_registered_on": lambda o: (o.need_registered_on, o.id),
    "wanted_start_on": lambda o: (o.wanted_start_on or date.max, o.id),
    "competence": lambda o: (o.competence.casefold(), o.id),
    "status": lambda o: (list(OrderStatus).index(o.status), o.id),
}
DEFAULT_SORT = "-need_registered_on"
OPEN_STATUSES = (OrderStatus.DRAFT, OrderStatus.SENT, OrderStatus.CHOSEN)

can_manage_orders = is_purchaser


def can_offer_for(organisation_id: int | None) -> Rule:
    """Answer an order for this provider: its reporter, or the purchaser on its behalf."""
    return is_purchaser | (is_provider_reporter & bound_to(organisation_id) & has_scope("report"))


def sees_order(order: TrainingOrder) -> Rule:
    """The broad roles see every order; a provider only a sent order it received."""
    recipients = {r.organisation_id for r in order.recipients}
    return sees_everything | Rule(
        f"recipient of order:{order.id}",
        lambda p: order.status != OrderStatus.DRAFT and p.organisation_id in recipients)


@dataclass(frozen=True)
class OrderData:
    """What an order says; the service checks every field."""

    employer_id: int | None
    competence: str
    programme_area: str
    people: int | None
    place: str = ""
    wanted_start_on: date | None = None
    need_registered_on: date | None = None
    specification: dict | None = None


# --- reading ---------------------------------------------------------------------------------


def employers_of(tenant: Tenant) -> list[Organisation]:
    """The tenant's employer organisations that are not archived."""
    return list(db.session.scalars(select(Organisation).where(
        Organisation.tenant_id == tenant.id, Organisation.kind == OrganisationKind.EMPLOYER,
        Organisation.is_archived.is_(False)).order_by(Organisation.id)))


def orders_for(tenant: Tenant, principal: Principal | None, *, status: str = "",
               sort: str = DEFAULT_SORT) -> list[TrainingOrder]:
    """The orders the principal may see, filtered by status and sorted by ``sort`` (a key of
    :data:`SORTS`, ``-`` first for descending)."""
    query = select(TrainingOrder).where(TrainingOrder.tenant_id == tenant.id)
    if status in set(OrderStatus):
        query = query.where(TrainingOrder.status == status)
    if not sees_everything(principal):
        if principal is None or principal.organisation_id is None:
            return []
        query = query.where(TrainingOrder.status != OrderStatus.DRAFT, TrainingOrder.id.in_(
            select(TrainingOrderRecipient.order_id).where(
                TrainingOrderRecipient.tenant_id == tenant.id,
                TrainingOrderRecipient.organisation_id == principal.organisation_id)))
    found = list(db.session.scalars(query))
    key = sort.lstrip("-") if sort.lstrip("-") in SORTS else DEFAULT_SORT.lstrip("-")
    descending = sort.startswith("-") if sort.lstrip("-") in SORTS else True
    return sorted(found, key=SORTS[key], reverse=descending)


def get_visible_order(tenant: Tenant, principal: Principal | None, order_id) -> TrainingOrder:
    """The order if the principal may see it, else the same error as a missing one."""
    order = db.session.get(TrainingOrder, order_id) if order_id else None
    if order is None or order.tenant_id != tenant.id or not sees_order(order)(principal):
        raise PartnershipError("order_id", "not_found", _l("No such training order."))
    return order


def offers_seen_by(order: TrainingOrder, principal: Principal | None) -> list[TrainingOffer]:
    """The offers of the order the principal may see: all, or only its own organisation's."""
    if sees_everything(principal):
        return list(order.offers)
    if principal is None or principal.organisation_id is None:
        return []
    return [o for o in order.offers if o.organisation_id == principal.organisation_id]


def get_visible_offer(tenant: Tenant, principal: Principal | None, order: TrainingOrder,
                      offer_id) -> TrainingOffer:
    for offer in offers_seen_by(order, principal):
        if str(offer.id) == str(offer_id):
            return offer
    raise PartnershipError("offer_id", "not_found", _l("No such offer."))


def recipients_for(tenant: Tenant, programme_area: str, on: date) -> list[Organisation]:
    """Providers with an approved authorisation valid on ``on`` covering the area."""
    rows = db.session.scalars(select(AuthorisationApplication).where(
        AuthorisationApplication.tenant_id == tenant.id,
        AuthorisationApplication.status == ApplicationStatus.APPROVED,
        AuthorisationApplication.valid_from <= on, AuthorisationApplication.valid_to >= on))
    found: dict[int, Organisation] = {}
    for application in rows:
        if programme_area in (application.programme_areas or ()):
            found[application.organisation_id] = application.organisation
    return [found[key] for key in sorted(found)]


def recipient_ids(order: TrainingOrder) -> set[int]:
    return {r.organisation_id for r in order.recipients}


def offer_organisations(tenant: Tenant, principal: Principal,
                        order: TrainingOrder) -> list[Organisation]:
    """The recipients the principal may answer for that have no open offer yet."""
    if order.status != OrderStatus.SENT:
        return []
    answered = {o.organisation_id for o in order.offers if o.status == OfferStatus.SUBMITTED}
    return [r.organisation for r in order.recipients
            if r.organisation_id not in answered and can_offer_for(r.organisation_id)(principal)]


# --- orders ----------------------------------------------------------------------------------


def _clean(tenant: Tenant, data: OrderData) -> dict:
    employer = db.session.get(Organisation, data.employer_id) if data.employer_id else None
    if (employer is None or employer.tenant_id != tenant.id
            or employer.kind != OrganisationKind.EMPLOYER or employer.is_archived):
        raise PartnershipError("employer_id", "invalid", _l("Choose an employer."))
    competence = (data.competence or "").strip()
    if not competence:
        raise PartnershipError("competence", "required", _l("Enter the competence wanted."))
    if len(competence) > TEXT_LENGTH:
        raise PartnershipError("competence", "too_long", _l(
            "A text is at most %(count)s characters.", count=TEXT_LENGTH))
    if data.programme_area not in PROGRAMME_AREAS:
        raise PartnershipError("programme_area", "invalid", _l("Choose a programme area."))
    if not isinstance(data.people, int) or not 1 <= data.people <= MAX_PEOPLE:
        raise PartnershipError("people", "invalid", _l(
            "Enter the number of people, a whole number from 1 to %(max)s.", max=MAX_PEOPLE))
    place = (data.place or "").strip()
    if len(place) > TEXT_LENGTH:
        raise PartnershipError("place", "too_long", _l(
            "A text is at most %(count)s characters.", count=TEXT_LENGTH))
    registered = data.need_registered_on or today()
    if registered > today():
        raise PartnershipError("need_registered_on", "future",
                               _l("The need cannot be registered in the future."))
    if data.wanted_start_on is not None and data.wanted_start_on < registered:
        raise PartnershipError("wanted_start_on", "before_need", _l(
            "The wanted start cannot be before the need was registered."))
    return {"employer_id": employer.id, "competence": competence,
            "programme_area": data.programme_area, "people": data.people, "place": place,
            "wanted_start_on": data.wanted_start_on, "need_registered_on": registered,
            "specification": texts(data.specification, "specification", required=True,
                                   max_length=SPECIFICATION_LENGTH)}


def create_order(tenant: Tenant, principal: Principal, data: OrderData) -> TrainingOrder:
    """A draft order of an employer of the tenant."""
    require(can_manage_orders, principal, tenant)
    order = TrainingOrder(tenant_id=tenant.id, status=OrderStatus.DRAFT, cancel_reason="",
                          created_by_label=label_of(principal), **_clean(tenant, data))
    db.session.add(order)
    db.session.flush()
    record("partnership.training_order_created", order, principal,
           after=_snapshot(order, [*ORDER_FIELDS, "status"]))
    return order


def update_order(tenant: Tenant, principal: Principal, order: TrainingOrder,
                 data: OrderData) -> None:
    """Change a draft order."""
    _managed(tenant, principal, order, OrderStatus.DRAFT)
    before = _snapshot(order, ORDER_FIELDS)
    for name, value in _clean(tenant, data).items():
        setattr(order, name, value)
    db.session.flush()
    record("partnership.training_order_updated", order, principal, before=before,
           after=_snapshot(order, ORDER_FIELDS))


def send_order(tenant: Tenant, principal: Principal, order: TrainingOrder,
               answer_by: date | None) -> list[Organisation]:
    """Send a draft to the providers authorised for its area today; returns them."""
    _managed(tenant, principal, order, OrderStatus.DRAFT)
    on = today()
    if answer_by is None:
        raise PartnershipError("answer_by", "required", _l("Enter the date to answer by."))
    if answer_by < on:
        raise PartnershipError("answer_by", "past", _l("The date to answer by cannot be past."))
    providers = recipients_for(tenant, order.programme_area, on)
    if not providers:
        raise PartnershipError("status", "no_recipients", _l(
            "No provider is authorised for this programme area today, so the order cannot be "
            "sent."))
    for provider in providers:
        order.recipients.append(TrainingOrderRecipient(tenant_id=tenant.id,
                                                       organisation_id=provider.id))
    order.status, order.sent_on, order.answer_by = OrderStatus.SENT, on, answer_by
    db.session.flush()
    record("partnership.training_order_sent", order, principal,
           before={"status": OrderStatus.DRAFT},
           after={"status": order.status, "sent_on": on, "answer_by": answer_by,
                  "recipients": [p.id for p in providers]})
    return providers


def choose_offer(tenant: Tenant, principal: Principal, order: TrainingOrder,
                 offer: TrainingOffer) -> None:
    """Choose one submitted offer of a sent order; the other open offers are declined."""
    _managed(tenant, principal, order, OrderStatus.SENT)
    if offer is None or offer.order_id != order.id:
        raise PartnershipError("offer_id", "not_found", _l("No such offer."))
    if offer.status != OfferStatus.SUBMITTED:
        raise PartnershipError("offer_id", "not_open", _l(
            "Only an offer that is submitted and not withdrawn can be chosen."))
    declined = []
    for other in order.offers:
        if other.id != offer.id and other.status == OfferStatus.SUBMITTED:
            other.status = OfferStatus.DECLINED
            declined.append(other.id)
    offer.status = OfferStatus.CHOSEN
    order.status, order.chosen_at = OrderStatus.CHOSEN, utcnow()
    db.session.flush()
    record("partnership.training_offer_chosen", order, principal,
           before={"status": OrderStatus.SENT},
           after={"status": order.status, "offer_id": offer.id, "declined": declined})


def start_order(tenant: Tenant, principal: Principal, order: TrainingOrder,
                started_on: date | None) -> None:
    """Record the day the chosen training started."""
    _managed(tenant, principal, order, OrderStatus.CHOSEN)
    if started_on is None:
        raise PartnershipError("started_on", "required", _l("Enter the day the training started."))
    if started_on > today():
        raise PartnershipError("started_on", "future", _l("The date cannot be in the future."))
    if started_on < order.need_registered_on:
        raise PartnershipError("started_on", "before_need", _l(
            "The training cannot start before the need was registered."))
    order.status, order.started_on = OrderStatus.STARTED, started_on
    db.session.flush()
    record("partnership.training_order_started", order, principal,
           before={"status": OrderStatus.CHOSEN},
           after={"status": order.status, "started_on": started_on,
                  "lead_time_days": lead_time(order)})


def cancel_order(tenant: Tenant, principal: Principal, order: TrainingOrder, reason: str) -> None:
    """Cancel an order not yet started, with a reason; its open offers are declined."""
    _managed(tenant, principal, order, *OPEN_STATUSES)
    reason = (reason or "").strip()
    if not reason:
        raise PartnershipError("cancel_reason", "required", _l("Give the reason for cancelling."))
    if len(reason) > REASON_LENGTH:
        raise PartnershipError("cancel_reason", "too_long", _l(
            "A text is at most %(count)s characters.", count=REASON_LENGTH))
    before = {"status": order.status}
    for offer in order.offers:
        if offer.status == OfferStatus.SUBMITTED:
            offer.status = OfferStatus.DECLINED
    order.status, order.cancelled_on, order.cancel_reason = (
        OrderStatus.CANCELLED, today(), reason)
    db.session.flush()
    record("partnership.training_order_cancelled", order, principal, before=before,
           after={"status": order.status, "cancelled_on": order.cancelled_on,
                  "cancel_reason": reason})


# --- offers ----------------------------------------------------------------------------------


def submit_offer(tenant: Tenant, principal: Principal, order: TrainingOrder, organisation_id,
                 planned_start_on: date | None, places, price, description: str = ""
                 ) -> TrainingOffer:
    """A recipient provider's offer to a sent order (one open offer per provider)."""
    _own(tenant, order, "order_id")
    if organisation_id is None or int(organisation_id) not in recipient_ids(order):
        raise PartnershipError("organisation_id", "invalid",
                               _l("Choose a provider the order was sent to."))
    organisation_id = int(organisation_id)
    require(can_offer_for(organisation_id), principal, tenant)
    if order.status != OrderStatus.SENT:
        raise PartnershipError("status", "not_sent", _l(
            "Offers can be made only while the order is sent and no offer is chosen."))
    if any(o.organisation_id == organisation_id and o.status == OfferStatus.SUBMITTED
           for o in order.offers):
        raise PartnershipError("organisation_id", "already_offered", _l(
            "This provider has an offer already. Withdraw it to make a new one."))
    if planned_start_on is None:
        raise PartnershipError("planned_start_on", "required", _l("Enter the planned start."))
    if planned_start_on < order.need_registered_on:
        raise PartnershipError("planned_start_on", "before_need", _l(
            "The planned start cannot be before the need was registered."))
    if isinstance(places, bool) or not isinstance(places, int) or not 1 <= places <= MAX_PEOPLE:
        raise PartnershipError("places", "invalid", _l(
            "Enter the number of places, a whole number from 1 to %(max)s.", max=MAX_PEOPLE))
    amount = decimal_value(price, "price", places=2, limit=PRICE_LIMIT)
    if amount < 0:
        raise PartnershipError("price", "negative", _l("The price cannot be negative."))
    description = (description or "").strip()
    if len(description) > DESCRIPTION_LENGTH:
        raise PartnershipError("description", "too_long", _l(
            "A text is at most %(count)s characters.", count=DESCRIPTION_LENGTH))
    offer = TrainingOffer(tenant_id=tenant.id, organisation_id=organisation_id,
                          planned_start_on=planned_start_on, places=places, price=amount,
                          description=description, status=OfferStatus.SUBMITTED,
                          submitted_by_label=label_of(principal))
    order.offers.append(offer)
    db.session.flush()
    record("partnership.training_offer_submitted", offer, principal,
           after={"order_id": order.id, "organisation_id": organisation_id,
                  "planned_start_on": planned_start_on, "places": places, "price": amount,
                  "description": description})
    return offer


def withdraw_offer(tenant: Tenant, principal: Principal, offer: TrainingOffer) -> None:
    """Withdraw a submitted offer before the purchaser chooses."""
    _own(tenant, offer, "offer_id")
    require(can_offer_for(offer.organisation_id), principal, tenant)
    if offer.status != OfferStatus.SUBMITTED or offer.order.status != OrderStatus.SENT:
        raise PartnershipError("status", "not_open", _l(
            "Only a submitted offer can be withdrawn, before an offer is chosen."))
    offer.status = OfferStatus.WITHDRAWN
    db.session.flush()
    record("partnership.training_offer_withdrawn", offer, principal,
           before={"status": OfferStatus.SUBMITTED}, after={"status": offer.status})


# --- lead times ------------------------------------------------------------------------------


def lead_time(order: TrainingOrder) -> int | None:
    """Days from the registered need to the start, or None before the start."""
    if order.started_on is None or order.need_registered_on is None:
        return None
    return (order.started_on - order.need_registered_on).days


def lead_time_class(days: int | None) -> str | None:
    """``faster`` than, ``within`` or ``slower`` than the goal of four to six weeks."""
    if days is None:
        return None
    if days < GOAL_DAYS[0]:
        return "faster"
    return "within" if days <= GOAL_DAYS[1] else "slower"


def bucket_of(days: int) -> str:
    for key, low, high in BUCKETS:
        if (low is None or days >= low) and (high is None or days <= high):
            return key
    raise ValueError(days)


@dataclass(frozen=True)
class LeadTimeStats:
    """The lead times of the orders started in a year."""

    year: int
    count: int
    buckets: tuple[tuple[str, int], ...]
    median_days: float | None
    within_share: float | None  # 0..1
    faster: int
    within: int
    slower: int


def started_years(tenant: Tenant) -> list[int]:
    """The years in which some order of the tenant started, newest first."""
    days = db.session.scalars(select(TrainingOrder.started_on).where(
        TrainingOrder.tenant_id == tenant.id, TrainingOrder.started_on.is_not(None)))
    return sorted({d.year for d in days}, reverse=True)


def lead_time_stats(tenant: Tenant, year: int) -> LeadTimeStats:
    """The distribution of the lead times of the orders started in ``year``."""
    orders = db.session.scalars(select(TrainingOrder).where(
        TrainingOrder.tenant_id == tenant.id, TrainingOrder.status == OrderStatus.STARTED,
        TrainingOrder.started_on >= date(year, 1, 1),
        TrainingOrder.started_on <= date(year, 12, 31)))
    days = [d for d in (lead_time(o) for o in orders) if d is not None]
    counts = {key: 0 for key, _low, _high in BUCKETS}
    for value in days:
        counts[bucket_of(value)] += 1
    classes = [lead_time_class(d) for d in days]
    within = classes.count("within")
    return LeadTimeStats(
        year=year, count=len(days), buckets=tuple(counts.items()),
        median_days=statistics.median(days) if days else None,
        within_share=within / len(days) if days else None,
        faster=classes.count("faster"), within=within, slower=classes.count("slower"))


# --- helpers ---------------------------------------------------------------------------------


def _managed(tenant: Tenant, principal: Principal, order: TrainingOrder, *statuses) -> None:
    require(can_manage_orders, principal, tenant)
    _own(tenant, order, "order_id")
    if order.status not in statuses:
        raise PartnershipError("status", "wrong_status", _l(
            "This cannot be done to the order in its present status."))


def _own(tenant: Tenant, obj, field: str) -> None:
    if obj is None or obj.tenant_id != tenant.id:
        raise PartnershipError(field, "not_found", _l("Not found."))


def _snapshot(obj, fields: list[str]) -> dict:
    return {name: getattr(obj, name) for name in fields}
