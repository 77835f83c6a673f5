"""Indicators of an agreement, their targets per reporting period, aggregation of period values
and the status of a value against its target.

Units and their values (:func:`check_value`, used for targets and on report submission):
``count`` whole and not negative; ``percent`` from 0 to 100; ``money`` (in the tenant's
currency) and ``days`` not negative; ``score`` any number.

Aggregation (:func:`aggregate`) combines the values of consecutive periods into one, e.g. four
quarters into a year: ``sum`` adds them, ``average`` is their mean, ``last`` is the value of the
latest period. Periods without a value are left out; no values at all give None.

Status against target (:func:`target_status`), with the tenant's ``near_percent`` (see
:mod:`.settings`): when higher is better, a value at or above the target is met, one below it by
at most ``near_percent`` % of the target's size is near, anything lower missed; when lower is
better, the same mirrored (at or below the target met, above it by at most ``near_percent`` %
near). A target of 0 has no near band.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from samverkan.partnership.models import (
    Aggregation,
    Agreement,
    Direction,
    Indicator,
    IndicatorTarget,
    ReportingPeriod,
    ReportValue,
    TargetStatus,
    Unit,
)
from samverkan.partnership.services.common import (
    PartnershipError,
    choice_value,
    code_value,
    parse_decimal,
    record,
    texts,
)
from samverkan.partnership.services.periods import get_period
from samverkan.partnership.services.settings import PartnershipSettings, partnership_settings
from samverkan.partnership.services.versions import content_changed, require_editable
from samverkan.platform import audit
from samverkan.platform.db import db
from samverkan.tenants.models import Tenant
from samverkan.tenants.permissions import Principal

INDICATOR_FIELDS = ["code", "name", "definition", "unit", "direction", "aggregation",
                    "steering_goal_id", "position"]
HUNDRED = Decimal(100)
VALUE_LIMIT = Decimal("1e14")


@dataclass
class IndicatorData:
    code: str
    name: dict
    unit: str
    direction: str = Direction.HIGHER
    aggregation: str = Aggregation.SUM
    definition: dict | None = None
    steering_goal_id: int | None = None
    position: int | None = None


def get_indicator(agreement: Agreement, indicator_id) -> Indicator:
    indicator = next((i for i in agreement.indicators if i.id == indicator_id), None)
    if indicator is None:
        raise PartnershipError("indicator_id", "invalid", _l("Choose an indicator of the agreement."))
    return indicator


def indicator_label(indicator: Indicator) -> str:
    """The indicator's code and name, the name in the reader's language where there is one."""
    names = indicator.name or {}
    try:
        from flask_babel import get_locale

        locale = str(get_locale() or "")[:2]
    except RuntimeError:  # no request or application context
        locale = ""
    name = names.get(locale) or names.get("sv") or names.get("fi") or next(iter(names.values()), "")
    return f"{indicator.code} ({name})" if name else indicator.code


def check_value(unit: str, value, field: str, label: str | None = None) -> Decimal:
    """A value valid for the unit, or a :class:`PartnershipError` naming ``label``."""
    label = label or field
    number = parse_decimal(value)
    if number is None:
        raise PartnershipError(field, "invalid", _l("%(indicator)s: enter a number.", indicator=label))
    if abs(number) >= VALUE_LIMIT:
        raise PartnershipError(field, "too_large",
                               _l("%(indicator)s: the number is too large.", indicator=label))
    if number != number.quantize(Decimal("0.0001")):
        raise PartnershipError(field, "precision",
                               _l("%(indicator)s: use at most 4 decimals.", indicator=label))
    if unit == Unit.PERCENT and not 0 <= number <= HUNDRED:
        raise PartnershipError(field, "out_of_range",
                               _l("%(indicator)s: a percentage is from 0 to 100.", indicator=label))
    if unit == Unit.COUNT and (number < 0 or number != number.to_integral_value()):
        raise PartnershipError(field, "not_whole", _l(
            "%(indicator)s: a count is a whole number, zero or more.", indicator=label))
    if unit in (Unit.MONEY, Unit.DAYS) and number < 0:
        raise PartnershipError(field, "negative",
                               _l("%(indicator)s: the value cannot be negative.", indicator=label))
    return number.quantize(Decimal("0.0001"))


def _validated(tenant: Tenant, agreement: Agreement, data: IndicatorData,
               indicator: Indicator | None) -> dict:
    code = code_value(data.code)
    if any(i.code == code and i is not indicator for i in agreement.indicators):
        raise PartnershipError("code", "duplicate", _l("Another indicator of the agreement has this code."))
    goal_id = data.steering_goal_id or None
    if goal_id is not None:
        from samverkan.ownership.models import SteeringGoal

        goal = db.session.get(SteeringGoal, goal_id)
        if goal is None or goal.tenant_id != tenant.id:
            raise PartnershipError("steering_goal_id", "invalid", _l("Choose a steering goal."))
    position = data.position
    if position is None:
        position = indicator.position if indicator is not None else len(agreement.indicators) + 1
    return {
        "code": code,
        "name": texts(data.name, "name", required=True, max_length=300),
        "definition": texts(data.definition, "definition", required=False, max_length=5000),
        "unit": choice_value(data.unit, Unit, "unit", _l("Choose a unit.")),
        "direction": choice_value(data.direction, Direction, "direction",
                                  _l("Choose whether higher or lower is better.")),
        "aggregation": choice_value(data.aggregation, Aggregation, "aggregation",
                                    _l("Choose how the periods add up.")),
        "steering_goal_id": goal_id,
        "position": int(position),
    }


def add_indicator(tenant: Tenant, principal: Principal, agreement: Agreement, data: IndicatorData
                  ) -> Indicator:
    require_editable(tenant, principal, agreement)
    values = _validated(tenant, agreement, data, None)
    indicator = Indicator(tenant_id=tenant.id, **values)
    agreement.indicators.append(indicator)
    content_changed(agreement, principal)
    db.session.flush()
    record("partnership.indicator_added", indicator, principal,
           after={"agreement_id": agreement.id, **audit.snapshot(indicator, INDICATOR_FIELDS)})
    return indicator


def update_indicator(tenant: Tenant, principal: Principal, indicator: Indicator, data: IndicatorData
                     ) -> Indicator:
    agreement = indicator.agreement
    require_editable(tenant, principal, agreement)
    values = _validated(tenant, agreement, data, indicator)
    before = audit.snapshot(indicator, INDICATOR_FIELDS)
    if values["unit"] != indicator.unit and _has_values(indicator):
        raise PartnershipError("unit", "in_use", _l("Values have been reported: the unit cannot change."))
    if all(getattr(indicator, k) == v for k, v in values.items()):
        return indicator
    for name, value in values.items():
        setattr(indicator, name, value)
    content_changed(agreement, principal)
    db.session.flush()
    record("partnership.indicator_updated", indicator, principal, before=before,
           after=audit.snapshot(indicator, INDICATOR_FIELDS))
    return indicator


def _has_values(indicator: Indicator) -> bool:
    return db.session.scalar(select(ReportValue.id).where(
        ReportValue.tenant_id == indicator.tenant_id, ReportValue.indicator_id == indicator.id
    ).limit(1)) is not None


def remove_indicator(tenant: Tenant, principal: Principal, indicator: Indicator) -> None:
    agreement = indicator.agreement
    require_editable(tenant, principal, agreement)
    if _has_values(indicator):
        raise PartnershipError("indicator_id", "in_use",
                               _l("Values have been reported for this indicator: it cannot be removed."))
    before = audit.snapshot(indicator, INDICATOR_FIELDS)
    indicator_id = indicator.id
    agreement.indicators.remove(indicator)
    content_changed(agreement, principal)
    db.session.flush()
    record("partnership.indicator_removed", None, principal, entity_type="Indicator",
           entity_id=indicator_id, before=before)


def set_target(tenant: Tenant, principal: Principal, indicator: Indicator, period_id: int,
               value) -> IndicatorTarget | None:
    """Set (or with ``value`` None, remove) the indicator's target for a period."""
    agreement = indicator.agreement
    require_editable(tenant, principal, agreement)
    period = get_period(tenant, period_id)
    target = next((t for t in indicator.targets if t.period_id == period.id), None)
    before = {"period": period.label, "value": target.value if target else None}
    if value is None or value == "":
        if target is None:
            return None
        indicator.targets.remove(target)
        content_changed(agreement, principal)
        db.session.flush()
        record("partnership.target_removed", indicator, principal, before=before)
        return None
    number = check_value(indicator.unit, value, "value", indicator_label(indicator))
    if target is not None and target.value == number:
        return target
    if target is None:
        target = IndicatorTarget(tenant_id=tenant.id, period_id=period.id, value=number)
        indicator.targets.append(target)
    else:
        target.value = number
    content_changed(agreement, principal)
    db.session.flush()
    record("partnership.target_set", indicator, principal, before=before,
           after={"period": period.label, "value": number})
    return target


