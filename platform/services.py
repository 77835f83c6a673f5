"""What the services of every domain share: the domain error, the actor of a principal for the
audit trail, the permission check, and validation of per-locale text, decimals, dates and
choices. Each domain binds these to its own error class (see ``ownership/services/common.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l

from samverkan.platform import audit
from samverkan.platform.config import CONTENT_LOCALES


class DomainError(ValueError):
    """Invalid data or a refused state change; ``field`` names the offending field (or the
    object), ``code`` the problem, ``message`` is a lazy_gettext string for the user, and
    ``errors`` optionally maps further fields (e.g. indicator codes) to messages."""

    def __init__(self, field: str, code: str, message, errors: dict | None = None):
        super().__init__(field, code)
        self.message = message  # rendered when shown, in the reader's language
        self.field = field
        self.code = code
        self.errors = errors or {}

    def __str__(self) -> str:
        try:
            return str(self.message)
        except RuntimeError:  # no request to choose a language from (a job, a shell)
            return f"{self.field}: {self.code}"


@dataclass(frozen=True)
class ClientActor:
    """An API client as the actor of an audit entry (it is not a user: no ``id``)."""

    name: str
    id: None = None
    email: None = None


def actor_of(principal):
    """The user, or a stand-in naming the API client, for audit entries."""
    if principal is None:
        return None
    if principal.user is not None:
        return principal.user
    if principal.client is not None:
        return ClientActor(name=f"api-client:{principal.client.client_id}")
    return None


def user_id_of(principal) -> int | None:
    return principal.user.id if principal.user is not None else None


def label_of(principal) -> str:
    actor = actor_of(principal)
    return (getattr(actor, "email", None) or getattr(actor, "name", "") or "") if actor else ""


def record(action: str, entity: Any, principal, **kwargs) -> None:
    """An audit entry of a service; ``principal`` None is the system (a scheduled job)."""
    audit.record(action, entity, actor=actor_of(principal), **kwargs)


def require(rule, principal, tenant, refusal: type[DomainError], field: str = "permission",
            message=None) -> None:
    """Raise ``refusal`` unless the principal acts in this tenant and the rule allows it."""
    if principal is None or principal.tenant.id != tenant.id or not rule(principal):
        raise refusal(field, "forbidden",
                      message if message is not None else _l("You are not allowed to do this."))


def texts(value: dict | None, field: str, error: type[DomainError], *, required: bool,
          max_length: int) -> dict:
    """Per-locale text: known content locales only, stripped, empty ones dropped."""
    cleaned = {
        locale: text.strip()
        for locale, text in (value or {}).items()
        if locale in CONTENT_LOCALES and isinstance(text, str) and text.strip()
    }
    if required and not cleaned:
        raise error(field, "required", _l("Enter the text in at least one language."))
    if any(len(text) > max_length for text in cleaned.values()):
        raise error(field, "too_long", _l("A text is at most %(count)s characters.", count=max_length))
    return cleaned


def parse_decimal(value: Any) -> Decimal | None:
    """A decimal from a number or a text (comma or point, spaces allowed), or None."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, float):
        value = repr(value)
    try:
        number = Decimal(str(value).strip().replace(",", ".").replace("\u00a0", "").replace(" ", ""))
    except (InvalidOperation, ValueError, TypeError):
        return None
    return number if number.is_finite() else None


def decimal_value(value: Any, field: str, error: type[DomainError], *, places: int,
                  limit: Decimal, message=None) -> Decimal:
    """An exact decimal with at most ``places`` decimals and less than ``limit`` in size."""
    number = parse_decimal(value)
    if number is None:
        raise error(field, "invalid", message or _l("Enter a number."))
    if number.as_tuple().exponent < -places and number != number.quantize(Decimal(1).scaleb(-places)):
        raise error(field, "precision", _l("Use at most %(count)s decimals.", count=places))
    if abs(number) >= limit:
        raise error(field, "too_large", _l("The number is too large."))
    return number.quantize(Decimal(1).scaleb(-places))


def date_value(value: Any, field: str, error: type[DomainError], *,
               required: bool = True) -> date | None:
    """A date from a date or an ISO text; None for an empty optional one."""
    if value is None or value == "":
        if not required:
            return None
    elif isinstance(value, date):
        return value
    elif isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise error(field, "invalid", _l("Enter a date."))


def choice_value(value: Any, choices: type, field: str, error: type[DomainError], message) -> str:
    """One of an enumeration's values."""
    if value not in {item.value for item in choices}:
        raise error(field, "invalid", message)
    return str(value)
