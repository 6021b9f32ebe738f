"""Transactional outbox: events are rows written in the same transaction as
the change that causes them; the relay publishes them afterwards.

Each service's model module declares ``class OutboxEvent(OutboxEventMixin,
Base)`` and ``class ProcessedEvent(ProcessedEventMixin, Base)`` so the tables
live in the service's own database and migrations.
"""
from datetime import datetime, timezone
from functools import lru_cache

from sqlalchemy import JSON, BigInteger, Index, Integer, String, Text, func, insert, select
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from nabo_common import context as context_mod
from nabo_common import db
from nabo_common.types import UtcDateTime
from nabo_common import events

PENDING_FLAG = "nabo_outbox_pending"
BigId = BigInteger().with_variant(Integer, "sqlite")


def utcnow():
    return datetime.now(timezone.utc)


class OutboxEventMixin:
    __tablename__ = "outbox_events"

    position: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True, nullable=False)
    event_type: Mapped[str] = mapped_column(String(100), nullable=False)
    envelope: Mapped[dict] = mapped_column(JSON, nullable=False)
    headers: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)

    @declared_attr.directive
    def __table_args__(cls):
        return (Index("ix_outbox_events_pending", "published_at", "next_attempt_at", "position"),)


class ProcessedEventMixin:
    """Inbox of event ids a consumer has applied; the primary key makes a
    concurrent second application fail at commit instead of applying twice."""

    __tablename__ = "processed_events"

    consumer: Mapped[str] = mapped_column(String(150), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False, default=utcnow)


def headers_for(caller):
    """Message headers that carry the caller context, as nameko would."""
    if caller is None:
        return {}
    return {"nameko.nabo_request_id": caller.request_id, "nameko.language": caller.language}


def record(session, model, event_type, data, caller=None, association_id=None, signed_caller=None):
    """Add an event to the outbox in the session's current transaction."""
    actor_id = getattr(caller, "person_id", None)
    envelope = events.build(event_type, data, association_id=association_id, actor_id=actor_id)
    headers = headers_for(caller)
    if signed_caller:
        headers[f"nameko.{context_mod.CONTEXT_KEY}"] = signed_caller
    # into the table at once rather than through the unit of work, whose flush cost more than the INSERT
    now = utcnow()
    session.execute(_insert_into(model), {"event_id": envelope["id"], "event_type": event_type,
                                          "envelope": envelope, "headers": headers, "created_at": now,
                                          "next_attempt_at": now, "attempts": 0})
    session.info[PENDING_FLAG] = True
    return envelope


@lru_cache(maxsize=None)
def _insert_into(model):
    return insert(model.__table__)


# database URL -> callables that wake a relay right after a commit wrote outbox rows
_wakers = {}


def register_waker(url, waker):
    _wakers.setdefault(str(url), []).append(waker)


def unregister_waker(url, waker):
    wakers = _wakers.get(str(url), [])
    if waker in wakers:
        wakers.remove(waker)


def wake_after_commit(session):
    """SQLAlchemy after_commit hook: publish new events now instead of at the next poll."""
    if session.info.pop(PENDING_FLAG, False):
        bind = session.get_bind()
        for waker in list(_wakers.get(str(bind.url), ())):
            waker()


def backlog(session, model):
    return session.scalar(select(func.count()).select_from(model).where(model.published_at.is_(None))) or 0


@lru_cache(maxsize=64)
def _first_time_statement(insert, model):
    """Built once per model: building an INSERT cost more than running it."""
    # into the table, not the mapped class: the ORM's bulk insert around it cost as much as the round trip
    return insert(model.__table__).on_conflict_do_nothing().returning(model.__table__.c.event_id)


class Inbox:
    """Idempotency for consumers: ``first_time`` inserts the event id in the
    consumer's transaction and reports whether it was new."""

    def __init__(self, model):
        self.model = model

    def first_time(self, session, consumer, event_id):
        # one round trip: a concurrent worker with the same event waits on the key, then inserts nothing
        statement = _first_time_statement(db.upsert_insert(session), self.model)
        return len(session.execute(statement, {"consumer": consumer, "event_id": str(event_id)}).all()) == 1
