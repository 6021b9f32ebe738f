"""the venue's address and host company name, to say the venue in each reader's language

Revision ID: 7d4e2b9c6f13
Revises: b3f9d1e6a752
Create Date: 2026-12-06 08:45:00
"""
import sqlalchemy as sa
from alembic import op

revision = "7d4e2b9c6f13"
down_revision = "b3f9d1e6a752"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("calendar_events", sa.Column("venue_address", sa.Text(), nullable=True))
    op.add_column("calendar_events", sa.Column("venue_host_name", sa.String(length=300), nullable=True))


def downgrade():
    op.drop_column("calendar_events", "venue_host_name")
    op.drop_column("calendar_events", "venue_address")
