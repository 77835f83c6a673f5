"""Pages of spot checks under ``/t/<slug>/partnership/spot-checks`` and of follow-up actions
under ``/t/<slug>/partnership/actions``.

Purchasers and admins draw spot checks, assess the sampled items, add corrective actions to
findings and close spot checks and actions. The broad roles read everything; a provider
reporter reads its own organisation's spot checks and actions only and may close the actions
its provider owns. The rules are those of :mod:`samverkan.partnership.services.
spot_check_service` and :mod:`samverkan.partnership.services.follow_up`; what the principal may
not see is a 404.
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from samverkan.partnership.permissions import can_view_partnership
from samverkan.partnership.purchasing_models import FollowUpAction
from samverkan.partnership.services import follow_up
from samverkan.partnership.services import spot_check_service as svc
from samverkan.partnership.services.common import (
    PartnershipError,
    today,
)
from samverkan.partnership.spot_check_forms import (
    ACTION_STATE_LABELS,
    ITEM_STATUS_LABELS,
    OWNER_PARTY_LABELS,
    POPULATION_LABELS,
    SOURCE_LABELS,
    SPOT_CHECK_STATUS_LABELS,
    ActionForm,
    AssessItemForm,
    CloseActionForm,
    CloseSpotCheckForm,
    DrawForm,
    ReopenActionForm,
)
from samverkan.partnership.spot_check_models import SpotCheck, SpotCheckItem
from samverkan.partnership.views import blueprint
from samverkan.partnership.views import show_service_error as _fail
from samverkan.platform.db import db
from samverkan.platform.i18n import translated
from samverkan.platform.listing import paginate_list
from samverkan.tenants.audit_labels import FIELD_LABELS, register_audit_labels
from samverkan.tenants.permissions import current_principal, require

BASE = "/t/<slug>/partnership/spot-checks"
ACTIONS = "/t/<slug>/partnership/actions"
PER_PAGE = 25

register_audit_labels(
    actions={
        "partnership.spot_check_drawn": _l("Spot check drawn"),
        "partnership.spot_check_assessed": _l("Sampled item assessed"),
        "partnership.spot_check_closed": _l("Spot check closed"),
        "partnership.action_created": _l("Follow-up action added"),
        "partnership.action_updated": _l("Follow-up action changed"),
        "partnership.action_closed": _l("Follow-up action closed"),
        "partnership.action_reopened": _l("Follow-up action reopened"),
    },
    entity_types={"SpotCheck": _l("Spot check"), "SpotCheckItem": _l("Sampled item"),
                  "FollowUpAction": _l("Follow-up action")},
    fields={key: label for key, label in {
        "population_kind": _l("Population"), "period_start": _l("Period from"),
        "period_end": _l("Period to"), "seed": _l("Seed"), "sample_count": _l("Number of items"),
        "sample_percent": _l("Percentage"), "population_size": _l("Population size"),
        "sample": _l("Sample"), "closed_on": _l("Closed on"), "spot_check_id": _l("Spot check"),
        "rank": _l("Draw order"), "ref": _l("Reference"), "finding": _l("Finding"),
        "source_kind": _l("Source"), "source_id": _l("Source id"),
        "owner": _l("Responsible person"), "owner_party": _l("Responsible party"),
        "due_on": _l("Due date"), "closing_note": _l("What was done"),
        "description": _l("Description"), "organisation_id": _l("Provider"),
        "status": _l("Status")}.items() if key not in FIELD_LABELS},
)


def _manager_only() -> None:
    if not svc.can_manage_spot_checks(current_principal()):
        abort(403)


def _spot_check_or_404(spot_check_id: int) -> SpotCheck:
    try:
        return svc.get_visible_spot_check(current_principal(), spot_check_id)
    except PartnershipError:
        abort(404)


def _item_or_404(spot_check: SpotCheck, sample_id: int) -> SpotCheckItem:
    try:
        return svc.get_item(spot_check, sample_id)
    except PartnershipError:
        abort(404)


def _action_or_404(action_id: int) -> FollowUpAction:
    try:
        return follow_up.get_visible_action(current_principal(), action_id)
    except PartnershipError:
        abort(404)


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() else None


def _provider_choices() -> list[tuple[int, str]]:
    return [(o.id, translated(o.name)) for o in svc.providers(current_principal())]


# --- spot checks -----------------------------------------------------------------------------


@blueprint.get(BASE)
@require(can_view_partnership)
def spot_checks():
    """The spot checks the principal may see, filtered by provider and status, paged."""
    principal = current_principal()
    organisation_id = _int_arg("provider")
    status = request.args.get("status", "")
    status = status if status in SPOT_CHECK_STATUS_LABELS else ""
    rows = svc.spot_checks_for(principal, organisation_id=organisation_id, status=status)
    page = paginate_list(rows, _int_arg("page") or 1, PER_PAGE)
    args = {k: v for k, v in {"provider": organisation_id, "status": status}.items() if v}
    return render_template(
        "partnership/spot_checks/list.html", page=page, args=args, status=status,
        organisation_id=organisation_id, status_labels=SPOT_CHECK_STATUS_LABELS,
        population_labels=POPULATION_LABELS,
        providers=_provider_choices() if svc.sees_everything(principal) else [],
        can_manage=svc.can_manage_spot_checks(principal), counts=svc.counts)


@blueprint.route(f"{BASE}/new", methods=["GET", "POST"])
@require(can_view_partnership)
def spot_check_new():
    """Draw a new spot check."""
    principal = current_principal()
    _manager_only()
    form = DrawForm(providers=_provider_choices())
    if form.validate_on_submit():
        by_count = form.size_kind.data == "count"
        try:
            spot_check = svc.draw_spot_check(
                principal, form.organisation_id.data, form.population_kind.data,
                form.period_start.data, form.period_end.data,
                count=form.sample_count.data if by_count else None,
                percent=None if by_count else form.sample_percent.data,
                seed=form.seed.data or None, note=form.note.data or "")
        except PartnershipError as error:
            _fail(form, error)
        else:
            db.session.commit()
            flash(_("The spot check is drawn: %(count)s items.", count=len(spot_check.items)),
                  "success")
            return redirect(url_for("partnership.spot_check", spot_check_id=spot_check.id))
    return render_template("partnership/spot_checks/new.html", form=form), (
        400 if form.errors or form.form_errors else 200)


def _detail(spot_check: SpotCheck, *, assess_form=None, status: int = 200):
    principal = current_principal()
    can_manage = svc.can_manage_spot_checks(principal)
    return render_template(
        "partnership/spot_checks/detail.html", spot_check=spot_check,
        counts=svc.counts(spot_check), actions=svc.actions_by_item(principal, spot_check),
        can_manage=can_manage, is_open=spot_check.status == "open",
        assess_form=assess_form or AssessItemForm(formdata=None),
        posted_item=request.form.get("item_id") if request.method == "POST" else None,
        population_labels=POPULATION_LABELS, status_labels=SPOT_CHECK_STATUS_LABELS,
        item_labels=ITEM_STATUS_LABELS, party_labels=OWNER_PARTY_LABELS,
        is_overdue=follow_up.is_overdue, can_close=lambda a: follow_up.can_close(a)(principal),
        today=today()), status


@blueprint.get(f"{BASE}/<int:spot_check_id>")
@require(can_view_partnership)
def spot_check(spot_check_id: int):
    """The spot check: its seed and how to redraw it, the sampled items, findings and actions."""
    return _detail(_spot_check_or_404(spot_check_id))


@blueprint.post(f"{BASE}/<int:spot_check_id>/items/<int:sample_id>/assess")
@require(can_view_partnership)
def spot_check_assess(spot_check_id: int, sample_id: int):
    principal = current_principal()
    spot_check = _spot_check_or_404(spot_check_id)
    item = _item_or_404(spot_check, sample_id)
    _manager_only()
    form = AssessItemForm()
    if not form.validate_on_submit():
        return _detail(spot_check, assess_form=form, status=400)
    try:
        svc.assess_item(principal, item, form.status.data, form.finding.data or "")
    except PartnershipError as error:
        _fail(form, error)
        spot_check = _spot_check_or_404(spot_check_id)
        return _detail(spot_check, assess_form=form,
                       status=409 if error.code in ("closed", "has_actions") else 400)
    db.session.commit()
    flash(_("The assessment of item %(rank)s is saved.", rank=item.rank), "success")
    return redirect(url_for("partnership.spot_check", spot_check_id=spot_check.id)
                    + f"#item-{item.id}")


@blueprint.route(f"{BASE}/<int:spot_check_id>/items/<int:sample_id>/actions/new",
                 methods=["GET", "POST"])
@require(can_view_partnership)
def spot_check_action_new(spot_check_id: int, sample_id: int):
    """A corrective action after an item's finding."""
    principal = current_principal()
    spot_check = _spot_check_or_404(spot_check_id)
    item = _item_or_404(spot_check, sample_id)
    _manager_only()
    form = ActionForm()
    if request.method == "GET":
        form.owner_party.data = "provider"
    if form.validate_on_submit():
        try:
            svc.add_action(principal, item, form.description.data, form.owner.data,
                           form.owner_party.data, form.due_on.data)
        except PartnershipError as error:
            _fail(form, error)
        else:
            db.session.commit()
            flash(_("The corrective action is added."), "success")
            return redirect(url_for("partnership.spot_check", spot_check_id=spot_check.id)
                            + f"#item-{item.id}")
    return render_template("partnership/spot_checks/action_new.html", form=form,
                           spot_check=spot_check, item=item), (
        400 if form.errors or form.form_errors else 200)


