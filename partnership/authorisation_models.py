"""Authorisation of providers: the purchaser's criteria catalogue, the providers' applications
with an answer per criterion, the purchaser's assessment of each answer and the decision.

Every table is tenant-owned. Per-locale texts are JSON objects keyed by locale. An approved
application whose validity includes today makes its provider authorised for the approved
programme areas (the public register lists those) until it is revoked, the last step of the
sanctions ladder (remark, warning, revocation; :class:`AuthorisationSanction`). The attachments of
an answer are :class:`samverkan.partnership.purchasing_models.AnswerAttachment`.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from samverkan.platform.db import TenantScoped, TimestampMixin, db, utcnow
from samverkan.tenants.models import Organisation


class ApplicationStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    REVOKED = "revoked"


class SanctionLevel(enum.StrEnum):
    """The sanctions ladder, in order: a revocation requires an earlier warning."""

    REMARK = "remark"
    WARNING = "warning"
    REVOCATION = "revocation"


class Assessment(enum.StrEnum):
    PENDING = "pending"
    MET = "met"
    NOT_MET = "not_met"


class AuthorisationCriterion(TenantScoped, TimestampMixin, db.Model):
    """A criterion providers must meet, with the evidence it requires; kept once used."""

    __tablename__ = "authorisation_criteria"
    __table_args__ = (UniqueConstraint("tenant_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(50))
    text: Mapped[dict] = mapped_column(JSON, default=dict)
    evidence: Mapped[dict] = mapped_column(JSON, default=dict)
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class AuthorisationApplication(TenantScoped, TimestampMixin, db.Model):
    """A provider's application for authorisation and the purchaser's decision on it."""

    __tablename__ = "authorisation_applications"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    status: Mapped[str] = mapped_column(String(20), default=ApplicationStatus.DRAFT)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by_label: Mapped[str] = mapped_column(String(254), default="")
    programme_areas: Mapped[list] = mapped_column(JSON, default=list)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    decision_reasons: Mapped[dict] = mapped_column(JSON, default=dict)
    created_by_label: Mapped[str] = mapped_column(String(254), default="")
    next_recheck_on: Mapped[date | None] = mapped_column(Date)
    revoked_on: Mapped[date | None] = mapped_column(Date)

    organisation: Mapped[Organisation] = relationship()
    sanctions: Mapped[list[AuthorisationSanction]] = relationship(
        back_populates="application", cascade="all, delete-orphan",
        order_by="(AuthorisationSanction.decided_on, AuthorisationSanction.id)",
    )
    answers: Mapped[list[ApplicationAnswer]] = relationship(
        back_populates="application", cascade="all, delete-orphan",
        order_by="ApplicationAnswer.id",
    )


class ApplicationAnswer(TenantScoped, TimestampMixin, db.Model):
    """The provider's answer to one criterion and the purchaser's assessment of it."""

    __tablename__ = "application_answers"
    __table_args__ = (UniqueConstraint("tenant_id", "application_id", "criterion_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("authorisation_applications.id", ondelete="CASCADE"), index=True
    )
    criterion_id: Mapped[int] = mapped_column(
        ForeignKey("authorisation_criteria.id", ondelete="RESTRICT"), index=True
    )
    answer: Mapped[str] = mapped_column(Text, default="")
    assessment: Mapped[str] = mapped_column(String(20), default=Assessment.PENDING)
    assessment_comment: Mapped[str] = mapped_column(Text, default="")
    assessed_by_label: Mapped[str] = mapped_column(String(254), default="")

    application: Mapped[AuthorisationApplication] = relationship(back_populates="answers")
    criterion: Mapped[AuthorisationCriterion] = relationship()


class AuthorisationSanction(TenantScoped, db.Model):
    """A step of the sanctions ladder taken against an authorised provider; kept as history."""

    __tablename__ = "authorisation_sanctions"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("authorisation_applications.id", ondelete="CASCADE"), index=True
    )
    level: Mapped[str] = mapped_column(String(20))
    decided_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[dict] = mapped_column(JSON, default=dict)
    decided_by_label: Mapped[str] = mapped_column(String(254), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    application: Mapped[AuthorisationApplication] = relationship(back_populates="sanctions")
