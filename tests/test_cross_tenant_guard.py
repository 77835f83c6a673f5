"""The cross-tenant guard (tests/cross_tenant_guard.py): only the cross-tenant service reads
other tenants' rows, at run time (every statement of the suite) and in the code (where platform
scopes are opened)."""

from __future__ import annotations

import ast
from pathlib import Path
from types import SimpleNamespace

import cross_tenant_guard as guard  # loaded by conftest.py
import pytest

from samverkan.platform import db as db_module
from samverkan.platform.db import db, tenant_scope

REPO = Path(__file__).resolve().parents[1]
PRODUCT_FOLDERS = ("platform", "tenants", "ownership", "partnership")

# Code as product modules would write it, loaded below under a module name of our choosing.
READER = '''
from sqlalchemy import delete, select, text, update

from samverkan.partnership.models import Indicator
from samverkan.platform.db import db, platform_scope, tenant_scope
from samverkan.platform.jobs import JobRun
from samverkan.tenants.project_models import ProjectParticipant


def every_indicator():
    with platform_scope("reads every tenant's indicators"):
        return db.session.scalars(select(Indicator)).all()


def every_participant():
    with platform_scope("reads every tenant's project participants"):
        return db.session.scalars(select(ProjectParticipant)).all()


def every_job_run():
    with platform_scope("reads every tenant's job runs"):
        return db.session.scalars(select(JobRun)).all()


def own_indicators(tenant_id):
    with tenant_scope(tenant_id):
        return db.session.scalars(select(Indicator)).all()


def own_indicators_in_platform_scope(tenant_id):
    with platform_scope("narrows to one tenant again"), tenant_scope(tenant_id):
        return db.session.scalars(select(Indicator)).all()


def change_own_indicators(tenant_id):
    with tenant_scope(tenant_id):
        db.session.execute(update(Indicator).where(Indicator.id == -1).values(unit="count"))
        db.session.execute(delete(Indicator).where(Indicator.id == -1))


def indicators_skipping_the_scope(tenant_id):
    with tenant_scope(tenant_id):
        statement = select(Indicator).execution_options(skip_tenant_scope=True)
        return db.session.scalars(statement).all()


def indicators_by_raw_sql(tenant_id):
    with tenant_scope(tenant_id):
        return db.session.execute(text("SELECT id, tenant_id FROM indicators")).all()


def indicators_on_a_connection(tenant_id):
    with tenant_scope(tenant_id), db.engine.connect() as connection:
        return connection.execute(select(Indicator.id)).all()
'''


def product_module(name: str) -> SimpleNamespace:
    """:data:`READER` as the module ``name`` (a file of that name in the repository)."""
    path = REPO / (name.removeprefix("samverkan.").replace(".", "/") + ".py")
    namespace: dict = {"__name__": name}
    exec(compile(READER, str(path), "exec"), namespace)  # noqa: S102
    return SimpleNamespace(**namespace)


@pytest.fixture
def two_tenants(app, factory):
    """Two tenants with an indicator each, and an association project in the first that the
    second is invited to."""
    first, second = factory.tenant(), factory.tenant()
    factory.partnership_rows(first)
    factory.partnership_rows(second)
    project = factory.project_rows(first)
    with app.app_context(), tenant_scope(first.id):
        from samverkan.tenants.project_models import ProjectParticipant

        participant = db.session.get(ProjectParticipant, project["participant"])
        participant.participant_tenant_id = second.id
        db.session.commit()
    return SimpleNamespace(first=first, second=second, project=project)


def test_the_guard_is_on_for_the_whole_run():
    assert guard.GUARD.installed
    assert isinstance(db_module._platform_scope, guard._ScopeVar)


