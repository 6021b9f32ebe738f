"""idempotent calls: a creation retried with the same Idempotency-Key returns its first result

Revision ID: a1e5c7d93f20
Revises: c4d8e2f1a6b9
Create Date: 2026-12-06 08:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'a1e5c7d93f20'
down_revision = 'c4d8e2f1a6b9'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'idempotent_calls',
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('operation', sa.String(length=100), nullable=False),
        sa.Column('result', sa.Text(), nullable=True),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('key', 'operation'),
    )
    op.create_index('ix_idempotent_calls_expires_at', 'idempotent_calls', ['expires_at'])


def downgrade():
    op.drop_index('ix_idempotent_calls_expires_at', table_name='idempotent_calls')
    op.drop_table('idempotent_calls')
