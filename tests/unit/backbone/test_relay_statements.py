"""The relay's claim and mark statements are built once and take the time, the batch size and the
published rows as parameters: a batch must still be exactly the due, unpublished rows in order."""
import sqlite3
from datetime import timedelta

from sqlalchemy import select, update

from nabo_common.messaging import outbox
from nabo_common.messaging.publisher import OutboxPublisher, Outcome, _mark_published, due_outbox_rows
from nabo_common.persistence import db
from services.events.models import OutboxEvent
from tests.support.payloads import event_data

TABLE = OutboxEvent.__table__


def _record(events_engine, count):
    with db.make_sessionmaker(events_engine)() as session, session.begin():
        for n in range(count):
            outbox.record(session, OutboxEvent, "event.published", event_data(f"event-{n}", "association-1"))
    with events_engine.connect() as connection:
        return connection.execute(select(TABLE.c.position).order_by(TABLE.c.position)).scalars().all()


def _due(events_engine, now, limit):
    """What a claim at ``now`` would take, claimed in a transaction rolled back."""
    with events_engine.connect() as connection:
        rows = due_outbox_rows(OutboxEvent).claim(connection, now, now + outbox.HANDOVER_GRACE, limit)
        connection.rollback()
    return [row.position for row in rows]


def test_a_batch_is_the_oldest_due_unpublished_rows_up_to_the_limit(events_engine):
    first, second, third, fourth = _record(events_engine, 4)
    now = outbox.utcnow()
    with events_engine.begin() as connection:
        connection.execute(update(TABLE).where(TABLE.c.position == first).values(published_at=now))
        # refused once: waits for its backoff
        connection.execute(update(TABLE).where(TABLE.c.position == second)
                           .values(next_attempt_at=now + timedelta(seconds=30)))
    assert _due(events_engine, now, 10) == [third, fourth]
    assert _due(events_engine, now, 1) == [third]
    assert _due(events_engine, now + timedelta(seconds=31), 10) == [second, third, fourth]


def test_marking_a_batch_touches_only_its_rows_and_counts_the_attempt(events_engine):
    first, second, third = _record(events_engine, 3)
    now = outbox.utcnow()
    with events_engine.begin() as connection:
        connection.execute(_mark_published(TABLE), {"now": now, "positions": [first, third]})
        rows = connection.execute(select(TABLE.c.position, TABLE.c.published_at, TABLE.c.attempts)
                                  .order_by(TABLE.c.position)).all()
    assert [(row.published_at is not None, row.attempts) for row in rows] == [
        (True, 1),
        (False, 0),
        (True, 1),
    ]
    assert rows[0].published_at == now
    assert _due(events_engine, now, 10) == [second]


class BrokerlessPublisher(OutboxPublisher):
    """The relay's batch with the broker replaced: while it "waits for the confirms", another writer
    writes to the same SQLite database, as a worker of the same service would."""

    connected = True

    def __init__(self, events_engine, path):
        super().__init__("amqp://unused", OutboxEvent, events_engine, "events")
        self.path = path
        self.writes_while_publishing = 0

    def _publish(self, rows):
        other = sqlite3.connect(self.path, timeout=0.2)
        try:
            other.execute("INSERT INTO writer_probe (value) VALUES ('a worker writes')")
            other.commit()
            self.writes_while_publishing += 1
        finally:
            other.close()
        return Outcome(list(rows), [], outbox.utcnow())


def test_the_relay_holds_no_write_lock_while_it_waits_for_the_broker(events_engine, tmp_path):
    # SQLite (make run's default) is not green: a worker waiting on a write lock the relay holds across
    # the broker round trip blocks the process's only thread, so the relay never gets its confirms
    # and every writer of the service waits out the 30 s busy timeout
    with events_engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE writer_probe (value TEXT)")
    (position,) = _record(events_engine, 1)
    publisher = BrokerlessPublisher(events_engine, str(tmp_path / "events.db"))

    assert publisher.publish_batch() == 1

    assert publisher.writes_while_publishing == 1
    assert _due(events_engine, outbox.utcnow(), 10) == []
    with events_engine.connect() as connection:
        assert connection.execute(select(TABLE.c.published_at).where(TABLE.c.position == position)).scalar()
