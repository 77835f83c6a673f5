"""The application factory."""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any

from flask import Flask

from samverkan.platform import config as config_module

# The domain modules, in order. Drives blueprint registration, model import (for migrations)
# and the route-isolation test; nothing is discovered by magic.
MODULES: list[str] = [
    "samverkan.tenants",
    "samverkan.ownership",
    "samverkan.partnership",
]
# API modules of a domain beside its ``api.py``, each with a ``blueprint``.
MORE_API_MODULES: dict[str, list[str]] = {
    "samverkan.tenants": ["project_api"],
    "samverkan.partnership": ["library_api", "authorisation_api", "invoice_api", "spot_check_api",
                              "training_order_api", "compensation_api"],
}


def _optional_module(name: str):
    if importlib.util.find_spec(name) is None:
        return None
    return importlib.import_module(name)


def import_models() -> None:
    """Import every model so that SQLAlchemy's metadata (and Alembic) see all tables."""
    importlib.import_module("samverkan.platform.audit")
    importlib.import_module("samverkan.platform.jobs")
    for module in MODULES:
        _optional_module(f"{module}.models")


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app: environment configuration, overridden by ``config`` (tests)."""
    app = Flask(
        "samverkan.platform",
        root_path=str(config_module.PLATFORM_PATH),
        instance_path=str(config_module.INSTANCE_PATH),
        instance_relative_config=False,
    )
    app.config.update(config_module.from_environment())
    if config:
        app.config.update(config)

    from samverkan.platform import api, auth, i18n, navigation, security, tenancy, views
    from samverkan.platform.db import db, make_engine_fork_safe
    from samverkan.platform.extensions import csrf, limiter, migrate

    import_models()
    security.init_app(app)
    db.init_app(app)
    with app.app_context():
        make_engine_fork_safe(db.engine)
        if db.engine.dialect.name == "sqlite":
            _configure_sqlite(db.engine)
    migrate.init_app(app, db, directory=app.config["MIGRATIONS_PATH"])
    csrf.init_app(app)
    limiter.init_app(app)
    auth.init_app(app)
    tenancy.init_app(app)
    i18n.init_app(app)
    api.init_app(app)
    views.init_app(app)
    navigation.init_app(app)
    for module in MODULES:
        _register_module(app, module)
    if app.config.get("SAMVERKAN_BENCH"):
        from samverkan.platform import bench

        bench.init_app(app)
    from samverkan.platform import cli

    cli.init_app(app)
    return app


def _register_module(app: Flask, module: str) -> None:
    from samverkan.platform.api import api as rest_api

    views_module = _optional_module(f"{module}.views")
    if views_module is not None and hasattr(views_module, "blueprint"):
        app.register_blueprint(views_module.blueprint)
    api_module = _optional_module(f"{module}.api")
    if api_module is not None and hasattr(api_module, "blueprint"):
        rest_api.register_blueprint(api_module.blueprint)
    for name in MORE_API_MODULES.get(module, []):
        rest_api.register_blueprint(importlib.import_module(f"{module}.{name}").blueprint)


def _configure_sqlite(engine) -> None:
    from sqlalchemy import event

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()
