"""Guidance counsellors' signals: what students tell the municipality's study and career
guidance counsellors about a provider's quality, logged as observations that feed the agenda of
the provider's next quality dialogue (:mod:`samverkan.partnership.services.dialogues`).

Who may do what (checked here whatever the page checked):

* log an observation: guidance counsellors, purchasers and admins (people only;
  :data:`can_log_observations`);
* change one: its author while it is new, or a purchaser or admin (:func:`can_edit`);
* close one (new or taken to a dialogue): those who may log observations;
* read: guidance counsellors and the broad roles (:data:`sees_observations`). Provider
  reporters never see the raw observations: the counsellors' channel is the municipality's.

Lifecycle: ``new`` → ``taken_to_dialogue`` (when a dialogue with the provider is scheduled; back
to ``new`` if that dialogue is cancelled) → ``closed``. Every change is audited. The text must
not name students.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from samverkan.partnership.dialogue_models import (
    GuidanceObservation,
    ObservationStatus,
    ObservationTheme,
    ObservationTone,
)
from samverkan.partnership.permissions import is_purchaser, sees_everything
from samverkan.partnership.services.common import (
    PartnershipError,
    date_value,
    label_of,
    record,
    require,
    today,
)
from samverkan.platform.db import db
from samverkan.tenants.models import Organisation, OrganisationKind, Role, Tenant
from samverkan.tenants.permissions import Principal, Rule, has_role, is_person

TEXT_LENGTH = 4000
FIELDS = ["organisation_id", "observed_on", "theme", "tone", "text", "status", "dialogue_id"]

THEME_LABELS = {
    ObservationTheme.TEACHING: _l("Teaching"),
    ObservationTheme.STUDY_SUPPORT: _l("Study support"),
    ObservationTheme.PREMISES: _l("Premises and equipment"),
    ObservationTheme.WORKPLACE_LEARNING: _l("Workplace learning"),
    ObservationTheme.OTHER: _l("Other"),
}
TONE_LABELS = {ObservationTone.POSITIVE: _l("Positive"), ObservationTone.CONCERN: _l("Concern")}
STATUS_LABELS = {ObservationStatus.NEW: _l("New"),
                 ObservationStatus.TAKEN: _l("Taken to dialogue"),
                 ObservationStatus.CLOSED: _l("Closed")}

is_counsellor = has_role(Role.GUIDANCE_COUNSELLOR) & is_person
can_log_observations = is_counsellor | is_purchaser
sees_observations = sees_everything | has_role(Role.GUIDANCE_COUNSELLOR)
can_close_observations = can_log_observations


def can_edit(observation: GuidanceObservation) -> Rule:
    """A purchaser or admin; the author while the observation is new."""
    own_new = Rule(f"author of new observation:{observation.id}", lambda p: (
        p.user is not None and p.user.id == observation.author_user_id
        and observation.status == ObservationStatus.NEW))
    return is_purchaser | (is_counsellor & own_new)


@dataclass(frozen=True)
class ObservationData:
    """What the form of an observation carries."""

    organisation_id: int | None
    observed_on: date | str | None
    theme: str
    tone: str
    text: str


# --- reading ---------------------------------------------------------------------------------


def observations_for(tenant: Tenant, principal: Principal, *, status: str = "",
                     organisation_id: int | None = None,
                     theme: str = "") -> list[GuidanceObservation]:
    """The observations the principal may see, newest first."""
    if not sees_observations(principal):
        return []
    query = select(GuidanceObservation).where(GuidanceObservation.tenant_id == tenant.id)
    if status in set(ObservationStatus):
        query = query.where(GuidanceObservation.status == status)
    if organisation_id is not None:
        query = query.where(GuidanceObservation.organisation_id == organisation_id)
    if theme in set(ObservationTheme):
        query = query.where(GuidanceObservation.theme == theme)
    return list(db.session.scalars(query.order_by(GuidanceObservation.observed_on.desc(),
                                                  GuidanceObservation.id.desc())))


def get_visible_observation(tenant: Tenant, principal: Principal,
                            observation_id) -> GuidanceObservation:
    """The observation if the principal may see it, else the same error as a missing one."""
    observation = (db.session.get(GuidanceObservation, observation_id)
                   if observation_id else None)
    if (observation is None or observation.tenant_id != tenant.id
            or not sees_observations(principal)):
        raise PartnershipError("observation_id", "not_found", _l("No such observation."))
    return observation


def providers_of(tenant: Tenant) -> list[Organisation]:
    """The tenant's provider organisations that are not archived."""
    return list(db.session.scalars(select(Organisation).where(
        Organisation.tenant_id == tenant.id, Organisation.kind == OrganisationKind.PROVIDER,
        Organisation.is_archived.is_(False)).order_by(Organisation.id)))


