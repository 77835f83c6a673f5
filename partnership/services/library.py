"""The shared indicator library: an association publishes versioned indicator templates and
agreement templates (sets of indicator template versions); a tenant adopts them into its
agreements and later takes a newer version or keeps its own.

Publishing (association side): only in an association tenant, by a coordinator
(:data:`~samverkan.partnership.permissions.can_manage_library`). A new code is version 1; a known
code gets the next version, refused when nothing differs from the latest one. A published version
never changes.

Adopting (any tenant): the templates of another tenant are read only through
:mod:`samverkan.tenants.services.sharing` (the libraries the tenant may use); an adopted
indicator is created and changed by the agreement's own indicator services, so the agreement's
editability and the principal's permissions apply. Adopting an agreement template adds all of
its indicators not adopted yet, or none. Errors are :class:`LibraryError`, and the agreement's
own refusals (:class:`~samverkan.partnership.services.common.PartnershipError`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from samverkan.partnership.models import (
    Aggregation,
    Agreement,
    AgreementTemplate,
    AgreementTemplateItem,
    Direction,
    Indicator,
    IndicatorTemplate,
    Unit,
)
from samverkan.partnership.permissions import can_manage_agreements, can_manage_library
from samverkan.partnership.services.common import (
    PartnershipError,
    PartnershipPermissionError,
    choice_value,
    code_value,
    label_of,
    record,
    texts,
)
from samverkan.partnership.services.indicators import IndicatorData, add_indicator, update_indicator
from samverkan.platform import services
from samverkan.platform.db import db
from samverkan.tenants.models import Tenant
from samverkan.tenants.permissions import Principal, Rule
from samverkan.tenants.services import sharing

if TYPE_CHECKING:  # sharing imports the partnership services: no names from it at import time
    from samverkan.tenants.services.sharing import AgreementTemplateVersion, TemplateVersion

TEMPLATE_FIELDS = ("name", "definition", "unit", "direction", "aggregation")
TEXT_FIELDS = ("name", "definition")
LOCALE_ORDER = ("sv", "fi", "en")

__all__ = [
    "AgreementTemplateData", "Difference", "IndicatorTemplateData", "LibraryError",
    "LibraryPermissionError", "adopt_agreement_template", "adopt_indicator_template",
    "agreement_template_versions", "agreement_templates", "get_agreement_template",
    "get_indicator_template", "indicator_templates", "keep_version", "newer_version", "newer_versions",
    "publish_agreement_template", "publish_indicator_template", "template_differences",
    "template_versions", "upgrade_indicator",
]


class LibraryError(PartnershipError):
    """Invalid data or a refused change of the shared indicator library (see DomainError)."""


class LibraryPermissionError(LibraryError, PartnershipPermissionError):
    """The principal's roles (or the tenant's kind) do not allow this change (a 403)."""


@dataclass
class IndicatorTemplateData:
    code: str
    name: dict
    definition: dict
    unit: str
    direction: str
    aggregation: str
    change_note: dict = field(default_factory=dict)


@dataclass
class AgreementTemplateData:
    code: str
    name: dict
    description: dict
    indicator_template_ids: list[int]
    change_note: dict = field(default_factory=dict)


@dataclass
class Difference:
    """One field (per locale for texts) that differs between two versions."""

    field: str
    locale: str | None
    old: object
    new: object


def _require(rule: Rule, principal: Principal | None, tenant: Tenant, message=None) -> None:
    services.require(rule, principal, tenant, LibraryPermissionError, "permission", message)


def _require_library(tenant: Tenant, principal: Principal | None) -> None:
    _require(can_manage_library, principal, tenant, _l(
        "Only a coordinator of an association publishes to its indicator library."))


@contextmanager
def _as_library_error() -> Iterator[None]:
    """Validation errors of the shared partnership validators as :class:`LibraryError`."""
    try:
        yield
    except LibraryError:
        raise
    except PartnershipError as error:
        raise LibraryError(error.field, error.code, error.message, error.errors) from error


def _texts(tenant: Tenant, value: dict | None, name: str, *, required: bool,
           max_length: int) -> dict:
    """Per-locale text; when required, in at least one of the tenant's content locales."""
    cleaned = texts(value, name, required=required, max_length=max_length)
    if required and not any(locale in cleaned for locale in tenant.content_locales):
        raise LibraryError(name, "required", _l("Enter the text in at least one language."))
    return cleaned


