"""Quality dialogues between the purchaser and each authorised provider: the tenant's agenda
template, scheduling (the agenda is built from the template and the provider's new guidance
observations, which are then taken to the dialogue), the agenda's editing, the minutes of the
held dialogue, cancelling, and the actions agreed (follow-up actions of
:mod:`samverkan.partnership.services.follow_up` with ``source_kind`` ``dialogue``).

Who may do what (checked here whatever the page checked):

* the agenda template, scheduling, the agenda, the minutes, cancelling and the agreed actions:
  purchasers and admins (:data:`can_manage_dialogues`);
* reading: the broad roles and guidance counsellors see every dialogue; a principal bound to an
  organisation (a provider reporter) sees only its own organisation's (:func:`sees_dialogue`).

Lifecycle: ``planned`` → ``held`` (date and minutes in at least one language; the minutes can be
corrected later) or ``cancelled`` (its observations are new again). Every change is audited.
"""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from samverkan.partnership.dialogue_models import (
    AgendaTemplateItem,
    DialogueStatus,
    QualityDialogue,
)
from samverkan.partnership.permissions import bound_to, is_purchaser, sees_everything
from samverkan.partnership.purchasing_models import ActionSource, FollowUpAction
from samverkan.partnership.services import follow_up, guidance
from samverkan.partnership.services.common import (
    PartnershipError,
    date_value,
    label_of,
    record,
    require,
    texts,
    today,
)
from samverkan.platform.db import db
from samverkan.tenants.models import Role, Tenant
from samverkan.tenants.permissions import Principal, Rule, has_role

ITEM_LENGTH = 500
AGENDA_LENGTH = 10000
MINUTES_LENGTH = 20000
REASON_LENGTH = 2000
FIELDS = ["organisation_id", "scheduled_on", "status", "held_on", "agenda", "minutes",
          "cancel_reason"]
WHEN = ("upcoming", "held", "cancelled")

# The standing agenda used while the tenant has not set one.
DEFAULT_AGENDA = (
    _l("Results and completions since the last dialogue"),
    _l("Findings of spot checks and invoice follow-up"),
    _l("Signals from study and career guidance"),
    _l("Follow-up of agreed actions"),
    _l("Other matters"),
)
STATUS_LABELS = {DialogueStatus.PLANNED: _l("Planned"), DialogueStatus.HELD: _l("Held"),
                 DialogueStatus.CANCELLED: _l("Cancelled")}

can_manage_dialogues = is_purchaser
sees_all_dialogues = sees_everything | has_role(Role.GUIDANCE_COUNSELLOR)


def sees_dialogue(dialogue: QualityDialogue) -> Rule:
    return sees_all_dialogues | bound_to(dialogue.organisation_id)


# --- the agenda template ---------------------------------------------------------------------


def template_items(tenant: Tenant) -> list[AgendaTemplateItem]:
    return list(db.session.scalars(select(AgendaTemplateItem).where(
        AgendaTemplateItem.tenant_id == tenant.id).order_by(AgendaTemplateItem.position,
                                                            AgendaTemplateItem.id)))


def default_items(tenant: Tenant) -> list[dict]:
    """The default agenda, per content locale of the tenant."""
    items = []
    for message in DEFAULT_AGENDA:
        text = {}
        for locale in tenant.content_locales:
            with force_locale(locale):
                text[locale] = str(message)
        items.append(text)
    return items


def agenda_texts(tenant: Tenant) -> list[dict]:
    """The template's items (per-locale texts), or the default ones while it is empty."""
    return [item.text for item in template_items(tenant)] or default_items(tenant)


def get_template_item(tenant: Tenant, item_id) -> AgendaTemplateItem:
    item = db.session.get(AgendaTemplateItem, item_id) if item_id else None
    if item is None or item.tenant_id != tenant.id:
        raise PartnershipError("agenda_item_id", "not_found", _l("No such agenda item."))
    return item


def add_template_item(tenant: Tenant, principal: Principal, text: dict) -> AgendaTemplateItem:
    """A new item at the end of the template."""
    require(can_manage_dialogues, principal, tenant)
    last = db.session.scalar(select(func.max(AgendaTemplateItem.position)).where(
        AgendaTemplateItem.tenant_id == tenant.id)) or 0
    item = AgendaTemplateItem(tenant_id=tenant.id, position=last + 1,
                              text=texts(text, "text", required=True, max_length=ITEM_LENGTH))
    db.session.add(item)
    db.session.flush()
    record("partnership.agenda_item_added", item, principal, after={"text": item.text})
    return item


def use_default_items(tenant: Tenant, principal: Principal) -> list[AgendaTemplateItem]:
    """Store the default items as the template (only while it is empty), to edit them."""
    require(can_manage_dialogues, principal, tenant)
    if template_items(tenant):
        raise PartnershipError("template", "not_empty", _l("The agenda template has items."))
    return [add_template_item(tenant, principal, text) for text in default_items(tenant)]


