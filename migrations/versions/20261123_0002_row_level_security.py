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

from samverkan.migrations import rls

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

def upgrade():
    rls.enable(*TENANT_TABLES)


def downgrade():
    rls.disable(*TENANT_TABLES)
