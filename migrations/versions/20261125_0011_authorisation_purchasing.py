"""Authorisation model, purchasing: the versions of the compensation model, the enrolments
providers report, the providers' invoices and their lines, the attachments of an application's
answers, and the follow-up actions of spot checks and quality dialogues.

The new tables are tenant-owned and get the row-level security policy of revision 0002 on
PostgreSQL (``TENANT_TABLES`` below; see ``samverkan.migrations.rls``).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-25
"""
from alembic import op

from samverkan.migrations import rls
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

TENANT_TABLES = ['compensation_versions', 'enrolments', 'follow_up_actions', 'invoices',
                 'invoice_lines', 'answer_attachments']


def upgrade():
    op.create_table('compensation_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('base_year', sa.Integer(), nullable=False),
    sa.Column('during_course_share', sa.Numeric(precision=6, scale=4), nullable=False),
    sa.Column('on_grades_share', sa.Numeric(precision=6, scale=4), nullable=False),
    sa.Column('grade_deadline_days', sa.Integer(), nullable=False),
    sa.Column('components', sa.JSON(), nullable=False),
    sa.Column('demand_weights', sa.JSON(), nullable=False),
    sa.Column('indexation', sa.JSON(), nullable=False),
    sa.Column('note', sa.JSON(), nullable=False),
    sa.Column('created_by_label', sa.String(length=254), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_compensation_versions_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_compensation_versions')),
    sa.UniqueConstraint('tenant_id', 'version', name=op.f('uq_compensation_versions_tenant_id_version'))
    )
    with op.batch_alter_table('compensation_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_compensation_versions_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('enrolments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('student_ref', sa.String(length=64), nullable=False),
    sa.Column('course_type', sa.String(length=50), nullable=False),
    sa.Column('course_code', sa.String(length=50), nullable=False),
    sa.Column('course_name', sa.String(length=200), nullable=False),
    sa.Column('programme_area', sa.String(length=50), nullable=True),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('course_points', sa.Numeric(precision=10, scale=2), nullable=True),
    sa.Column('weeks', sa.Numeric(precision=10, scale=2), nullable=True),
    sa.Column('category', sa.String(length=50), nullable=True),
    sa.Column('completed', sa.Boolean(), nullable=False),
    sa.Column('grades_reported_on', sa.Date(), nullable=True),
    sa.Column('reported_by_label', sa.String(length=254), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_enrolments_organisation_id_organisations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_enrolments_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enrolments')),
    sa.UniqueConstraint('tenant_id', 'organisation_id', 'student_ref', 'course_code', 'starts_on', name=op.f('uq_enrolments_tenant_id_organisation_id_student_ref_course_code_starts_on'))
    )
    with op.batch_alter_table('enrolments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enrolments_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_enrolments_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index('ix_enrolments_tenant_provider_dates', ['tenant_id', 'organisation_id', 'starts_on', 'ends_on'], unique=False)

    op.create_table('follow_up_actions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('source_kind', sa.String(length=20), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('owner', sa.String(length=200), nullable=False),
    sa.Column('owner_party', sa.String(length=20), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('closing_note', sa.Text(), nullable=False),
    sa.Column('created_by_label', sa.String(length=254), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_follow_up_actions_organisation_id_organisations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_follow_up_actions_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follow_up_actions'))
    )
    with op.batch_alter_table('follow_up_actions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_follow_up_actions_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index('ix_follow_up_actions_source', ['tenant_id', 'source_kind', 'source_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_follow_up_actions_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('invoices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=50), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('created_by_label', sa.String(length=254), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_invoices_organisation_id_organisations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_invoices_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoices')),
    sa.UniqueConstraint('tenant_id', 'organisation_id', 'number', name=op.f('uq_invoices_tenant_id_organisation_id_number'))
    )
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invoices_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_invoices_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('invoice_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('student_ref', sa.String(length=64), nullable=False),
    sa.Column('course_type', sa.String(length=50), nullable=False),
    sa.Column('part', sa.String(length=20), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('text', sa.String(length=200), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_invoice_lines_invoice_id_invoices'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_invoice_lines_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoice_lines'))
    )
    with op.batch_alter_table('invoice_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invoice_lines_invoice_id'), ['invoice_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_invoice_lines_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('answer_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('answer_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('storage_key', sa.String(length=100), nullable=False),
    sa.Column('uploaded_by_label', sa.String(length=254), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['answer_id'], ['application_answers.id'], name=op.f('fk_answer_attachments_answer_id_application_answers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_answer_attachments_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_answer_attachments')),
    sa.UniqueConstraint('storage_key', name=op.f('uq_answer_attachments_storage_key'))
    )
    with op.batch_alter_table('answer_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_answer_attachments_answer_id'), ['answer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_answer_attachments_tenant_id'), ['tenant_id'], unique=False)

    rls.enable(*TENANT_TABLES)


def downgrade():
    rls.disable(*TENANT_TABLES)

    with op.batch_alter_table('answer_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_answer_attachments_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_answer_attachments_answer_id'))

    op.drop_table('answer_attachments')
    with op.batch_alter_table('invoice_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invoice_lines_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_invoice_lines_invoice_id'))

    op.drop_table('invoice_lines')
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invoices_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_invoices_organisation_id'))

    op.drop_table('invoices')
    with op.batch_alter_table('follow_up_actions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_follow_up_actions_tenant_id'))
        batch_op.drop_index('ix_follow_up_actions_source')
        batch_op.drop_index(batch_op.f('ix_follow_up_actions_organisation_id'))

    op.drop_table('follow_up_actions')
    with op.batch_alter_table('enrolments', schema=None) as batch_op:
        batch_op.drop_index('ix_enrolments_tenant_provider_dates')
        batch_op.drop_index(batch_op.f('ix_enrolments_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_enrolments_organisation_id'))

    op.drop_table('enrolments')
    with op.batch_alter_table('compensation_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_compensation_versions_tenant_id'))

    op.drop_table('compensation_versions')
