"""Who may do what: named, composable rules over the principal of a request.

A principal is a signed-in member of the current tenant or an API client of it. Pages and the
API check the same rules.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps

from flask import abort, g

from samverkan.tenants.models import ApiClient, Membership, Role, Tenant, User


@dataclass(frozen=True)
class Principal:
    """Who acts in a tenant, with which roles, for which organisation."""

    tenant: Tenant
    user: User | None = None
    client: ApiClient | None = None
    membership: Membership | None = None
    roles: frozenset[str] = field(default_factory=frozenset)
    organisation_id: int | None = None
    scopes: frozenset[str] | None = None  # None: a person, limited by roles alone

    @property
    def actor(self):
        return self.user or self.client

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))


class Rule:
    """A named permission rule; combine with ``&`` and ``|``."""

    def __init__(self, name: str, check: Callable[[Principal], bool]):
        self.name = name
        self._check = check

    def __call__(self, principal: Principal | None) -> bool:
        return principal is not None and bool(self._check(principal))

    def __and__(self, other: Rule) -> Rule:
        return Rule(f"({self.name} and {other.name})", lambda p: self(p) and other(p))

    def __or__(self, other: Rule) -> Rule:
        return Rule(f"({self.name} or {other.name})", lambda p: self(p) or other(p))

    def __repr__(self) -> str:
        return f"<Rule {self.name}>"


def has_role(*roles: str) -> Rule:
    return Rule("role:" + "/".join(roles), lambda p: p.has_role(*roles))


def has_scope(scope: str) -> Rule:
    """People pass; API clients need the scope."""
    return Rule(f"scope:{scope}", lambda p: p.scopes is None or scope in p.scopes)


is_member = Rule("member", lambda p: bool(p.roles))
is_person = Rule("person", lambda p: p.user is not None)
is_admin = has_role(Role.ADMIN) & is_person
can_view_tenant = is_member
can_manage_members = is_admin
can_manage_organisations = is_admin
can_manage_api_clients = is_admin
can_read_audit = is_admin
can_manage_tenant_settings = is_admin
can_read_organisations = is_member & has_scope("read")


def principal_for_user(tenant: Tenant, user: User | None) -> Principal | None:
    """The principal of a person in a tenant, or None when not a member."""
    from sqlalchemy import select

    from samverkan.platform.db import db

    if user is None or not user.is_authenticated:
        return None
    membership = db.session.scalar(
        select(Membership).where(Membership.user_id == user.id, Membership.tenant_id == tenant.id)
    )
    if membership is None or not membership.roles:
        return None
    return Principal(
        tenant=tenant,
        user=user,
        membership=membership,
        roles=frozenset(membership.roles),
        organisation_id=membership.organisation_id,
    )


def principal_for_client(tenant: Tenant, client: ApiClient, scopes: set[str]) -> Principal:
    """An API client acts for its organisation: as its reporter when it is a provider."""
    from samverkan.tenants.models import OrganisationKind

    is_provider = client.organisation is not None and (
        client.organisation.kind == OrganisationKind.PROVIDER
    )
    roles = {Role.PROVIDER_REPORTER if is_provider else Role.VIEWER}
    return Principal(
        tenant=tenant,
        client=client,
        roles=frozenset(roles),
        organisation_id=client.organisation_id,
        scopes=frozenset(scopes),
    )


def current_principal() -> Principal | None:
    """The principal of this request in the URL's tenant (cached on ``g``)."""
    from flask_login import current_user

    if "principal" in g:
        return g.principal
    tenant = g.get("tenant")
    principal = principal_for_user(tenant, current_user) if tenant is not None else None
    g.principal = principal
    return principal


def require(rule: Rule) -> Callable:
    """Page decorator: sign-in required; 404 for non-members, 403 when the rule refuses."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            from flask_login import current_user

            from samverkan.platform.auth import login_manager

            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            principal = current_principal()
            if principal is None:
                abort(404)
            if not rule(principal):
                abort(403)
            return view(*args, **kwargs)

        wrapped.permission_rule = rule
        return wrapped

    return decorator


# Association projects: coordinators of an association tenant run them; the admin of a
# municipality or consortium tenant answers invitations, asks to join, leaves and decides what
# its tenant shares (its consent).
is_association = Rule("association tenant", lambda p: p.tenant.kind == "association")
is_project_participant_kind = Rule(
    "municipality or consortium tenant", lambda p: p.tenant.kind in ("municipality", "consortium"))
can_view_projects = is_member & has_scope("read") & is_association
can_manage_projects = has_role(Role.COORDINATOR) & is_person & is_association
can_take_part_in_projects = is_admin & is_project_participant_kind
