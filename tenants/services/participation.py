"""Taking part in association projects: invitations, requests to join, leaving, and consent.

Who does what (rules of :mod:`samverkan.tenants.permissions`):

==================  ==========================================  ================================
action              who                                          participant status
==================  ==========================================  ================================
invite              coordinator of the association               (none)/declined/left -> invited
accept / decline    admin of the invited tenant                  invited -> active / declined
request_to_join     admin of a municipality or consortium        (none)/declined/left -> requested
approve / reject    coordinator of the association               requested -> active / declined
leave               admin of the participant tenant              active -> left
==================  ==========================================  ================================

Only municipality and consortium tenants take part, never the association itself. The
participant row belongs to the association's tenant; the participant's admin reaches it only
through :mod:`samverkan.tenants.services.sharing`.

A consent (:class:`ParticipantConsent`) belongs to the participant's tenant and is decided by its
admin: which indicator codes' values it shares, named or anonymised, and whether its steering
goals' statuses are shared. A change (narrowing or widening) withdraws the consent in force and
grants a new one, so the history reads as a sequence of grants; a withdrawal (or leaving) ends it.
Grants and withdrawals are recorded in the audit trail of both tenants.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from samverkan.platform import audit
from samverkan.platform.db import db, utcnow
from samverkan.platform.services import label_of, record, user_id_of
from samverkan.tenants.models import Tenant, TenantKind
from samverkan.tenants.permissions import (
    Principal,
    can_manage_projects,
    can_take_part_in_projects,
)
from samverkan.tenants.project_models import (
    ParticipantConsent,
    ParticipantStatus,
    Project,
    ProjectParticipant,
)
from samverkan.tenants.services import sharing
from samverkan.tenants.services.projects import ProjectError, require, require_open
from samverkan.tenants.services.sharing import Participation

PARTICIPANT_KINDS = (TenantKind.MUNICIPALITY, TenantKind.CONSORTIUM)
PARTICIPANT_FIELDS = ["project_id", "participant_tenant_id", "status"]
CONSENT_FIELDS = ["project_id", "participant_id", "indicator_codes", "anonymised",
                  "share_goal_statuses"]
CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,49}$")
MAX_CODES = 100
OPEN_AGAIN = {ParticipantStatus.DECLINED, ParticipantStatus.LEFT}


@dataclass
class ConsentData:
    indicator_codes: list[str] = field(default_factory=list)
    anonymised: bool = False
    share_goal_statuses: bool = False


# --- the coordinator's side ------------------------------------------------------------------


def participants(tenant: Tenant, project: Project, status: str = "") -> list[ProjectParticipant]:
    """The project's participant rows (the association's own), optionally of one status."""
    statement = select(ProjectParticipant).where(ProjectParticipant.tenant_id == tenant.id,
                                                 ProjectParticipant.project_id == project.id)
    if status:
        statement = statement.where(ProjectParticipant.status == status)
    return list(db.session.scalars(statement.order_by(ProjectParticipant.id)))


def get_participant(tenant: Tenant, project: Project, participant_id) -> ProjectParticipant:
    row = db.session.get(ProjectParticipant, participant_id) if participant_id else None
    if row is None or row.tenant_id != tenant.id or row.project_id != project.id:
        raise ProjectError("participant_id", "invalid", _l("Choose a participant."))
    return row


def invite(tenant: Tenant, principal: Principal, project: Project,
           participant_tenant: Tenant) -> ProjectParticipant:
    """Invite a municipality or consortium tenant; its admin answers."""
    require(can_manage_projects, principal, tenant)
    require_open(project)
    if project.tenant_id != tenant.id:
        raise ProjectError("project", "invalid", _l("Choose a project."))
    if participant_tenant is None or participant_tenant.id == tenant.id:
        raise ProjectError("participant_tenant_id", "invalid",
                           _l("Choose a municipality or consortium to invite."))
    if participant_tenant.kind not in PARTICIPANT_KINDS or not participant_tenant.is_active:
        raise ProjectError("participant_tenant_id", "kind",
                           _l("Only active municipalities and consortia can take part."))
    row = db.session.scalar(select(ProjectParticipant).where(
        ProjectParticipant.tenant_id == tenant.id, ProjectParticipant.project_id == project.id,
        ProjectParticipant.participant_tenant_id == participant_tenant.id))
    if row is not None and row.status not in OPEN_AGAIN:
        raise ProjectError("participant_tenant_id", "duplicate",
                           _l("This organisation is already invited to or part of the project."))
    before = audit.snapshot(row, PARTICIPANT_FIELDS) if row is not None else None
    if row is None:
        row = ProjectParticipant(tenant_id=tenant.id, participant_tenant_id=participant_tenant.id)
        project.participants.append(row)
    row.status = ParticipantStatus.INVITED
    row.invited_at = utcnow()
    row.invited_by_label = label_of(principal)
    row.answered_at, row.answered_by_label = None, ""
    db.session.flush()
    after = audit.snapshot(row, PARTICIPANT_FIELDS)
    record("project.participant_invited", row, principal, before=before, after=after)
    sharing.record_in(participant_tenant.id, "project.invitation_received", principal,
                      entity_type="ProjectParticipant", entity_id=row.id, after=after)
    return row


def _answer_request(tenant: Tenant, principal: Principal, project: Project,
                    row: ProjectParticipant, target: str, action: str) -> ProjectParticipant:
    require(can_manage_projects, principal, tenant)
    require_open(project)
    if row.project_id != project.id or row.tenant_id != tenant.id:
        raise ProjectError("participant_id", "invalid", _l("Choose a participant."))
    if row.status != ParticipantStatus.REQUESTED:
        raise ProjectError("status", "invalid_transition",
                           _l("Only a request to join can be approved or rejected."))
    before = audit.snapshot(row, PARTICIPANT_FIELDS)
    row.status = target
    row.answered_at = utcnow()
    row.answered_by_label = label_of(principal)
    db.session.flush()
    after = audit.snapshot(row, PARTICIPANT_FIELDS)
    record(action, row, principal, before=before, after=after)
    sharing.record_in(row.participant_tenant_id, action, principal,
                      entity_type="ProjectParticipant", entity_id=row.id, before=before,
                      after=after)
    return row


def approve(tenant: Tenant, principal: Principal, project: Project,
            row: ProjectParticipant) -> ProjectParticipant:
    """A coordinator approves a tenant's request to join."""
    return _answer_request(tenant, principal, project, row, ParticipantStatus.ACTIVE,
                           "project.participation_approved")


