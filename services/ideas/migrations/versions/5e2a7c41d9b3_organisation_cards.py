"""organisation cards: names for supports given for non-participating organisations

Revision ID: 5e2a7c41d9b3
Revises: 89d29060a5b7
Create Date: 2026-12-10 10:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '5e2a7c41d9b3'
down_revision = '89d29060a5b7'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('organisation_cards',
    sa.Column('organisation_id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('organisation_id')
    )


def downgrade():
    op.drop_table('organisation_cards')
