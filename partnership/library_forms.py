"""Forms of the shared indicator library pages (:mod:`samverkan.partnership.views.library`).
The forms only carry the input; :mod:`samverkan.partnership.services.library` checks it, and its
field names are the forms' field names, so an error lands on its field."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField

from samverkan.partnership.indicator_forms import AGGREGATION_LABELS, DIRECTION_LABELS, UNIT_LABELS
from samverkan.platform.forms import MultiCheckboxField, TranslatedField, max_length, required

LIBRARY_SORTS = ("code", "-code", "name", "-name", "unit", "-unit", "version", "-version",
                 "published", "-published")


class IndicatorTemplateForm(FlaskForm):
    code = StringField(_l("Code"), validators=[required(), max_length(50)],
                       render_kw={"autocomplete": "off", "spellcheck": "false"})
    name = TranslatedField(_l("Name"), required=True, max_chars=300)
    definition = TranslatedField(_l("Definition"), multiline=True, max_chars=5000)
    unit = SelectField(_l("Unit"), choices=[], validators=[required()], validate_choice=False)
    direction = SelectField(_l("Direction"), choices=[], validators=[required()],
                            validate_choice=False)
    aggregation = SelectField(_l("How the periods add up"), choices=[], validators=[required()],
                              validate_choice=False)
    change_note = TranslatedField(_l("What changed"), multiline=True, max_chars=2000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.unit.choices = [("", _l("Choose…"))] + list(UNIT_LABELS.items())
        self.direction.choices = [("", _l("Choose…"))] + list(DIRECTION_LABELS.items())
        self.aggregation.choices = [("", _l("Choose…"))] + list(AGGREGATION_LABELS.items())


class AgreementTemplateForm(FlaskForm):
    code = StringField(_l("Code"), validators=[required(), max_length(50)],
                       render_kw={"autocomplete": "off", "spellcheck": "false"})
    name = TranslatedField(_l("Name"), required=True, max_chars=300)
    description = TranslatedField(_l("Description"), multiline=True, max_chars=5000)
    indicator_template_ids = MultiCheckboxField(_l("Indicator templates"), choices=[],
                                                validate_choice=False, coerce=str)
    change_note = TranslatedField(_l("What changed"), multiline=True, max_chars=2000)

    def __init__(self, *args, templates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.indicator_template_ids.choices = [(str(tid), label) for tid, label in templates]


class UpgradeForm(FlaskForm):
    """Adopt the offered version (its id) into the indicator."""

    template_id = HiddenField()


class KeepForm(FlaskForm):
    """Stay on the adopted version: the offered version number is no longer offered."""

    version = HiddenField()
