"""the read model keeps each network's name in every language it has

Revision ID: e5b7c3a1d204
Revises: c4a8e1f2d903
Create Date: 2026-12-06 16:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "e5b7c3a1d204"
down_revision = "c4a8e1f2d903"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("networks", sa.Column("names", sa.JSON(), nullable=False, server_default="{}"))


def downgrade():
    op.drop_column("networks", "names")
