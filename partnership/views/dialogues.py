"""Pages of quality dialogues under ``/t/<slug>/partnership/dialogues`` (the dialogues, their
agenda, minutes and agreed actions, and the tenant's agenda template) and of the guidance
counsellors' signals under ``/t/<slug>/partnership/guidance``.

Purchasers and admins manage dialogues and the agenda template. A provider reporter sees its
own organisation's dialogues (agenda, minutes, actions) and closes the actions its organisation
owns; the broad roles and guidance counsellors read every dialogue. Guidance counsellors,
purchasers and admins log observations; providers never see them. The rules are those of
:mod:`samverkan.partnership.services.dialogues` and :mod:`samverkan.partnership.services.guidance`;
what the principal may not see is a 404, whoever owns it.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from samverkan.partnership.dialogue_forms import (
    OWNER_PARTY_LABELS,
    ActionForm,
    AgendaForm,
    AgendaItemForm,
    CancelForm,
    CloseActionForm,
    MinutesForm,
    ObservationForm,
    ScheduleForm,
)
from samverkan.partnership.dialogue_models import (
    AgendaTemplateItem,
    GuidanceObservation,
    QualityDialogue,
)
from samverkan.partnership.permissions import can_view_partnership
from samverkan.partnership.services import dialogues as svc
from samverkan.partnership.services import follow_up
from samverkan.partnership.services import guidance as gsvc
from samverkan.partnership.services.common import PartnershipError
from samverkan.partnership.views import blueprint
from samverkan.partnership.views import show_service_error as _fail
from samverkan.platform.db import db
from samverkan.platform.i18n import translated
from samverkan.platform.listing import paginate_list
from samverkan.tenants.audit_labels import FIELD_LABELS, register_audit_labels
from samverkan.tenants.forms.admin import ConfirmForm
from samverkan.tenants.permissions import current_principal, require

BASE = "/t/<slug>/partnership/dialogues"
GUIDANCE = "/t/<slug>/partnership/guidance"
PER_PAGE = 20

register_audit_labels(
    actions={
        "partnership.agenda_item_added": _l("Agenda item of quality dialogues added"),
        "partnership.agenda_item_updated": _l("Agenda item of quality dialogues changed"),
        "partnership.agenda_items_reordered": _l("Agenda of quality dialogues reordered"),
        "partnership.agenda_item_removed": _l("Agenda item of quality dialogues removed"),
        "partnership.dialogue_scheduled": _l("Quality dialogue scheduled"),
        "partnership.dialogue_updated": _l("Quality dialogue changed"),
        "partnership.dialogue_held": _l("Quality dialogue held"),
        "partnership.dialogue_minutes_updated": _l("Minutes of a quality dialogue changed"),
        "partnership.dialogue_cancelled": _l("Quality dialogue cancelled"),
        "partnership.observation_logged": _l("Guidance observation logged"),
        "partnership.observation_updated": _l("Guidance observation changed"),
        "partnership.observation_closed": _l("Guidance observation closed"),
    },
    entity_types={"AgendaTemplateItem": _l("Agenda item of quality dialogues"),
                  "QualityDialogue": _l("Quality dialogue"),
                  "GuidanceObservation": _l("Guidance observation")},
    fields={key: label for key, label in {
        "scheduled_on": _l("Date of the dialogue"), "held_on": _l("Held on"),
        "agenda": _l("Agenda"), "minutes": _l("Minutes"), "cancel_reason": _l("Reason"),
        "observations": _l("Observations"), "released_observations": _l("Observations"),
        "observed_on": _l("Date"), "theme": _l("Theme"), "tone": _l("Tone"),
        "dialogue_id": _l("Quality dialogue"), "order": _l("Order"),
    }.items() if key not in FIELD_LABELS},
)


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() else None


def _int(value) -> int | None:
    return int(value) if isinstance(value, str) and value.isdigit() else None


def _manager_only() -> None:
    if not svc.can_manage_dialogues(current_principal()):
        abort(403)


def _dialogue_or_404(dialogue_id: int) -> QualityDialogue:
    principal = current_principal()
    try:
        return svc.get_visible_dialogue(principal.tenant, principal, dialogue_id)
    except PartnershipError:
        abort(404)


def _item_or_404(agenda_item_id: int) -> AgendaTemplateItem:
    try:
        return svc.get_template_item(current_principal().tenant, agenda_item_id)
    except PartnershipError:
        abort(404)


def _observation_or_404(observation_id: int) -> GuidanceObservation:
    principal = current_principal()
    try:
        return gsvc.get_visible_observation(principal.tenant, principal, observation_id)
    except PartnershipError:
        abort(404)


def _provider_options(tenant) -> list[tuple[int, str]]:
    return [(o.id, translated(o.name)) for o in gsvc.providers_of(tenant)]


# --- dialogues -------------------------------------------------------------------------------


@blueprint.get(BASE)
@require(can_view_partnership)
def dialogues():
    """The dialogues the principal may see: upcoming, held, cancelled or all, by provider."""
    principal = current_principal()
    when = request.args.get("when", "upcoming")
    when = when if when in (*svc.WHEN, "all") else "upcoming"
    manager_or_broad = svc.sees_all_dialogues(principal)
    providers = _provider_options(principal.tenant) if manager_or_broad else []
    organisation_id = _int_arg("provider") if manager_or_broad else None
    rows = svc.dialogues_for(principal.tenant, principal, when="" if when == "all" else when,
                             organisation_id=organisation_id)
    page = paginate_list(rows, _int_arg("page") or 1, PER_PAGE)
    args = {"when": when, **({"provider": organisation_id} if organisation_id else {})}
    return render_template(
        "partnership/dialogues/list.html", page=page, when=when, providers=providers,
        provider=organisation_id, args=args, status_labels=svc.STATUS_LABELS,
        can_manage=svc.can_manage_dialogues(principal))


@blueprint.route(f"{BASE}/new", methods=["GET", "POST"])
@require(can_view_partnership)
def dialogue_new():
    """Schedule a dialogue; the agenda is built from the template and new observations."""
    principal = current_principal()
    _manager_only()
    form = ScheduleForm(providers=_provider_options(principal.tenant))
    if request.method == "GET" and _int_arg("provider"):
        form.organisation_id.data = str(_int_arg("provider"))
    code = 200
    if request.method == "POST":
        code = 400
        if form.validate_on_submit():
            try:
                dialogue = svc.schedule_dialogue(principal.tenant, principal,
                                                 _int(form.organisation_id.data),
                                                 form.scheduled_on.data)
            except PartnershipError as error:
                _fail(form, error)
            else:
                db.session.commit()
                flash(_("The dialogue is scheduled. Check its agenda."), "success")
                return redirect(url_for("partnership.dialogue", dialogue_id=dialogue.id))
    return render_template("partnership/dialogues/new.html", form=form), code


def _detail(dialogue: QualityDialogue, *, action_form=None, status: int = 200):
    principal = current_principal()
    can_manage = svc.can_manage_dialogues(principal)
    actions = svc.actions_of(principal, dialogue)
    return render_template(
        "partnership/dialogues/detail.html", dialogue=dialogue,
        status_labels=svc.STATUS_LABELS, can_manage=can_manage,
        observations=dialogue.observations if gsvc.sees_observations(principal) else [],
        theme_labels=gsvc.THEME_LABELS, tone_labels=gsvc.TONE_LABELS,
        actions=actions, party_labels=OWNER_PARTY_LABELS, today=follow_up.today(),
        can_close={a.id: follow_up.can_close(a)(principal) for a in actions},
        action_form=action_form or ActionForm(formdata=None),
        can_agree=can_manage and dialogue.status != "cancelled"), status


@blueprint.get(f"{BASE}/<int:dialogue_id>")
@require(can_view_partnership)
def dialogue(dialogue_id: int):
    """The dialogue: agenda, minutes, the observations taken to it and the agreed actions."""
    return _detail(_dialogue_or_404(dialogue_id))


@blueprint.route(f"{BASE}/<int:dialogue_id>/edit", methods=["GET", "POST"])
@require(can_view_partnership)
def dialogue_edit(dialogue_id: int):
    """Move a planned dialogue or edit its agenda."""
    principal = current_principal()
    dialogue = _dialogue_or_404(dialogue_id)
    _manager_only()
    form = AgendaForm(data={"scheduled_on": dialogue.scheduled_on, "agenda": dialogue.agenda})
    code = 200 if dialogue.status == "planned" else 409
    if request.method == "POST" and dialogue.status == "planned":
        code = 400
        if form.validate_on_submit():
            try:
                svc.update_dialogue(principal.tenant, principal, dialogue,
                                    form.scheduled_on.data, form.agenda.cleaned())
            except PartnershipError as error:
                _fail(form, error)
                dialogue = _dialogue_or_404(dialogue_id)
            else:
                db.session.commit()
                flash(_("The agenda is saved."), "success")
                return redirect(url_for("partnership.dialogue", dialogue_id=dialogue.id))
    return render_template("partnership/dialogues/edit.html", dialogue=dialogue, form=form,
                           locales=principal.tenant.content_locales), code


@blueprint.route(f"{BASE}/<int:dialogue_id>/minutes", methods=["GET", "POST"])
@require(can_view_partnership)
def dialogue_minutes(dialogue_id: int):
    """Record that the dialogue was held, with its minutes, or correct the minutes."""
    principal = current_principal()
    dialogue = _dialogue_or_404(dialogue_id)
    _manager_only()
    form = MinutesForm(data={"held_on": dialogue.held_on or min(dialogue.scheduled_on,
                                                                 follow_up.today()),
                             "minutes": dialogue.minutes})
    code = 200 if dialogue.status != "cancelled" else 409
    if request.method == "POST" and dialogue.status != "cancelled":
        code = 400
        if form.validate_on_submit():
            try:
                svc.record_minutes(principal.tenant, principal, dialogue, form.held_on.data,
                                   form.minutes.cleaned())
            except PartnershipError as error:
                _fail(form, error)
                dialogue = _dialogue_or_404(dialogue_id)
            else:
                db.session.commit()
                flash(_("The minutes are saved."), "success")
                return redirect(url_for("partnership.dialogue", dialogue_id=dialogue.id))
    return render_template("partnership/dialogues/minutes.html", dialogue=dialogue, form=form,
                           locales=principal.tenant.content_locales), code


@blueprint.route(f"{BASE}/<int:dialogue_id>/cancel", methods=["GET", "POST"])
@require(can_view_partnership)
def dialogue_cancel(dialogue_id: int):
    """Cancel a planned dialogue, confirmed; its observations are new again."""
    principal = current_principal()
    dialogue = _dialogue_or_404(dialogue_id)
    _manager_only()
    form = CancelForm()
    code = 200 if dialogue.status == "planned" else 409
    if request.method == "POST" and dialogue.status == "planned":
        code = 400
        if form.validate_on_submit():
            try:
                svc.cancel_dialogue(principal.tenant, principal, dialogue, form.reason.data or "")
            except PartnershipError as error:
                _fail(form, error)
                dialogue = _dialogue_or_404(dialogue_id)
            else:
                db.session.commit()
                flash(_("The dialogue is cancelled."), "success")
                return redirect(url_for("partnership.dialogue", dialogue_id=dialogue.id))
    return render_template("partnership/dialogues/cancel.html", dialogue=dialogue, form=form,
                           status_labels=svc.STATUS_LABELS), code


@blueprint.post(f"{BASE}/<int:dialogue_id>/actions")
@require(can_view_partnership)
def dialogue_action_new(dialogue_id: int):
    """Record an action agreed in the dialogue."""
    principal = current_principal()
    dialogue = _dialogue_or_404(dialogue_id)
    _manager_only()
    form = ActionForm()
    if not form.validate_on_submit():
        return _detail(dialogue, action_form=form, status=400)
    try:
        svc.agree_action(principal.tenant, principal, dialogue, form.description.data,
                         form.owner.data, form.owner_party.data, form.due_on.data)
    except PartnershipError as error:
        _fail(form, error)
        dialogue = _dialogue_or_404(dialogue_id)
        return _detail(dialogue, action_form=form,
                       status=409 if error.code == "cancelled" else 400)
    db.session.commit()
    flash(_("The action is recorded."), "success")
    return redirect(url_for("partnership.dialogue", dialogue_id=dialogue.id) + "#actions")


@blueprint.route(f"{BASE}/<int:dialogue_id>/actions/<int:dialogue_action_id>/close",
                 methods=["GET", "POST"])
@require(can_view_partnership)
def dialogue_action_close(dialogue_id: int, dialogue_action_id: int):
    """Close an agreed action with a note on what was done (confirmed)."""
    principal = current_principal()
    dialogue = _dialogue_or_404(dialogue_id)
    try:
        action = svc.get_action(principal, dialogue, dialogue_action_id)
    except PartnershipError:
        abort(404)
    if not follow_up.can_close(action)(principal):
        abort(403)
    form = CloseActionForm(data={"closed_on": follow_up.today()}
                           if request.method == "GET" else None)
    code = 200 if action.status == "open" else 409
    if request.method == "POST" and action.status == "open":
        code = 400
        if form.validate_on_submit():
            try:
                follow_up.close(principal, action, form.closing_note.data, form.closed_on.data)
            except PartnershipError as error:
                _fail(form, error)
                dialogue = _dialogue_or_404(dialogue_id)
                action = svc.get_action(principal, dialogue, dialogue_action_id)
            else:
                db.session.commit()
                flash(_("The action is closed."), "success")
                return redirect(url_for("partnership.dialogue", dialogue_id=dialogue.id)
                                + "#actions")
    return render_template("partnership/dialogues/action_close.html", dialogue=dialogue,
                           action=action, form=form, party_labels=OWNER_PARTY_LABELS), code


# --- the agenda template ---------------------------------------------------------------------


@blueprint.route(f"{BASE}/agenda-template", methods=["GET", "POST"])
@require(can_view_partnership)
def dialogue_agenda_template():
    """The standing agenda, with the form of a new item (the defaults while it is empty)."""
    principal = current_principal()
    _manager_only()
    form = AgendaItemForm(prefix="new")
    code = 200
    if request.method == "POST":
        code = 400
        if form.validate_on_submit():
            try:
                svc.add_template_item(principal.tenant, principal, form.text.cleaned())
            except PartnershipError as error:
                _fail(form, error)
            else:
                db.session.commit()
                flash(_("The agenda item is added."), "success")
                return redirect(url_for("partnership.dialogue_agenda_template"))
    items = svc.template_items(principal.tenant)
    return render_template(
        "partnership/dialogues/agenda_template.html", items=items, form=form,
        defaults=[] if items else svc.default_items(principal.tenant),
        locales=principal.tenant.content_locales), code


@blueprint.post(f"{BASE}/agenda-template/defaults")
@require(can_view_partnership)
def dialogue_agenda_defaults():
    """Store the default items as the template, to change them."""
    principal = current_principal()
    _manager_only()
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        svc.use_default_items(principal.tenant, principal)
    except PartnershipError:
        db.session.rollback()
        abort(409)
    db.session.commit()
    flash(_("The default items are now the agenda template."), "success")
    return redirect(url_for("partnership.dialogue_agenda_template"))


@blueprint.route(f"{BASE}/agenda-template/<int:agenda_item_id>/edit", methods=["GET", "POST"])
@require(can_view_partnership)
def dialogue_agenda_item_edit(agenda_item_id: int):
    principal = current_principal()
    item = _item_or_404(agenda_item_id)
    _manager_only()
    form = AgendaItemForm(data={"text": item.text})
    code = 200
    if request.method == "POST":
        code = 400
        if form.validate_on_submit():
            try:
                svc.update_template_item(principal.tenant, principal, item, form.text.cleaned())
            except PartnershipError as error:
                _fail(form, error)
                item = _item_or_404(agenda_item_id)
            else:
                db.session.commit()
                flash(_("The agenda item is saved."), "success")
                return redirect(url_for("partnership.dialogue_agenda_template"))
    return render_template("partnership/dialogues/agenda_item_edit.html", item=item, form=form,
                           locales=principal.tenant.content_locales), code


@blueprint.post(f"{BASE}/agenda-template/<int:agenda_item_id>/move")
@require(can_view_partnership)
def dialogue_agenda_item_move(agenda_item_id: int):
    principal = current_principal()
    item = _item_or_404(agenda_item_id)
    _manager_only()
    if not ConfirmForm().validate_on_submit():
        abort(400)
    step = -1 if request.form.get("step") == "up" else 1
    svc.move_template_item(principal.tenant, principal, item, step)
    db.session.commit()
    return redirect(url_for("partnership.dialogue_agenda_template") + f"#item-{item.id}")


@blueprint.route(f"{BASE}/agenda-template/<int:agenda_item_id>/remove", methods=["GET", "POST"])
@require(can_view_partnership)
def dialogue_agenda_item_remove(agenda_item_id: int):
    """Remove an item of the template, confirmed."""
    principal = current_principal()
    item = _item_or_404(agenda_item_id)
    _manager_only()
    form = ConfirmForm()
    if form.validate_on_submit():
        svc.remove_template_item(principal.tenant, principal, item)
        db.session.commit()
        flash(_("The agenda item is removed."), "success")
        return redirect(url_for("partnership.dialogue_agenda_template"))
    return render_template("partnership/dialogues/agenda_item_remove.html", item=item,
                           form=form), 400 if request.method == "POST" else 200


# --- guidance signals ------------------------------------------------------------------------


def _observation_data(form: ObservationForm) -> gsvc.ObservationData:
    return gsvc.ObservationData(
        organisation_id=_int(form.organisation_id.data), observed_on=form.observed_on.data,
        theme=form.theme.data or "", tone=form.tone.data or "", text=form.text.data or "")


def _guidance_readers_only() -> None:
    if not gsvc.sees_observations(current_principal()):
        abort(403)


@blueprint.get(GUIDANCE)
@require(can_view_partnership)
def guidance():
    """The observations, filtered by status, provider and theme, newest first."""
    principal = current_principal()
    _guidance_readers_only()
    status = request.args.get("status", "")
    status = status if status in gsvc.STATUS_LABELS else ""
    theme = request.args.get("theme", "")
    theme = theme if theme in gsvc.THEME_LABELS else ""
    organisation_id = _int_arg("provider")
    rows = gsvc.observations_for(principal.tenant, principal, status=status,
                                 organisation_id=organisation_id, theme=theme)
    page = paginate_list(rows, _int_arg("page") or 1, PER_PAGE)
    args = {key: value for key, value in {"status": status, "theme": theme,
                                          "provider": organisation_id}.items() if value}
    return render_template(
        "partnership/dialogues/guidance.html", page=page, status=status, theme=theme,
        provider=organisation_id, providers=_provider_options(principal.tenant), args=args,
        status_labels=gsvc.STATUS_LABELS, theme_labels=gsvc.THEME_LABELS,
        tone_labels=gsvc.TONE_LABELS, filtered=bool(args),
        can_log=gsvc.can_log_observations(principal))


@blueprint.route(f"{GUIDANCE}/new", methods=["GET", "POST"])
@require(can_view_partnership)
def guidance_new():
    """Log an observation."""
    principal = current_principal()
    if not gsvc.can_log_observations(principal):
        abort(403)
    form = ObservationForm(providers=_provider_options(principal.tenant),
                           data={"observed_on": gsvc.today()} if request.method == "GET" else None)
    code = 200
    if request.method == "POST":
        code = 400
        if form.validate_on_submit():
            try:
                gsvc.log_observation(principal.tenant, principal, _observation_data(form))
            except PartnershipError as error:
                _fail(form, error)
            else:
                db.session.commit()
                flash(_("The observation is logged."), "success")
                return redirect(url_for("partnership.guidance"))
    return render_template("partnership/dialogues/observation_form.html", form=form,
                           observation=None), code


@blueprint.route(f"{GUIDANCE}/<int:observation_id>", methods=["GET", "POST"])
@require(can_view_partnership)
def guidance_observation(observation_id: int):
    """An observation; its author (while new) or a purchaser changes it."""
    principal = current_principal()
    observation = _observation_or_404(observation_id)
    may_edit = (gsvc.can_edit(observation)(principal)
                and observation.status != "closed")
    form = ObservationForm(providers=_provider_options(principal.tenant), data={
        "organisation_id": str(observation.organisation_id),
        "observed_on": observation.observed_on, "theme": observation.theme,
        "tone": observation.tone, "text": observation.text})
    code = 200
    if request.method == "POST":
        if not may_edit:
            abort(403)
        code = 400
        if form.validate_on_submit():
            try:
                gsvc.update_observation(principal.tenant, principal, observation,
                                        _observation_data(form))
            except PartnershipError as error:
                _fail(form, error)
                observation = _observation_or_404(observation_id)
            else:
                db.session.commit()
                flash(_("The observation is saved."), "success")
                return redirect(url_for("partnership.guidance_observation",
                                        observation_id=observation.id))
    return render_template(
        "partnership/dialogues/observation.html", observation=observation, form=form,
        may_edit=may_edit, status_labels=gsvc.STATUS_LABELS, theme_labels=gsvc.THEME_LABELS,
        tone_labels=gsvc.TONE_LABELS,
        may_close=gsvc.can_close_observations(principal) and observation.status != "closed",
        dialogue_visible=observation.dialogue is not None), code


@blueprint.route(f"{GUIDANCE}/<int:observation_id>/close", methods=["GET", "POST"])
@require(can_view_partnership)
def guidance_close(observation_id: int):
    """Close an observation, confirmed."""
    principal = current_principal()
    observation = _observation_or_404(observation_id)
    if not gsvc.can_close_observations(principal):
        abort(403)
    form = ConfirmForm()
    if observation.status == "closed":
        return render_template("partnership/dialogues/observation_close.html",
                               observation=observation, form=form,
                               theme_labels=gsvc.THEME_LABELS), 409
    if form.validate_on_submit():
        gsvc.close_observation(principal.tenant, principal, observation)
        db.session.commit()
        flash(_("The observation is closed."), "success")
        return redirect(url_for("partnership.guidance"))
    return render_template("partnership/dialogues/observation_close.html",
                           observation=observation, form=form,
                           theme_labels=gsvc.THEME_LABELS), 400 if request.method == "POST" else 200