# --- reading the association's own library ---------------------------------------------------


def _latest(rows) -> list:
    latest: dict[str, object] = {}
    for row in rows:
        latest[row.code] = row  # ordered by code and version: the last one is the newest
    return list(latest.values())


def indicator_templates(tenant: Tenant) -> list[IndicatorTemplate]:
    """The newest version of each indicator template of the tenant's library, by code."""
    return _latest(db.session.scalars(select(IndicatorTemplate).where(
        IndicatorTemplate.tenant_id == tenant.id).order_by(
        IndicatorTemplate.code, IndicatorTemplate.version)))


def template_versions(tenant: Tenant, code: str) -> list[IndicatorTemplate]:
    """Every version of one indicator template of the tenant's library, oldest first."""
    return list(db.session.scalars(select(IndicatorTemplate).where(
        IndicatorTemplate.tenant_id == tenant.id, IndicatorTemplate.code == code).order_by(
        IndicatorTemplate.version)))


def agreement_templates(tenant: Tenant) -> list[AgreementTemplate]:
    """The newest version of each agreement template of the tenant's library, by code."""
    return _latest(db.session.scalars(select(AgreementTemplate).where(
        AgreementTemplate.tenant_id == tenant.id).order_by(
        AgreementTemplate.code, AgreementTemplate.version)))


def agreement_template_versions(tenant: Tenant, code: str) -> list[AgreementTemplate]:
    """Every version of one agreement template of the tenant's library, oldest first."""
    return list(db.session.scalars(select(AgreementTemplate).where(
        AgreementTemplate.tenant_id == tenant.id, AgreementTemplate.code == code).order_by(
        AgreementTemplate.version)))


def get_indicator_template(tenant: Tenant, template_id) -> IndicatorTemplate:
    """One indicator template version of the tenant's own library."""
    row = db.session.get(IndicatorTemplate, template_id) if isinstance(template_id, int) else None
    if row is None or row.tenant_id != tenant.id:
        raise LibraryError("template_id", "invalid", _l("Choose an indicator template."))
    return row


def get_agreement_template(tenant: Tenant, template_id) -> AgreementTemplate:
    """One agreement template version of the tenant's own library."""
    row = db.session.get(AgreementTemplate, template_id) if isinstance(template_id, int) else None
    if row is None or row.tenant_id != tenant.id:
        raise LibraryError("template_id", "invalid", _l("Choose an agreement template."))
    return row


# --- publishing ------------------------------------------------------------------------------


def _unchanged(latest) -> LibraryError:
    return LibraryError("template", "unchanged", _l(
        "Nothing changed from version %(version)s: change at least one field to publish a new "
        "version.", version=latest.version))


