"""Forms and labels of the steering-goal pages: a goal, a change of its status, a progress
report. Values are checked by the services (:mod:`samverkan.ownership.services`); these forms
only carry them, so the field names are the services' field names (errors land on the field)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from samverkan.ownership.models import Direction, GoalStatus, ProgressStatus
from samverkan.platform.forms import TranslatedField, max_length, required

GOAL_STATUS_LABELS = {
    GoalStatus.DRAFT.value: _l("Draft"),
    GoalStatus.PROPOSED.value: _l("Proposed"),
    GoalStatus.ADOPTED.value: _l("Adopted"),
    GoalStatus.ACHIEVED.value: _l("Achieved"),
    GoalStatus.NOT_ACHIEVED.value: _l("Not achieved"),
    GoalStatus.WITHDRAWN.value: _l("Withdrawn"),
}

# Badge classes: the label always says the status too (never colour alone).
GOAL_STATUS_BADGES = {
    GoalStatus.DRAFT.value: "",
    GoalStatus.PROPOSED.value: "badge-warning",
    GoalStatus.ADOPTED.value: "badge-ok",
    GoalStatus.ACHIEVED.value: "badge-ok",
    GoalStatus.NOT_ACHIEVED.value: "badge-error",
    GoalStatus.WITHDRAWN.value: "",
}

PROGRESS_STATUS_LABELS = {
    ProgressStatus.ON_TRACK.value: _l("On track"),
    ProgressStatus.AT_RISK.value: _l("At risk"),
    ProgressStatus.OFF_TRACK.value: _l("Off track"),
}

PROGRESS_STATUS_BADGES = {
    ProgressStatus.ON_TRACK.value: "badge-ok",
    ProgressStatus.AT_RISK.value: "badge-warning",
    ProgressStatus.OFF_TRACK.value: "badge-error",
}

DIRECTION_LABELS = {
    Direction.HIGHER.value: _l("Higher is better"),
    Direction.LOWER.value: _l("Lower is better"),
}

# The button of each change of status, by the status it leads to.
TRANSITION_LABELS = {
    GoalStatus.PROPOSED.value: _l("Propose for decision"),
    GoalStatus.DRAFT.value: _l("Take back to draft"),
    GoalStatus.WITHDRAWN.value: _l("Withdraw"),
    GoalStatus.ACHIEVED.value: _l("Mark as achieved"),
    GoalStatus.NOT_ACHIEVED.value: _l("Mark as not achieved"),
}

# Changes that ask for confirmation first (they close the goal).
CONFIRMED_TRANSITIONS = {GoalStatus.WITHDRAWN.value, GoalStatus.ACHIEVED.value,
                         GoalStatus.NOT_ACHIEVED.value}


def _date_input() -> dict:
    return {"type": "date"}


class GoalForm(FlaskForm):
    title = TranslatedField(_l("Title"), required=True, max_chars=300)
    description = TranslatedField(_l("Description"), multiline=True, max_chars=10000)
    strategy_id = SelectField(_l("Owner strategy"), choices=[], validate_choice=False,
                              validators=[required()])
    theme_id = SelectField(_l("Theme"), choices=[], validate_choice=False, validators=[required()])
    proposer_organisation_id = SelectField(_l("Proposing owner"), choices=[], validate_choice=False)
    unit = StringField(_l("Unit of the measure"), validators=[required(), max_length(50)])
    direction = SelectField(_l("Direction"), choices=[], validate_choice=False,
                            validators=[required()])
    baseline_value = StringField(_l("Baseline value"), validators=[required()],
                                 render_kw={"inputmode": "decimal"})
    baseline_year = StringField(_l("Baseline year"), validators=[required()],
                                render_kw={"inputmode": "numeric"})
    target_value = StringField(_l("Target value"), validators=[required()],
                               render_kw={"inputmode": "decimal"})
    target_date = StringField(_l("Target date"), validators=[required()], render_kw=_date_input())
    milestones = TextAreaField(_l("Yearly milestones"), validators=[Optional()],
                               render_kw={"rows": 4})

    def __init__(self, *args, strategies=(), themes=(), proposers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.strategy_id.choices = [("", _l("Choose…"))] + list(strategies)
        self.theme_id.choices = [("", _l("Choose…"))] + list(themes)
        self.proposer_organisation_id.choices = [("", _l("Choose…"))] + list(proposers)
        self.direction.choices = [("", _l("Choose…"))] + list(DIRECTION_LABELS.items())

    def freeze_choices(self) -> None:
        """An adopted goal's strategy, theme and direction are frozen: not asked for."""
        for field in (self.strategy_id, self.theme_id, self.direction):
            field.validators = [Optional()]
            field.flags.required = False

    def milestone_pairs(self) -> list[tuple[str, str]] | None:
        """``2026: 70`` a line into ``[("2026", "70")]``; adds a field error and returns None
        when a line cannot be read."""
        pairs = []
        for line in (self.milestones.data or "").splitlines():
            line = line.strip()
            if not line:
                continue
            year, separator, value = line.partition(":")
            if not separator or not year.strip() or not value.strip():
                self.milestones.errors = [*self.milestones.errors, _l(
                    "Write one milestone a line as year: value, e.g. 2026: 70.")]
                return None
            pairs.append((year.strip(), value.strip()))
        return pairs


def milestones_text(goal) -> str:
    return "\n".join(f"{m.year}: {format(m.value.normalize(), 'f')}" for m in goal.milestones)


class TransitionForm(FlaskForm):
    to = HiddenField()
    confirmed = HiddenField()
    note = TextAreaField(_l("Note"), validators=[max_length(2000)], render_kw={"rows": 3})


class ProgressForm(FlaskForm):
    period_label = StringField(_l("Reporting period"), validators=[required(), max_length(50)])
    period_date = StringField(_l("Date the value refers to"), validators=[required()],
                              render_kw=_date_input())
    value = StringField(_l("Value"), validators=[required()], render_kw={"inputmode": "decimal"})
    narrative = TranslatedField(_l("Narrative"), multiline=True, max_chars=10000)
