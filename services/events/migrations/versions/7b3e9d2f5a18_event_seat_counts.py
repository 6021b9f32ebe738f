"""each event's seats taken (confirmed and waitlisted) kept counted by PostgreSQL as registrations are
written, so a read of an event looks its counts up instead of counting its registrations

Revision ID: 7b3e9d2f5a18
Revises: 4e8a2f6c1d9b
Create Date: 2026-12-07 10:10:00

Counting an event's registrations on every read costs in proportion to its registrations, and more
after a rush, before autovacuum has marked the new rows visible (docs/performance.md). The counts are
kept by triggers on ``registrations``, so every path that writes a registration (one statement, the ORM,
an import, an erasure) keeps them. PostgreSQL only: SQLite, for local runs, counts registrations as
they are and leaves the table empty.
"""
import sqlalchemy as sa
from alembic import op

revision = "7b3e9d2f5a18"
down_revision = "4e8a2f6c1d9b"
branch_labels = None
depends_on = None

COUNT_SEATS = """
CREATE FUNCTION count_event_seats() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status IN ('confirmed', 'waitlisted') THEN
        UPDATE event_seat_counts
        SET confirmed = confirmed - (OLD.status = 'confirmed')::int,
            waitlisted = waitlisted - (OLD.status = 'waitlisted')::int
        WHERE event_id = OLD.event_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.status IN ('confirmed', 'waitlisted') THEN
        INSERT INTO event_seat_counts (event_id, confirmed, waitlisted)
        VALUES (NEW.event_id, (NEW.status = 'confirmed')::int, (NEW.status = 'waitlisted')::int)
        ON CONFLICT (event_id) DO UPDATE
        SET confirmed = event_seat_counts.confirmed + excluded.confirmed,
            waitlisted = event_seat_counts.waitlisted + excluded.waitlisted;
    END IF;
    RETURN NULL;
END
$$
"""
# an update that leaves the status and the event as they were (a name, an answer, an erasure) counts nothing
TRIGGERS = (
    "CREATE TRIGGER registrations_counted_in AFTER INSERT ON registrations "
    "FOR EACH ROW EXECUTE FUNCTION count_event_seats()",
    "CREATE TRIGGER registrations_counted_again AFTER UPDATE OF status, event_id ON registrations "
    "FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status "
    "OR OLD.event_id IS DISTINCT FROM NEW.event_id) EXECUTE FUNCTION count_event_seats()",
    "CREATE TRIGGER registrations_counted_out AFTER DELETE ON registrations "
    "FOR EACH ROW EXECUTE FUNCTION count_event_seats()",
)
BACKFILL = """
INSERT INTO event_seat_counts (event_id, confirmed, waitlisted)
SELECT event_id, count(*) FILTER (WHERE status = 'confirmed'), count(*) FILTER (WHERE status = 'waitlisted')
FROM registrations WHERE status IN ('confirmed', 'waitlisted')
GROUP BY event_id
"""


def upgrade():
    op.create_table(
        "event_seat_counts",
        sa.Column("event_id", sa.String(length=36), sa.ForeignKey("events.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("confirmed", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("waitlisted", sa.Integer(), nullable=False, server_default="0"),
    )
    if op.get_bind().dialect.name != "postgresql":
        return
    # no registration written between the backfill and the triggers
    op.execute("LOCK TABLE registrations IN SHARE ROW EXCLUSIVE MODE")
    op.execute(COUNT_SEATS)
    for trigger in TRIGGERS:
        op.execute(trigger)
    op.execute(BACKFILL)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for trigger in TRIGGERS:
            op.execute(f"DROP TRIGGER {trigger.split()[2]} ON registrations")
        op.execute("DROP FUNCTION count_event_seats()")
    op.drop_table("event_seat_counts")
