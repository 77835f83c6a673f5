"""Agreements: create and edit, parties, commitments, the lifecycle and the calendar job.

The lifecycle (``TRANSITIONS`` below is this table; "manager" is an admin or a purchaser):

===========  ===========  =========  ===================================================
from         to           who        also
===========  ===========  =========  ===================================================
draft        negotiation  manager    at least two parties; the version opens for signing
negotiation  draft        manager    signatures given so far are withdrawn
negotiation  signed       signing    only by the last party's signature (see versions.py)
signed       active       manager    on or after ``valid_from`` (or :func:`apply_calendar`)
active       ended        manager    after ``valid_to`` (or :func:`apply_calendar`)
signed       terminated   manager    a note is required
active       terminated   manager    a note is required
===========  ===========  =========  ===================================================

Provider reporters and viewers make no transition. Ended and terminated are final. The content
(texts, validity, parties, commitments, indicators, targets) changes only while the current
version is open; a signed agreement changes through an amendment (:func:`.versions.amend`).
The follow-up status of a commitment changes at any time until the agreement is closed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from samverkan.partnership.models import (
    DEFAULT_KIND,
    Agreement,
    AgreementParty,
    AgreementStatus,
    Commitment,
    CommitmentStatus,
    PartyRole,
    VersionStatus,
)
from samverkan.partnership.permissions import can_manage_agreements, can_update_commitment
from samverkan.partnership.services import common
from samverkan.partnership.services.common import (
    PartnershipError,
    choice_value,
    code_value,
    date_value,
    record,
    require,
    texts,
    user_id_of,
)
from samverkan.partnership.services.versions import (
    CLOSED_STATUSES,
    content_changed,
    open_first_version,
    require_editable,
)
from samverkan.platform import audit
from samverkan.platform.db import db
from samverkan.tenants.models import Organisation, Tenant
from samverkan.tenants.permissions import Principal

AGREEMENT_FIELDS = ["code", "kind", "title", "summary", "valid_from", "valid_to", "status",
                    "version_number"]
COMMITMENT_FIELDS = ["party_id", "text", "due_date", "status"]


@dataclass
class AgreementData:
    code: str
    title: dict
    valid_from: date | str
    valid_to: date | str | None = None
    summary: dict | None = None
    kind: str = DEFAULT_KIND


@dataclass
class CommitmentData:
    party_id: int
    text: dict
    due_date: date | str | None = None


@dataclass(frozen=True)
class Transition:
    source: str
    target: str
    on_or_after_start: bool = False
    after_end: bool = False
    note_required: bool = False


TRANSITIONS: dict[tuple[str, str], Transition] = {
    (t.source, t.target): t for t in [
        Transition(AgreementStatus.DRAFT, AgreementStatus.NEGOTIATION),
        Transition(AgreementStatus.NEGOTIATION, AgreementStatus.DRAFT),
        Transition(AgreementStatus.SIGNED, AgreementStatus.ACTIVE, on_or_after_start=True),
        Transition(AgreementStatus.ACTIVE, AgreementStatus.ENDED, after_end=True),
        Transition(AgreementStatus.SIGNED, AgreementStatus.TERMINATED, note_required=True),
        Transition(AgreementStatus.ACTIVE, AgreementStatus.TERMINATED, note_required=True),
    ]
}


# --- reading ---------------------------------------------------------------------------------


def get_agreement(tenant: Tenant, agreement_id) -> Agreement:
    agreement = db.session.get(Agreement, agreement_id) if agreement_id else None
    if agreement is None or agreement.tenant_id != tenant.id:
        raise PartnershipError("agreement_id", "invalid", _l("Choose an agreement."))
    return agreement


def load_options():
    """Eager loads for an agreement page: parties, versions, commitments, indicators."""
    return (selectinload(Agreement.parties), selectinload(Agreement.versions),
            selectinload(Agreement.commitments), selectinload(Agreement.indicators))


# --- validation ------------------------------------------------------------------------------


def _validated(tenant: Tenant, data: AgreementData, agreement: Agreement | None) -> dict:
    code = code_value(data.code)
    clash = db.session.scalar(select(Agreement.id).where(
        Agreement.tenant_id == tenant.id, Agreement.code == code))
    if clash is not None and (agreement is None or clash != agreement.id):
        raise PartnershipError("code", "duplicate", _l("Another agreement has this code."))
    kind = (data.kind or DEFAULT_KIND).strip()
    if not kind or len(kind) > 50:
        raise PartnershipError("kind", "invalid", _l("Enter the kind of agreement."))
    valid_from = date_value(data.valid_from, "valid_from")
    valid_to = date_value(data.valid_to, "valid_to", required=False)
    if valid_to is not None and valid_to < valid_from:
        raise PartnershipError("valid_to", "before_start",
                               _l("The agreement cannot end before it starts."))
    return {
        "code": code,
        "kind": kind,
        "title": texts(data.title, "title", required=True, max_length=300),
        "summary": texts(data.summary, "summary", required=False, max_length=20000),
        "valid_from": valid_from,
        "valid_to": valid_to,
    }


# --- agreements ------------------------------------------------------------------------------


def create_agreement(tenant: Tenant, principal: Principal, data: AgreementData) -> Agreement:
    """A new draft agreement with its first (open) version."""
    require(can_manage_agreements, principal, tenant)
    values = _validated(tenant, data, None)
    agreement = Agreement(tenant_id=tenant.id, status=AgreementStatus.DRAFT,
                          created_by_id=user_id_of(principal), **values)
    db.session.add(agreement)
    open_first_version(agreement)
    db.session.flush()
    record("partnership.agreement_created", agreement, principal,
           after=audit.snapshot(agreement, AGREEMENT_FIELDS))
    return agreement


def update_agreement(tenant: Tenant, principal: Principal, agreement: Agreement,
                     data: AgreementData) -> Agreement:
    require_editable(tenant, principal, agreement)
    values = _validated(tenant, data, agreement)
    before = audit.snapshot(agreement, AGREEMENT_FIELDS)
    if all(getattr(agreement, name) == value for name, value in values.items()):
        return agreement
    for name, value in values.items():
        setattr(agreement, name, value)
    content_changed(agreement, principal)
    db.session.flush()
    record("partnership.agreement_updated", agreement, principal, before=before,
           after=audit.snapshot(agreement, AGREEMENT_FIELDS))
    return agreement


def add_party(tenant: Tenant, principal: Principal, agreement: Agreement, organisation_id: int,
              role: str) -> AgreementParty:
    require_editable(tenant, principal, agreement)
    organisation = db.session.get(Organisation, organisation_id) if organisation_id else None
    if organisation is None or organisation.tenant_id != tenant.id or organisation.is_archived:
        raise PartnershipError("organisation_id", "invalid", _l("Choose an organisation."))
    role = choice_value(role, PartyRole, "role", _l("Choose the party's role."))
    if agreement.party_of(organisation.id) is not None:
        raise PartnershipError("organisation_id", "duplicate",
                               _l("This organisation is already a party to the agreement."))
    party = AgreementParty(tenant_id=tenant.id, organisation_id=organisation.id, role=role)
    agreement.parties.append(party)
    content_changed(agreement, principal)
    db.session.flush()
    record("partnership.party_added", party, principal,
           after={"agreement_id": agreement.id, "organisation_id": organisation.id, "role": role})
    return party


def remove_party(tenant: Tenant, principal: Principal, agreement: Agreement, party: AgreementParty
                 ) -> None:
    require_editable(tenant, principal, agreement)
    if party.agreement_id != agreement.id:
        raise PartnershipError("party_id", "invalid", _l("Choose a party of the agreement."))
    if any(c.party_id == party.id for c in agreement.commitments):
        raise PartnershipError("party_id", "in_use",
                               _l("Remove the party's commitments before the party."))
    from samverkan.partnership.models import OutcomeReport

    if db.session.scalar(select(OutcomeReport.id).where(
            OutcomeReport.tenant_id == tenant.id, OutcomeReport.party_id == party.id).limit(1)):
        raise PartnershipError("party_id", "in_use", _l("The party has reported: it cannot be removed."))
    before = {"agreement_id": agreement.id, "organisation_id": party.organisation_id,
              "role": party.role}
    party_id = party.id
    agreement.parties.remove(party)
    content_changed(agreement, principal)
    db.session.flush()
    record("partnership.party_removed", None, principal, entity_type="AgreementParty",
           entity_id=party_id, before=before)


def transition_agreement(tenant: Tenant, principal: Principal, agreement: Agreement, target: str,
                         note: str = "", *, today: date | None = None) -> Agreement:
    """Move the agreement along the lifecycle table of this module."""
    require(can_manage_agreements, principal, tenant)
    if agreement.tenant_id != tenant.id:
        raise PartnershipError("agreement_id", "invalid", _l("Choose an agreement."))
    transition = TRANSITIONS.get((agreement.status, target))
    if transition is None:
        raise PartnershipError("status", "invalid_transition",
                               _l("This change of status is not possible."))
    day = today or common.today()
    note = (note or "").strip()
    if transition.note_required and not note:
        raise PartnershipError("note", "required", _l("Give the reason for terminating the agreement."))
    if transition.on_or_after_start and day < agreement.valid_from:
        raise PartnershipError("status", "too_early",
                               _l("The agreement can be activated on its start date at the earliest."))
    if transition.after_end and (agreement.valid_to is None or day <= agreement.valid_to):
        raise PartnershipError("status", "too_early",
                               _l("The agreement can be ended after its end date."))
    version = agreement.current_version
    if target == AgreementStatus.NEGOTIATION and len(agreement.parties) < 2:
        raise PartnershipError("parties", "too_few",
                               _l("An agreement needs at least two parties before negotiation."))
    before = {"status": agreement.status}
    if target == AgreementStatus.NEGOTIATION:
        version.status = VersionStatus.NEGOTIATION
    elif target == AgreementStatus.DRAFT:
        content_changed(agreement, principal)
        version.status = VersionStatus.DRAFT
    agreement.status = target
    agreement.status_note = note
    db.session.flush()
    record("partnership.agreement_status_changed", agreement, principal, before=before,
           after={"status": agreement.status, "note": note})
    return agreement


def allowed_transitions(principal: Principal, agreement: Agreement) -> list[str]:
    if not can_manage_agreements(principal):
        return []
    return [target for (source, target) in TRANSITIONS if source == agreement.status]


def apply_calendar(tenant: Tenant, today: date | None = None) -> dict[str, list[int]]:
    """Activate signed agreements whose start date has come and end active ones whose end date
    has passed (the scheduled job). Idempotent: a second run on the same day changes nothing.
    Returns the ids activated and ended."""
    day = today or common.today()
    done: dict[str, list[int]] = {"activated": [], "ended": []}
    candidates = db.session.scalars(select(Agreement).where(
        Agreement.tenant_id == tenant.id,
        Agreement.status.in_([AgreementStatus.SIGNED, AgreementStatus.ACTIVE]),
    ).order_by(Agreement.id))
    for agreement in candidates:
        if agreement.status == AgreementStatus.SIGNED and agreement.valid_from <= day:
            agreement.status = AgreementStatus.ACTIVE
            db.session.flush()
            record("partnership.agreement_status_changed", agreement, None,
                   before={"status": AgreementStatus.SIGNED},
                   after={"status": AgreementStatus.ACTIVE, "note": "calendar"})
            done["activated"].append(agreement.id)
        if (agreement.status == AgreementStatus.ACTIVE and agreement.valid_to is not None
                and agreement.valid_to < day):
            agreement.status = AgreementStatus.ENDED
            db.session.flush()
            record("partnership.agreement_status_changed", agreement, None,
                   before={"status": AgreementStatus.ACTIVE},
                   after={"status": AgreementStatus.ENDED, "note": "calendar"})
            done["ended"].append(agreement.id)
    return done


# --- commitments -----------------------------------------------------------------------------


def _commitment_values(agreement: Agreement, data: CommitmentData) -> dict:
    party = next((p for p in agreement.parties if p.id == data.party_id), None)
    if party is None:
        raise PartnershipError("party_id", "invalid", _l("Choose a party of the agreement."))
    return {
        "party_id": party.id,
        "text": texts(data.text, "text", required=True, max_length=5000),
        "due_date": date_value(data.due_date, "due_date", required=False),
    }


def add_commitment(tenant: Tenant, principal: Principal, agreement: Agreement, data: CommitmentData
                   ) -> Commitment:
    require_editable(tenant, principal, agreement)
    values = _commitment_values(agreement, data)
    commitment = Commitment(tenant_id=tenant.id, status=CommitmentStatus.PLANNED, **values)
    agreement.commitments.append(commitment)
    content_changed(agreement, principal)
    db.session.flush()
    record("partnership.commitment_added", commitment, principal,
           after=audit.snapshot(commitment, COMMITMENT_FIELDS))
    return commitment


def update_commitment(tenant: Tenant, principal: Principal, commitment: Commitment,
                      data: CommitmentData) -> Commitment:
    agreement = commitment.agreement
    require_editable(tenant, principal, agreement)
    values = _commitment_values(agreement, data)
    before = audit.snapshot(commitment, COMMITMENT_FIELDS)
    if all(getattr(commitment, k) == v for k, v in values.items()):
        return commitment
    for name, value in values.items():
        setattr(commitment, name, value)
    content_changed(agreement, principal)
    db.session.flush()
    record("partnership.commitment_updated", commitment, principal, before=before,
           after=audit.snapshot(commitment, COMMITMENT_FIELDS))
    return commitment


def remove_commitment(tenant: Tenant, principal: Principal, commitment: Commitment) -> None:
    agreement = commitment.agreement
    require_editable(tenant, principal, agreement)
    before = audit.snapshot(commitment, COMMITMENT_FIELDS)
    commitment_id = commitment.id
    agreement.commitments.remove(commitment)
    content_changed(agreement, principal)
    db.session.flush()
    record("partnership.commitment_removed", None, principal, entity_type="Commitment",
           entity_id=commitment_id, before=before)


def set_commitment_status(tenant: Tenant, principal: Principal, commitment: Commitment,
                          status: str) -> Commitment:
    """Follow-up of a commitment: planned, in progress, done (not part of the signed content)."""
    if commitment.tenant_id != tenant.id:
        raise PartnershipError("commitment_id", "invalid", _l("Choose a commitment."))
    require(can_update_commitment(commitment), principal, tenant)
    status = choice_value(status, CommitmentStatus, "status", _l("Choose a status."))
    if commitment.agreement.status in CLOSED_STATUSES:
        raise PartnershipError("status", "closed", _l("The agreement has ended: it cannot change."))
    if commitment.status == status:
        return commitment
    before = {"status": commitment.status}
    commitment.status = status
    db.session.flush()
    record("partnership.commitment_status_changed", commitment, principal, before=before,
           after={"status": status})
    return commitment


def late_commitments(tenant: Tenant, today: date | None = None) -> list[Commitment]:
    """Commitments past their due date and not done (late is computed, never stored)."""
    day = today or common.today()
    return list(db.session.scalars(select(Commitment).where(
        Commitment.tenant_id == tenant.id, Commitment.due_date < day,
        Commitment.status != CommitmentStatus.DONE,
    ).order_by(Commitment.due_date, Commitment.id)))


__all__ = [
    "AgreementData", "CommitmentData", "TRANSITIONS", "add_commitment", "add_party",
    "allowed_transitions", "apply_calendar", "create_agreement", "get_agreement",
    "late_commitments", "load_options", "remove_commitment", "remove_party",
    "set_commitment_status", "transition_agreement", "update_agreement", "update_commitment",
]
