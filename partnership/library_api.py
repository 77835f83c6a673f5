"""JSON API of the shared indicator library under ``/api/v1/t/<slug>/``: an association's
versioned indicator templates and agreement templates; the templates a tenant may adopt; and
adopting them into an agreement, taking a newer version or keeping the adopted one.

Authentication as in :mod:`samverkan.partnership.api` (``require_api``). Publishing is for
coordinators of an association (:data:`can_manage_library`); its members read its library
(clients: scope read). Any tenant's members read the templates of the libraries it may use (its
own, and those of associations whose projects it is invited to, asks to join or takes part in);
adopting, upgrading and keeping are managing the agreement (:data:`can_manage_agreements`).
Another association's templates are read only through
:mod:`samverkan.tenants.services.sharing`; a template the tenant may not use is refused like one
that does not exist.

A service's :class:`PartnershipPermissionError` is a 403 problem, a refused change of state (a
locked agreement, nothing left to adopt, a version not newer) a 409 problem, any other
:class:`PartnershipError` a 422 problem naming the field in ``errors``; nothing is written.
"""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext
from sqlalchemy.exc import IntegrityError

from samverkan.partnership.api import CONFLICT_CODES as AGREEMENT_CONFLICT_CODES
from samverkan.partnership.library_schemas import (
    ADOPT_INPUT_EXAMPLE,
    ADOPTED_EXAMPLE,
    AGREEMENT_HISTORY_EXAMPLE,
    AGREEMENT_TEMPLATE_EXAMPLE,
    AGREEMENT_VERSION_INPUT_EXAMPLE,
    AVAILABLE_EXAMPLE,
    INDICATOR_HISTORY_EXAMPLE,
    INDICATOR_TEMPLATE_EXAMPLE,
    INDICATOR_VERSION_INPUT_EXAMPLE,
    KEEP_INPUT_EXAMPLE,
    KEPT_EXAMPLE,
    NEW_AGREEMENT_TEMPLATE_INPUT_EXAMPLE,
    NEW_INDICATOR_TEMPLATE_INPUT_EXAMPLE,
    UPGRADE_INPUT_EXAMPLE,
    UPGRADED_EXAMPLE,
    AdoptedIndicatorSchema,
    AdoptInputSchema,
    AgreementTemplateHistorySchema,
    AgreementTemplateInputSchema,
    AgreementTemplateSchema,
    AvailableSchema,
    IndicatorTemplateHistorySchema,
    IndicatorTemplateInputSchema,
    IndicatorTemplateSchema,
    KeepInputSchema,
    NewAgreementTemplateInputSchema,
    NewIndicatorTemplateInputSchema,
    UpgradeInputSchema,
)
from samverkan.partnership.models import Agreement, AgreementTemplate, Indicator, IndicatorTemplate
from samverkan.partnership.permissions import (
    can_manage_agreements,
    can_manage_library,
    can_view_partnership,
)
from samverkan.partnership.services import library as svc
from samverkan.partnership.services import queries
from samverkan.partnership.services.common import PartnershipError, PartnershipPermissionError
from samverkan.platform.api import Blueprint, abort_problem
from samverkan.platform.db import db
from samverkan.platform.oauth import require_api
from samverkan.tenants.permissions import current_principal, has_scope, is_association, is_member
from samverkan.tenants.services import sharing

TAGS = {
    "library": "Indicator library",
    "adopting": "Adopting library indicators",
}

blueprint = Blueprint(
    "library_api", __name__, url_prefix="/api/v1/t/<slug>",
    description="The shared indicator library: an association's versioned indicator and "
                "agreement templates, and tenants adopting them into their agreements.",
    tags=[
        {"name": TAGS["library"], "description": "An association's library: versioned "
                                                 "indicator templates (code, name, definition, "
                                                 "unit, direction, aggregation) and agreement "
                                                 "templates (sets of indicator template "
                                                 "versions). A published version never "
                                                 "changes. Members of the association read "
                                                 "(clients: scope read); coordinators "
                                                 "publish."},
        {"name": TAGS["adopting"], "description": "The templates a tenant may use (of the "
                                                  "associations whose projects it is invited "
                                                  "to or takes part in), adopting them into an "
                                                  "agreement, and taking a newer version or "
                                                  "keeping the adopted one. Purchasers and "
                                                  "admins adopt. Benchmarks compare only "
                                                  "indicators adopted from the same template "
                                                  "code."},
    ],
)

