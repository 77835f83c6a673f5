"""Invitations: a tenant admin invites a person by e-mail to join the tenant with roles.

The e-mail carries a single-use link that expires after SAMVERKAN_INVITATION_DAYS. Only a
SHA-256 hash of the link's token is stored, so the database alone cannot be used to accept.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from flask import current_app
from flask_babel import force_locale, format_datetime, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, select

from samverkan.platform import audit
from samverkan.platform.config import SUPPORTED_LOCALES
from samverkan.platform.db import db, platform_scope, utcnow
from samverkan.platform.i18n import translated
from samverkan.tenants.labels import role_label
from samverkan.tenants.models import Invitation, Membership, Organisation, Tenant, User
from samverkan.tenants.services.accounts import (
    AccountError,
    create_user,
    ensure_mail_can_be_queued,
    external_url,
    find_user,
    grant_membership,
    normalise_email,
    queue_mail,
    validate_roles,
)

INVITATION_FIELDS = ["email", "roles", "organisation_id", "expires_at", "accepted_at", "revoked_at",
                     "locale"]


class InvitationStatus:
    PENDING = "pending"
    ACCEPTED = "accepted"
    EXPIRED = "expired"
    REVOKED = "revoked"

    ALL = ("pending", "accepted", "expired", "revoked")


STATUS_LABELS = {
    InvitationStatus.PENDING: _l("Pending"),
    InvitationStatus.ACCEPTED: _l("Accepted"),
    InvitationStatus.EXPIRED: _l("Expired"),
    InvitationStatus.REVOKED: _l("Revoked"),
}


class InvitationError(ValueError):
    """An invitation that cannot be created, changed or accepted.

    ``field`` names the form field at fault (or None), ``code`` the problem, ``message`` says
    it in the reader's language.
    """

    def __init__(self, field: str | None, code: str, message):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code


@dataclass
class InvitationData:
    email: str
    roles: list[str] = field(default_factory=list)
    organisation_id: int | None = None
    locale: str | None = None


def _aware(value: datetime | None) -> datetime | None:
    """SQLite gives naive datetimes back; every stored time is UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def status_of(invitation: Invitation, now: datetime | None = None) -> str:
    if invitation.accepted_at is not None:
        return InvitationStatus.ACCEPTED
    if invitation.revoked_at is not None:
        return InvitationStatus.REVOKED
    if _aware(invitation.expires_at) <= (now or utcnow()):
        return InvitationStatus.EXPIRED
    return InvitationStatus.PENDING


def status_filter(status: str, now: datetime | None = None):
    """SQL criteria for the invitations in one status."""
    now = now or utcnow()
    open_ = and_(Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None))
    return {
        InvitationStatus.PENDING: and_(open_, Invitation.expires_at > now),
        InvitationStatus.EXPIRED: and_(open_, Invitation.expires_at <= now),
        InvitationStatus.ACCEPTED: Invitation.accepted_at.is_not(None),
        InvitationStatus.REVOKED: and_(Invitation.accepted_at.is_(None),
                                       Invitation.revoked_at.is_not(None)),
    }[status]


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def _expiry() -> datetime:
    return utcnow() + timedelta(days=current_app.config["SAMVERKAN_INVITATION_DAYS"])


def _organisation(organisation_id: int | None) -> Organisation | None:
    """An active organisation of the current tenant (the session scopes the lookup)."""
    if not organisation_id:
        return None
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None or organisation.is_archived:
        raise InvitationError("organisation_id", "unknown", _l("Choose an organisation of this tenant."))
    return organisation


def _validated_roles(roles: list[str], organisation: Organisation | None) -> list[str]:
    try:
        return validate_roles(list(roles or []), organisation)
    except AccountError as error:
        field_name = "organisation_id" if error.field == "organisation" else "roles"
        raise InvitationError(field_name, error.code, error.message) from error


def _is_member(tenant: Tenant, email: str) -> bool:
    return db.session.scalar(
        select(Membership.id).join(User, User.id == Membership.user_id)
        .where(Membership.tenant_id == tenant.id, User.email == email)
    ) is not None


def _open_invitation_for(email: str) -> Invitation | None:
    return db.session.scalar(
        select(Invitation).where(Invitation.email == email, status_filter(InvitationStatus.PENDING))
    )


