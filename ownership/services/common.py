"""What every owner-steering service shares: the domain errors, the actor of a principal,
per-locale text and decimal validation, and today's date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l

from samverkan.platform import audit
from samverkan.platform.config import CONTENT_LOCALES
from samverkan.tenants.models import Tenant
from samverkan.tenants.permissions import Principal, Rule

MIN_YEAR = 1990
MAX_YEAR = 2100
MEASURE_LIMIT = Decimal("1e14")  # Numeric(18, 4): 14 integer digits


class OwnershipError(ValueError):
    """Invalid data or a refused state change; ``field`` names the offending field (or the
    object), ``code`` the problem, ``message`` is a lazy_gettext string for the user."""

    def __init__(self, field: str, code: str, message):
        super().__init__(field, code)
        self.message = message  # rendered when shown, in the reader's language
        self.field = field
        self.code = code

    def __str__(self) -> str:
        try:
            return str(self.message)
        except RuntimeError:  # no request to choose a language from (a job, a shell)
            return f"{self.field}: {self.code}"


class OwnershipPermissionError(OwnershipError):
    """The principal's roles do not allow this change (a 403 for pages and the API)."""


def today() -> date:
    return date.today()


@dataclass(frozen=True)
class ClientActor:
    """An API client as the actor of an audit entry (it is not a user: no ``id``)."""

    name: str
    id: None = None
    email: None = None


def actor_of(principal: Principal):
    """The user, or a stand-in naming the API client, for audit entries."""
    if principal.user is not None:
        return principal.user
    if principal.client is not None:
        return ClientActor(name=f"api-client:{principal.client.client_id}")
    return None


def user_id_of(principal: Principal) -> int | None:
    return principal.user.id if principal.user is not None else None


def label_of(principal: Principal) -> str:
    actor = actor_of(principal)
    return (getattr(actor, "email", None) or getattr(actor, "name", "") or "") if actor else ""


def record(action: str, entity: Any, principal: Principal, **kwargs) -> None:
    audit.record(action, entity, actor=actor_of(principal), **kwargs)


def require(rule: Rule, principal: Principal, tenant: Tenant, field: str = "permission",
            message=None) -> None:
    """Refuse unless the principal acts in this tenant and the rule allows it."""
    if principal is None or principal.tenant.id != tenant.id or not rule(principal):
        raise OwnershipPermissionError(
            field, "forbidden", message if message is not None else _l("You are not allowed to do this.")
        )


def texts(value: dict | None, field: str, *, required: bool, max_length: int) -> dict:
    """Per-locale text: known content locales only, stripped, empty ones dropped."""
    cleaned = {
        locale: text.strip()
        for locale, text in (value or {}).items()
        if locale in CONTENT_LOCALES and isinstance(text, str) and text.strip()
    }
    if required and not cleaned:
        raise OwnershipError(field, "required", _l("Enter the text in at least one language."))
    if any(len(text) > max_length for text in cleaned.values()):
        raise OwnershipError(field, "too_long",
                             _l("A text is at most %(count)s characters.", count=max_length))
    return cleaned


def decimal_value(value: Any, field: str, *, places: int, limit: Decimal) -> Decimal:
    """An exact decimal with at most ``places`` decimals and less than ``limit`` in size."""
    if isinstance(value, float):
        value = repr(value)
    try:
        number = Decimal(str(value).strip().replace(",", ".").replace("\u00a0", "").replace(" ", ""))
    except (InvalidOperation, ValueError, TypeError):
        number = None
    if value is None or number is None or not number.is_finite():
        raise OwnershipError(field, "invalid", _l("Enter a number."))
    if number.as_tuple().exponent < -places and number != number.quantize(Decimal(1).scaleb(-places)):
        raise OwnershipError(field, "precision",
                             _l("Use at most %(count)s decimals.", count=places))
    if abs(number) >= limit:
        raise OwnershipError(field, "too_large", _l("The number is too large."))
    return number.quantize(Decimal(1).scaleb(-places))


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
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise OwnershipError(field, "invalid", _l("Enter a date."))


def choice_value(value: Any, choices: type, field: str, message) -> str:
    known = {item.value for item in choices}
    if value not in known:
        raise OwnershipError(field, "invalid", message)
    return str(value)
