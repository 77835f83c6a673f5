"""Forms of invitations: inviting a person, accepting an invitation, confirming a revocation."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField
from wtforms.validators import Email, Length

from samverkan.platform.forms import MultiCheckboxField, max_length, required
from samverkan.tenants.forms.account import confirm_password_field, new_password_field


class InvitationForm(FlaskForm):
    email = EmailField(
        _l("E-mail address"),
        validators=[required(), Email(message=_l("Enter a valid e-mail address.")),
                    Length(max=254)],
    )
    roles = MultiCheckboxField(_l("Roles"))
    organisation_id = SelectField(_l("Organisation"), coerce=int, default=0)
    locale = SelectField(_l("Language of the invitation"))


class AcceptInvitationForm(FlaskForm):
    """One click: the signed-in person accepts."""


class NewAccountForm(FlaskForm):
    """The invited person has no account yet: name and password create one."""

    name = StringField(_l("Your name"), validators=[required(), max_length(200)],
                       render_kw={"autocomplete": "name"})
    password = new_password_field(_l("Password"))
    confirm = confirm_password_field(_l("Repeat the password"))


class ConfirmForm(FlaskForm):
    """A confirmation step before a destructive action."""
