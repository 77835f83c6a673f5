"""JSON API of employer-driven training orders under ``/api/v1/t/<slug>/training-orders``:
orders (list, read, create, send, choose an offer, record the start) and their offers (list,
create).

Authentication as in :mod:`samverkan.partnership.api` (``require_api``). Purchasers and admins
manage orders. A provider (its reporter, or its API client with the ``report`` scope) sees only
the orders sent to it and only its own offers, and offers only on those orders; the broad roles
read everything (clients: scope read). An order the requester may not see is a 404.

A service's :class:`PartnershipPermissionError` is a 403 problem, a refused change of state a
409 problem, any other :class:`PartnershipError` a 422 problem naming the field in ``errors``;
nothing is written.
"""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext

from samverkan.partnership.permissions import can_view_partnership
from samverkan.partnership.services import training_orders as svc
from samverkan.partnership.services.common import PartnershipError, PartnershipPermissionError
from samverkan.partnership.training_order_models import TrainingOffer, TrainingOrder
from samverkan.partnership.training_order_schemas import (
    OFFER_EXAMPLE,
    OFFER_INPUT_EXAMPLE,
    ORDER_EXAMPLE,
    ORDER_INPUT_EXAMPLE,
    ChooseInputSchema,
    OfferInputSchema,
    SendInputSchema,
    StartInputSchema,
    TrainingOfferSchema,
    TrainingOrderInputSchema,
    TrainingOrderQuerySchema,
    TrainingOrderSchema,
)
from samverkan.platform.api import Blueprint, abort_problem
from samverkan.platform.db import db
from samverkan.platform.oauth import require_api
from samverkan.tenants.permissions import current_principal

TAG = "Training orders"
ORDERS = "/training-orders"
ORDER = ORDERS + "/<int:order_id>"
LOCATION = {"Location": {"description": "The URL of the object.", "schema": {"type": "string"}}}
CONFLICT_CODES = {"wrong_status", "not_sent", "not_open", "already_offered", "no_recipients"}

blueprint = Blueprint(
    "training_order_api", __name__, url_prefix="/api/v1/t/<slug>",
    description="Employer-driven training orders: specifications sent to the authorised "
                "providers of a programme area, their offers, the choice and the start.",
    tags=[{"name": TAG, "description": "An employer's need written as a specification "
                                       "(draft), sent to the providers authorised for its "
                                       "programme area, answered with offers, one offer "
                                       "chosen and the start recorded. The lead time from "
                                       "the registered need to the start has a goal of 4-6 "
                                       "weeks. Purchasers and admins manage orders; a "
                                       "provider sees only orders sent to it and only its own "
                                       "offers."}],
)


def _call(service, *args, **kwargs):
    """Run a service; on its errors roll back and stop with a problem naming the field."""
    try:
        return service(*args, **kwargs)
    except PartnershipPermissionError as error:
        db.session.rollback()
        abort_problem(403, error.message, errors={error.field: [error.message]})
    except PartnershipError as error:
        db.session.rollback()
        if error.code == "not_found":
            abort_problem(404)
        status = 409 if error.code in CONFLICT_CODES else 422
        abort_problem(status, error.message if status == 409 else gettext(
            "Check the fields listed in errors."), errors={error.field: [error.message]})


def _order(order_id: int) -> TrainingOrder:
    principal = current_principal()
    return _call(svc.get_visible_order, principal.tenant, principal, order_id)


def _ref(organisation) -> dict:
    return {"id": organisation.id, "name": dict(organisation.name or {})}


def _order_view(order: TrainingOrder) -> dict:
    days = svc.lead_time(order)
    return {"id": order.id, "employer": _ref(order.employer), "competence": order.competence,
            "programme_area": order.programme_area, "people": order.people,
            "place": order.place, "wanted_start_on": order.wanted_start_on,
            "need_registered_on": order.need_registered_on,
            "specification": dict(order.specification or {}), "status": order.status,
            "sent_on": order.sent_on, "answer_by": order.answer_by,
            "started_on": order.started_on, "cancelled_on": order.cancelled_on,
            "cancel_reason": order.cancel_reason, "lead_time_days": days,
            "lead_time_class": svc.lead_time_class(days)}


def _offer_view(offer: TrainingOffer) -> dict:
    return {"id": offer.id, "order_id": offer.order_id, "organisation": _ref(offer.organisation),
            "planned_start_on": offer.planned_start_on, "places": offer.places,
            "price": offer.price, "description": offer.description, "status": offer.status}


def _conflict(view):
    return blueprint.alt_response(409, response="CONFLICT")(view)


# --- orders ----------------------------------------------------------------------------------


@blueprint.route(ORDERS, tags=[TAG])
@require_api(can_view_partnership, scope="read")
@blueprint.arguments(TrainingOrderQuerySchema, location="query")
@blueprint.response(200, TrainingOrderSchema(many=True), example=[ORDER_EXAMPLE])
@blueprint.paginate()
def orders(args, pagination_parameters):
    """List training orders

    The orders the requester may see (a provider: those sent to it), the latest registered
    need first. Filter by `status`. Paginated with `page` and `per_page`.
    """
    principal = current_principal()
    rows = svc.orders_for(principal.tenant, principal, status=args.get("status") or "")
    pagination_parameters.item_count = len(rows)
    first = pagination_parameters.first_item
    return [_order_view(o) for o in rows[first:first + pagination_parameters.page_size]]


