"""Owner steering tables, with row-level security.

Owner stakes, strategies, goal themes, steering goals with milestones and transitions, owners'
meetings, agenda items, votes, decisions and progress reports. Every new table is
tenant-owned and gets the row-level security policy of revision 0002 on PostgreSQL
(``TENANT_TABLES`` below; see ``samverkan.migrations.rls``).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""
from alembic import op

from samverkan.migrations import rls
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

TENANT_TABLES = [
    'owner_stakes',
    'owner_strategies',
    'goal_themes',
    'steering_goals',
    'goal_milestones',
    'goal_transitions',
    'owners_meetings',
    'agenda_items',
    'votes',
    'decisions',
    'progress_reports',
]

def upgrade():
    op.create_table('goal_themes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=50), nullable=False),
    sa.Column('name', sa.JSON(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('is_archived', sa.Boolean(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_goal_themes_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_goal_themes')),
    sa.UniqueConstraint('tenant_id', 'code', name=op.f('uq_goal_themes_tenant_id_code'))
    )
    with op.batch_alter_table('goal_themes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_goal_themes_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('owner_strategies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.JSON(), nullable=False),
    sa.Column('text', sa.JSON(), nullable=False),
    sa.Column('from_year', sa.Integer(), nullable=False),
    sa.Column('to_year', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('adopted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_owner_strategies_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_owner_strategies'))
    )
    with op.batch_alter_table('owner_strategies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_owner_strategies_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('owners_meetings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_date', sa.Date(), nullable=False),
    sa.Column('agenda', sa.JSON(), nullable=False),
    sa.Column('minutes', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_owners_meetings_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_owners_meetings'))
    )
    with op.batch_alter_table('owners_meetings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_owners_meetings_meeting_date'), ['meeting_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_owners_meetings_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('owner_stakes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('share', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('basis', sa.String(length=300), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_owner_stakes_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_owner_stakes_organisation_id_organisations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_owner_stakes_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_owner_stakes')),
    sa.UniqueConstraint('tenant_id', 'organisation_id', 'valid_from', name=op.f('uq_owner_stakes_tenant_id_organisation_id_valid_from'))
    )
    with op.batch_alter_table('owner_stakes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_owner_stakes_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_owner_stakes_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('steering_goals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('strategy_id', sa.Integer(), nullable=False),
    sa.Column('theme_id', sa.Integer(), nullable=False),
    sa.Column('proposer_organisation_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.JSON(), nullable=False),
    sa.Column('description', sa.JSON(), nullable=False),
    sa.Column('unit', sa.String(length=50), nullable=False),
    sa.Column('direction', sa.String(length=10), nullable=False),
    sa.Column('baseline_value', sa.Numeric(precision=18, scale=4), nullable=False),
    sa.Column('baseline_year', sa.Integer(), nullable=False),
    sa.Column('target_value', sa.Numeric(precision=18, scale=4), nullable=False),
    sa.Column('target_date', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('adopted_decision_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_steering_goals_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['proposer_organisation_id'], ['organisations.id'], name=op.f('fk_steering_goals_proposer_organisation_id_organisations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['strategy_id'], ['owner_strategies.id'], name=op.f('fk_steering_goals_strategy_id_owner_strategies'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_steering_goals_tenant_id_tenants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['theme_id'], ['goal_themes.id'], name=op.f('fk_steering_goals_theme_id_goal_themes'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_steering_goals'))
    )
    with op.batch_alter_table('steering_goals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_steering_goals_proposer_organisation_id'), ['proposer_organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_steering_goals_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_steering_goals_strategy_id'), ['strategy_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_steering_goals_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_steering_goals_theme_id'), ['theme_id'], unique=False)

    op.create_table('agenda_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('goal_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['goal_id'], ['steering_goals.id'], name=op.f('fk_agenda_items_goal_id_steering_goals'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['meeting_id'], ['owners_meetings.id'], name=op.f('fk_agenda_items_meeting_id_owners_meetings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_agenda_items_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agenda_items')),
    sa.UniqueConstraint('tenant_id', 'meeting_id', 'goal_id', name=op.f('uq_agenda_items_tenant_id_meeting_id_goal_id'))
    )
    with op.batch_alter_table('agenda_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agenda_items_goal_id'), ['goal_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agenda_items_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agenda_items_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('goal_milestones',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('goal_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('value', sa.Numeric(precision=18, scale=4), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['goal_id'], ['steering_goals.id'], name=op.f('fk_goal_milestones_goal_id_steering_goals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_goal_milestones_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_goal_milestones')),
    sa.UniqueConstraint('tenant_id', 'goal_id', 'year', name=op.f('uq_goal_milestones_tenant_id_goal_id_year'))
    )
    with op.batch_alter_table('goal_milestones', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_goal_milestones_goal_id'), ['goal_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_goal_milestones_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('progress_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('goal_id', sa.Integer(), nullable=False),
    sa.Column('period_label', sa.String(length=50), nullable=False),
    sa.Column('period_date', sa.Date(), nullable=False),
    sa.Column('value', sa.Numeric(precision=18, scale=4), nullable=False),
    sa.Column('narrative', sa.JSON(), nullable=False),
    sa.Column('reporter_id', sa.Integer(), nullable=True),
    sa.Column('reporter_label', sa.String(length=254), nullable=False),
    sa.Column('reported_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['goal_id'], ['steering_goals.id'], name=op.f('fk_progress_reports_goal_id_steering_goals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reporter_id'], ['users.id'], name=op.f('fk_progress_reports_reporter_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_progress_reports_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_progress_reports')),
    sa.UniqueConstraint('tenant_id', 'goal_id', 'period_label', name=op.f('uq_progress_reports_tenant_id_goal_id_period_label'))
    )
    with op.batch_alter_table('progress_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_progress_reports_goal_id'), ['goal_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_progress_reports_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agenda_item_id', sa.Integer(), nullable=False),
    sa.Column('rule', sa.String(length=30), nullable=False),
    sa.Column('fraction_numerator', sa.Integer(), nullable=True),
    sa.Column('fraction_denominator', sa.Integer(), nullable=True),
    sa.Column('shares_for', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('shares_against', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('shares_abstain', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('shares_absent', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('shares_represented', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('shares_total', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('breakdown', sa.JSON(), nullable=False),
    sa.Column('result', sa.String(length=20), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('computed_by_id', sa.Integer(), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agenda_item_id'], ['agenda_items.id'], name=op.f('fk_decisions_agenda_item_id_agenda_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['computed_by_id'], ['users.id'], name=op.f('fk_decisions_computed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_decisions_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decisions')),
    sa.UniqueConstraint('tenant_id', 'agenda_item_id', name=op.f('uq_decisions_tenant_id_agenda_item_id'))
    )
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decisions_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('votes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agenda_item_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('choice', sa.String(length=10), nullable=False),
    sa.Column('cast_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agenda_item_id'], ['agenda_items.id'], name=op.f('fk_votes_agenda_item_id_agenda_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_votes_organisation_id_organisations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_votes_tenant_id_tenants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_votes_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_votes')),
    sa.UniqueConstraint('tenant_id', 'agenda_item_id', 'organisation_id', name=op.f('uq_votes_tenant_id_agenda_item_id_organisation_id'))
    )
    with op.batch_alter_table('votes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_votes_agenda_item_id'), ['agenda_item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_votes_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('goal_transitions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('goal_id', sa.Integer(), nullable=False),
    sa.Column('from_status', sa.String(length=20), nullable=True),
    sa.Column('to_status', sa.String(length=20), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_label', sa.String(length=254), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('decision_id', sa.Integer(), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_goal_transitions_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['decision_id'], ['decisions.id'], name=op.f('fk_goal_transitions_decision_id_decisions'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['goal_id'], ['steering_goals.id'], name=op.f('fk_goal_transitions_goal_id_steering_goals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_goal_transitions_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_goal_transitions'))
    )
    with op.batch_alter_table('goal_transitions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_goal_transitions_goal_id'), ['goal_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_goal_transitions_tenant_id'), ['tenant_id'], unique=False)

    # steering_goals -> decisions closes a cycle (decision -> agenda item -> goal): added last.
    # SQLite has no ALTER TABLE ... ADD CONSTRAINT; batch mode rebuilds the (empty) table there.
    with op.batch_alter_table('steering_goals', schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f('fk_steering_goals_adopted_decision_id_decisions'), 'decisions',
            ['adopted_decision_id'], ['id'], ondelete='SET NULL',
        )

    rls.enable(*TENANT_TABLES)


def downgrade():
    rls.disable(*TENANT_TABLES)

    with op.batch_alter_table('steering_goals', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_steering_goals_adopted_decision_id_decisions'), type_='foreignkey'
        )

    with op.batch_alter_table('goal_transitions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_goal_transitions_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_goal_transitions_goal_id'))

    op.drop_table('goal_transitions')
    with op.batch_alter_table('votes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_votes_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_votes_agenda_item_id'))

    op.drop_table('votes')
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_decisions_tenant_id'))

    op.drop_table('decisions')
    with op.batch_alter_table('progress_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_progress_reports_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_progress_reports_goal_id'))

    op.drop_table('progress_reports')
    with op.batch_alter_table('goal_milestones', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_goal_milestones_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_goal_milestones_goal_id'))

    op.drop_table('goal_milestones')
    with op.batch_alter_table('agenda_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agenda_items_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_agenda_items_meeting_id'))
        batch_op.drop_index(batch_op.f('ix_agenda_items_goal_id'))

    op.drop_table('agenda_items')
    with op.batch_alter_table('steering_goals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_steering_goals_theme_id'))
        batch_op.drop_index(batch_op.f('ix_steering_goals_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_steering_goals_strategy_id'))
        batch_op.drop_index(batch_op.f('ix_steering_goals_status'))
        batch_op.drop_index(batch_op.f('ix_steering_goals_proposer_organisation_id'))

    op.drop_table('steering_goals')
    with op.batch_alter_table('owner_stakes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_owner_stakes_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_owner_stakes_organisation_id'))

    op.drop_table('owner_stakes')
    with op.batch_alter_table('owners_meetings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_owners_meetings_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_owners_meetings_meeting_date'))

    op.drop_table('owners_meetings')
    with op.batch_alter_table('owner_strategies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_owner_strategies_tenant_id'))

    op.drop_table('owner_strategies')
    with op.batch_alter_table('goal_themes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_goal_themes_tenant_id'))

    op.drop_table('goal_themes')
