"""audit trail of administrative changes

Revision ID: 7b1e2c9d4f60
Revises: 3853d70a8ab2
Create Date: 2026-11-25 13:10:00
"""
import sqlalchemy as sa
from alembic import op

revision = '7b1e2c9d4f60'
down_revision = '3853d70a8ab2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'audit_entries',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('event_id', sa.String(length=36), nullable=False),
        sa.Column('association_id', sa.String(length=36), nullable=True),
        sa.Column('actor_id', sa.String(length=36), nullable=True),
        sa.Column('action', sa.String(length=100), nullable=False),
        sa.Column('source', sa.String(length=20), nullable=False),
        sa.Column('subject_id', sa.String(length=36), nullable=True),
        sa.Column('details', sa.JSON(), nullable=False),
        sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_audit_entries_event_id', 'audit_entries', ['event_id'])
    op.create_index('ix_audit_entries_association_time', 'audit_entries', ['association_id', 'occurred_at'])


def downgrade():
    op.drop_index('ix_audit_entries_association_time', table_name='audit_entries')
    op.drop_index('ix_audit_entries_event_id', table_name='audit_entries')
    op.drop_table('audit_entries')
