"""Transactional outbox: events are rows written in the same transaction as
the change that causes them; the relay publishes them afterwards.

Where the writing process runs a relay for the database, the rows a commit
wrote are handed to that relay right after the commit, and it publishes them
as they are, without reading them back. Such rows are written due only a
grace period later, so that no relay's poll (of this replica or another)
takes them meanwhile; if the process dies before its relay marked them
published, the poll of any relay takes them once the grace has passed.
A process with no relay (a script, a test) writes rows due at once.

Each service's model module declares ``class OutboxEvent(OutboxEventMixin,
Base)`` so the table lives in the service's own database and migrations.

Published rows are kept only a while: ``forget_published_before`` deletes
those published longer ago than the retention, and on a person's erasure
``forget_published`` deletes at once those that name them. Unpublished rows
are never deleted: they must still go out.
"""
import json
from collections import namedtuple
from datetime import datetime, timedelta, timezone
from functools import lru_cache

from sqlalchemy import (
    JSON,
    BigInteger,
    Index,
    Integer,
    String,
    Text,
    bindparam,
    cast,
    delete,
    func,
    insert,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from nabo_common.messaging import envelopes
from nabo_common.persistence import db
from nabo_common.persistence.types import UtcDateTime
from nabo_common.runtime import context as context_mod

HANDED_OVER = "nabo_outbox_handed_over"  # session.info: rows of the open transaction, for the relay at commit
# how long a handed-over row is left to the relay it was handed to; well beyond the relay's confirm timeout,
# so that it is taken by a poll only when that relay did not mark it (its process died, the broker was away)
HANDOVER_GRACE = timedelta(seconds=15)
BigId = BigInteger().with_variant(Integer, "sqlite")
# what a relay publishes: the columns of a row as its poll reads them, the envelope as the stored JSON
# text, and when its transaction committed (known only to the process that committed it; a poll takes
# created_at)
OutboxRow = namedtuple(
    "OutboxRow",
    "position event_id event_type body headers created_at attempts committed_at",
    defaults=(None,),
)


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


def headers_for(caller):
    """Message headers that carry the caller context, as nameko would."""
    if caller is None:
        return {}
    return {"nameko.nabo_request_id": caller.request_id, "nameko.language": caller.language}


def record(session, model, event_type, data, caller=None, association_id=None, signed_caller=None):
    """Add an event to the outbox in the session's current transaction."""
    envelope, values, relay = row(session, model, event_type, data, caller, association_id, signed_caller)
    if relay is None:
        session.execute(_insert_into(model), values)
        return envelope
    position = session.execute(_insert_returning_position(model), values).scalar_one()
    hand_over_at_commit(session, relay, position, values)
    return envelope


def row(session, model, event_type, data, caller=None, association_id=None, signed_caller=None,
        event_id=None):
    """``(envelope, values, relay)``: an event's envelope, the values of its row in ``model``'s table as
    ``record`` writes them (the envelope as its JSON text, ``envelope_text``), and the relay of this
    process that takes the rows the session commits (None: the row is due at once). A statement that
    writes the row itself hands it over with ``hand_over_at_commit``."""
    actor_id = getattr(caller, "person_id", None)
    envelope = envelopes.build(
        event_type, data, association_id=association_id, actor_id=actor_id, event_id=event_id
    )
    headers = headers_for(caller)
    if signed_caller:
        headers[f"nameko.{context_mod.CONTEXT_KEY}"] = signed_caller
    # into the table at once rather than through the unit of work, whose flush cost more than the INSERT
    now = utcnow()
    # serialised once: the same text is stored and, handed over, published
    body = json.dumps(envelope)
    values = {
        "event_id": envelope["id"],
        "event_type": event_type,
        "envelope_text": body,
        "headers": headers,
        "created_at": now,
        "next_attempt_at": now,
        "attempts": 0,
    }
    # a session that runs no commit hooks would never hand its rows over: they are due at once
    relay = _relay_for(session, model) if session.info.get(db.RUNS_HOOKS) else None
    if relay is not None:
        values["next_attempt_at"] = now + HANDOVER_GRACE
    return envelope, values, relay


def hand_over_at_commit(session, relay, position, values):
    """The row written with ``values`` (see ``row``) at ``position`` goes to ``relay`` when the session's
    transaction commits."""
    session.info.setdefault(HANDED_OVER, {}).setdefault(relay, []).append(
        OutboxRow(position, values["event_id"], values["event_type"], values["envelope_text"],
                  values["headers"], values["created_at"], 0)
    )


@lru_cache(maxsize=None)
def _insert_into(model):
    # the envelope arrives as its JSON text, which the JSON column would otherwise serialise a second time
    return insert(model.__table__).values(envelope=type_coerce(bindparam("envelope_text"), Text))


@lru_cache(maxsize=None)
def _insert_returning_position(model):
    return _insert_into(model).returning(model.__table__.c.position)


# database URL -> relays of this process that take the rows a commit wrote
_relays = {}


def register_relay(url, relay):
    """``relay`` has ``model`` (its outbox table's class) and ``hand_over(rows)``."""
    _relays.setdefault(str(url), []).append(relay)


def unregister_relay(url, relay):
    relays = _relays.get(str(url), [])
    if relay in relays:
        relays.remove(relay)


def _relay_for(session, model):
    """The first relay of this process for the session's database and ``model``'s table, or None."""
    for relay in _relays.get(str(session.get_bind().url), ()):
        if relay.model.__table__ is model.__table__:
            return relay
    return None


def hand_over_after_commit(session):
    """SQLAlchemy after_commit hook: the committed rows go to their relay now, not at its next poll."""
    handed_over = session.info.pop(HANDED_OVER, None)
    if not handed_over:
        return
    committed_at = utcnow()
    for relay, rows in handed_over.items():
        relay.hand_over([row._replace(committed_at=committed_at) for row in rows])


def forget_after_rollback(session, _previous_transaction):
    """SQLAlchemy after_soft_rollback hook: rows of a rolled-back transaction were never written."""
    session.info.pop(HANDED_OVER, None)


db.register_session_hooks(hand_over_after_commit, forget_after_rollback)


def backlog(session, model):
    return session.scalar(select(func.count()).select_from(model).where(model.published_at.is_(None))) or 0


# published rows deleted per statement, so that no statement holds many locks or runs long
FORGET_BATCH = 500


def _like_pattern(needle):
    """A LIKE pattern matching ``needle`` anywhere in an envelope's lower-cased JSON text: the needle as JSON
    writes it inside a string, lower-cased, with LIKE's wildcards and escape character escaped."""
    written = json.dumps(str(needle).lower())[1:-1]
    return "%" + written.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def forget_published(session, model, needles):
    """Deletes, in the session's transaction, the published rows of ``model``'s table whose envelope names
    any of ``needles`` (a person's id, their e-mail address; empty ones are left out), case-insensitively.
    Unpublished rows stay: they must still go out, and their consumers' own erasure handles what they
    carry. Returns how many rows were deleted."""
    patterns = [_like_pattern(needle) for needle in needles if needle]
    if not patterns:
        return 0
    text = func.lower(cast(model.envelope, Text))
    return session.execute(
        delete(model)
        .where(model.published_at.is_not(None), or_(*(text.like(p, escape="\\") for p in patterns)))
        .execution_options(synchronize_session=False)
    ).rowcount


def forget_published_before(engine, model, before, batch=FORGET_BATCH):
    """Deletes the rows of ``model``'s table published before ``before``, ``batch`` at a time, each batch in
    its own transaction. Replicas can run it side by side: on PostgreSQL each takes rows the others have not
    locked (SQLite ignores the lock clause and runs one writer at a time). Returns how many were deleted."""
    done = 0
    while True:
        claim = (
            select(model.position)
            .where(model.published_at.is_not(None), model.published_at < before)
            .order_by(model.position)
            .limit(batch)
            .with_for_update(skip_locked=True)
        )
        with engine.begin() as connection:
            deleted = connection.execute(delete(model).where(model.position.in_(claim))).rowcount
        done += deleted
        if deleted < batch:
            return done