def test_a_cross_tenant_read_outside_the_sharing_service_is_caught(app, two_tenants):
    rogue = product_module("samverkan.partnership.services.rogue")
    with app.app_context(), guard.GUARD.capture() as caught:
        rows = rogue.every_indicator()
    assert {row.tenant_id for row in rows} == {two_tenants.first.id, two_tenants.second.id}
    [violation] = caught
    assert violation.tables == ("indicators",)
    assert violation.statement.startswith("SELECT indicators.id")
    assert violation.responsible.place == "samverkan.partnership.services.rogue"
    assert str(violation.responsible).startswith("partnership/services/rogue.py:")
    assert violation.opener.reason == "reads every tenant's indicators"
    message = str(violation)
    assert "indicators" in message and "partnership/services/rogue.py:" in message


def test_reading_across_tenants_through_the_sharing_service_passes(app, two_tenants):
    from samverkan.tenants.services import sharing

    rogue = product_module("samverkan.tenants.views.rogue")
    with app.app_context(), tenant_scope(two_tenants.second.id), guard.GUARD.capture() as caught:
        participations = sharing.participations_for(two_tenants.second.id)
    assert [p.project_id for p in participations] == [two_tenants.project["project"]]
    assert participations[0].association_tenant_id == two_tenants.first.id
    assert caught == []
    # The same rows read by another module are a violation.
    with app.app_context(), guard.GUARD.capture() as caught:
        assert rogue.every_participant()
    assert [v.tables for v in caught] == [("project_participants",)]


def test_tenant_scoped_reads_pass(app, two_tenants):
    rogue = product_module("samverkan.partnership.services.rogue")
    with app.app_context(), guard.GUARD.capture() as caught:
        first = rogue.own_indicators(two_tenants.first.id)
        again = rogue.own_indicators_in_platform_scope(two_tenants.first.id)
        rogue.change_own_indicators(two_tenants.first.id)
    assert {row.tenant_id for row in first} == {two_tenants.first.id}
    assert [row.id for row in again] == [row.id for row in first]
    assert caught == []


@pytest.mark.parametrize("read", ["indicators_skipping_the_scope", "indicators_by_raw_sql",
                                  "indicators_on_a_connection"])
def test_statements_the_orm_does_not_scope_are_caught(app, two_tenants, read):
    rogue = product_module("samverkan.ownership.services.rogue")
    with app.app_context(), guard.GUARD.capture() as caught:
        getattr(rogue, read)(two_tenants.first.id)
    assert [v.tables for v in caught] == [("indicators",)]
    assert caught[0].responsible.place == "samverkan.ownership.services.rogue"
    assert caught[0].opener is None


def test_platform_bookkeeping_may_read_only_its_own_tables(app, two_tenants):
    jobs = product_module("samverkan.platform.jobs")
    with app.app_context(), guard.GUARD.capture() as caught:
        assert jobs.every_job_run()
        jobs.every_indicator()
    assert [v.tables for v in caught] == [("indicators",)]


def test_tables_named_in_raw_sql(app):
    with app.app_context():
        assert guard.tables_in_sql("SELECT set_config(:name, :value, true)") == []
        assert guard.tables_in_sql('SELECT count(*) FROM "indicators" JOIN report_values ON 1 = 1'
                                   ) == ["indicators", "report_values"]
        assert guard.tables_in_sql("INSERT INTO indicators (id) SELECT id FROM agreements"
                                   ) == ["agreements"]
        assert guard.tables_in_sql("INSERT INTO audit_entries (action) VALUES ('x')") == []


def test_a_violation_fails_the_test_in_which_it_happens():
    checker = guard.CrossTenantGuard()
    plugin = guard.GuardPlugin(checker)
    frame = guard.Frame("samverkan.partnership.services.rogue",
                        str(REPO / "partnership/services/rogue.py"), 12)
    violation = guard.Violation(("indicators",), "SELECT indicators.id FROM indicators",
                                frame, frame, None)
    phase = plugin._wrap("the test")
    next(phase)
    checker.violations.append(violation)
    with pytest.raises(pytest.fail.Exception) as failed:
        phase.send(None)
    message = str(failed.value)
    assert "indicators" in message
    assert "SELECT indicators.id FROM indicators" in message
    assert "partnership/services/rogue.py:12" in message
    # A phase that failed anyway keeps its own error, with the violation noted on it.
    phase = plugin._wrap("the test")
    next(phase)
    checker.violations.append(violation)
    with pytest.raises(ValueError) as failed:
        phase.throw(ValueError("the test's own failure"))
    assert "partnership/services/rogue.py:12" in "\n".join(failed.value.__notes__)
    # A test that skips itself after a violation still fails.
    phase = plugin._wrap("the test")
    next(phase)
    checker.violations.append(violation)
    with pytest.raises(pytest.fail.Exception):
        phase.throw(pytest.skip.Exception("skipped"))
    # A phase without violations passes its result on.
    phase = plugin._wrap("the test")
    next(phase)
    with pytest.raises(StopIteration) as done:
        phase.send("result")
    assert done.value.value == "result"


