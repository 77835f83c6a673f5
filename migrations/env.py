"""Alembic environment: runs as the database owner, then grants the application role access.

``SAMVERKAN_ADMIN_DATABASE_URL`` (the owner role) is used when set; otherwise the application's
own URL. On PostgreSQL, when the application connects as another role, that role gets the data
privileges it needs (and no more: audit entries are insert-only) after every upgrade.
"""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

config = context.config
if config.config_file_name and not logging.getLogger().handlers:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

target_db = current_app.extensions["migrate"].db
app_url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
admin_url = make_url(current_app.config.get("SAMVERKAN_ADMIN_DATABASE_URL") or app_url)
config.set_main_option(
    "sqlalchemy.url", admin_url.render_as_string(hide_password=False).replace("%", "%%")
)


def grant_application_role(connection) -> None:
    """Give the application role data access; it owns nothing, so row-level security binds it."""
    if connection.dialect.name != "postgresql":
        return
    role = app_url.username
    if not role or role == admin_url.username:
        return
    quoted = connection.dialect.identifier_preparer.quote(role)
    connection.execute(text(f"GRANT USAGE ON SCHEMA public TO {quoted}"))
    connection.execute(
        text(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quoted}")
    )
    connection.execute(text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quoted}"))
    # After a downgrade to base these tables may be gone.
    existing = set(inspect(connection).get_table_names())
    if "audit_entries" in existing:
        connection.execute(text(f"REVOKE UPDATE, DELETE, TRUNCATE ON audit_entries FROM {quoted}"))
    if "alembic_version" in existing:
        connection.execute(text(f"REVOKE UPDATE, DELETE ON alembic_version FROM {quoted}"))


def run_migrations_offline():
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_db.metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    def process_revision_directives(context, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info("No changes in schema detected.")

    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", process_revision_directives)
    engine = create_engine(admin_url)
    try:
        with engine.connect() as connection:
            context.configure(
                connection=connection,
                target_metadata=target_db.metadata,
                **{**conf_args, "render_as_batch": connection.dialect.name == "sqlite"},
            )
            with context.begin_transaction():
                context.run_migrations()
                grant_application_role(connection)
            connection.commit()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
