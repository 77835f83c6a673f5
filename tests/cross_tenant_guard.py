"""A guard, on for the whole test run, that only allow-listed code reads across tenants.

Every statement the suite executes is inspected: ORM statements in the session's
``do_orm_execute`` event, Core and raw SQL in the engine's ``before_cursor_execute`` event. A
statement is *scoped* when it is an ORM statement that carries the current tenant's criteria
(added by :mod:`samverkan.platform.db`). Any other statement that reads, updates or deletes rows
of a tenant-owned table is *unscoped*: one run in :func:`platform_scope` with no tenant current,
one run with the ``skip_tenant_scope`` execution option, or Core or raw SQL (which the ORM never
narrows). Unscoped statements must come from a place in :data:`ALLOWED`:

* in a platform scope, the code that opened the innermost platform scope is responsible;
* otherwise the innermost frame of project code (or of the tests or migrations) is.

The cross-tenant service (``tenants/services/sharing.py``) may read any tenant table; the
platform's own bookkeeping may read only the tables listed for it. Rows written by a flush
(objects already in the session) and plain inserts are not reads and are not inspected.

A violation fails the test in whose setup, call or teardown it happened, naming the tables, the
statement's first line and the responsible frame.
"""

from __future__ import annotations

import contextlib
import re
import sys
import threading
from collections.abc import Callable, Iterator
from contextvars import ContextVar, Token
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.orm.util import LoaderCriteriaOption
from sqlalchemy.sql.elements import TextClause

from samverkan.platform import db as db_module
from samverkan.platform.db import TenantScoped, _tenant_tables, _tenant_tables_in, in_platform_scope

REPO = Path(__file__).resolve().parents[1]
TESTS_DIR = str(REPO / "tests") + "/"
MIGRATIONS_DIR = str(REPO / "migrations") + "/"
GUARD_FILE = str(Path(__file__).resolve())
DB_MODULE = "samverkan.platform.db"
SHARING = "samverkan.tenants.services.sharing"
SCALE_SEED = "samverkan.platform.scale_seed"
TESTS = "tests"
MIGRATIONS = "migrations"
ALL = "*"
SEEN = "samverkan_cross_tenant_guard_seen"  # execution option: already inspected as ORM


@dataclass(frozen=True)
class Allowance:
    """Tenant tables a place may touch unscoped (``ALL``: any), and why."""

    tables: frozenset[str] | str
    reason: str

    def covers(self, tables: list[str]) -> bool:
        return self.tables == ALL or set(tables) <= set(self.tables)


# Places are product modules (``samverkan.*``), or ``tests`` and ``migrations`` (by folder).
ALLOWED: dict[str, Allowance] = {
    SHARING: Allowance(
        ALL, "the cross-tenant service: association projects and consented sharing"),
    "samverkan.tenants.services.accounts": Allowance(
        frozenset({"memberships"}), "a person lists their own memberships in every tenant"),
    "samverkan.tenants.services.tenants": Allowance(
        frozenset({"memberships", "organisations"}),
        "the operator's overview counts members and organisations per tenant"),
    "samverkan.tenants.services.invitations": Allowance(
        frozenset(), "an invited person's account belongs to no tenant (reads no tenant rows)"),
    "samverkan.platform.oauth": Allowance(
        frozenset({"api_clients"}), "an OAuth client is looked up before its tenant is known"),
    "samverkan.platform.jobs": Allowance(
        frozenset({"job_runs"}), "job bookkeeping: a run's status and progress"),
    "samverkan.partnership.jobs": Allowance(
        frozenset(), "scheduled jobs list the active tenants (tenants are not tenant-owned)"),
    "samverkan.platform.demo": Allowance(
        frozenset(), "demo seeding creates tenants and accounts; it reads tenant rows only in "
        "each tenant's own scope"),
    "samverkan.tenants.services.accessibility": Allowance(
        frozenset(), "feedback on pages outside any tenant goes to the operators, who belong to "
        "no tenant, and is audited as the platform's (reads no tenant rows)"),
    SCALE_SEED: Allowance(
        ALL, "the benchmark data set is written in bulk for every tenant, as the owner"),
    MIGRATIONS: Allowance(ALL, "migrations change the schema and data of every tenant"),
    TESTS: Allowance(ALL, "fixtures, factories and assertions seed and inspect every tenant's rows"),
}


@dataclass(frozen=True)
class Frame:
    """A code location: its place (see :data:`ALLOWED`), file and line."""

    place: str
    filename: str
    lineno: int

    def __str__(self) -> str:
        name = self.filename
        if name.startswith(str(REPO) + "/"):
            name = name[len(str(REPO)) + 1:]
        return f"{name}:{self.lineno}"


@dataclass(frozen=True)
class Opener:
    """Where a platform scope was opened, and the reason given."""

    frame: Frame
    reason: str


