"""Forms of the quality dialogue and guidance pages (:mod:`samverkan.partnership.views.dialogues`).
The forms only carry the input; the services (:mod:`samverkan.partnership.services.dialogues`,
:mod:`samverkan.partnership.services.guidance`) check it, and their field names are the forms'
field names, so an error lands on its field."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Optional

from samverkan.partnership.services.follow_up import OWNER_PARTIES
from samverkan.partnership.services.guidance import THEME_LABELS, TONE_LABELS
from samverkan.platform.forms import TranslatedField, max_length, required

OWNER_PARTY_LABELS = {"purchaser": _l("The purchaser"), "provider": _l("The provider")}


def _provider_choices(providers) -> list:
    return [("", _l("Choose…"))] + [(str(oid), label) for oid, label in providers]


class AgendaItemForm(FlaskForm):
    text = TranslatedField(_l("Agenda item"), required=True, max_chars=500)


class ScheduleForm(FlaskForm):
    organisation_id = SelectField(_l("Provider"), choices=[], validators=[required()],
                                  validate_choice=False)
    scheduled_on = DateField(_l("Date of the dialogue"), validators=[Optional()])

    def __init__(self, *args, providers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation_id.choices = _provider_choices(providers)


class AgendaForm(FlaskForm):
    scheduled_on = DateField(_l("Date of the dialogue"), validators=[Optional()])
    agenda = TranslatedField(_l("Agenda"), required=True, multiline=True, max_chars=10000)


class MinutesForm(FlaskForm):
    held_on = DateField(_l("Held on"), validators=[Optional()])
    minutes = TranslatedField(_l("Minutes"), required=True, multiline=True, max_chars=20000)


class CancelForm(FlaskForm):
    reason = TextAreaField(_l("Reason (optional)"), validators=[max_length(2000)])
    confirm = BooleanField(_l("I want to cancel this dialogue"),
                           validators=[InputRequired(_l("Confirm the cancellation."))])


class ActionForm(FlaskForm):
    description = TextAreaField(_l("Action agreed"), validators=[required(), max_length(2000)])
    owner = StringField(_l("Responsible person"), validators=[required(), max_length(200)])
    owner_party = SelectField(_l("Responsible party"), choices=[], validators=[required()],
                              validate_choice=False)
    due_on = DateField(_l("Due on"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.owner_party.choices = [(party, OWNER_PARTY_LABELS[party]) for party in OWNER_PARTIES]


class CloseActionForm(FlaskForm):
    closing_note = TextAreaField(_l("What was done"), validators=[required(), max_length(2000)])
    closed_on = DateField(_l("Closed on"), validators=[Optional()])


class ObservationForm(FlaskForm):
    organisation_id = SelectField(_l("Provider"), choices=[], validators=[required()],
                                  validate_choice=False)
    observed_on = DateField(_l("Date"), validators=[Optional()])
    theme = SelectField(_l("Theme"), choices=[], validators=[required()], validate_choice=False)
    tone = SelectField(_l("Tone"), choices=[], validators=[required()], validate_choice=False)
    text = TextAreaField(_l("What students say"), validators=[required(), max_length(4000)])

    def __init__(self, *args, providers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation_id.choices = _provider_choices(providers)
        self.theme.choices = [("", _l("Choose…"))] + [(str(k), v) for k, v in THEME_LABELS.items()]
        self.tone.choices = [("", _l("Choose…"))] + [(str(k), v) for k, v in TONE_LABELS.items()]
