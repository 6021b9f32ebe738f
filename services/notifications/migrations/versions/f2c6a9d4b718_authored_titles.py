"""the titles persons wrote that others' messages quote, so erasure can take them out

Revision ID: f2c6a9d4b718
Revises: e5b7c3a1d204
Create Date: 2026-12-06 23:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "f2c6a9d4b718"
down_revision = "e5b7c3a1d204"
branch_labels = None
depends_on = None


def upgrade():
    # by the link of the thread or post that others' messages about it carry
    op.create_table("authored_titles", sa.Column("link", sa.String(length=100), primary_key=True),
                    sa.Column("person_id", sa.String(length=36), nullable=False),
                    sa.Column("title", sa.String(length=500), nullable=False))
    op.create_index("ix_authored_titles_person_id", "authored_titles", ["person_id"])


def downgrade():
    op.drop_index("ix_authored_titles_person_id", table_name="authored_titles")
    op.drop_table("authored_titles")