@dataclass(frozen=True)
class Violation:
    """An unscoped statement on tenant tables from a place not allowed to make it."""

    tables: tuple[str, ...]
    statement: str
    responsible: Frame | None
    issuer: Frame | None
    opener: Opener | None

    def __str__(self) -> str:
        where = f"by {self.responsible}" if self.responsible else "from no project code"
        if self.responsible is not None:
            where += f" ({self.responsible.place})"
        text = f"unscoped statement on tenant table(s) {', '.join(self.tables)} {where}: {self.statement}"
        if self.opener is not None:
            text += f"\n    platform scope opened at {self.opener.frame}: {self.opener.reason!r}"
        if self.issuer is not None and self.issuer != self.responsible:
            text += f"\n    statement issued at {self.issuer}"
        return text


def place_of(frame: FrameType) -> str | None:
    """The place of a frame's code, or None for libraries and the tenancy machinery itself."""
    filename = frame.f_code.co_filename
    if filename == GUARD_FILE:
        return None
    if filename.startswith(TESTS_DIR):
        return TESTS
    if filename.startswith(MIGRATIONS_DIR):
        return MIGRATIONS
    name = frame.f_globals.get("__name__") or ""
    if name == DB_MODULE or not name.startswith("samverkan."):
        return None
    if name.startswith("samverkan.migrations"):
        return MIGRATIONS
    return name


def innermost_frame(start: FrameType | None) -> Frame | None:
    """The innermost frame of project code (or tests or migrations) from ``start`` outwards."""
    frame = start
    while frame is not None:
        place = place_of(frame)
        if place is not None:
            return Frame(place, frame.f_code.co_filename, frame.f_lineno)
        frame = frame.f_back
    return None


class _ScopeVar:
    """Stands in for the platform-scope context variable of :mod:`samverkan.platform.db` and
    remembers, per context, where each open platform scope was opened."""

    def __init__(self, wrapped: ContextVar) -> None:
        self.wrapped = wrapped
        self.openers: ContextVar[tuple[Opener, ...]] = ContextVar(
            "samverkan_guard_openers", default=())

    def get(self, *default: Any) -> Any:
        return self.wrapped.get(*default)

    def set(self, value: Any) -> tuple[Token, Token]:
        frame = sys._getframe(1)
        while frame is not None and frame.f_code.co_filename in (db_module.__file__,
                                                                  contextlib.__file__):
            frame = frame.f_back
        where = (Frame(place_of(frame) or "unknown", frame.f_code.co_filename, frame.f_lineno)
                 if frame is not None else Frame("unknown", "?", 0))
        opener = Opener(where, str(value))
        return self.wrapped.set(value), self.openers.set((*self.openers.get(), opener))

    def reset(self, token: tuple[Token, Token]) -> None:
        wrapped_token, openers_token = token
        self.wrapped.reset(wrapped_token)
        self.openers.reset(openers_token)

    def opener(self) -> Opener | None:
        openers = self.openers.get()
        return openers[-1] if openers else None


_WORD = re.compile(r'(\binto\s+)?"?\b([A-Za-z_]\w*)', re.IGNORECASE)


def tables_in_sql(sql: str) -> list[str]:
    """Tenant tables named in raw SQL, except as the target of an INSERT INTO."""
    names = {t.name for t in _tenant_tables()}
    return sorted({m.group(2) for m in _WORD.finditer(sql) if not m.group(1)} & names)


def tables_in(statement: Any, sql: str | None = None) -> list[str]:
    """Tenant tables a statement reads, updates or deletes (none for a plain insert)."""
    if statement is None or isinstance(statement, TextClause):
        return tables_in_sql(sql if sql is not None else statement.text)
    if getattr(statement, "is_insert", False):
        select = getattr(statement, "select", None)
        return _tenant_tables_in(select) if select is not None else []
    return _tenant_tables_in(statement)


def has_tenant_criteria(statement: Any) -> bool:
    """Whether an ORM statement carries the tenant criteria that the tenancy event adds."""
    return any(isinstance(option, LoaderCriteriaOption) and option.root_entity is TenantScoped
               for option in getattr(statement, "_with_options", ()))


def first_line(sql: str) -> str:
    """The first line of a statement's SQL, shortened."""
    lines = [line.strip() for line in sql.strip().splitlines() if line.strip()]
    return (lines[0][:160] + (" ..." if len(lines) > 1 or len(lines[0]) > 160 else "")) if lines else ""


