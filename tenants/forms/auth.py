"""Sign-in form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import Email, Length

from samverkan.platform.forms import required


class SignInForm(FlaskForm):
    email = EmailField(
        _l("E-mail address"),
        validators=[required(), Email(message=_l("Enter a valid e-mail address."))],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(_l("Password"), validators=[required(), Length(max=500)],
                             render_kw={"autocomplete": "current-password"})
