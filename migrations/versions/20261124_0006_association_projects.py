"""Association projects: projects with funding, milestones and events, their participants,
and the participants' consents to share, with row-level security.

Every table is tenant-owned and gets the row-level security policy of revision 0002 on
PostgreSQL (``TENANT_TABLES`` below; see ``samverkan.migrations.rls``). A consent row lives in the
participant's tenant; its project and participant ids are plain integers (no foreign key
across tenants).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24
"""
from alembic import op

from samverkan.migrations import rls
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

TENANT_TABLES = ['projects', 'project_funding', 'project_milestones', 'project_events',
                 'project_participants', 'participant_consents']

def upgrade():
    op.create_table('participant_consents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('association_tenant_id', sa.Integer(), nullable=False),
    sa.Column('indicator_codes', sa.JSON(), nullable=False),
    sa.Column('anonymised', sa.Boolean(), nullable=False),
    sa.Column('share_goal_statuses', sa.Boolean(), nullable=False),
    sa.Column('granted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('granted_by_id', sa.Integer(), nullable=True),
    sa.Column('granted_by_label', sa.String(length=254), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_by_label', sa.String(length=254), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['association_tenant_id'], ['tenants.id'], name=op.f('fk_participant_consents_association_tenant_id_tenants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['granted_by_id'], ['users.id'], name=op.f('fk_participant_consents_granted_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_participant_consents_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_participant_consents'))
    )
    with op.batch_alter_table('participant_consents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_participant_consents_association_tenant_id'), ['association_tenant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_participant_consents_participant_id'), ['participant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_participant_consents_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_participant_consents_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('projects',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=50), nullable=False),
    sa.Column('name', sa.JSON(), nullable=False),
    sa.Column('description', sa.JSON(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('min_group_size', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_projects_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_projects_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_projects')),
    sa.UniqueConstraint('tenant_id', 'code', name=op.f('uq_projects_tenant_id_code'))
    )
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_projects_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_projects_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('project_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('event_date', sa.Date(), nullable=False),
    sa.Column('title', sa.JSON(), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('link', sa.String(length=500), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_project_events_project_id_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_project_events_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_events'))
    )
    with op.batch_alter_table('project_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_events_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_project_events_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('project_funding',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.JSON(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=16, scale=2), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_project_funding_project_id_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_project_funding_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_funding'))
    )
    with op.batch_alter_table('project_funding', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_funding_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_project_funding_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('project_milestones',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.JSON(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_project_milestones_project_id_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_project_milestones_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_milestones'))
    )
    with op.batch_alter_table('project_milestones', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_milestones_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_project_milestones_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('project_participants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('participant_tenant_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('invited_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('invited_by_label', sa.String(length=254), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('requested_by_label', sa.String(length=254), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answered_by_label', sa.String(length=254), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['participant_tenant_id'], ['tenants.id'], name=op.f('fk_project_participants_participant_tenant_id_tenants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_project_participants_project_id_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_project_participants_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_participants')),
    sa.UniqueConstraint('tenant_id', 'project_id', 'participant_tenant_id', name=op.f('uq_project_participants_tenant_id_project_id_participant_tenant_id'))
    )
    with op.batch_alter_table('project_participants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_participants_participant_tenant_id'), ['participant_tenant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_project_participants_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_project_participants_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_project_participants_tenant_id'), ['tenant_id'], unique=False)

    rls.enable(*TENANT_TABLES)


def downgrade():
    rls.disable(*TENANT_TABLES)

    with op.batch_alter_table('project_participants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_participants_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_project_participants_status'))
        batch_op.drop_index(batch_op.f('ix_project_participants_project_id'))
        batch_op.drop_index(batch_op.f('ix_project_participants_participant_tenant_id'))

    op.drop_table('project_participants')
    with op.batch_alter_table('project_milestones', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_milestones_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_project_milestones_project_id'))

    op.drop_table('project_milestones')
    with op.batch_alter_table('project_funding', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_funding_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_project_funding_project_id'))

    op.drop_table('project_funding')
    with op.batch_alter_table('project_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_events_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_project_events_project_id'))

    op.drop_table('project_events')
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_projects_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_projects_status'))

    op.drop_table('projects')
    with op.batch_alter_table('participant_consents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_participant_consents_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_participant_consents_project_id'))
        batch_op.drop_index(batch_op.f('ix_participant_consents_participant_id'))
        batch_op.drop_index(batch_op.f('ix_participant_consents_association_tenant_id'))

    op.drop_table('participant_consents')
