"""Database: the Flask-SQLAlchemy handle, model base classes and automatic tenant scoping.

Every model that mixes in :class:`TenantScoped` carries a non-null ``tenant_id``. Each ORM
select, update and delete of such a model gets the current tenant's criteria added by a session
event, and new rows are stamped with the current tenant before they are flushed. A query of a
tenant-owned model with no tenant in context raises :class:`TenantContextMissing`, unless it runs
inside :func:`platform_scope`, which marks code as platform-operator code.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import JSON, DateTime, ForeignKey, Integer, MetaData, Table, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    ORMExecuteState,
    Session,
    declared_attr,
    mapped_column,
    with_loader_criteria,
)
from sqlalchemy.sql import visitors
from sqlalchemy.sql.elements import ColumnClause

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)

_current_tenant_id: ContextVar[int | None] = ContextVar("samverkan_tenant_id", default=None)
_current_user_id: ContextVar[int | None] = ContextVar("samverkan_user_id", default=None)
_platform_scope: ContextVar[str | None] = ContextVar("samverkan_platform_scope", default=None)


class TenantContextMissing(RuntimeError):
    """A tenant-owned model was queried with no tenant in context."""


def utcnow() -> datetime:
    return datetime.now(UTC)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


class TenantScoped:
    """Marks a model as tenant-owned: a non-null ``tenant_id`` scoped automatically."""

    @declared_attr
    def tenant_id(cls) -> Mapped[int]:  # noqa: N805
        return mapped_column(
            Integer, ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False, index=True
        )


def current_tenant_id() -> int | None:
    return _current_tenant_id.get()


def current_user_id() -> int | None:
    return _current_user_id.get()


def set_tenant_id(tenant_id: int | None) -> None:
    """Set the tenant for this context and for the database transaction already open."""
    _current_tenant_id.set(tenant_id)
    _apply_settings_to_open_transaction()


def set_user_id(user_id: int | None) -> None:
    _current_user_id.set(user_id)
    _apply_settings_to_open_transaction()


def in_platform_scope() -> bool:
    return _platform_scope.get() is not None


@contextmanager
def tenant_scope(tenant_id: int | None, user_id: int | None = None) -> Iterator[None]:
    """Run a block (a job, a CLI step, a test) as one tenant."""
    tenant_token = _current_tenant_id.set(tenant_id)
    user_token = _current_user_id.set(user_id)
    _apply_settings_to_open_transaction()
    try:
        yield
    finally:
        _current_tenant_id.reset(tenant_token)
        _current_user_id.reset(user_token)
        _apply_settings_to_open_transaction()


@contextmanager
def platform_scope(reason: str) -> Iterator[None]:
    """Mark a block as platform-operator code that may read across tenants.

    Inside it no tenant is current; a :func:`tenant_scope` nested in it narrows to one tenant
    again. ``reason`` says why; it documents each crossing where it is written.
    """
    token = _platform_scope.set(reason)
    tenant_token = _current_tenant_id.set(None)
    _apply_settings_to_open_transaction()
    try:
        yield
    finally:
        _platform_scope.reset(token)
        _current_tenant_id.reset(tenant_token)
        _apply_settings_to_open_transaction()


_tenant_tables_cache: tuple[int, frozenset] = (-1, frozenset())


def _tenant_tables() -> frozenset:
    """The tables of every tenant-owned model (recomputed when models are added)."""
    global _tenant_tables_cache
    mappers = db.Model.registry.mappers
    if _tenant_tables_cache[0] != len(mappers):
        tables = frozenset(m.local_table for m in mappers if issubclass(m.class_, TenantScoped))
        _tenant_tables_cache = (len(mappers), tables)
    return _tenant_tables_cache[1]


def _tenant_tables_in(statement) -> list[str]:
    """Tenant-owned tables anywhere in a statement: selected, joined, counted or in a subquery."""
    tables = _tenant_tables()
    found = set()
    for element in visitors.iterate(statement):
        table = element if isinstance(element, Table) else getattr(element, "table", None)
        if isinstance(element, Table | ColumnClause) and table is not None and table in tables:
            found.add(table.name)
    return sorted(found)


def _tenant_criteria(tenant_id: int):
    # On the mixin: one option covers every tenant-owned entity wherever it appears in the
    # statement (columns, select_from, joins, subqueries, eager and lazy relationship loads).
    # tenant_id is a tracked closure variable: it is a bound parameter of the cached SQL.
    return with_loader_criteria(
        TenantScoped, lambda cls: cls.tenant_id == tenant_id, include_aliases=True
    )


@event.listens_for(Session, "do_orm_execute")
def _scope_to_tenant(state: ORMExecuteState) -> None:
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if state.is_column_load:
        return  # a refresh of an object already admitted by a scoped query
    if state.execution_options.get("skip_tenant_scope"):
        return
    tenant_id = current_tenant_id()
    if tenant_id is not None:
        # Relationship loads carry the criteria of the query that loaded their parent; they
        # get the current tenant's too, so a load in another tenant's context finds nothing.
        state.statement = state.statement.options(_tenant_criteria(tenant_id))
        return
    if in_platform_scope() or state.is_relationship_load:
        return
    tables = _tenant_tables_in(state.statement)
    if tables:
        raise TenantContextMissing(
            f"query of tenant-owned {', '.join(tables)} without a tenant in context"
        )


@event.listens_for(Session, "before_flush")
def _stamp_tenant(session: Session, _context, _instances) -> None:
    tenant_id = current_tenant_id()
    for obj in session.new:
        if isinstance(obj, TenantScoped) and getattr(obj, "tenant_id", None) is None:
            if tenant_id is None and not getattr(type(obj), "__tenant_optional__", False):
                raise TenantContextMissing(
                    f"new {type(obj).__name__} without a tenant in context"
                )
            obj.tenant_id = tenant_id
    if in_platform_scope():
        return
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if isinstance(obj, TenantScoped) and tenant_id is not None and obj.tenant_id != tenant_id:
            raise TenantContextMissing(
                f"{type(obj).__name__} of tenant {obj.tenant_id} written in tenant {tenant_id}"
            )


def _rls_settings() -> dict[str, str]:
    tenant_id = current_tenant_id()
    user_id = _current_user_id.get()
    return {
        "app.tenant_id": "" if tenant_id is None else str(tenant_id),
        "app.user_id": "" if user_id is None else str(user_id),
        "app.platform": "on" if in_platform_scope() else "",
    }


_RLS_APPLIED = "samverkan_rls_applied"  # connection.info: (transaction, settings) last applied
_SET_RLS = text(
    "SELECT set_config('app.tenant_id', :tenant_id, true),"
    " set_config('app.user_id', :user_id, true),"
    " set_config('app.platform', :platform, true)"
)


def apply_rls(connection) -> None:
    """Set the transaction's row-level security settings in one statement; nothing when this
    transaction already has these very settings."""
    if connection.dialect.name != "postgresql":
        return
    settings = _rls_settings()
    transaction = connection.get_transaction()
    applied = connection.info.get(_RLS_APPLIED)
    if (transaction is not None and applied is not None and applied[0] is transaction
            and applied[1] == settings):
        return
    connection.execute(_SET_RLS, {"tenant_id": settings["app.tenant_id"],
                                  "user_id": settings["app.user_id"],
                                  "platform": settings["app.platform"]})
    # The transaction object itself is kept (not its id), so a later transaction never matches.
    connection.info[_RLS_APPLIED] = (transaction, settings)


@event.listens_for(Engine, "rollback_savepoint")
def _forget_rls_on_savepoint_rollback(connection, _name, _context) -> None:
    # A rolled-back savepoint also rolls back the settings made inside it.
    connection.info.pop(_RLS_APPLIED, None)


@event.listens_for(Session, "after_begin")
def _set_rls_for_transaction(_session: Session, _transaction, connection) -> None:
    apply_rls(connection)


def _apply_settings_to_open_transaction() -> None:
    """Re-apply the row-level security settings when the context changes mid-transaction."""
    try:
        session = db.session()
    except RuntimeError:  # outside an application context
        return
    if not session.in_transaction():
        return
    apply_rls(session.connection())


def make_engine_fork_safe(engine) -> None:
    """Invalidate pooled connections inherited across a fork (rq forks a child per job)."""

    @event.listens_for(engine, "connect")
    def _remember_pid(_dbapi_connection, record) -> None:
        record.info["pid"] = os.getpid()

    @event.listens_for(engine, "checkout")
    def _check_pid(_dbapi_connection, record, proxy) -> None:
        pid = os.getpid()
        if record.info.get("pid") != pid:
            record.dbapi_connection = proxy.dbapi_connection = None
            from sqlalchemy import exc

            raise exc.DisconnectionError(
                f"connection from pid {record.info.get('pid')} used in pid {pid}"
            )


def json_column(**kwargs):
    """A JSON column (a dict or a list)."""
    return mapped_column(JSON, **kwargs)