def publish_indicator_template(tenant: Tenant, principal: Principal,
                               data: IndicatorTemplateData) -> IndicatorTemplate:
    """Version 1 of a new code, or the next version of a known one."""
    _require_library(tenant, principal)
    with _as_library_error():
        code = code_value(data.code)
        values = {
            "name": _texts(tenant, data.name, "name", required=True, max_length=300),
            "definition": _texts(tenant, data.definition, "definition", required=False,
                                 max_length=5000),
            "unit": choice_value(data.unit, Unit, "unit", _l("Choose a unit.")),
            "direction": choice_value(data.direction, Direction, "direction",
                                      _l("Choose whether higher or lower is better.")),
            "aggregation": choice_value(data.aggregation, Aggregation, "aggregation",
                                        _l("Choose how the periods add up.")),
        }
        change_note = _texts(tenant, data.change_note, "change_note", required=False,
                             max_length=2000)
    versions = template_versions(tenant, code)
    latest = versions[-1] if versions else None
    if latest is not None and all(getattr(latest, k) == v for k, v in values.items()):
        raise _unchanged(latest)
    template = IndicatorTemplate(
        tenant_id=tenant.id, code=code, version=latest.version + 1 if latest else 1,
        change_note=change_note, published_by_label=label_of(principal), **values)
    db.session.add(template)
    db.session.flush()
    record("partnership.indicator_template_published", template, principal, after={
        "code": code, "version": template.version, **values, "change_note": change_note})
    return template


def _indicator_set(tenant: Tenant, ids) -> list[IndicatorTemplate]:
    chosen: list[IndicatorTemplate] = []
    for raw in ids or []:
        try:
            template_id = int(raw)
        except (TypeError, ValueError):
            template_id = None
        row = db.session.get(IndicatorTemplate, template_id) if template_id else None
        if row is None or row.tenant_id != tenant.id:
            raise LibraryError("indicator_template_ids", "invalid",
                               _l("Choose indicator templates of the association's library."))
        if any(other.code == row.code for other in chosen):
            raise LibraryError("indicator_template_ids", "duplicate", _l(
                "Choose one version of each indicator template (%(code)s is chosen twice).",
                code=row.code))
        chosen.append(row)
    if not chosen:
        raise LibraryError("indicator_template_ids", "required",
                           _l("Choose at least one indicator template."))
    return chosen


def publish_agreement_template(tenant: Tenant, principal: Principal,
                               data: AgreementTemplateData) -> AgreementTemplate:
    """Version 1 of a new code, or the next version of a known one."""
    _require_library(tenant, principal)
    with _as_library_error():
        code = code_value(data.code)
        name = _texts(tenant, data.name, "name", required=True, max_length=300)
        description = _texts(tenant, data.description, "description", required=False,
                             max_length=5000)
        chosen = _indicator_set(tenant, data.indicator_template_ids)
        change_note = _texts(tenant, data.change_note, "change_note", required=False,
                             max_length=2000)
    versions = agreement_template_versions(tenant, code)
    latest = versions[-1] if versions else None
    ids = [row.id for row in chosen]
    if latest is not None and latest.name == name and latest.description == description and [
            item.indicator_template_id for item in latest.items] == ids:
        raise _unchanged(latest)
    template = AgreementTemplate(
        tenant_id=tenant.id, code=code, version=latest.version + 1 if latest else 1,
        name=name, description=description, change_note=change_note,
        published_by_label=label_of(principal))
    for position, row in enumerate(chosen, start=1):
        template.items.append(AgreementTemplateItem(
            tenant_id=tenant.id, indicator_template_id=row.id, position=position))
    db.session.add(template)
    db.session.flush()
    record("partnership.agreement_template_published", template, principal, after={
        "code": code, "version": template.version, "name": name, "description": description,
        "indicators": [f"{row.code} v{row.version}" for row in chosen],
        "change_note": change_note})
    return template


# --- differences -----------------------------------------------------------------------------


def _locales(*values: dict) -> list[str]:
    found = {locale for value in values for locale in (value or {})}
    return sorted(found, key=lambda loc: (LOCALE_ORDER.index(loc) if loc in LOCALE_ORDER
                                          else len(LOCALE_ORDER), loc))


def template_differences(old, new) -> list[Difference]:
    """Field by field what differs from ``old`` to ``new`` (an IndicatorTemplate, a
    TemplateVersion or an Indicator): name and definition per locale, then unit, direction and
    aggregation."""
    found: list[Difference] = []
    for name in TEXT_FIELDS:
        before, after = getattr(old, name) or {}, getattr(new, name) or {}
        for locale in _locales(before, after):
            if (before.get(locale) or "") != (after.get(locale) or ""):
                found.append(Difference(name, locale, before.get(locale), after.get(locale)))
    for name in ("unit", "direction", "aggregation"):
        if getattr(old, name) != getattr(new, name):
            found.append(Difference(name, None, getattr(old, name), getattr(new, name)))
    return found


