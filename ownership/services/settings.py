"""The tenant's owner-steering settings, kept in ``Tenant.settings["ownership"]``:

``decision_rule``
    ``"majority_represented"`` (more than half of the shares represented at the vote) or
    ``"qualified_all"`` (at least ``qualified_fraction`` of all shares). Default: majority.
``qualified_fraction``
    ``"<numerator>/<denominator>"``, from 1/2 to 1/1. Default ``"2/3"``.
``at_risk_gap`` / ``off_track_gap``
    Percentage points by which a goal's progress may trail its trajectory: more than
    ``at_risk_gap`` behind is at risk, more than ``off_track_gap`` behind is off track.
    Defaults ``"5"`` and ``"15"``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from flask_babel import lazy_gettext as _l

from samverkan.ownership.models import DecisionRule
from samverkan.ownership.permissions import can_manage_settings
from samverkan.ownership.services.common import (
    OwnershipError,
    choice_value,
    decimal_value,
    record,
    require,
)
from samverkan.platform.db import db
from samverkan.tenants.models import Tenant
from samverkan.tenants.permissions import Principal

SETTINGS_KEY = "ownership"
DEFAULTS = {
    "decision_rule": DecisionRule.MAJORITY_REPRESENTED.value,
    "qualified_fraction": "2/3",
    "at_risk_gap": "5",
    "off_track_gap": "15",
}


@dataclass(frozen=True)
class OwnershipSettings:
    decision_rule: str
    qualified_fraction: Fraction
    at_risk_gap: Decimal
    off_track_gap: Decimal

    def as_dict(self) -> dict:
        fraction = self.qualified_fraction
        return {
            "decision_rule": self.decision_rule,
            "qualified_fraction": f"{fraction.numerator}/{fraction.denominator}",
            "at_risk_gap": _number(self.at_risk_gap),
            "off_track_gap": _number(self.off_track_gap),
        }


def _number(value: Decimal) -> str:
    """``Decimal("10.00")`` as ``"10"``, ``Decimal("2.50")`` as ``"2.5"`` (never ``1E+1``)."""
    return format(value.normalize(), "f")


def parse_fraction(value) -> Fraction:
    """``"2/3"`` (or a Fraction) from 1/2 to 1, exactly."""
    try:
        if isinstance(value, Fraction):
            fraction = value
        else:
            numerator, _, denominator = str(value).strip().partition("/")
            fraction = Fraction(int(numerator), int(denominator or 1))
    except (ValueError, ZeroDivisionError):
        fraction = None
    if fraction is None or not Fraction(1, 2) <= fraction <= 1:
        raise OwnershipError("qualified_fraction", "invalid",
                             _l("Enter a fraction from 1/2 to 1/1, e.g. 2/3."))
    return fraction


def _validated(values: dict) -> OwnershipSettings:
    rule = choice_value(values.get("decision_rule"), DecisionRule, "decision_rule",
                        _l("Choose a decision rule."))
    fraction = parse_fraction(values.get("qualified_fraction"))
    at_risk = decimal_value(values.get("at_risk_gap"), "at_risk_gap", places=2, limit=Decimal(101))
    off_track = decimal_value(values.get("off_track_gap"), "off_track_gap", places=2,
                              limit=Decimal(101))
    if at_risk < 0 or at_risk > 100:
        raise OwnershipError("at_risk_gap", "invalid",
                             _l("Enter percentage points from 0 to 100."))
    if off_track < at_risk or off_track > 100:
        raise OwnershipError("off_track_gap", "invalid",
                             _l("The off-track gap must be at least the at-risk gap and at most 100."))
    return OwnershipSettings(rule, fraction, at_risk, off_track)


def ownership_settings(tenant: Tenant) -> OwnershipSettings:
    """The tenant's settings, with the defaults for anything not set."""
    stored = (tenant.settings or {}).get(SETTINGS_KEY) or {}
    return _validated({**DEFAULTS, **{k: v for k, v in stored.items() if k in DEFAULTS}})


def update_ownership_settings(tenant: Tenant, principal: Principal, data: dict) -> OwnershipSettings:
    """Change the decision rule and the progress thresholds (admin)."""
    require(can_manage_settings, principal, tenant)
    tenant = db.session.get(Tenant, tenant.id)  # the session's copy, also for a detached one
    before = ownership_settings(tenant)
    after = _validated({**before.as_dict(), **{k: v for k, v in data.items() if k in DEFAULTS}})
    if after == before:
        return after
    settings = dict(tenant.settings or {})
    settings[SETTINGS_KEY] = after.as_dict()
    tenant.settings = settings  # a new dict: the JSON column notices the change
    db.session.flush()
    record("ownership.settings_changed", tenant, principal, entity_type="Tenant",
           before=before.as_dict(), after=after.as_dict())
    return after