@blueprint.get(f"{BASE}/<int:spot_check_id>/redraw")
@require(can_view_partnership)
def spot_check_redraw(spot_check_id: int):
    """Redraw from the stored seed and references and compare with the stored sample."""
    spot_check = _spot_check_or_404(spot_check_id)
    comparison = svc.redraw(current_principal(), spot_check)
    return render_template("partnership/spot_checks/redraw.html", spot_check=spot_check,
                           comparison=comparison, population_labels=POPULATION_LABELS)


@blueprint.route(f"{BASE}/<int:spot_check_id>/close", methods=["GET", "POST"])
@require(can_view_partnership)
def spot_check_close(spot_check_id: int):
    """Close the spot check once every item is assessed, confirmed."""
    principal = current_principal()
    spot_check = _spot_check_or_404(spot_check_id)
    _manager_only()
    form = CloseSpotCheckForm()
    code = 200
    if form.validate_on_submit():
        try:
            svc.close_spot_check(principal, spot_check)
        except PartnershipError as error:
            _fail(form, error)
            spot_check = _spot_check_or_404(spot_check_id)
            code = 409
        else:
            db.session.commit()
            flash(_("The spot check is closed."), "success")
            return redirect(url_for("partnership.spot_check", spot_check_id=spot_check.id))
    elif request.method == "POST":
        code = 400
    return render_template("partnership/spot_checks/close.html", form=form,
                           spot_check=spot_check, counts=svc.counts(spot_check),
                           is_open=spot_check.status == "open"), code