def _send(tenant: Tenant, invitation: Invitation, token: str, actor) -> None:
    """E-mail the invitation link, in the invitation's language."""
    link = external_url("tenants.accept_invitation", slug=tenant.slug, token=token)
    locale = invitation.locale if invitation.locale in SUPPORTED_LOCALES else tenant.default_locale
    with force_locale(locale):
        tenant_name = translated(tenant.name, locale, tenant)
        roles = ", ".join(role_label(role) for role in invitation.roles)
        if invitation.organisation is not None:
            roles = gettext("%(roles)s for %(organisation)s", roles=roles,
                            organisation=translated(invitation.organisation.name, locale, tenant))
        inviter = getattr(actor, "display_name", None) or gettext("An administrator")
        subject = gettext("Invitation to %(tenant)s in Samverkan", tenant=tenant_name)
        body = gettext(
            "Hello,\n\n"
            "%(inviter)s has invited you to %(tenant)s in Samverkan, where owner steering, "
            "partnership agreements and outcomes are followed up together.\n\n"
            "Your roles: %(roles)s\n\n"
            "Open this link to accept the invitation:\n\n%(link)s\n\n"
            "The link works once and expires on %(expires)s. If you did not expect this "
            "invitation, you can ignore this message.",
            inviter=inviter, tenant=tenant_name, roles=roles, link=link,
            expires=format_datetime(_aware(invitation.expires_at), "long"),
        )
    queue_mail(invitation.email, subject, body, tenant_id=tenant.id)


def create_invitation(tenant: Tenant, data: InvitationData, actor=None) -> Invitation:
    """Invite a person to the tenant and e-mail them the link."""
    try:
        email = normalise_email(data.email or "")
    except ValueError as error:
        raise InvitationError("email", "invalid", _l("Enter a valid e-mail address.")) from error
    organisation = _organisation(data.organisation_id)
    roles = _validated_roles(data.roles, organisation)
    if _is_member(tenant, email):
        raise InvitationError("email", "member", _l(
            "This person is already a member. Change their roles on the members page instead."))
    if _open_invitation_for(email) is not None:
        raise InvitationError("email", "pending", _l(
            "An invitation to this address is already pending. Resend or revoke it instead."))
    ensure_mail_can_be_queued()
    token, token_hash = _new_token()
    invitation = Invitation(
        tenant_id=tenant.id,
        email=email,
        roles=roles,
        organisation_id=organisation.id if organisation else None,
        token_hash=token_hash,
        expires_at=_expiry(),
        invited_by_id=getattr(actor, "id", None),
        locale=data.locale if data.locale in SUPPORTED_LOCALES else tenant.default_locale,
    )
    db.session.add(invitation)
    db.session.flush()
    audit.record("invitation.created", invitation, actor=actor, tenant_id=tenant.id,
                 after=audit.snapshot(invitation, INVITATION_FIELDS))
    _send(tenant, invitation, token, actor)
    return invitation


def resend_invitation(tenant: Tenant, invitation: Invitation, actor=None) -> Invitation:
    """Send a new link with a new expiry; the previous link stops working."""
    status = status_of(invitation)
    if status not in (InvitationStatus.PENDING, InvitationStatus.EXPIRED):
        raise InvitationError(None, status, _l(
            "Only a pending or expired invitation can be sent again."))
    ensure_mail_can_be_queued()
    before = audit.snapshot(invitation, INVITATION_FIELDS)
    token, invitation.token_hash = _new_token()
    invitation.expires_at = _expiry()
    db.session.flush()
    audit.record("invitation.resent", invitation, actor=actor, tenant_id=tenant.id, before=before,
                 after=audit.snapshot(invitation, INVITATION_FIELDS))
    _send(tenant, invitation, token, actor)
    return invitation


def revoke_invitation(tenant: Tenant, invitation: Invitation, actor=None) -> Invitation:
    """Withdraw an invitation that has not been accepted; its link stops working."""
    status = status_of(invitation)
    if status not in (InvitationStatus.PENDING, InvitationStatus.EXPIRED):
        raise InvitationError(None, status, _l(
            "Only a pending or expired invitation can be revoked."))
    before = audit.snapshot(invitation, INVITATION_FIELDS)
    invitation.revoked_at = utcnow()
    db.session.flush()
    audit.record("invitation.revoked", invitation, actor=actor, tenant_id=tenant.id, before=before,
                 after=audit.snapshot(invitation, INVITATION_FIELDS))
    return invitation


