"""The tenant's partnership settings, kept in ``Tenant.settings["partnership"]``:

``frequency``
    The reporting calendar: ``year``, ``half_year``, ``tertial``, ``quarter`` or ``month``.
    Default ``quarter``.
``deadline_offset_days``
    The reporting deadline, in days after a period's last day (0-365). Default ``30``.
``near_percent``
    How far (in percent of the target) a value may fall short of its target, in the
    indicator's direction, and still count as near rather than missed (0-100). Default ``10``.
``reminder_days_before``
    How many days before a reporting deadline the provider reporters are reminded (0-365).
    Default ``14``.
``recheck_months``
    The interval of the re-checks of an approved authorisation of a provider, in months from
    its start (or the last re-check) to the next re-check (1-60). Default ``12``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from samverkan.partnership.models import Frequency
from samverkan.partnership.permissions import can_manage_settings
from samverkan.partnership.services.common import (
    PartnershipError,
    choice_value,
    decimal_value,
    record,
    require,
)
from samverkan.platform.db import db
from samverkan.tenants.models import Tenant
from samverkan.tenants.permissions import Principal

SETTINGS_KEY = "partnership"
DEFAULTS = {
    "frequency": Frequency.QUARTER.value,
    "deadline_offset_days": 30,
    "near_percent": "10",
    "reminder_days_before": 14,
    "recheck_months": 12,
}
RECHECK_MONTHS_RANGE = (1, 60)


@dataclass(frozen=True)
class PartnershipSettings:
    frequency: str
    deadline_offset_days: int
    near_percent: Decimal
    reminder_days_before: int = 14
    recheck_months: int = 12

    def as_dict(self) -> dict:
        return {
            "frequency": self.frequency,
            "deadline_offset_days": self.deadline_offset_days,
            "near_percent": format(self.near_percent.normalize(), "f"),
            "reminder_days_before": self.reminder_days_before,
            "recheck_months": self.recheck_months,
        }


def _days(values: dict, field: str) -> int:
    """A whole number of days from 0 to 365."""
    value = values.get(field)
    try:
        days = int(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError):
        days = -1
    fraction = isinstance(value, float) and not value.is_integer()
    if isinstance(value, bool) or fraction or not 0 <= days <= 365:
        raise PartnershipError(field, "invalid", _l("Enter a number of days from 0 to 365."))
    return days


def _months(values: dict, field: str) -> int:
    """A whole number of months from 1 to 60."""
    value = values.get(field)
    low, high = RECHECK_MONTHS_RANGE
    try:
        months = int(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError):
        months = 0
    fraction = isinstance(value, float) and not value.is_integer()
    if isinstance(value, bool) or fraction or not low <= months <= high:
        raise PartnershipError(field, "invalid", _l(
            "Enter a number of months from %(low)s to %(high)s.", low=low, high=high))
    return months


def _validated(values: dict) -> PartnershipSettings:
    frequency = choice_value(values.get("frequency"), Frequency, "frequency",
                             _l("Choose a reporting frequency."))
    offset = _days(values, "deadline_offset_days")
    near = decimal_value(values.get("near_percent"), "near_percent", places=2, limit=Decimal(1000))
    if not 0 <= near <= 100:
        raise PartnershipError("near_percent", "invalid", _l("Enter a percentage from 0 to 100."))
    reminder = _days(values, "reminder_days_before")
    recheck = _months(values, "recheck_months")
    return PartnershipSettings(frequency, offset, near, reminder, recheck)


def partnership_settings(tenant: Tenant) -> PartnershipSettings:
    """The tenant's settings, with the defaults for anything not set."""
    stored = (tenant.settings or {}).get(SETTINGS_KEY) or {}
    return _validated({**DEFAULTS, **{k: v for k, v in stored.items() if k in DEFAULTS}})


def update_partnership_settings(tenant: Tenant, principal: Principal, data: dict) -> PartnershipSettings:
    """Change the reporting calendar, the status threshold, the reminders and the re-check
    interval of authorisations (admin). A changed interval applies to the re-checks scheduled
    afterwards; the dates already scheduled stay."""
    require(can_manage_settings, principal, tenant)
    tenant = db.session.get(Tenant, tenant.id)  # the session's copy, also for a detached one
    before = partnership_settings(tenant)
    after = _validated({**before.as_dict(), **{k: v for k, v in data.items() if k in DEFAULTS}})
    if after == before:
        return after
    settings = dict(tenant.settings or {})
    settings[SETTINGS_KEY] = after.as_dict()
    tenant.settings = settings  # a new dict: the JSON column notices the change
    db.session.flush()
    record("partnership.settings_changed", tenant, principal, entity_type="Tenant",
           before=before.as_dict(), after=after.as_dict())
    return after
