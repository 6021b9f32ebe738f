"""calendar feed tokens

Revision ID: c41f0a7d9e21
Revises: 7b1e2c9d4f60
Create Date: 2026-12-02 10:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'c41f0a7d9e21'
down_revision = '7b1e2c9d4f60'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'calendar_feed_tokens',
        sa.Column('person_id', sa.String(length=36), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['person_id'], ['persons.id']),
        sa.PrimaryKeyConstraint('person_id'),
        sa.UniqueConstraint('token_hash'),
    )


def downgrade():
    op.drop_table('calendar_feed_tokens')
