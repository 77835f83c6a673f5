"""Organisations of the tenant: every member reads the list, administrators manage it."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from samverkan.platform.db import db
from samverkan.platform.i18n import current_locale, translated
from samverkan.platform.navigation import register_nav
from samverkan.tenants.forms.admin import COUNTRY_LABELS, ConfirmForm, OrganisationForm
from samverkan.tenants.labels import ORGANISATION_KIND_LABELS
from samverkan.tenants.models import Organisation
from samverkan.tenants.permissions import (
    can_manage_organisations,
    can_read_organisations,
    current_principal,
    require,
)
from samverkan.tenants.services.organisations import (
    ORGANISATION_SORTS,
    OrganisationData,
    OrganisationError,
    bound_member_count,
    create_organisation,
    organisations_statement,
    set_archived,
    update_organisation,
)
from samverkan.tenants.views import blueprint

register_nav("tenants.organisations", _l("Organisations"), can_read_organisations, order=60)

PER_PAGE = 25


def _organisation_or_404(organisation_id: int) -> Organisation:
    # Scoped to the URL's tenant: another tenant's organisation is not found.
    organisation = db.session.scalar(select(Organisation).where(Organisation.id == organisation_id))
    if organisation is None:
        abort(404)
    return organisation


def _data(form: OrganisationForm) -> OrganisationData:
    return OrganisationData(kind=form.kind.data, name=form.name.cleaned(),
                            business_id=form.business_id.data, country=form.country.data)


def _show_error(form: OrganisationForm, error: OrganisationError) -> None:
    field = form._fields.get(error.field)
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


@blueprint.get("/t/<slug>/organisations")
@require(can_read_organisations)
def organisations():
    principal = current_principal()
    search = (request.args.get("q") or "").strip()[:100]
    kind = request.args.get("kind", "")
    kind = kind if kind in ORGANISATION_KIND_LABELS else ""
    archived = request.args.get("archived") == "1"
    sort = request.args.get("sort", "name")
    sort = sort if sort in ORGANISATION_SORTS else "name"
    statement = organisations_statement(principal.tenant, kind=kind, include_archived=archived,
                                        search=search, sort=sort, locale=current_locale())
    page = db.paginate(statement, per_page=PER_PAGE, max_per_page=PER_PAGE, error_out=False)
    args = {"q": search, "kind": kind, "sort": sort}
    if archived:
        args["archived"] = "1"
    return render_template(
        "tenants/admin/organisations.html", page=page, args=args, search=search, kind=kind,
        archived=archived, sort=sort, kinds=ORGANISATION_KIND_LABELS, countries=COUNTRY_LABELS,
        can_manage=can_manage_organisations(principal),
    )


@blueprint.route("/t/<slug>/organisations/new", methods=["GET", "POST"])
@require(can_manage_organisations)
def new_organisation():
    principal = current_principal()
    form = OrganisationForm(data={"country": principal.tenant.country}
                            if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            organisation = create_organisation(principal.tenant, _data(form), actor=principal.user)
        except OrganisationError as error:
            db.session.rollback()
            _show_error(form, error)
        else:
            db.session.commit()
            flash(_("The organisation %(name)s is added.", name=translated(organisation.name)),
                  "success")
            return redirect(url_for("tenants.organisations"))
    status = 400 if request.method == "POST" else 200
    return render_template("tenants/admin/organisation_form.html", form=form, organisation=None,
                           locales=principal.tenant.content_locales), status


@blueprint.route("/t/<slug>/organisations/<int:organisation_id>/edit", methods=["GET", "POST"])
@require(can_manage_organisations)
def edit_organisation(organisation_id: int):
    principal = current_principal()
    organisation = _organisation_or_404(organisation_id)
    form = OrganisationForm(obj=organisation if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            update_organisation(principal.tenant, organisation, _data(form), actor=principal.user)
        except OrganisationError as error:
            db.session.rollback()
            _show_error(form, error)
        else:
            db.session.commit()
            flash(_("The organisation %(name)s is saved.", name=translated(organisation.name)),
                  "success")
            return redirect(url_for("tenants.organisations",
                                    archived="1" if organisation.is_archived else None))
    status = 400 if request.method == "POST" else 200
    # Content in a language the tenant no longer uses stays visible to the editor.
    locales = list(dict.fromkeys([*principal.tenant.content_locales,
                                  *(loc for loc, text in (organisation.name or {}).items() if text)]))
    return render_template("tenants/admin/organisation_form.html", form=form,
                           organisation=organisation, locales=locales,
                           bound_members=bound_member_count(organisation)), status


def _archive_or_restore(organisation_id: int, archive: bool):
    principal = current_principal()
    organisation = _organisation_or_404(organisation_id)
    form = ConfirmForm()
    if organisation.is_archived == archive:
        message = (_("The organisation %(name)s is already archived.", name=translated(organisation.name))
                   if archive else
                   _("The organisation %(name)s is not archived.", name=translated(organisation.name)))
        flash(message, "warning")
        return redirect(url_for("tenants.organisations", archived="1"))
    error = None
    bound = bound_member_count(organisation)
    if form.validate_on_submit():
        try:
            set_archived(organisation, archive, actor=principal.user)
        except OrganisationError as refused:
            db.session.rollback()
            error = refused.message
        else:
            db.session.commit()
            name = translated(organisation.name)
            flash(_("The organisation %(name)s is archived.", name=name) if archive
                  else _("The organisation %(name)s is restored.", name=name), "success")
            return redirect(url_for("tenants.organisations", archived="1" if archive else None))
    elif archive and bound:
        error = _("Members act for this organisation. Change their memberships first.")
    status = 200 if request.method == "GET" else (409 if error else 400)
    return render_template("tenants/admin/organisation_archive.html", organisation=organisation,
                           form=form, archive=archive, error=error, bound_members=bound), status


@blueprint.route("/t/<slug>/organisations/<int:organisation_id>/archive", methods=["GET", "POST"])
@require(can_manage_organisations)
def archive_organisation(organisation_id: int):
    return _archive_or_restore(organisation_id, True)


@blueprint.route("/t/<slug>/organisations/<int:organisation_id>/restore", methods=["GET", "POST"])
@require(can_manage_organisations)
def restore_organisation(organisation_id: int):
    return _archive_or_restore(organisation_id, False)