INDICATOR_TEMPLATES = "/library/indicator-templates"
AGREEMENT_TEMPLATES = "/library/agreement-templates"
INDICATOR = "/agreements/<int:agreement_id>/indicators/<int:indicator_id>"
LOCATION = {"Location": {"description": "The URL of the object.", "schema": {"type": "string"}}}

# Refusals about the current state of an object rather than the data sent: 409.
CONFLICT_CODES = AGREEMENT_CONFLICT_CODES | {"nothing_to_adopt", "not_newer", "not_adopted"}

# An association's members read its own library; clients need scope read.
can_read_library = is_member & has_scope("read") & is_association


# --- plumbing --------------------------------------------------------------------------------


def _messages(error: PartnershipError) -> dict[str, list]:
    errors: dict[str, list] = {error.field: [error.message]}
    for field, sub in (error.errors or {}).items():
        errors.setdefault(field, []).append(getattr(sub, "message", sub))
    return errors


def _call(service, *args, **kwargs):
    """Run a service; on its errors roll back and stop with a problem naming the field."""
    try:
        return service(*args, **kwargs)
    except PartnershipPermissionError as error:
        db.session.rollback()
        abort_problem(403, error.message, errors={error.field: [error.message]})
    except PartnershipError as error:
        db.session.rollback()
        if error.code == "not_found":
            abort_problem(404)
        if error.code in CONFLICT_CODES:
            abort_problem(409, error.message, errors=_messages(error))
        abort_problem(422, _check_fields(), errors=_messages(error))


def _check_fields() -> str:
    return gettext("Check the fields listed in errors.")


def _commit() -> None:
    try:
        db.session.commit()
    except IntegrityError:  # two publications of the same version at once
        db.session.rollback()
        abort_problem(409, gettext("Someone else changed this at the same time. Try again."))


def _conflict(view):
    return blueprint.alt_response(409, response="CONFLICT")(view)


def _agreement(agreement_id: int) -> Agreement:
    principal = current_principal()
    return _call(queries.get_visible_agreement, principal.tenant, principal, agreement_id)


def _indicator(agreement: Agreement, indicator_id: int) -> Indicator:
    found = next((i for i in agreement.indicators if i.id == indicator_id), None)
    if found is None:
        abort_problem(404)
    return found


# --- views -----------------------------------------------------------------------------------


def _own_association() -> dict:
    tenant = current_principal().tenant
    return {"id": tenant.id, "name": dict(tenant.name or {})}


def _template_view(template) -> dict:
    """An indicator template version: a row of the tenant's own library, or a
    :class:`~samverkan.tenants.services.sharing.TemplateVersion` of a library it may use."""
    if isinstance(template, IndicatorTemplate):
        template_id, association = template.id, _own_association()
    else:
        template_id = template.template_id
        association = {"id": template.association_tenant_id, "name": template.association_name}
    return {"id": template_id, "association": association, "code": template.code,
            "version": template.version, "name": dict(template.name or {}),
            "definition": dict(template.definition or {}), "unit": template.unit,
            "direction": template.direction, "aggregation": template.aggregation,
            "change_note": dict(template.change_note or {}),
            "published_at": template.published_at}


def _differences(old, new) -> list[dict]:
    return [{"field": d.field, "locale": d.locale, "old": d.old, "new": d.new}
            for d in svc.template_differences(old, new)]


def _indicator_history(versions: list[IndicatorTemplate]) -> dict:
    return {"code": versions[-1].code, "latest": _template_view(versions[-1]),
            "versions": [{**_template_view(version),
                          "differences": _differences(versions[n - 1], version) if n else None}
                         for n, version in enumerate(versions)]}


def _agreement_template_view(template) -> dict:
    """An agreement template version of the own library, or an
    :class:`~samverkan.tenants.services.sharing.AgreementTemplateVersion`."""
    if isinstance(template, AgreementTemplate):
        template_id, association = template.id, _own_association()
        indicators = [item.indicator_template for item in template.items]
    else:
        template_id = template.template_id
        association = {"id": template.association_tenant_id, "name": template.association_name}
        indicators = list(template.indicators)
    return {"id": template_id, "association": association, "code": template.code,
            "version": template.version, "name": dict(template.name or {}),
            "description": dict(template.description or {}),
            "change_note": dict(template.change_note or {}),
            "published_at": template.published_at,
            "indicators": [_template_view(t) for t in indicators]}


