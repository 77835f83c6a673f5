"""Forms of the API clients administration."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import ValidationError

from samverkan.platform.forms import MultiCheckboxField, max_length, required
from samverkan.platform.oauth import API_SCOPES


def _at_least_one(_form, field) -> None:
    if not field.data:
        raise ValidationError(_l("Choose at least one scope."))


class ApiClientForm(FlaskForm):
    name = StringField(_l("Name"), validators=[required(), max_length(200)],
                       render_kw={"autocomplete": "off"})
    organisation = SelectField(_l("Acts for organisation"), choices=[], validate_choice=True)
    scopes = MultiCheckboxField(_l("Scopes"), choices=[], validators=[_at_least_one])

    def __init__(self, *args, organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation.choices = [("", _l("No organisation (reads as a viewer)"))] + [
            (str(org_id), label) for org_id, label in organisations
        ]
        self.scopes.choices = [(name, f"{name}: {label}") for name, label in API_SCOPES.items()]


class ConfirmForm(FlaskForm):
    """A confirmation: only the CSRF token."""