def find_by_token(token: str) -> Invitation | None:
    """The current tenant's invitation with this link token (the session scopes the lookup)."""
    if not token or len(token) > 200:
        return None
    return db.session.scalar(select(Invitation).where(Invitation.token_hash == hash_token(token)))


def check_open(invitation: Invitation) -> None:
    """InvitationError (code accepted, revoked or expired) when the link can no longer be used."""
    status = status_of(invitation)
    messages = {
        InvitationStatus.ACCEPTED: _l("This invitation has already been accepted."),
        InvitationStatus.REVOKED: _l("This invitation has been withdrawn."),
        InvitationStatus.EXPIRED: _l("This invitation has expired."),
    }
    if status in messages:
        raise InvitationError(None, status, messages[status])


def existing_account(invitation: Invitation) -> User | None:
    return find_user(invitation.email)


def _grant(tenant: Tenant, invitation: Invitation, user: User) -> Membership:
    """Add the invitation's roles to the person's membership (created when there is none)."""
    current = db.session.scalar(select(Membership).where(Membership.user_id == user.id))
    roles = list(invitation.roles)
    organisation_id = invitation.organisation_id
    if current is not None:
        roles = list(dict.fromkeys([*current.roles, *roles]))
        organisation_id = organisation_id or current.organisation_id
    organisation = db.session.get(Organisation, organisation_id) if organisation_id else None
    try:
        validate_roles(roles, organisation)
    except AccountError as error:
        raise InvitationError(None, "stale", _l(
            "This invitation can no longer be accepted because its organisation has been "
            "removed. Ask the administrator for a new invitation.")) from error
    return grant_membership(tenant, user, roles, organisation_id=organisation_id, actor=user)


def _mark_accepted(tenant: Tenant, invitation: Invitation, user: User) -> None:
    before = audit.snapshot(invitation, INVITATION_FIELDS)
    invitation.accepted_at = utcnow()
    db.session.flush()
    audit.record("invitation.accepted", invitation, actor=user, tenant_id=tenant.id, before=before,
                 after=audit.snapshot(invitation, INVITATION_FIELDS))


def accept_with_new_account(tenant: Tenant, invitation: Invitation, *, name: str, password: str,
                            locale: str | None = None) -> User:
    """Create the invited person's account and membership."""
    check_open(invitation)
    if existing_account(invitation) is not None:
        raise InvitationError(None, "account_exists", _l(
            "An account with this e-mail address exists already. Sign in to accept."))
    if not (name or "").strip():
        raise InvitationError("name", "required", _l("Enter your name."))
    # A person's account belongs to no tenant; its audit entry is a platform row.
    with platform_scope("an invited person's own account belongs to no tenant"):
        try:
            user = create_user(invitation.email, password, name=name,
                               locale=locale if locale in SUPPORTED_LOCALES else invitation.locale,
                               actor=None)
        except AccountError as error:
            raise InvitationError(error.field, error.code, error.message) from error
    _grant(tenant, invitation, user)
    _mark_accepted(tenant, invitation, user)
    return user


def accept_as(tenant: Tenant, invitation: Invitation, user: User) -> Membership:
    """The signed-in person accepts an invitation addressed to them."""
    check_open(invitation)
    if user.email != invitation.email:
        raise InvitationError(None, "other_address", _l(
            "This invitation is for another e-mail address."))
    membership = _grant(tenant, invitation, user)
    _mark_accepted(tenant, invitation, user)
    return membership


def invitations_query(status: str | None = None, search: str = "", sort: str = "-created"):
    """The current tenant's invitations, filtered and sorted, as a select for pagination."""
    statement = select(Invitation)
    if status in InvitationStatus.ALL:
        statement = statement.where(status_filter(status))
    if search.strip():
        statement = statement.where(Invitation.email.contains(search.strip().lower(), autoescape=True))
    columns = {"email": Invitation.email, "created": Invitation.created_at,
               "expires": Invitation.expires_at}
    key = sort.lstrip("-")
    column = columns.get(key, Invitation.created_at)
    descending = sort.startswith("-") if key in columns else True
    return statement.order_by(column.desc() if descending else column.asc(), Invitation.id.desc())

