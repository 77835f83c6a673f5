"""Row-level security on PostgreSQL, seen through raw SQL as the application role.

The ORM adds tenant criteria by itself (tests/test_tenancy.py); these tests bypass the ORM and
prove that the database refuses the same things on its own: the application connects as
``samverkan_app``, which owns no table, and every table with a ``tenant_id`` column has a
forced policy keyed on the per-transaction setting ``app.tenant_id``.
"""

from __future__ import annotations

import os

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError, ProgrammingError
from sqlalchemy.pool import NullPool

from samverkan.platform.db import TenantScoped, db

pytestmark = pytest.mark.skipif(
    not os.environ.get("SAMVERKAN_TEST_DATABASE_URL"),
    reason="row-level security exists on PostgreSQL only: set SAMVERKAN_TEST_DATABASE_URL",
)

# How to put a row into each tenant-owned table for a tenant. A new table with a tenant_id
# column needs an entry here (the test below fails naming it until it has one).
ROW_MAKERS = {
    "organisations": lambda f, t: f.organisation(t),
    "memberships": lambda f, t: f.user(tenant=t, roles=["viewer"]),
    "invitations": lambda f, t: f.invitation(t),
    "api_clients": lambda f, t: f.api_client(t),
    "api_tokens": lambda f, t: f.api_token(f.api_client(t)[0]),
    "audit_entries": lambda f, t: f.audit_entry(t),
    "job_runs": lambda f, t: f.job_run(t),
    # Owner steering: one run of its services fills every table of it.
    **dict.fromkeys(
        ["owner_stakes", "goal_themes", "owner_strategies", "steering_goals", "goal_milestones",
         "goal_transitions", "owners_meetings", "agenda_items", "votes", "decisions",
         "progress_reports"],
        lambda f, t: f.ownership_steering_once(t)),
    # Partnership: one run of its services fills every table of it.
    **dict.fromkeys(
        ["agreements", "agreement_parties", "agreement_versions", "agreement_signatures",
         "agreement_commitments", "indicators", "reporting_periods", "indicator_targets",
         "outcome_reports", "report_values", "report_submission_keys",
         "agreement_documents", "report_reminders"],
        lambda f, t: f.partnership_rows(t)),
    # Association projects: one set of rows fills every table of them.
    **dict.fromkeys(
        ["projects", "project_funding", "project_milestones", "project_events",
         "project_participants", "participant_consents", "project_documents"],
        lambda f, t: f.project_rows(t)),
    # The shared indicator library: one set of rows fills every table of it.
    **dict.fromkeys(["indicator_templates", "agreement_templates", "agreement_template_items"],
                    lambda f, t: f.library_rows(t)),
    # Authorisation of providers: one set of rows fills every table of it.
    **dict.fromkeys(["authorisation_criteria", "authorisation_applications", "application_answers",
                     "authorisation_sanctions"],
                    lambda f, t: f.authorisation_rows(t)),
    # Purchasing under the authorisation model: one set of rows fills every table of it.
    **dict.fromkeys(["compensation_versions", "enrolments", "invoices", "invoice_lines",
                     "answer_attachments", "follow_up_actions"],
                    lambda f, t: f.purchasing_rows(t)),
    # Training orders: one set of rows fills every table of them.
    **dict.fromkeys(["training_orders", "training_order_recipients", "training_offers"],
                    lambda f, t: f.training_order_rows(t)),
    # Spot checks: one spot check with a sampled item fills every table of them.
    **dict.fromkeys(["spot_checks", "spot_check_items"], lambda f, t: f.spot_check_rows(t)),
    # Quality dialogues: one set of rows fills every table of them.
    **dict.fromkeys(["dialogue_agenda_items", "quality_dialogues", "guidance_observations"],
                    lambda f, t: f.dialogue_rows(t)),
}


def _tenant_tables(connection) -> list[str]:
    return list(connection.scalars(text(
        "SELECT table_name FROM information_schema.columns WHERE table_schema = 'public'"
        " AND column_name = 'tenant_id' ORDER BY table_name"
    )))


@pytest.fixture
def admin(database):
    """A connection as the owner (a superuser): sees every row."""
    engine = create_engine(database["admin"], poolclass=NullPool)
    with engine.connect() as connection:
        yield connection
    engine.dispose()


@pytest.fixture
def app_engine(database):
    """The application's own role, on fresh connections (no setting ever made on them)."""
    engine = create_engine(database["app"], poolclass=NullPool)
    yield engine
    engine.dispose()


@pytest.fixture
def populated(app, factory, admin):
    """Tenants A and B with at least one row of their own in every tenant-owned table."""
    a = factory.tenant("rls-a")
    b = factory.tenant("rls-b")
    tables = _tenant_tables(admin)
    missing = [table for table in tables if table not in ROW_MAKERS]
    assert not missing, f"add a row maker to ROW_MAKERS in tests/test_rls.py for: {missing}"
    for tenant in (a, b):
        for table in tables:
            ROW_MAKERS[table](factory, tenant)
    admin.rollback()
    counts = {}
    for table in tables:
        counts[table] = dict(admin.execute(
            text(f'SELECT tenant_id, count(*) FROM "{table}" GROUP BY tenant_id')
        ).all())
        assert counts[table].get(a.id) and counts[table].get(b.id), f"{table}: {counts[table]}"
    admin.rollback()
    return a, b, tables, counts


def test_app_role_is_not_the_owner_and_cannot_bypass(app, app_engine):
    with app_engine.connect() as connection:
        role = connection.execute(text(
            "SELECT rolname, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
        )).one()
        assert role == ("samverkan_app", False, False)
        owned = connection.scalar(text(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner = current_user"
        ))
        assert owned == 0
    with app.app_context():
        assert db.engine.url.username == "samverkan_app"


