"""Forms and labels of the owners' meeting pages: a meeting, an agenda item, a vote."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, SelectField
from wtforms.validators import InputRequired

from samverkan.ownership.models import (
    DecisionRule,
    GoalStatus,
    ItemOutcome,
    MeetingStatus,
    VoteChoice,
)
from samverkan.platform.forms import TranslatedField, required

MEETING_STATUS_LABELS = {
    MeetingStatus.PLANNED.value: _l("Planned"),
    MeetingStatus.HELD.value: _l("Held"),
    MeetingStatus.CLOSED.value: _l("Closed"),
}
OUTCOME_LABELS = {
    ItemOutcome.PENDING.value: _l("Awaiting decision"),
    ItemOutcome.ADOPTED.value: _l("Adopted"),
    ItemOutcome.REJECTED.value: _l("Rejected"),
}
CHOICE_LABELS = {
    VoteChoice.YES.value: _l("Yes"),
    VoteChoice.NO.value: _l("No"),
    VoteChoice.ABSTAIN.value: _l("Abstain"),
    "absent": _l("Absent"),
    "not_voted": _l("Not yet voted"),
}
GOAL_STATUS_LABELS = {
    GoalStatus.DRAFT.value: _l("Draft"),
    GoalStatus.PROPOSED.value: _l("Proposed"),
    GoalStatus.ADOPTED.value: _l("Adopted"),
    GoalStatus.ACHIEVED.value: _l("Achieved"),
    GoalStatus.NOT_ACHIEVED.value: _l("Not achieved"),
    GoalStatus.WITHDRAWN.value: _l("Withdrawn"),
}
RULE_LABELS = {
    DecisionRule.MAJORITY_REPRESENTED.value: _l("Majority of the shares represented"),
    DecisionRule.QUALIFIED_ALL.value: _l("Qualified majority of all shares"),
}
DIRECTION_LABELS = {"higher": _l("higher is better"), "lower": _l("lower is better")}
# The next status a meeting may take (planned -> held -> closed).
NEXT_STATUS = {MeetingStatus.PLANNED.value: MeetingStatus.HELD.value,
               MeetingStatus.HELD.value: MeetingStatus.CLOSED.value}


class MeetingForm(FlaskForm):
    # InputRequired, not DataRequired: a date that does not parse keeps its own message.
    meeting_date = DateField(_l("Date of the meeting"),
                             validators=[InputRequired(message=_l("This field is required."))],
                             invalid_value_message=_l("Enter a date as year-month-day, e.g. 2026-01-31."))
    agenda = TranslatedField(_l("Agenda"), multiline=True, max_chars=20000)
    minutes = TranslatedField(_l("Minutes"), multiline=True, max_chars=50000)
    status = SelectField(_l("Status"), choices=[], validate_choice=True)

    def __init__(self, *args, current_status: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if current_status is None:  # a new meeting is planned
            del self.status
            return
        statuses = [current_status]
        if current_status in NEXT_STATUS:
            statuses.append(NEXT_STATUS[current_status])
        self.status.choices = [(code, MEETING_STATUS_LABELS[code]) for code in statuses]
        if self.status.data is None:
            self.status.data = current_status


class AgendaItemForm(FlaskForm):
    goal_id = SelectField(_l("Proposed goal"), choices=[], validators=[required()],
                          validate_choice=False)

    def __init__(self, *args, goals=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.goal_id.choices = [("", _l("Choose…"))] + [(str(goal_id), label) for goal_id, label in goals]


class VoteForm(FlaskForm):
    choice = RadioField(_l("Vote"), choices=[], validators=[required()], validate_choice=False)

    def __init__(self, *args, owner_name: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.choice.choices = [(choice.value, CHOICE_LABELS[choice.value]) for choice in VoteChoice]
        if owner_name:
            self.choice.label.text = _l("Vote of %(owner)s", owner=owner_name)