def targets_of(tenant: Tenant, indicator_ids: Iterable[int]) -> dict[tuple[int, int], Decimal]:
    """{(indicator id, period id): target} in one query."""
    ids = list(indicator_ids)
    if not ids:
        return {}
    rows = db.session.execute(select(
        IndicatorTarget.indicator_id, IndicatorTarget.period_id, IndicatorTarget.value
    ).where(IndicatorTarget.tenant_id == tenant.id, IndicatorTarget.indicator_id.in_(ids)))
    return {(i, p): v for i, p, v in rows}


# --- arithmetic ------------------------------------------------------------------------------


def aggregate(aggregation: str, values: Iterable[Decimal | None]) -> Decimal | None:
    """Combine the values of consecutive periods (in period order) by the rule."""
    present = [Decimal(v) for v in values if v is not None]
    if not present:
        return None
    if aggregation == Aggregation.SUM:
        return sum(present, Decimal(0))
    if aggregation == Aggregation.AVERAGE:
        return (sum(present, Decimal(0)) / len(present)).quantize(Decimal("0.0001"))
    if aggregation == Aggregation.LAST:
        return present[-1]
    raise ValueError(f"unknown aggregation {aggregation!r}")


def aggregate_by_year(indicator: Indicator, values: Iterable[tuple[ReportingPeriod, Decimal | None]]
                      ) -> dict[int, Decimal | None]:
    """Period values of an indicator rolled up into years by its aggregation rule."""
    by_year: dict[int, list] = defaultdict(list)
    for period, value in sorted(values, key=lambda pv: pv[0].starts_on):
        by_year[period.year].append(value)
    return {year: aggregate(indicator.aggregation, items) for year, items in sorted(by_year.items())}


def target_status(direction: str, value, target, settings: PartnershipSettings | None = None, *,
                  near_percent: Decimal | None = None) -> TargetStatus | None:
    """Met, near or missed for a value against its target (None if either is missing)."""
    if value is None or target is None:
        return None
    if near_percent is None:
        near_percent = settings.near_percent if settings is not None else Decimal(10)
    value, target = Decimal(value), Decimal(target)
    band = abs(target) * Decimal(near_percent) / HUNDRED
    if direction == Direction.LOWER:
        if value <= target:
            return TargetStatus.MET
        return TargetStatus.NEAR if value <= target + band else TargetStatus.MISSED
    if value >= target:
        return TargetStatus.MET
    return TargetStatus.NEAR if value >= target - band else TargetStatus.MISSED


def indicator_status(tenant: Tenant, indicator: Indicator, value, target) -> TargetStatus | None:
    return target_status(indicator.direction, value, target, partnership_settings(tenant))
