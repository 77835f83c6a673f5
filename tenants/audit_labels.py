"""Readable audit entries: translated names for actions, entity types and fields, and values
written the way a reader expects (names instead of ids, role and kind labels, dates).

Each domain registers the labels of its own actions with :func:`register_audit_labels`; a code
with no label is shown as it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from samverkan.platform.i18n import LANGUAGE_NAMES, format_when, translated
from samverkan.tenants.labels import (
    ORGANISATION_KIND_LABELS,
    ROLE_LABELS,
    TENANT_KIND_LABELS,
)

ACTION_LABELS: dict[str, object] = {
    "tenant.created": _l("Tenant created"),
    "tenant.status_changed": _l("Tenant suspended or reactivated"),
    "tenant.settings_changed": _l("Tenant settings changed"),
    "user.created": _l("Account created"),
    "user.password_changed": _l("Password changed"),
    "user.password_reset_requested": _l("Password reset requested"),
    "membership.granted": _l("Member added"),
    "membership.changed": _l("Member's roles changed"),
    "membership.removed": _l("Member removed"),
    "organisation.created": _l("Organisation added"),
    "organisation.updated": _l("Organisation changed"),
    "organisation.archived": _l("Organisation archived"),
    "organisation.restored": _l("Organisation restored"),
    "invitation.created": _l("Invitation sent"),
    "invitation.resent": _l("Invitation sent again"),
    "invitation.revoked": _l("Invitation revoked"),
    "invitation.accepted": _l("Invitation accepted"),
    "api_client.created": _l("API client created"),
    "api_client.updated": _l("API client changed"),
    "api_client.revoked": _l("API client revoked"),
    "api_token.issued": _l("API access token issued"),
    "job.ping": _l("Background job test"),
}

ENTITY_TYPE_LABELS: dict[str, object] = {
    "Tenant": _l("Tenant"),
    "User": _l("Person"),
    "Membership": _l("Membership"),
    "Organisation": _l("Organisation"),
    "Invitation": _l("Invitation"),
    "ApiClient": _l("API client"),
    "ApiToken": _l("API access token"),
    "JobRun": _l("Background job"),
}

FIELD_LABELS: dict[str, object] = {
    "name": _l("Name"),
    "slug": _l("Address (slug)"),
    "kind": _l("Kind"),
    "country": _l("Country"),
    "currency": _l("Currency"),
    "status": _l("Status"),
    "content_locales": _l("Content languages"),
    "default_locale": _l("Default language"),
    "roles": _l("Roles"),
    "organisation_id": _l("Organisation"),
    "user_id": _l("Person"),
    "email": _l("E-mail address"),
    "business_id": _l("Business ID"),
    "is_archived": _l("Archived"),
    "is_operator": _l("Platform operator"),
    "client_id": _l("Client ID"),
    "scopes": _l("Scopes"),
    "scope": _l("Scopes"),
    "revoked_at": _l("Revoked"),
    "accepted_at": _l("Accepted"),
    "expires_at": _l("Expires"),
    "via": _l("How"),
    "message": _l("Message"),
}

STATUS_LABELS = {"active": _l("Active"), "suspended": _l("Suspended")}
COUNTRY_LABELS = {"FI": _l("Finland"), "SE": _l("Sweden")}

_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def register_audit_labels(*, actions: dict | None = None, entity_types: dict | None = None,
                          fields: dict | None = None) -> None:
    """Let a domain name its own actions, entity types and fields (lazy_gettext strings)."""
    ACTION_LABELS.update(actions or {})
    ENTITY_TYPE_LABELS.update(entity_types or {})
    FIELD_LABELS.update(fields or {})


def action_label(code: str) -> str:
    return str(ACTION_LABELS.get(code, code))


def entity_type_label(code: str) -> str:
    return str(ENTITY_TYPE_LABELS.get(code, code))


def field_label(code: str) -> str:
    return str(FIELD_LABELS.get(code, code.replace("_", " ")))


@dataclass(frozen=True)
class Change:
    field: str
    label: str
    before: str | None  # None: the field has no value on that side (created or removed)
    after: str | None


@dataclass
class Lookups:
    """Names for the ids that entries refer to: organisations and people."""

    organisations: dict[int, dict]
    users: dict[int, str]


def ids_referred_to(entries, field: str) -> set[int]:
    found = set()
    for entry in entries:
        for values in (entry.before or {}, entry.after or {}):
            value = values.get(field)
            if isinstance(value, int):
                found.add(value)
    return found


def format_value(field: str, value, entity_type: str, lookups: Lookups) -> str:
    """One value of an entry as a reader would write it."""
    if value is None or value == "" or value == []:
        return "–"
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if field == "organisation_id" and isinstance(value, int):
        name = lookups.organisations.get(value)
        return translated(name) if name else gettext("Organisation %(id)s", id=value)
    if field == "user_id" and isinstance(value, int):
        return lookups.users.get(value) or gettext("Person %(id)s", id=value)
    if field == "roles" and isinstance(value, list):
        return ", ".join(str(ROLE_LABELS.get(r, r)) for r in value)
    if field in ("content_locales",) and isinstance(value, list):
        return ", ".join(LANGUAGE_NAMES.get(loc, loc) for loc in value)
    if field == "default_locale":
        return LANGUAGE_NAMES.get(value, str(value))
    if field == "kind":
        labels = TENANT_KIND_LABELS if entity_type == "Tenant" else ORGANISATION_KIND_LABELS
        return str(labels.get(value, value))
    if field == "status":
        return str(STATUS_LABELS.get(value, value))
    if field == "country":
        return str(COUNTRY_LABELS.get(value, value))
    if isinstance(value, dict):
        if value and set(value) <= set(LANGUAGE_NAMES):
            return " · ".join(f"{LANGUAGE_NAMES[k]}: {v}" for k, v in value.items() if v) or "–"
        return "; ".join(f"{field_label(str(k))}: {format_value(str(k), v, entity_type, lookups)}"
                         for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(format_value(field, v, entity_type, lookups) for v in value)
    if isinstance(value, str) and _ISO_DATETIME.match(value):
        try:
            return format_when(datetime.fromisoformat(value))
        except ValueError:
            return value
    return str(value)


# Fields that identify whom an entry concerns: shown even when they did not change.
SUBJECT_FIELDS = {"user_id"}


def changes(entry, lookups: Lookups) -> list[Change]:
    """The fields of an entry with their values before and after; unchanged fields are left out,
    except those of ``SUBJECT_FIELDS``."""
    before, after = entry.before, entry.after
    fields = list(dict.fromkeys([*(after or {}), *(before or {})]))
    rows = []
    for field in fields:
        old = before.get(field) if before is not None else None
        new = after.get(field) if after is not None else None
        if before is not None and after is not None and field in before and field in after \
                and old == new:
            if field in SUBJECT_FIELDS:
                # Unchanged, but it says whom the change concerns (e.g. the member whose roles
                # changed): shown as a plain value.
                rows.append(Change(field=field, label=field_label(field), before=None,
                                   after=format_value(field, new, entry.entity_type, lookups)))
            continue
        rows.append(Change(
            field=field,
            label=field_label(field),
            before=None if before is None or field not in before
            else format_value(field, old, entry.entity_type, lookups),
            after=None if after is None or field not in after
            else format_value(field, new, entry.entity_type, lookups),
        ))
    return rows
