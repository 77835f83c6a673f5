"""Forms and labels of the outcome report pages and file imports. The values of a report are
one input per indicator (``value-<indicator id>``, ``comment-<indicator id>-<locale>``), read
by :func:`entered_values`; the services check them (:mod:`samverkan.partnership.services.reports`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, RadioField, SelectField, TextAreaField

from samverkan.partnership.models import ReportStatus, Unit
from samverkan.platform.forms import max_length, required

# Where a report of a provider and period stands on the list; "not_started" and "late" are
# computed (no report yet, or a deadline passed without a submission).
NOT_STARTED = "not_started"
LATE = "late"
DUE_STATUS_LABELS = {
    NOT_STARTED: _l("Not started"),
    ReportStatus.DRAFT.value: _l("Draft"),
    ReportStatus.SUBMITTED.value: _l("Submitted"),
    ReportStatus.RETURNED.value: _l("Returned"),
    ReportStatus.ACCEPTED.value: _l("Accepted"),
    LATE: _l("Late"),
}
# Badge classes: the label always says the status too (never colour alone).
DUE_STATUS_BADGES = {
    NOT_STARTED: "", ReportStatus.DRAFT.value: "badge-warning",
    ReportStatus.SUBMITTED.value: "", ReportStatus.RETURNED.value: "badge-warning",
    ReportStatus.ACCEPTED.value: "badge-ok", LATE: "badge-error",
}
REPORT_STATUS_LABELS = {key: DUE_STATUS_LABELS[key] for key in ReportStatus}

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
    Unit.SCORE.value: _l("A number; decimals with a comma or a point."),
}
TARGET_STATUS_LABELS = {"met": _l("Met"), "near": _l("Near"), "missed": _l("Missed")}
TARGET_STATUS_BADGES = {"met": "badge-ok", "near": "badge-warning", "missed": "badge-error"}


def unit_hint(unit: str, currency: str) -> str:
    return str(UNIT_HINTS.get(unit, "")).replace("%(currency)s", currency)


@dataclass
class Entry:
    """One indicator's input on the report form, as entered (kept on the form after an error)."""

    indicator_id: int
    value: str = ""
    comment: dict = field(default_factory=dict)

    def as_value(self) -> dict:
        return {"value": self.value.strip() or None, "comment": self.comment}


def entered_values(formdata, indicators, locales) -> dict[int, Entry]:
    """The inputs of every indicator from the submitted form data."""
    entries = {}
    for indicator in indicators:
        entries[indicator.id] = Entry(
            indicator.id, (formdata.get(f"value-{indicator.id}") or "")[:100],
            {loc: text.strip() for loc in locales
             if (text := formdata.get(f"comment-{indicator.id}-{loc}") or "").strip()})
    return entries


class ReportForm(FlaskForm):
    """The report's values come from :func:`entered_values`, the button pressed from
    ``action`` (save or submit); this carries the version read."""

    lock_version = HiddenField()


class ReviewForm(FlaskForm):
    """Per-value comments are named ``review-<indicator id>``; the note is about the report."""

    lock_version = HiddenField()
    decision = RadioField(_l("Decision"), choices=[], validators=[required()])
    note = TextAreaField(_l("Note on the whole report"), validators=[max_length(5000)],
                         render_kw={"rows": 3})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.decision.choices = [("accept", _l("Accept the report")),
                                 ("return", _l("Return to the provider"))]


class CorrectForm(FlaskForm):
    lock_version = HiddenField()


class OpenForm(FlaskForm):
    agreement = HiddenField(validators=[required()])
    period = HiddenField(validators=[required()])
    organisation = HiddenField()


class ImportForm(FlaskForm):
    organisation_id = SelectField(_l("Provider"), choices=[], validate_choice=False,
                                  validators=[required()])
    period_id = SelectField(_l("Reporting period"), choices=[], validate_choice=False,
                            validators=[required()])
    file = FileField(_l("File (CSV or XLSX)"))

    def __init__(self, *args, organisations=(), periods=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation_id.choices = list(organisations)
        self.period_id.choices = [("", _l("Choose…"))] + list(periods)
