"""Owner strategies: draft, adopted, archived; one adopted strategy per period.

Two strategies are in the same period when their years overlap, so at most one adopted
strategy covers any year. Goals belong to a strategy that is not archived.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from samverkan.ownership.models import OwnerStrategy, StrategyStatus
from samverkan.ownership.permissions import can_manage_strategies
from samverkan.ownership.services.common import (
    OwnershipError,
    record,
    require,
    texts,
    year_value,
)
from samverkan.platform import audit
from samverkan.platform.db import db, utcnow
from samverkan.tenants.models import Tenant
from samverkan.tenants.permissions import Principal

STRATEGY_FIELDS = ["title", "text", "from_year", "to_year", "status"]


@dataclass
class StrategyData:
    title: dict
    from_year: int
    to_year: int
    text: dict | None = None


def strategies(tenant: Tenant) -> list[OwnerStrategy]:
    """Every strategy, latest period first."""
    return list(db.session.scalars(
        select(OwnerStrategy).where(OwnerStrategy.tenant_id == tenant.id)
        .order_by(OwnerStrategy.from_year.desc(), OwnerStrategy.id.desc())
    ))


def adopted_strategy(tenant: Tenant, year: int) -> OwnerStrategy | None:
    """The adopted strategy covering a year."""
    return db.session.scalar(
        select(OwnerStrategy).where(
            OwnerStrategy.tenant_id == tenant.id, OwnerStrategy.status == StrategyStatus.ADOPTED,
            OwnerStrategy.from_year <= year, OwnerStrategy.to_year >= year,
        )
    )


def get_strategy(tenant: Tenant, strategy_id) -> OwnerStrategy:
    strategy = db.session.get(OwnerStrategy, strategy_id) if strategy_id else None
    if strategy is None or strategy.tenant_id != tenant.id:
        raise OwnershipError("strategy_id", "invalid", _l("Choose an owner strategy."))
    return strategy


def _validated(data: StrategyData) -> dict:
    title = texts(data.title, "title", required=True, max_length=300)
    text = texts(data.text, "text", required=False, max_length=20000)
    from_year = year_value(data.from_year, "from_year")
    to_year = year_value(data.to_year, "to_year")
    if to_year < from_year:
        raise OwnershipError("to_year", "before_start",
                             _l("The period cannot end before it starts."))
    return {"title": title, "text": text, "from_year": from_year, "to_year": to_year}


def _adopted_overlap(tenant: Tenant, strategy: OwnerStrategy, from_year: int,
                     to_year: int) -> OwnerStrategy | None:
    for other in strategies(tenant):
        if (other.id != strategy.id and other.status == StrategyStatus.ADOPTED
                and other.overlaps(from_year, to_year)):
            return other
    return None


def create_strategy(tenant: Tenant, principal: Principal, data: StrategyData) -> OwnerStrategy:
    """A new draft strategy (admin)."""
    require(can_manage_strategies, principal, tenant)
    strategy = OwnerStrategy(tenant_id=tenant.id, status=StrategyStatus.DRAFT, **_validated(data))
    db.session.add(strategy)
    db.session.flush()
    record("strategy.created", strategy, principal, after=audit.snapshot(strategy, STRATEGY_FIELDS))
    return strategy


def update_strategy(tenant: Tenant, principal: Principal, strategy: OwnerStrategy,
                    data: StrategyData) -> OwnerStrategy:
    """Edit a strategy: its texts while draft or adopted, its period only while draft."""
    require(can_manage_strategies, principal, tenant)
    if strategy.status == StrategyStatus.ARCHIVED:
        raise OwnershipError("status", "archived", _l("An archived strategy cannot be changed."))
    values = _validated(data)
    period_changed = (values["from_year"], values["to_year"]) != (strategy.from_year, strategy.to_year)
    if period_changed and strategy.status != StrategyStatus.DRAFT:
        raise OwnershipError("from_year", "adopted",
                             _l("The period of an adopted strategy cannot change."))
    before = audit.snapshot(strategy, STRATEGY_FIELDS)
    for key, value in values.items():
        setattr(strategy, key, value)
    db.session.flush()
    after = audit.snapshot(strategy, STRATEGY_FIELDS)
    if after != before:
        record("strategy.updated", strategy, principal, before=before, after=after)
    return strategy


def adopt_strategy(tenant: Tenant, principal: Principal, strategy: OwnerStrategy) -> OwnerStrategy:
    """Mark a draft strategy adopted; no other adopted strategy may share its period."""
    require(can_manage_strategies, principal, tenant)
    if strategy.status != StrategyStatus.DRAFT:
        raise OwnershipError("status", "not_draft", _l("Only a draft strategy can be adopted."))
    clash = _adopted_overlap(tenant, strategy, strategy.from_year, strategy.to_year)
    if clash is not None:
        raise OwnershipError(
            "from_year", "period_taken",
            _l("The strategy for %(first)s-%(last)s is adopted already for this period. "
               "Archive it first.", first=clash.from_year, last=clash.to_year),
        )
    before = audit.snapshot(strategy, STRATEGY_FIELDS)
    strategy.status = StrategyStatus.ADOPTED
    strategy.adopted_at = utcnow()
    db.session.flush()
    record("strategy.adopted", strategy, principal, before=before,
           after=audit.snapshot(strategy, STRATEGY_FIELDS))
    return strategy


def archive_strategy(tenant: Tenant, principal: Principal, strategy: OwnerStrategy) -> OwnerStrategy:
    """Archive a strategy: it stays readable with its goals, and takes no new goals."""
    require(can_manage_strategies, principal, tenant)
    if strategy.status == StrategyStatus.ARCHIVED:
        return strategy
    before = audit.snapshot(strategy, STRATEGY_FIELDS)
    strategy.status = StrategyStatus.ARCHIVED
    db.session.flush()
    record("strategy.archived", strategy, principal, before=before,
           after=audit.snapshot(strategy, STRATEGY_FIELDS))
    return strategy
