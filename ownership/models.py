"""Owner steering: owner stakes, owner strategies, goal themes, steering goals and their
milestones and history, owners' meetings with agenda items, votes and weighted decisions, and
progress reports.

Every table is tenant-owned (the consortium's tenant). Per-locale texts are JSON objects keyed by
locale (``{"sv": "...", "fi": "..."}``), like ``Organisation.name``. Shares and measure values are
exact decimals (``Numeric``); the services compute with :class:`decimal.Decimal` only.

The tenant settings of this domain live in ``Tenant.settings["ownership"]``; see
:mod:`samverkan.ownership.services.settings`.
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
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from samverkan.platform.db import TenantScoped, TimestampMixin, db, utcnow
from samverkan.tenants.models import Organisation, User

SHARE = Numeric(5, 2)  # percent, 0.01-100.00
MEASURE = Numeric(18, 4)  # a measure value: up to 14 integer digits and 4 decimals


class StrategyStatus(enum.StrEnum):
    DRAFT = "draft"
    ADOPTED = "adopted"
    ARCHIVED = "archived"


class Direction(enum.StrEnum):
    HIGHER = "higher"  # higher is better
    LOWER = "lower"  # lower is better


class GoalStatus(enum.StrEnum):
    DRAFT = "draft"
    PROPOSED = "proposed"
    ADOPTED = "adopted"
    ACHIEVED = "achieved"
    NOT_ACHIEVED = "not_achieved"
    WITHDRAWN = "withdrawn"


class MeetingStatus(enum.StrEnum):
    PLANNED = "planned"
    HELD = "held"
    CLOSED = "closed"


class ItemOutcome(enum.StrEnum):
    PENDING = "pending"
    ADOPTED = "adopted"
    REJECTED = "rejected"


class VoteChoice(enum.StrEnum):
    YES = "yes"
    NO = "no"
    ABSTAIN = "abstain"


class DecisionRule(enum.StrEnum):
    MAJORITY_REPRESENTED = "majority_represented"  # more than half of the shares represented
    QUALIFIED_ALL = "qualified_all"  # at least a fraction (e.g. 2/3) of all shares


class DecisionResult(enum.StrEnum):
    ADOPTED = "adopted"
    REJECTED = "rejected"


class ProgressStatus(enum.StrEnum):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"


class OwnerStake(TenantScoped, TimestampMixin, db.Model):
    """An owner's share of the consortium for a period; a change of share is a new row.

    ``valid_from`` and ``valid_to`` are both days on which the stake is in force; an open stake
    (``valid_to`` null) is in force until it is ended or replaced.
    """

    __tablename__ = "owner_stakes"
    __table_args__ = (UniqueConstraint("tenant_id", "organisation_id", "valid_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    share: Mapped[Decimal] = mapped_column(SHARE)
    basis: Mapped[str] = mapped_column(String(300), default="")
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    organisation: Mapped[Organisation] = relationship(lazy="joined")

    def in_force_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class OwnerStrategy(TenantScoped, TimestampMixin, db.Model):
    """The owners' strategy for a period of years; steering goals belong to one."""

    __tablename__ = "owner_strategies"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[dict] = mapped_column(JSON, default=dict)
    text: Mapped[dict] = mapped_column(JSON, default=dict)
    from_year: Mapped[int] = mapped_column(Integer)
    to_year: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default=StrategyStatus.DRAFT)
    adopted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    goals: Mapped[list[SteeringGoal]] = relationship(back_populates="strategy")

    def overlaps(self, from_year: int, to_year: int) -> bool:
        return self.from_year <= to_year and from_year <= self.to_year


