"""Quality dialogues under the authorisation model: the tenant's agenda template, the
scheduled dialogues with each provider (agenda, minutes) and the guidance counsellors'
observations of what students say about a provider, which feed the next dialogue's agenda.

Every table is tenant-owned. Per-locale texts are JSON objects keyed by locale. The actions
agreed in a dialogue are follow-up actions (``source_kind`` ``dialogue``; see
:mod:`samverkan.partnership.purchasing_models`).
"""

from __future__ import annotations

import enum
from datetime import date

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from samverkan.platform.db import TenantScoped, TimestampMixin, db
from samverkan.tenants.models import Organisation


class DialogueStatus(enum.StrEnum):
    PLANNED = "planned"
    HELD = "held"
    CANCELLED = "cancelled"


class ObservationStatus(enum.StrEnum):
    NEW = "new"
    TAKEN = "taken_to_dialogue"
    CLOSED = "closed"


class ObservationTheme(enum.StrEnum):
    TEACHING = "teaching"
    STUDY_SUPPORT = "study_support"
    PREMISES = "premises_equipment"
    WORKPLACE_LEARNING = "workplace_learning"
    OTHER = "other"


class ObservationTone(enum.StrEnum):
    POSITIVE = "positive"
    CONCERN = "concern"


class AgendaTemplateItem(TenantScoped, TimestampMixin, db.Model):
    """One item of the tenant's standing agenda of quality dialogues, in order."""

    __tablename__ = "dialogue_agenda_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[dict] = mapped_column(JSON, default=dict)


class QualityDialogue(TenantScoped, TimestampMixin, db.Model):
    """A quality dialogue between the purchaser and a provider: planned for a date, then held
    (with minutes) or cancelled. ``agenda`` is per-locale text, built from the template and the
    provider's new guidance observations when the dialogue is scheduled."""

    __tablename__ = "quality_dialogues"
    __table_args__ = (
        Index("ix_quality_dialogues_tenant_provider_date", "tenant_id", "organisation_id",
              "scheduled_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    scheduled_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default=DialogueStatus.PLANNED)
    held_on: Mapped[date | None] = mapped_column(Date)
    agenda: Mapped[dict] = mapped_column(JSON, default=dict)
    minutes: Mapped[dict] = mapped_column(JSON, default=dict)
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    created_by_label: Mapped[str] = mapped_column(String(254), default="")

    organisation: Mapped[Organisation] = relationship()
    observations: Mapped[list[GuidanceObservation]] = relationship(
        back_populates="dialogue",
        order_by="(GuidanceObservation.observed_on, GuidanceObservation.id)",
    )


class GuidanceObservation(TenantScoped, TimestampMixin, db.Model):
    """What a guidance counsellor heard from students about a provider's quality; never a
    student's name. Taken into a dialogue's agenda when one is scheduled, later closed."""

    __tablename__ = "guidance_observations"
    __table_args__ = (
        Index("ix_guidance_observations_tenant_provider_status", "tenant_id",
              "organisation_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    observed_on: Mapped[date] = mapped_column(Date)
    theme: Mapped[str] = mapped_column(String(30))
    tone: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default=ObservationStatus.NEW)
    dialogue_id: Mapped[int | None] = mapped_column(
        ForeignKey("quality_dialogues.id", ondelete="SET NULL"), index=True
    )
    author_user_id: Mapped[int | None] = mapped_column(Integer)
    author_label: Mapped[str] = mapped_column(String(254), default="")

    organisation: Mapped[Organisation] = relationship()
    dialogue: Mapped[QualityDialogue | None] = relationship(back_populates="observations")
