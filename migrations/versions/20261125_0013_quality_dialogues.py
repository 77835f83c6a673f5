"""Quality dialogues: the tenant's agenda template, the quality dialogues with providers
(agenda, minutes) and the guidance counsellors' observations that feed their agendas.

The new tables are tenant-owned and get the row-level security policy of revision 0002 on
PostgreSQL (``TENANT_TABLES`` below; see ``samverkan.migrations.rls``).

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-25
"""
from alembic import op

from samverkan.migrations import rls
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

TENANT_TABLES = ['dialogue_agenda_items', 'quality_dialogues', 'guidance_observations']


def upgrade():
    op.create_table('dialogue_agenda_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('text', sa.JSON(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_dialogue_agenda_items_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dialogue_agenda_items'))
    )
    with op.batch_alter_table('dialogue_agenda_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dialogue_agenda_items_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('quality_dialogues',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('scheduled_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=True),
    sa.Column('agenda', sa.JSON(), nullable=False),
    sa.Column('minutes', sa.JSON(), nullable=False),
    sa.Column('cancel_reason', sa.Text(), nullable=False),
    sa.Column('created_by_label', sa.String(length=254), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_quality_dialogues_organisation_id_organisations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_quality_dialogues_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quality_dialogues'))
    )
    with op.batch_alter_table('quality_dialogues', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quality_dialogues_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_quality_dialogues_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index('ix_quality_dialogues_tenant_provider_date', ['tenant_id', 'organisation_id', 'scheduled_on'], unique=False)

    op.create_table('guidance_observations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('observed_on', sa.Date(), nullable=False),
    sa.Column('theme', sa.String(length=30), nullable=False),
    sa.Column('tone', sa.String(length=20), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('dialogue_id', sa.Integer(), nullable=True),
    sa.Column('author_user_id', sa.Integer(), nullable=True),
    sa.Column('author_label', sa.String(length=254), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['dialogue_id'], ['quality_dialogues.id'], name=op.f('fk_guidance_observations_dialogue_id_quality_dialogues'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_guidance_observations_organisation_id_organisations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_guidance_observations_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_guidance_observations'))
    )
    with op.batch_alter_table('guidance_observations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_guidance_observations_dialogue_id'), ['dialogue_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_guidance_observations_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_guidance_observations_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index('ix_guidance_observations_tenant_provider_status', ['tenant_id', 'organisation_id', 'status'], unique=False)
    rls.enable(*TENANT_TABLES)


def downgrade():
    rls.disable(*TENANT_TABLES)
    with op.batch_alter_table('guidance_observations', schema=None) as batch_op:
        batch_op.drop_index('ix_guidance_observations_tenant_provider_status')
        batch_op.drop_index(batch_op.f('ix_guidance_observations_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_guidance_observations_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_guidance_observations_dialogue_id'))

    op.drop_table('guidance_observations')
    with op.batch_alter_table('quality_dialogues', schema=None) as batch_op:
        batch_op.drop_index('ix_quality_dialogues_tenant_provider_date')
        batch_op.drop_index(batch_op.f('ix_quality_dialogues_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_quality_dialogues_organisation_id'))

    op.drop_table('quality_dialogues')
    with op.batch_alter_table('dialogue_agenda_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dialogue_agenda_items_tenant_id'))

    op.drop_table('dialogue_agenda_items')
