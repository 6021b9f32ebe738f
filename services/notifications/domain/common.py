from datetime import datetime, timezone

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from nabo_common import outbox
from nabo_common.errors import NotFound
from services.notifications.models import OutboxEvent


def utcnow():
    return datetime.now(timezone.utc)


def publish(session, event_type, data, caller=None, association_id=None):
    return outbox.record(session, OutboxEvent, event_type, data, caller=caller, association_id=association_id)


def get_or_404(session, model, id_, what):
    obj = session.get(model, str(id_)) if id_ else None
    if obj is None:
        raise NotFound(f"{what} {id_} not found.")
    return obj


def is_postgres(session):
    return session.get_bind().dialect.name == "postgresql"


def locked(session, stmt):
    """``FOR UPDATE SKIP LOCKED`` where the database has it (SQLite runs one replica only)."""
    return stmt.with_for_update(skip_locked=True) if is_postgres(session) else stmt


def insert_ignoring_duplicates(session, model, rows, unique_columns):
    """Insert rows, skipping those whose unique key exists already; returns how many were new."""
    if not rows:
        return 0
    insert = pg_insert if is_postgres(session) else sqlite_insert
    stmt = insert(model).values(rows).on_conflict_do_nothing(index_elements=list(unique_columns))
    return session.execute(stmt).rowcount or 0


def upsert(session, model, values, key_columns):
    """Insert or update a read-model row by its key (events may arrive in any order or twice)."""
    insert = pg_insert if is_postgres(session) else sqlite_insert
    stmt = insert(model).values(values)
    updates = {k: stmt.excluded[k] for k in values if k not in key_columns}
    if updates:
        stmt = stmt.on_conflict_do_update(index_elements=list(key_columns), set_=updates)
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=list(key_columns))
    session.execute(stmt)