@blueprint.route(ORDERS, methods=["POST"], tags=[TAG])
@require_api(svc.can_manage_orders)
@blueprint.arguments(TrainingOrderInputSchema, example=ORDER_INPUT_EXAMPLE)
@blueprint.response(201, TrainingOrderSchema, headers=LOCATION, example={
    **ORDER_EXAMPLE, "status": "draft", "sent_on": None, "answer_by": None, "started_on": None,
    "lead_time_days": None, "lead_time_class": None})
def create_order(args):
    """Create a training order

    Purchasers and admins. The order starts as a draft; send it to the providers with
    `POST .../send`.
    """
    principal = current_principal()
    order = _call(svc.create_order, principal.tenant, principal, svc.OrderData(**args))
    db.session.commit()
    return _order_view(order), 201, {
        "Location": url_for("training_order_api.order", order_id=order.id)}


@blueprint.route(ORDER, tags=[TAG])
@require_api(can_view_partnership, scope="read")
@blueprint.etag
@blueprint.response(200, TrainingOrderSchema, example=ORDER_EXAMPLE)
def order(order_id):
    """Read a training order

    With its lead time against the goal once it has started.
    """
    return _order_view(_order(order_id))


@blueprint.route(ORDER + "/send", methods=["POST"], tags=[TAG])
@require_api(svc.can_manage_orders)
@blueprint.arguments(SendInputSchema, example={"answer_by": "2026-02-06"})
@blueprint.response(200, TrainingOrderSchema, example={**ORDER_EXAMPLE, "status": "sent",
                                                       "started_on": None,
                                                       "lead_time_days": None,
                                                       "lead_time_class": None})
@_conflict
def send_order(args, order_id):
    """Send a training order

    Purchasers and admins, a draft only (409 otherwise). The recipients are the providers
    whose authorisation is valid today and covers the programme area (409 when there is none).
    """
    principal = current_principal()
    found = _order(order_id)
    _call(svc.send_order, principal.tenant, principal, found, args["answer_by"])
    db.session.commit()
    return _order_view(found)


@blueprint.route(ORDER + "/choose", methods=["POST"], tags=[TAG])
@require_api(svc.can_manage_orders)
@blueprint.arguments(ChooseInputSchema, example={"offer_id": 77})
@blueprint.response(200, TrainingOrderSchema, example={**ORDER_EXAMPLE, "status": "chosen",
                                                       "started_on": None,
                                                       "lead_time_days": None,
                                                       "lead_time_class": None})
@_conflict
def choose_offer(args, order_id):
    """Choose an offer

    Purchasers and admins, while the order is sent. The other open offers are declined.
    """
    principal = current_principal()
    found = _order(order_id)
    offer = next((o for o in found.offers if o.id == args["offer_id"]), None)
    if offer is None:
        abort_problem(422, gettext("Check the fields listed in errors."),
                      errors={"offer_id": [gettext("No such offer.")]})
    _call(svc.choose_offer, principal.tenant, principal, found, offer)
    db.session.commit()
    return _order_view(found)


@blueprint.route(ORDER + "/start", methods=["POST"], tags=[TAG])
@require_api(svc.can_manage_orders)
@blueprint.arguments(StartInputSchema, example={"started_on": "2026-03-02"})
@blueprint.response(200, TrainingOrderSchema, example=ORDER_EXAMPLE)
@_conflict
def start_order(args, order_id):
    """Record the start

    Purchasers and admins, once an offer is chosen. The lead time is counted from the
    registered need to this day.
    """
    principal = current_principal()
    found = _order(order_id)
    _call(svc.start_order, principal.tenant, principal, found, args["started_on"])
    db.session.commit()
    return _order_view(found)


# --- offers ----------------------------------------------------------------------------------


@blueprint.route(ORDER + "/offers", tags=[TAG])
@require_api(can_view_partnership, scope="read")
@blueprint.response(200, TrainingOfferSchema(many=True), example=[OFFER_EXAMPLE])
def offers(order_id):
    """List the offers of an order

    All offers for the broad roles; a provider sees only its own.
    """
    found = _order(order_id)
    return [_offer_view(o) for o in svc.offers_seen_by(found, current_principal())]


@blueprint.route(ORDER + "/offers", methods=["POST"], tags=[TAG])
@require_api(can_view_partnership, scope="report")
@blueprint.arguments(OfferInputSchema, example=OFFER_INPUT_EXAMPLE)
@blueprint.response(201, TrainingOfferSchema, example=OFFER_EXAMPLE)
@_conflict
def create_offer(args, order_id):
    """Make an offer

    A provider the order was sent to (its reporter or API client with scope `report`), or the
    purchaser on its behalf with `organisation_id`, while the order is sent and no offer is
    chosen (409 otherwise). One open offer per provider.
    """
    principal = current_principal()
    found = _order(order_id)
    organisation_id = args.get("organisation_id") or principal.organisation_id
    offer = _call(svc.submit_offer, principal.tenant, principal, found, organisation_id,
                  args["planned_start_on"], args["places"], args["price"],
                  args.get("description") or "")
    db.session.commit()
    return _offer_view(offer), 201