def _adopted_view(indicator: Indicator) -> dict:
    offered = svc.newer_version(current_principal().tenant, indicator)
    adopted = indicator.template_tenant_id is not None and bool(indicator.template_code)
    return {
        "id": indicator.id, "agreement_id": indicator.agreement_id, "code": indicator.code,
        "name": dict(indicator.name or {}), "definition": dict(indicator.definition or {}),
        "unit": indicator.unit, "direction": indicator.direction,
        "aggregation": indicator.aggregation,
        "adopted_from": {"association_id": indicator.template_tenant_id,
                         "code": indicator.template_code,
                         "version": indicator.template_version,
                         "kept_version": indicator.template_kept_version} if adopted else None,
        "newer_version": _template_view(offered) if offered is not None else None,
        "differences": _differences(indicator, offered) if offered is not None else [],
    }


# --- the association's indicator templates ---------------------------------------------------


@blueprint.route(INDICATOR_TEMPLATES, tags=[TAGS["library"]])
@require_api(can_read_library, scope="read")
@blueprint.response(200, IndicatorTemplateSchema(many=True), example=[INDICATOR_TEMPLATE_EXAMPLE])
def indicator_templates():
    """List indicator templates

    The newest version of each indicator template of the association's library, by code.
    Association tenants only.
    """
    return [_template_view(t) for t in svc.indicator_templates(current_principal().tenant)]


def _indicator_data(code: str, args: dict) -> svc.IndicatorTemplateData:
    return svc.IndicatorTemplateData(
        code=code, name=args.get("name") or {}, definition=args.get("definition") or {},
        unit=args["unit"], direction=args.get("direction") or "higher",
        aggregation=args.get("aggregation") or "sum", change_note=args.get("change_note") or {})


def _versions(code: str) -> list[IndicatorTemplate]:
    versions = svc.template_versions(current_principal().tenant, code)
    if not versions:
        abort_problem(404)
    return versions


@blueprint.route(INDICATOR_TEMPLATES, methods=["POST"], tags=[TAGS["library"]])
@require_api(can_manage_library)
@blueprint.arguments(NewIndicatorTemplateInputSchema, example=NEW_INDICATOR_TEMPLATE_INPUT_EXAMPLE)
@blueprint.response(201, IndicatorTemplateSchema, headers=LOCATION,
                    example=INDICATOR_TEMPLATE_EXAMPLE | {"version": 1, "change_note": {}})
def publish_indicator_template(args):
    """Publish a new indicator template

    Coordinators of the association. Version 1 of a code not in the library yet (422 for a
    known code: publish its next version with `POST .../{code}/versions`).
    """
    principal = current_principal()
    code = (args["code"] or "").strip()
    if svc.template_versions(principal.tenant, code):
        abort_problem(422, _check_fields(), errors={"code": [gettext(
            "The library has a template with this code: publish a new version of it.")]})
    template = _call(svc.publish_indicator_template, principal.tenant, principal,
                     _indicator_data(code, args))
    _commit()
    return _template_view(template), 201, {
        "Location": url_for("library_api.indicator_template", code=template.code)}


@blueprint.route(INDICATOR_TEMPLATES + "/<code>", tags=[TAGS["library"]])
@require_api(can_read_library, scope="read")
@blueprint.response(200, IndicatorTemplateHistorySchema, example=INDICATOR_HISTORY_EXAMPLE)
def indicator_template(code):
    """Read an indicator template with all its versions

    Oldest version first, each with what differs from the one before it.
    """
    return _indicator_history(_versions(code))


@blueprint.route(INDICATOR_TEMPLATES + "/<code>/versions", methods=["POST"],
                 tags=[TAGS["library"]])
@require_api(can_manage_library)
@blueprint.arguments(IndicatorTemplateInputSchema, example=INDICATOR_VERSION_INPUT_EXAMPLE)
@blueprint.response(201, IndicatorTemplateHistorySchema, headers=LOCATION,
                    example=INDICATOR_HISTORY_EXAMPLE)
def publish_indicator_version(args, code):
    """Publish a new version of an indicator template

    Coordinators. The next version of the code, refused (422) when nothing differs from the
    newest one. Tenants that adopted an older version are offered the new one with the
    difference, and adopt it or keep theirs.
    """
    principal = current_principal()
    versions = _versions(code)
    _call(svc.publish_indicator_template, principal.tenant, principal,
          _indicator_data(versions[-1].code, args))
    _commit()
    return _indicator_history(_versions(code)), 201, {
        "Location": url_for("library_api.indicator_template", code=code)}


