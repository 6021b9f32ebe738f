"""Published outbox rows past the retention are deleted on PostgreSQL in batches that replicas take side by
side: each row once, rows another replica holds skipped rather than waited for, and rows published within
the retention or not published at all left alone."""
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import insert, select

from nabo_common.messaging import outbox
from nabo_common.persistence import db
from services.members.models import OutboxEvent
from tests.support import infra

RETENTION = timedelta(days=7)


@pytest.fixture
def engine():
    # autocommit, as the relay's engine
    engine = db.make_engine(infra.make_database("members"), autocommit=True)
    yield engine
    engine.dispose()


def write(engine, count, published_ago=None):
    """``count`` rows published that long ago (None: not yet); their positions."""
    now = outbox.utcnow()
    published_at = None if published_ago is None else now - published_ago
    rows = [{"event_id": str(uuid.uuid4()), "event_type": "person.updated", "envelope": {"data": {"n": n}},
             "headers": {}, "created_at": now, "next_attempt_at": now, "attempts": 0,
             "published_at": published_at} for n in range(count)]
    with engine.begin() as connection:
        return set(connection.scalars(insert(OutboxEvent).returning(OutboxEvent.position), rows))


def positions(engine):
    with engine.connect() as connection:
        return set(connection.scalars(select(OutboxEvent.position)))


def test_replicas_side_by_side_delete_each_old_published_row_once_and_nothing_else(engine):
    seeded = positions(engine)  # the migrations' own events, not yet published
    old = write(engine, 230, published_ago=RETENTION + timedelta(hours=1))
    kept = write(engine, 20, published_ago=RETENTION - timedelta(hours=1)) | write(engine, 20)
    before = outbox.utcnow() - RETENTION

    def replica():
        return outbox.forget_published_before(engine, OutboxEvent, before, batch=25)

    assert sum(infra.side_by_side(replica)) == len(old)
    assert positions(engine) == seeded | kept


def test_rows_another_replica_holds_are_skipped_not_waited_for(engine):
    seeded = positions(engine)
    held = write(engine, 3, published_ago=RETENTION * 2)
    free = write(engine, 4, published_ago=RETENTION * 2)
    other = db.make_engine(str(engine.url.render_as_string(hide_password=False)))
    try:
        with other.begin() as connection:
            connection.execute(select(OutboxEvent.position).where(OutboxEvent.position.in_(held))
                               .with_for_update())
            deleted = outbox.forget_published_before(engine, OutboxEvent, outbox.utcnow() - RETENTION,
                                                     batch=2)
        assert deleted == len(free)
        assert positions(engine) == seeded | held
    finally:
        other.dispose()
