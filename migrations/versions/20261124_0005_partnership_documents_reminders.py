"""Agreement documents and sent report reminders, with row-level security.

Both tables are tenant-owned and get the row-level security policy of revision 0002 on
PostgreSQL (``TENANT_TABLES`` below; see ``samverkan.migrations.rls``).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""
from alembic import op

from samverkan.migrations import rls
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

TENANT_TABLES = ['agreement_documents', 'report_reminders']

def upgrade():
    op.create_table('agreement_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('doc_type', sa.String(length=30), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('storage_key', sa.String(length=100), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_by_label', sa.String(length=254), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreements.id'], name=op.f('fk_agreement_documents_agreement_id_agreements'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_agreement_documents_tenant_id_tenants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_agreement_documents_uploaded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agreement_documents')),
    sa.UniqueConstraint('storage_key', name=op.f('uq_agreement_documents_storage_key'))
    )
    with op.batch_alter_table('agreement_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agreement_documents_agreement_id'), ['agreement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agreement_documents_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('report_reminders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('party_id', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('recipients', sa.JSON(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreements.id'], name=op.f('fk_report_reminders_agreement_id_agreements'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['party_id'], ['agreement_parties.id'], name=op.f('fk_report_reminders_party_id_agreement_parties'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['period_id'], ['reporting_periods.id'], name=op.f('fk_report_reminders_period_id_reporting_periods'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_report_reminders_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_reminders')),
    sa.UniqueConstraint('tenant_id', 'party_id', 'period_id', 'kind', name=op.f('uq_report_reminders_tenant_id_party_id_period_id_kind'))
    )
    with op.batch_alter_table('report_reminders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_reminders_agreement_id'), ['agreement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_report_reminders_party_id'), ['party_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_report_reminders_period_id'), ['period_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_report_reminders_tenant_id'), ['tenant_id'], unique=False)

    rls.enable(*TENANT_TABLES)


def downgrade():
    rls.disable(*TENANT_TABLES)

    with op.batch_alter_table('report_reminders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_reminders_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_report_reminders_period_id'))
        batch_op.drop_index(batch_op.f('ix_report_reminders_party_id'))
        batch_op.drop_index(batch_op.f('ix_report_reminders_agreement_id'))

    op.drop_table('report_reminders')
    with op.batch_alter_table('agreement_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agreement_documents_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_agreement_documents_agreement_id'))

    op.drop_table('agreement_documents')
