"""What every owner-steering service shares: the domain errors, the actor of a principal,
per-locale text and decimal validation, and today's date."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l

from samverkan.platform import services
from samverkan.platform.services import (  # noqa: F401 - the domain's shared helpers
    ClientActor,
    DomainError,
    actor_of,
    label_of,
    record,
    user_id_of,
)
from samverkan.tenants.models import Tenant
from samverkan.tenants.permissions import Principal, Rule

MIN_YEAR = 1990
MAX_YEAR = 2100
MEASURE_LIMIT = Decimal("1e14")  # Numeric(18, 4): 14 integer digits


class OwnershipError(DomainError):
    """Invalid data or a refused state change in owner steering (see DomainError)."""


class OwnershipPermissionError(OwnershipError):
    """The principal's roles do not allow this change (a 403 for pages and the API)."""


def today() -> date:
    return date.today()


def require(rule: Rule, principal: Principal, tenant: Tenant, field: str = "permission",
            message=None) -> None:
    """Refuse unless the principal acts in this tenant and the rule allows it."""
    services.require(rule, principal, tenant, OwnershipPermissionError, field, message)


def texts(value: dict | None, field: str, *, required: bool, max_length: int) -> dict:
    """Per-locale text: known content locales only, stripped, empty ones dropped."""
    return services.texts(value, field, OwnershipError, required=required, max_length=max_length)


def decimal_value(value: Any, field: str, *, places: int, limit: Decimal) -> Decimal:
    """An exact decimal with at most ``places`` decimals and less than ``limit`` in size."""
    return services.decimal_value(value, field, OwnershipError, places=places, limit=limit)


def year_value(value: Any, field: str) -> int:
    try:
        year = int(value)
    except (TypeError, ValueError):
        year = None
    if year is None or isinstance(value, bool) or not MIN_YEAR <= year <= MAX_YEAR:
        raise OwnershipError(field, "invalid",
                             _l("Enter a year between %(first)s and %(last)s.",
                                first=MIN_YEAR, last=MAX_YEAR))
    return year


def date_value(value: Any, field: str) -> date:
    return services.date_value(value, field, OwnershipError)


def choice_value(value: Any, choices: type, field: str, message) -> str:
    return services.choice_value(value, choices, field, OwnershipError, message)
