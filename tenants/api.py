"""JSON API of the tenants domain under ``/api/v1/t/<slug>/``: who am I, organisations.

Authentication and permission: :func:`samverkan.platform.oauth.require_api` (bearer token of
the tenant's API client, or a member's session), then the same rules as the pages.
"""

from __future__ import annotations

import json

from flask import url_for
from sqlalchemy import String, cast, or_, select

from samverkan.platform.api import Blueprint, QueryPage, abort_problem, abort_validation
from samverkan.platform.db import db
from samverkan.platform.oauth import require_api
from samverkan.tenants.models import Organisation
from samverkan.tenants.permissions import (
    can_manage_organisations,
    can_read_organisations,
    can_view_tenant,
    current_principal,
)
from samverkan.tenants.schemas import (
    ME_EXAMPLE,
    ORGANISATION_EXAMPLE,
    ORGANISATION_INPUT_EXAMPLE,
    MeSchema,
    OrganisationInputSchema,
    OrganisationQuerySchema,
    OrganisationSchema,
)
from samverkan.tenants.services.organisations import (
    OrganisationData,
    OrganisationError,
    create_organisation,
    update_organisation,
)

blueprint = Blueprint(
    "tenants_api", __name__, url_prefix="/api/v1/t/<slug>",
    description="Who am I, and the tenant's organisations.",
    tags=[
        {"name": "Identity", "description": "Who a request acts as in the tenant."},
        {"name": "Organisations", "description": "Municipalities, providers, employers and other "
                                                 "organisations known to the tenant. Reading "
                                                 "needs membership (clients: scope read); "
                                                 "changes need the admin role."},
    ],
)


@blueprint.route("/me", tags=["Identity"])
@require_api(can_view_tenant)
@blueprint.response(200, MeSchema, example=ME_EXAMPLE)
def me():
    """Who am I

    The person or API client the request acts as in this tenant: roles, the organisation it
    acts for, and (for clients) the token's scopes.
    """
    principal = current_principal()
    tenant = principal.tenant
    organisation = None
    if principal.organisation_id is not None:
        organisation = db.session.get(Organisation, principal.organisation_id)
    user, client = principal.user, principal.client
    return {
        "kind": "person" if user is not None else "client",
        "tenant": tenant,
        "roles": sorted(principal.roles),
        "organisation": organisation,
        "user": {"id": user.id, "email": user.email, "name": user.name} if user else None,
        "client": {"client_id": client.client_id, "name": client.name} if client else None,
        "scopes": sorted(principal.scopes) if principal.scopes is not None else None,
    }


def _like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@blueprint.route("/organisations", tags=["Organisations"])
@require_api(can_read_organisations, scope="read")
@blueprint.arguments(OrganisationQuerySchema, location="query")
@blueprint.response(200, OrganisationSchema(many=True), example=[ORGANISATION_EXAMPLE])
@blueprint.paginate(QueryPage)
def list_organisations(args):
    """List organisations

    Paginated with `page` and `per_page`; the `X-Pagination` header carries the totals and the
    `Link` header the neighbouring pages. Archived organisations are left out unless asked for.
    """
    statement = select(Organisation).order_by(Organisation.id)
    if args.get("kind"):
        statement = statement.where(Organisation.kind == args["kind"])
    if not args.get("include_archived"):
        statement = statement.where(Organisation.is_archived.is_(False))
    term = (args.get("q") or "").strip()
    if term:
        # Names are stored as JSON, which escapes non-ASCII letters: match both spellings.
        escaped = json.dumps(term)[1:-1]
        statement = statement.where(or_(
            cast(Organisation.name, String).ilike(_like(term), escape="\\"),
            cast(Organisation.name, String).ilike(_like(escaped), escape="\\"),
            Organisation.business_id.ilike(_like(term), escape="\\"),
        ))
    return statement


def _organisation_or_404(organisation_id: int) -> Organisation:
    organisation = db.session.scalar(select(Organisation).where(Organisation.id == organisation_id))
    if organisation is None:
        abort_problem(404)
    return organisation


def _data(args: dict) -> OrganisationData:
    return OrganisationData(kind=args["kind"], name=args.get("name") or {},
                            business_id=args.get("business_id"), country=args.get("country"))


@blueprint.route("/organisations", methods=["POST"], tags=["Organisations"])
@require_api(can_manage_organisations)
@blueprint.etag
@blueprint.arguments(OrganisationInputSchema, example=ORGANISATION_INPUT_EXAMPLE)
@blueprint.response(201, OrganisationSchema, example=ORGANISATION_EXAMPLE,
                    headers={"Location": {"description": "The new organisation's URL.",
                                          "schema": {"type": "string"}}})
def create(args):
    """Create an organisation

    Administrators only. The business id is validated for the country (Y-tunnus or
    organisationsnummer) and must be unique in the tenant; errors come back as 422 with
    `errors[field]`.
    """
    principal = current_principal()
    try:
        organisation = create_organisation(principal.tenant, _data(args), actor=principal.user)
    except OrganisationError as error:
        db.session.rollback()
        abort_validation(error.field, error.message)
    db.session.commit()
    location = url_for("tenants_api.read", organisation_id=organisation.id)
    return organisation, 201, {"Location": location}


@blueprint.route("/organisations/<int:organisation_id>", tags=["Organisations"])
@require_api(can_read_organisations, scope="read")
@blueprint.etag
@blueprint.response(200, OrganisationSchema, example=ORGANISATION_EXAMPLE)
def read(organisation_id):
    """Read an organisation

    The `ETag` header is the version to send back in `If-Match` when updating.
    """
    return _organisation_or_404(organisation_id)


@blueprint.route("/organisations/<int:organisation_id>", methods=["PUT"], tags=["Organisations"])
@require_api(can_manage_organisations)
@blueprint.etag
@blueprint.arguments(OrganisationInputSchema, example=ORGANISATION_INPUT_EXAMPLE)
@blueprint.response(200, OrganisationSchema, example=ORGANISATION_EXAMPLE)
def update(args, organisation_id):
    """Update an organisation

    Administrators only. Send the `ETag` of the version you read in `If-Match`: without it the
    answer is 428, and 412 when someone else changed the organisation in between.
    """
    principal = current_principal()
    organisation = _organisation_or_404(organisation_id)
    blueprint.check_etag(organisation, OrganisationSchema)
    try:
        update_organisation(principal.tenant, organisation, _data(args), actor=principal.user)
    except OrganisationError as error:
        db.session.rollback()
        abort_validation(error.field, error.message)
    db.session.commit()
    return organisation
