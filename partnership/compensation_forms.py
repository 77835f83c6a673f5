"""Forms of the compensation pages (:mod:`samverkan.partnership.views.compensation`). The forms
only carry the input; :mod:`samverkan.partnership.services.compensation_admin` and
:mod:`samverkan.partnership.services.enrolments` check it, and their field names are the forms'
field names, so an error lands on its field.

Shares are entered in percent (65 and 35) and stored as fractions (0.65 and 0.35)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, FieldList, Form, FormField, SelectField, StringField
from wtforms.validators import InputRequired, Optional

from samverkan.partnership.authorisation_forms import PROGRAMME_AREA_LABELS
from samverkan.partnership.services.authorisation import PROGRAMME_AREAS
from samverkan.platform.forms import TranslatedField, max_length, required

BASIS_LABELS = {"course_point": _l("Per course point"), "week": _l("Per week"),
                "student": _l("Per student")}
PART_LABELS = {"during_course": _l("During the course"), "on_grades": _l("On grades"),
               "forfeited": _l("Forfeited")}
PERIOD_LABELS = {"month": _l("Month"), "quarter": _l("Quarter"), "year": _l("Year"),
                 "range": _l("From – to")}
NUMBER = {"inputmode": "decimal", "autocomplete": "off"}


class ComponentForm(Form):
    """One price component (a row of the components table)."""

    course_type = StringField(_l("Course type"), validators=[max_length(50)],
                              render_kw={"autocomplete": "off", "spellcheck": "false"})
    basis = SelectField(_l("Basis"), choices=[], validate_choice=False)
    amount = StringField(_l("Amount"), render_kw=NUMBER)
    result_prices = StringField(_l("Result prices"), validators=[max_length(500)],
                                render_kw={"autocomplete": "off", "spellcheck": "false"})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.basis.choices = list(BASIS_LABELS.items())


class IndexationForm(Form):
    year = StringField(_l("Year"), render_kw={"inputmode": "numeric", "autocomplete": "off"})
    percent = StringField(_l("Percent"), render_kw=NUMBER)


class VersionForm(FlaskForm):
    valid_from = DateField(_l("Valid from"), validators=[Optional()])
    base_year = StringField(_l("Base year of the prices"), validators=[required()],
                            render_kw={"inputmode": "numeric", "autocomplete": "off"})
    during_course_share = StringField(_l("Paid during the course (percent)"),
                                      validators=[required()], render_kw=NUMBER)
    on_grades_share = StringField(_l("Paid on grades (percent)"), validators=[required()],
                                  render_kw=NUMBER)
    grade_deadline_days = StringField(_l("Deadline for grades (days after the course ends)"),
                                      render_kw={"inputmode": "numeric", "autocomplete": "off"})
    components = FieldList(FormField(ComponentForm), min_entries=0)
    indexation = FieldList(FormField(IndexationForm), min_entries=0)
    note = TranslatedField(_l("Note"), multiline=True, max_chars=2000)


for _area in PROGRAMME_AREAS:
    setattr(VersionForm, f"weight_{_area}", StringField(PROGRAMME_AREA_LABELS[_area],
                                                        render_kw=NUMBER))


class CopyForm(FlaskForm):
    valid_from = DateField(_l("Valid from"), validators=[InputRequired(
        _l("Enter the first day of validity."))])


class EnrolmentForm(FlaskForm):
    organisation_id = SelectField(_l("Provider"), choices=[], validators=[required()],
                                  validate_choice=False)
    student_ref = StringField(_l("Student reference"), validators=[required(), max_length(64)],
                              render_kw={"autocomplete": "off", "spellcheck": "false"})
    course_type = SelectField(_l("Course type"), choices=[], validators=[required()],
                              validate_choice=False)
    course_code = StringField(_l("Course code"), validators=[max_length(50)],
                              render_kw={"autocomplete": "off", "spellcheck": "false"})
    course_name = StringField(_l("Course name"), validators=[max_length(200)])
    programme_area = SelectField(_l("Programme area"), choices=[], validate_choice=False)
    starts_on = DateField(_l("Starts on"), validators=[InputRequired(_l("Enter a date."))])
    ends_on = DateField(_l("Ends on"), validators=[InputRequired(_l("Enter a date."))])
    course_points = StringField(_l("Course points"), render_kw=NUMBER)
    weeks = StringField(_l("Weeks"), render_kw=NUMBER)
    category = StringField(_l("Category"), validators=[max_length(50)],
                           render_kw={"autocomplete": "off", "spellcheck": "false"})

    def __init__(self, *args, providers=(), course_types=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation_id.choices = [("", _l("Choose…"))] + [
            (str(oid), label) for oid, label in providers]
        self.course_type.choices = [("", _l("Choose…"))] + [(t, t) for t in course_types]
        self.programme_area.choices = [("", _l("No programme area"))] + list(
            PROGRAMME_AREA_LABELS.items())


class GradesForm(FlaskForm):
    completed = BooleanField(_l("The student completed the course"))
    grades_reported_on = DateField(_l("Grades reported on"), validators=[Optional()])


class ImportForm(FlaskForm):
    organisation_id = SelectField(_l("Provider"), choices=[], validate_choice=False)
    file = FileField(_l("File"), validators=[FileRequired(_l("Choose a CSV or XLSX file."))])

    def __init__(self, *args, providers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation_id.choices = [("", _l("Named in the file (business_id)"))] + [
            (str(oid), label) for oid, label in providers]
