"""Pages of the tenants domain: sign-in, tenant picker, administration."""

from __future__ import annotations

from flask import Blueprint

from samverkan.tenants.labels import template_globals

blueprint = Blueprint("tenants", __name__, template_folder="../templates")
blueprint.app_context_processor(template_globals)

# The page modules attach their routes to the blueprint.
from samverkan.tenants.views import (  # noqa: E402, F401
    accessibility,
    account,
    api_clients,
    audit,
    auth,
    invitations,
    members,
    operator,
    organisations,
    participation,
    project_documents,
    project_results,
    projects,
    settings,
)
