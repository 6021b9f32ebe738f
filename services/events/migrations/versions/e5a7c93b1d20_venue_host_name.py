"""the host company's name on an event held at its premises

Revision ID: e5a7c93b1d20
Revises: 225d1f22f087
Create Date: 2026-12-06 08:45:00

Event messages name the venue without its organisation id; the name is looked up when the venue is set.
"""
import sqlalchemy as sa
from alembic import op

revision = "e5a7c93b1d20"
down_revision = "225d1f22f087"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("events", sa.Column("venue_host_name", sa.String(length=300), nullable=True))


def downgrade():
    op.drop_column("events", "venue_host_name")