class GoalTheme(TenantScoped, TimestampMixin, db.Model):
    """A theme of steering goals; the tenant edits the list, the code stays stable."""

    __tablename__ = "goal_themes"
    __table_args__ = (UniqueConstraint("tenant_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(50))
    name: Mapped[dict] = mapped_column(JSON, default=dict)
    position: Mapped[int] = mapped_column(Integer, default=0)
    is_archived: Mapped[bool] = mapped_column(Boolean, default=False)


class SteeringGoal(TenantScoped, TimestampMixin, db.Model):
    """A steering goal proposed by an owner, decided in an owners' meeting, then followed up."""

    __tablename__ = "steering_goals"

    id: Mapped[int] = mapped_column(primary_key=True)
    strategy_id: Mapped[int] = mapped_column(
        ForeignKey("owner_strategies.id", ondelete="RESTRICT"), index=True
    )
    theme_id: Mapped[int] = mapped_column(ForeignKey("goal_themes.id", ondelete="RESTRICT"), index=True)
    proposer_organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    title: Mapped[dict] = mapped_column(JSON, default=dict)
    description: Mapped[dict] = mapped_column(JSON, default=dict)
    unit: Mapped[str] = mapped_column(String(50))
    direction: Mapped[str] = mapped_column(String(10))
    baseline_value: Mapped[Decimal] = mapped_column(MEASURE)
    baseline_year: Mapped[int] = mapped_column(Integer)
    target_value: Mapped[Decimal] = mapped_column(MEASURE)
    target_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default=GoalStatus.DRAFT, index=True)
    # The decision of the owners' meeting that adopted the goal. The FK closes a cycle
    # (decision -> agenda item -> goal), so it is created after the tables.
    adopted_decision_id: Mapped[int | None] = mapped_column(
        ForeignKey("decisions.id", ondelete="SET NULL", use_alter=True)
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    strategy: Mapped[OwnerStrategy] = relationship(back_populates="goals")
    theme: Mapped[GoalTheme] = relationship()
    proposer: Mapped[Organisation] = relationship()
    adopted_decision: Mapped[Decision | None] = relationship(
        foreign_keys=[adopted_decision_id], post_update=True
    )
    milestones: Mapped[list[GoalMilestone]] = relationship(
        back_populates="goal", cascade="all, delete-orphan", order_by="GoalMilestone.year"
    )
    transitions: Mapped[list[GoalTransition]] = relationship(
        back_populates="goal", cascade="all, delete-orphan",
        order_by="(GoalTransition.occurred_at, GoalTransition.id)",
    )
    progress_reports: Mapped[list[ProgressReport]] = relationship(
        back_populates="goal", cascade="all, delete-orphan",
        order_by="(ProgressReport.period_date, ProgressReport.id)",
    )

    @property
    def pull(self) -> int:
        """Which way the target moves the measure: 1 up, -1 down, 0 holds it."""
        if self.target_value > self.baseline_value:
            return 1
        if self.target_value < self.baseline_value:
            return -1
        return 0


class GoalMilestone(TenantScoped, db.Model):
    """An optional yearly milestone of a goal's measure."""

    __tablename__ = "goal_milestones"
    __table_args__ = (UniqueConstraint("tenant_id", "goal_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("steering_goals.id", ondelete="CASCADE"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    value: Mapped[Decimal] = mapped_column(MEASURE)

    goal: Mapped[SteeringGoal] = relationship(back_populates="milestones")


class GoalTransition(TenantScoped, db.Model):
    """One change of a goal's status: from, to, who, when, why (and by which decision)."""

    __tablename__ = "goal_transitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("steering_goals.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor_label: Mapped[str] = mapped_column(String(254), default="")
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    note: Mapped[str] = mapped_column(Text, default="")
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id", ondelete="SET NULL"))

    goal: Mapped[SteeringGoal] = relationship(back_populates="transitions")
    actor: Mapped[User | None] = relationship()
    decision: Mapped[Decision | None] = relationship(foreign_keys=[decision_id])


class OwnersMeeting(TenantScoped, TimestampMixin, db.Model):
    """An owners' meeting (ägarsamråd / omistajakokous) that decides proposed goals."""

    __tablename__ = "owners_meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_date: Mapped[date] = mapped_column(Date, index=True)
    agenda: Mapped[dict] = mapped_column(JSON, default=dict)
    minutes: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(20), default=MeetingStatus.PLANNED)

    items: Mapped[list[AgendaItem]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan",
        order_by="(AgendaItem.position, AgendaItem.id)",
    )


class AgendaItem(TenantScoped, TimestampMixin, db.Model):
    """A proposed goal on a meeting's agenda, and the outcome of the vote on it."""

    __tablename__ = "agenda_items"
    __table_args__ = (UniqueConstraint("tenant_id", "meeting_id", "goal_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("owners_meetings.id", ondelete="CASCADE"), index=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("steering_goals.id", ondelete="RESTRICT"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=1)
    outcome: Mapped[str] = mapped_column(String(20), default=ItemOutcome.PENDING)

    meeting: Mapped[OwnersMeeting] = relationship(back_populates="items")
    goal: Mapped[SteeringGoal] = relationship()
    votes: Mapped[list[Vote]] = relationship(
        back_populates="item", cascade="all, delete-orphan", order_by="Vote.id"
    )
    decision: Mapped[Decision | None] = relationship(
        back_populates="item", cascade="all, delete-orphan", uselist=False,
        foreign_keys="Decision.agenda_item_id",
    )


class Vote(TenantScoped, db.Model):
    """An owner's vote on an agenda item, cast by one of its owner representatives."""

    __tablename__ = "votes"
    __table_args__ = (UniqueConstraint("tenant_id", "agenda_item_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agenda_item_id: Mapped[int] = mapped_column(ForeignKey("agenda_items.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    choice: Mapped[str] = mapped_column(String(10))
    cast_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    item: Mapped[AgendaItem] = relationship(back_populates="votes")
    organisation: Mapped[Organisation] = relationship()
    user: Mapped[User | None] = relationship()


class Decision(TenantScoped, db.Model):
    """The weighted result of an agenda item, with the arithmetic that produced it.

    Shares are percentages of the consortium in force on the meeting date. ``breakdown`` lists
    every owner with its share and choice (``"absent"`` when it did not vote), so the decision
    reads the same after shares change.
    """

    __tablename__ = "decisions"
    __table_args__ = (UniqueConstraint("tenant_id", "agenda_item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agenda_item_id: Mapped[int] = mapped_column(ForeignKey("agenda_items.id", ondelete="CASCADE"))
    rule: Mapped[str] = mapped_column(String(30))
    fraction_numerator: Mapped[int | None] = mapped_column(Integer)
    fraction_denominator: Mapped[int | None] = mapped_column(Integer)
    shares_for: Mapped[Decimal] = mapped_column(SHARE)
    shares_against: Mapped[Decimal] = mapped_column(SHARE)
    shares_abstain: Mapped[Decimal] = mapped_column(SHARE)
    shares_absent: Mapped[Decimal] = mapped_column(SHARE)
    shares_represented: Mapped[Decimal] = mapped_column(SHARE)
    shares_total: Mapped[Decimal] = mapped_column(SHARE)
    breakdown: Mapped[list] = mapped_column(JSON, default=list)
    result: Mapped[str] = mapped_column(String(20))
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    computed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    item: Mapped[AgendaItem] = relationship(back_populates="decision", foreign_keys=[agenda_item_id])
    computed_by: Mapped[User | None] = relationship()

    @property
    def adopted(self) -> bool:
        return self.result == DecisionResult.ADOPTED


class ProgressReport(TenantScoped, TimestampMixin, db.Model):
    """The provider's reported value of an adopted goal's measure for a reporting period."""

    __tablename__ = "progress_reports"
    __table_args__ = (UniqueConstraint("tenant_id", "goal_id", "period_label"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("steering_goals.id", ondelete="CASCADE"), index=True)
    period_label: Mapped[str] = mapped_column(String(50))
    period_date: Mapped[date] = mapped_column(Date)
    value: Mapped[Decimal] = mapped_column(MEASURE)
    narrative: Mapped[dict] = mapped_column(JSON, default=dict)
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reporter_label: Mapped[str] = mapped_column(String(254), default="")
    reported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    goal: Mapped[SteeringGoal] = relationship(back_populates="progress_reports")
    reporter: Mapped[User | None] = relationship()
