"""Processed events: the ids of the events each consumer has applied, which make consumers idempotent.

A redelivered event (a relay that published twice, a consumer that died before its ack) finds its id
already recorded and is not applied again. Each service's model module declares
``class ProcessedEvent(ProcessedEventMixin, Base)`` so the table lives in the service's own database
and migrations. Not to be confused with the notifications service's in-app inbox.
"""
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from sqlalchemy import String, text
from sqlalchemy.orm import Mapped, mapped_column

from nabo_common.messaging.outbox import utcnow
from nabo_common.persistence import db
from nabo_common.persistence.prepared import PreparedStatement
from nabo_common.persistence.types import UtcDateTime


class ProcessedEventMixin:
    """The event ids a consumer has applied; the primary key makes a concurrent second application
    fail at commit instead of applying twice."""

    __tablename__ = "processed_events"

    consumer: Mapped[str] = mapped_column(String(150), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False, default=utcnow)


@lru_cache(maxsize=64)
def _first_time_statement(insert, model):
    """Built once per model: building an INSERT cost more than running it."""
    # into the table, not the mapped class: the ORM's bulk insert around it cost as much as the round trip
    return insert(model.__table__).on_conflict_do_nothing().returning(model.__table__.c.event_id)


@lru_cache(maxsize=64)
def _first_time_prepared(model):
    """The same INSERT on PostgreSQL, prepared once per connection: it runs for every event consumed."""
    return PreparedStatement(
        text(f"INSERT INTO {model.__table__.name} (consumer, event_id, processed_at)"
             " VALUES (:consumer, :event_id, :processed_at) ON CONFLICT DO NOTHING RETURNING event_id"),
        {"consumer": "varchar", "event_id": "varchar", "processed_at": "timestamptz"},
    )


@dataclass(frozen=True)
class ProcessedRow:
    """The row that records ``event_id`` as applied by ``consumer``, for a statement that writes it together
    with what the event changes (``INSERT ... ON CONFLICT DO NOTHING``, the rest only where it inserted)."""

    consumer: str
    event_id: str
    processed_at: datetime

    def params(self, prefix="processed_"):
        return {f"{prefix}consumer": self.consumer, f"{prefix}event_id": str(self.event_id),
                f"{prefix}at": self.processed_at}


class ProcessedEvents:
    """``first_time`` records the event id in the consumer's transaction and reports whether it was new."""

    def __init__(self, model):
        self.model = model

    def first_time(self, session, consumer, event_id):
        # one round trip: a concurrent worker with the same event waits on the key, then inserts nothing
        if db.on_postgresql(session):
            values = {"consumer": consumer, "event_id": str(event_id), "processed_at": utcnow()}
            return _first_time_prepared(self.model).row(session, values) is not None
        statement = _first_time_statement(db.upsert_insert(session), self.model)
        return len(session.execute(statement, {"consumer": consumer, "event_id": str(event_id)}).all()) == 1
