"""The shared indicator library: an association's versioned indicator templates and agreement
templates, with row-level security, and on indicators the template they were adopted from.

Every new table is tenant-owned and gets the row-level security policy of revision 0002 on
PostgreSQL (``TENANT_TABLES`` below; see ``samverkan.migrations.rls``).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24
"""
from alembic import op

from samverkan.migrations import rls
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

TENANT_TABLES = ['indicator_templates', 'agreement_templates', 'agreement_template_items']

def upgrade():
    op.create_table('agreement_templates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=50), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('name', sa.JSON(), nullable=False),
    sa.Column('description', sa.JSON(), nullable=False),
    sa.Column('change_note', sa.JSON(), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_by_label', sa.String(length=254), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_agreement_templates_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agreement_templates')),
    sa.UniqueConstraint('tenant_id', 'code', 'version', name=op.f('uq_agreement_templates_tenant_id_code_version'))
    )
    with op.batch_alter_table('agreement_templates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agreement_templates_code'), ['code'], unique=False)
        batch_op.create_index(batch_op.f('ix_agreement_templates_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('indicator_templates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=50), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('name', sa.JSON(), nullable=False),
    sa.Column('definition', sa.JSON(), nullable=False),
    sa.Column('unit', sa.String(length=20), nullable=False),
    sa.Column('direction', sa.String(length=10), nullable=False),
    sa.Column('aggregation', sa.String(length=10), nullable=False),
    sa.Column('change_note', sa.JSON(), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_by_label', sa.String(length=254), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_indicator_templates_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_indicator_templates')),
    sa.UniqueConstraint('tenant_id', 'code', 'version', name=op.f('uq_indicator_templates_tenant_id_code_version'))
    )
    with op.batch_alter_table('indicator_templates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_indicator_templates_code'), ['code'], unique=False)
        batch_op.create_index(batch_op.f('ix_indicator_templates_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('agreement_template_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=False),
    sa.Column('indicator_template_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['indicator_template_id'], ['indicator_templates.id'], name=op.f('fk_agreement_template_items_indicator_template_id_indicator_templates'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['template_id'], ['agreement_templates.id'], name=op.f('fk_agreement_template_items_template_id_agreement_templates'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_agreement_template_items_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agreement_template_items')),
    sa.UniqueConstraint('tenant_id', 'template_id', 'indicator_template_id', name=op.f('uq_agreement_template_items_tenant_id_template_id_indicator_template_id'))
    )
    with op.batch_alter_table('agreement_template_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agreement_template_items_indicator_template_id'), ['indicator_template_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agreement_template_items_template_id'), ['template_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agreement_template_items_tenant_id'), ['tenant_id'], unique=False)

    with op.batch_alter_table('indicators', schema=None) as batch_op:
        batch_op.add_column(sa.Column('template_tenant_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('template_code', sa.String(length=50), nullable=True))
        batch_op.add_column(sa.Column('template_version', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('template_kept_version', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_indicators_template_code'), ['template_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_indicators_template_tenant_id'), ['template_tenant_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_indicators_template_tenant_id_tenants'), 'tenants', ['template_tenant_id'], ['id'], ondelete='SET NULL')

    rls.enable(*TENANT_TABLES)


def downgrade():
    rls.disable(*TENANT_TABLES)

    with op.batch_alter_table('indicators', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_indicators_template_tenant_id_tenants'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_indicators_template_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_indicators_template_code'))
        batch_op.drop_column('template_kept_version')
        batch_op.drop_column('template_version')
        batch_op.drop_column('template_code')
        batch_op.drop_column('template_tenant_id')

    with op.batch_alter_table('agreement_template_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agreement_template_items_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_agreement_template_items_template_id'))
        batch_op.drop_index(batch_op.f('ix_agreement_template_items_indicator_template_id'))

    op.drop_table('agreement_template_items')
    with op.batch_alter_table('indicator_templates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_indicator_templates_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_indicator_templates_code'))

    op.drop_table('indicator_templates')
    with op.batch_alter_table('agreement_templates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agreement_templates_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_agreement_templates_code'))

    op.drop_table('agreement_templates')
