"""Audit trail: every change of domain state made through a service is recorded here."""

from __future__ import annotations

from contextvars import ContextVar
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from samverkan.platform.db import TenantScoped, current_tenant_id, db, utcnow

_request_id: ContextVar[str | None] = ContextVar("samverkan_request_id", default=None)


class AuditEntryImmutable(RuntimeError):
    """Audit entries are written once and never changed or deleted."""


class AuditEntry(TenantScoped, db.Model):
    """Who did what, when, in which tenant, with the values before and after.

    ``tenant_id`` is null only for platform-level actions (an operator creating a user);
    tenant rows are scoped like every tenant-owned table.
    """

    __tablename__ = "audit_entries"
    __tenant_optional__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("tenants.id", ondelete="CASCADE"), index=True
    )
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor_label: Mapped[str] = mapped_column(String(254), default="")
    action: Mapped[str] = mapped_column(String(100), index=True)
    entity_type: Mapped[str] = mapped_column(String(100), index=True)
    entity_id: Mapped[str | None] = mapped_column(String(64))
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    request_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)

    actor = relationship("User", lazy="joined")


def set_request_id(request_id: str | None) -> None:
    _request_id.set(request_id)


def current_request_id() -> str | None:
    return _request_id.get()


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    return value


def snapshot(obj: Any, fields: list[str]) -> dict:
    """The named attributes of ``obj`` as JSON-friendly values."""
    return {name: _plain(getattr(obj, name)) for name in fields}


def record(
    action: str,
    entity: Any = None,
    *,
    actor=None,
    tenant_id: int | None = None,
    entity_type: str | None = None,
    entity_id: Any = None,
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEntry:
    """Write an audit entry in the current transaction (the caller's commit keeps it)."""
    if entity is not None:
        db.session.flush()
    entry = AuditEntry(
        tenant_id=tenant_id if tenant_id is not None else current_tenant_id(),
        actor_id=getattr(actor, "id", None),
        actor_label=getattr(actor, "email", None) or getattr(actor, "name", "") or "",
        action=action,
        entity_type=entity_type or (type(entity).__name__ if entity is not None else ""),
        entity_id=str(entity_id if entity_id is not None else getattr(entity, "id", "")) or None,
        before=_plain(before) if before is not None else None,
        after=_plain(after) if after is not None else None,
        request_id=current_request_id(),
    )
    db.session.add(entry)
    db.session.flush()  # written under the tenant settings in force where it happened
    return entry


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session: Session, _context, _instances) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEntry):
            raise AuditEntryImmutable("audit entries cannot be changed or deleted")
