"""Who may do what with partnership agreements and outcome reports: named rules over the
principal, built on :mod:`samverkan.tenants.permissions`. Pages and the API check these; the
services check them again together with the state of the object.

Signatories (:func:`can_sign_for`): a party's signatory is a *person* (never an API client) who
either

* is bound by membership to the party's organisation and holds a role other than viewer
  (e.g. the provider's reporter or an owner representative of an owner municipality), or
* holds the admin or purchaser role, is bound to no organisation (acts for the tenant itself)
  and the party's role is ``purchaser``: the tenant's own municipality, which buys.

Visibility: admins, purchasers, viewers, coordinators and owner representatives see every
agreement and report of the tenant. A principal with none of these roles (a provider reporter,
or a provider's API client) sees only agreements its organisation is party to, and only the
reports of its own organisation (:mod:`samverkan.partnership.services.queries`).
"""

from __future__ import annotations

from samverkan.tenants.models import Role
from samverkan.tenants.permissions import (
    Rule,
    has_role,
    has_scope,
    is_admin,
    is_association,
    is_member,
    is_person,
)

is_bound = Rule("bound to an organisation", lambda p: p.organisation_id is not None)
is_unbound = Rule("bound to no organisation", lambda p: p.organisation_id is None)

is_purchaser = has_role(Role.PURCHASER, Role.ADMIN) & is_person
is_provider_reporter = has_role(Role.PROVIDER_REPORTER) & is_bound

# Roles that see the whole tenant's agreements and reports.
BROAD_ROLES = (Role.ADMIN, Role.PURCHASER, Role.VIEWER, Role.COORDINATOR, Role.OWNER_REPRESENTATIVE)
sees_everything = has_role(*BROAD_ROLES)


def bound_to(organisation_id: int | None) -> Rule:
    return Rule(f"bound to:{organisation_id}",
                lambda p: organisation_id is not None and p.organisation_id == organisation_id)


# Reading: every member; API clients need the read scope.
can_view_partnership = is_member & has_scope("read")

# Agreements, their content while the current version is open, lifecycle and amendments.
can_manage_agreements = is_purchaser
can_manage_settings = is_admin
can_manage_periods = is_purchaser

# The association's shared indicator library: its coordinators publish templates. Adopting
# them into an agreement is managing the agreement (can_manage_agreements).
can_manage_library = has_role(Role.COORDINATOR) & is_person & is_association


def can_sign_for(party) -> Rule:
    """May confirm the current version for this party (see the module's docstring)."""
    acting_member = Rule("not only a viewer", lambda p: bool(set(p.roles) - {Role.VIEWER}))
    own = is_person & acting_member & bound_to(party.organisation_id)
    tenant_purchaser = is_purchaser & is_unbound & Rule(
        f"party role purchaser:{party.id}", lambda _p: party.role == "purchaser")
    return own | tenant_purchaser


def can_update_commitment(commitment) -> Rule:
    """The status of a commitment: the purchaser, or a person of the committed party."""
    party = commitment.party
    return is_purchaser | (is_person & bound_to(party.organisation_id) & Rule(
        "not only a viewer", lambda p: bool(set(p.roles) - {Role.VIEWER})))


def can_report_for(organisation_id: int | None) -> Rule:
    """Fill and submit reports for a provider: its reporter (a person or its API client with
    the "report" scope), or an admin on its behalf."""
    return (is_provider_reporter & bound_to(organisation_id) & has_scope("report")) | is_admin


# Accepting or returning a submitted report.
can_review_reports = is_purchaser
