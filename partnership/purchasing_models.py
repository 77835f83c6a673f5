"""The purchasing side of the authorisation model: the versions of a tenant's compensation
model, the enrolments providers report (which the calculator prices), the providers' invoices
with their lines (reconciled against the computed payouts), the attachments of an application's
answers, and the follow-up actions agreed after a spot check or a quality dialogue.

Every table is tenant-owned. Per-locale texts are JSON objects keyed by locale; amounts and
quantities are exact decimals (``Numeric``).
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
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from samverkan.platform.db import TenantScoped, TimestampMixin, db, utcnow
from samverkan.tenants.models import Organisation

AMOUNT = Numeric(14, 2)  # kronor and öre / euros and cents
QUANTITY = Numeric(10, 2)  # course points or weeks
SHARE = Numeric(6, 4)  # a fraction such as 0.6500


class CompensationVersion(TenantScoped, TimestampMixin, db.Model):
    """One version of the tenant's compensation model, valid from a date.

    ``components`` is a list of ``{"course_type", "basis", "amount", "result_prices"}``
    (amounts as strings); ``demand_weights`` maps a programme area to its weight and
    ``indexation`` a year to its percentage, both as strings. A version that has priced a
    payout is never changed; a new version is made instead.
    """

    __tablename__ = "compensation_versions"
    __table_args__ = (UniqueConstraint("tenant_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    valid_from: Mapped[date] = mapped_column(Date)
    base_year: Mapped[int] = mapped_column(Integer)
    during_course_share: Mapped[Decimal] = mapped_column(SHARE)
    on_grades_share: Mapped[Decimal] = mapped_column(SHARE)
    grade_deadline_days: Mapped[int] = mapped_column(Integer, default=0)
    components: Mapped[list] = mapped_column(JSON, default=list)
    demand_weights: Mapped[dict] = mapped_column(JSON, default=dict)
    indexation: Mapped[dict] = mapped_column(JSON, default=dict)
    note: Mapped[dict] = mapped_column(JSON, default=dict)
    created_by_label: Mapped[str] = mapped_column(String(254), default="")


class Enrolment(TenantScoped, TimestampMixin, db.Model):
    """A student's enrolment on a course at an authorised provider, as the provider reports
    it: the course, its dates and size, and later the completion and the day grades were
    reported. ``student_ref`` is the provider's pseudonymous reference, never a name or an
    identity number."""

    __tablename__ = "enrolments"
    __table_args__ = (
        UniqueConstraint("tenant_id", "organisation_id", "student_ref", "course_code",
                         "starts_on"),
        Index("ix_enrolments_tenant_provider_dates", "tenant_id", "organisation_id",
              "starts_on", "ends_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    student_ref: Mapped[str] = mapped_column(String(64))
    course_type: Mapped[str] = mapped_column(String(50))
    course_code: Mapped[str] = mapped_column(String(50), default="")
    course_name: Mapped[str] = mapped_column(String(200), default="")
    programme_area: Mapped[str | None] = mapped_column(String(50))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    course_points: Mapped[Decimal | None] = mapped_column(QUANTITY)
    weeks: Mapped[Decimal | None] = mapped_column(QUANTITY)
    category: Mapped[str | None] = mapped_column(String(50))
    completed: Mapped[bool] = mapped_column(Boolean, default=False)
    grades_reported_on: Mapped[date | None] = mapped_column(Date)
    reported_by_label: Mapped[str] = mapped_column(String(254), default="")

    organisation: Mapped[Organisation] = relationship()


class InvoiceStatus(enum.StrEnum):
    RECEIVED = "received"
    APPROVED = "approved"
    DISPUTED = "disputed"


class Invoice(TenantScoped, TimestampMixin, db.Model):
    """A provider's invoice to the purchaser for a period, entered or imported."""

    __tablename__ = "invoices"
    __table_args__ = (UniqueConstraint("tenant_id", "organisation_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    number: Mapped[str] = mapped_column(String(50))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    received_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default=InvoiceStatus.RECEIVED)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_by_label: Mapped[str] = mapped_column(String(254), default="")

    organisation: Mapped[Organisation] = relationship()
    lines: Mapped[list[InvoiceLine]] = relationship(
        back_populates="invoice", cascade="all, delete-orphan",
        order_by="(InvoiceLine.position, InvoiceLine.id)",
    )


class InvoiceLine(TenantScoped, db.Model):
    """One line of an invoice: a student's course and which part of the price it bills
    (``during_course`` or ``on_grades``, as the calculator's lines)."""

    __tablename__ = "invoice_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(
        ForeignKey("invoices.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    student_ref: Mapped[str] = mapped_column(String(64))
    course_type: Mapped[str] = mapped_column(String(50))
    part: Mapped[str] = mapped_column(String(20))
    amount: Mapped[Decimal] = mapped_column(AMOUNT)
    text: Mapped[str] = mapped_column(String(200), default="")

    invoice: Mapped[Invoice] = relationship(back_populates="lines")


class AnswerAttachment(TenantScoped, db.Model):
    """A file attached to an application's answer to a criterion (the evidence the criterion
    asks for). The bytes live outside the web root, named by ``storage_key``
    (:mod:`samverkan.platform.files`)."""

    __tablename__ = "answer_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    answer_id: Mapped[int] = mapped_column(
        ForeignKey("application_answers.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(100), unique=True)
    uploaded_by_label: Mapped[str] = mapped_column(String(254), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ActionSource(enum.StrEnum):
    """What a follow-up action was agreed after."""

    SPOT_CHECK = "spot_check"
    DIALOGUE = "dialogue"


class ActionStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class FollowUpAction(TenantScoped, TimestampMixin, db.Model):
    """A corrective action after a spot check's finding, or an action agreed in a quality
    dialogue: what is to be done, by whom and when, tracked until closed.

    ``source_kind`` and ``source_id`` name the finding (a spot-check item) or the dialogue it
    came from; ``owner`` is the person responsible and ``owner_party`` whether they act for the
    purchaser or the provider."""

    __tablename__ = "follow_up_actions"
    __table_args__ = (
        Index("ix_follow_up_actions_source", "tenant_id", "source_kind", "source_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    source_kind: Mapped[str] = mapped_column(String(20))
    source_id: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(200))
    owner_party: Mapped[str] = mapped_column(String(20), default="provider")
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default=ActionStatus.OPEN)
    closed_on: Mapped[date | None] = mapped_column(Date)
    closing_note: Mapped[str] = mapped_column(Text, default="")
    created_by_label: Mapped[str] = mapped_column(String(254), default="")

    organisation: Mapped[Organisation] = relationship()
