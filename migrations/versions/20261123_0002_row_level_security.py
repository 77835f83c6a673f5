"""Row-level security on every tenant-owned table (PostgreSQL).

A row is visible and writable only when its tenant_id equals the transaction's
``app.tenant_id`` setting, or in platform-operator code (``app.platform`` = 'on').
FORCE makes the rule bind the table owner too; superusers still bypass it, so the
application connects as a role of its own.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TENANT_TABLES = [
    "organisations",
    "memberships",
    "invitations",
    "api_clients",
    "api_tokens",
    "audit_entries",
    "job_runs",
]

RULE = (
    "(tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::integer"
    " OR current_setting('app.platform', true) = 'on')"
)


def enable(table: str) -> None:
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY tenant_isolation ON {table} USING {RULE} WITH CHECK {RULE}")


def disable(table: str) -> None:
    op.execute(f"DROP POLICY IF EXISTS tenant_isolation ON {table}")
    op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TENANT_TABLES:
        enable(table)


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TENANT_TABLES:
        disable(table)
