"""Employer-driven training orders: an employer's need written down with the municipality as a
specification, sent to the providers authorised for its programme area, answered by their
offers, one offer chosen, and the start of the training recorded.

Every table is tenant-owned. The specification is per-locale text (JSON keyed by locale);
prices are exact decimals. The recipients of a sent order are stored, so that later changes of
the register do not change who was asked.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from samverkan.platform.db import TenantScoped, TimestampMixin, db
from samverkan.tenants.models import Organisation


class OrderStatus(enum.StrEnum):
    DRAFT = "draft"
    SENT = "sent"
    CHOSEN = "chosen"
    STARTED = "started"
    CANCELLED = "cancelled"


class OfferStatus(enum.StrEnum):
    SUBMITTED = "submitted"
    WITHDRAWN = "withdrawn"
    CHOSEN = "chosen"
    DECLINED = "declined"


class TrainingOrder(TenantScoped, TimestampMixin, db.Model):
    """An employer's need of trained people, from registration to the start of the training."""

    __tablename__ = "training_orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True)
    competence: Mapped[str] = mapped_column(String(200))
    programme_area: Mapped[str] = mapped_column(String(40))
    people: Mapped[int] = mapped_column(Integer)
    place: Mapped[str] = mapped_column(String(200), default="")
    wanted_start_on: Mapped[date | None] = mapped_column(Date)
    need_registered_on: Mapped[date] = mapped_column(Date)
    specification: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(20), default=OrderStatus.DRAFT, index=True)
    sent_on: Mapped[date | None] = mapped_column(Date)
    answer_by: Mapped[date | None] = mapped_column(Date)
    chosen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    started_on: Mapped[date | None] = mapped_column(Date)
    cancelled_on: Mapped[date | None] = mapped_column(Date)
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    created_by_label: Mapped[str] = mapped_column(String(254), default="")

    employer: Mapped[Organisation] = relationship()
    recipients: Mapped[list[TrainingOrderRecipient]] = relationship(
        back_populates="order", cascade="all, delete-orphan",
        order_by="TrainingOrderRecipient.id")
    offers: Mapped[list[TrainingOffer]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="TrainingOffer.id")


class TrainingOrderRecipient(TenantScoped, db.Model):
    """A provider the order was sent to (authorised for its area on the sending day)."""

    __tablename__ = "training_order_recipients"
    __table_args__ = (UniqueConstraint("tenant_id", "order_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(
        ForeignKey("training_orders.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True)

    order: Mapped[TrainingOrder] = relationship(back_populates="recipients")
    organisation: Mapped[Organisation] = relationship()


class TrainingOffer(TenantScoped, TimestampMixin, db.Model):
    """A recipient provider's answer to an order: when, how many places, at what price."""

    __tablename__ = "training_offers"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(
        ForeignKey("training_orders.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True)
    planned_start_on: Mapped[date] = mapped_column(Date)
    places: Mapped[int] = mapped_column(Integer)
    price: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default=OfferStatus.SUBMITTED)
    submitted_by_label: Mapped[str] = mapped_column(String(254), default="")

    order: Mapped[TrainingOrder] = relationship(back_populates="offers")
    organisation: Mapped[Organisation] = relationship()
