"""a meeting counts its moves, for the SEQUENCE of its calendar entry

Revision ID: 9e4b1c7d2a63
Revises: 7d2c5a9e3f18
Create Date: 2026-12-06 12:20:00

A rescheduled meeting is sent as a calendar update: the same UID with a higher SEQUENCE replaces the
entry a participant imported before.
"""
import sqlalchemy as sa
from alembic import op

revision = "9e4b1c7d2a63"
down_revision = "7d2c5a9e3f18"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("meetings", sa.Column("sequence", sa.Integer(), nullable=False, server_default="0"))


def downgrade():
    op.drop_column("meetings", "sequence")
