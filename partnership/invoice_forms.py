"""Forms of the invoice pages (:mod:`samverkan.partnership.views.invoices`). They only carry
the input; :mod:`samverkan.partnership.services.invoices` checks it and names the fields as the
forms do (a line's field ``lines.<n>.<name>`` is the entry ``lines-<n>-<name>`` here)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Optional

from samverkan.platform.forms import max_length, required

STATUS_LABELS = {"received": _l("Received"), "approved": _l("Approved"),
                 "disputed": _l("Disputed")}
PART_LABELS = {"during_course": _l("During the course"), "on_grades": _l("On grades")}
CHECK_LABELS = {
    "matches": _l("Matches"),
    "amount_differs": _l("Amount differs"),
    "not_computed": _l("Not computed"),
    "duplicate": _l("Duplicate"),
    "not_invoiced": _l("Not invoiced"),
    "unknown": _l("Not reconciled"),
}
EMPTY_LINES = 5  # empty line rows on a new invoice, and added by "Add more lines"


class LineForm(Form):
    """One line of an invoice; a row with nothing entered is ignored."""

    student_ref = StringField(_l("Student reference"))
    course_type = StringField(_l("Course type"))
    part = SelectField(_l("Payment part"), choices=[], validate_choice=False)
    amount = StringField(_l("Amount"))
    text = StringField(_l("Text"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.part.choices = [("", _l("Choose…"))] + list(PART_LABELS.items())

    def is_empty(self) -> bool:
        return not any((field.data or "").strip() for field in (
            self.student_ref, self.course_type, self.amount, self.text))


class InvoiceForm(FlaskForm):
    """An invoice and its lines; ``action`` ``more`` adds empty rows instead of saving."""

    organisation_id = SelectField(_l("Provider"), choices=[], validate_choice=False)
    number = StringField(_l("Invoice number"), validators=[required(), max_length(50)],
                         render_kw={"autocomplete": "off"})
    period_start = DateField(_l("Period from"), validators=[Optional()])
    period_end = DateField(_l("Period to"), validators=[Optional()])
    received_on = DateField(_l("Received on"), validators=[Optional()])
    lines = FieldList(FormField(LineForm), min_entries=0)

    def __init__(self, *args, providers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation_id.choices = [("", _l("Choose…"))] + [
            (str(oid), label) for oid, label in providers]


class ReviewForm(FlaskForm):
    """Approve or dispute (``decision``); approving with differences needs
    ``confirm_differences``, a dispute a comment."""

    decision = SelectField(_l("Decision"), choices=[], validators=[required()],
                           validate_choice=False)
    comment = TextAreaField(_l("Comment"), validators=[max_length(2000)])
    confirm_differences = BooleanField(
        _l("I have checked the differences and approve the invoice all the same"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.decision.choices = [("", _l("Choose…")), ("approve", _l("Approve")),
                                 ("dispute", _l("Dispute"))]


class ImportForm(FlaskForm):
    organisation_id = SelectField(_l("Provider"), choices=[], validate_choice=False)
    received_on = DateField(_l("Received on"), validators=[Optional()])
    file = FileField(_l("File"))

    def __init__(self, *args, providers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation_id.choices = [("", _l("Choose…"))] + [
            (str(oid), label) for oid, label in providers]