# --- adopting --------------------------------------------------------------------------------


def _not_available() -> LibraryError:
    return LibraryError("template_id", "invalid", _l(
        "Choose a template of a library your organisation may use."))


def _adopt(tenant: Tenant, principal: Principal, agreement: Agreement,
           template: TemplateVersion) -> Indicator:
    indicator = add_indicator(tenant, principal, agreement, IndicatorData(
        code=template.code, name=dict(template.name), definition=dict(template.definition),
        unit=template.unit, direction=template.direction, aggregation=template.aggregation))
    indicator.template_tenant_id = template.association_tenant_id
    indicator.template_code = template.code
    indicator.template_version = template.version
    indicator.template_kept_version = None
    db.session.flush()
    record("partnership.indicator_adopted", indicator, principal, after={
        "agreement_id": agreement.id, "code": indicator.code,
        "template_tenant_id": template.association_tenant_id,
        "template_code": template.code, "template_version": template.version})
    return indicator


def _code_taken(code: str) -> LibraryError:
    return LibraryError("code", "duplicate", _l(
        "The agreement already has an indicator with the code %(code)s.", code=code))


def adopt_indicator_template(tenant: Tenant, principal: Principal, agreement: Agreement,
                             template_id) -> Indicator:
    """A new indicator of the agreement, a copy of a library's indicator template version."""
    _require(can_manage_agreements, principal, tenant)
    template = sharing.indicator_template(tenant.id, template_id)
    if template is None:
        raise _not_available()
    if any(i.code == template.code for i in agreement.indicators):
        raise _code_taken(template.code)
    return _adopt(tenant, principal, agreement, template)


def _agreement_template(tenant: Tenant, template_id) -> AgreementTemplateVersion | None:
    try:
        template_id = int(template_id)
    except (TypeError, ValueError):
        return None
    return next((t for t in sharing.agreement_templates_for(tenant.id)
                 if t.template_id == template_id), None)


def adopt_agreement_template(tenant: Tenant, principal: Principal, agreement: Agreement,
                             agreement_template_id) -> list[Indicator]:
    """Every indicator of an agreement template not adopted into the agreement yet (by
    template code), all of them or none."""
    _require(can_manage_agreements, principal, tenant)
    template = _agreement_template(tenant, agreement_template_id)
    if template is None:
        raise _not_available()
    adopted = {i.template_code for i in agreement.indicators
               if i.template_tenant_id == template.association_tenant_id}
    missing = [t for t in template.indicators if t.code not in adopted]
    if not missing:
        raise LibraryError("template_id", "nothing_to_adopt", _l(
            "Every indicator of this agreement template is already in the agreement."))
    codes = {i.code for i in agreement.indicators}
    taken = [t.code for t in missing if t.code in codes]
    if taken:
        raise LibraryError("code", "duplicate", _l(
            "Nothing was added: the agreement already has indicators with the codes "
            "%(codes)s, not adopted from this library.", codes=", ".join(taken)))
    indicators = [_adopt(tenant, principal, agreement, t) for t in missing]
    record("partnership.agreement_template_adopted", agreement, principal, after={
        "template_tenant_id": template.association_tenant_id, "template_code": template.code,
        "template_version": template.version, "indicators": [i.code for i in indicators]})
    return indicators


# --- newer versions --------------------------------------------------------------------------


def _versions_of(tenant: Tenant, indicator: Indicator) -> list[TemplateVersion]:
    if indicator.template_tenant_id is None or not indicator.template_code:
        return []
    return sharing.indicator_templates_for(tenant.id, indicator.template_tenant_id,
                                           indicator.template_code)


