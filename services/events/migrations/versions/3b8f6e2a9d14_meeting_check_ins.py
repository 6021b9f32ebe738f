"""meetings checked in as held, and reminded before they begin

Revision ID: 3b8f6e2a9d14
Revises: 9e4b2d7c1a63
Create Date: 2026-12-06 11:05:00

Each participant's place in a meeting records whether they came (checked in by either side or an
organiser): after the meeting, a place not checked in is a no-show. Each meeting is reminded once,
the market's reminder_minutes before it begins.
"""
from datetime import timedelta

import sqlalchemy as sa
from alembic import op

from nabo_common.persistence.types import UtcDateTime

revision = "3b8f6e2a9d14"
down_revision = "9e4b2d7c1a63"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("meeting_markets", sa.Column("reminder_minutes", sa.Integer(), nullable=False,
                                               server_default="15"))
    op.add_column("meetings", sa.Column("remind_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("meetings", sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_meetings_reminder_due", "meetings", ["reminded_at", "remind_at"])
    op.add_column("meeting_participants", sa.Column("checked_in_at", sa.DateTime(timezone=True),
                                                    nullable=True))
    op.add_column("meeting_participants", sa.Column("checked_in_by", sa.String(length=36), nullable=True))
    # meetings placed so far: reminded 15 minutes before (the sweep passes over those already begun);
    # computed here, as SQLite and PostgreSQL write date arithmetic differently
    meetings = sa.table("meetings", sa.column("id", sa.String), sa.column("starts_at", UtcDateTime()),
                        sa.column("remind_at", UtcDateTime()), sa.column("status", sa.String),
                        sa.column("published_at", UtcDateTime()))
    bind = op.get_bind()
    rows = bind.execute(sa.select(meetings.c.id, meetings.c.starts_at).where(
        meetings.c.status == "scheduled", meetings.c.published_at.is_not(None))).all()
    for meeting_id, starts_at in rows:
        bind.execute(meetings.update().where(meetings.c.id == meeting_id)
                     .values(remind_at=starts_at - timedelta(minutes=15)))


def downgrade():
    op.drop_column("meeting_participants", "checked_in_by")
    op.drop_column("meeting_participants", "checked_in_at")
    op.drop_index("ix_meetings_reminder_due", table_name="meetings")
    op.drop_column("meetings", "reminded_at")
    op.drop_column("meetings", "remind_at")
    op.drop_column("meeting_markets", "reminder_minutes")
