"""Partnership agreements and outcome tracking: agreements with parties, signed versions and
signatures, commitments, indicators with targets per reporting period, the tenant's reporting
periods, and the providers' outcome reports with their values and idempotency keys.

Every table is tenant-owned. Per-locale texts are JSON objects keyed by locale
(``{"sv": "...", "fi": "..."}``). Values and targets are exact decimals (``Numeric``).

An agreement's content (title, summary, validity, parties, commitments, indicators and their
targets) lives in the live rows below; it may change only while the agreement's current version
is open (not signed). A signed :class:`AgreementVersion` keeps an immutable JSON snapshot of that
content; a change afterwards is an amendment that opens the next version.

The tenant settings of this domain live in ``Tenant.settings["partnership"]``; see
:mod:`samverkan.partnership.services.settings`.
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

VALUE = Numeric(18, 4)  # a reported value or a target: 14 integer digits and 4 decimals
DEFAULT_KIND = "strategic_partnership"


class AgreementStatus(enum.StrEnum):
    DRAFT = "draft"
    NEGOTIATION = "negotiation"
    SIGNED = "signed"
    ACTIVE = "active"
    ENDED = "ended"
    TERMINATED = "terminated"


class VersionStatus(enum.StrEnum):
    DRAFT = "draft"  # the first version while the agreement is a draft
    NEGOTIATION = "negotiation"  # open for signing; content may still change (signatures reset)
    SIGNED = "signed"  # every party signed: the snapshot is frozen


class PartyRole(enum.StrEnum):
    PURCHASER = "purchaser"
    PROVIDER = "provider"
    OWNER = "owner"
    EMPLOYER = "employer"
    OTHER = "other"


class CommitmentStatus(enum.StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"


class Unit(enum.StrEnum):
    COUNT = "count"
    PERCENT = "percent"
    MONEY = "money"  # in the tenant's currency
    DAYS = "days"
    SCORE = "score"


class Direction(enum.StrEnum):
    HIGHER = "higher"  # higher is better
    LOWER = "lower"  # lower is better


class Aggregation(enum.StrEnum):
    SUM = "sum"
    AVERAGE = "average"
    LAST = "last"


class Frequency(enum.StrEnum):
    YEAR = "year"
    HALF_YEAR = "half_year"
    TERTIAL = "tertial"
    QUARTER = "quarter"
    MONTH = "month"


class ReportStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    ACCEPTED = "accepted"


class TargetStatus(enum.StrEnum):
    MET = "met"
    NEAR = "near"
    MISSED = "missed"


class Agreement(TenantScoped, TimestampMixin, db.Model):
    """A partnership agreement; ``kind`` is data (a strategic partnership by default)."""

    __tablename__ = "agreements"
    __table_args__ = (UniqueConstraint("tenant_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(50))
    kind: Mapped[str] = mapped_column(String(50), default=DEFAULT_KIND)
    title: Mapped[dict] = mapped_column(JSON, default=dict)
    summary: Mapped[dict] = mapped_column(JSON, default=dict)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default=AgreementStatus.DRAFT, index=True)
    version_number: Mapped[int] = mapped_column(Integer, default=1)
    status_note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    parties: Mapped[list[AgreementParty]] = relationship(
        back_populates="agreement", cascade="all, delete-orphan", order_by="AgreementParty.id"
    )
    versions: Mapped[list[AgreementVersion]] = relationship(
        back_populates="agreement", cascade="all, delete-orphan", order_by="AgreementVersion.number"
    )
    commitments: Mapped[list[Commitment]] = relationship(
        back_populates="agreement", cascade="all, delete-orphan",
        order_by="(Commitment.due_date, Commitment.id)",
    )
    indicators: Mapped[list[Indicator]] = relationship(
        back_populates="agreement", cascade="all, delete-orphan",
        order_by="(Indicator.position, Indicator.id)",
    )

    @property
    def current_version(self) -> AgreementVersion | None:
        return next((v for v in self.versions if v.number == self.version_number), None)

    def party_of(self, organisation_id: int | None) -> AgreementParty | None:
        return next((p for p in self.parties if p.organisation_id == organisation_id), None)


class AgreementParty(TenantScoped, db.Model):
    """An organisation of the tenant that is party to an agreement, in a role."""

    __tablename__ = "agreement_parties"
    __table_args__ = (UniqueConstraint("tenant_id", "agreement_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    role: Mapped[str] = mapped_column(String(20))

    agreement: Mapped[Agreement] = relationship(back_populates="parties")
    organisation: Mapped[Organisation] = relationship(lazy="joined")


class AgreementVersion(TenantScoped, TimestampMixin, db.Model):
    """A numbered version of an agreement; once signed, ``content`` is its frozen snapshot."""

    __tablename__ = "agreement_versions"
    __table_args__ = (UniqueConstraint("tenant_id", "agreement_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default=VersionStatus.DRAFT)
    content: Mapped[dict | None] = mapped_column(JSON)
    content_hash: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text, default="")  # why an amendment was opened
    signed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    agreement: Mapped[Agreement] = relationship(back_populates="versions")
    signatures: Mapped[list[Signature]] = relationship(
        back_populates="version", cascade="all, delete-orphan", order_by="Signature.id"
    )

    @property
    def is_signed(self) -> bool:
        return self.status == VersionStatus.SIGNED


class Signature(TenantScoped, db.Model):
    """A signatory's confirmation, for one party, of a version's content (by its hash)."""

    __tablename__ = "agreement_signatures"
    __table_args__ = (UniqueConstraint("tenant_id", "version_id", "party_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("agreement_versions.id", ondelete="CASCADE"), index=True
    )
    party_id: Mapped[int] = mapped_column(ForeignKey("agreement_parties.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"))
    signer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    signer_label: Mapped[str] = mapped_column(String(254), default="")
    content_hash: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    version: Mapped[AgreementVersion] = relationship(back_populates="signatures")
    party: Mapped[AgreementParty] = relationship()
    signer: Mapped[User | None] = relationship()


class Commitment(TenantScoped, TimestampMixin, db.Model):
    """What one party commits to, by a due date. ``late`` is computed, never stored."""

    __tablename__ = "agreement_commitments"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id", ondelete="CASCADE"), index=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("agreement_parties.id", ondelete="CASCADE"), index=True)
    text: Mapped[dict] = mapped_column(JSON, default=dict)
    due_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default=CommitmentStatus.PLANNED)

    agreement: Mapped[Agreement] = relationship(back_populates="commitments")
    party: Mapped[AgreementParty] = relationship()

    def is_late(self, today: date) -> bool:
        return (self.due_date is not None and self.due_date < today
                and self.status != CommitmentStatus.DONE)

    @property
    def late(self) -> bool:
        return self.is_late(date.today())


class Indicator(TenantScoped, TimestampMixin, db.Model):
    """A measure followed up under an agreement, optionally linked to a steering goal."""

    __tablename__ = "indicators"
    __table_args__ = (UniqueConstraint("tenant_id", "agreement_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(50))
    name: Mapped[dict] = mapped_column(JSON, default=dict)
    definition: Mapped[dict] = mapped_column(JSON, default=dict)
    unit: Mapped[str] = mapped_column(String(20))
    direction: Mapped[str] = mapped_column(String(10), default=Direction.HIGHER)
    aggregation: Mapped[str] = mapped_column(String(10), default=Aggregation.SUM)
    steering_goal_id: Mapped[int | None] = mapped_column(
        ForeignKey("steering_goals.id", ondelete="SET NULL"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    # Adopted from a shared library: the association (tenant) that published the template, its
    # code and the version adopted. Benchmarks compare only indicators of the same template
    # code. ``template_kept_version`` is the newest version the tenant chose not to adopt.
    template_tenant_id: Mapped[int | None] = mapped_column(
        ForeignKey("tenants.id", ondelete="SET NULL"), index=True
    )
    template_code: Mapped[str | None] = mapped_column(String(50), index=True)
    template_version: Mapped[int | None] = mapped_column(Integer)
    template_kept_version: Mapped[int | None] = mapped_column(Integer)

    agreement: Mapped[Agreement] = relationship(back_populates="indicators")
    targets: Mapped[list[IndicatorTarget]] = relationship(
        back_populates="indicator", cascade="all, delete-orphan", order_by="IndicatorTarget.id"
    )


class ReportingPeriod(TenantScoped, db.Model):
    """A period of the tenant's reporting calendar, with its reporting deadline."""

    __tablename__ = "reporting_periods"
    __table_args__ = (UniqueConstraint("tenant_id", "frequency", "starts_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    frequency: Mapped[str] = mapped_column(String(20))
    year: Mapped[int] = mapped_column(Integer, index=True)
    number: Mapped[int] = mapped_column(Integer)  # 1-based position within the year
    label: Mapped[str] = mapped_column(String(20))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    deadline: Mapped[date] = mapped_column(Date)


class IndicatorTarget(TenantScoped, db.Model):
    """An indicator's target value for one reporting period."""

    __tablename__ = "indicator_targets"
    __table_args__ = (UniqueConstraint("tenant_id", "indicator_id", "period_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id", ondelete="CASCADE"), index=True)
    period_id: Mapped[int] = mapped_column(
        ForeignKey("reporting_periods.id", ondelete="RESTRICT"), index=True
    )
    value: Mapped[Decimal] = mapped_column(VALUE)

    indicator: Mapped[Indicator] = relationship(back_populates="targets")
    period: Mapped[ReportingPeriod] = relationship(lazy="joined")


class OutcomeReport(TenantScoped, TimestampMixin, db.Model):
    """A provider party's outcome report for an agreement and a period, in revisions.

    ``lock_version`` is SQLAlchemy's version counter: every update of the row checks and
    increments it, so a save based on a stale copy fails instead of overwriting.
    """

    __tablename__ = "outcome_reports"
    __table_args__ = (
        UniqueConstraint("tenant_id", "agreement_id", "organisation_id", "period_id", "revision"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id", ondelete="CASCADE"), index=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("agreement_parties.id", ondelete="RESTRICT"))
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    period_id: Mapped[int] = mapped_column(
        ForeignKey("reporting_periods.id", ondelete="RESTRICT"), index=True
    )
    revision: Mapped[int] = mapped_column(Integer, default=1)
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)
    previous_id: Mapped[int | None] = mapped_column(
        ForeignKey("outcome_reports.id", ondelete="SET NULL")
    )
    status: Mapped[str] = mapped_column(String(20), default=ReportStatus.DRAFT, index=True)
    lock_version: Mapped[int] = mapped_column(Integer, nullable=False)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    submitted_by_label: Mapped[str] = mapped_column(String(254), default="")
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decision_note: Mapped[dict] = mapped_column(JSON, default=dict)

    agreement: Mapped[Agreement] = relationship()
    party: Mapped[AgreementParty] = relationship()
    organisation: Mapped[Organisation] = relationship()
    period: Mapped[ReportingPeriod] = relationship()
    previous: Mapped[OutcomeReport | None] = relationship(remote_side=[id])
    values: Mapped[list[ReportValue]] = relationship(
        back_populates="report", cascade="all, delete-orphan", order_by="ReportValue.id"
    )

    __mapper_args__ = {"version_id_col": lock_version}

    @property
    def is_locked(self) -> bool:
        return self.status in (ReportStatus.SUBMITTED, ReportStatus.ACCEPTED)

    def value_of(self, indicator_id: int) -> ReportValue | None:
        return next((v for v in self.values if v.indicator_id == indicator_id), None)


class ReportValue(TenantScoped, db.Model):
    """A report's value of one indicator, the reporter's comment and the reviewer's comment."""

    __tablename__ = "report_values"
    __table_args__ = (UniqueConstraint("tenant_id", "report_id", "indicator_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("outcome_reports.id", ondelete="CASCADE"), index=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id", ondelete="RESTRICT"), index=True)
    value: Mapped[Decimal | None] = mapped_column(VALUE)
    comment: Mapped[dict] = mapped_column(JSON, default=dict)
    review_comment: Mapped[dict] = mapped_column(JSON, default=dict)

    report: Mapped[OutcomeReport] = relationship(back_populates="values")
    indicator: Mapped[Indicator] = relationship()


class SubmissionKey(TenantScoped, db.Model):
    """An ``Idempotency-Key`` of a report submission, per tenant and principal, with the
    fingerprint of the request body it came with and the report it produced."""

    __tablename__ = "report_submission_keys"
    __table_args__ = (UniqueConstraint("tenant_id", "principal_key", "idempotency_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    principal_key: Mapped[str] = mapped_column(String(80))
    idempotency_key: Mapped[str] = mapped_column(String(255))
    body_fingerprint: Mapped[str] = mapped_column(String(128))
    report_id: Mapped[int] = mapped_column(ForeignKey("outcome_reports.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    report: Mapped[OutcomeReport] = relationship()


class AgreementDocument(TenantScoped, db.Model):
    """A file attached to an agreement (the signed PDF, an appendix...). The bytes live under
    the instance folder, outside the web root, named by ``storage_key``; they are served only
    through a view that checks the agreement's visibility."""

    __tablename__ = "agreement_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id", ondelete="CASCADE"), index=True)
    doc_type: Mapped[str] = mapped_column(String(30))  # agreement, appendix, minutes, other
    title: Mapped[str] = mapped_column(String(200), default="")
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(100), unique=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    uploaded_by_label: Mapped[str] = mapped_column(String(254), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    agreement: Mapped[Agreement] = relationship()


class ReminderKind(enum.StrEnum):
    UPCOMING = "upcoming"  # a number of days before the deadline
    OVERDUE = "overdue"  # the deadline passed without a submitted report


class ReportReminder(TenantScoped, db.Model):
    """A reminder that was sent, once per provider party, period and kind (a report may not
    exist yet when the first one goes out), so a rerun of the job sends nothing twice."""

    __tablename__ = "report_reminders"
    __table_args__ = (UniqueConstraint("tenant_id", "party_id", "period_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id", ondelete="CASCADE"), index=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("agreement_parties.id", ondelete="CASCADE"), index=True)
    period_id: Mapped[int] = mapped_column(
        ForeignKey("reporting_periods.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    recipients: Mapped[list] = mapped_column(JSON, default=list)
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class IndicatorTemplate(TenantScoped, db.Model):
    """One published version of a shared indicator in an association's library. A version
    never changes: a change is published as the next version of the same code."""

    __tablename__ = "indicator_templates"
    __table_args__ = (UniqueConstraint("tenant_id", "code", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(50), index=True)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[dict] = mapped_column(JSON, default=dict)
    definition: Mapped[dict] = mapped_column(JSON, default=dict)
    unit: Mapped[str] = mapped_column(String(20))
    direction: Mapped[str] = mapped_column(String(10), default=Direction.HIGHER)
    aggregation: Mapped[str] = mapped_column(String(10), default=Aggregation.SUM)
    change_note: Mapped[dict] = mapped_column(JSON, default=dict)  # per locale: what changed
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    published_by_label: Mapped[str] = mapped_column(String(254), default="")


class AgreementTemplate(TenantScoped, db.Model):
    """One published version of an agreement template: a named set of indicator template
    versions that a tenant adopts into an agreement at once. Never changes once published."""

    __tablename__ = "agreement_templates"
    __table_args__ = (UniqueConstraint("tenant_id", "code", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(50), index=True)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[dict] = mapped_column(JSON, default=dict)
    description: Mapped[dict] = mapped_column(JSON, default=dict)
    change_note: Mapped[dict] = mapped_column(JSON, default=dict)
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    published_by_label: Mapped[str] = mapped_column(String(254), default="")

    items: Mapped[list[AgreementTemplateItem]] = relationship(
        back_populates="template", cascade="all, delete-orphan",
        order_by="AgreementTemplateItem.position",
    )


class AgreementTemplateItem(TenantScoped, db.Model):
    """An indicator template version in an agreement template, in order."""

    __tablename__ = "agreement_template_items"
    __table_args__ = (UniqueConstraint("tenant_id", "template_id", "indicator_template_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(
        ForeignKey("agreement_templates.id", ondelete="CASCADE"), index=True
    )
    indicator_template_id: Mapped[int] = mapped_column(
        ForeignKey("indicator_templates.id", ondelete="RESTRICT"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)

    template: Mapped[AgreementTemplate] = relationship(back_populates="items")
    indicator_template: Mapped[IndicatorTemplate] = relationship()


# The authorisation model lives in modules of its own; imported here so that the metadata (and
# Alembic) see its tables wherever the partnership models are imported.
from samverkan.partnership import (  # noqa: E402, F401
    authorisation_models,
    dialogue_models,
    purchasing_models,
    spot_check_models,
    training_order_models,
)
