"""A person's own account: a forgotten password, its reset by e-mailed link, a change of password."""

from __future__ import annotations

from flask import current_app, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user

from samverkan.platform.db import db
from samverkan.platform.extensions import limiter, submitted_email
from samverkan.platform.i18n import current_locale
from samverkan.platform.jobs import JobsUnavailable
from samverkan.platform.navigation import register_user_menu
from samverkan.tenants.forms.account import ChangePasswordForm, ForgotPasswordForm, ResetPasswordForm
from samverkan.tenants.services import accounts
from samverkan.tenants.services.accounts import AccountError, ResetLinkError
from samverkan.tenants.views import blueprint


def _always(_user, _app) -> bool:
    return True


def _demo_or_debug(_user, app) -> bool:
    return bool(app.config.get("SAMVERKAN_DEMO") or app.debug)


register_user_menu("tenants.change_password", _l("Change password"), _always)
register_user_menu("platform.outbox", _l("Outbox (demo)"), _demo_or_debug)


def _attempt_limit() -> str:
    return current_app.config["SAMVERKAN_SIGNIN_LIMIT"]


def _signed_in_user_key() -> str:
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return get_remote_address()


def _wrong_current_password(_response) -> bool:
    return getattr(g, "current_password_failed", False)


def _status(form) -> int:
    return 400 if form.is_submitted() and (form.errors or form.form_errors) else 200


@blueprint.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(_attempt_limit, key_func=submitted_email, methods=["POST"], error_message="throttled")
def forgot_password():
    """Ask for a reset link; the answer is the same whether or not the address has an account."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.request_password_reset(form.email.data, locale=current_locale())
        except JobsUnavailable:
            db.session.rollback()
            form.form_errors.append(_("E-mail cannot be sent right now. Try again in a few minutes."))
            return render_template("tenants/account/forgot_password.html", form=form), 503
        db.session.commit()
        flash(_("If an account exists for %(email)s, we have sent it a link to choose a new "
                "password. The link expires in %(hours)s hours.", email=form.email.data,
                hours=current_app.config["SAMVERKAN_RESET_HOURS"]), "success")
        return redirect(url_for("tenants.sign_in"))
    return render_template("tenants/account/forgot_password.html", form=form), _status(form)


@blueprint.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Choose a new password through an e-mailed link (single-use, expiring)."""
    try:
        user = accounts.user_for_reset_token(token)
    except ResetLinkError as error:
        status = 404 if error.code == "invalid" else 410
        return render_template("tenants/account/reset_link_invalid.html", reason=error.code), status
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.reset_password(token, form.password.data)
        except AccountError as error:
            form.password.errors.append(error.message)
        else:
            db.session.commit()
            if current_user.is_authenticated:
                logout_user()
            flash(_("Your password has been changed and every session has ended. Sign in with "
                    "your new password."), "success")
            return redirect(url_for("tenants.sign_in"))
    return render_template("tenants/account/reset_password.html", form=form, user=user), _status(form)


@blueprint.route("/account/password", methods=["GET", "POST"])
@login_required
@limiter.limit(_attempt_limit, key_func=_signed_in_user_key, methods=["POST"],
               deduct_when=_wrong_current_password, error_message="throttled")
def change_password():
    """A signed-in person changes their password; their other sessions end."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            accounts.change_password(user, form.current_password.data, form.password.data)
        except AccountError as error:
            g.current_password_failed = error.field == "current_password"
            target = form.current_password if error.field == "current_password" else form.password
            target.errors.append(error.message)
        else:
            db.session.commit()
            login_user(user)  # this session continues under the new session epoch
            flash(_("Your password has been changed. You have been signed out everywhere else."),
                  "success")
            return redirect(url_for("tenants.tenant_picker"))
    return render_template("tenants/account/change_password.html", form=form), _status(form)
