"""Forms and labels of the association project pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField
from wtforms.validators import InputRequired, Optional

from samverkan.platform.forms import TranslatedField, max_length, required
from samverkan.tenants.project_models import MilestoneStatus, ParticipantStatus, ProjectStatus
from samverkan.tenants.services.projects import CURRENCIES, STATUS_CHANGES

PROJECT_STATUS_LABELS = {
    ProjectStatus.PLANNING.value: _l("Planning"),
    ProjectStatus.RUNNING.value: _l("Running"),
    ProjectStatus.CLOSED.value: _l("Closed"),
}
MILESTONE_STATUS_LABELS = {
    MilestoneStatus.PLANNED.value: _l("Planned"),
    MilestoneStatus.IN_PROGRESS.value: _l("In progress"),
    MilestoneStatus.DONE.value: _l("Done"),
}
PARTICIPANT_STATUS_LABELS = {
    ParticipantStatus.INVITED.value: _l("Invited"),
    ParticipantStatus.REQUESTED.value: _l("Asks to join"),
    ParticipantStatus.ACTIVE.value: _l("Takes part"),
    ParticipantStatus.DECLINED.value: _l("Declined"),
    ParticipantStatus.LEFT.value: _l("Left"),
}
CURRENCY_LABELS = {"EUR": _l("Euro (EUR)"), "SEK": _l("Swedish krona (SEK)")}
DATE_MESSAGE = _l("Enter a date as year-month-day, e.g. 2026-01-31.")


def _date(label, *, optional: bool = False) -> DateField:
    # InputRequired, not DataRequired: a date that does not parse keeps its own message.
    validator = Optional() if optional else InputRequired(message=_l("This field is required."))
    return DateField(label, validators=[validator], invalid_value_message=DATE_MESSAGE)


class ProjectForm(FlaskForm):
    code = StringField(_l("Code"), validators=[required(), max_length(50)])
    name = TranslatedField(_l("Name"), required=True, max_chars=300)
    description = TranslatedField(_l("Description"), multiline=True, max_chars=20000)
    starts_on = _date(_l("Starts on"))
    ends_on = _date(_l("Ends on"), optional=True)
    status = SelectField(_l("Status"), choices=[], validate_choice=True)
    min_group_size = IntegerField(
        _l("Minimum group size"), validators=[InputRequired(message=_l("This field is required."))],
        default=3)

    def __init__(self, *args, current_status: str = ProjectStatus.PLANNING.value, **kwargs):
        super().__init__(*args, **kwargs)
        statuses = [current_status, *sorted(STATUS_CHANGES[ProjectStatus(current_status)])]
        self.status.choices = [(code, PROJECT_STATUS_LABELS[code]) for code in statuses]
        if self.status.data is None:
            self.status.data = current_status


class FundingForm(FlaskForm):
    source = TranslatedField(_l("Source"), required=True, max_chars=200)
    amount = StringField(_l("Amount"), validators=[required(), max_length(30)])
    currency = SelectField(_l("Currency"), choices=[], validate_choice=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.currency.choices = [(code, CURRENCY_LABELS[code]) for code in CURRENCIES]


class MilestoneForm(FlaskForm):
    title = TranslatedField(_l("Title"), required=True, max_chars=300)
    due_date = _date(_l("Due date"))
    status = SelectField(_l("Status"), choices=[], validate_choice=True,
                         default=MilestoneStatus.PLANNED.value)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = list(MILESTONE_STATUS_LABELS.items())


class EventForm(FlaskForm):
    event_date = _date(_l("Date"))
    title = TranslatedField(_l("Title"), required=True, max_chars=300)
    place = StringField(_l("Place"), validators=[max_length(200)])
    link = StringField(_l("Link"), validators=[max_length(500)])


class InviteForm(FlaskForm):
    participant_tenant_id = SelectField(_l("Organisation to invite"), choices=[],
                                        validators=[required()], validate_choice=False)

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.participant_tenant_id.choices = [("", _l("Choose…"))] + [
            (str(tenant_id), label) for tenant_id, label in candidates]
