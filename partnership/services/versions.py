"""Versions of an agreement: the content snapshot, signing, amendments and the difference of
two versions.

The content of an agreement is its code, kind, per-locale title and summary, validity, parties,
commitments (text, party, due date; not their follow-up status) and indicators with their
targets. It may change only while the current version is open (draft or negotiation); every
change to it withdraws the signatures already given to the current version, since they
confirmed other content.

Signing: a signatory of each party (see :func:`samverkan.partnership.permissions.can_sign_for`)
confirms the current version while it is in negotiation; the signature keeps the hash of the
content it confirmed. When every party has signed, the version is signed: its ``content`` is
frozen as a JSON snapshot, and an agreement in negotiation becomes signed (an amended agreement
keeps its status, signed or active). A signed version never changes: :func:`amend` opens the
next version, in negotiation, starting from the same content, to be signed again.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from samverkan.partnership.models import (
    Agreement,
    AgreementStatus,
    AgreementVersion,
    Signature,
    VersionStatus,
)
from samverkan.partnership.permissions import can_manage_agreements, can_sign_for
from samverkan.partnership.services.common import (
    PartnershipError,
    PartnershipPermissionError,
    label_of,
    record,
    require,
    user_id_of,
)
from samverkan.platform.db import db, utcnow
from samverkan.tenants.models import Tenant
from samverkan.tenants.permissions import Principal

CLOSED_STATUSES = {AgreementStatus.ENDED, AgreementStatus.TERMINATED}
AMENDABLE_STATUSES = {AgreementStatus.SIGNED, AgreementStatus.ACTIVE}


def _plain(value):
    if value is None:
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _number(value) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def snapshot(agreement: Agreement) -> dict:
    """The agreement's content as plain JSON (parties by organisation, commitments by id,
    indicators by code, targets by period label)."""
    parties = {p.id: p for p in agreement.parties}
    return {
        "code": agreement.code,
        "kind": agreement.kind,
        "title": dict(agreement.title or {}),
        "summary": dict(agreement.summary or {}),
        "valid_from": _plain(agreement.valid_from),
        "valid_to": _plain(agreement.valid_to),
        "parties": [
            {"organisation_id": p.organisation_id, "role": p.role,
             "name": dict(p.organisation.name or {})}
            for p in sorted(agreement.parties, key=lambda p: p.organisation_id)
        ],
        "commitments": [
            {"id": c.id, "organisation_id": parties[c.party_id].organisation_id if c.party_id in parties
             else None, "text": dict(c.text or {}), "due_date": _plain(c.due_date)}
            for c in sorted(agreement.commitments, key=lambda c: c.id)
        ],
        "indicators": [
            {"code": i.code, "name": dict(i.name or {}), "definition": dict(i.definition or {}),
             "unit": i.unit, "direction": i.direction, "aggregation": i.aggregation,
             "steering_goal_id": i.steering_goal_id,
             "targets": {t.period.label: _number(t.value)
                         for t in sorted(i.targets, key=lambda t: t.period.starts_on)}}
            for i in sorted(agreement.indicators, key=lambda i: (i.position, i.id))
        ],
    }


def content_hash(content: dict) -> str:
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def version_content(version: AgreementVersion) -> dict:
    """A signed version's frozen content, or an open version's current content."""
    if version.is_signed and version.content is not None:
        return version.content
    return snapshot(version.agreement)


def require_editable(tenant: Tenant, principal: Principal, agreement: Agreement) -> None:
    """Refuse a change of content unless the principal manages agreements and the current
    version is open."""
    require(can_manage_agreements, principal, tenant)
    if agreement.tenant_id != tenant.id:
        raise PartnershipError("agreement_id", "invalid", _l("Choose an agreement."))
    version = agreement.current_version
    if agreement.status in CLOSED_STATUSES:
        raise PartnershipError("status", "closed", _l("The agreement has ended: it cannot change."))
    if version is None or version.is_signed:
        raise PartnershipError("status", "signed", _l(
            "This version is signed and cannot change. Open an amendment to change the agreement."))


def content_changed(agreement: Agreement, principal: Principal) -> None:
    """Withdraw the signatures given to the current (open) version: its content changed."""
    version = agreement.current_version
    if version is None or not version.signatures:
        return
    withdrawn = [s.organisation_id for s in version.signatures]
    version.signatures.clear()
    db.session.flush()
    record("partnership.signatures_withdrawn", version, principal,
           after={"agreement_id": agreement.id, "number": version.number,
                  "organisations": withdrawn})


def open_first_version(agreement: Agreement) -> AgreementVersion:
    version = AgreementVersion(tenant_id=agreement.tenant_id, number=1, status=VersionStatus.DRAFT)
    agreement.versions.append(version)
    agreement.version_number = 1
    return version


def missing_signatures(agreement: Agreement) -> list:
    """The parties that have not signed the current version yet."""
    version = agreement.current_version
    signed = {s.party_id for s in version.signatures} if version else set()
    return [p for p in agreement.parties if p.id not in signed]


def signable_parties(agreement: Agreement, principal: Principal) -> list:
    """The parties this principal may sign for that have not signed yet."""
    return [p for p in missing_signatures(agreement) if can_sign_for(p)(principal)]


def sign(tenant: Tenant, principal: Principal, agreement: Agreement, party_id: int | None = None
         ) -> Signature:
    """Confirm the current version for a party (the one the principal may sign for, or
    ``party_id``). The last signature signs the version and the agreement."""
    version = agreement.current_version
    if agreement.tenant_id != tenant.id or principal is None or principal.tenant.id != tenant.id:
        raise PartnershipPermissionError("permission", "forbidden", _l("You are not allowed to do this."))
    if version is None or version.status != VersionStatus.NEGOTIATION:
        raise PartnershipError("status", "not_in_negotiation",
                               _l("Only an agreement in negotiation can be signed."))
    candidates = [p for p in agreement.parties if party_id is None or p.id == party_id]
    if party_id is not None and not candidates:
        raise PartnershipError("party_id", "invalid", _l("Choose a party of the agreement."))
    allowed = [p for p in candidates if can_sign_for(p)(principal)]
    if not allowed:
        raise PartnershipPermissionError("party_id", "not_signatory",
                                         _l("You are not a signatory of this party."))
    signed = {s.party_id for s in version.signatures}
    pending = [p for p in allowed if p.id not in signed]
    if not pending:
        raise PartnershipError("party_id", "already_signed",
                               _l("This party has already signed this version."))
    party = pending[0]
    content = snapshot(agreement)
    digest = content_hash(content)
    signature = Signature(tenant_id=tenant.id, party_id=party.id,
                          organisation_id=party.organisation_id, signer_id=user_id_of(principal),
                          signer_label=label_of(principal), content_hash=digest)
    version.signatures.append(signature)
    db.session.flush()
    record("partnership.agreement_signed_by_party", signature, principal,
           after={"agreement_id": agreement.id, "version": version.number,
                  "organisation_id": party.organisation_id, "role": party.role,
                  "content_hash": digest})
    if not missing_signatures(agreement):
        before = {"status": agreement.status, "version_status": version.status}
        version.status = VersionStatus.SIGNED
        version.content = content
        version.content_hash = digest
        version.signed_at = utcnow()
        if agreement.status == AgreementStatus.NEGOTIATION:
            agreement.status = AgreementStatus.SIGNED
        db.session.flush()
        record("partnership.version_signed", agreement, principal, before=before,
               after={"status": agreement.status, "version": version.number,
                      "version_status": version.status, "content_hash": digest})
    return signature


def amend(tenant: Tenant, principal: Principal, agreement: Agreement, reason: str = ""
          ) -> AgreementVersion:
    """Open the next version of a signed or active agreement, in negotiation, starting from
    the signed content; its changes are signed again."""
    require(can_manage_agreements, principal, tenant)
    current = agreement.current_version
    if (agreement.tenant_id != tenant.id or agreement.status not in AMENDABLE_STATUSES
            or current is None or not current.is_signed):
        raise PartnershipError("status", "not_amendable",
                               _l("Only a signed or active agreement with a signed version can be amended."))
    version = AgreementVersion(tenant_id=tenant.id, number=current.number + 1,
                               status=VersionStatus.NEGOTIATION, reason=(reason or "").strip()[:2000])
    agreement.versions.append(version)
    agreement.version_number = version.number
    db.session.flush()
    record("partnership.amendment_opened", agreement, principal,
           before={"version": current.number}, after={"version": version.number,
                                                       "reason": version.reason})
    return version


def get_version(agreement: Agreement, number: int) -> AgreementVersion:
    version = next((v for v in agreement.versions if v.number == number), None)
    if version is None:
        raise PartnershipError("version", "invalid", _l("Choose a version of the agreement."))
    return version


def versions(tenant: Tenant, agreement: Agreement) -> list[AgreementVersion]:
    return list(db.session.scalars(select(AgreementVersion).where(
        AgreementVersion.tenant_id == tenant.id, AgreementVersion.agreement_id == agreement.id
    ).order_by(AgreementVersion.number)))


# --- the difference of two versions ----------------------------------------------------------

SCALAR_FIELDS = ("code", "kind", "valid_from", "valid_to")
TEXT_FIELDS = ("title", "summary")


@dataclass
class FieldChange:
    """One field side by side; ``locales`` lists (locale, before, after) for per-locale texts."""

    field: str
    before: object
    after: object
    locales: list[tuple[str, str | None, str | None]] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.before != self.after


@dataclass
class ItemChange:
    """An item of a list (a party, commitment, indicator or target): added, removed or
    changed, with the names of the changed fields."""

    key: str
    change: str  # "added", "removed", "changed"
    before: dict | None
    after: dict | None
    fields: list[str] = field(default_factory=list)


@dataclass
class VersionDiff:
    from_number: int
    to_number: int
    fields: list[FieldChange]
    parties: list[ItemChange]
    commitments: list[ItemChange]
    indicators: list[ItemChange]
    targets: list[ItemChange]

    @property
    def changed(self) -> bool:
        return (any(f.changed for f in self.fields) or bool(self.parties) or bool(self.commitments)
                or bool(self.indicators) or bool(self.targets))


def _items(before: dict[str, dict], after: dict[str, dict]) -> list[ItemChange]:
    changes = []
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old is None:
            changes.append(ItemChange(key, "added", None, new))
        elif new is None:
            changes.append(ItemChange(key, "removed", old, None))
        elif old != new:
            fields = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
            changes.append(ItemChange(key, "changed", old, new, fields))
    return changes


def diff_content(old: dict, new: dict, from_number: int = 0, to_number: int = 0) -> VersionDiff:
    fields = [FieldChange(name, old.get(name), new.get(name)) for name in SCALAR_FIELDS]
    for name in TEXT_FIELDS:
        before, after = old.get(name) or {}, new.get(name) or {}
        locales = [(locale, before.get(locale), after.get(locale))
                   for locale in sorted(set(before) | set(after))]
        fields.append(FieldChange(name, before, after, locales))

    def indicators(content):
        return {i["code"]: {k: v for k, v in i.items() if k != "targets"}
                for i in content.get("indicators", [])}

    def targets(content):
        return {f"{i['code']} {label}": {"indicator": i["code"], "period": label, "value": value}
                for i in content.get("indicators", []) for label, value in i.get("targets", {}).items()}

    return VersionDiff(
        from_number=from_number, to_number=to_number, fields=fields,
        parties=_items({str(p["organisation_id"]): p for p in old.get("parties", [])},
                       {str(p["organisation_id"]): p for p in new.get("parties", [])}),
        commitments=_items({str(c["id"]): c for c in old.get("commitments", [])},
                           {str(c["id"]): c for c in new.get("commitments", [])}),
        indicators=_items(indicators(old), indicators(new)),
        targets=_items(targets(old), targets(new)),
    )


def version_diff(v1: AgreementVersion, v2: AgreementVersion) -> VersionDiff:
    """What changed from version ``v1`` to version ``v2`` of the same agreement, field by field
    (per-locale texts side by side) and item by item."""
    if v1.agreement_id != v2.agreement_id:
        raise PartnershipError("version", "invalid", _l("Compare two versions of the same agreement."))
    return diff_content(version_content(v1), version_content(v2), v1.number, v2.number)
