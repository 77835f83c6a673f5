"""What every partnership service shares: the domain errors, the actor of a principal, per-locale
text, decimal, date and choice validation, and today's date."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l

from samverkan.platform import services
from samverkan.platform.services import (
    DomainError,
    actor_of,
    label_of,
    parse_decimal,
    record,
    user_id_of,
)
from samverkan.tenants.models import Tenant
from samverkan.tenants.permissions import Principal, Rule

VALUE_LIMIT = Decimal("1e14")  # Numeric(18, 4): 14 integer digits
CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,49}$")

__all__ = [
    "ConflictError", "PartnershipError", "PartnershipPermissionError", "actor_of", "choice_value",
    "code_value", "date_value", "decimal_value", "label_of", "parse_decimal", "principal_key",
    "record", "require", "texts", "today", "user_id_of",
]


class PartnershipError(DomainError):
    """Invalid data or a refused state change in partnership (see DomainError); ``errors``
    may map indicator codes to messages."""


class PartnershipPermissionError(PartnershipError):
    """The principal's roles do not allow this change (a 403 for pages and the API)."""


class ConflictError(PartnershipError):
    """The object changed since the caller read it (a 409/412 for pages and the API)."""

    def __init__(self, field: str = "lock_version", message=None):
        super().__init__(field, "conflict", message if message is not None else _l(
            "Someone else saved this report in the meantime. Reload it and make your changes again."))


def today() -> date:
    return date.today()


def principal_key(principal: Principal) -> str:
    """A stable key of who acts: ``user:<id>`` or ``client:<id>``."""
    if principal.user is not None:
        return f"user:{principal.user.id}"
    if principal.client is not None:
        return f"client:{principal.client.id}"
    return "anonymous"


def require(rule: Rule, principal: Principal | None, tenant: Tenant, field: str = "permission",
            message=None) -> None:
    """Refuse unless the principal acts in this tenant and the rule allows it."""
    services.require(rule, principal, tenant, PartnershipPermissionError, field, message)


def texts(value: dict | None, field: str, *, required: bool, max_length: int) -> dict:
    """Per-locale text: known content locales only, stripped, empty ones dropped."""
    return services.texts(value, field, PartnershipError, required=required, max_length=max_length)


def code_value(value: Any, field: str = "code") -> str:
    code = (value or "").strip() if isinstance(value, str) else ""
    if not CODE_PATTERN.match(code):
        raise PartnershipError(field, "invalid", _l(
            "Enter a code of at most 50 letters, digits, dots, dashes or underscores."))
    return code


def decimal_value(value: Any, field: str, *, places: int = 4, limit: Decimal = VALUE_LIMIT,
                  message=None) -> Decimal:
    """An exact decimal with at most ``places`` decimals and less than ``limit`` in size."""
    return services.decimal_value(value, field, PartnershipError, places=places, limit=limit,
                                  message=message)


def date_value(value: Any, field: str, *, required: bool = True) -> date | None:
    return services.date_value(value, field, PartnershipError, required=required)


def choice_value(value: Any, choices: type, field: str, message) -> str:
    return services.choice_value(value, choices, field, PartnershipError, message)
