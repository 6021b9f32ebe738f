"""a meeting request that follows up a meeting at an earlier market

Revision ID: 7d2c5a9e3f18
Revises: 3b8f6e2a9d14
Create Date: 2026-12-06 11:35:00

A follow-up agreed at one event becomes a request at the next: the request names the earlier meeting.
"""
import sqlalchemy as sa
from alembic import op

revision = "7d2c5a9e3f18"
down_revision = "3b8f6e2a9d14"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("meeting_requests", sa.Column("follow_up_of", sa.String(length=36), nullable=True))


def downgrade():
    op.drop_column("meeting_requests", "follow_up_of")
