"""A registration's message on PostgreSQL in two statements prepared once per connection
(``nabo_common.persistence.prepared``): one reads the read model's event with the association the
message speaks for, the other writes the registration's copy, its deliveries and its inbox item, and
writes the messages only where the copy was written (a guest anonymised already keeps only the status
the source gives). The ORM's path (SQLite, ``make run``) reads and writes the same rows in four; the
tests compare the two. The service runs both on connections that commit each statement alone, the
write with the event's processed-event row in it (``write_once``), so that the consumer's whole work is
two round trips."""
from dataclasses import dataclass
from datetime import datetime

import orjson
from sqlalchemy import text

from nabo_common.persistence.prepared import PreparedStatement


@dataclass(frozen=True)
class EventRow:
    """The read model's event, with the attributes of ``CalendarEvent`` a registration's message reads."""

    id: str
    programme_id: str | None
    network_id: str | None
    association_ids: list
    title: str
    starts_at: datetime | None
    ends_at: datetime | None
    time_zone: str
    format: str | None
    venue: str | None
    venue_address: str | None
    venue_host_name: str | None
    join_url: str | None
    status: str


@dataclass(frozen=True)
class AssociationRow:
    """The read model's association, with the attributes of ``Association``."""

    id: str
    name: str
    default_language: str
    time_zone: str


EVENT_COLUMNS = ("id", "programme_id", "network_id", "association_ids", "title", "starts_at", "ends_at",
                 "time_zone", "format", "venue", "venue_address", "venue_host_name", "join_url", "status")
ASSOCIATION_COLUMNS = ("id", "name", "default_language", "time_zone")

def _listed(columns, prefix=""):
    return ", ".join(f"{prefix}{c}" for c in columns)


EVENT_WITH_ASSOCIATION = PreparedStatement(
    text(
        f"SELECT {_listed(EVENT_COLUMNS, 'e.')}, {_listed(ASSOCIATION_COLUMNS, 'a.')}"
        " FROM calendar_events e LEFT JOIN associations a ON a.id = :association_id"
        " WHERE e.id = :event_id"
    ),
    {"event_id": "varchar", "association_id": "varchar"},
)

DELIVERY_COLUMNS = ("cause_id", "recipient", "channel", "kind", "priority", "association_id", "person_id",
                    "event_id", "network_id", "digest_period", "email", "name", "language", "subject",
                    "text_body", "html_body", "attachments", "status", "next_attempt_at", "created_at",
                    "sent_at")
INBOX_COLUMNS = ("id", "person_id", "cause_id", "kind", "title", "body", "link", "created_at")
REGISTRATION_COLUMNS = ("id", "event_id", "programme_id", "person_id", "name", "email", "language", "status")


PROCESSED = (
    "first AS ("
    " INSERT INTO processed_events (consumer, event_id, processed_at)"
    " VALUES (:processed_consumer, :processed_event_id, :processed_at) ON CONFLICT DO NOTHING RETURNING 1"
    "), "
)


def _write_statement(once):
    """The copy as ``readmodel.apply_registration`` writes it; the messages as ``deliveries.notify`` writes
    them, given as JSON arrays of rows and typed by their tables. ``once``: with the event's processed-event
    row first, and nothing else written where it was there already (the statement is then the whole of
    the consumer's work, committed alone)."""
    new = " WHERE EXISTS (SELECT 1 FROM first)" if once else ""
    also_new = " AND EXISTS (SELECT 1 FROM first)" if once else ""
    return PreparedStatement(
        text(
            "WITH " + (PROCESSED if once else "") + "copy AS ("
            f" INSERT INTO registrations ({_listed(REGISTRATION_COLUMNS)})"
            f" SELECT {_listed(REGISTRATION_COLUMNS, ':')}{new}"
            " ON CONFLICT (id) DO UPDATE SET "
            + ", ".join(f"{c} = excluded.{c}" for c in REGISTRATION_COLUMNS if c != "id")
            + " WHERE registrations.anonymised_at IS NULL RETURNING registrations.id"
            "), status_only AS ("
            " UPDATE registrations SET status = :status"
            f" WHERE registrations.id = :id AND NOT EXISTS (SELECT 1 FROM copy){also_new}"
            " RETURNING registrations.id"
            "), sent AS ("
            f" INSERT INTO deliveries ({_listed(DELIVERY_COLUMNS)}, attempts)"
            f" SELECT {_listed(DELIVERY_COLUMNS, 'r.')}, 0"  # the model's default
            " FROM json_populate_recordset(NULL::deliveries, :deliveries) r WHERE EXISTS (SELECT 1 FROM copy)"
            " ON CONFLICT (cause_id, recipient, channel) DO NOTHING RETURNING deliveries.id"
            "), shown AS ("
            f" INSERT INTO inbox_items ({_listed(INBOX_COLUMNS)})"
            f" SELECT {_listed(INBOX_COLUMNS, 'r.')}"
            " FROM json_populate_recordset(NULL::inbox_items, :inbox) r WHERE EXISTS (SELECT 1 FROM copy)"
            " ON CONFLICT (cause_id, person_id) DO NOTHING RETURNING inbox_items.id"
            ") SELECT EXISTS (SELECT 1 FROM copy), (SELECT count(*) FROM sent),"
            " (SELECT count(*) FROM shown), (SELECT count(*) FROM status_only)"
            + (", EXISTS (SELECT 1 FROM first)" if once else "")
        ),
        {**{c: "varchar" for c in REGISTRATION_COLUMNS}, "deliveries": "json", "inbox": "json",
         **({"processed_consumer": "varchar", "processed_event_id": "varchar", "processed_at": "timestamptz"}
            if once else {})},
    )


WRITE = _write_statement(once=False)
WRITE_ONCE = _write_statement(once=True)


def event_with_association(session, event_id, association_id):
    """``readmodel.event_with_association``'s event and association (each None when missing) as rows."""
    found = EVENT_WITH_ASSOCIATION.row(session, {"event_id": event_id, "association_id": association_id})
    if found is None:
        return None, None
    event = EventRow(*found[: len(EVENT_COLUMNS)])
    association = found[len(EVENT_COLUMNS):]
    return event, (AssociationRow(*association) if association[0] is not None else None)


def write(session, registration, delivery_rows, inbox_rows):
    """Write the registration's copy (``registration``: ``readmodel.apply_registration``'s values) and,
    where it was written, the rows ``deliveries.rows_of`` made; returns whether the copy was written and
    how many deliveries are new."""
    kept, created, _, _ = WRITE.row(session, _params(registration, delivery_rows, inbox_rows))
    return kept, created


def write_once(connection, processed, registration, delivery_rows, inbox_rows):
    """``write`` with the event's processed-event row (a ``ProcessedRow``) in the same statement, on a
    connection whose statements commit alone; returns whether the event was new (nothing is written
    where it was not)."""
    *_, new = WRITE_ONCE.row(connection, dict(_params(registration, delivery_rows, inbox_rows),
                                              **processed.params()))
    return new


def _params(registration, delivery_rows, inbox_rows):
    return dict(registration, deliveries=orjson.dumps(delivery_rows).decode(),
                inbox=orjson.dumps(inbox_rows).decode())
