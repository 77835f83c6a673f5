"""Demo data of employer-driven training orders in ``falun``, seeded idempotently (an order is
found by its employer and competence; a second run adds nothing). Called by the authorisation
demo after the providers are authorised.

* employers: Stora Enso Kvarnsveden AB (already an organisation), Region Dalarna, Falu Energi &
  Vatten AB, Kopparstaden AB and Dalatrafik AB (added when missing);
* nine orders of 2025-2026 whose training started, most within the goal of four to six weeks,
  one faster and two slower; one cancelled;
* "Industrielektriker till Kvarnsveden": sent, with two offers waiting for the purchaser's
  choice;
* "Undersköterskor till Falu lasarett": sent a few days ago, waiting for offers.

Everything goes through the services with the purchaser's or the provider reporters'
principals; the sending day and the answer-by date of past orders are then set to their
historical values.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from samverkan.partnership.services import training_orders as svc
from samverkan.partnership.services.common import today
from samverkan.partnership.training_order_models import TrainingOrder
from samverkan.platform.db import db
from samverkan.tenants.models import Organisation, OrganisationKind, Tenant

SLUG = "falun"
PURCHASER = "purchaser@example.org"
REPORTERS = {"provider": "provider@example.org", "lernia": "lernia@example.org"}
EMPLOYERS = {
    "stora": {"sv": "Stora Enso Kvarnsveden AB"},
    "region": {"sv": "Region Dalarna"},
    "fev": {"sv": "Falu Energi & Vatten AB"},
    "kopparstaden": {"sv": "Kopparstaden AB"},
    "dalatrafik": {"sv": "Dalatrafik AB"},
}
CHOICE_PENDING = "Industrielektriker till Kvarnsveden"
WAITING = "Undersköterskor till Falu lasarett"


@dataclass(frozen=True)
class OfferSpec:
    provider: str  # the provider's key in platform.demo.ORGANISATIONS
    start_after: int  # days after the registered need
    price: str
    description: str = ""


@dataclass(frozen=True)
class OrderSpec:
    competence: str
    employer: str
    area: str
    people: int
    place: str
    need: date | int  # a date, or days before today
    specification: str
    offers: tuple[OfferSpec, ...] = ()
    chosen: str | None = None  # the provider whose offer is chosen
    lead_days: int | None = None  # the start, in days after the need
    cancel: str = ""  # a reason: the order is cancelled


def _o(provider: str, days: int, price: str, text: str = "") -> OfferSpec:
    return OfferSpec(provider, days, price, text or "Yrkeskurser på plats med APL hos "
                                                    "arbetsgivaren.")


ORDERS = (
    OrderSpec("Maskinoperatörer pappersmaskin", "stora", "industry", 8, "Borlänge",
              date(2025, 2, 10), "Processoperatör inom pappersindustrin: säkerhet, "
              "processteknik och underhåll.",
              (_o("provider", 35, "312000"), _o("lernia", 38, "298000")), "provider", 35),
    OrderSpec("Undersköterskor sommarvikarier", "region", "health_social_care", 12, "Falun",
              date(2025, 3, 3), "Vård- och omsorgsarbete inför sommaren, med handledd praktik.",
              (_o("hermods", 42, "456000"), _o("medlearn", 40, "438000"),
               _o("astar", 45, "421000")), "medlearn", 40),
    OrderSpec("Busschaufförer", "dalatrafik", "transport", 6, "Falun", date(2025, 4, 7),
              "Körkort D och YKB grundutbildning.",
              (_o("provider", 49, "402000"), _o("lernia", 52, "389000")), "lernia", 52),
    OrderSpec("Drifttekniker fjärrvärme", "fev", "industry", 4, "Falun", date(2025, 8, 18),
              "Drift och underhåll av värmeverk, el- och automationsgrunder.",
              (_o("provider", 29, "188000"),), "provider", 29),
    OrderSpec("Fastighetsskötare", "kopparstaden", "construction", 5, "Falun",
              date(2025, 9, 15), "Fastighetsskötsel, enklare reparationer och kundkontakt.",
              (_o("provider", 24, "205000"),), "provider", 24),
    OrderSpec("Kockar till storkök", "region", "restaurant", 6, "Falun", date(2025, 10, 6),
              "Storköksmatlagning, specialkost och livsmedelshygien.",
              (_o("eductus", 38, "246000"),), "eductus", 38),
    OrderSpec("Undersköterskor hemsjukvård", "region", "health_social_care", 10, "Falun",
              date(2026, 1, 12), "Vård och omsorg med inriktning hemsjukvård.",
              (_o("hermods", 33, "395000"), _o("eductus", 36, "402000"),
               _o("astar", 35, "389000")), "hermods", 33),
    OrderSpec("Lastbilschaufförer C/CE", "fev", "transport", 4, "Falun", date(2026, 2, 16),
              "Körkort C och CE, YKB och ADR grund.",
              (_o("provider", 31, "264000"), _o("lernia", 34, "259000")), "provider", 31),
    OrderSpec("VA-montörer", "fev", "construction", 5, "Falun", date(2026, 4, 13),
              "Ledningsbyggnad för vatten och avlopp, arbete på väg.",
              (_o("provider", 61, "232000"),), "provider", 61),
    OrderSpec("Kundtjänstmedarbetare", "fev", "trade", 6, "Falun", date(2026, 5, 11),
              "Kundservice i telefon och chatt, fakturafrågor.",
              (_o("nti", 30, "168000"),), cancel="Arbetsgivaren anställde erfarna medarbetare "
                                                  "direkt i stället."),
    OrderSpec(CHOICE_PENDING, "stora", "industry", 6, "Borlänge", 20,
              "Underhållselektriker för pappersbruket: el, automation och eldriftsäkerhet.",
              (_o("provider", 35, "276000", "Tio veckor, start med ESA och elsäkerhet."),
               _o("lernia", 32, "289500", "Nio veckor med lärlingsdel hos Stora Enso."))),
    OrderSpec(WAITING, "region", "health_social_care", 10, "Falun", 4,
              "Undersköterskor till akutvårdsavdelningarna, med handledning på plats."),
)


def seed(tenant: Tenant) -> None:
    """Create the missing employers and orders of falun (see the module docstring)."""
    if tenant.slug != SLUG:
        return
    from samverkan.platform.demo import _principal

    purchaser = _principal(tenant, PURCHASER)
    employers = _employers(tenant)
    providers = _providers(tenant)
    for spec in ORDERS:
        need = spec.need if isinstance(spec.need, date) else today() - timedelta(days=spec.need)
        if need > today() or _exists(tenant, employers[spec.employer], spec.competence):
            continue
        _seed_order(tenant, purchaser, spec, need, employers, providers)
    db.session.flush()


def _employers(tenant: Tenant) -> dict[str, int]:
    from samverkan.tenants.services.organisations import OrganisationData, create_organisation

    found = {}
    existing = list(db.session.scalars(select(Organisation).where(
        Organisation.tenant_id == tenant.id, Organisation.kind == OrganisationKind.EMPLOYER)))
    for key, name in EMPLOYERS.items():
        match = next((o for o in existing if (o.name or {}).get("sv") == name["sv"]), None)
        if match is None:
            match = create_organisation(tenant, OrganisationData(
                kind=OrganisationKind.EMPLOYER, name=name, country="SE"))
        found[key] = match.id
    return found


def _providers(tenant: Tenant) -> dict[str, int]:
    from samverkan.platform.demo import ORGANISATIONS

    names = {key: name["sv"] for slug, key, kind, name, *_rest in ORGANISATIONS
             if slug == SLUG and kind == "provider"}
    rows = db.session.scalars(select(Organisation).where(
        Organisation.tenant_id == tenant.id, Organisation.kind == OrganisationKind.PROVIDER))
    by_name = {(o.name or {}).get("sv"): o.id for o in rows}
    return {key: by_name[name] for key, name in names.items() if name in by_name}


def _exists(tenant: Tenant, employer_id: int, competence: str) -> bool:
    return db.session.scalar(select(TrainingOrder.id).where(
        TrainingOrder.tenant_id == tenant.id, TrainingOrder.employer_id == employer_id,
        TrainingOrder.competence == competence).limit(1)) is not None


def _seed_order(tenant: Tenant, purchaser, spec: OrderSpec, need: date, employers: dict,
                providers: dict) -> None:
    order = svc.create_order(tenant, purchaser, svc.OrderData(
        employer_id=employers[spec.employer], competence=spec.competence,
        programme_area=spec.area, people=spec.people, place=spec.place,
        wanted_start_on=need + timedelta(days=35), need_registered_on=need,
        specification={"sv": spec.specification}))
    svc.send_order(tenant, purchaser, order, today() + timedelta(days=10))
    order.sent_on = need + timedelta(days=2)
    if spec.competence != WAITING:
        order.answer_by = need + timedelta(days=14)
    offers = {}
    for offer in spec.offers:
        provider_id = providers.get(offer.provider)
        if provider_id is None or provider_id not in svc.recipient_ids(order):
            continue
        who = _reporter(tenant, offer.provider) or purchaser
        offers[offer.provider] = svc.submit_offer(
            tenant, who, order, provider_id, need + timedelta(days=offer.start_after),
            spec.people, offer.price, offer.description)
    if spec.cancel:
        svc.cancel_order(tenant, purchaser, order, spec.cancel)
        order.cancelled_on = min(need + timedelta(days=16), today())
        return
    if spec.chosen in offers:
        svc.choose_offer(tenant, purchaser, order, offers[spec.chosen])
        started = need + timedelta(days=spec.lead_days or 0)
        if spec.lead_days is not None and started <= today():
            svc.start_order(tenant, purchaser, order, started)


def _reporter(tenant: Tenant, provider: str):
    from samverkan.platform.demo import _principal

    email = REPORTERS.get(provider)
    if email is None:
        return None
    try:
        return _principal(tenant, email)
    except RuntimeError:
        return None