class CrossTenantGuard:
    """Inspects statements and records violations; see the module's docstring."""

    def __init__(self) -> None:
        self.violations: list[Violation] = []
        self._sink: ContextVar[list[Violation] | None] = ContextVar(
            "samverkan_guard_sink", default=None)
        self._lock = threading.Lock()
        self._scope: _ScopeVar | None = None
        self.installed = False

    # --- installation ------------------------------------------------------------------------

    def install(self) -> None:
        """Listen to every session and engine; idempotent."""
        if self.installed:
            return
        scope_var = db_module._platform_scope
        if not isinstance(scope_var, ContextVar | _ScopeVar):
            raise RuntimeError("samverkan.platform.db._platform_scope is no longer a ContextVar: "
                               "update tests/cross_tenant_guard.py")
        if isinstance(scope_var, ContextVar):
            scope_var = _ScopeVar(scope_var)
            db_module._platform_scope = scope_var
        self._scope = scope_var
        # Registered after the tenancy event of samverkan.platform.db, so it sees its criteria.
        event.listen(Session, "do_orm_execute", self._orm_execute)
        event.listen(Engine, "before_cursor_execute", self._cursor_execute)
        self.installed = True

    # --- recording ---------------------------------------------------------------------------

    @contextlib.contextmanager
    def capture(self) -> Iterator[list[Violation]]:
        """Collect the violations of a block (in this context) instead of failing the test."""
        caught: list[Violation] = []
        token = self._sink.set(caught)
        try:
            yield caught
        finally:
            self._sink.reset(token)

    def _record(self, violation: Violation) -> None:
        sink = self._sink.get()
        if sink is not None:
            sink.append(violation)
            return
        with self._lock:
            self.violations.append(violation)

    def take(self, start: int) -> list[Violation]:
        with self._lock:
            return list(self.violations[start:])

    # --- inspection --------------------------------------------------------------------------

    def _orm_execute(self, state: ORMExecuteState) -> None:
        state.update_execution_options(**{SEEN: True})
        if state.is_column_load:
            return  # a refresh of an object already admitted by the query that loaded it
        statement = state.statement
        if not state.execution_options.get("skip_tenant_scope") and has_tenant_criteria(statement):
            return
        self._check(lambda: tables_in(statement), lambda: str(statement))

    def _cursor_execute(self, _conn, _cursor, sql: str, _parameters, context, _executemany) -> None:
        if context is None or context.execution_options.get(SEEN) or context.isddl:
            return
        if "compiled_cache" in context.execution_options and (
                context.isinsert or context.isupdate or context.isdelete):
            return  # a flush writes objects already in the session
        self._check(lambda: tables_in(getattr(context.compiled, "statement", None), sql),
                    lambda: sql)

    def _check(self, tables_of: Callable[[], list[str]], sql_of: Callable[[], str]) -> None:
        """Record a violation unless the place responsible for an unscoped statement may make
        it (the tables are worked out only when they matter)."""
        opener = self._scope.opener() if self._scope is not None and in_platform_scope() else None
        if opener is not None and _allowance(opener.frame.place, None):
            return
        tables = tables_of()
        if not tables:
            return
        caller = sys._getframe(2)
        responsible = opener.frame if opener is not None else innermost_frame(caller)
        if responsible is not None and _allowance(responsible.place, tables):
            return
        self._record(Violation(tuple(tables), first_line(sql_of()), responsible,
                               innermost_frame(caller), opener))


def _allowance(place: str, tables: list[str] | None) -> bool:
    """Whether ``place`` may touch ``tables`` unscoped (``None``: any table)."""
    allowance = ALLOWED.get(place)
    if allowance is None:
        return False
    return allowance.tables == ALL if tables is None else allowance.covers(tables)


GUARD = CrossTenantGuard()


class GuardPlugin:
    """Fails a test's setup, call or teardown in which a violation was recorded."""

    def __init__(self, guard: CrossTenantGuard) -> None:
        self.guard = guard

    @staticmethod
    def _message(phase: str, found: list[Violation]) -> str:
        lines = "\n".join(f"  {v}" for v in found)
        return (f"cross-tenant guard: {len(found)} unscoped statement(s) on tenant tables during "
                f"{phase} outside the allow-list in tests/cross_tenant_guard.py (only "
                f"tenants/services/sharing.py reads other tenants' rows):\n{lines}")

    def _wrap(self, phase: str):
        start = len(self.guard.violations)
        try:
            result = yield
        except BaseException as error:
            found = self.guard.take(start)
            if found and isinstance(error, pytest.skip.Exception):
                pytest.fail(self._message(phase, found), pytrace=False)
            if found:  # the phase failed anyway: its own error, with the violations noted
                error.add_note(self._message(phase, found))
            raise
        found = self.guard.take(start)
        if found:
            pytest.fail(self._message(phase, found), pytrace=False)
        return result

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_setup(self, item):
        return (yield from self._wrap("setup"))

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item):
        return (yield from self._wrap("the test"))

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_teardown(self, item, nextitem):
        return (yield from self._wrap("teardown"))


def install(config: pytest.Config) -> CrossTenantGuard:
    """Turn the guard on for the run (called from ``tests/conftest.py``)."""
    GUARD.install()
    if not config.pluginmanager.has_plugin("samverkan-cross-tenant-guard"):
        config.pluginmanager.register(GuardPlugin(GUARD), "samverkan-cross-tenant-guard")
    return GUARD
