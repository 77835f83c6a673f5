"""Association projects: projects of an association tenant with funding, milestones, events and
documents, the tenants taking part, and each participant's consent to share.

Every table is tenant-owned. A :class:`Project`, its funding, milestones, events, documents
and :class:`ProjectParticipant` rows belong to the association's tenant. A
:class:`ParticipantConsent` belongs to the *participant's* tenant: the participant owns what it
agreed to share. Per-locale texts are JSON objects keyed by locale (``{"sv": "...", "fi": "..."}``).

Only :mod:`samverkan.tenants.services.sharing` reads or writes rows of one of these tenants on
behalf of the other.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from samverkan.platform.db import TenantScoped, TimestampMixin, db, utcnow

DEFAULT_MIN_GROUP_SIZE = 3


class ProjectStatus(enum.StrEnum):
    PLANNING = "planning"
    RUNNING = "running"
    CLOSED = "closed"


class MilestoneStatus(enum.StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"


class ParticipantStatus(enum.StrEnum):
    INVITED = "invited"  # a coordinator invited the tenant; its admin answers
    REQUESTED = "requested"  # the tenant asked to join; a coordinator answers
    ACTIVE = "active"
    DECLINED = "declined"  # an invitation declined, or a request rejected
    LEFT = "left"


class Project(TenantScoped, TimestampMixin, db.Model):
    """A project an association runs with participating tenants. ``min_group_size`` is the
    fewest sharing participants for which an aggregate (a benchmark) may be shown."""

    __tablename__ = "projects"
    __table_args__ = (UniqueConstraint("tenant_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(50))
    name: Mapped[dict] = mapped_column(JSON, default=dict)
    description: Mapped[dict] = mapped_column(JSON, default=dict)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default=ProjectStatus.PLANNING, index=True)
    min_group_size: Mapped[int] = mapped_column(Integer, default=DEFAULT_MIN_GROUP_SIZE)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    funding: Mapped[list[ProjectFunding]] = relationship(
        back_populates="project", cascade="all, delete-orphan", order_by="ProjectFunding.id"
    )
    milestones: Mapped[list[ProjectMilestone]] = relationship(
        back_populates="project", cascade="all, delete-orphan",
        order_by="(ProjectMilestone.due_date, ProjectMilestone.id)",
    )
    events: Mapped[list[ProjectEvent]] = relationship(
        back_populates="project", cascade="all, delete-orphan",
        order_by="(ProjectEvent.event_date, ProjectEvent.id)",
    )
    participants: Mapped[list[ProjectParticipant]] = relationship(
        back_populates="project", cascade="all, delete-orphan", order_by="ProjectParticipant.id"
    )
    documents: Mapped[list[ProjectDocument]] = relationship(
        back_populates="project", cascade="all, delete-orphan",
        order_by="(ProjectDocument.created_at.desc(), ProjectDocument.id.desc())",
    )


class ProjectFunding(TenantScoped, db.Model):
    """A funding source of a project (e.g. the ministry, the association, the participants)."""

    __tablename__ = "project_funding"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    source: Mapped[dict] = mapped_column(JSON, default=dict)
    amount: Mapped[Decimal] = mapped_column(Numeric(16, 2))
    currency: Mapped[str] = mapped_column(String(3))

    project: Mapped[Project] = relationship(back_populates="funding")


class ProjectMilestone(TenantScoped, TimestampMixin, db.Model):
    """A dated milestone of a project. ``late`` is computed, never stored."""

    __tablename__ = "project_milestones"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    title: Mapped[dict] = mapped_column(JSON, default=dict)
    due_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default=MilestoneStatus.PLANNED)

    project: Mapped[Project] = relationship(back_populates="milestones")

    def is_late(self, today: date) -> bool:
        return self.due_date < today and self.status != MilestoneStatus.DONE

    @property
    def late(self) -> bool:
        return self.is_late(date.today())


class ProjectEvent(TenantScoped, db.Model):
    """A project event (a seminar, a workshop) on a date, at a place or behind a link."""

    __tablename__ = "project_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    event_date: Mapped[date] = mapped_column(Date)
    title: Mapped[dict] = mapped_column(JSON, default=dict)
    place: Mapped[str] = mapped_column(String(200), default="")
    link: Mapped[str] = mapped_column(String(500), default="")

    project: Mapped[Project] = relationship(back_populates="events")


class ProjectDocumentType(enum.StrEnum):
    PLAN = "plan"
    MINUTES = "minutes"
    REPORT = "report"
    PRESENTATION = "presentation"
    OTHER = "other"


class ProjectDocument(TenantScoped, db.Model):
    """A file of a project (a plan, minutes, a report...). The bytes live outside the web root,
    named by ``storage_key`` (see :mod:`samverkan.platform.files`); they are served only
    through views that check who may read the project."""

    __tablename__ = "project_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    doc_type: Mapped[str] = mapped_column(String(30))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(100), unique=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    uploaded_by_label: Mapped[str] = mapped_column(String(254), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    project: Mapped[Project] = relationship(back_populates="documents")


class ProjectParticipant(TenantScoped, TimestampMixin, db.Model):
    """A tenant taking part in (or invited to, or asking to join) a project. The row is the
    association's; the participant's admin answers through the sharing service."""

    __tablename__ = "project_participants"
    __table_args__ = (UniqueConstraint("tenant_id", "project_id", "participant_tenant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    participant_tenant_id: Mapped[int] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(20), index=True)
    invited_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    invited_by_label: Mapped[str] = mapped_column(String(254), default="")
    requested_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    requested_by_label: Mapped[str] = mapped_column(String(254), default="")
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    answered_by_label: Mapped[str] = mapped_column(String(254), default="")

    project: Mapped[Project] = relationship(back_populates="participants")


class ParticipantConsent(TenantScoped, db.Model):
    """What a participant shares with a project: values of the listed indicator codes, named
    or anonymised, and optionally the statuses of its owner-steering goals.

    The row lives in the participant's tenant. ``project_id`` and ``participant_id`` are plain
    integers, not foreign keys: they name the association's rows, and a key across tenants
    would let one tenant's deletion reach into (or be blocked by) another tenant's data, and
    would not survive distributing the tables by tenant.

    Rows are never changed except to set ``withdrawn_at``: a change of scope withdraws the row
    in force and adds a new one, so the history reads as a sequence of grants. The row in force
    is the one with ``withdrawn_at`` null.
    """

    __tablename__ = "participant_consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(Integer, index=True)
    participant_id: Mapped[int] = mapped_column(Integer, index=True)
    association_tenant_id: Mapped[int] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), index=True
    )
    indicator_codes: Mapped[list] = mapped_column(JSON, default=list)
    anonymised: Mapped[bool] = mapped_column(Boolean, default=False)
    share_goal_statuses: Mapped[bool] = mapped_column(Boolean, default=False)
    granted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    granted_by_label: Mapped[str] = mapped_column(String(254), default="")
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawn_by_label: Mapped[str] = mapped_column(String(254), default="")

    @property
    def in_force(self) -> bool:
        return self.withdrawn_at is None
