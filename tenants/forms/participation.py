"""Forms of a tenant's part in association projects: consent and confirmations."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField

from samverkan.platform.forms import MultiCheckboxField

NAMED = "named"
ANONYMISED = "anonymised"


class ConsentForm(FlaskForm):
    """What the tenant shares with a project: indicator values, named or not, goal statuses."""

    indicator_codes = MultiCheckboxField(_l("Indicator values to share"))
    identity = RadioField(
        _l("Show our organisation"),
        choices=[(NAMED, _l("By name")), (ANONYMISED, _l("Anonymised"))],
        default=NAMED,
    )
    share_goal_statuses = BooleanField(_l("Share the statuses of our owner-steering goals"))


class RequestForm(ConsentForm):
    """Ask to join a project, with the consent that applies once a coordinator approves."""

    project_id = HiddenField()


class ConfirmForm(FlaskForm):
    """A confirmation step before declining, withdrawing consent or leaving."""