def reject(tenant: Tenant, principal: Principal, project: Project,
           row: ProjectParticipant) -> ProjectParticipant:
    """A coordinator rejects a tenant's request to join."""
    return _answer_request(tenant, principal, project, row, ParticipantStatus.DECLINED,
                           "project.participation_rejected")


# --- the participant's side ------------------------------------------------------------------


def _own(tenant: Tenant, participant_id) -> Participation:
    found = sharing.participation(tenant.id, participant_id)
    if found is None:
        raise ProjectError("participant_id", "invalid", _l(
            "Choose a project your organisation is invited to or takes part in."))
    return found


def _change(tenant: Tenant, principal: Principal, participant_id, allowed: set[str], target: str,
            action: str) -> Participation:
    require(can_take_part_in_projects, principal, tenant)
    found = _own(tenant, participant_id)
    changed = sharing.change_participation(tenant.id, found.participant_id, allowed, target,
                                           principal, action)
    record(action, None, principal, entity_type="ProjectParticipant",
           entity_id=found.participant_id, after={"project_id": found.project_id,
                                                  "status": target})
    return changed


def accept(tenant: Tenant, principal: Principal, participant_id,
           consent: ConsentData | None = None) -> Participation:
    """The invited tenant's admin accepts, with the consent chosen (None: nothing shared)."""
    require(can_take_part_in_projects, principal, tenant)
    if consent is not None:
        _validated_consent(consent)  # refuse bad consent data before anything changes
    joined = _change(tenant, principal, participant_id, {ParticipantStatus.INVITED},
                     ParticipantStatus.ACTIVE, "project.invitation_accepted")
    if consent is not None:
        grant_consent(tenant, principal, joined.participant_id, consent)
    return joined


def decline(tenant: Tenant, principal: Principal, participant_id) -> Participation:
    return _change(tenant, principal, participant_id, {ParticipantStatus.INVITED},
                   ParticipantStatus.DECLINED, "project.invitation_declined")


def request_to_join(tenant: Tenant, principal: Principal, project_id,
                    consent: ConsentData | None = None) -> Participation:
    """Ask to join an open project; a consent given now applies once a coordinator approves."""
    require(can_take_part_in_projects, principal, tenant)
    if consent is not None:
        _validated_consent(consent)
    requested = sharing.request_participation(tenant.id, project_id, principal)
    record("project.participation_requested", None, principal, entity_type="ProjectParticipant",
           entity_id=requested.participant_id, after={"project_id": requested.project_id,
                                                      "status": requested.status})
    if consent is not None:
        grant_consent(tenant, principal, requested.participant_id, consent)
    return requested


