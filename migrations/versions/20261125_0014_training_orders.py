"""training orders (the tables of this feature).

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-25
"""
from alembic import op  # noqa: F401

from samverkan.migrations import rls  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

TENANT_TABLES: list[str] = []


def upgrade():
    rls.enable(*TENANT_TABLES)


def downgrade():
    rls.disable(*TENANT_TABLES)
