"""each network's count of threads and each thread's count of replies that everyone sees, kept by
PostgreSQL as posts are written, hidden and restored

Revision ID: a7d2e9c4b1f3
Revises: f3c8a1d5b7e2
Create Date: 2026-12-06 22:20:00
"""
import sqlalchemy as sa
from alembic import op

revision = "a7d2e9c4b1f3"
down_revision = "f3c8a1d5b7e2"
branch_labels = None
depends_on = None

# an opening post seen by everyone counts for its network, a reply seen by everyone for its thread;
# deleted posts keep their place (and their count) as placeholders
COUNT_VISIBLE_POSTS = """
CREATE FUNCTION count_visible_posts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND NOT OLD.hidden THEN
        IF OLD.opening THEN
            UPDATE networks SET visible_thread_count = visible_thread_count - 1 WHERE id = OLD.network_id;
        ELSE
            UPDATE threads SET visible_reply_count = visible_reply_count - 1 WHERE id = OLD.thread_id;
        END IF;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') AND NOT NEW.hidden THEN
        IF NEW.opening THEN
            UPDATE networks SET visible_thread_count = visible_thread_count + 1 WHERE id = NEW.network_id;
        ELSE
            UPDATE threads SET visible_reply_count = visible_reply_count + 1 WHERE id = NEW.thread_id;
        END IF;
    END IF;
    RETURN NULL;
END
$$
"""
TRIGGERS = (
    "CREATE TRIGGER posts_counted_when_written AFTER INSERT ON posts "
    "FOR EACH ROW EXECUTE FUNCTION count_visible_posts()",
    "CREATE TRIGGER posts_counted_when_removed AFTER DELETE ON posts "
    "FOR EACH ROW EXECUTE FUNCTION count_visible_posts()",
    "CREATE TRIGGER posts_counted_when_changed "
    "AFTER UPDATE OF hidden, opening, thread_id, network_id ON posts "
    "FOR EACH ROW WHEN (OLD.hidden IS DISTINCT FROM NEW.hidden OR OLD.opening IS DISTINCT FROM NEW.opening "
    "OR OLD.thread_id IS DISTINCT FROM NEW.thread_id OR OLD.network_id IS DISTINCT FROM NEW.network_id) "
    "EXECUTE FUNCTION count_visible_posts()",
)
BACKFILL = (
    """UPDATE networks n SET visible_thread_count = (
        SELECT count(*) FROM posts p WHERE p.network_id = n.id AND p.opening AND NOT p.hidden)""",
    """UPDATE threads t SET visible_reply_count = (
        SELECT count(*) FROM posts p WHERE p.thread_id = t.id AND NOT p.opening AND NOT p.hidden)""",
)


def upgrade():
    op.add_column("networks", sa.Column("visible_thread_count", sa.Integer(), nullable=False,
                                        server_default="0"))
    op.add_column("threads", sa.Column("visible_reply_count", sa.Integer(), nullable=False,
                                       server_default="0"))
    if op.get_bind().dialect.name != "postgresql":
        return  # read on PostgreSQL only (the pages written as JSON there); other databases count rows
    op.execute("LOCK TABLE posts IN SHARE MODE")  # no post written between the counting and the triggers
    op.execute(COUNT_VISIBLE_POSTS)
    for trigger in TRIGGERS:
        op.execute(trigger)
    for statement in BACKFILL:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for trigger in ("posts_counted_when_written", "posts_counted_when_removed",
                        "posts_counted_when_changed"):
            op.execute(f"DROP TRIGGER {trigger} ON posts")
        op.execute("DROP FUNCTION count_visible_posts()")
    op.drop_column("threads", "visible_reply_count")
    op.drop_column("networks", "visible_thread_count")
