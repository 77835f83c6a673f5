"""Who may do what in owner steering: named rules over the principal, built on the shared ones
in :mod:`samverkan.tenants.permissions`. Pages and the API check these; the services check
them again together with the state of the object (see the goal lifecycle table in
:mod:`samverkan.ownership.services.goals`).
"""

from __future__ import annotations

from samverkan.tenants.models import Role
from samverkan.tenants.permissions import Rule, has_role, has_scope, is_admin, is_member, is_person

is_bound = Rule("bound to an organisation", lambda p: p.organisation_id is not None)

# A person acting for one owner municipality (the organisation of their membership).
is_owner_representative = has_role(Role.OWNER_REPRESENTATIVE) & is_person & is_bound
# The provider reports progress: a person or the provider's API client.
is_provider_reporter = has_role(Role.PROVIDER_REPORTER)


def represents(organisation_id: int | None) -> Rule:
    """An owner representative bound to this owner organisation."""
    return is_owner_representative & Rule(
        f"represents:{organisation_id}",
        lambda p: organisation_id is not None and p.organisation_id == organisation_id,
    )


# Reading: every member; API clients need the read scope.
can_view_ownership = is_member & has_scope("read")

# The ownership register, strategies, the list of themes and the tenant's settings.
can_manage_stakes = is_admin
can_manage_strategies = is_admin
can_manage_themes = is_admin
can_manage_settings = is_admin

# Goals: owner representatives propose for their own owner; an admin for any owner.
can_create_goal = is_admin | is_owner_representative


def can_edit_goal(goal) -> Rule:
    """May edit (and propose, take back or withdraw) this goal while it is a draft or proposed."""
    return is_admin | represents(goal.proposer_organisation_id)


# Marking an adopted goal achieved or not achieved once its target date has come.
can_close_goal = is_admin | is_owner_representative

# Owners' meetings: scheduling, agenda, minutes, closing voting on an item.
can_manage_meetings = is_admin

# Voting: only a person who represents an owner; which owner is the membership's organisation.
can_vote = is_owner_representative

# Progress reports on adopted goals (API clients need the "report" scope, see platform/oauth.py).
can_report_progress = is_provider_reporter & has_scope("report")
