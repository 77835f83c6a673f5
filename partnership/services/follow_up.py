"""Follow-up actions: corrective actions after a spot check's finding and actions agreed in a
quality dialogue (:class:`~samverkan.partnership.purchasing_models.FollowUpAction`), tracked
from creation until closed.

Who may do what (checked here whatever the page or API checked):

* create, update, reopen, and close any action: purchasers and admins (:data:`can_manage_actions`);
* close an action of its own organisation whose owner party is the provider: that provider's
  reporter (:func:`can_close`), with a note on what was done;
* read: the broad roles see every action of the tenant; a principal bound to an organisation
  sees only that organisation's actions (:func:`actions_for`); anyone else sees none.

An action is *overdue* while it is open and its due date has passed. Every change is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from samverkan.partnership.permissions import (
    bound_to,
    is_provider_reporter,
    is_purchaser,
    sees_everything,
)
from samverkan.partnership.purchasing_models import ActionSource, ActionStatus, FollowUpAction
from samverkan.partnership.services.common import (
    PartnershipError,
    date_value,
    label_of,
    record,
    require,
    today,
)
from samverkan.platform.db import db
from samverkan.tenants.models import Organisation, OrganisationKind
from samverkan.tenants.permissions import Principal, Rule, has_scope

OWNER_PARTIES = ("purchaser", "provider")
DESCRIPTION_LENGTH = 2000
OWNER_LENGTH = 200
NOTE_LENGTH = 2000
STATES = ("open", "overdue", "closed")
FIELDS = ["organisation_id", "source_kind", "source_id", "description", "owner", "owner_party",
          "due_on", "status", "closed_on", "closing_note"]

can_manage_actions = is_purchaser


def can_close(action: FollowUpAction) -> Rule:
    """The purchaser, or the provider's reporter for an action the provider owns."""
    provider_owned = Rule(f"owned by the provider:{action.id}",
                          lambda _p: action.owner_party == "provider")
    return is_purchaser | (is_provider_reporter & bound_to(action.organisation_id)
                           & has_scope("report") & provider_owned)


def sees_action(action: FollowUpAction) -> Rule:
    return sees_everything | bound_to(action.organisation_id)


def is_overdue(action: FollowUpAction, on: date | None = None) -> bool:
    """Open with its due date passed."""
    return action.status == ActionStatus.OPEN and action.due_on < (on or today())


@dataclass(frozen=True)
class ActionFilter:
    """Filters of :func:`actions_for`; empty values do not filter."""

    state: str = ""  # open, overdue or closed
    organisation_id: int | None = None
    source_kind: str = ""
    source_id: int | None = None


# --- reading ---------------------------------------------------------------------------------


def actions_for(principal: Principal, filters: ActionFilter | None = None) -> list[FollowUpAction]:
    """The actions the principal may see, filtered, soonest due first (closed ones last)."""
    filters = filters or ActionFilter()
    tenant = principal.tenant
    query = select(FollowUpAction).where(FollowUpAction.tenant_id == tenant.id)
    if not sees_everything(principal):
        if principal.organisation_id is None:
            return []
        query = query.where(FollowUpAction.organisation_id == principal.organisation_id)
    if filters.organisation_id is not None:
        query = query.where(FollowUpAction.organisation_id == filters.organisation_id)
    if filters.source_kind:
        query = query.where(FollowUpAction.source_kind == filters.source_kind)
    if filters.source_id is not None:
        query = query.where(FollowUpAction.source_id == filters.source_id)
    if filters.state == "closed":
        query = query.where(FollowUpAction.status == ActionStatus.CLOSED)
    elif filters.state in ("open", "overdue"):
        query = query.where(FollowUpAction.status == ActionStatus.OPEN)
        if filters.state == "overdue":
            query = query.where(FollowUpAction.due_on < today())
    rows = db.session.scalars(query.order_by(FollowUpAction.due_on, FollowUpAction.id))
    return sorted(rows, key=lambda a: a.status == ActionStatus.CLOSED)


def actions_of_source(principal: Principal, source_kind: str,
                      source_id: int) -> list[FollowUpAction]:
    """The visible actions of one finding or dialogue."""
    return actions_for(principal, ActionFilter(source_kind=source_kind, source_id=source_id))


def get_visible_action(principal: Principal, action_id) -> FollowUpAction:
    """The action, or ``not_found`` if it is another tenant's or the principal may not see it."""
    action = db.session.get(FollowUpAction, action_id) if action_id else None
    if (action is None or action.tenant_id != principal.tenant.id
            or not sees_action(action)(principal)):
        raise PartnershipError("action_id", "not_found", _l("No such follow-up action."))
    return action


# --- changes ---------------------------------------------------------------------------------


