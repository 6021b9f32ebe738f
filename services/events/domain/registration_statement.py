"""A registration written by one statement on PostgreSQL, once its event is locked.

The statement decides the seat (confirmed while fewer are confirmed than the event's capacity, else
waitlisted) and the waitlist position, claims the call's Idempotency-Key with the call's answer for
either outcome, inserts the registration unless its registrant (the same e-mail, or the same person)
has an active one, and writes the outbox row of the outcome's event, given in both variants. It runs
after the statement that locked the event, so its snapshot holds every registration committed before
the lock, and the seats they took as the triggers on registrations count them (``event_seat_counts``):
the count and the duplicate check are those of the ORM path (``registrations.add``), in one round trip
instead of five. Prepared once per pooled connection (``nabo_common.persistence.prepared``).
"""
from collections import namedtuple
from types import SimpleNamespace

from sqlalchemy import text

from nabo_common.persistence.prepared import PreparedStatement
from services.events.domain import views
from services.events.models import Event

# what the statement found: the seat given, the waitlist place (waitlisted only), whether the call's key
# was claimed by this call (True without a key), whether the registration was written, the outbox row's
# position
Written = namedtuple("Written", "status waitlist_position claimed inserted outbox_position")
ACTIVE = ", ".join(f"'{status}'" for status in views.ACTIVE)
STATEMENT = text(f"""
WITH placed AS (
    SELECT seat.status,
           CASE WHEN seat.status = 'waitlisted' THEN 1 + (
               SELECT count(*) FROM registrations
               WHERE event_id = :event_id AND status = 'waitlisted' AND created_at < :created_at
           ) END AS waitlist_position
    FROM (SELECT CASE
        WHEN CAST(:capacity AS integer) IS NULL THEN 'confirmed'
        WHEN coalesce((SELECT confirmed FROM event_seat_counts WHERE event_id = :event_id), 0)
             >= :capacity THEN 'waitlisted'
        ELSE 'confirmed' END AS status) AS seat
), claimed AS (
    INSERT INTO idempotent_calls (key, operation, result, expires_at)
    SELECT :call_key, 'register',
           CASE WHEN placed.status = 'confirmed' THEN :confirmed_result
                ELSE :waitlisted_result_head || placed.waitlist_position || :waitlisted_result_tail END,
           :expires_at
    FROM placed WHERE :call_key IS NOT NULL
    ON CONFLICT DO NOTHING
    RETURNING key
), inserted AS (
    INSERT INTO registrations (id, event_id, person_id, name, email, email_lower, language, status, answers,
                               source_channel, campaign_code, created_at, updated_at)
    SELECT :id, :event_id, :person_id, :name, :email, :email_lower, :language, placed.status, :answers,
           :source_channel, :campaign_code, :created_at, :created_at
    FROM placed
    WHERE (:call_key IS NULL OR EXISTS (SELECT FROM claimed))
      AND NOT EXISTS (SELECT FROM registrations WHERE event_id = :event_id AND email_lower = :email_lower
                                                AND status IN ({ACTIVE}))
      AND NOT EXISTS (SELECT FROM registrations WHERE event_id = :event_id AND person_id = :person_id
                                                AND status IN ({ACTIVE}))
    RETURNING status
), announced AS (
    INSERT INTO outbox_events (event_id, event_type, envelope, headers, created_at, attempts, next_attempt_at)
    SELECT :outbox_event_id, 'registration.' || inserted.status,
           CASE WHEN inserted.status = 'confirmed' THEN :confirmed_envelope ELSE :waitlisted_envelope END,
           :headers, :outbox_created_at, 0, :next_attempt_at
    FROM inserted
    RETURNING position
)
SELECT placed.status, placed.waitlist_position,
       :call_key IS NULL OR EXISTS (SELECT FROM claimed),
       EXISTS (SELECT FROM inserted),
       (SELECT position FROM announced)
FROM placed
""")
TYPES = {
    "event_id": "varchar", "capacity": "integer", "created_at": "timestamptz", "call_key": "varchar",
    "confirmed_result": "text", "waitlisted_result_head": "text", "waitlisted_result_tail": "text",
    "expires_at": "timestamptz", "id": "varchar", "person_id": "varchar", "name": "varchar",
    "email": "varchar", "email_lower": "varchar", "language": "varchar", "answers": "json",
    "source_channel": "varchar", "campaign_code": "varchar", "outbox_event_id": "varchar",
    "confirmed_envelope": "json", "waitlisted_envelope": "json", "headers": "json",
    "outbox_created_at": "timestamptz", "next_attempt_at": "timestamptz",
}
PREPARED = PreparedStatement(STATEMENT, TYPES)


EVENT_KEYS = tuple(column.key for column in Event.__table__.columns)
# the event locked as ``access.LOCKED_EVENT_BY_ID`` locks it, its hosts and tags in the same round trip
LOCKED_EVENT = PreparedStatement(text(f"""
SELECT {", ".join(f"events.{column.name}" for column in Event.__table__.columns)},
       (SELECT json_agg(association_id) FROM event_hosts WHERE event_id = events.id),
       (SELECT json_agg(json_build_array(kind, value) ORDER BY position, value) FROM event_tags
        WHERE event_id = events.id)
FROM events WHERE id = :event_id
FOR UPDATE OF events
"""), {"event_id": "varchar"})


def locked_event(session, event_id):
    """The event, locked, as the registration reads it (not an ORM object, which cost more to build than
    the rest of the registration's Python); None if there is none."""
    row = LOCKED_EVENT.row(session, {"event_id": event_id})
    if row is None:
        return None
    event = SimpleNamespace(**dict(zip(EVENT_KEYS, row, strict=False)))
    tags = row[len(EVENT_KEYS) + 1] or []
    event.association_ids = sorted(row[len(EVENT_KEYS)] or [])
    event.themes = [value for kind, value in tags if kind == "theme"]
    event.languages = [value for kind, value in tags if kind == "language"]
    return event


def write(session, params):
    """Run the statement with ``params`` (``TYPES`` names them) in the session's transaction."""
    return Written(*PREPARED.row(session, params))
