"""Migrations: an empty database migrates to head, matches the models, and goes down and up.

Runs on the configured database: a new SQLite file, or a new PostgreSQL database created and
dropped by the test (as the owner role, with the application role granted access as in
production).
"""

from __future__ import annotations

import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, Integer, MetaData, create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from samverkan.platform.app import create_app
from samverkan.platform.db import db


@contextmanager
def _empty_database(database: dict, tmp_path: Path):
    """Yield (app URL, admin URL) of a new, empty database; drop it afterwards."""
    admin_url = make_url(database["admin"])
    if admin_url.get_backend_name() == "sqlite":
        url = f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        yield url, url
        return
    name = f"samverkan_migrations_{uuid.uuid4().hex[:12]}"
    server = create_engine(admin_url.set(database="postgres"), isolation_level="AUTOCOMMIT",
                           poolclass=NullPool)
    with server.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        app_url = make_url(database["app"]).set(database=name)
        yield (app_url.render_as_string(hide_password=False),
               admin_url.set(database=name).render_as_string(hide_password=False))
    finally:
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


@pytest.fixture
def fresh(database, app_config, tmp_path):
    """An app bound to a new, empty database, with its admin URL."""
    with _empty_database(database, tmp_path) as (app_url, admin_url):
        application = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": app_url,
                                  "SAMVERKAN_ADMIN_DATABASE_URL": admin_url})
        yield application, admin_url
        with application.app_context():
            db.engine.dispose()


def _differences(admin_url: str, metadata=None) -> list:
    engine = create_engine(admin_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "compare_server_default": False}
            )
            return compare_metadata(context, metadata if metadata is not None else db.metadata)
    finally:
        engine.dispose()


def _tables(admin_url: str) -> set[str]:
    engine = create_engine(admin_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return set(inspect(connection).get_table_names())
    finally:
        engine.dispose()


def _head(application) -> str:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", application.config["MIGRATIONS_PATH"])
    return ScriptDirectory.from_config(config).get_current_head()


def _current(admin_url: str) -> str | None:
    engine = create_engine(admin_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def test_empty_database_migrates_to_head_and_matches_the_models(fresh):
    from flask_migrate import upgrade

    application, admin_url = fresh
    assert _tables(admin_url) == set()
    with application.app_context():
        upgrade()
    assert _current(admin_url) == _head(application)
    model_tables = {table.name for table in db.metadata.sorted_tables}
    assert model_tables <= _tables(admin_url)
    differences = _differences(admin_url)
    assert differences == [], (
        "the models and the migrations differ; run /tmp/regen_migration.sh or add a migration:\n"
        + "\n".join(map(str, differences))
    )
    # The comparison is not vacuous: a column the migrations lack is reported.
    extra = MetaData(naming_convention=db.metadata.naming_convention)
    for table in db.metadata.sorted_tables:
        table.to_metadata(extra)
    extra.tables["organisations"].append_column(Column("not_migrated", Integer))
    assert any("not_migrated" in str(d) for d in _differences(admin_url, extra))


def test_downgrade_to_base_and_upgrade_again(fresh):
    from flask_migrate import downgrade, upgrade

    application, admin_url = fresh
    with application.app_context():
        upgrade()
        downgrade(revision="base")
    assert _tables(admin_url) <= {"alembic_version"}
    assert _current(admin_url) is None
    with application.app_context():
        upgrade()
    assert _current(admin_url) == _head(application)
    assert _differences(admin_url) == []


def test_the_migrated_database_serves_the_app(fresh):
    """After migrating, the app (as its own role on PostgreSQL) can write and read."""
    from flask_migrate import upgrade

    from samverkan.tenants.services.tenants import TenantData, create_tenant

    application, _ = fresh
    with application.app_context():
        upgrade()
        create_tenant(TenantData(slug="migrated", kind="municipality", country="FI",
                                 name={"sv": "Kommun", "fi": "Kunta"}))
        db.session.commit()
    response = application.test_client().get("/healthz")
    assert response.status_code == 200 and response.get_json()["database"] == "ok"
