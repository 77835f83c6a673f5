"""Forms and labels of the training order pages
(:mod:`samverkan.partnership.views.training_orders`). The forms only carry the input;
:mod:`samverkan.partnership.services.training_orders` checks it, and its field names are the
forms' field names, so an error lands on its field."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Optional

from samverkan.partnership.authorisation_forms import PROGRAMME_AREA_LABELS
from samverkan.platform.forms import TranslatedField, max_length, required

ORDER_STATUS_LABELS = {
    "draft": lazy_pgettext("training order", "Draft"),
    "sent": lazy_pgettext("training order", "Sent to providers"),
    "chosen": lazy_pgettext("training order", "Offer chosen"),
    "started": lazy_pgettext("training order", "Started"),
    "cancelled": lazy_pgettext("training order", "Cancelled"),
}
OFFER_STATUS_LABELS = {
    "submitted": lazy_pgettext("offer", "Submitted"),
    "withdrawn": lazy_pgettext("offer", "Withdrawn"),
    "chosen": lazy_pgettext("offer", "Chosen"),
    "declined": lazy_pgettext("offer", "Not chosen"),
}
LEAD_TIME_LABELS = {
    "faster": _l("Faster than the goal"),
    "within": _l("Within the goal"),
    "slower": _l("Slower than the goal"),
}
BUCKET_LABELS = {
    "under_4": _l("Under 4 weeks"),
    "4_to_6": _l("4–6 weeks"),
    "6_to_8": _l("6–8 weeks"),
    "over_8": _l("Over 8 weeks"),
}
SORT_LABELS = {
    "need_registered_on": _l("Need registered"),
    "wanted_start_on": _l("Wanted start"),
    "competence": _l("Competence"),
    "status": _l("Status"),
}


class OrderForm(FlaskForm):
    employer_id = SelectField(_l("Employer"), choices=[], validators=[required()],
                              validate_choice=False)
    competence = StringField(_l("Competence wanted"), validators=[required(), max_length(200)])
    programme_area = SelectField(_l("Programme area"), choices=[], validators=[required()],
                                 validate_choice=False)
    people = IntegerField(_l("Number of people"), validators=[
        InputRequired(_l("Enter the number of people."))])
    place = StringField(_l("Place"), validators=[max_length(200)])
    wanted_start_on = DateField(_l("Wanted start"), validators=[Optional()])
    need_registered_on = DateField(_l("Need registered on"), validators=[Optional()])
    specification = TranslatedField(_l("Specification"), required=True, multiline=True,
                                    max_chars=10000)

    def __init__(self, *args, employers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.employer_id.choices = [("", _l("Choose…"))] + [
            (str(oid), label) for oid, label in employers]
        self.programme_area.choices = [("", _l("Choose…"))] + list(PROGRAMME_AREA_LABELS.items())


class SendForm(FlaskForm):
    answer_by = DateField(_l("Answer by"), validators=[Optional()])
    confirm = BooleanField(_l("I have checked the specification and send it to the providers"),
                           validators=[InputRequired(_l("Confirm the sending."))])


class OfferForm(FlaskForm):
    organisation_id = SelectField(_l("Provider"), choices=[], validators=[required()],
                                  validate_choice=False)
    planned_start_on = DateField(_l("Planned start"), validators=[Optional()])
    places = IntegerField(_l("Number of places"), validators=[
        InputRequired(_l("Enter the number of places."))])
    price = StringField(_l("Price"), validators=[required(), max_length(30)],
                        render_kw={"inputmode": "decimal", "autocomplete": "off"})
    description = TextAreaField(_l("Description"), validators=[max_length(5000)])

    def __init__(self, *args, providers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation_id.choices = [("", _l("Choose…"))] + [
            (str(oid), label) for oid, label in providers]


class ChooseForm(FlaskForm):
    confirm = BooleanField(_l("I choose this offer; the other offers are declined"),
                           validators=[InputRequired(_l("Confirm the choice."))])


class StartForm(FlaskForm):
    started_on = DateField(_l("Started on"), validators=[Optional()])


class CancelForm(FlaskForm):
    cancel_reason = TextAreaField(_l("Reason"), validators=[max_length(2000)])
    confirm = BooleanField(_l("I cancel this training order"),
                           validators=[InputRequired(_l("Confirm the cancellation."))])
