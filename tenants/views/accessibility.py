"""The accessibility statement, public: one per tenant and one for the pages outside any
tenant (sign-in, the tenant picker, the operator's pages), each with a feedback form."""

from __future__ import annotations

from datetime import date

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from samverkan.platform.db import db
from samverkan.platform.extensions import limiter
from samverkan.platform.i18n import translated
from samverkan.platform.jobs import JobsUnavailable
from samverkan.tenants.forms.accessibility import AccessibilityFeedbackForm
from samverkan.tenants.services.accessibility import send_feedback
from samverkan.tenants.views import blueprint
from samverkan.tenants.views.invitations import MAIL_UNAVAILABLE

# The date of the last assessment: the test suite's accessibility and HTML validity check.
LAST_ASSESSED = date(2026, 11, 25)
# The bodies that enforce the accessibility requirements, by country.
ENFORCEMENT = {
    "SE": {"name": "Myndigheten för digital förvaltning (DIGG)", "url": "https://www.digg.se"},
    "FI": {"name": "Lupa- ja valvontavirasto (saavutettavuusvalvonta)",
           "url": "https://www.saavutettavuusvaatimukset.fi"},
}
FEEDBACK_LIMIT = "10 per hour"


def _statement(endpoint: str):
    tenant = g.get("tenant")
    form = AccessibilityFeedbackForm()
    if form.validate_on_submit():
        try:
            send_feedback(tenant, form.message.data, form.email.data or None)
        except JobsUnavailable:
            db.session.rollback()
            form.form_errors.append(MAIL_UNAVAILABLE)
        else:
            db.session.commit()
            flash(_("Thank you. Your feedback has been sent to %(recipient)s.",
                    recipient=translated(tenant.name) if tenant else _("the service's operators")),
                  "success")
            return redirect(url_for(endpoint))
    bodies = [ENFORCEMENT[tenant.country if tenant.country in ENFORCEMENT else "FI"]] if tenant \
        else list(ENFORCEMENT.values())
    return render_template("tenants/accessibility.html", tenant=tenant, form=form,
                           enforcement=bodies, assessed=LAST_ASSESSED), \
        400 if request.method == "POST" else 200


@blueprint.route("/t/<slug>/accessibility", methods=["GET", "POST"])
@limiter.limit(lambda: FEEDBACK_LIMIT, methods=["POST"], error_message="throttled")
def accessibility_statement():
    """The tenant's accessibility statement; anyone may read it and send feedback, which
    reaches the tenant's administrators."""
    return _statement("tenants.accessibility_statement")


@blueprint.route("/accessibility", methods=["GET", "POST"])
@limiter.limit(lambda: FEEDBACK_LIMIT, methods=["POST"], error_message="throttled")
def platform_accessibility_statement():
    """The statement of the pages outside any tenant; feedback reaches the operators."""
    return _statement("tenants.platform_accessibility_statement")
