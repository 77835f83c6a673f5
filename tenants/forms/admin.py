"""Forms of the tenant administration and of the platform operator's tenant pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, Form, SelectField, StringField
from wtforms.validators import Optional, ValidationError

from samverkan.platform.config import CONTENT_LOCALES
from samverkan.platform.forms import MultiCheckboxField, TranslatedField, max_length, required
from samverkan.platform.i18n import LANGUAGE_NAMES
from samverkan.tenants.labels import ORGANISATION_KIND_LABELS, ROLE_LABELS, TENANT_KIND_LABELS

COUNTRY_LABELS = {"FI": _l("Finland"), "SE": _l("Sweden")}


def _language_choices() -> list[tuple[str, str]]:
    return [(loc, LANGUAGE_NAMES[loc]) for loc in CONTENT_LOCALES]


class ConfirmForm(FlaskForm):
    """A confirmation of a destructive action: only the CSRF token."""


class MemberForm(FlaskForm):
    roles = MultiCheckboxField(_l("Roles"), choices=[])
    organisation = SelectField(_l("Acts for organisation"), choices=[], default="",
                               validate_choice=True)

    def __init__(self, *args, organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.roles.choices = list(ROLE_LABELS.items())
        self.organisation.choices = [("", _l("No organisation"))] + [
            (str(org_id), label) for org_id, label in organisations
        ]


class OrganisationForm(FlaskForm):
    name = TranslatedField(_l("Name"), required=True, max_chars=200)
    kind = SelectField(_l("Kind"), choices=[], validators=[required()])
    country = SelectField(_l("Country"), choices=[], validators=[required()])
    business_id = StringField(_l("Business ID"), validators=[max_length(20)],
                              render_kw={"autocomplete": "off", "spellcheck": "false"})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [("", _l("Choose…"))] + list(ORGANISATION_KIND_LABELS.items())
        self.country.choices = list(COUNTRY_LABELS.items())


def _at_least_one_language(_form, field) -> None:
    if not field.data:
        raise ValidationError(_l("Choose at least one content language."))


class TenantSettingsForm(FlaskForm):
    name = TranslatedField(_l("Name of the tenant"), required=True, max_chars=200)
    content_locales = MultiCheckboxField(_l("Content languages"), choices=[],
                                         validators=[_at_least_one_language])
    default_locale = SelectField(_l("Default language"), choices=[], validators=[required()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.content_locales.choices = _language_choices()
        self.default_locale.choices = _language_choices()


class TenantCreateForm(FlaskForm):
    slug = StringField(_l("Address (slug)"), validators=[required(), max_length(63)],
                       render_kw={"autocomplete": "off", "spellcheck": "false"})
    kind = SelectField(_l("Kind"), choices=[], validators=[required()])
    name = TranslatedField(_l("Name"), required=True, max_chars=200)
    country = SelectField(_l("Country"), choices=[], validators=[required()])
    content_locales = MultiCheckboxField(_l("Content languages"), choices=[])
    default_locale = SelectField(_l("Default language"), choices=[])
    currency = SelectField(_l("Currency"), choices=[])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [("", _l("Choose…"))] + list(TENANT_KIND_LABELS.items())
        self.country.choices = [("", _l("Choose…"))] + list(COUNTRY_LABELS.items())
        self.content_locales.choices = _language_choices()
        self.default_locale.choices = [("", _l("The first content language"))] + _language_choices()
        self.currency.choices = [("", _l("By country (EUR in Finland, SEK in Sweden)")),
                                 ("EUR", "EUR"), ("SEK", "SEK")]


class AuditFilterForm(Form):
    """The filters of the audit trail, read from the query string."""

    action = SelectField(_l("Action"), choices=[], validate_choice=False)
    entity_type = SelectField(_l("Entity type"), choices=[], validate_choice=False)
    actor = StringField(_l("Actor (e-mail)"), validators=[Optional(), max_length(254)])
    date_from = DateField(_l("From"), validators=[Optional()], invalid_value_message=_l(
        "Enter a date as year-month-day, e.g. 2026-01-31."))
    date_to = DateField(_l("To"), validators=[Optional()], invalid_value_message=_l(
        "Enter a date as year-month-day, e.g. 2026-01-31."))

    def __init__(self, formdata, *, actions=(), entity_types=(), **kwargs):
        super().__init__(formdata, **kwargs)
        self.action.choices = [("", _l("All actions"))] + list(actions)
        self.entity_type.choices = [("", _l("All entity types"))] + list(entity_types)

    def validate_date_to(self, field) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end date is before the start date."))
