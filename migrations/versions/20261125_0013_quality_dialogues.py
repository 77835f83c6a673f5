"""quality dialogues (the tables of this feature).

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-25
"""
from alembic import op  # noqa: F401

from samverkan.migrations import rls  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

TENANT_TABLES: list[str] = []


def upgrade():
    rls.enable(*TENANT_TABLES)


def downgrade():
    rls.disable(*TENANT_TABLES)
