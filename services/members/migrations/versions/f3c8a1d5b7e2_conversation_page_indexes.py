"""the indexes a network's page of threads is counted from: its opening posts by network, and each
thread's visible replies

Revision ID: f3c8a1d5b7e2
Revises: e2b7c4d1a8f6
Create Date: 2026-12-06 15:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "f3c8a1d5b7e2"
down_revision = "e2b7c4d1a8f6"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_posts_network_opening", "posts", ["network_id", "hidden", "author_id"],
                    postgresql_where=sa.text("opening"), sqlite_where=sa.text("opening"))
    op.create_index("ix_posts_visible_replies", "posts", ["thread_id"],
                    postgresql_where=sa.text("NOT opening AND NOT hidden"),
                    sqlite_where=sa.text("NOT opening AND NOT hidden"))


def downgrade():
    op.drop_index("ix_posts_visible_replies", table_name="posts")
    op.drop_index("ix_posts_network_opening", table_name="posts")
