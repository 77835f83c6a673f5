"""Forms and labels of the partnership pages of indicators and targets, documents, settings and
the reporting calendar. The forms only carry the input; the services
(:mod:`samverkan.partnership.services`) check it, and their field names are the form's field
names, so an error lands on its field."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, SelectField, StringField
from wtforms.validators import InputRequired, Optional, ValidationError

from samverkan.partnership.models import Aggregation, Direction, Frequency, Unit
from samverkan.platform.forms import TranslatedField, max_length, required

DATE_MESSAGE = _l("Enter a date as year-month-day, e.g. 2026-01-31.")

UNIT_LABELS = {
    Unit.COUNT.value: _l("Count"),
    Unit.PERCENT.value: _l("Percent"),
    Unit.MONEY.value: _l("Money"),
    Unit.DAYS.value: _l("Days"),
    Unit.SCORE.value: _l("Score"),
}
UNIT_HINTS = {
    Unit.COUNT.value: _l("A whole number, zero or more."),
    Unit.PERCENT.value: _l("From 0 to 100."),
    Unit.MONEY.value: _l("An amount in %(currency)s, zero or more."),
    Unit.DAYS.value: _l("A number of days, zero or more."),
    Unit.SCORE.value: _l("Any number, e.g. an average grade."),
}
DIRECTION_LABELS = {
    Direction.HIGHER.value: _l("Higher is better"),
    Direction.LOWER.value: _l("Lower is better"),
}
AGGREGATION_LABELS = {
    Aggregation.SUM.value: _l("Sum of the periods"),
    Aggregation.AVERAGE.value: _l("Average of the periods"),
    Aggregation.LAST.value: _l("Value of the last period"),
}
FREQUENCY_LABELS = {
    Frequency.YEAR.value: _l("Yearly"),
    Frequency.HALF_YEAR.value: _l("Half-yearly"),
    Frequency.TERTIAL.value: _l("Every four months (tertials)"),
    Frequency.QUARTER.value: _l("Quarterly"),
    Frequency.MONTH.value: _l("Monthly"),
}
DOC_TYPE_LABELS = {
    "agreement": _l("Agreement"),
    "appendix": _l("Appendix"),
    "minutes": _l("Minutes"),
    "other": _l("Other"),
}


def _whole_number(_form, field) -> None:
    value = (field.data or "").strip()
    if value and not value.lstrip("-").isdigit():
        raise ValidationError(_l("Enter a whole number."))


def _numeric() -> dict:
    return {"inputmode": "numeric", "autocomplete": "off"}


# --- indicators (partnership/views/indicators.py) ---------------------------------------------


class IndicatorForm(FlaskForm):
    code = StringField(_l("Code"), validators=[required(), max_length(50)],
                       render_kw={"autocomplete": "off", "spellcheck": "false"})
    name = TranslatedField(_l("Name"), required=True, max_chars=300)
    definition = TranslatedField(_l("Definition"), multiline=True, max_chars=5000)
    unit = SelectField(_l("Unit"), choices=[], validators=[required()], validate_choice=False)
    direction = SelectField(_l("Direction"), choices=[], validators=[required()],
                            validate_choice=False)
    aggregation = SelectField(_l("How the periods add up"), choices=[], validators=[required()],
                              validate_choice=False)
    steering_goal_id = SelectField(_l("Steering goal"), choices=[], validate_choice=False)
    position = StringField(_l("Position in the list"),
                           validators=[Optional(), max_length(6), _whole_number],
                           render_kw=_numeric())

    def __init__(self, *args, currency: str = "EUR", goals=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.unit.choices = [("", _l("Choose…"))] + [
            (code, _l("Money (%(currency)s)", currency=currency) if code == Unit.MONEY else label)
            for code, label in UNIT_LABELS.items()
        ]
        self.direction.choices = [("", _l("Choose…"))] + list(DIRECTION_LABELS.items())
        self.aggregation.choices = [("", _l("Choose…"))] + list(AGGREGATION_LABELS.items())
        self.steering_goal_id.choices = [("", _l("No steering goal"))] + [
            (str(goal_id), label) for goal_id, label in goals
        ]


# --- documents (partnership/views/documents.py) -----------------------------------------------


class DocumentForm(FlaskForm):
    file = FileField(_l("File"), validators=[FileRequired(message=_l("Choose a file to upload."))])
    doc_type = SelectField(_l("Type of document"), choices=[], validators=[required()],
                           validate_choice=False)
    title = StringField(_l("Title"), validators=[max_length(200)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.doc_type.choices = [("", _l("Choose…"))] + list(DOC_TYPE_LABELS.items())


# --- settings and the reporting calendar (partnership/views/indicators.py) ---------------------


class SettingsForm(FlaskForm):
    frequency = SelectField(_l("Reporting frequency"), choices=[], validators=[required()],
                            validate_choice=False)
    deadline_offset_days = StringField(_l("Reporting deadline (days after the end of a period)"),
                                       validators=[required(), max_length(4)],
                                       render_kw=_numeric())
    near_percent = StringField(_l("Near the target (percent of the target)"),
                               validators=[required(), max_length(10)],
                               render_kw={"inputmode": "decimal", "autocomplete": "off"})
    reminder_days_before = StringField(_l("Reminder (days before the deadline)"),
                                       validators=[required(), max_length(4)],
                                       render_kw=_numeric())
    recheck_months = StringField(_l("Re-check interval of authorisations (months)"),
                                 validators=[required(), max_length(4)], render_kw=_numeric())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.frequency.choices = list(FREQUENCY_LABELS.items())


class GeneratePeriodsForm(FlaskForm):
    first_year = StringField(_l("First year"), validators=[required(), max_length(4), _whole_number],
                             render_kw=_numeric())
    last_year = StringField(_l("Last year"), validators=[required(), max_length(4), _whole_number],
                            render_kw=_numeric())


class PeriodForm(FlaskForm):
    deadline = DateField(_l("Reporting deadline"),
                         validators=[InputRequired(message=_l("This field is required."))],
                         invalid_value_message=DATE_MESSAGE)
