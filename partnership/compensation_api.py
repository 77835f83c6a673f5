"""JSON API of the compensation model under ``/api/v1/t/<slug>/compensation``: the model's
versions, the payouts of a period with their lines, and the enrolments of a provider.

Authentication as in :mod:`samverkan.partnership.api` (``require_api``). Reading (scope read):
the versions for the broad roles and providers (their price list); payouts and enrolments for
the broad roles of every provider, for a provider (its reporter or its API client) only its
own; another provider's enrolments are 404. Reporting enrolments (scope report): the provider's
reporter or its API client, or a purchaser, for an authorised provider. A service's
:class:`PartnershipPermissionError` is a 403 problem, any other :class:`PartnershipError` a 422
problem naming the field in ``errors``; nothing is written.
"""

from __future__ import annotations

from decimal import Decimal

from flask import g, url_for
from flask_babel import gettext
from sqlalchemy import func, select

from samverkan.partnership.compensation_schemas import (
    ENROLMENT_EXAMPLE,
    ENROLMENT_INPUT_EXAMPLE,
    PAYOUTS_EXAMPLE,
    VERSION_EXAMPLE,
    CompensationPayoutsSchema,
    CompensationPeriodQuerySchema,
    CompensationVersionSchema,
    EnrolmentInputSchema,
    EnrolmentSchema,
)
from samverkan.partnership.permissions import can_view_partnership
from samverkan.partnership.services import compensation_admin as admin
from samverkan.partnership.services import enrolments as enrolment_svc
from samverkan.partnership.services import payouts
from samverkan.partnership.services.common import PartnershipError, PartnershipPermissionError
from samverkan.partnership.views.compensation import explain
from samverkan.platform.api import Blueprint, abort_problem
from samverkan.platform.db import db
from samverkan.platform.oauth import require_api
from samverkan.tenants.models import Organisation
from samverkan.tenants.permissions import current_principal

TAG = "Compensation model"

blueprint = Blueprint(
    "compensation_api", __name__, url_prefix="/api/v1/t/<slug>",
    description="The compensation model of the authorisation model: its versions, the payouts "
                "of a period line by line, and the enrolments providers report.",
    tags=[{"name": TAG, "description": "Versions of the compensation model (prices per course "
                                       "type, the split payment, demand weights, indexation), "
                                       "payouts per provider for a period with an explanation "
                                       "of every line, and enrolments reported by providers "
                                       "(their reporters or API clients with scope report). "
                                       "A provider sees only its own payouts and enrolments."}],
)

ENROLMENTS = "/compensation/providers/<int:organisation_id>/enrolments"
LOCATION = {"Location": {"description": "The URL of the provider's enrolments.",
                         "schema": {"type": "string"}}}


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
        errors = {error.field: [error.message]}
        for name, message in (error.errors or {}).items():
            errors.setdefault(name, []).append(message)
        abort_problem(422, gettext("Check the fields listed in errors."), errors=errors)


def _version_view(version) -> dict:
    return {"id": version.id, "version": version.version, "valid_from": version.valid_from,
            "base_year": version.base_year, "during_course_share": version.during_course_share,
            "on_grades_share": version.on_grades_share,
            "grade_deadline_days": version.grade_deadline_days,
            "components": [{"course_type": item["course_type"], "basis": item["basis"],
                            "amount": str(item["amount"]),
                            "result_prices": item.get("result_prices") or None}
                           for item in version.components or []],
            "demand_weights": dict(version.demand_weights or {}),
            "indexation": dict(version.indexation or {}), "note": dict(version.note or {}),
            "in_force": admin.is_locked(version)}


@blueprint.route("/compensation/versions", tags=[TAG])
@require_api(can_view_partnership, scope="read")
@blueprint.response(200, CompensationVersionSchema(many=True), example=[VERSION_EXAMPLE])
def versions():
    """List the versions of the compensation model

    Newest first. The broad roles and providers read them (it is the providers' price list).
    """
    principal = current_principal()
    if not admin.can_read_compensation(principal):
        abort_problem(403, gettext("Your roles or scopes do not allow this."))
    return [_version_view(v) for v in admin.versions_of(principal.tenant)]