def new_observations_of(tenant: Tenant, organisation_id: int) -> list[GuidanceObservation]:
    """A provider's observations not yet taken to a dialogue, oldest first."""
    return list(db.session.scalars(select(GuidanceObservation).where(
        GuidanceObservation.tenant_id == tenant.id,
        GuidanceObservation.organisation_id == organisation_id,
        GuidanceObservation.status == ObservationStatus.NEW,
    ).order_by(GuidanceObservation.observed_on, GuidanceObservation.id)))


# --- changes ---------------------------------------------------------------------------------


def log_observation(tenant: Tenant, principal: Principal,
                    data: ObservationData) -> GuidanceObservation:
    """A new observation by the principal."""
    require(can_log_observations, principal, tenant)
    observation = GuidanceObservation(tenant_id=tenant.id, status=ObservationStatus.NEW,
                                      author_user_id=principal.user.id,
                                      author_label=label_of(principal))
    _fill(tenant, observation, data)
    db.session.add(observation)
    db.session.flush()
    record("partnership.observation_logged", observation, principal,
           after=_snapshot(observation))
    return observation


def update_observation(tenant: Tenant, principal: Principal, observation: GuidanceObservation,
                       data: ObservationData) -> None:
    _own(tenant, principal, observation)
    require(can_edit(observation), principal, tenant)
    if observation.status == ObservationStatus.CLOSED:
        raise PartnershipError("status", "closed", _l("A closed observation cannot be changed."))
    if (observation.status == ObservationStatus.TAKEN
            and data.organisation_id != observation.organisation_id):
        raise PartnershipError("organisation_id", "taken", _l(
            "The observation is on a dialogue's agenda: its provider cannot change."))
    before = _snapshot(observation)
    _fill(tenant, observation, data)
    db.session.flush()
    record("partnership.observation_updated", observation, principal, before=before,
           after=_snapshot(observation))


def close_observation(tenant: Tenant, principal: Principal,
                      observation: GuidanceObservation) -> None:
    """Close an observation that needs no more follow-up."""
    _own(tenant, principal, observation)
    require(can_close_observations, principal, tenant)
    if observation.status == ObservationStatus.CLOSED:
        raise PartnershipError("status", "closed", _l("This observation is already closed."))
    before = _snapshot(observation)
    observation.status = ObservationStatus.CLOSED
    db.session.flush()
    record("partnership.observation_closed", observation, principal, before=before,
           after=_snapshot(observation))


def take_to_dialogue(observations: list[GuidanceObservation], dialogue_id: int) -> None:
    """Mark new observations as taken to a dialogue (the dialogue's service audits it)."""
    for observation in observations:
        observation.status = ObservationStatus.TAKEN
        observation.dialogue_id = dialogue_id


def release_from_dialogue(observations: list[GuidanceObservation]) -> None:
    """Observations of a cancelled dialogue are new again, for the next one."""
    for observation in observations:
        if observation.status == ObservationStatus.TAKEN:
            observation.status = ObservationStatus.NEW
        observation.dialogue_id = None


# --- helpers ---------------------------------------------------------------------------------


def _own(tenant: Tenant, principal: Principal, observation: GuidanceObservation) -> None:
    if (observation is None or observation.tenant_id != tenant.id
            or not sees_observations(principal)):
        raise PartnershipError("observation_id", "not_found", _l("No such observation."))


def _fill(tenant: Tenant, observation: GuidanceObservation, data: ObservationData) -> None:
    providers = {o.id for o in providers_of(tenant)}
    organisation_id = data.organisation_id
    if organisation_id is None or (organisation_id not in providers
                                   and organisation_id != observation.organisation_id):
        raise PartnershipError("organisation_id", "invalid", _l("Choose a provider."))
    observed_on = date_value(data.observed_on, "observed_on")
    if observed_on > today():
        raise PartnershipError("observed_on", "future", _l("The date cannot be in the future."))
    if data.theme not in set(ObservationTheme):
        raise PartnershipError("theme", "invalid", _l("Choose a theme."))
    if data.tone not in set(ObservationTone):
        raise PartnershipError("tone", "invalid", _l("Choose whether it is positive or a concern."))
    text = data.text.strip() if isinstance(data.text, str) else ""
    if not text:
        raise PartnershipError("text", "required", _l("Describe what the students said."))
    if len(text) > TEXT_LENGTH:
        raise PartnershipError("text", "too_long",
                               _l("Enter at most %(count)s characters.", count=TEXT_LENGTH))
    observation.organisation_id = data.organisation_id
    observation.observed_on = observed_on
    observation.theme, observation.tone, observation.text = data.theme, data.tone, text


def _snapshot(observation: GuidanceObservation) -> dict:
    return {name: getattr(observation, name) for name in FIELDS}
