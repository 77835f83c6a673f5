"""The platform operator's tenant pages: list, create, suspend and reactivate tenants.

Operators need no membership; everyone else gets 404, as if the pages did not exist.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from samverkan.platform.db import db
from samverkan.platform.i18n import translated
from samverkan.platform.navigation import register_user_menu
from samverkan.tenants.forms.admin import COUNTRY_LABELS, ConfirmForm, TenantCreateForm
from samverkan.tenants.labels import TENANT_KIND_LABELS
from samverkan.tenants.models import Tenant, TenantStatus
from samverkan.tenants.services.tenants import (
    TENANT_SORTS,
    TenantData,
    TenantError,
    create_tenant,
    set_tenant_status,
    tenant_counts,
    tenants_statement,
)
from samverkan.tenants.views import blueprint

PER_PAGE = 25
STATUS_FILTERS = ("", TenantStatus.ACTIVE.value, TenantStatus.SUSPENDED.value)


def _is_operator(user, _app=None) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_operator", False))


register_user_menu("tenants.operator_tenants", _l("Tenants (platform operator)"), _is_operator)


def operator_required(view: Callable) -> Callable:
    """Sign-in required; 404 for anyone who is not a platform operator."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        from samverkan.platform.auth import login_manager

        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not _is_operator(current_user):
            abort(404)
        return view(*args, **kwargs)

    return wrapped


def _tenant_or_404(tenant_id: int) -> Tenant:
    tenant = db.session.get(Tenant, tenant_id)
    if tenant is None:
        abort(404)
    return tenant


@blueprint.get("/operator/tenants")
@operator_required
def operator_tenants():
    search = (request.args.get("q") or "").strip()[:100]
    status = request.args.get("status", "")
    status = status if status in STATUS_FILTERS else ""
    sort = request.args.get("sort", "slug")
    sort = sort if sort in TENANT_SORTS else "slug"
    page = db.paginate(tenants_statement(search=search, status=status, sort=sort),
                       per_page=PER_PAGE, max_per_page=PER_PAGE, error_out=False)
    counts = tenant_counts([tenant.id for tenant in page.items])
    args = {"q": search, "status": status, "sort": sort}
    return render_template("tenants/operator/tenants.html", page=page, counts=counts, args=args,
                           search=search, status=status, sort=sort, countries=COUNTRY_LABELS)


@blueprint.route("/operator/tenants/new", methods=["GET", "POST"])
@operator_required
def operator_new_tenant():
    form = TenantCreateForm()
    if form.validate_on_submit():
        data = TenantData(
            slug=(form.slug.data or "").strip().lower(),
            kind=form.kind.data,
            name=form.name.cleaned(),
            country=form.country.data,
            content_locales=list(form.content_locales.data or []) or None,
            default_locale=form.default_locale.data or None,
            currency=form.currency.data or None,
        )
        try:
            tenant = create_tenant(data, actor=current_user._get_current_object())
        except TenantError as error:
            db.session.rollback()
            field = form._fields.get(error.field)
            if field is not None:
                field.errors = [*field.errors, error.message]
            else:
                form.form_errors.append(error.message)
        else:
            db.session.commit()
            flash(_("The tenant %(name)s is created at %(path)s.",
                    name=translated(tenant.name, tenant=tenant),
                    path=url_for("tenants.tenant_home", slug=tenant.slug)), "success")
            return redirect(url_for("tenants.operator_tenants"))
    status = 400 if request.method == "POST" else 200
    return render_template("tenants/operator/tenant_form.html", form=form,
                           kinds=TENANT_KIND_LABELS), status


def _change_status(tenant_id: int, status: str):
    tenant = _tenant_or_404(tenant_id)
    name = translated(tenant.name, tenant=tenant)
    if tenant.status == status:
        flash(_("The tenant %(name)s is already suspended.", name=name) if status == TenantStatus.SUSPENDED
              else _("The tenant %(name)s is already active.", name=name), "warning")
        return redirect(url_for("tenants.operator_tenants"))
    form = ConfirmForm()
    if form.validate_on_submit():
        set_tenant_status(tenant, status, actor=current_user._get_current_object())
        db.session.commit()
        flash(_("The tenant %(name)s is suspended. Its pages and API are closed.", name=name)
              if status == TenantStatus.SUSPENDED
              else _("The tenant %(name)s is active again.", name=name), "success")
        return redirect(url_for("tenants.operator_tenants"))
    counts = tenant_counts([tenant.id])[tenant.id]
    http_status = 400 if request.method == "POST" else 200
    return render_template("tenants/operator/tenant_status.html", tenant=tenant, form=form,
                           suspend=status == TenantStatus.SUSPENDED, counts=counts), http_status


@blueprint.route("/operator/tenants/<int:tenant_id>/suspend", methods=["GET", "POST"])
@operator_required
def operator_suspend_tenant(tenant_id: int):
    return _change_status(tenant_id, TenantStatus.SUSPENDED)


@blueprint.route("/operator/tenants/<int:tenant_id>/reactivate", methods=["GET", "POST"])
@operator_required
def operator_reactivate_tenant(tenant_id: int):
    return _change_status(tenant_id, TenantStatus.ACTIVE)

