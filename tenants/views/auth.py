"""Sign in and out, the tenant picker and the tenant's start page."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user

from samverkan.platform.db import db
from samverkan.platform.extensions import limiter, submitted_email
from samverkan.platform.navigation import register_nav
from samverkan.tenants.forms.auth import SignInForm
from samverkan.tenants.permissions import can_view_tenant, current_principal, require
from samverkan.tenants.services.accounts import authenticate, end_all_sessions, memberships_of
from samverkan.tenants.views import blueprint

register_nav("tenants.tenant_home", _l("Overview"), can_view_tenant, order=10)


def _safe_next(target: str | None) -> str | None:
    """Only same-site paths are followed after sign-in."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def _signin_limit() -> str:
    from flask import current_app

    return current_app.config["SAMVERKAN_SIGNIN_LIMIT"]


def _failed_sign_in(response) -> bool:
    return getattr(g, "sign_in_failed", False)


@blueprint.route("/signin", methods=["GET", "POST"])
@limiter.limit(_signin_limit, key_func=submitted_email, methods=["POST"],
               deduct_when=_failed_sign_in, error_message="throttled")
@limiter.limit(lambda: "50 per 15 minutes", methods=["POST"], deduct_when=_failed_sign_in,
               error_message="throttled")
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("tenants.tenant_picker"))
    form = SignInForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is not None:
            login_user(user)
            db.session.commit()
            target = _safe_next(request.args.get("next")) or url_for("tenants.tenant_picker")
            return redirect(target)
        g.sign_in_failed = True
        # One message whether or not the address exists: no user enumeration.
        form.form_errors.append(_("The e-mail address or password is incorrect."))
    status = 200 if request.method == "GET" or not form.errors and not form.form_errors else 400
    return render_template("tenants/sign_in.html", form=form), status


@blueprint.post("/signout")
@login_required
def sign_out():
    end_all_sessions(current_user)
    db.session.commit()
    logout_user()
    flash(_("You have signed out."), "success")
    return redirect(url_for("tenants.sign_in"))


@blueprint.get("/tenants")
@login_required
def tenant_picker():
    memberships = memberships_of(current_user)
    if len(memberships) == 1 and not request.args.get("all"):
        return redirect(url_for("tenants.tenant_home", slug=memberships[0].tenant.slug))
    return render_template("tenants/tenant_picker.html", memberships=memberships)


@blueprint.get("/t/<slug>/")
@require(can_view_tenant)
def tenant_home():
    return render_template("tenants/tenant_home.html", principal=current_principal())
