"""Forms of the authorisation pages (:mod:`samverkan.partnership.views.authorisation`). The
forms only carry the input; :mod:`samverkan.partnership.services.authorisation` checks it, and
its field names are the forms' field names, so an error lands on its field.

Programme areas: a fixed list of Swedish adult-education programme areas for now (a per-tenant
list is not modelled yet); the codes are ``PROGRAMME_AREAS`` of the service, which checks them."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Optional

from samverkan.platform.forms import MultiCheckboxField, TranslatedField, max_length, required

PROGRAMME_AREA_LABELS = {
    "health_social_care": _l("Health and social care"),
    "construction": _l("Construction"),
    "industry": _l("Industry"),
    "transport": _l("Transport"),
    "restaurant": _l("Restaurant and food"),
    "childcare": _l("Childcare and recreation"),
    "trade": _l("Trade and administration"),
    "it": _l("Information technology"),
    "sfi": _l("Swedish for immigrants (SFI)"),
    "general_subjects": _l("General subjects"),
}

STATUS_LABELS = {"draft": _l("Draft"), "submitted": _l("Submitted"), "approved": _l("Approved"),
                 "rejected": _l("Rejected"), "revoked": _l("Revoked")}
SANCTION_LEVEL_LABELS = {"remark": _l("Remark"), "warning": _l("Warning"),
                         "revocation": _l("Revocation")}
RECHECK_OUTCOME_LABELS = {"ok": _l("No remarks"), "remark": _l("Remark")}
# "Met" of a criterion, not of a target (Swedish: uppfyllt, not uppnått).
ASSESSMENT_LABELS = {"pending": _l("Not assessed"), "met": lazy_pgettext("criterion", "Met"),
                     "not_met": _l("Not met")}


class CriterionForm(FlaskForm):
    code = StringField(_l("Code"), validators=[required(), max_length(50)],
                       render_kw={"autocomplete": "off", "spellcheck": "false"})
    text = TranslatedField(_l("Criterion"), required=True, multiline=True, max_chars=2000)
    evidence = TranslatedField(_l("Required evidence"), multiline=True, max_chars=2000)


class NewApplicationForm(FlaskForm):
    organisation_id = SelectField(_l("Provider"), choices=[], validators=[required()],
                                  validate_choice=False)

    def __init__(self, *args, providers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation_id.choices = [("", _l("Choose…"))] + [
            (str(oid), label) for oid, label in providers]


class AnswersForm(FlaskForm):
    """The answers are the inputs ``answer_<criterion id>``, read by the view; ``action`` is
    ``save`` or ``submit``."""

    action = HiddenField(default="save")


class AssessForm(FlaskForm):
    answer_id = HiddenField()
    assessment = SelectField(_l("Assessment"), choices=[], validators=[required()],
                             validate_choice=False)
    comment = TextAreaField(_l("Comment"), validators=[max_length(2000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.assessment.choices = list(ASSESSMENT_LABELS.items())


class ApproveForm(FlaskForm):
    programme_areas = MultiCheckboxField(_l("Programme areas"), choices=[], coerce=str,
                                         validate_choice=False)
    valid_from = DateField(_l("Valid from"), validators=[Optional()])
    valid_to = DateField(_l("Valid to"), validators=[Optional()])
    confirm = BooleanField(_l("I have checked the assessment and approve the application"),
                           validators=[InputRequired(_l("Confirm the decision."))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.programme_areas.choices = list(PROGRAMME_AREA_LABELS.items())


class RejectForm(FlaskForm):
    decision_reasons = TranslatedField(_l("Reasons"), required=True, multiline=True,
                                       max_chars=2000)
    confirm = BooleanField(_l("I have checked the assessment and reject the application"),
                           validators=[InputRequired(_l("Confirm the decision."))])


class SanctionForm(FlaskForm):
    """A step of the sanctions ladder; a revocation also needs ``confirm_revocation``, which
    the view checks."""

    level = SelectField(_l("Level"), choices=[], validators=[required()], validate_choice=False)
    decided_on = DateField(_l("Decided on"), validators=[Optional()])
    reason = TranslatedField(_l("Reason"), required=True, multiline=True, max_chars=2000)
    confirm = BooleanField(_l("I have checked the grounds and decide this sanction"),
                           validators=[InputRequired(_l("Confirm the decision."))])
    confirm_revocation = BooleanField(
        _l("I understand that a revocation ends the authorisation and removes the provider "
           "from the register"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.level.choices = [("", _l("Choose…"))] + list(SANCTION_LEVEL_LABELS.items())


class RecheckForm(FlaskForm):
    checked_on = DateField(_l("Checked on"), validators=[Optional()])
    outcome = SelectField(_l("Outcome"), choices=[], validators=[required()],
                          validate_choice=False)
    comment = TextAreaField(_l("Comment"), validators=[max_length(2000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.outcome.choices = list(RECHECK_OUTCOME_LABELS.items())


class AttachmentForm(FlaskForm):
    """A file attached to one answer (``answer_id``) of a draft application."""

    answer_id = HiddenField()
    file = FileField(_l("File"), validators=[FileRequired(message=_l("Choose a file to upload."))])
