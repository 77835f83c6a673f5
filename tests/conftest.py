"""Fixtures: a migrated database (SQLite, or PostgreSQL when configured), the app, tenants,
users per role and signed-in clients.

Set ``SAMVERKAN_TEST_DATABASE_URL`` (a PostgreSQL URL for a superuser, e.g.
``postgresql+psycopg://postgres@127.0.0.1:5432/samverkan_test``) to run on PostgreSQL: the
database is recreated, migrated as that user, and the app connects as the role
``samverkan_app``, which owns nothing, so row-level security applies to it.
``SAMVERKAN_TEST_REDIS_URL`` makes Redis available to the tests that use it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from samverkan.platform.app import create_app
from samverkan.platform.db import db, platform_scope, tenant_scope

PG_URL = os.environ.get("SAMVERKAN_TEST_DATABASE_URL")
REDIS_URL = os.environ.get("SAMVERKAN_TEST_REDIS_URL")
APP_ROLE = "samverkan_app"
PASSWORD = "correct horse battery"


def pytest_report_header(config):
    return [
        f"database: {'PostgreSQL ' + make_url(PG_URL).database if PG_URL else 'SQLite'}",
        f"redis: {REDIS_URL or 'not configured'}",
    ]


def _prepare_postgres(admin_url: str) -> str:
    """Recreate the test database and the application role; return the app's URL."""
    url = make_url(admin_url)
    server = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{url.database}"'))
        exists = connection.scalar(
            text("SELECT 1 FROM pg_roles WHERE rolname = :role"), {"role": APP_ROLE}
        )
        if not exists:
            connection.execute(text(f"CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS"))
    server.dispose()
    return url.set(username=APP_ROLE, password=None).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database(tmp_path_factory) -> dict:
    """A migrated, empty database for the whole run: app and admin URLs."""
    instance = tmp_path_factory.mktemp("instance")
    if PG_URL:
        app_url = _prepare_postgres(PG_URL)
        urls = {"app": app_url, "admin": PG_URL, "instance": instance}
    else:
        sqlite_url = f"sqlite:///{instance / 'test.sqlite3'}"
        urls = {"app": sqlite_url, "admin": sqlite_url, "instance": instance}
    app = create_app(_config(urls))
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        db.engine.dispose()
    return urls


def _config(urls: dict, **overrides) -> dict:
    instance = Path(urls["instance"])
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": urls["app"],
        "SAMVERKAN_ADMIN_DATABASE_URL": urls["admin"],
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SAMVERKAN_REDIS_URL": REDIS_URL,
        "SAMVERKAN_JOBS_MODE": "sync",
        "RATELIMIT_STORAGE_URI": "memory://",
        "WTF_CSRF_ENABLED": False,
        "SAMVERKAN_ARGON2_TIME_COST": 1,
        "SAMVERKAN_ARGON2_MEMORY_COST": 8192,
        "SAMVERKAN_OUTBOX_PATH": str(instance / "outbox"),
        "SAMVERKAN_UPLOAD_PATH": str(instance / "uploads"),
        "SERVER_NAME": None,
    }
    config.update(overrides)
    return config


def _empty_tables(urls: dict) -> None:
    engine = create_engine(urls["admin"])
    try:
        with engine.begin() as connection:
            tables = [t for t in inspect(connection).get_table_names() if t != "alembic_version"]
            if connection.dialect.name == "postgresql":
                names = ", ".join(f'"{t}"' for t in tables)
                connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            else:
                connection.execute(text("PRAGMA foreign_keys=OFF"))
                for table in tables:
                    connection.execute(text(f'DELETE FROM "{table}"'))
                if "sqlite_sequence" in {r[0] for r in connection.execute(
                        text("SELECT name FROM sqlite_master"))}:
                    connection.execute(text("DELETE FROM sqlite_sequence"))
    finally:
        engine.dispose()


@pytest.fixture
def app_config(database) -> dict:
    """Override to change the configuration of one test's app."""
    return _config(database)


@pytest.fixture
def app(database, app_config, tmp_path) -> Iterator:
    _empty_tables(database)
    for key in ("SAMVERKAN_OUTBOX_PATH", "SAMVERKAN_UPLOAD_PATH"):
        path = Path(app_config[key])
        if path.exists():
            for item in path.glob("*"):
                if item.is_file():
                    item.unlink()
    application = create_app(app_config)
    # No application context stays pushed: each request gets its own, as in production
    # (a shared one would share ``g`` and the ORM session between requests).
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# --- factories -------------------------------------------------------------------------------


def detached(obj):
    """Load every column of ``obj`` and detach it, so tests can read it outside the context."""
    db.session.refresh(obj)
    db.session.expunge(obj)
    return obj


class Factory:
    """Builds tenants, organisations and users the way the services do.

    Each call runs in an application context of its own and returns detached objects.
    """

    def __init__(self, app):
        self.app = app
        self._count = 0

    def _next(self) -> int:
        self._count += 1
        return self._count

    def tenant(self, slug: str | None = None, *, kind: str = "municipality", country: str = "FI",
               locales: list[str] | None = None, name: dict | None = None):
        from samverkan.tenants.services.tenants import TenantData, create_tenant

        slug = slug or f"tenant-{self._next()}"
        with self.app.app_context():
            tenant = create_tenant(TenantData(
                slug=slug, kind=kind, country=country,
                name=name or {"sv": f"Kommun {slug}", "fi": f"Kunta {slug}"},
                content_locales=locales,
            ))
            db.session.commit()
            return detached(tenant)

    def organisation(self, tenant, *, kind: str = "provider", name: dict | None = None,
                     business_id: str | None = None):
        from samverkan.tenants.models import Organisation

        with self.app.app_context(), tenant_scope(tenant.id):
            organisation = Organisation(
                tenant_id=tenant.id, kind=kind, country=tenant.country,
                name=name or {"sv": f"Organisation {self._next()}",
                              "fi": f"Organisaatio {self._count}"},
                business_id=business_id,
            )
            db.session.add(organisation)
            db.session.commit()
            return detached(organisation)

    def user(self, email: str | None = None, *, tenant=None, roles=("viewer",),
             organisation=None, operator: bool = False, locale: str | None = None,
             password: str = PASSWORD):
        from samverkan.tenants.services.accounts import create_user, grant_membership

        email = email or f"user{self._next()}@example.org"
        with self.app.app_context(), platform_scope("test setup"):
            user = create_user(email, password, name=re.sub(r"@.*", "", email),
                               is_operator=operator, locale=locale)
            if tenant is not None:
                grant_membership(tenant.slug, user, list(roles),
                                 organisation_id=organisation.id if organisation else None)
            db.session.commit()
            return detached(user)

    def membership(self, tenant, user, roles, organisation=None):
        from samverkan.tenants.services.accounts import grant_membership

        with self.app.app_context(), platform_scope("test setup"):
            from samverkan.tenants.models import User

            grant_membership(tenant.slug, db.session.get(User, user.id), list(roles),
                             organisation_id=organisation.id if organisation else None)
            db.session.commit()


@pytest.fixture
def factory(app) -> Factory:
    return Factory(app)


def sign_in(client, email: str, password: str = PASSWORD):
    """Sign a test client in through the real sign-in form."""
    response = client.post("/signin", data={"email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


@pytest.fixture
def sign_in_as():
    return sign_in