def update_template_item(tenant: Tenant, principal: Principal, item: AgendaTemplateItem,
                         text: dict) -> None:
    require(can_manage_dialogues, principal, tenant)
    item = get_template_item(tenant, item.id)
    before = {"text": item.text}
    item.text = texts(text, "text", required=True, max_length=ITEM_LENGTH)
    db.session.flush()
    record("partnership.agenda_item_updated", item, principal, before=before,
           after={"text": item.text})


def move_template_item(tenant: Tenant, principal: Principal, item: AgendaTemplateItem,
                       step: int) -> None:
    """One place up (``-1``) or down (``1``)."""
    require(can_manage_dialogues, principal, tenant)
    item = get_template_item(tenant, item.id)
    if step not in (-1, 1):
        raise PartnershipError("step", "invalid", _l("Move an item up or down."))
    ordered = template_items(tenant)
    index = ordered.index(item)
    if not 0 <= index + step < len(ordered):
        return
    ordered[index], ordered[index + step] = ordered[index + step], ordered[index]
    for position, each in enumerate(ordered, start=1):
        each.position = position
    db.session.flush()
    record("partnership.agenda_items_reordered", None, principal,
           entity_type="AgendaTemplateItem", entity_id=item.id,
           after={"order": [each.id for each in ordered]})


def remove_template_item(tenant: Tenant, principal: Principal, item: AgendaTemplateItem) -> None:
    """Delete an item of the template (dialogues already scheduled keep their agenda)."""
    require(can_manage_dialogues, principal, tenant)
    item = get_template_item(tenant, item.id)
    item_id, before = item.id, {"text": item.text}
    db.session.delete(item)
    db.session.flush()
    record("partnership.agenda_item_removed", None, principal, entity_type="AgendaTemplateItem",
           entity_id=item_id, before=before)


# --- reading dialogues -----------------------------------------------------------------------


def dialogues_for(tenant: Tenant, principal: Principal, *, when: str = "",
                  organisation_id: int | None = None) -> list[QualityDialogue]:
    """The dialogues the principal may see: ``upcoming`` (planned, soonest first), ``held`` or
    ``cancelled`` (latest first), or all (latest first)."""
    query = select(QualityDialogue).where(QualityDialogue.tenant_id == tenant.id)
    if not sees_all_dialogues(principal):
        if principal is None or principal.organisation_id is None:
            return []
        query = query.where(QualityDialogue.organisation_id == principal.organisation_id)
    if organisation_id is not None:
        query = query.where(QualityDialogue.organisation_id == organisation_id)
    status = {"upcoming": DialogueStatus.PLANNED, "held": DialogueStatus.HELD,
              "cancelled": DialogueStatus.CANCELLED}.get(when)
    if status is not None:
        query = query.where(QualityDialogue.status == status)
    if when == "upcoming":
        order = (QualityDialogue.scheduled_on, QualityDialogue.id)
    else:
        order = (QualityDialogue.scheduled_on.desc(), QualityDialogue.id.desc())
    return list(db.session.scalars(query.order_by(*order)))


def get_visible_dialogue(tenant: Tenant, principal: Principal, dialogue_id) -> QualityDialogue:
    """The dialogue if the principal may see it, else the same error as a missing one."""
    dialogue = db.session.get(QualityDialogue, dialogue_id) if dialogue_id else None
    if (dialogue is None or dialogue.tenant_id != tenant.id
            or not sees_dialogue(dialogue)(principal)):
        raise PartnershipError("dialogue_id", "not_found", _l("No such quality dialogue."))
    return dialogue


def actions_of(principal: Principal, dialogue: QualityDialogue) -> list[FollowUpAction]:
    """The actions agreed in the dialogue that the principal may see."""
    return follow_up.actions_of_source(principal, ActionSource.DIALOGUE, dialogue.id)


def get_action(principal: Principal, dialogue: QualityDialogue, action_id) -> FollowUpAction:
    """An action agreed in this dialogue, visible to the principal."""
    action = follow_up.get_visible_action(principal, action_id)
    if action.source_kind != ActionSource.DIALOGUE or action.source_id != dialogue.id:
        raise PartnershipError("action_id", "not_found", _l("No such follow-up action."))
    return action


# --- changes ---------------------------------------------------------------------------------


def build_agenda(tenant: Tenant, observations: list) -> dict:
    """The agenda per content locale: the template's items numbered, then the observations."""
    agenda = {}
    items = agenda_texts(tenant)
    for locale in tenant.content_locales:
        lines = [f"{number}. {_pick(text, locale)}" for number, text in enumerate(items, start=1)]
        if observations:
            with force_locale(locale):
                lines += ["", str(_l("Guidance signals to discuss:"))] + [
                    f"- {o.observed_on.isoformat()}, {guidance.THEME_LABELS[o.theme]}, "
                    f"{guidance.TONE_LABELS[o.tone]}: {o.text}" for o in observations]
        agenda[locale] = "\n".join(lines)
    return agenda


