"""API clients administration for tenant admins: list, create (secret shown once), revoke."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from samverkan.platform.db import db
from samverkan.platform.i18n import translated
from samverkan.platform.navigation import register_nav
from samverkan.platform.oauth import API_SCOPES, TOKEN_PATH
from samverkan.tenants.forms.api_clients import ApiClientForm, ConfirmForm
from samverkan.tenants.models import ApiClient, Organisation
from samverkan.tenants.permissions import can_manage_api_clients, current_principal, require
from samverkan.tenants.services.api_clients import (
    ApiClientData,
    ApiClientError,
    clients_statement,
    create_client,
    revoke_client,
)
from samverkan.tenants.views import blueprint

register_nav("tenants.api_clients", _l("API clients"), can_manage_api_clients, order=85)

PER_PAGE = 20
STATUSES = ("active", "revoked", "all")
SORTS = ("name", "-name", "created", "-created")


def _organisation_choices() -> list[tuple[int, str]]:
    organisations = db.session.scalars(
        select(Organisation).where(Organisation.is_archived.is_(False))
    ).all()
    return sorted(((o.id, translated(o.name)) for o in organisations), key=lambda c: c[1].lower())


def _client_or_404(api_client_id: int) -> ApiClient:
    client = db.session.scalar(select(ApiClient).where(ApiClient.id == api_client_id))
    if client is None:
        abort(404)
    return client


@blueprint.get("/t/<slug>/api-clients")
@require(can_manage_api_clients)
def api_clients():
    status = request.args.get("status", "active")
    status = status if status in STATUSES else "active"
    sort = request.args.get("sort", "name")
    sort = sort if sort in SORTS else "name"
    search = (request.args.get("q") or "").strip()[:100]
    page = db.paginate(clients_statement(status=status, search=search, sort=sort),
                       per_page=PER_PAGE, max_per_page=PER_PAGE, error_out=False)
    args = {"status": status, "sort": sort, "q": search}
    return render_template(
        "tenants/api_clients/list.html", page=page, args=args, status=status, sort=sort,
        search=search, scopes=API_SCOPES, token_path=TOKEN_PATH,
    )


@blueprint.route("/t/<slug>/api-clients/new", methods=["GET", "POST"])
@require(can_manage_api_clients)
def new_api_client():
    principal = current_principal()
    form = ApiClientForm(organisations=_organisation_choices())
    if form.validate_on_submit():
        data = ApiClientData(
            name=form.name.data,
            organisation_id=int(form.organisation.data) if form.organisation.data else None,
            scopes=list(form.scopes.data or []),
        )
        try:
            client, secret = create_client(principal.tenant, data, actor=principal.user)
        except ApiClientError as error:
            db.session.rollback()
            getattr(form, error.field).errors.append(error.message)
        else:
            db.session.commit()
            # The secret is rendered in this response only: it is not stored and not redirected.
            return render_template("tenants/api_clients/created.html", client=client, secret=secret,
                                   scopes=API_SCOPES, token_path=TOKEN_PATH)
    status = 400 if request.method == "POST" else 200
    return render_template("tenants/api_clients/form.html", form=form), status


@blueprint.route("/t/<slug>/api-clients/<int:api_client_id>/revoke", methods=["GET", "POST"])
@require(can_manage_api_clients)
def revoke_api_client(api_client_id: int):
    principal = current_principal()
    client = _client_or_404(api_client_id)
    form = ConfirmForm()
    if client.revoked_at is not None:
        flash(_("The API client %(name)s is already revoked.", name=client.name), "info")
        return redirect(url_for("tenants.api_clients", status="revoked"))
    if form.validate_on_submit():
        revoke_client(client, actor=principal.user)
        db.session.commit()
        flash(_("The API client %(name)s is revoked. Its access tokens no longer work.",
                name=client.name), "success")
        return redirect(url_for("tenants.api_clients"))
    status = 400 if request.method == "POST" else 200
    return render_template("tenants/api_clients/revoke.html", client=client, form=form), status
