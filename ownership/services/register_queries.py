"""Read-only queries of the register and strategy pages (no state changes, no rules)."""

from __future__ import annotations

from sqlalchemy import func, select

from samverkan.ownership.models import SteeringGoal
from samverkan.platform.db import db
from samverkan.tenants.models import Tenant


def goal_counts_by_strategy(tenant: Tenant) -> dict[int, int]:
    """Strategy id -> number of its goals (every status), in one query."""
    rows = db.session.execute(
        select(SteeringGoal.strategy_id, func.count(SteeringGoal.id))
        .where(SteeringGoal.tenant_id == tenant.id)
        .group_by(SteeringGoal.strategy_id)
    )
    return {strategy_id: count for strategy_id, count in rows}
