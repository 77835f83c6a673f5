"""Readable, translated names for the domain's codes."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

ROLE_LABELS = {
    "admin": _l("Administrator"),
    "owner_representative": _l("Owner representative"),
    "provider_reporter": _l("Provider reporter"),
    "purchaser": _l("Purchaser"),
    "coordinator": _l("Coordinator"),
    "guidance_counsellor": _l("Guidance counsellor"),
    "viewer": _l("Viewer"),
}

TENANT_KIND_LABELS = {
    "municipality": _l("Municipality"),
    "consortium": _l("Joint municipal authority"),
    "association": _l("Association of municipalities"),
}

ORGANISATION_KIND_LABELS = {
    "municipality": _l("Municipality"),
    "provider": _l("Education provider"),
    "employer": _l("Employer"),
    "other": _l("Other"),
}


def role_label(code: str) -> str:
    return str(ROLE_LABELS.get(code, code))


def tenant_kind_label(code: str) -> str:
    return str(TENANT_KIND_LABELS.get(code, code))


def organisation_kind_label(code: str) -> str:
    return str(ORGANISATION_KIND_LABELS.get(code, code))


def template_globals() -> dict:
    return {
        "role_label": role_label,
        "tenant_kind_label": tenant_kind_label,
        "organisation_kind_label": organisation_kind_label,
    }