def create(principal: Principal, source_kind: str, source_id: int, organisation_id: int,
           description: str, owner: str, owner_party: str, due_on) -> FollowUpAction:
    """A new open action of a provider organisation, after ``source_kind``/``source_id``."""
    tenant = principal.tenant
    require(can_manage_actions, principal, tenant)
    if source_kind not in {kind.value for kind in ActionSource}:
        raise PartnershipError("source_kind", "invalid", _l("Choose what the action follows."))
    if not isinstance(source_id, int) or isinstance(source_id, bool):
        raise PartnershipError("source_id", "invalid", _l("Name what the action follows."))
    organisation = db.session.get(Organisation, organisation_id) if organisation_id else None
    if (organisation is None or organisation.tenant_id != tenant.id
            or organisation.kind != OrganisationKind.PROVIDER):
        raise PartnershipError("organisation_id", "invalid", _l("Choose a provider."))
    action = FollowUpAction(tenant_id=tenant.id, organisation_id=organisation.id,
                            source_kind=source_kind, source_id=source_id,
                            status=ActionStatus.OPEN, closing_note="",
                            created_by_label=label_of(principal))
    _fill(action, description, owner, owner_party, due_on)
    db.session.add(action)
    db.session.flush()
    record("partnership.action_created", action, principal, after=_snapshot(action))
    return action


def update(principal: Principal, action: FollowUpAction, description: str, owner: str,
           owner_party: str, due_on) -> None:
    """Change what is to be done, by whom and when (open actions only)."""
    _manageable(principal, action)
    if action.status != ActionStatus.OPEN:
        raise PartnershipError("status", "closed", _l("Reopen the action before changing it."))
    before = _snapshot(action)
    _fill(action, description, owner, owner_party, due_on)
    db.session.flush()
    record("partnership.action_updated", action, principal, before=before, after=_snapshot(action))


def close(principal: Principal, action: FollowUpAction, closing_note: str,
          closed_on=None) -> None:
    """Mark the action done, with a note on what was done; ``closed_on`` defaults to today and
    cannot be in the future."""
    _visible(principal, action)
    require(can_close(action), principal, principal.tenant)
    if action.status == ActionStatus.CLOSED:
        raise PartnershipError("status", "closed", _l("This action is already closed."))
    note = _text(closing_note, "closing_note", NOTE_LENGTH,
                 _l("Describe what was done."))
    day = date_value(closed_on, "closed_on", required=False) or today()
    if day > today():
        raise PartnershipError("closed_on", "future", _l("The closing date cannot be in the future."))
    before = _snapshot(action)
    action.status, action.closing_note, action.closed_on = ActionStatus.CLOSED, note, day
    db.session.flush()
    record("partnership.action_closed", action, principal, before=before, after=_snapshot(action))


def reopen(principal: Principal, action: FollowUpAction) -> None:
    """Open a closed action again (the closing note is kept in the audit trail)."""
    _manageable(principal, action)
    if action.status != ActionStatus.CLOSED:
        raise PartnershipError("status", "open", _l("This action is already open."))
    before = _snapshot(action)
    action.status, action.closed_on, action.closing_note = ActionStatus.OPEN, None, ""
    db.session.flush()
    record("partnership.action_reopened", action, principal, before=before,
           after=_snapshot(action))


# --- helpers ---------------------------------------------------------------------------------


def _visible(principal: Principal, action: FollowUpAction) -> None:
    if (action is None or principal is None or action.tenant_id != principal.tenant.id
            or not sees_action(action)(principal)):
        raise PartnershipError("action_id", "not_found", _l("No such follow-up action."))


def _manageable(principal: Principal, action: FollowUpAction) -> None:
    _visible(principal, action)
    require(can_manage_actions, principal, principal.tenant)


def _fill(action: FollowUpAction, description: str, owner: str, owner_party: str, due_on) -> None:
    action.description = _text(description, "description", DESCRIPTION_LENGTH,
                               _l("Describe the action."))
    action.owner = _text(owner, "owner", OWNER_LENGTH, _l("Enter who is responsible."))
    if owner_party not in OWNER_PARTIES:
        raise PartnershipError("owner_party", "invalid",
                               _l("Choose whether the purchaser or the provider is responsible."))
    action.owner_party = owner_party
    action.due_on = date_value(due_on, "due_on")


def _text(value, field: str, limit: int, required_message) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise PartnershipError(field, "required", required_message)
    if len(text) > limit:
        raise PartnershipError(field, "too_long",
                               _l("Enter at most %(count)s characters.", count=limit))
    return text


def _snapshot(action: FollowUpAction) -> dict:
    return {name: getattr(action, name) for name in FIELDS}
