"""Tenants, people, memberships, organisations, invitations and API clients."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from samverkan.platform.db import TenantScoped, TimestampMixin, db, utcnow


class TenantKind(enum.StrEnum):
    MUNICIPALITY = "municipality"
    CONSORTIUM = "consortium"
    ASSOCIATION = "association"


class TenantStatus(enum.StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"


class Role(enum.StrEnum):
    ADMIN = "admin"
    OWNER_REPRESENTATIVE = "owner_representative"
    PROVIDER_REPORTER = "provider_reporter"
    PURCHASER = "purchaser"
    COORDINATOR = "coordinator"
    GUIDANCE_COUNSELLOR = "guidance_counsellor"
    VIEWER = "viewer"


ROLES_BOUND_TO_ORGANISATION = {Role.OWNER_REPRESENTATIVE, Role.PROVIDER_REPORTER}


class OrganisationKind(enum.StrEnum):
    MUNICIPALITY = "municipality"
    PROVIDER = "provider"
    EMPLOYER = "employer"
    OTHER = "other"


class Tenant(TimestampMixin, db.Model):
    """A municipality, a provider consortium or an association: the unit of isolation."""

    __tablename__ = "tenants"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[dict] = mapped_column(JSON, default=dict)
    content_locales: Mapped[list] = mapped_column(JSON, default=list)
    default_locale: Mapped[str] = mapped_column(String(5))
    country: Mapped[str] = mapped_column(String(2))
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(20), default=TenantStatus.ACTIVE)
    settings: Mapped[dict] = mapped_column(JSON, default=dict)

    @property
    def is_active(self) -> bool:
        return self.status == TenantStatus.ACTIVE

    def __repr__(self) -> str:
        return f"<Tenant {self.slug}>"


class User(UserMixin, TimestampMixin, db.Model):
    """A person. Belongs to tenants through memberships."""

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))  # stored lower-cased: unique regardless of case
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str | None] = mapped_column(String(255))
    preferred_locale: Mapped[str | None] = mapped_column(String(5))
    is_operator: Mapped[bool] = mapped_column(Boolean, default=False)
    is_disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)
    last_signed_in_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    def get_id(self) -> str:
        # The epoch ends every session of the user when it changes (sign-out, new password).
        return f"{self.id}:{self.session_epoch}"

    @property
    def is_active(self) -> bool:
        return not self.is_disabled

    @property
    def display_name(self) -> str:
        return self.name or self.email

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class Organisation(TenantScoped, TimestampMixin, db.Model):
    """A municipality, provider, employer or other body known to a tenant."""

    __tablename__ = "organisations"
    __table_args__ = (UniqueConstraint("tenant_id", "business_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[dict] = mapped_column(JSON, default=dict)
    business_id: Mapped[str | None] = mapped_column(String(20))
    country: Mapped[str] = mapped_column(String(2))
    is_archived: Mapped[bool] = mapped_column(Boolean, default=False)


class Membership(TenantScoped, TimestampMixin, db.Model):
    """A user's roles in one tenant, optionally bound to an organisation."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("tenant_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    roles: Mapped[list] = mapped_column(JSON, default=list)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT")
    )

    user: Mapped[User] = relationship(lazy="joined")
    tenant: Mapped[Tenant] = relationship(lazy="joined")
    organisation: Mapped[Organisation | None] = relationship(lazy="joined")

    def has_role(self, *roles: str) -> bool:
        return any(role in self.roles for role in roles)


class Invitation(TenantScoped, TimestampMixin, db.Model):
    """A single-use, expiring invitation to join a tenant with given roles."""

    __tablename__ = "invitations"
    __table_args__ = (UniqueConstraint("tenant_id", "token_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    roles: Mapped[list] = mapped_column(JSON, default=list)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL")
    )
    token_hash: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    locale: Mapped[str] = mapped_column(String(5), default="sv")

    organisation: Mapped[Organisation | None] = relationship()
    invited_by: Mapped[User | None] = relationship()


class ApiClient(TenantScoped, TimestampMixin, db.Model):
    """An OAuth2 machine client of a tenant, bound to an organisation and scopes."""

    __tablename__ = "api_clients"
    __table_args__ = (UniqueConstraint("client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64))
    secret_hash: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(200))
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT")
    )
    scopes: Mapped[list] = mapped_column(JSON, default=list)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    organisation: Mapped[Organisation | None] = relationship()


class ApiToken(TenantScoped, db.Model):
    """An issued access token, stored as a SHA-256 hash."""

    __tablename__ = "api_tokens"
    __table_args__ = (UniqueConstraint("token_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("api_clients.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64))
    scope: Mapped[str] = mapped_column(String(500), default="")
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    client: Mapped[ApiClient] = relationship()


# Association projects live in a module of their own; imported here so that the metadata (and
# Alembic) see their tables wherever the tenants' models are imported.
from samverkan.tenants import project_models  # noqa: E402, F401
