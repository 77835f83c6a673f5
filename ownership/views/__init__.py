"""Pages of owner steering under ``/t/<slug>/ownership/``.

One module per area, each attaching its routes to :data:`blueprint`: :mod:`.register` (owners
and shares, strategies, themes, decision settings), :mod:`.goals` (steering goals, their
lifecycle and progress reports), :mod:`.meetings` (owners' meetings, agenda, votes and
decisions) and :mod:`.dashboard` (overviews by role, the annual report and exports).
"""

from __future__ import annotations

from flask import Blueprint, current_app, request
from flask_babel import lazy_gettext as _l

from samverkan.ownership.permissions import can_view_ownership
from samverkan.platform.navigation import register_nav
from samverkan.tenants.permissions import current_principal

blueprint = Blueprint("ownership", __name__, template_folder="../templates")

register_nav("ownership.overview", _l("Owner steering"), can_view_ownership, order=20)

# The sections of owner steering, shown as tabs on its pages: (endpoint, label, role needed or
# None, prefixes of the endpoints of the section's other pages).
SECTIONS = [
    ("ownership.overview", _l("Overview"), None, ()),
    ("ownership.goals", _l("Steering goals"), None, ("ownership.goal_",)),
    ("ownership.meetings", _l("Owners' meetings"), None, ("ownership.meeting_", "ownership.item_")),
    ("ownership.owners", _l("Owners and shares"), None, ("ownership.owner_", "ownership.stake_")),
    ("ownership.strategies", _l("Strategies"), None, ("ownership.strategy_",)),
    ("ownership.annual_report", _l("Annual report"), None, ("ownership.export_",)),
    ("ownership.settings", _l("Settings"), "admin", ("ownership.theme",)),
]


@blueprint.app_context_processor
def ownership_sections() -> dict:
    """``ownership_tabs``: the sections the current principal may open, the current marked."""

    def tabs() -> list[dict]:
        principal = current_principal()
        if principal is None:
            return []
        here = request.endpoint or ""
        return [
            {"endpoint": endpoint, "label": label,
             "current": here == endpoint or here.startswith(prefixes)}
            for endpoint, label, role, prefixes in SECTIONS
            if endpoint in current_app.view_functions and (role is None or principal.has_role(role))
        ]

    return {"ownership_tabs": tabs}

from samverkan.ownership.views import dashboard, goals, meetings, register  # noqa: E402, F401