# --- in the code: where tenant scoping is switched off ---------------------------------------

SCOPE_NAMES = {"platform_scope", "skip_tenant_scope"}
# Where each name may appear besides the allow-list: the tenancy machinery defines both.
DEFINED_IN = "samverkan.platform.db"


def product_modules() -> dict[str, Path]:
    modules = {}
    for folder in PRODUCT_FOLDERS:
        for path in sorted((REPO / folder).rglob("*.py")):
            parts = path.relative_to(REPO).with_suffix("").parts
            if "migrations" in parts or "tests" in parts:
                continue
            modules[".".join(("samverkan", *parts)).removesuffix(".__init__")] = path
    return modules


def scope_names_in(path: Path) -> set[str]:
    """Names that switch tenant scoping off, however written (imported, called, an attribute,
    a keyword argument or a string such as an execution option)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Name):
            found.add(node.id)
        elif isinstance(node, ast.Attribute):
            found.add(node.attr)
        elif isinstance(node, ast.alias):
            found.add(node.name)
        elif isinstance(node, ast.keyword) and node.arg:
            found.add(node.arg)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.add(node.value)
    return found & SCOPE_NAMES


def test_only_allow_listed_modules_switch_tenant_scoping_off():
    modules = product_modules()
    assert "samverkan.tenants.services.sharing" in modules
    uses = {name: scope_names_in(path) for name, path in modules.items()}
    allowed = {name for name in guard.ALLOWED if name.startswith("samverkan.")}
    unreviewed = {name: sorted(found) for name, found in uses.items()
                  if found and name not in allowed | {DEFINED_IN}}
    assert unreviewed == {}, (
        "only the cross-tenant service (tenants/services/sharing.py) reads across tenants; a new "
        "platform_scope or skip_tenant_scope elsewhere needs review and an entry in ALLOWED in "
        "tests/cross_tenant_guard.py")
    skipping = {name for name, found in uses.items() if "skip_tenant_scope" in found}
    assert skipping <= {DEFINED_IN}, "skip_tenant_scope is for the tenancy machinery only"
    stale = {name for name in allowed if "platform_scope" not in uses.get(name, set())}
    assert stale == set(), "allow-list entries for modules that no longer open a platform scope"


def test_only_the_sharing_service_may_read_domain_tables():
    """The platform's bookkeeping allowances name platform tables only; domain tables (of
    ownership, partnership and association projects) are read across tenants only by the
    cross-tenant service (and by migrations and test fixtures). The one other place that touches
    every table is the benchmark data set's bulk writer (``samverkan seed --scale``), a command
    run as the database owner on an empty database, never by a request."""
    with_everything = {name for name, allowance in guard.ALLOWED.items()
                       if allowance.tables == guard.ALL}
    assert with_everything == {guard.SHARING, guard.MIGRATIONS, guard.TESTS, guard.SCALE_SEED}
    domain = {mapper.local_table.name for mapper in db.Model.registry.mappers
              if mapper.class_.__module__.startswith(("samverkan.ownership", "samverkan.partnership",
                                                      "samverkan.tenants.project_models"))}
    named = set().union(*(a.tables for a in guard.ALLOWED.values() if a.tables != guard.ALL))
    assert named <= {t.name for t in db_module._tenant_tables()}
    assert named & domain == set()
    assert all(allowance.reason for allowance in guard.ALLOWED.values())
