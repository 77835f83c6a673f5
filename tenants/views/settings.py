"""The tenant's settings, for its administrators: names and languages."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from samverkan.platform.config import CONTENT_LOCALES
from samverkan.platform.db import db
from samverkan.platform.navigation import register_nav
from samverkan.tenants.forms.admin import TenantSettingsForm
from samverkan.tenants.permissions import can_manage_tenant_settings, current_principal, require
from samverkan.tenants.services.tenants import (
    TenantError,
    TenantSettingsData,
    update_tenant_settings,
)
from samverkan.tenants.views import blueprint

register_nav("tenants.tenant_settings", _l("Settings"), can_manage_tenant_settings, order=95)


@blueprint.route("/t/<slug>/settings", methods=["GET", "POST"])
@require(can_manage_tenant_settings)
def tenant_settings():
    principal = current_principal()
    tenant = principal.tenant
    form = TenantSettingsForm(
        data={"name": dict(tenant.name or {}), "content_locales": list(tenant.content_locales),
              "default_locale": tenant.default_locale} if request.method == "GET" else None
    )
    if form.validate_on_submit():
        data = TenantSettingsData(name=form.name.cleaned(),
                                  content_locales=list(form.content_locales.data or []),
                                  default_locale=form.default_locale.data)
        try:
            update_tenant_settings(tenant, data, actor=principal.user)
        except TenantError as error:
            db.session.rollback()
            field = form._fields.get(error.field)
            if field is not None:
                field.errors = [*field.errors, error.message]
            else:
                form.form_errors.append(error.message)
        else:
            db.session.commit()
            flash(_("The settings are saved."), "success")
            return redirect(url_for("tenants.tenant_settings"))
    status = 400 if request.method == "POST" else 200
    return render_template("tenants/admin/settings.html", form=form,
                           locales=list(CONTENT_LOCALES)), status