def leave(tenant: Tenant, principal: Principal, participant_id) -> Participation:
    """Leave a project: the consent in force is withdrawn first, so nothing is shared after."""
    require(can_take_part_in_projects, principal, tenant)
    found = _own(tenant, participant_id)
    if current_consent(tenant, found.participant_id) is not None:
        withdraw_consent(tenant, principal, found.participant_id)
    return _change(tenant, principal, found.participant_id, {ParticipantStatus.ACTIVE},
                   ParticipantStatus.LEFT, "project.participation_left")


# --- consent ---------------------------------------------------------------------------------


def _validated_consent(data: ConsentData) -> dict:
    codes = []
    for code in data.indicator_codes or []:
        code = code.strip() if isinstance(code, str) else ""
        if not CODE_PATTERN.match(code):
            raise ProjectError("indicator_codes", "invalid",
                               _l("Choose indicators by their codes."))
        if code not in codes:
            codes.append(code)
    if len(codes) > MAX_CODES:
        raise ProjectError("indicator_codes", "too_many",
                           _l("Choose at most %(count)s indicators.", count=MAX_CODES))
    return {"indicator_codes": sorted(codes), "anonymised": bool(data.anonymised),
            "share_goal_statuses": bool(data.share_goal_statuses)}


def current_consent(tenant: Tenant, participant_id) -> ParticipantConsent | None:
    """The tenant's consent in force for a participation (its own row)."""
    return db.session.scalar(select(ParticipantConsent).where(
        ParticipantConsent.tenant_id == tenant.id,
        ParticipantConsent.participant_id == participant_id,
        ParticipantConsent.withdrawn_at.is_(None),
    ).order_by(ParticipantConsent.id.desc()).limit(1))


def consent_history(tenant: Tenant, participant_id) -> list[ParticipantConsent]:
    """Every consent the tenant gave for a participation, newest first."""
    return list(db.session.scalars(select(ParticipantConsent).where(
        ParticipantConsent.tenant_id == tenant.id,
        ParticipantConsent.participant_id == participant_id,
    ).order_by(ParticipantConsent.id.desc())))


def _end(consent: ParticipantConsent, principal: Principal) -> None:
    consent.withdrawn_at = utcnow()
    consent.withdrawn_by_label = label_of(principal)


def _record_both(found: Participation, action: str, principal: Principal, entity_id: int,
                 before: dict | None, after: dict | None) -> None:
    record(action, None, principal, entity_type="ParticipantConsent", entity_id=entity_id,
           before=before, after=after)
    sharing.record_in(found.association_tenant_id, action, principal,
                      entity_type="ParticipantConsent", entity_id=entity_id, before=before,
                      after=after)


def grant_consent(tenant: Tenant, principal: Principal, participant_id,
                  data: ConsentData) -> ParticipantConsent:
    """Grant (or change: narrow or widen) what the tenant shares with a project."""
    require(can_take_part_in_projects, principal, tenant)
    values = _validated_consent(data)
    found = _own(tenant, participant_id)
    if found.status not in (ParticipantStatus.ACTIVE, ParticipantStatus.REQUESTED):
        raise ProjectError("participant_id", "not_active",
                           _l("Consent is given while the organisation takes part."))
    previous = current_consent(tenant, found.participant_id)
    before = audit.snapshot(previous, CONSENT_FIELDS) if previous is not None else None
    if previous is not None:
        if all(getattr(previous, name) == value for name, value in values.items()):
            return previous
        _end(previous, principal)
    consent = ParticipantConsent(
        tenant_id=tenant.id, project_id=found.project_id, participant_id=found.participant_id,
        association_tenant_id=found.association_tenant_id, granted_at=utcnow(),
        granted_by_id=user_id_of(principal), granted_by_label=label_of(principal), **values)
    db.session.add(consent)
    db.session.flush()
    _record_both(found, "project.consent_granted", principal, consent.id, before,
                 audit.snapshot(consent, CONSENT_FIELDS))
    return consent


narrow_consent = grant_consent  # narrowing is a new, smaller grant


def withdraw_consent(tenant: Tenant, principal: Principal, participant_id) -> ParticipantConsent:
    """End the consent in force: from now on nothing of the tenant is shared with the project."""
    require(can_take_part_in_projects, principal, tenant)
    found = _own(tenant, participant_id)
    consent = current_consent(tenant, found.participant_id)
    if consent is None:
        raise ProjectError("consent", "none", _l("There is no consent in force to withdraw."))
    before = audit.snapshot(consent, CONSENT_FIELDS)
    _end(consent, principal)
    db.session.flush()
    _record_both(found, "project.consent_withdrawn", principal, consent.id, before, None)
    return consent