def newer_version(tenant: Tenant, indicator: Indicator) -> TemplateVersion | None:
    """The newest published version above both the adopted and the kept version, if any."""
    floor = max(indicator.template_version or 0, indicator.template_kept_version or 0)
    newer = [v for v in _versions_of(tenant, indicator) if v.version > floor]
    return max(newer, key=lambda v: v.version) if newer else None


def newer_versions(tenant: Tenant, indicators) -> dict[int, TemplateVersion]:
    """:func:`newer_version` of many indicators at once: {indicator id: version offered}."""
    adopted = [i for i in indicators if i.template_tenant_id is not None and i.template_code]
    if not adopted:
        return {}
    newest: dict[tuple[int, str], TemplateVersion] = {}
    for version in sharing.indicator_templates_for(tenant.id):
        newest[(version.association_tenant_id, version.code)] = version  # by version: last wins
    offered = {}
    for indicator in adopted:
        version = newest.get((indicator.template_tenant_id, indicator.template_code))
        floor = max(indicator.template_version or 0, indicator.template_kept_version or 0)
        if version is not None and version.version > floor:
            offered[indicator.id] = version
    return offered


def _require_adopted(tenant: Tenant, indicator: Indicator) -> None:
    if indicator.tenant_id != tenant.id:
        raise LibraryError("indicator_id", "invalid", _l("Choose an indicator of the agreement."))
    if indicator.template_tenant_id is None or not indicator.template_code:
        raise LibraryError("indicator_id", "not_adopted",
                           _l("This indicator was not adopted from a library."))


def upgrade_indicator(tenant: Tenant, principal: Principal, indicator: Indicator,
                      template_id) -> Indicator:
    """Take a newer version's name, definition, unit, direction and aggregation; the code,
    targets and values stay."""
    _require(can_manage_agreements, principal, tenant)
    _require_adopted(tenant, indicator)
    template = sharing.indicator_template(tenant.id, template_id)
    if (template is None or template.association_tenant_id != indicator.template_tenant_id
            or template.code != indicator.template_code):
        raise _not_available()
    if template.version <= (indicator.template_version or 0):
        raise LibraryError("template_id", "not_newer", _l(
            "The indicator already follows version %(version)s or a newer one.",
            version=indicator.template_version))
    before = {"template_version": indicator.template_version,
              "template_kept_version": indicator.template_kept_version}
    update_indicator(tenant, principal, indicator, IndicatorData(
        code=indicator.code, name=dict(template.name), definition=dict(template.definition),
        unit=template.unit, direction=template.direction, aggregation=template.aggregation,
        steering_goal_id=indicator.steering_goal_id, position=indicator.position))
    indicator.template_version = template.version
    if (indicator.template_kept_version or 0) <= template.version:
        indicator.template_kept_version = None
    db.session.flush()
    record("partnership.indicator_upgraded", indicator, principal, before=before, after={
        "template_version": indicator.template_version,
        "template_kept_version": indicator.template_kept_version})
    return indicator


def keep_version(tenant: Tenant, principal: Principal, indicator: Indicator,
                 version: int) -> None:
    """Stay on the adopted version: ``version`` (and any older one) is no longer offered."""
    _require(can_manage_agreements, principal, tenant)
    _require_adopted(tenant, indicator)
    try:
        version = int(version)
    except (TypeError, ValueError):
        version = 0
    if version <= (indicator.template_version or 0) or not any(
            v.version == version for v in _versions_of(tenant, indicator)):
        raise LibraryError("version", "invalid", _l("Choose a newer version of the template."))
    if version <= (indicator.template_kept_version or 0):
        return
    before = {"template_kept_version": indicator.template_kept_version}
    indicator.template_kept_version = version
    db.session.flush()
    record("partnership.indicator_version_kept", indicator, principal, before=before, after={
        "template_version": indicator.template_version, "template_kept_version": version})
