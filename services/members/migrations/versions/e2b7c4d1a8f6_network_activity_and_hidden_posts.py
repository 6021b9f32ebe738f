"""a network's last activity and the question to its conveners before it is marked dormant; when a post
was hidden, for the retention of hidden posts

Revision ID: e2b7c4d1a8f6
Revises: d7f3b2a9c510
Create Date: 2026-12-06 11:15:00
"""
import sqlalchemy as sa
from alembic import op

revision = "e2b7c4d1a8f6"
down_revision = "d7f3b2a9c510"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("networks", sa.Column("last_activity_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("networks", sa.Column("dormancy_asked_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("posts", sa.Column("hidden_at", sa.DateTime(timezone=True), nullable=True))
    # a network's last activity so far: its latest thread's, else its creation
    op.execute(
        "UPDATE networks SET last_activity_at = COALESCE("
        "(SELECT MAX(threads.last_activity_at) FROM threads WHERE threads.network_id = networks.id), "
        "created_at)"
    )
    op.execute("UPDATE posts SET hidden_at = COALESCE(edited_at, created_at) WHERE hidden")
    op.create_index("ix_posts_opening", "posts", ["thread_id", "hidden", "author_id"],
                    postgresql_where=sa.text("opening"), sqlite_where=sa.text("opening"))


def downgrade():
    op.drop_index("ix_posts_opening", table_name="posts")
    op.drop_column("posts", "hidden_at")
    op.drop_column("networks", "dormancy_asked_at")
    op.drop_column("networks", "last_activity_at")
