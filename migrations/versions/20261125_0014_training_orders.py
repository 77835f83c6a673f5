"""Training orders: employers' orders of training, the providers they were sent to and the
providers' offers. The tables are tenant-owned and get the row-level security policy of
revision 0002 on PostgreSQL (``TENANT_TABLES`` below).

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-25
"""
# ruff: noqa: E501
import sqlalchemy as sa
from alembic import op

from samverkan.migrations import rls

# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

TENANT_TABLES: list[str] = ["training_orders", "training_offers", "training_order_recipients"]


def upgrade():
    op.create_table('training_orders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('employer_id', sa.Integer(), nullable=False),
    sa.Column('competence', sa.String(length=200), nullable=False),
    sa.Column('programme_area', sa.String(length=40), nullable=False),
    sa.Column('people', sa.Integer(), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('wanted_start_on', sa.Date(), nullable=True),
    sa.Column('need_registered_on', sa.Date(), nullable=False),
    sa.Column('specification', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('sent_on', sa.Date(), nullable=True),
    sa.Column('answer_by', sa.Date(), nullable=True),
    sa.Column('chosen_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('started_on', sa.Date(), nullable=True),
    sa.Column('cancelled_on', sa.Date(), nullable=True),
    sa.Column('cancel_reason', sa.Text(), nullable=False),
    sa.Column('created_by_label', sa.String(length=254), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['employer_id'], ['organisations.id'], name=op.f('fk_training_orders_employer_id_organisations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_training_orders_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_orders'))
    )
    with op.batch_alter_table('training_orders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_orders_employer_id'), ['employer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_orders_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_orders_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('training_offers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('planned_start_on', sa.Date(), nullable=False),
    sa.Column('places', sa.Integer(), nullable=False),
    sa.Column('price', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('submitted_by_label', sa.String(length=254), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['training_orders.id'], name=op.f('fk_training_offers_order_id_training_orders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_training_offers_organisation_id_organisations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_training_offers_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_offers'))
    )
    with op.batch_alter_table('training_offers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_offers_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_offers_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_offers_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('training_order_recipients',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['training_orders.id'], name=op.f('fk_training_order_recipients_order_id_training_orders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_training_order_recipients_organisation_id_organisations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_training_order_recipients_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_order_recipients')),
    sa.UniqueConstraint('tenant_id', 'order_id', 'organisation_id', name=op.f('uq_training_order_recipients_tenant_id_order_id_organisation_id'))
    )
    with op.batch_alter_table('training_order_recipients', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_order_recipients_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_order_recipients_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_order_recipients_tenant_id'), ['tenant_id'], unique=False)

    rls.enable(*TENANT_TABLES)


def downgrade():
    rls.disable(*TENANT_TABLES)
    with op.batch_alter_table('training_order_recipients', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_order_recipients_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_training_order_recipients_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_training_order_recipients_order_id'))

    op.drop_table('training_order_recipients')
    with op.batch_alter_table('training_offers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_offers_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_training_offers_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_training_offers_order_id'))

    op.drop_table('training_offers')
    with op.batch_alter_table('training_orders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_orders_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_training_orders_status'))
        batch_op.drop_index(batch_op.f('ix_training_orders_employer_id'))

    op.drop_table('training_orders')
