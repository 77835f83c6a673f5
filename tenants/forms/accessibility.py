"""The accessibility statement's feedback form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, TextAreaField
from wtforms.validators import Email, Length, Optional

from samverkan.platform.forms import required
from samverkan.tenants.services.accessibility import MESSAGE_MAX


class AccessibilityFeedbackForm(FlaskForm):
    message = TextAreaField(_l("Your feedback"), validators=[required(), Length(max=MESSAGE_MAX)],
                            render_kw={"rows": 6})
    email = EmailField(
        _l("Your e-mail address (optional, if you want an answer)"),
        validators=[Optional(), Email(message=_l("Enter a valid e-mail address.")),
                    Length(max=254)],
        render_kw={"autocomplete": "email"},
    )
