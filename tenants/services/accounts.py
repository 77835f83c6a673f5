"""People: accounts, sign-in, sessions and memberships."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select

from samverkan.platform import audit
from samverkan.platform.auth import hash_password, verify_password
from samverkan.platform.db import db, platform_scope, tenant_scope, utcnow
from samverkan.tenants.models import (
    ROLES_BOUND_TO_ORGANISATION,
    Membership,
    Organisation,
    Role,
    Tenant,
    User,
)

MIN_PASSWORD_LENGTH = 10
MEMBERSHIP_FIELDS = ["user_id", "roles", "organisation_id"]


def normalise_email(email: str) -> str:
    """Validate an e-mail address and return it lower-cased; ValueError when invalid."""
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise ValueError(str(error)) from error


def check_password_strength(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise ValueError(f"password: at least {MIN_PASSWORD_LENGTH} characters")


def find_user(email: str) -> User | None:
    try:
        address = normalise_email(email)
    except ValueError:
        return None
    return db.session.scalar(select(User).where(User.email == address))


def create_user(
    email: str,
    password: str | None,
    *,
    name: str = "",
    is_operator: bool = False,
    locale: str | None = None,
    actor=None,
) -> User:
    """Create a person; the e-mail address is unique whatever its case."""
    address = normalise_email(email)
    if password is not None:
        check_password_strength(password)
    if db.session.scalar(select(User.id).where(User.email == address)):
        raise ValueError(f"a user with the e-mail address {address} exists already")
    user = User(
        email=address,
        name=name.strip(),
        password_hash=hash_password(password) if password else None,
        is_operator=is_operator,
        preferred_locale=locale,
        session_epoch=0,
    )
    db.session.add(user)
    db.session.flush()
    audit.record("user.created", user, actor=actor, tenant_id=None,
                 after={"email": address, "is_operator": is_operator})
    return user


def authenticate(email: str, password: str) -> User | None:
    """The user for these credentials, or None; the same work is done either way."""
    user = find_user(email)
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.is_active:
        return None
    user.last_signed_in_at = utcnow()
    return user


def end_all_sessions(user: User) -> None:
    """Invalidate every session of the user (sign-out everywhere, new password)."""
    user.session_epoch = (user.session_epoch or 0) + 1


def set_password(user: User, password: str, actor=None) -> None:
    check_password_strength(password)
    user.password_hash = hash_password(password)
    end_all_sessions(user)
    audit.record("user.password_changed", user, actor=actor or user, tenant_id=None)


def memberships_of(user: User) -> list[Membership]:
    """Every active tenant membership of the user (for the tenant picker)."""
    with platform_scope("a person lists their own memberships across tenants"):
        rows = db.session.scalars(
            select(Membership)
            .join(Tenant, Tenant.id == Membership.tenant_id)
            .where(Membership.user_id == user.id, Tenant.status == "active")
        ).all()
    return sorted(rows, key=lambda m: m.tenant.slug)


def validate_roles(roles: list[str], organisation: Organisation | None) -> list[str]:
    known = {r.value for r in Role}
    unknown = [r for r in roles if r not in known]
    if unknown:
        raise ValueError(f"unknown roles: {', '.join(unknown)}")
    if not roles:
        raise ValueError("at least one role")
    if organisation is None and any(r in ROLES_BOUND_TO_ORGANISATION for r in roles):
        raise ValueError("owner representatives and provider reporters need an organisation")
    return sorted(set(roles), key=[r.value for r in Role].index)


def grant_membership(
    tenant_slug_or_tenant, user: User, roles: list[str], *, organisation_id: int | None = None,
    actor=None,
) -> Membership:
    """Give a user roles in a tenant (creates or updates the membership)."""
    tenant = tenant_slug_or_tenant
    if isinstance(tenant, str):
        tenant = db.session.scalar(select(Tenant).where(Tenant.slug == tenant_slug_or_tenant))
        if tenant is None:
            raise ValueError(f"no tenant {tenant_slug_or_tenant!r}")
    with tenant_scope(tenant.id):
        organisation = db.session.get(Organisation, organisation_id) if organisation_id else None
        if organisation_id and organisation is None:
            raise ValueError("no such organisation in this tenant")
        roles = validate_roles(roles, organisation)
        membership = db.session.scalar(select(Membership).where(Membership.user_id == user.id))
        before = audit.snapshot(membership, MEMBERSHIP_FIELDS) if membership else None
        if membership is None:
            membership = Membership(user_id=user.id, tenant_id=tenant.id, roles=roles)
            db.session.add(membership)
        membership.roles = roles
        membership.organisation_id = organisation.id if organisation else None
        db.session.flush()
        audit.record("membership.granted" if before is None else "membership.changed",
                     membership, actor=actor, tenant_id=tenant.id, before=before,
                     after=audit.snapshot(membership, MEMBERSHIP_FIELDS))
    return membership
