"""Forms of the owner-steering pages (Flask-WTF).

The forms only collect input and check that required fields are there; the business rules
(share ranges, periods, the decision rule, ...) live in :mod:`samverkan.ownership.services`,
whose errors the views show on the named field. Keep each page area's forms in its own block.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, RadioField, SelectField, StringField
from wtforms.validators import InputRequired, Optional, ValidationError

from samverkan.platform.forms import TranslatedField, max_length, required

DATE_MESSAGE = _l("Enter a date as year-month-day, e.g. 2026-01-31.")


def _entered():
    """Required, for fields whose own parsing reports a wrong value (``DataRequired`` would
    replace that message with "This field is required.")."""
    return InputRequired(message=_l("This field is required."))


def _whole_number(_form, field) -> None:
    value = (field.data or "").strip()
    if value and not value.lstrip("-").isdigit():
        raise ValidationError(_l("Enter a whole number."))


# --- register, strategies, themes and settings (ownership/views/register.py) ------------------


class StakeForm(FlaskForm):
    """Give an owner municipality a share from a date (a change of share starts a new stake)."""

    organisation_id = SelectField(_l("Owner municipality"), choices=[], validators=[required()],
                                  validate_choice=False)
    share = StringField(_l("Ownership share (%)"), validators=[required(), max_length(20)],
                        render_kw={"inputmode": "decimal", "autocomplete": "off"})
    basis = StringField(_l("Basis of the share"), validators=[max_length(300)])
    valid_from = DateField(_l("In force from"), validators=[_entered()],
                           invalid_value_message=DATE_MESSAGE)

    def __init__(self, *args, owners=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation_id.choices = [("", _l("Choose…"))] + [
            (str(org_id), label) for org_id, label in owners
        ]


class StakeCorrectionForm(FlaskForm):
    """Correct a mistyped share or basis of one stake (not a change of share)."""

    share = StringField(_l("Ownership share (%)"), validators=[required(), max_length(20)],
                        render_kw={"inputmode": "decimal", "autocomplete": "off"})
    basis = StringField(_l("Basis of the share"), validators=[max_length(300)])


class StakeEndForm(FlaskForm):
    """An owner leaves: the last day its share is in force."""

    valid_to = DateField(_l("Last day in force"), validators=[_entered()],
                         invalid_value_message=DATE_MESSAGE)


class StrategyForm(FlaskForm):
    title = TranslatedField(_l("Title"), required=True, max_chars=300)
    text = TranslatedField(_l("Text"), multiline=True, max_chars=20000)
    from_year = StringField(_l("First year"), validators=[required(), max_length(4)],
                            render_kw={"inputmode": "numeric", "autocomplete": "off"})
    to_year = StringField(_l("Last year"), validators=[required(), max_length(4)],
                          render_kw={"inputmode": "numeric", "autocomplete": "off"})


class OwnershipSettingsForm(FlaskForm):
    decision_rule = RadioField(_l("Decision rule"), choices=[], validators=[required()])
    qualified_fraction = StringField(_l("Qualified majority (fraction of all shares)"),
                                     validators=[required(), max_length(20)],
                                     render_kw={"autocomplete": "off"})
    at_risk_gap = StringField(_l("At risk when behind the trajectory by more than (percentage points)"),
                              validators=[required(), max_length(10)],
                              render_kw={"inputmode": "decimal", "autocomplete": "off"})
    off_track_gap = StringField(_l("Off track when behind the trajectory by more than (percentage points)"),
                                validators=[required(), max_length(10)],
                                render_kw={"inputmode": "decimal", "autocomplete": "off"})

    def __init__(self, *args, rules=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.decision_rule.choices = list(rules)


class ThemeForm(FlaskForm):
    code = StringField(_l("Code"), validators=[required(), max_length(50)],
                       render_kw={"autocomplete": "off", "spellcheck": "false"})
    name = TranslatedField(_l("Name"), required=True, max_chars=200)
    position = StringField(_l("Position in the list"), validators=[Optional(), max_length(6),
                                                                    _whole_number],
                           render_kw={"inputmode": "numeric", "autocomplete": "off"})


class ThemeEditForm(FlaskForm):
    """Rename or reorder a theme; its code never changes."""

    name = TranslatedField(_l("Name"), required=True, max_chars=200)
    position = StringField(_l("Position in the list"), validators=[Optional(), max_length(6),
                                                                    _whole_number],
                           render_kw={"inputmode": "numeric", "autocomplete": "off"})


class ThemeArchiveForm(FlaskForm):
    """Archive (``archive=1``) or restore (``archive=0``) a theme."""

    archive = HiddenField(validators=[required()])


# --- end of register, strategies, themes and settings -------------------------------------------