# --- the association's agreement templates ---------------------------------------------------


def _agreement_data(code: str, args: dict) -> svc.AgreementTemplateData:
    return svc.AgreementTemplateData(
        code=code, name=args.get("name") or {}, description=args.get("description") or {},
        indicator_template_ids=list(args["indicator_template_ids"]),
        change_note=args.get("change_note") or {})


def _agreement_versions(code: str) -> list[AgreementTemplate]:
    versions = svc.agreement_template_versions(current_principal().tenant, code)
    if not versions:
        abort_problem(404)
    return versions


def _agreement_history(versions: list[AgreementTemplate]) -> dict:
    return {"code": versions[-1].code, "latest": _agreement_template_view(versions[-1]),
            "versions": [_agreement_template_view(v) for v in versions]}


@blueprint.route(AGREEMENT_TEMPLATES, tags=[TAGS["library"]])
@require_api(can_read_library, scope="read")
@blueprint.response(200, AgreementTemplateSchema(many=True), example=[AGREEMENT_TEMPLATE_EXAMPLE])
def agreement_templates():
    """List agreement templates

    The newest version of each agreement template of the association's library, by code,
    with its indicator template versions in order.
    """
    return [_agreement_template_view(t)
            for t in svc.agreement_templates(current_principal().tenant)]


@blueprint.route(AGREEMENT_TEMPLATES, methods=["POST"], tags=[TAGS["library"]])
@require_api(can_manage_library)
@blueprint.arguments(NewAgreementTemplateInputSchema,
                     example=NEW_AGREEMENT_TEMPLATE_INPUT_EXAMPLE)
@blueprint.response(201, AgreementTemplateSchema, headers=LOCATION,
                    example=AGREEMENT_TEMPLATE_EXAMPLE)
def publish_agreement_template(args):
    """Publish a new agreement template

    Coordinators. Version 1 of a code not in the library yet (422 for a known code: publish
    its next version with `POST .../{code}/versions`), with indicator template versions of the
    library, one per code.
    """
    principal = current_principal()
    code = (args["code"] or "").strip()
    if svc.agreement_template_versions(principal.tenant, code):
        abort_problem(422, _check_fields(), errors={"code": [gettext(
            "The library has a template with this code: publish a new version of it.")]})
    template = _call(svc.publish_agreement_template, principal.tenant, principal,
                     _agreement_data(code, args))
    _commit()
    return _agreement_template_view(template), 201, {
        "Location": url_for("library_api.agreement_template", code=template.code)}


@blueprint.route(AGREEMENT_TEMPLATES + "/<code>", tags=[TAGS["library"]])
@require_api(can_read_library, scope="read")
@blueprint.response(200, AgreementTemplateHistorySchema, example=AGREEMENT_HISTORY_EXAMPLE)
def agreement_template(code):
    """Read an agreement template with all its versions

    Oldest version first.
    """
    return _agreement_history(_agreement_versions(code))


@blueprint.route(AGREEMENT_TEMPLATES + "/<code>/versions", methods=["POST"],
                 tags=[TAGS["library"]])
@require_api(can_manage_library)
@blueprint.arguments(AgreementTemplateInputSchema, example=AGREEMENT_VERSION_INPUT_EXAMPLE)
@blueprint.response(201, AgreementTemplateHistorySchema, headers=LOCATION,
                    example=AGREEMENT_HISTORY_EXAMPLE)
def publish_agreement_version(args, code):
    """Publish a new version of an agreement template

    Coordinators. Refused (422) when nothing differs from the newest version.
    """
    principal = current_principal()
    versions = _agreement_versions(code)
    _call(svc.publish_agreement_template, principal.tenant, principal,
          _agreement_data(versions[-1].code, args))
    _commit()
    return _agreement_history(_agreement_versions(code)), 201, {
        "Location": url_for("library_api.agreement_template", code=code)}


# --- adopting --------------------------------------------------------------------------------


