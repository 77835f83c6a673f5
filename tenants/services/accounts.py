"""People: accounts, sign-in, sessions and memberships."""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select

from samverkan.platform import audit, jobs
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


class AccountError(ValueError):
    """Invalid account data; ``field`` names the offending field, ``code`` the problem and
    ``message`` says it in the reader's language."""

    def __init__(self, field: str, code: str, message):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code


def normalise_email(email: str) -> str:
    """Validate an e-mail address and return it lower-cased; ValueError when invalid."""
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise ValueError(str(error)) from error


def check_password_strength(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise AccountError("password", "too_short", _l(
            "Use at least %(min)d characters.", min=MIN_PASSWORD_LENGTH))


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


def set_password(user: User, password: str, actor=None, *, via: str | None = None) -> None:
    """Set a new password and end every session of the user; ``via`` is audited."""
    check_password_strength(password)
    user.password_hash = hash_password(password)
    end_all_sessions(user)
    record_for_user("user.password_changed", user, actor=actor or user,
                    after={"via": via} if via else None)


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
        raise AccountError("roles", "unknown", _l("Unknown roles: %(roles)s", roles=", ".join(unknown)))
    if not roles:
        raise AccountError("roles", "required", _l("Choose at least one role."))
    if organisation is None and any(r in ROLES_BOUND_TO_ORGANISATION for r in roles):
        raise AccountError("organisation", "required", _l(
            "Owner representatives and provider reporters act for an organisation: choose one."))
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
        after = audit.snapshot(membership, MEMBERSHIP_FIELDS)
        if after != before:
            audit.record("membership.granted" if before is None else "membership.changed",
                         membership, actor=actor, tenant_id=tenant.id, before=before, after=after)
    return membership


# --- links, mail and password reset ----------------------------------------------------------

MAIL_JOB = "samverkan.platform.mail.send_mail_job"
RESET_SALT = "samverkan.password-reset"


class ResetLinkError(ValueError):
    """A password reset link that cannot be used; ``code`` is invalid, expired or used."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def external_url(endpoint: str, **values) -> str:
    """An absolute link for e-mail, built on SAMVERKAN_BASE_URL (never on the request's Host)."""
    base = urlsplit(current_app.config["SAMVERKAN_BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "http"
    )
    return adapter.build(endpoint, values, force_external=True)


def ensure_mail_can_be_queued() -> None:
    """Raise JobsUnavailable when no mail could be queued now, whoever it is for."""
    app = current_app._get_current_object()
    if app.config["SAMVERKAN_JOBS_MODE"] == "rq" and jobs.redis_state(app) != "ok":
        raise jobs.JobsUnavailable("the job queue is unavailable")


def queue_mail(to: str, subject: str, body: str, *, tenant_id: int | None = None) -> None:
    """Queue one message; it is sent after the transaction commits."""
    if tenant_id is not None:
        jobs.enqueue(MAIL_JOB, to, subject, body, tenant_id=tenant_id)
        return
    db.session.flush()  # pending tenant rows are written under their own tenant's settings
    with platform_scope("a mail about a person's own account belongs to no tenant"):
        jobs.enqueue(MAIL_JOB, to, subject, body)
        db.session.flush()


def record_for_user(action: str, user: User, *, actor=None, before=None, after=None) -> None:
    """An audit entry about a person's own account: it belongs to no tenant."""
    db.session.flush()  # pending tenant rows are written under their own tenant's settings
    with platform_scope("an entry about a person's account belongs to no tenant"):
        audit.record(action, user, actor=actor, tenant_id=None, before=before, after=after)


def password_fingerprint(user: User) -> str:
    """Changes whenever the password does: a reset link carrying it works once."""
    return hashlib.sha256((user.password_hash or "").encode()).hexdigest()[:32]


def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=RESET_SALT)


def password_reset_token(user: User) -> str:
    return _reset_serializer().dumps({"user": user.id, "fp": password_fingerprint(user)})


def user_for_reset_token(token: str) -> User:
    """The person a reset link is for; ResetLinkError when it is invalid, expired or used."""
    max_age = current_app.config["SAMVERKAN_RESET_HOURS"] * 3600
    try:
        data = _reset_serializer().loads(token, max_age=max_age)
    except SignatureExpired as error:
        raise ResetLinkError("expired") from error
    except BadSignature as error:
        raise ResetLinkError("invalid") from error
    if not isinstance(data, dict) or not isinstance(data.get("user"), int):
        raise ResetLinkError("invalid")
    user = db.session.get(User, data["user"])
    if user is None or not user.is_active:
        raise ResetLinkError("invalid")
    if not hmac.compare_digest(str(data.get("fp", "")), password_fingerprint(user)):
        raise ResetLinkError("used")
    return user


def request_password_reset(email: str, *, locale: str) -> None:
    """E-mail a reset link when an active account has this address; otherwise do nothing.

    The caller shows the same answer either way. The message is written in the person's
    preferred language, or in ``locale`` (the language of the page) when they have none.
    """
    ensure_mail_can_be_queued()
    user = find_user(email)
    if user is None or not user.is_active:
        return
    link = external_url("tenants.reset_password", token=password_reset_token(user))
    hours = current_app.config["SAMVERKAN_RESET_HOURS"]
    with force_locale(user.preferred_locale or locale):
        subject = gettext("Reset your Samverkan password")
        body = gettext(
            "Hello %(name)s,\n\n"
            "Someone asked to reset the password of your Samverkan account. If it was you, "
            "open this link and choose a new password:\n\n%(link)s\n\n"
            "The link works once and expires in %(hours)s hours. If you did not ask for it, "
            "you can ignore this message: your password stays as it is.",
            name=user.display_name, link=link, hours=hours,
        )
    queue_mail(user.email, subject, body)
    record_for_user("user.password_reset_requested", user, after={"email": user.email})


def reset_password(token: str, password: str) -> User:
    """Set a new password through a reset link; the link cannot be used again."""
    user = user_for_reset_token(token)
    set_password(user, password, actor=user, via="reset")
    return user


def change_password(user: User, current_password: str, new_password: str) -> None:
    """A signed-in person changes their password; AccountError when the current one is wrong."""
    if not verify_password(user.password_hash, current_password):
        raise AccountError("current_password", "incorrect", _l("The current password is incorrect."))
    set_password(user, new_password, actor=user, via="change")
