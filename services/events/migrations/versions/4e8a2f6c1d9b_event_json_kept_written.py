"""each event's JSON, as far as it depends on the event's rows alone, kept written on the event by
PostgreSQL as the event, its hosts and its tags are written, so a page of events only joins it with what
depends on the reader and the moment

Revision ID: 4e8a2f6c1d9b
Revises: 9e4b1c7d2a63
Create Date: 2026-12-07 06:10:00
"""
import sqlalchemy as sa
from alembic import op

revision = "4e8a2f6c1d9b"
down_revision = "9e4b1c7d2a63"
branch_labels = None
depends_on = None

COLUMNS = ("json_head", "json_middle", "json_tail")

# services.events.domain.view_text.stored_json_function() as of this revision (a test compares the newest)
WRITE_EVENT_JSON = r"""
CREATE OR REPLACE FUNCTION write_event_json() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT '"id":' || coalesce(to_json(CAST(e.id AS text))::text, 'null') || ','
        || '"association_ids":' || '['
        || coalesce((SELECT string_agg(to_json(CAST(h.association_id AS text))::text, ','
                                                  ORDER BY h.association_id COLLATE "C")
                                FROM event_hosts h WHERE h.event_id = e.id), '') || ']' || ','
        || '"network_id":' || coalesce(to_json(CAST(e.network_id AS text))::text, 'null') || ','
        || '"programme_id":' || coalesce(to_json(CAST(e.programme_id AS text))::text, 'null') || ','
        || '"title":' || coalesce(to_json(CAST(e.title AS text))::text, 'null') || ','
        || '"description":' || coalesce(to_json(CAST(e.description AS text))::text, 'null') || ','
        || '"themes":' || '['
        || coalesce((SELECT string_agg(coalesce(to_json(CAST(t.value AS text))::text, 'null'), ','
        ORDER BY t.position, t.value COLLATE "C")
                     FROM event_tags t WHERE t.event_id = e.id AND t.kind = 'theme'), '') || ']'
        || ',' || '"languages":' || '['
        || coalesce((SELECT string_agg(coalesce(to_json(CAST(t.value AS text))::text, 'null'), ','
        ORDER BY t.position, t.value COLLATE "C")
                     FROM event_tags t WHERE t.event_id = e.id AND t.kind = 'language'), '') || ']'
        || ',' || '"format":' || coalesce(to_json(CAST(e.format AS text))::text, 'null') || ','
        || '"starts_at":' || coalesce('"' || replace(to_char((e.starts_at AT TIME ZONE 'UTC')
        + make_interval(mins => z.starts_at), 'YYYY-MM-DD"T"HH24:MI:SS.US'), '.000000', '') || CASE
        WHEN z.starts_at < 0 THEN '-' ELSE '+' END || lpad((abs(z.starts_at) / 60)::text, 2, '0')
        || ':' || lpad((abs(z.starts_at) % 60)::text, 2, '0') || '"', 'null') || ',' || '"ends_at":'
        || coalesce('"' || replace(to_char((e.ends_at AT TIME ZONE 'UTC')
        + make_interval(mins => z.ends_at), 'YYYY-MM-DD"T"HH24:MI:SS.US'), '.000000', '') || CASE
        WHEN z.ends_at < 0 THEN '-' ELSE '+' END || lpad((abs(z.ends_at) / 60)::text, 2, '0') || ':'
        || lpad((abs(z.ends_at) % 60)::text, 2, '0') || '"', 'null') || ',' || '"time_zone":'
        || coalesce(to_json(CAST(e.time_zone AS text))::text, 'null'), '"join_url_visibility":'
        || coalesce(to_json(CAST(e.join_url_visibility AS text))::text, 'null') || ','
        || '"registration_opens_at":' || coalesce('"'
        || replace(to_char((e.registration_opens_at AT TIME ZONE 'UTC')
        + make_interval(mins => z.registration_opens_at), 'YYYY-MM-DD"T"HH24:MI:SS.US'), '.000000',
        '') || CASE WHEN z.registration_opens_at < 0 THEN '-' ELSE '+' END
        || lpad((abs(z.registration_opens_at) / 60)::text, 2, '0') || ':'
        || lpad((abs(z.registration_opens_at) % 60)::text, 2, '0') || '"', 'null') || ','
        || '"registration_closes_at":' || coalesce('"'
        || replace(to_char((e.registration_closes_at AT TIME ZONE 'UTC')
        + make_interval(mins => z.registration_closes_at), 'YYYY-MM-DD"T"HH24:MI:SS.US'), '.000000',
        '') || CASE WHEN z.registration_closes_at < 0 THEN '-' ELSE '+' END
        || lpad((abs(z.registration_closes_at) / 60)::text, 2, '0') || ':'
        || lpad((abs(z.registration_closes_at) % 60)::text, 2, '0') || '"', 'null') || ','
        || '"status":' || coalesce(to_json(CAST(e.status AS text))::text, 'null') || ','
        || '"visibility":' || coalesce(to_json(CAST(e.visibility AS text))::text, 'null') || ','
        || '"people":' || CASE WHEN json_array_length(e.people) = 0 THEN '[]' ELSE '['
        || coalesce((SELECT string_agg('{' || '"role":'
        || coalesce(to_json(CAST(x ->> 'role' AS text))::text, 'null') || ',' || '"person_id":'
        || coalesce(to_json(CAST(x ->> 'person_id' AS text))::text, 'null') || ','
        || '"organisation_id":' || coalesce(to_json(CAST(x ->> 'organisation_id' AS text))::text,
        'null') || ',' || '"name":' || coalesce(to_json(CAST(x ->> 'name' AS text))::text, 'null')
        || '}', ',' ORDER BY i) FROM json_array_elements(e.people) WITH ORDINALITY AS a(x, i)), '')
        || ']' END || ',' || '"questions":' || CASE WHEN json_array_length(e.questions) = 0
        THEN '[]' ELSE '[' || coalesce((SELECT string_agg('{' || '"id":'
        || coalesce(to_json(CAST(x ->> 'id' AS text))::text, 'null') || ',' || '"text":'
        || coalesce(to_json(CAST(x ->> 'text' AS text))::text, 'null') || ',' || '"required":'
        || coalesce(CAST(x -> 'required' AS text), 'null') || '}', ',' ORDER BY i)
        FROM json_array_elements(e.questions) WITH ORDINALITY AS a(x, i)), '') || ']' END || ','
        || '"reminder_offsets":' || '[' || coalesce((SELECT string_agg(v, ',' ORDER BY i)
        FROM json_array_elements_text(e.reminder_offsets) WITH ORDINALITY AS a(v, i)), '') || ']'
        || ',' || '"sequence":' || coalesce(CAST(e.sequence AS text), 'null') || ','
        || '"published_at":' || coalesce('"' || replace(to_char(e.published_at AT TIME ZONE 'UTC',
        'YYYY-MM-DD"T"HH24:MI:SS.US'), '.000000', '') || 'Z' || '"', 'null') || ','
        || '"cancel_reason":' || coalesce(to_json(CAST(e.cancel_reason AS text))::text, 'null')
        || ',' || '"recording_url":' || coalesce(to_json(CAST(e.recording_url AS text))::text,
        'null') || ',' || '"recording_published_at":' || coalesce('"'
        || replace(to_char(e.recording_published_at AT TIME ZONE 'UTC',
        'YYYY-MM-DD"T"HH24:MI:SS.US'), '.000000', '') || 'Z' || '"', 'null') || ','
        || '"created_at":' || coalesce('"' || replace(to_char(e.created_at AT TIME ZONE 'UTC',
        'YYYY-MM-DD"T"HH24:MI:SS.US'), '.000000', '') || 'Z' || '"', 'null') || ','
        || '"updated_at":' || coalesce('"' || replace(to_char(e.updated_at AT TIME ZONE 'UTC',
        'YYYY-MM-DD"T"HH24:MI:SS.US'), '.000000', '') || 'Z' || '"', 'null'), '"local_start":'
        || coalesce('"' || replace(to_char((e.starts_at AT TIME ZONE 'UTC')
        + make_interval(mins => z.starts_at), 'YYYY-MM-DD"T"HH24:MI:SS.US'), '.000000', '') || CASE
        WHEN z.starts_at < 0 THEN '-' ELSE '+' END || lpad((abs(z.starts_at) / 60)::text, 2, '0')
        || ':' || lpad((abs(z.starts_at) % 60)::text, 2, '0') || '"', 'null')
    INTO NEW.json_head, NEW.json_middle, NEW.json_tail
    FROM (SELECT NEW.*) e CROSS JOIN LATERAL (SELECT
    round(extract(epoch FROM (e.starts_at AT TIME ZONE e.time_zone)
        - (e.starts_at AT TIME ZONE 'UTC'))::float8 / 60)::int AS starts_at, round(extract(epoch
        FROM (e.ends_at AT TIME ZONE e.time_zone)
        - (e.ends_at AT TIME ZONE 'UTC'))::float8 / 60)::int AS ends_at, round(extract(epoch
        FROM (e.registration_opens_at AT TIME ZONE e.time_zone)
        - (e.registration_opens_at AT TIME ZONE 'UTC'))::float8 / 60)::int AS registration_opens_at,
        round(extract(epoch FROM (e.registration_closes_at AT TIME ZONE e.time_zone)
        - (e.registration_closes_at AT TIME ZONE 'UTC'))::float8 / 60)::int AS registration_closes_at
        OFFSET 0) z;
    RETURN NEW;
END
$$
"""
# a host or tag written touches its event's row, which writes the event's JSON again
TOUCH_EVENT = """
CREATE FUNCTION touch_event_of_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE events SET json_head = NULL WHERE id = OLD.event_id;
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.event_id IS DISTINCT FROM OLD.event_id) THEN
        UPDATE events SET json_head = NULL WHERE id = NEW.event_id;
    END IF;
    RETURN NULL;
END
$$
"""
TRIGGERS = (
    "CREATE TRIGGER events_json_written BEFORE INSERT OR UPDATE ON events "
    "FOR EACH ROW EXECUTE FUNCTION write_event_json()",
    "CREATE TRIGGER event_hosts_touch_event AFTER INSERT OR UPDATE OR DELETE ON event_hosts "
    "FOR EACH ROW EXECUTE FUNCTION touch_event_of_row()",
    "CREATE TRIGGER event_tags_touch_event AFTER INSERT OR UPDATE OR DELETE ON event_tags "
    "FOR EACH ROW EXECUTE FUNCTION touch_event_of_row()",
)


def upgrade():
    for column in COLUMNS:
        op.add_column("events", sa.Column(column, sa.Text(), nullable=True))
    if op.get_bind().dialect.name != "postgresql":
        return  # read on PostgreSQL only (the pages written as JSON there); other databases render in Python
    op.execute("LOCK TABLE events, event_hosts, event_tags IN SHARE ROW EXCLUSIVE MODE")
    op.execute(WRITE_EVENT_JSON)
    op.execute(TOUCH_EVENT)
    for trigger in TRIGGERS:
        op.execute(trigger)
    op.execute("UPDATE events SET json_head = NULL")  # every event written by the trigger


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER events_json_written ON events")
        op.execute("DROP TRIGGER event_hosts_touch_event ON event_hosts")
        op.execute("DROP TRIGGER event_tags_touch_event ON event_tags")
        op.execute("DROP FUNCTION touch_event_of_row()")
        op.execute("DROP FUNCTION write_event_json()")
    for column in COLUMNS:
        op.drop_column("events", column)