@blueprint.route("/library/available", tags=[TAGS["adopting"]])
@require_api(can_view_partnership, scope="read")
@blueprint.response(200, AvailableSchema, example=AVAILABLE_EXAMPLE)
def available():
    """List the templates the tenant may adopt

    The newest version of each indicator template and agreement template of the libraries the
    tenant may use: its own (an association), and those of associations whose projects it is
    invited to, asks to join or takes part in.
    """
    tenant_id = current_principal().tenant.id
    latest_sets: dict[tuple[int, str], object] = {}
    for version in sharing.agreement_templates_for(tenant_id):
        latest_sets[(version.association_tenant_id, version.code)] = version
    return {"indicator_templates": [_template_view(t)
                                    for t in sharing.latest_indicator_templates(tenant_id)],
            "agreement_templates": [_agreement_template_view(t) for t in latest_sets.values()]}


@blueprint.route("/agreements/<int:agreement_id>/indicators/adopt", methods=["POST"],
                 tags=[TAGS["adopting"]])
@require_api(can_manage_agreements)
@blueprint.arguments(AdoptInputSchema, example=ADOPT_INPUT_EXAMPLE)
@blueprint.response(201, AdoptedIndicatorSchema(many=True), headers=LOCATION,
                    example=[UPGRADED_EXAMPLE | {"adopted_from": {
                        "association_id": 1, "code": "employed", "version": 2,
                        "kept_version": None}}])
@_conflict
def adopt(args, agreement_id):
    """Adopt templates into an agreement

    Purchasers and admins, while the agreement's current version is open. With `template_id`
    one indicator template version becomes an indicator of the agreement; with
    `agreement_template_id` every indicator of the set not adopted yet does (all or none). A
    template of a library the tenant may not use is refused (422) as one that does not
    exist; a code the agreement has already is 422; nothing left to adopt is 409.
    """
    principal = current_principal()
    agreement = _agreement(agreement_id)
    if args.get("template_id") is not None:
        adopted = [_call(svc.adopt_indicator_template, principal.tenant, principal, agreement,
                         args["template_id"])]
    else:
        adopted = _call(svc.adopt_agreement_template, principal.tenant, principal, agreement,
                        args["agreement_template_id"])
    _commit()
    return [_adopted_view(indicator) for indicator in adopted], 201, {
        "Location": url_for("partnership_api.indicators", agreement_id=agreement.id)}


@blueprint.route(INDICATOR + "/library", tags=[TAGS["adopting"]])
@require_api(can_view_partnership, scope="read")
@blueprint.response(200, AdoptedIndicatorSchema, example=ADOPTED_EXAMPLE)
def adopted_indicator(agreement_id, indicator_id):
    """Read an indicator's library version

    The template version the indicator was adopted from (null when it was not), the newer
    version on offer (null when none, or when the tenant keeps its version) and what would
    change, field by field.
    """
    return _adopted_view(_indicator(_agreement(agreement_id), indicator_id))


@blueprint.route(INDICATOR + "/upgrade", methods=["POST"], tags=[TAGS["adopting"]])
@require_api(can_manage_agreements)
@blueprint.arguments(UpgradeInputSchema, example=UPGRADE_INPUT_EXAMPLE)
@blueprint.response(200, AdoptedIndicatorSchema, example=UPGRADED_EXAMPLE)
@_conflict
def upgrade(args, agreement_id, indicator_id):
    """Take a newer version

    Purchasers and admins, while the agreement's current version is open. The indicator takes
    the newer version's name, definition, unit, direction and aggregation; its code, targets
    and values stay. A version that is not newer is 409, an indicator not adopted from a
    library 409.
    """
    principal = current_principal()
    indicator = _indicator(_agreement(agreement_id), indicator_id)
    _call(svc.upgrade_indicator, principal.tenant, principal, indicator, args["template_id"])
    _commit()
    return _adopted_view(indicator)


@blueprint.route(INDICATOR + "/keep", methods=["POST"], tags=[TAGS["adopting"]])
@require_api(can_manage_agreements)
@blueprint.arguments(KeepInputSchema, example=KEEP_INPUT_EXAMPLE)
@blueprint.response(200, AdoptedIndicatorSchema, example=KEPT_EXAMPLE)
@_conflict
def keep(args, agreement_id, indicator_id):
    """Keep the adopted version

    Purchasers and admins. The newer `version` (and any older one) is no longer offered; a
    later version will be. A version that is not a newer published one is 422.
    """
    principal = current_principal()
    indicator = _indicator(_agreement(agreement_id), indicator_id)
    _call(svc.keep_version, principal.tenant, principal, indicator, args["version"])
    _commit()
    return _adopted_view(indicator)
