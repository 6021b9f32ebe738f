"""The relay's claim and mark statements are built once and take the time, the batch size and the
published rows as parameters: a batch must still be exactly the due, unpublished rows in order."""
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from nabo_common import db, migrations, outbox
from nabo_common.relay import _due_rows, _mark_published
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


def test_marking_a_batch_touches_only_its_rows_and_counts_the_attempt(engine):
    first, second, third = _record(engine, 3)
    now = outbox.utcnow()
    with engine.begin() as connection:
        connection.execute(_mark_published(TABLE), {"now": now, "positions": [first, third]})
        rows = connection.execute(select(TABLE.c.position, TABLE.c.published_at, TABLE.c.attempts)
                                  .order_by(TABLE.c.position)).all()
    assert [(row.published_at is not None, row.attempts) for row in rows] == [(True, 1), (False, 0), (True, 1)]
    assert rows[0].published_at == now
    assert _due(engine, now, 10) == [second]