# --- follow-up actions -----------------------------------------------------------------------


@blueprint.get(ACTIONS)
@require(can_view_partnership)
def actions():
    """Every visible follow-up action (spot checks and quality dialogues), filtered, paged."""
    principal = current_principal()
    state = request.args.get("state", "")
    state = state if state in ACTION_STATE_LABELS else ""
    source = request.args.get("source", "")
    source = source if source in SOURCE_LABELS else ""
    organisation_id = _int_arg("provider")
    rows = follow_up.actions_for(principal, follow_up.ActionFilter(
        state=state, organisation_id=organisation_id, source_kind=source))
    page = paginate_list(rows, _int_arg("page") or 1, PER_PAGE)
    args = {k: v for k, v in {"state": state, "source": source,
                              "provider": organisation_id}.items() if v}
    items = {action.id: svc.item_of_action(principal, action) for action in page.items}
    return render_template(
        "partnership/spot_checks/actions.html", page=page, args=args, state=state,
        source=source, organisation_id=organisation_id, state_labels=ACTION_STATE_LABELS,
        source_labels=SOURCE_LABELS, party_labels=OWNER_PARTY_LABELS, items=items,
        providers=_provider_choices() if svc.sees_everything(principal) else [],
        is_overdue=follow_up.is_overdue,
        can_close=lambda a: follow_up.can_close(a)(principal),
        can_manage=follow_up.can_manage_actions(principal),
        has_dialogues="partnership.dialogue" in current_app.view_functions)


