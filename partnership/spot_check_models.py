"""Spot checks: a reproducible random sample of a provider's student records or invoice lines
for a period, drawn by the purchaser, and the assessment of each sampled item.

The spot check stores what anyone needs to redraw it: the seed, the size asked for and the
references of the whole population as they were at the draw
(:mod:`samverkan.partnership.services.spot_checks`). Corrective actions after a finding are
:class:`~samverkan.partnership.purchasing_models.FollowUpAction` rows whose ``source_kind`` is
``spot_check`` and ``source_id`` the item's id.
"""

from __future__ import annotations

import enum
from datetime import date
from decimal import Decimal

from sqlalchemy import JSON, Date, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from samverkan.platform.db import TenantScoped, TimestampMixin, db
from samverkan.tenants.models import Organisation


class PopulationKind(enum.StrEnum):
    """What a spot check samples."""

    ENROLMENTS = "enrolments"  # the provider's student records
    INVOICE_LINES = "invoice_lines"


class SpotCheckStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class ItemStatus(enum.StrEnum):
    PENDING = "pending"
    NO_REMARK = "no_remark"
    FINDING = "finding"


class SpotCheck(TenantScoped, TimestampMixin, db.Model):
    """One draw over a provider's population for a period, and its follow-up.

    Exactly one of ``sample_count`` and ``sample_percent`` is set. ``population_refs`` is the
    sorted list of every reference in the population at the draw."""

    __tablename__ = "spot_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    population_kind: Mapped[str] = mapped_column(String(20))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    seed: Mapped[str] = mapped_column(String(64))
    sample_count: Mapped[int | None] = mapped_column(Integer)
    sample_percent: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    population_size: Mapped[int] = mapped_column(Integer, default=0)
    population_refs: Mapped[list] = mapped_column(JSON, default=list)
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default=SpotCheckStatus.OPEN)
    closed_on: Mapped[date | None] = mapped_column(Date)
    created_by_label: Mapped[str] = mapped_column(String(254), default="")

    organisation: Mapped[Organisation] = relationship()
    items: Mapped[list[SpotCheckItem]] = relationship(
        back_populates="spot_check", cascade="all, delete-orphan",
        order_by="SpotCheckItem.rank",
    )


class SpotCheckItem(TenantScoped, db.Model):
    """A sampled item in draw order (``rank`` from 1), what it was at the draw (``summary``)
    and its assessment: pending, no remark or a finding described in ``finding``."""

    __tablename__ = "spot_check_items"
    __table_args__ = (
        UniqueConstraint("spot_check_id", "rank"),
        UniqueConstraint("spot_check_id", "ref"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    spot_check_id: Mapped[int] = mapped_column(
        ForeignKey("spot_checks.id", ondelete="CASCADE"), index=True
    )
    rank: Mapped[int] = mapped_column(Integer)
    ref: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(400), default="")
    status: Mapped[str] = mapped_column(String(20), default=ItemStatus.PENDING)
    finding: Mapped[str] = mapped_column(Text, default="")
    assessed_on: Mapped[date | None] = mapped_column(Date)
    assessed_by_label: Mapped[str] = mapped_column(String(254), default="")

    spot_check: Mapped[SpotCheck] = relationship(back_populates="items")
