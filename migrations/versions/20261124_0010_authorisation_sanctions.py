"""Authorisation of providers: the periodic re-check date, the revocation date and the
sanctions ladder (remark, warning, revocation) with its history.

The new table is tenant-owned and gets the row-level security policy of revision 0002 on
PostgreSQL (``TENANT_TABLES`` below; see ``samverkan.migrations.rls``).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-24
"""
from alembic import op

from samverkan.migrations import rls
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

TENANT_TABLES = ['authorisation_sanctions']

def upgrade():
    op.create_table('authorisation_sanctions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.String(length=20), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=False),
    sa.Column('reason', sa.JSON(), nullable=False),
    sa.Column('decided_by_label', sa.String(length=254), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['authorisation_applications.id'], name=op.f('fk_authorisation_sanctions_application_id_authorisation_applications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_authorisation_sanctions_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_authorisation_sanctions'))
    )
    with op.batch_alter_table('authorisation_sanctions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_authorisation_sanctions_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_authorisation_sanctions_tenant_id'), ['tenant_id'], unique=False)

    with op.batch_alter_table('authorisation_applications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('next_recheck_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('revoked_on', sa.Date(), nullable=True))

    rls.enable(*TENANT_TABLES)


def downgrade():
    rls.disable(*TENANT_TABLES)

    with op.batch_alter_table('authorisation_applications', schema=None) as batch_op:
        batch_op.drop_column('revoked_on')
        batch_op.drop_column('next_recheck_on')

    with op.batch_alter_table('authorisation_sanctions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_authorisation_sanctions_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_authorisation_sanctions_application_id'))

    op.drop_table('authorisation_sanctions')