@blueprint.route(f"{ACTIONS}/<int:action_id>/close", methods=["GET", "POST"])
@require(can_view_partnership)
def action_close(action_id: int):
    """Close an action with a note on what was done."""
    principal = current_principal()
    action = _action_or_404(action_id)
    if not follow_up.can_close(action)(principal):
        abort(403)
    form = CloseActionForm()
    if request.method == "GET":
        form.closed_on.data = today()
    code = 200
    if form.validate_on_submit():
        try:
            follow_up.close(principal, action, form.closing_note.data, form.closed_on.data)
        except PartnershipError as error:
            _fail(form, error)
            action = _action_or_404(action_id)
            code = 409 if error.code == "closed" else 400
        else:
            db.session.commit()
            flash(_("The action is closed."), "success")
            return redirect(url_for("partnership.actions"))
    elif request.method == "POST":
        code = 400
    return render_template("partnership/spot_checks/action_close.html", form=form, action=action,
                           party_labels=OWNER_PARTY_LABELS, source_labels=SOURCE_LABELS,
                           item=svc.item_of_action(principal, action)), code


@blueprint.route(f"{ACTIONS}/<int:action_id>/edit", methods=["GET", "POST"])
@require(can_view_partnership)
def action_edit(action_id: int):
    """Change an open action's description, owner and due date."""
    principal = current_principal()
    action = _action_or_404(action_id)
    if not follow_up.can_manage_actions(principal):
        abort(403)
    form = ActionForm(obj=action if request.method == "GET" else None)
    code = 200
    if form.validate_on_submit():
        try:
            follow_up.update(principal, action, form.description.data, form.owner.data,
                             form.owner_party.data, form.due_on.data)
        except PartnershipError as error:
            _fail(form, error)
            action = _action_or_404(action_id)
            code = 409 if error.code == "closed" else 400
        else:
            db.session.commit()
            flash(_("The action is saved."), "success")
            return redirect(url_for("partnership.actions"))
    elif request.method == "POST":
        code = 400
    return render_template("partnership/spot_checks/action_edit.html", form=form, action=action,
                           source_labels=SOURCE_LABELS), code


@blueprint.route(f"{ACTIONS}/<int:action_id>/reopen", methods=["GET", "POST"])
@require(can_view_partnership)
def action_reopen(action_id: int):
    """Reopen a closed action, confirmed."""
    principal = current_principal()
    action = _action_or_404(action_id)
    if not follow_up.can_manage_actions(principal):
        abort(403)
    form = ReopenActionForm()
    code = 200
    if form.validate_on_submit():
        try:
            follow_up.reopen(principal, action)
        except PartnershipError as error:
            _fail(form, error)
            action = _action_or_404(action_id)
            code = 409
        else:
            db.session.commit()
            flash(_("The action is reopened."), "success")
            return redirect(url_for("partnership.actions"))
    elif request.method == "POST":
        code = 400
    return render_template("partnership/spot_checks/action_reopen.html", form=form,
                           action=action, source_labels=SOURCE_LABELS), code
