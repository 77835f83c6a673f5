"""Forms of the spot-check and follow-up action pages (:mod:`samverkan.partnership.views.
spot_checks`). The forms carry the input; :mod:`samverkan.partnership.services.
spot_check_service` and :mod:`samverkan.partnership.services.follow_up` check it, and their
field names are the forms' field names, so an error lands on its field."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Optional

from samverkan.platform.forms import max_length, required

POPULATION_LABELS = {"enrolments": _l("Student records"), "invoice_lines": _l("Invoice lines")}
SPOT_CHECK_STATUS_LABELS = {"open": _l("Open"), "closed": _l("Closed")}
ITEM_STATUS_LABELS = {"pending": _l("Not assessed"), "no_remark": _l("No remark"),
                      "finding": _l("Finding")}
OWNER_PARTY_LABELS = {"purchaser": _l("Purchaser"), "provider": _l("Provider")}
ACTION_STATE_LABELS = {"open": _l("Open"), "overdue": _l("Overdue"), "closed": _l("Closed")}
SOURCE_LABELS = {"spot_check": _l("Spot check"), "dialogue": _l("Quality dialogue")}
SIZE_LABELS = {"count": _l("A number of items"), "percent": _l("A percentage")}


class DrawForm(FlaskForm):
    organisation_id = SelectField(_l("Provider"), choices=[], validators=[required()],
                                  validate_choice=False)
    population_kind = SelectField(_l("Population"), choices=[], validators=[required()],
                                  validate_choice=False)
    period_start = DateField(_l("Period from"), validators=[InputRequired(_l("Enter a date."))])
    period_end = DateField(_l("Period to"), validators=[InputRequired(_l("Enter a date."))])
    size_kind = SelectField(_l("Sample size as"), choices=[], validators=[required()],
                            validate_choice=False)
    sample_count = StringField(_l("Number of items"), validators=[max_length(10)],
                               render_kw={"inputmode": "numeric"})
    sample_percent = StringField(_l("Percentage"), validators=[max_length(10)],
                                 render_kw={"inputmode": "decimal"})
    seed = StringField(_l("Seed (optional)"), validators=[max_length(64)],
                       render_kw={"autocomplete": "off", "spellcheck": "false"})
    note = TextAreaField(_l("Note"), validators=[max_length(2000)])

    def __init__(self, *args, providers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation_id.choices = [("", _l("Choose…"))] + [
            (str(oid), label) for oid, label in providers]
        self.population_kind.choices = list(POPULATION_LABELS.items())
        self.size_kind.choices = list(SIZE_LABELS.items())


class AssessItemForm(FlaskForm):
    item_id = HiddenField()
    status = SelectField(_l("Assessment"), choices=[], validators=[required()],
                         validate_choice=False)
    finding = TextAreaField(_l("Finding"), validators=[max_length(4000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = list(ITEM_STATUS_LABELS.items())


class ActionForm(FlaskForm):
    description = TextAreaField(_l("Corrective action"), validators=[required(), max_length(2000)])
    owner = StringField(_l("Responsible person"), validators=[required(), max_length(200)])
    owner_party = SelectField(_l("Responsible party"), choices=[], validators=[required()],
                              validate_choice=False)
    due_on = DateField(_l("Due date"), validators=[InputRequired(_l("Enter a date."))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.owner_party.choices = list(OWNER_PARTY_LABELS.items())


class CloseActionForm(FlaskForm):
    closing_note = TextAreaField(_l("What was done"), validators=[required(), max_length(2000)])
    closed_on = DateField(_l("Closed on"), validators=[Optional()])


class CloseSpotCheckForm(FlaskForm):
    confirm = BooleanField(_l("Every sampled item is assessed; close the spot check"),
                           validators=[InputRequired(_l("Confirm closing."))])


class ReopenActionForm(FlaskForm):
    confirm = BooleanField(_l("Reopen this action"),
                           validators=[InputRequired(_l("Confirm reopening."))])
