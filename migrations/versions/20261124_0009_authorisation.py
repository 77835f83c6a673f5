"""Authorisation of providers: the criteria catalogue, the applications with an answer and an
assessment per criterion, and the decision (programme areas, validity, reasons).

The new tables are tenant-owned and get the row-level security policy of revision 0002 on
PostgreSQL (``TENANT_TABLES`` below; see ``samverkan.migrations.rls``).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24
"""
from alembic import op

from samverkan.migrations import rls
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

TENANT_TABLES = ['authorisation_criteria', 'authorisation_applications', 'application_answers']

def upgrade():
    op.create_table('authorisation_criteria',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=50), nullable=False),
    sa.Column('text', sa.JSON(), nullable=False),
    sa.Column('evidence', sa.JSON(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_authorisation_criteria_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_authorisation_criteria')),
    sa.UniqueConstraint('tenant_id', 'code', name=op.f('uq_authorisation_criteria_tenant_id_code'))
    )
    with op.batch_alter_table('authorisation_criteria', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_authorisation_criteria_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('authorisation_applications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by_label', sa.String(length=254), nullable=False),
    sa.Column('programme_areas', sa.JSON(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=True),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('decision_reasons', sa.JSON(), nullable=False),
    sa.Column('created_by_label', sa.String(length=254), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_authorisation_applications_organisation_id_organisations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_authorisation_applications_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_authorisation_applications'))
    )
    with op.batch_alter_table('authorisation_applications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_authorisation_applications_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_authorisation_applications_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('application_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('criterion_id', sa.Integer(), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('assessment', sa.String(length=20), nullable=False),
    sa.Column('assessment_comment', sa.Text(), nullable=False),
    sa.Column('assessed_by_label', sa.String(length=254), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['authorisation_applications.id'], name=op.f('fk_application_answers_application_id_authorisation_applications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['criterion_id'], ['authorisation_criteria.id'], name=op.f('fk_application_answers_criterion_id_authorisation_criteria'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_application_answers_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_application_answers')),
    sa.UniqueConstraint('tenant_id', 'application_id', 'criterion_id', name=op.f('uq_application_answers_tenant_id_application_id_criterion_id'))
    )
    with op.batch_alter_table('application_answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_application_answers_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_application_answers_criterion_id'), ['criterion_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_application_answers_tenant_id'), ['tenant_id'], unique=False)

    rls.enable(*TENANT_TABLES)


def downgrade():
    rls.disable(*TENANT_TABLES)

    with op.batch_alter_table('application_answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_application_answers_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_application_answers_criterion_id'))
        batch_op.drop_index(batch_op.f('ix_application_answers_application_id'))

    op.drop_table('application_answers')
    with op.batch_alter_table('authorisation_applications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_authorisation_applications_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_authorisation_applications_organisation_id'))

    op.drop_table('authorisation_applications')
    with op.batch_alter_table('authorisation_criteria', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_authorisation_criteria_tenant_id'))

    op.drop_table('authorisation_criteria')