def _period(args) -> tuple:
    if args.get("from_") or args.get("to"):
        kind, extra = "range", {"start": args.get("from_"), "end": args.get("to")}
    elif args.get("month"):
        kind, extra = "month", {"year": args.get("year"), "month": args["month"]}
    elif args.get("year"):
        kind, extra = "year", {"year": args["year"]}
    else:
        return admin.last_month()
    return _call(admin.period_bounds, kind, **extra)


@blueprint.route("/compensation/payouts", tags=[TAG])
@require_api(can_view_partnership, scope="read")
@blueprint.arguments(CompensationPeriodQuerySchema, location="query")
@blueprint.response(200, CompensationPayoutsSchema, example=PAYOUTS_EXAMPLE)
def payouts_of_period(args):
    """Payouts of a period

    One payout per provider the requester may see (a provider: only its own), each with its
    lines and their explanation in the request's language. The period is `from` and `to`, or
    `year` with an optional `month`; by default last month. An enrolment that cannot be
    priced (no version valid when it started, a missing quantity) is a 422 problem naming it.
    """
    principal = current_principal()
    start, end = _period(args)
    found = _call(payouts.computed_payouts, principal, start, end, args.get("organisation_id"))
    return {"period_start": start, "period_end": end, "currency": principal.tenant.currency,
            "total": sum((p.total for p in found), Decimal("0.00")),
            "payouts": [{"organisation_id": p.provider_id, "total": p.total,
                         "lines": [_line_view(line) for line in p.lines]} for p in found]}


def _line_view(line) -> dict:
    return {"student_ref": line.student_ref, "course_type": line.course_type,
            "programme_area": line.programme_area, "part": line.part.value,
            "model_version": line.model_version, "quantity": line.quantity,
            "unit_price": line.unit_price, "demand_weight": line.demand_weight,
            "index_factor": line.index_factor, "share": line.share, "amount": line.amount,
            "explanation": explain(line)}


def _provider(organisation_id: int) -> Organisation:
    """A provider of the tenant whose enrolments the requester sees, else 404."""
    principal = current_principal()
    organisation = db.session.get(Organisation, organisation_id)
    if (organisation is None or organisation.tenant_id != g.tenant.id
            or not enrolment_svc.sees_enrolments_of(organisation_id)(principal)):
        abort_problem(404)
    return organisation


@blueprint.route(ENROLMENTS, tags=[TAG])
@require_api(can_view_partnership, scope="read")
@blueprint.response(200, EnrolmentSchema(many=True), example=[ENROLMENT_EXAMPLE])
@blueprint.paginate()
def enrolments(organisation_id: int, pagination_parameters):
    """List a provider's enrolments

    Newest start first. Paginated with `page` and `per_page`. A provider sees only its own.
    """
    principal = current_principal()
    _provider(organisation_id)
    statement = enrolment_svc.visible_query(principal.tenant, principal,
                                            organisation_id=organisation_id)
    pagination_parameters.item_count = db.session.scalar(
        select(func.count()).select_from(statement.order_by(None).subquery()))
    return list(db.session.scalars(statement.offset(pagination_parameters.first_item)
                                   .limit(pagination_parameters.page_size)))


@blueprint.route(ENROLMENTS, methods=["POST"], tags=[TAG])
@require_api(can_view_partnership, scope="report")
@blueprint.arguments(EnrolmentInputSchema, example=ENROLMENT_INPUT_EXAMPLE)
@blueprint.response(201, EnrolmentSchema, headers=LOCATION, example=ENROLMENT_EXAMPLE)
def enrolment_create(data: dict, organisation_id: int):
    """Report an enrolment

    By the provider's reporter or its API client (scope report), or a purchaser, for a
    provider with an approved authorisation. The course type must be priced by the model and
    the quantity its price needs given; `student_ref` is pseudonymous.
    """
    principal = current_principal()
    _provider(organisation_id)
    enrolment = _call(enrolment_svc.create_enrolment, principal.tenant, principal,
                      enrolment_svc.EnrolmentData(organisation_id=organisation_id, **data))
    db.session.commit()
    return enrolment, 201, {"Location": url_for("compensation_api.enrolments",
                                                organisation_id=organisation_id)}
