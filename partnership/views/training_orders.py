"""Pages of employer-driven training orders under ``/t/<slug>/partnership/training-orders``.

Purchasers and admins write an employer's order, send it to the providers authorised for its
programme area, compare the offers side by side, choose one, record the start or cancel the
order. A provider reporter sees only the orders sent to its organisation and only its own
offers, and answers with an offer or withdraws it before the choice. The broad roles read
everything. The rules are those of :mod:`samverkan.partnership.services.training_orders`; an
order or an offer the principal may not see is a 404, whoever owns it.

The lead times page shows a year's distribution of the lead times of the started orders
(need registered → start) against the goal of four to six weeks, as a chart and a table.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from samverkan.partnership.authorisation_forms import PROGRAMME_AREA_LABELS
from samverkan.partnership.permissions import can_view_partnership, sees_everything
from samverkan.partnership.services import training_orders as svc
from samverkan.partnership.services.common import PartnershipError
from samverkan.partnership.training_order_forms import (
    BUCKET_LABELS,
    LEAD_TIME_LABELS,
    OFFER_STATUS_LABELS,
    ORDER_STATUS_LABELS,
    CancelForm,
    ChooseForm,
    OfferForm,
    OrderForm,
    SendForm,
    StartForm,
)
from samverkan.partnership.training_order_models import TrainingOffer, TrainingOrder
from samverkan.partnership.views import blueprint
from samverkan.partnership.views import show_service_error as _fail
from samverkan.platform.db import db
from samverkan.platform.i18n import translated
from samverkan.platform.listing import paginate_list
from samverkan.tenants.audit_labels import FIELD_LABELS, register_audit_labels
from samverkan.tenants.forms.admin import ConfirmForm
from samverkan.tenants.permissions import current_principal, require

BASE = "/t/<slug>/partnership/training-orders"
ORDER = BASE + "/<int:order_id>"
PER_PAGE = 20

register_audit_labels(
    actions={
        "partnership.training_order_created": _l("Training order created"),
        "partnership.training_order_updated": _l("Training order changed"),
        "partnership.training_order_sent": _l("Training order sent to providers"),
        "partnership.training_offer_submitted": _l("Offer on a training order submitted"),
        "partnership.training_offer_withdrawn": _l("Offer on a training order withdrawn"),
        "partnership.training_offer_chosen": _l("Offer on a training order chosen"),
        "partnership.training_order_started": _l("Training order started"),
        "partnership.training_order_cancelled": _l("Training order cancelled"),
    },
    entity_types={"TrainingOrder": _l("Training order"), "TrainingOffer": _l("Offer")},
    fields={key: label for key, label in {
        "employer_id": _l("Employer"), "competence": _l("Competence wanted"),
        "programme_area": _l("Programme area"), "people": _l("Number of people"),
        "place": _l("Place"), "wanted_start_on": _l("Wanted start"),
        "need_registered_on": _l("Need registered on"), "specification": _l("Specification"),
        "sent_on": _l("Sent on"), "answer_by": _l("Answer by"),
        "recipients": _l("Recipients"), "offer_id": _l("Offer"),
        "declined": _l("Declined offers"), "started_on": _l("Started on"),
        "lead_time_days": _l("Lead time in days"), "cancelled_on": _l("Cancelled on"),
        "cancel_reason": _l("Reason"), "order_id": _l("Training order"),
        "organisation_id": _l("Provider"), "planned_start_on": _l("Planned start"),
        "places": _l("Number of places"), "price": _l("Price"),
        "description": _l("Description")}.items() if key not in FIELD_LABELS},
)


def _status(error: PartnershipError) -> int:
    return 409 if error.code in ("wrong_status", "not_sent", "not_open") else 400


def _manager_only() -> None:
    if not svc.can_manage_orders(current_principal()):
        abort(403)


def _order_or_404(order_id: int) -> TrainingOrder:
    principal = current_principal()
    try:
        return svc.get_visible_order(principal.tenant, principal, order_id)
    except PartnershipError:
        abort(404)


def _offer_or_404(order: TrainingOrder, offer_id: int) -> TrainingOffer:
    try:
        return svc.get_visible_offer(current_principal().tenant, current_principal(), order,
                                     offer_id)
    except PartnershipError:
        abort(404)


def _labels() -> dict:
    return {"status_labels": ORDER_STATUS_LABELS, "offer_labels": OFFER_STATUS_LABELS,
            "area_labels": PROGRAMME_AREA_LABELS, "lead_labels": LEAD_TIME_LABELS,
            "lead_time": svc.lead_time, "lead_class": svc.lead_time_class}


# --- orders ----------------------------------------------------------------------------------


@blueprint.get(BASE)
@require(can_view_partnership)
def training_orders():
    """The orders the principal may see, with a status filter, sorting and pages."""
    principal = current_principal()
    status = request.args.get("status", "")
    status = status if status in ORDER_STATUS_LABELS else ""
    sort = request.args.get("sort", svc.DEFAULT_SORT)
    sort = sort if sort.lstrip("-") in svc.SORTS else svc.DEFAULT_SORT
    orders = svc.orders_for(principal.tenant, principal, status=status, sort=sort)
    page = paginate_list(orders, request.args.get("page", 1, type=int), PER_PAGE)
    args = {k: v for k, v in {"status": status, "sort": sort}.items() if v}
    return render_template(
        "partnership/training_orders/list.html", page=page, status=status, sort=sort,
        args=args, can_manage=svc.can_manage_orders(principal),
        sees_all=sees_everything(principal), **_labels())


def _employer_choices(tenant) -> list[tuple[int, str]]:
    return [(o.id, translated(o.name)) for o in svc.employers_of(tenant)]


def _order_data(form: OrderForm) -> svc.OrderData:
    try:
        employer_id = int(form.employer_id.data or 0) or None
    except ValueError:
        employer_id = None
    return svc.OrderData(
        employer_id=employer_id, competence=form.competence.data or "",
        programme_area=form.programme_area.data or "", people=form.people.data,
        place=form.place.data or "", wanted_start_on=form.wanted_start_on.data,
        need_registered_on=form.need_registered_on.data,
        specification=form.specification.cleaned())


@blueprint.route(f"{BASE}/new", methods=["GET", "POST"])
@require(can_view_partnership)
def training_order_new():
    """A new draft order of an employer."""
    principal = current_principal()
    _manager_only()
    employers = _employer_choices(principal.tenant)
    form = OrderForm(employers=employers,
                     data={"need_registered_on": svc.today()} if request.method == "GET" else None)
    code = 200
    if request.method == "POST":
        code = 400
        if form.validate_on_submit():
            try:
                order = svc.create_order(principal.tenant, principal, _order_data(form))
            except PartnershipError as error:
                _fail(form, error)
            else:
                db.session.commit()
                flash(_("The training order is saved as a draft. Check it and send it to the "
                        "providers."), "success")
                return redirect(url_for("partnership.training_order", order_id=order.id))
    return render_template("partnership/training_orders/edit.html", form=form, order=None,
                           has_employers=bool(employers)), code


@blueprint.route(f"{ORDER}/edit", methods=["GET", "POST"])
@require(can_view_partnership)
def training_order_edit(order_id: int):
    """Change a draft order."""
    principal = current_principal()
    order = _order_or_404(order_id)
    _manager_only()
    employers = _employer_choices(principal.tenant)
    form = OrderForm(employers=employers, data={
        name: getattr(order, name) for name in svc.ORDER_FIELDS} if request.method == "GET"
        else None)
    if request.method == "GET":
        form.employer_id.data = str(order.employer_id)
    code = 200 if order.status == "draft" else 409
    if request.method == "POST":
        code = 400
        if form.validate_on_submit():
            try:
                svc.update_order(principal.tenant, principal, order, _order_data(form))
            except PartnershipError as error:
                _fail(form, error)
                order = _order_or_404(order_id)
                code = _status(error)
            else:
                db.session.commit()
                flash(_("The training order is saved."), "success")
                return redirect(url_for("partnership.training_order", order_id=order.id))
    return render_template("partnership/training_orders/edit.html", form=form, order=order,
                           has_employers=bool(employers)), code


def _detail(order: TrainingOrder, *, start_form=None, status: int = 200):
    principal = current_principal()
    offers = svc.offers_seen_by(order, principal)
    return render_template(
        "partnership/training_orders/detail.html", order=order, offers=offers,
        can_manage=svc.can_manage_orders(principal), sees_all=sees_everything(principal),
        can_offer=bool(svc.offer_organisations(principal.tenant, principal, order)),
        may_withdraw=lambda offer: (offer.status == "submitted" and order.status == "sent"
                                    and svc.can_offer_for(offer.organisation_id)(principal)),
        start_form=start_form or StartForm(formdata=None, data={"started_on": svc.today()}),
        **_labels()), status


@blueprint.get(ORDER)
@require(can_view_partnership)
def training_order(order_id: int):
    """The order, its recipients and the offers the principal may see."""
    return _detail(_order_or_404(order_id))


@blueprint.route(f"{ORDER}/send", methods=["GET", "POST"])
@require(can_view_partnership)
def training_order_send(order_id: int):
    """Confirm sending a draft to the providers authorised for its area today."""
    principal = current_principal()
    order = _order_or_404(order_id)
    _manager_only()
    form = SendForm()
    recipients = svc.recipients_for(principal.tenant, order.programme_area, svc.today())
    code = 200 if order.status == "draft" else 409
    if request.method == "POST":
        code = 400
        if form.validate_on_submit():
            try:
                sent_to = svc.send_order(principal.tenant, principal, order, form.answer_by.data)
            except PartnershipError as error:
                _fail(form, error)
                order = _order_or_404(order_id)
                code = _status(error)
            else:
                db.session.commit()
                flash(_("The training order is sent to %(count)s providers.",
                        count=len(sent_to)), "success")
                return redirect(url_for("partnership.training_order", order_id=order.id))
    return render_template("partnership/training_orders/send.html", order=order, form=form,
                           recipients=recipients, **_labels()), code


@blueprint.route(f"{ORDER}/start", methods=["POST"])
@require(can_view_partnership)
def training_order_start(order_id: int):
    """Record the day the chosen training started."""
    principal = current_principal()
    order = _order_or_404(order_id)
    _manager_only()
    form = StartForm()
    if form.validate_on_submit():
        try:
            svc.start_order(principal.tenant, principal, order, form.started_on.data)
        except PartnershipError as error:
            _fail(form, error)
            return _detail(_order_or_404(order_id), start_form=form, status=_status(error))
        db.session.commit()
        flash(_("The start is recorded. The lead time is %(days)s days.",
                days=svc.lead_time(order)), "success")
        return redirect(url_for("partnership.training_order", order_id=order.id))
    return _detail(order, start_form=form, status=400)


@blueprint.route(f"{ORDER}/cancel", methods=["GET", "POST"])
@require(can_view_partnership)
def training_order_cancel(order_id: int):
    """Confirm cancelling an order not yet started, with a reason."""
    principal = current_principal()
    order = _order_or_404(order_id)
    _manager_only()
    form = CancelForm()
    code = 200 if order.status in svc.OPEN_STATUSES else 409
    if request.method == "POST":
        code = 400
        if form.validate_on_submit():
            try:
                svc.cancel_order(principal.tenant, principal, order, form.cancel_reason.data)
            except PartnershipError as error:
                _fail(form, error)
                order = _order_or_404(order_id)
                code = _status(error)
            else:
                db.session.commit()
                flash(_("The training order is cancelled."), "success")
                return redirect(url_for("partnership.training_order", order_id=order.id))
    return render_template("partnership/training_orders/cancel.html", order=order, form=form,
                           **_labels()), code


# --- offers ----------------------------------------------------------------------------------


@blueprint.route(f"{ORDER}/offers/new", methods=["GET", "POST"])
@require(can_view_partnership)
def training_order_offer_new(order_id: int):
    """A recipient provider's offer (or the purchaser's on its behalf)."""
    principal = current_principal()
    order = _order_or_404(order_id)
    providers = svc.offer_organisations(principal.tenant, principal, order)
    if not providers:
        if order.status != "sent":
            abort(409)
        abort(403)
    form = OfferForm(providers=[(o.id, translated(o.name)) for o in providers])
    if len(providers) == 1 and request.method == "GET":
        form.organisation_id.data = str(providers[0].id)
    code = 200
    if request.method == "POST":
        code = 400
        if form.validate_on_submit():
            try:
                svc.submit_offer(principal.tenant, principal, order,
                                 _int(form.organisation_id.data), form.planned_start_on.data,
                                 form.places.data, form.price.data, form.description.data or "")
            except PartnershipError as error:
                _fail(form, error)
                order = _order_or_404(order_id)
                code = _status(error)
            else:
                db.session.commit()
                flash(_("The offer is submitted."), "success")
                return redirect(url_for("partnership.training_order", order_id=order.id)
                                + "#offers")
    return render_template("partnership/training_orders/offer.html", order=order, form=form,
                           **_labels()), code


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@blueprint.route(f"{ORDER}/offers/<int:offer_id>/withdraw", methods=["GET", "POST"])
@require(can_view_partnership)
def training_order_offer_withdraw(order_id: int, offer_id: int):
    """Confirm withdrawing a submitted offer before the choice."""
    principal = current_principal()
    order = _order_or_404(order_id)
    offer = _offer_or_404(order, offer_id)
    if not svc.can_offer_for(offer.organisation_id)(principal):
        abort(403)
    form = ConfirmForm()
    code = 200 if offer.status == "submitted" and order.status == "sent" else 409
    if request.method == "POST" and not form.validate_on_submit():
        abort(400)
    if request.method == "POST":
        try:
            svc.withdraw_offer(principal.tenant, principal, offer)
        except PartnershipError as error:
            _fail(form, error)
            order = _order_or_404(order_id)
            offer = _offer_or_404(order, offer_id)
            code = _status(error)
        else:
            db.session.commit()
            flash(_("The offer is withdrawn."), "success")
            return redirect(url_for("partnership.training_order", order_id=order.id) + "#offers")
    return render_template("partnership/training_orders/withdraw.html", order=order,
                           offer=offer, form=form, **_labels()), code


@blueprint.route(f"{ORDER}/offers/<int:offer_id>/choose", methods=["GET", "POST"])
@require(can_view_partnership)
def training_order_offer_choose(order_id: int, offer_id: int):
    """Confirm choosing an offer; the other offers are declined."""
    principal = current_principal()
    order = _order_or_404(order_id)
    offer = _offer_or_404(order, offer_id)
    _manager_only()
    form = ChooseForm()
    code = 200 if offer.status == "submitted" and order.status == "sent" else 409
    if request.method == "POST":
        code = 400
        if form.validate_on_submit():
            try:
                svc.choose_offer(principal.tenant, principal, order, offer)
            except PartnershipError as error:
                _fail(form, error)
                order = _order_or_404(order_id)
                offer = _offer_or_404(order, offer_id)
                code = _status(error)
            else:
                db.session.commit()
                flash(_("The offer of %(provider)s is chosen.",
                        provider=translated(offer.organisation.name)), "success")
                return redirect(url_for("partnership.training_order", order_id=order.id))
    others = [o for o in order.offers if o.id != offer.id and o.status == "submitted"]
    return render_template("partnership/training_orders/choose.html", order=order, offer=offer,
                           others=others, form=form, **_labels()), code


# --- lead times ------------------------------------------------------------------------------


@blueprint.get(f"{BASE}/lead-times")
@require(can_view_partnership)
def training_order_lead_times():
    """The distribution of a year's lead times against the goal of four to six weeks."""
    principal = current_principal()
    if not sees_everything(principal):
        abort(403)
    years = svc.started_years(principal.tenant)
    year = request.args.get("year", type=int)
    if year not in years:
        year = years[0] if years else svc.today().year
    stats = svc.lead_time_stats(principal.tenant, year)
    return render_template(
        "partnership/training_orders/lead_times.html", years=years, year=year, stats=stats,
        chart=_chart(stats), bucket_labels=BUCKET_LABELS, goal=svc.GOAL_DAYS)


def _chart(stats: svc.LeadTimeStats) -> dict:
    """Geometry of the bar chart: one bar per bucket, a scale of whole orders."""
    width, height, left, top, bottom = 560, 260, 48, 16, 40
    plot_w, plot_h = width - left - 16, height - top - bottom
    highest = max([count for _key, count in stats.buckets] + [1])
    step = max(1, -(-highest // 5))
    scale_max = step * -(-highest // step)
    slot = plot_w / len(stats.buckets)
    bars = []
    for index, (key, count) in enumerate(stats.buckets):
        bar_h = plot_h * count / scale_max
        bars.append({"key": key, "count": count, "x": round(left + index * slot + slot * 0.2, 1),
                     "w": round(slot * 0.6, 1), "y": round(top + plot_h - bar_h, 1),
                     "h": round(bar_h, 1), "cx": round(left + index * slot + slot / 2, 1),
                     "goal": key == "4_to_6"})
    ticks = [{"value": v, "y": round(top + plot_h - plot_h * v / scale_max, 1)}
             for v in range(0, scale_max + 1, step)]
    return {"width": width, "height": height, "left": left, "top": top, "plot_w": plot_w,
            "plot_h": plot_h, "bars": bars, "ticks": ticks}
