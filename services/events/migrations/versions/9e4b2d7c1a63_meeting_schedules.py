"""meeting markets scheduled by the organiser and published in one go

Revision ID: 9e4b2d7c1a63
Revises: e5a7c93b1d20
Create Date: 2026-12-06 11:00:00

A market either places a meeting when its request is accepted (on_accept) or leaves accepted
requests to the organiser, who schedules them all at once and publishes the schedule (by_organiser).
A meeting placed by the organiser is a draft, seen by the organiser only, until published.
"""
import sqlalchemy as sa
from alembic import op

revision = "9e4b2d7c1a63"
down_revision = "e5a7c93b1d20"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("meeting_markets", sa.Column("scheduling", sa.String(length=20), nullable=False,
                                               server_default="on_accept"))
    op.add_column("meeting_markets", sa.Column("schedule_published_at", sa.DateTime(timezone=True),
                                               nullable=True))
    op.add_column("meetings", sa.Column("published_at", sa.DateTime(timezone=True), nullable=True))
    # every meeting so far was placed on accept, and so published at once
    op.execute("UPDATE meetings SET published_at = created_at")


def downgrade():
    op.drop_column("meetings", "published_at")
    op.drop_column("meeting_markets", "schedule_published_at")
    op.drop_column("meeting_markets", "scheduling")
