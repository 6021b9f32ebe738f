from datetime import datetime, timedelta, timezone
from functools import lru_cache

from nabo_common.api.errors import NotFound
from nabo_common.messaging import outbox
from nabo_common.persistence import db
from nabo_common.persistence.due_rows import RetryPolicy
from nabo_common.persistence.idempotency import IdempotentCalls
from services.notifications.models import IdempotentCall, OutboxEvent

MAX_RETRY_DELAY = timedelta(hours=6)
# a write retried with the same Idempotency-Key returns its first result (creations)
idempotent_calls = IdempotentCalls(IdempotentCall)


def utcnow():
    return datetime.now(timezone.utc)


def delivery_retries(config, max_attempts):
    """E-mail and webhooks retry alike: ``DELIVERY_RETRY_BASE_SECONDS`` after the first failed attempt,
    doubling up to 6 hours, ``max_attempts`` attempts in all."""
    return RetryPolicy(first_delay=config.retry_base_seconds, max_delay=MAX_RETRY_DELAY.total_seconds(),
                       max_attempts=max_attempts)


def publish(session, event_type, data, caller=None, association_id=None):
    return outbox.record(session, OutboxEvent, event_type, data, caller=caller, association_id=association_id)


def get_or_404(session, model, id_, what):
    obj = session.get(model, str(id_)) if id_ else None
    if obj is None:
        raise NotFound("{what} {id} not found.", what=what, id=id_)
    return obj


def locked(session, stmt):
    """``FOR UPDATE SKIP LOCKED`` where the database has it (SQLite runs one replica only)."""
    return stmt.with_for_update(skip_locked=True) if db.on_postgresql(session) else stmt


def insert_ignoring_duplicates(session, model, rows, unique_columns):
    """Insert rows, skipping those whose unique key exists already; returns how many were new."""
    if not rows:
        return 0
    statement = _ignoring_duplicates(db.upsert_insert(session), model, tuple(unique_columns))
    return len(session.execute(statement, rows).all())


def upsert(session, model, values, key_columns, unless_set=None):
    """Insert or update a read-model row by its key (events may arrive in any order or twice). With
    ``unless_set``, an existing row whose column of that name is not NULL is left alone; returns whether
    the row was written (one round trip, where reading the row first took two)."""
    statement = _upsert(db.upsert_insert(session), model, tuple(values), tuple(key_columns), unless_set)
    result = session.execute(statement, values)
    return unless_set is None or result.first() is not None


# Statements are built once per shape and take their rows as parameters: building them is a large share
# of the consumer's work per event, and a statement holding its rows has no cache key, so SQLAlchemy
# would compile it anew every time. They insert into the table, not the mapped class: the ORM's bulk
# insert machinery around a plain INSERT costs as much as the round trip, and no ORM object is involved.
@lru_cache(maxsize=256)
def _ignoring_duplicates(insert, model, unique_columns):
    key = next(iter(model.__table__.primary_key.columns))
    return insert(model.__table__).on_conflict_do_nothing(index_elements=list(unique_columns)).returning(key)


@lru_cache(maxsize=256)
def _upsert(insert, model, columns, key_columns, unless_set=None):
    table = model.__table__
    statement = insert(table)
    updates = {k: statement.excluded[k] for k in columns if k not in key_columns}
    if unless_set is not None:
        key = next(iter(table.primary_key.columns))
        return statement.on_conflict_do_update(index_elements=list(key_columns), set_=updates,
                                               where=table.c[unless_set].is_(None)).returning(key)
    if updates:
        return statement.on_conflict_do_update(index_elements=list(key_columns), set_=updates)
    return statement.on_conflict_do_nothing(index_elements=list(key_columns))
