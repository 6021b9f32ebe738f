"""what each person hears from each network's conversation; deliveries know their network and digest

Revision ID: c4a8e1f2d903
Revises: 7d4e2b9c6f13
Create Date: 2026-12-06 11:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "c4a8e1f2d903"
down_revision = "7d4e2b9c6f13"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "network_preferences",
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("network_id", sa.String(length=36), nullable=False),
        sa.Column("mode", sa.String(length=24), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("person_id", "network_id"),
    )
    op.create_index("ix_network_preferences_network_id", "network_preferences", ["network_id"])
    op.add_column("deliveries", sa.Column("network_id", sa.String(length=36), nullable=True))
    op.add_column("deliveries", sa.Column("digest_period", sa.String(length=10), nullable=True))


def downgrade():
    op.drop_column("deliveries", "digest_period")
    op.drop_column("deliveries", "network_id")
    op.drop_index("ix_network_preferences_network_id", table_name="network_preferences")
    op.drop_table("network_preferences")
