"""The relay's mark on PostgreSQL, a statement prepared once per connection of its autocommit engine:
a batch's published rows get their time and one more attempt, a row published already (by a poll,
past the grace) keeps its own, and the other rows stay due; SQLite's statement does the same (the unit
tier's ``test_relay_statements``)."""
import pytest
from sqlalchemy import select, text

from nabo_common.messaging import outbox
from nabo_common.messaging.publisher import OutboxPublisher, Outcome
from nabo_common.persistence import db
from nabo_common.persistence.prepared import PREPARED_KEY
from services.events.models import OutboxEvent
from tests.support import infra
from tests.support.payloads import event_data

TABLE = OutboxEvent.__table__


@pytest.fixture(scope="module")
def engine():
    # as the relay's own engine is made (OutboxRelay.setup)
    engine = db.make_engine(infra.make_database("events"), pool_size=1, autocommit=True)
    try:
        yield engine
    finally:
        engine.dispose()


def _rows(engine, count):
    with db.make_sessionmaker(engine)() as session, session.begin():
        for n in range(count):
            outbox.record(session, OutboxEvent, "event.published", event_data(f"event-{n}", "association-1"))
    with engine.connect() as connection:
        return connection.execute(select(TABLE.c.position, TABLE.c.created_at.label("committed_at"))
                                  .order_by(TABLE.c.position)).all()


def _state(engine):
    with engine.connect() as connection:
        return connection.execute(select(TABLE.c.position, TABLE.c.published_at, TABLE.c.attempts)
                                  .order_by(TABLE.c.position)).all()


def test_a_batch_marked_published_leaves_other_rows_due_and_earlier_marks_as_they_were(engine):
    first, second, third, fourth = _rows(engine, 4)
    publisher = OutboxPublisher("amqp://unused", OutboxEvent, engine, "events")
    by_a_poll = outbox.utcnow()
    publisher.mark([Outcome([third], [], by_a_poll)])
    later = outbox.utcnow()
    publisher.mark([Outcome([first, third], [], later), Outcome([fourth], [], later)])

    assert [(row.published_at, row.attempts) for row in _state(engine)] == [
        (later, 1), (None, 0), (by_a_poll, 1), (later, 1),
    ]
    with engine.connect() as connection:  # planned once on the relay's connection, run by name after
        assert len(connection.connection.info[PREPARED_KEY]) == 1
        assert connection.execute(text(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%published_at = $1%'"
        )).scalar() == 1
    assert second.position not in {row.position for row in _state(engine) if row.published_at}
