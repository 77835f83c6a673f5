"""Spot checks: the reproducible draws over a provider's student records or invoice lines (the
seed and the population kept) and the sampled items with their findings. Corrective actions
are follow-up actions (revision 0011). The tables are tenant-owned and get the row-level
security policy of revision 0002 on PostgreSQL (``TENANT_TABLES`` below).

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-25
"""
from alembic import op

from samverkan.migrations import rls
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

TENANT_TABLES: list[str] = ["spot_checks", "spot_check_items"]


def upgrade():
    op.create_table('spot_checks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('population_kind', sa.String(length=20), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('seed', sa.String(length=64), nullable=False),
    sa.Column('sample_count', sa.Integer(), nullable=True),
    sa.Column('sample_percent', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('population_size', sa.Integer(), nullable=False),
    sa.Column('population_refs', sa.JSON(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('created_by_label', sa.String(length=254), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_spot_checks_organisation_id_organisations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_spot_checks_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_spot_checks'))
    )
    with op.batch_alter_table('spot_checks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_spot_checks_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_spot_checks_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('spot_check_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('spot_check_id', sa.Integer(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('ref', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.String(length=400), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('finding', sa.Text(), nullable=False),
    sa.Column('assessed_on', sa.Date(), nullable=True),
    sa.Column('assessed_by_label', sa.String(length=254), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['spot_check_id'], ['spot_checks.id'], name=op.f('fk_spot_check_items_spot_check_id_spot_checks'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_spot_check_items_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_spot_check_items')),
    sa.UniqueConstraint('spot_check_id', 'rank', name=op.f('uq_spot_check_items_spot_check_id_rank')),
    sa.UniqueConstraint('spot_check_id', 'ref', name=op.f('uq_spot_check_items_spot_check_id_ref'))
    )
    with op.batch_alter_table('spot_check_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_spot_check_items_spot_check_id'), ['spot_check_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_spot_check_items_tenant_id'), ['tenant_id'], unique=False)
    rls.enable(*TENANT_TABLES)


def downgrade():
    rls.disable(*TENANT_TABLES)
    with op.batch_alter_table('spot_check_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_spot_check_items_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_spot_check_items_spot_check_id'))

    op.drop_table('spot_check_items')
    with op.batch_alter_table('spot_checks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_spot_checks_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_spot_checks_organisation_id'))

    op.drop_table('spot_checks')

