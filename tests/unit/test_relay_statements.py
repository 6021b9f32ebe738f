"""The relay's statements are built once and take the time, the batch size and the rows as parameters:
a claim must still mark and return exactly the due, unpublished rows, oldest first, up to the limit."""
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from nabo_common import db, migrations, outbox
from nabo_common.relay import _claim, _due_rows, _put_back
from services.events.models import OutboxEvent
from tests.support.payloads import event_data

TABLE = OutboxEvent.__table__


@pytest.fixture
def engine(tmp_path):
    url = f"sqlite:///{tmp_path / 'events.db'}"
    migrations.upgrade("events", url)
    engine = db.make_engine(url)
    yield engine
    engine.dispose()


def _record(engine, count):
    with db.make_sessionmaker(engine)() as session, session.begin():
        for n in range(count):
            outbox.record(session, OutboxEvent, "event.published", event_data(f"event-{n}", "association-1"))
    with engine.connect() as connection:
        return connection.execute(select(TABLE.c.position).order_by(TABLE.c.position)).scalars().all()


def _due(engine, now, limit):
    with engine.connect() as connection:
        return [row.position for row in connection.execute(_due_rows(OutboxEvent), {"now": now, "limit": limit})]


def test_a_batch_is_the_oldest_due_unpublished_rows_up_to_the_limit(engine):
    first, second, third, fourth = _record(engine, 4)
    now = outbox.utcnow()
    with engine.begin() as connection:
        connection.execute(update(TABLE).where(TABLE.c.position == first).values(published_at=now))
        # refused once: waits for its backoff
        connection.execute(update(TABLE).where(TABLE.c.position == second)
                           .values(next_attempt_at=now + timedelta(seconds=30)))
    assert _due(engine, now, 10) == [third, fourth]
    assert _due(engine, now, 1) == [third]
    assert _due(engine, now + timedelta(seconds=31), 10) == [second, third, fourth]


def _rows(engine):
    with engine.connect() as connection:
        return connection.execute(select(TABLE.c.position, TABLE.c.published_at, TABLE.c.attempts,
                                         TABLE.c.last_error, TABLE.c.next_attempt_at)
                                  .order_by(TABLE.c.position)).all()


def test_a_claim_marks_and_returns_the_oldest_due_rows_and_counts_the_attempt(engine):
    first, second, third = _record(engine, 3)
    now = outbox.utcnow()
    with engine.begin() as connection:
        claimed = connection.execute(_claim(OutboxEvent), {"now": now, "limit": 2}).all()
    assert sorted(row.position for row in claimed) == [first, second]
    assert {row.attempts for row in claimed} == {1}  # the count after the claim
    assert all(row.body.startswith("{") and row.event_type == "event.published" for row in claimed)
    rows = _rows(engine)
    assert [(row.published_at is not None, row.attempts) for row in rows] == [(True, 1), (True, 1), (False, 0)]
    assert rows[0].published_at == now
    assert _due(engine, now, 10) == [third]


def test_a_claim_rolled_back_leaves_its_rows_due(engine):
    first, second = _record(engine, 2)
    now = outbox.utcnow()
    with pytest.raises(RuntimeError), engine.begin() as connection:
        assert len(connection.execute(_claim(OutboxEvent), {"now": now, "limit": 10}).all()) == 2
        raise RuntimeError("the broker went away before confirming")
    assert _due(engine, now, 10) == [first, second]
    assert [(row.published_at, row.attempts) for row in _rows(engine)] == [(None, 0), (None, 0)]


def test_a_refused_row_is_put_back_pending_with_its_reason_and_backoff(engine):
    first, second = _record(engine, 2)
    now = outbox.utcnow()
    retry_at = now + timedelta(seconds=2)
    with engine.begin() as connection:
        connection.execute(_claim(OutboxEvent), {"now": now, "limit": 10}).all()
        connection.execute(_put_back(TABLE), {"row_position": first, "error": "UnroutableError: NO_ROUTE",
                                              "retry_at": retry_at})
    refused, published = _rows(engine)
    assert (refused.published_at, refused.attempts, refused.last_error) == (None, 1, "UnroutableError: NO_ROUTE")
    assert refused.next_attempt_at == retry_at
    assert published.published_at == now and published.last_error is None
    assert _due(engine, now, 10) == []
    assert _due(engine, retry_at, 10) == [first]