def test_every_tenant_table_has_forced_row_level_security(app, admin):
    tables = _tenant_tables(admin)
    model_tables = {m.local_table.name for m in db.Model.registry.mappers
                    if issubclass(m.class_, TenantScoped)}
    assert model_tables <= set(tables)
    flags = dict((name, (rls, force)) for name, rls, force in admin.execute(text(
        "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity FROM pg_class c"
        " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'"
        " AND c.relkind = 'r'"
    )))
    policies = set(admin.scalars(text(
        "SELECT tablename FROM pg_policies WHERE schemaname = 'public'"
    )))
    unprotected = [t for t in tables if flags.get(t) != (True, True) or t not in policies]
    assert not unprotected, (
        f"tables with tenant_id but without forced row-level security and a policy: {unprotected}"
        " (add them to TENANT_TABLES in migrations/versions/*_row_level_security.py)"
    )


def test_without_the_tenant_setting_no_rows_are_visible(populated, app_engine):
    a, b, tables, counts = populated
    with app_engine.connect() as connection:
        # Never set on this connection: current_setting() is NULL.
        for table in tables:
            assert connection.scalar(text(f'SELECT count(*) FROM "{table}"')) == 0, table
        connection.rollback()
        # Set for one transaction, then read in the next: the setting reads '' now.
        connection.execute(text("SELECT set_config('app.tenant_id', :t, true)"), {"t": str(a.id)})
        assert connection.scalar(text("SELECT count(*) FROM organisations")) > 0
        connection.commit()
        assert connection.scalar(text("SELECT current_setting('app.tenant_id', true)")) == ""
        for table in tables:
            assert connection.scalar(text(f'SELECT count(*) FROM "{table}"')) == 0, table
        connection.rollback()


def test_with_the_tenant_setting_only_that_tenants_rows_are_visible(populated, app_engine):
    a, b, tables, counts = populated
    for tenant in (a, b):
        with app_engine.connect() as connection:
            connection.execute(text("SELECT set_config('app.tenant_id', :t, true)"),
                               {"t": str(tenant.id)})
            for table in tables:
                seen = dict(connection.execute(
                    text(f'SELECT tenant_id, count(*) FROM "{table}" GROUP BY tenant_id')
                ).all())
                assert seen == {tenant.id: counts[table][tenant.id]}, table
            connection.rollback()


def test_the_app_session_sets_the_tenant_per_transaction(populated, app):
    """The ORM session's connection carries the setting of the current tenant."""
    from samverkan.platform.db import tenant_scope

    a, b, tables, counts = populated
    with app.app_context():
        with tenant_scope(a.id):
            assert db.session.scalar(text("SELECT count(*) FROM organisations")) == (
                counts["organisations"][a.id])
        db.session.commit()
        assert db.session.scalar(text("SELECT count(*) FROM organisations")) == 0
        db.session.rollback()


def test_writing_a_row_for_another_tenant_is_refused(populated, app_engine):
    a, b, tables, counts = populated
    with app_engine.connect() as connection:
        connection.execute(text("SELECT set_config('app.tenant_id', :t, true)"), {"t": str(a.id)})
        with pytest.raises(DBAPIError, match="row-level security"):
            connection.execute(text(
                "INSERT INTO organisations (tenant_id, kind, name, country, is_archived,"
                " created_at, updated_at) VALUES (:b, 'provider', '{}', 'FI', false, now(), now())"
            ), {"b": b.id})
        connection.rollback()
        connection.execute(text("SELECT set_config('app.tenant_id', :t, true)"), {"t": str(a.id)})
        # B's rows cannot be reached, and A's rows cannot be moved to B.
        assert connection.execute(text(
            "UPDATE organisations SET is_archived = true WHERE tenant_id = :b"), {"b": b.id}
        ).rowcount == 0
        assert connection.execute(text(
            "DELETE FROM memberships WHERE tenant_id = :b"), {"b": b.id}).rowcount == 0
        with pytest.raises(DBAPIError, match="row-level security"):
            connection.execute(text("UPDATE organisations SET tenant_id = :b"), {"b": b.id})
        connection.rollback()
        # Without any setting, nothing can be inserted at all.
        with pytest.raises(DBAPIError, match="row-level security"):
            connection.execute(text(
                "INSERT INTO organisations (tenant_id, kind, name, country, is_archived,"
                " created_at, updated_at) VALUES (:a, 'provider', '{}', 'FI', false, now(), now())"
            ), {"a": a.id})
        connection.rollback()


def test_app_role_cannot_change_or_delete_audit_entries(populated, app_engine, admin):
    a, b, tables, counts = populated
    statements = [
        "UPDATE audit_entries SET action = 'forged'",
        "DELETE FROM audit_entries",
        "TRUNCATE audit_entries",
    ]
    for statement in statements:
        with app_engine.connect() as connection:
            connection.execute(text("SELECT set_config('app.tenant_id', :t, true)"),
                               {"t": str(a.id)})
            with pytest.raises(ProgrammingError, match="permission denied"):
                connection.execute(text(statement))
            connection.rollback()
    # Appending stays possible, within the tenant.
    with app_engine.connect() as connection:
        connection.execute(text("SELECT set_config('app.tenant_id', :t, true)"), {"t": str(a.id)})
        connection.execute(text(
            "INSERT INTO audit_entries (tenant_id, actor_label, action, entity_type, created_at)"
            " VALUES (:a, '', 'test.appended', 'Test', now())"), {"a": a.id})
        connection.commit()
    assert admin.scalar(text("SELECT count(*) FROM audit_entries WHERE action = 'forged'")) == 0
    total = admin.scalar(text("SELECT count(*) FROM audit_entries"))
    assert total == sum(counts["audit_entries"].values()) + 1
