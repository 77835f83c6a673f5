"""Forms and labels of the agreement pages: an agreement, its parties and commitments, a change
of its status, a signature and an amendment. The forms only carry the input; the services
(:mod:`samverkan.partnership.services`) check it, and their field names are the services' field
names, so an error lands on its field."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectField, StringField, TextAreaField

from samverkan.partnership.models import (
    DEFAULT_KIND,
    AgreementStatus,
    CommitmentStatus,
    PartyRole,
    VersionStatus,
)
from samverkan.platform.forms import TranslatedField, max_length, required

AGREEMENT_STATUS_LABELS = {
    AgreementStatus.DRAFT.value: _l("Draft"),
    AgreementStatus.NEGOTIATION.value: _l("In negotiation"),
    AgreementStatus.SIGNED.value: _l("Signed"),
    AgreementStatus.ACTIVE.value: _l("Active"),
    AgreementStatus.ENDED.value: _l("Ended"),
    AgreementStatus.TERMINATED.value: _l("Terminated"),
}

# Badge classes: the label always says the status too (never colour alone).
AGREEMENT_STATUS_BADGES = {
    AgreementStatus.DRAFT.value: "",
    AgreementStatus.NEGOTIATION.value: "badge-warning",
    AgreementStatus.SIGNED.value: "badge-ok",
    AgreementStatus.ACTIVE.value: "badge-ok",
    AgreementStatus.ENDED.value: "",
    AgreementStatus.TERMINATED.value: "badge-error",
}

VERSION_STATUS_LABELS = {
    VersionStatus.DRAFT.value: _l("Draft"),
    VersionStatus.NEGOTIATION.value: _l("Open for signing"),
    VersionStatus.SIGNED.value: _l("Signed"),
}

PARTY_ROLE_LABELS = {
    PartyRole.PURCHASER.value: _l("Purchaser"),
    PartyRole.PROVIDER.value: _l("Provider"),
    PartyRole.OWNER.value: _l("Owner"),
    PartyRole.EMPLOYER.value: _l("Employer"),
    PartyRole.OTHER.value: _l("Other"),
}

COMMITMENT_STATUS_LABELS = {
    CommitmentStatus.PLANNED.value: _l("Planned"),
    CommitmentStatus.IN_PROGRESS.value: _l("In progress"),
    CommitmentStatus.DONE.value: _l("Done"),
}

COMMITMENT_STATUS_BADGES = {
    CommitmentStatus.PLANNED.value: "",
    CommitmentStatus.IN_PROGRESS.value: "badge-warning",
    CommitmentStatus.DONE.value: "badge-ok",
}

# Kinds of agreement with a name; a kind is data, so any other code is shown as it is.
KIND_LABELS = {
    DEFAULT_KIND: _l("Strategic partnership"),
    "authorisation": _l("Authorisation"),
}

# The button of each change of status, by the status it leads to.
TRANSITION_LABELS = {
    AgreementStatus.NEGOTIATION.value: _l("Open for negotiation and signing"),
    AgreementStatus.DRAFT.value: _l("Take back to draft"),
    AgreementStatus.ACTIVE.value: _l("Activate"),
    AgreementStatus.ENDED.value: _l("End"),
    AgreementStatus.TERMINATED.value: _l("Terminate"),
}

# Changes that ask for confirmation first: they close the agreement or withdraw signatures.
CONFIRMED_TRANSITIONS = {AgreementStatus.TERMINATED.value, AgreementStatus.ENDED.value,
                         AgreementStatus.DRAFT.value}


def kind_label(code: str) -> str:
    return str(KIND_LABELS.get(code, (code or "").replace("_", " ")))


def _date_input() -> dict:
    return {"type": "date"}


class AgreementForm(FlaskForm):
    code = StringField(_l("Code"), validators=[required(), max_length(50)])
    title = TranslatedField(_l("Title"), required=True, max_chars=300)
    summary = TranslatedField(_l("Summary"), multiline=True, max_chars=20000)
    kind = SelectField(_l("Kind of agreement"), choices=[], validate_choice=False,
                       validators=[required()])
    valid_from = StringField(_l("Valid from"), validators=[required()], render_kw=_date_input())
    valid_to = StringField(_l("Valid until"), render_kw=_date_input())

    def __init__(self, *args, kinds=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [(code, kind_label(code)) for code in kinds]


class TransitionForm(FlaskForm):
    to = HiddenField()
    confirmed = HiddenField()
    note = TextAreaField(_l("Note"), validators=[max_length(2000)], render_kw={"rows": 3})


class SignForm(FlaskForm):
    party_id = RadioField(_l("Sign for"), choices=[], validate_choice=False)

    def __init__(self, *args, parties=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.party_id.choices = list(parties)


class AmendForm(FlaskForm):
    reason = TextAreaField(_l("Reason for the amendment"),
                           validators=[required(), max_length(2000)], render_kw={"rows": 4})


class PartyForm(FlaskForm):
    organisation_id = SelectField(_l("Organisation"), choices=[], validate_choice=False,
                                  validators=[required()])
    role = SelectField(_l("Role"), choices=[], validate_choice=False, validators=[required()])

    def __init__(self, *args, organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation_id.choices = [("", _l("Choose…"))] + list(organisations)
        self.role.choices = [("", _l("Choose…"))] + list(PARTY_ROLE_LABELS.items())


class CommitmentForm(FlaskForm):
    party_id = SelectField(_l("Party"), choices=[], validate_choice=False, validators=[required()])
    text = TranslatedField(_l("Commitment"), multiline=True, required=True, max_chars=5000)
    due_date = StringField(_l("Due date"), render_kw=_date_input())

    def __init__(self, *args, parties=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.party_id.choices = [("", _l("Choose…"))] + list(parties)


class CommitmentStatusForm(FlaskForm):
    status = SelectField(_l("Status"), choices=[], validate_choice=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = list(COMMITMENT_STATUS_LABELS.items())
