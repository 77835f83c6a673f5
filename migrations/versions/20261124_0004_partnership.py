"""Partnership agreements and outcome tracking tables, with row-level security.

Agreements, their parties, versions and signatures, commitments, indicators and their targets,
the tenant's reporting periods, outcome reports with their values, and the idempotency keys of
report submissions. Every new table is tenant-owned and gets the row-level security policy of
revision 0002 on PostgreSQL (``TENANT_TABLES`` below; see ``samverkan.migrations.rls``).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""
from alembic import op

from samverkan.migrations import rls
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

TENANT_TABLES = [
    'agreements',
    'agreement_parties',
    'agreement_versions',
    'agreement_signatures',
    'agreement_commitments',
    'indicators',
    'reporting_periods',
    'indicator_targets',
    'outcome_reports',
    'report_values',
    'report_submission_keys',
]

def upgrade():
    op.create_table('agreements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=50), nullable=False),
    sa.Column('kind', sa.String(length=50), nullable=False),
    sa.Column('title', sa.JSON(), nullable=False),
    sa.Column('summary', sa.JSON(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('version_number', sa.Integer(), nullable=False),
    sa.Column('status_note', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_agreements_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_agreements_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agreements')),
    sa.UniqueConstraint('tenant_id', 'code', name=op.f('uq_agreements_tenant_id_code'))
    )
    with op.batch_alter_table('agreements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agreements_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_agreements_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('reporting_periods',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('frequency', sa.String(length=20), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=20), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_reporting_periods_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reporting_periods')),
    sa.UniqueConstraint('tenant_id', 'frequency', 'starts_on', name=op.f('uq_reporting_periods_tenant_id_frequency_starts_on'))
    )
    with op.batch_alter_table('reporting_periods', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reporting_periods_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reporting_periods_year'), ['year'], unique=False)

    op.create_table('agreement_parties',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreements.id'], name=op.f('fk_agreement_parties_agreement_id_agreements'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_agreement_parties_organisation_id_organisations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_agreement_parties_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agreement_parties')),
    sa.UniqueConstraint('tenant_id', 'agreement_id', 'organisation_id', name=op.f('uq_agreement_parties_tenant_id_agreement_id_organisation_id'))
    )
    with op.batch_alter_table('agreement_parties', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agreement_parties_agreement_id'), ['agreement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agreement_parties_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agreement_parties_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('agreement_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('content', sa.JSON(), nullable=True),
    sa.Column('content_hash', sa.String(length=64), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('signed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreements.id'], name=op.f('fk_agreement_versions_agreement_id_agreements'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_agreement_versions_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agreement_versions')),
    sa.UniqueConstraint('tenant_id', 'agreement_id', 'number', name=op.f('uq_agreement_versions_tenant_id_agreement_id_number'))
    )
    with op.batch_alter_table('agreement_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agreement_versions_agreement_id'), ['agreement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agreement_versions_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('agreement_commitments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('party_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.JSON(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreements.id'], name=op.f('fk_agreement_commitments_agreement_id_agreements'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['party_id'], ['agreement_parties.id'], name=op.f('fk_agreement_commitments_party_id_agreement_parties'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_agreement_commitments_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agreement_commitments'))
    )
    with op.batch_alter_table('agreement_commitments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agreement_commitments_agreement_id'), ['agreement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agreement_commitments_party_id'), ['party_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agreement_commitments_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('agreement_signatures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('party_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('signer_id', sa.Integer(), nullable=True),
    sa.Column('signer_label', sa.String(length=254), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('signed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_agreement_signatures_organisation_id_organisations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['party_id'], ['agreement_parties.id'], name=op.f('fk_agreement_signatures_party_id_agreement_parties'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['signer_id'], ['users.id'], name=op.f('fk_agreement_signatures_signer_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_agreement_signatures_tenant_id_tenants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['version_id'], ['agreement_versions.id'], name=op.f('fk_agreement_signatures_version_id_agreement_versions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agreement_signatures')),
    sa.UniqueConstraint('tenant_id', 'version_id', 'party_id', name=op.f('uq_agreement_signatures_tenant_id_version_id_party_id'))
    )
    with op.batch_alter_table('agreement_signatures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agreement_signatures_party_id'), ['party_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agreement_signatures_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agreement_signatures_version_id'), ['version_id'], unique=False)

    op.create_table('indicators',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=50), nullable=False),
    sa.Column('name', sa.JSON(), nullable=False),
    sa.Column('definition', sa.JSON(), nullable=False),
    sa.Column('unit', sa.String(length=20), nullable=False),
    sa.Column('direction', sa.String(length=10), nullable=False),
    sa.Column('aggregation', sa.String(length=10), nullable=False),
    sa.Column('steering_goal_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreements.id'], name=op.f('fk_indicators_agreement_id_agreements'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['steering_goal_id'], ['steering_goals.id'], name=op.f('fk_indicators_steering_goal_id_steering_goals'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_indicators_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_indicators')),
    sa.UniqueConstraint('tenant_id', 'agreement_id', 'code', name=op.f('uq_indicators_tenant_id_agreement_id_code'))
    )
    with op.batch_alter_table('indicators', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_indicators_agreement_id'), ['agreement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_indicators_steering_goal_id'), ['steering_goal_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_indicators_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('outcome_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('party_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('is_current', sa.Boolean(), nullable=False),
    sa.Column('previous_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('lock_version', sa.Integer(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('submitted_by_label', sa.String(length=254), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decision_note', sa.JSON(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreements.id'], name=op.f('fk_outcome_reports_agreement_id_agreements'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_outcome_reports_decided_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_outcome_reports_organisation_id_organisations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['party_id'], ['agreement_parties.id'], name=op.f('fk_outcome_reports_party_id_agreement_parties'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['period_id'], ['reporting_periods.id'], name=op.f('fk_outcome_reports_period_id_reporting_periods'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['previous_id'], ['outcome_reports.id'], name=op.f('fk_outcome_reports_previous_id_outcome_reports'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], name=op.f('fk_outcome_reports_submitted_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_outcome_reports_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outcome_reports')),
    sa.UniqueConstraint('tenant_id', 'agreement_id', 'organisation_id', 'period_id', 'revision', name=op.f('uq_outcome_reports_tenant_id_agreement_id_organisation_id_period_id_revision'))
    )
    with op.batch_alter_table('outcome_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outcome_reports_agreement_id'), ['agreement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outcome_reports_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outcome_reports_period_id'), ['period_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outcome_reports_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_outcome_reports_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('indicator_targets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('indicator_id', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.Numeric(precision=18, scale=4), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['indicator_id'], ['indicators.id'], name=op.f('fk_indicator_targets_indicator_id_indicators'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['period_id'], ['reporting_periods.id'], name=op.f('fk_indicator_targets_period_id_reporting_periods'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_indicator_targets_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_indicator_targets')),
    sa.UniqueConstraint('tenant_id', 'indicator_id', 'period_id', name=op.f('uq_indicator_targets_tenant_id_indicator_id_period_id'))
    )
    with op.batch_alter_table('indicator_targets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_indicator_targets_indicator_id'), ['indicator_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_indicator_targets_period_id'), ['period_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_indicator_targets_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('report_submission_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('principal_key', sa.String(length=80), nullable=False),
    sa.Column('idempotency_key', sa.String(length=255), nullable=False),
    sa.Column('body_fingerprint', sa.String(length=128), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['outcome_reports.id'], name=op.f('fk_report_submission_keys_report_id_outcome_reports'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_report_submission_keys_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_submission_keys')),
    sa.UniqueConstraint('tenant_id', 'principal_key', 'idempotency_key', name=op.f('uq_report_submission_keys_tenant_id_principal_key_idempotency_key'))
    )
    with op.batch_alter_table('report_submission_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_submission_keys_report_id'), ['report_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_report_submission_keys_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('report_values',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('indicator_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.Numeric(precision=18, scale=4), nullable=True),
    sa.Column('comment', sa.JSON(), nullable=False),
    sa.Column('review_comment', sa.JSON(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['indicator_id'], ['indicators.id'], name=op.f('fk_report_values_indicator_id_indicators'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['report_id'], ['outcome_reports.id'], name=op.f('fk_report_values_report_id_outcome_reports'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_report_values_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_values')),
    sa.UniqueConstraint('tenant_id', 'report_id', 'indicator_id', name=op.f('uq_report_values_tenant_id_report_id_indicator_id'))
    )
    with op.batch_alter_table('report_values', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_values_indicator_id'), ['indicator_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_report_values_report_id'), ['report_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_report_values_tenant_id'), ['tenant_id'], unique=False)

    rls.enable(*TENANT_TABLES)


def downgrade():
    rls.disable(*TENANT_TABLES)

    with op.batch_alter_table('report_values', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_values_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_report_values_report_id'))
        batch_op.drop_index(batch_op.f('ix_report_values_indicator_id'))

    op.drop_table('report_values')
    with op.batch_alter_table('report_submission_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_submission_keys_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_report_submission_keys_report_id'))

    op.drop_table('report_submission_keys')
    with op.batch_alter_table('indicator_targets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_indicator_targets_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_indicator_targets_period_id'))
        batch_op.drop_index(batch_op.f('ix_indicator_targets_indicator_id'))

    op.drop_table('indicator_targets')
    with op.batch_alter_table('outcome_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outcome_reports_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_outcome_reports_status'))
        batch_op.drop_index(batch_op.f('ix_outcome_reports_period_id'))
        batch_op.drop_index(batch_op.f('ix_outcome_reports_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_outcome_reports_agreement_id'))

    op.drop_table('outcome_reports')
    with op.batch_alter_table('indicators', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_indicators_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_indicators_steering_goal_id'))
        batch_op.drop_index(batch_op.f('ix_indicators_agreement_id'))

    op.drop_table('indicators')
    with op.batch_alter_table('agreement_signatures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agreement_signatures_version_id'))
        batch_op.drop_index(batch_op.f('ix_agreement_signatures_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_agreement_signatures_party_id'))

    op.drop_table('agreement_signatures')
    with op.batch_alter_table('agreement_commitments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agreement_commitments_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_agreement_commitments_party_id'))
        batch_op.drop_index(batch_op.f('ix_agreement_commitments_agreement_id'))

    op.drop_table('agreement_commitments')
    with op.batch_alter_table('agreement_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agreement_versions_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_agreement_versions_agreement_id'))

    op.drop_table('agreement_versions')
    with op.batch_alter_table('agreement_parties', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agreement_parties_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_agreement_parties_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_agreement_parties_agreement_id'))

    op.drop_table('agreement_parties')
    with op.batch_alter_table('reporting_periods', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reporting_periods_year'))
        batch_op.drop_index(batch_op.f('ix_reporting_periods_tenant_id'))

    op.drop_table('reporting_periods')
    with op.batch_alter_table('agreements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agreements_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_agreements_status'))

    op.drop_table('agreements')
