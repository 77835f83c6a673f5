"""Members of a tenant: listing, changing roles and organisation binding, removal.

A tenant always keeps at least one administrator: the last one can neither lose the role nor
leave, so that someone can still manage the tenant's members.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import String, cast, func, nulls_last, or_, select

from samverkan.platform import audit
from samverkan.platform.db import db
from samverkan.tenants.models import Membership, Organisation, Role, Tenant, User
from samverkan.tenants.services.accounts import MEMBERSHIP_FIELDS, grant_membership, validate_roles

MEMBER_SORTS = ("name", "-name", "email", "-email", "last_sign_in", "-last_sign_in")


class MembershipError(ValueError):
    """A refused membership change; ``field`` names the offending field, ``code`` the problem."""

    def __init__(self, field: str, code: str, message):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code


def like_pattern(term: str) -> str:
    """``%term%`` for LIKE with the wildcards of ``term`` escaped (escape character ``\\``)."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _with_role(role: str):
    # Roles are a JSON list; its text holds each role as a quoted string on every database.
    return cast(Membership.roles, String).like(f'%"{role}"%')


def members_statement(*, search: str = "", role: str = "", sort: str = "name"):
    """The current tenant's memberships, with their people, filtered and sorted."""
    statement = select(Membership).join(User, User.id == Membership.user_id)
    search = (search or "").strip()
    if search:
        pattern = like_pattern(search)
        statement = statement.where(or_(User.name.ilike(pattern, escape="\\"),
                                        User.email.ilike(pattern, escape="\\")))
    if role in {r.value for r in Role}:
        statement = statement.where(_with_role(role))
    sort = sort if sort in MEMBER_SORTS else "name"
    key = sort.lstrip("-")
    descending = sort.startswith("-")
    display_name = func.lower(func.coalesce(func.nullif(User.name, ""), User.email))
    if key == "email":
        columns = [User.email.desc() if descending else User.email.asc()]
    elif key == "last_sign_in":
        column = User.last_signed_in_at.desc() if descending else User.last_signed_in_at.asc()
        columns = [nulls_last(column), display_name.asc()]
    else:
        columns = [display_name.desc() if descending else display_name.asc()]
    return statement.order_by(*columns, Membership.id.asc())


def admin_count() -> int:
    """How many members of the current tenant are administrators."""
    rows = db.session.scalars(select(Membership.roles).where(_with_role(Role.ADMIN))).all()
    return sum(1 for roles in rows if Role.ADMIN in roles)


def is_last_admin(membership: Membership) -> bool:
    return membership.has_role(Role.ADMIN) and admin_count() <= 1


def update_membership(tenant: Tenant, membership: Membership, roles: list[str],
                      organisation_id: int | None, actor=None) -> Membership:
    """Change a member's roles and organisation binding.

    Raises :class:`MembershipError` or ``AccountError`` (both carry ``field`` and ``message``).
    """
    organisation = None
    if organisation_id:
        organisation = db.session.scalar(
            select(Organisation).where(Organisation.id == organisation_id)
        )
        unchanged = organisation is not None and organisation.id == membership.organisation_id
        if organisation is None or (organisation.is_archived and not unchanged):
            raise MembershipError("organisation", "invalid",
                                  _l("Choose one of the tenant's organisations."))
    roles = validate_roles(list(roles or []), organisation)
    if Role.ADMIN not in roles and is_last_admin(membership):
        raise MembershipError("roles", "last_admin", _l(
            "This is the tenant's only administrator. Make another member an administrator "
            "before removing this role."))
    return grant_membership(tenant, membership.user, roles,
                            organisation_id=organisation.id if organisation else None, actor=actor)


def remove_membership(tenant: Tenant, membership: Membership, actor=None) -> None:
    """Remove a person from the tenant; their account and other memberships stay."""
    if is_last_admin(membership):
        raise MembershipError("membership", "last_admin", _l(
            "This is the tenant's only administrator and cannot be removed. Make another member "
            "an administrator first."))
    audit.record("membership.removed", membership, actor=actor, tenant_id=tenant.id,
                 before={**audit.snapshot(membership, MEMBERSHIP_FIELDS),
                         "email": membership.user.email})
    db.session.delete(membership)
    db.session.flush()
