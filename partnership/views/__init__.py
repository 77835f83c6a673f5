"""Pages of partnership agreements and outcome tracking under ``/t/<slug>/partnership/``.

One module per area, each attaching its routes to :data:`blueprint`: :mod:`.agreements`
(agreements, parties, commitments, lifecycle, signing, amendments and version differences),
:mod:`.indicators` (indicators and targets, the reporting calendar and settings),
:mod:`.documents` (agreement documents), :mod:`.library` (the association's shared indicator
library and adopting from it), :mod:`.reports` (outcome reports: filling, submitting,
reviewing, revisions), :mod:`.imports` (file templates and imports) and :mod:`.dashboard`
(dashboards, the goal chain, exports and the printable follow-up report).

The authorisation model: :mod:`.authorisation` (the authorisation of providers and the public
register), :mod:`.compensation` (model versions, enrolments, the payout calculator and what-if),
:mod:`.invoices` (invoices and their reconciliation), :mod:`.spot_checks` (spot checks and the
follow-up actions), :mod:`.dialogues` (quality dialogues and guidance signals),
:mod:`.training_orders` (employer-driven training orders and lead times) and
:mod:`.purchasing_results` (the model's results of a year).
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, request
from flask_babel import lazy_gettext as _l

from samverkan.partnership.permissions import can_view_partnership
from samverkan.partnership.services.common import PartnershipError, PartnershipPermissionError
from samverkan.partnership.services.compensation_admin import can_read_compensation
from samverkan.partnership.services.guidance import sees_observations
from samverkan.platform.db import db
from samverkan.platform.navigation import register_nav
from samverkan.tenants.permissions import current_principal

blueprint = Blueprint("partnership", __name__, template_folder="../templates")


def show_service_error(form, error: PartnershipError) -> None:
    """Undo the request's changes and put a service error on its field of the form (or on the
    form); a refused permission is a 403."""
    db.session.rollback()
    if isinstance(error, PartnershipPermissionError):
        abort(403)
    field = form._fields.get(error.field)
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)

register_nav("partnership.overview", _l("Partnership"), can_view_partnership, order=30)

# The sections of partnership, shown as tabs on its pages: (endpoint, label, role needed or
# None, prefixes of the endpoints of the section's other pages).
SECTIONS = [
    ("partnership.overview", _l("Overview"), None, ("partnership.goal_chain",)),
    ("partnership.agreements", _l("Agreements"), None,
     ("partnership.agreement_", "partnership.party_", "partnership.commitment_",
      "partnership.indicator_", "partnership.version_", "partnership.document_",
      "partnership.dashboard", "partnership.export_")),
    ("partnership.reports", _l("Outcome reports"), None,
     ("partnership.report_", "partnership.import_")),
    ("partnership.authorisation", _l("Authorisation"), None, ("partnership.authorisation_",)),
    ("partnership.compensation", _l("Compensation"), can_read_compensation,
     ("partnership.compensation_",)),
    ("partnership.invoices", _l("Invoices"), None, ("partnership.invoice",)),
    ("partnership.spot_checks", _l("Spot checks"), None, ("partnership.spot_check",)),
    ("partnership.dialogues", _l("Quality dialogues"), None, ("partnership.dialogue",)),
    ("partnership.actions", _l("Follow-up actions"), None, ("partnership.action_",)),
    ("partnership.guidance", _l("Guidance signals"), sees_observations, ("partnership.guidance",)),
    ("partnership.training_orders", _l("Training orders"), None,
     ("partnership.training_order_",)),
    ("partnership.purchasing_results", _l("Results"), can_read_compensation, ()),
    ("partnership.settings", _l("Settings"), "admin", ("partnership.period",)),
]


@blueprint.app_context_processor
def partnership_sections() -> dict:
    """``partnership_tabs``: the sections the current principal may open, the current marked."""

    def tabs() -> list[dict]:
        principal = current_principal()
        if principal is None:
            return []
        here = request.endpoint or ""
        return [
            {"endpoint": endpoint, "label": label,
             "current": here == endpoint or here.startswith(prefixes)}
            for endpoint, label, role, prefixes in SECTIONS
            if endpoint in current_app.view_functions and (
                role is None or (role(principal) if callable(role) else principal.has_role(role)))
        ]

    return {"partnership_tabs": tabs}


from samverkan.partnership.views import (  # noqa: E402, F401
    agreements,
    authorisation,
    compensation,
    dashboard,
    dialogues,
    documents,
    imports,
    indicators,
    invoices,
    library,
    purchasing_results,
    reports,
    spot_checks,
    training_orders,
)