def schedule_dialogue(tenant: Tenant, principal: Principal, organisation_id,
                      scheduled_on) -> QualityDialogue:
    """Plan a dialogue with a provider; its new observations are taken to it."""
    require(can_manage_dialogues, principal, tenant)
    if organisation_id not in {o.id for o in guidance.providers_of(tenant)}:
        raise PartnershipError("organisation_id", "invalid", _l("Choose a provider."))
    day = date_value(scheduled_on, "scheduled_on")
    observations = guidance.new_observations_of(tenant, organisation_id)
    dialogue = QualityDialogue(tenant_id=tenant.id, organisation_id=organisation_id,
                               scheduled_on=day, status=DialogueStatus.PLANNED, minutes={},
                               agenda=build_agenda(tenant, observations), cancel_reason="",
                               created_by_label=label_of(principal))
    db.session.add(dialogue)
    db.session.flush()
    guidance.take_to_dialogue(observations, dialogue.id)
    db.session.flush()
    record("partnership.dialogue_scheduled", dialogue, principal,
           after={**_snapshot(dialogue), "observations": [o.id for o in observations]})
    return dialogue


def update_dialogue(tenant: Tenant, principal: Principal, dialogue: QualityDialogue,
                    scheduled_on, agenda: dict) -> None:
    """Move a planned dialogue or edit its agenda."""
    _manageable(tenant, principal, dialogue)
    if dialogue.status != DialogueStatus.PLANNED:
        raise PartnershipError("status", "not_planned", _l(
            "Only a planned dialogue can be moved or get a new agenda."))
    before = _snapshot(dialogue)
    dialogue.scheduled_on = date_value(scheduled_on, "scheduled_on")
    dialogue.agenda = texts(agenda, "agenda", required=True, max_length=AGENDA_LENGTH)
    db.session.flush()
    record("partnership.dialogue_updated", dialogue, principal, before=before,
           after=_snapshot(dialogue))


def record_minutes(tenant: Tenant, principal: Principal, dialogue: QualityDialogue,
                   held_on, minutes: dict) -> None:
    """The dialogue was held: its date and minutes (or a correction of the minutes)."""
    _manageable(tenant, principal, dialogue)
    if dialogue.status == DialogueStatus.CANCELLED:
        raise PartnershipError("status", "cancelled", _l("This dialogue was cancelled."))
    day = date_value(held_on, "held_on")
    if day > today():
        raise PartnershipError("held_on", "future", _l(
            "A dialogue cannot have been held in the future."))
    before, first = _snapshot(dialogue), dialogue.status == DialogueStatus.PLANNED
    dialogue.minutes = texts(minutes, "minutes", required=True, max_length=MINUTES_LENGTH)
    dialogue.held_on, dialogue.status = day, DialogueStatus.HELD
    db.session.flush()
    record("partnership.dialogue_held" if first else "partnership.dialogue_minutes_updated",
           dialogue, principal, before=before, after=_snapshot(dialogue))


def cancel_dialogue(tenant: Tenant, principal: Principal, dialogue: QualityDialogue,
                    reason: str = "") -> None:
    """Cancel a planned dialogue; its observations are new again."""
    _manageable(tenant, principal, dialogue)
    if dialogue.status != DialogueStatus.PLANNED:
        raise PartnershipError("status", "not_planned", _l(
            "Only a planned dialogue can be cancelled."))
    reason = (reason or "").strip()
    if len(reason) > REASON_LENGTH:
        raise PartnershipError("reason", "too_long",
                               _l("Enter at most %(count)s characters.", count=REASON_LENGTH))
    before = _snapshot(dialogue)
    released = [o.id for o in dialogue.observations]
    guidance.release_from_dialogue(list(dialogue.observations))
    dialogue.status, dialogue.cancel_reason = DialogueStatus.CANCELLED, reason
    db.session.flush()
    db.session.expire(dialogue, ["observations"])
    record("partnership.dialogue_cancelled", dialogue, principal, before=before,
           after={**_snapshot(dialogue), "released_observations": released})


def agree_action(tenant: Tenant, principal: Principal, dialogue: QualityDialogue,
                 description: str, owner: str, owner_party: str, due_on) -> FollowUpAction:
    """An action agreed in the dialogue, tracked until closed."""
    _manageable(tenant, principal, dialogue)
    if dialogue.status == DialogueStatus.CANCELLED:
        raise PartnershipError("status", "cancelled", _l("This dialogue was cancelled."))
    return follow_up.create(principal, ActionSource.DIALOGUE.value, dialogue.id,
                            dialogue.organisation_id, description, owner, owner_party, due_on)


# --- helpers ---------------------------------------------------------------------------------


def _pick(text: dict, locale: str) -> str:
    return text.get(locale) or next((value for value in text.values() if value), "")


def _manageable(tenant: Tenant, principal: Principal, dialogue: QualityDialogue) -> None:
    require(can_manage_dialogues, principal, tenant)
    get_visible_dialogue(tenant, principal, dialogue.id)


def _snapshot(dialogue: QualityDialogue) -> dict:
    return {name: getattr(dialogue, name) for name in FIELDS}


