"""The ownership register: owners' shares over time.

A change of share starts a new stake from a date and ends the previous one the day before, so
the history stays. Shares in force on a date must sum to exactly 100.00 before any weighted
decision is taken on that date (:func:`require_complete_shares`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from samverkan.ownership.models import OwnerStake
from samverkan.ownership.permissions import can_manage_stakes
from samverkan.ownership.services.common import (
    OwnershipError,
    date_value,
    decimal_value,
    record,
    require,
    user_id_of,
)
from samverkan.platform import audit
from samverkan.platform.db import db
from samverkan.tenants.models import Organisation, OrganisationKind, Tenant
from samverkan.tenants.permissions import Principal

HUNDRED = Decimal("100.00")
STAKE_FIELDS = ["organisation_id", "share", "basis", "valid_from", "valid_to"]


@dataclass
class StakeData:
    organisation_id: int
    share: Decimal | str
    valid_from: date | str
    basis: str = ""


def stakes_in_force(tenant: Tenant, on: date) -> list[OwnerStake]:
    """The owners' stakes in force on a date, largest share first."""
    return list(db.session.scalars(
        select(OwnerStake)
        .where(OwnerStake.tenant_id == tenant.id, OwnerStake.valid_from <= on,
               or_(OwnerStake.valid_to.is_(None), OwnerStake.valid_to >= on))
        .order_by(OwnerStake.share.desc(), OwnerStake.organisation_id)
    ).unique())


def shares_on(tenant: Tenant, on: date) -> dict[int, Decimal]:
    """Owner organisation id -> share in force on a date."""
    return {stake.organisation_id: stake.share for stake in stakes_in_force(tenant, on)}


def share_total(tenant: Tenant, on: date) -> Decimal:
    return sum((stake.share for stake in stakes_in_force(tenant, on)), Decimal("0.00"))


def require_complete_shares(tenant: Tenant, on: date) -> list[OwnerStake]:
    """The stakes in force on a date; refuse unless they sum to exactly 100.00."""
    stakes = stakes_in_force(tenant, on)
    total = sum((stake.share for stake in stakes), Decimal("0.00"))
    if total != HUNDRED:
        raise OwnershipError(
            "shares", "incomplete",
            _l("The ownership shares in force on %(date)s sum to %(total)s %%, not 100 %%. "
               "Complete the ownership register before a weighted decision.",
               date=on.isoformat(), total=str(total)),
        )
    return stakes


def is_owner_on(tenant: Tenant, organisation_id: int | None, on: date) -> bool:
    return organisation_id is not None and organisation_id in shares_on(tenant, on)


def stake_history(tenant: Tenant, organisation_id: int | None = None) -> list[OwnerStake]:
    """Every stake, newest first (of one owner when given)."""
    query = select(OwnerStake).where(OwnerStake.tenant_id == tenant.id)
    if organisation_id is not None:
        query = query.where(OwnerStake.organisation_id == organisation_id)
    return list(db.session.scalars(
        query.order_by(OwnerStake.valid_from.desc(), OwnerStake.id.desc())
    ).unique())


def _owner_organisation(tenant: Tenant, organisation_id) -> Organisation:
    organisation = db.session.get(Organisation, organisation_id) if organisation_id else None
    if organisation is None or organisation.tenant_id != tenant.id:
        raise OwnershipError("organisation_id", "invalid", _l("Choose an owner municipality."))
    if organisation.kind != OrganisationKind.MUNICIPALITY:
        raise OwnershipError("organisation_id", "not_municipality",
                             _l("Owners are municipalities: choose an organisation of that kind."))
    if organisation.is_archived:
        raise OwnershipError("organisation_id", "archived",
                             _l("This organisation is archived. Restore it first."))
    return organisation


def _share(value) -> Decimal:
    share = decimal_value(value, "share", places=2, limit=Decimal(1000))
    if not Decimal("0.01") <= share <= HUNDRED:
        raise OwnershipError("share", "out_of_range",
                             _l("A share is more than 0 and at most 100 percent."))
    return share


def _basis(value: str | None) -> str:
    basis = (value or "").strip()
    if len(basis) > 300:
        raise OwnershipError("basis", "too_long", _l("The basis is at most 300 characters."))
    return basis


def set_stake(tenant: Tenant, principal: Principal, data: StakeData) -> OwnerStake:
    """Give an owner a share from a date; its previous stake ends the day before."""
    require(can_manage_stakes, principal, tenant)
    organisation = _owner_organisation(tenant, data.organisation_id)
    share = _share(data.share)
    basis = _basis(data.basis)
    valid_from = date_value(data.valid_from, "valid_from")
    history = stake_history(tenant, organisation.id)
    latest = history[0] if history else None
    if latest is not None and latest.valid_from >= valid_from:
        raise OwnershipError(
            "valid_from", "not_after_latest",
            _l("This owner has a share from %(date)s already; a new share must start later.",
               date=latest.valid_from.isoformat()),
        )
    if latest is not None and (latest.valid_to is None or latest.valid_to >= valid_from):
        before = audit.snapshot(latest, STAKE_FIELDS)
        latest.valid_to = valid_from - timedelta(days=1)
        db.session.flush()
        record("owner_stake.ended", latest, principal, before=before,
               after=audit.snapshot(latest, STAKE_FIELDS))
    stake = OwnerStake(tenant_id=tenant.id, organisation_id=organisation.id, share=share,
                       basis=basis, valid_from=valid_from, valid_to=None,
                       created_by_id=user_id_of(principal))
    db.session.add(stake)
    db.session.flush()
    record("owner_stake.created", stake, principal, after=audit.snapshot(stake, STAKE_FIELDS))
    return stake


def end_stake(tenant: Tenant, principal: Principal, organisation_id: int,
              valid_to: date | str) -> OwnerStake:
    """An owner leaves: its open stake is in force up to and including ``valid_to``."""
    require(can_manage_stakes, principal, tenant)
    valid_to = date_value(valid_to, "valid_to")
    history = stake_history(tenant, organisation_id)
    stake = history[0] if history and history[0].valid_to is None else None
    if stake is None:
        raise OwnershipError("organisation_id", "no_open_stake",
                             _l("This organisation has no share in force to end."))
    if valid_to < stake.valid_from:
        raise OwnershipError("valid_to", "before_start",
                             _l("The end date cannot be before the share started (%(date)s).",
                                date=stake.valid_from.isoformat()))
    before = audit.snapshot(stake, STAKE_FIELDS)
    stake.valid_to = valid_to
    db.session.flush()
    record("owner_stake.ended", stake, principal, before=before,
           after=audit.snapshot(stake, STAKE_FIELDS))
    return stake


def correct_stake(tenant: Tenant, principal: Principal, stake: OwnerStake, *,
                  share: Decimal | str, basis: str | None = None) -> OwnerStake:
    """Correct a mistyped share or basis of a stake (a change of share is :func:`set_stake`)."""
    require(can_manage_stakes, principal, tenant)
    if stake.tenant_id != tenant.id:
        raise OwnershipError("stake", "invalid", _l("No such share in this register."))
    before = audit.snapshot(stake, STAKE_FIELDS)
    stake.share = _share(share)
    if basis is not None:
        stake.basis = _basis(basis)
    db.session.flush()
    after = audit.snapshot(stake, STAKE_FIELDS)
    if after != before:
        record("owner_stake.corrected", stake, principal, before=before, after=after)
    return stake
