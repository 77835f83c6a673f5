"""Forms of a person's own account: forgotten password, reset and change of password."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import Email, EqualTo, Length

from samverkan.platform.forms import required
from samverkan.tenants.services.accounts import MIN_PASSWORD_LENGTH

MAX_PASSWORD_LENGTH = 500


def new_password_field(label=None) -> PasswordField:
    return PasswordField(
        label or _l("New password"),
        validators=[
            required(),
            Length(min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH,
                   message=_l("Use %(min)d to %(max)d characters.", min=MIN_PASSWORD_LENGTH,
                              max=MAX_PASSWORD_LENGTH)),
        ],
        render_kw={"autocomplete": "new-password"},
    )


def confirm_password_field(label=None) -> PasswordField:
    return PasswordField(
        label or _l("Repeat the new password"),
        validators=[required(), EqualTo("password", message=_l("The passwords do not match."))],
        render_kw={"autocomplete": "new-password"},
    )


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        _l("E-mail address"),
        validators=[required(), Email(message=_l("Enter a valid e-mail address.")),
                    Length(max=254)],
        render_kw={"autocomplete": "username"},
    )


class ResetPasswordForm(FlaskForm):
    password = new_password_field()
    confirm = confirm_password_field()


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"), validators=[required(), Length(max=MAX_PASSWORD_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )
    password = new_password_field()
    confirm = confirm_password_field()
