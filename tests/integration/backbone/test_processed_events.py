"""Processed events on PostgreSQL: one event is acted on once, also by two workers at the same moment."""
import uuid

import eventlet
import pytest
from sqlalchemy import func, select

from nabo_common.messaging.processed import ProcessedEvents
from nabo_common.persistence import db
from tests.integration.backbone.probe import ProcessedEvent

CONSUMER = "probe.on_person_updated"
processed = ProcessedEvents(ProcessedEvent)


@pytest.fixture
def sessions(probe_db):
    engine = db.make_engine(probe_db)
    yield db.make_sessionmaker(engine)
    engine.dispose()


def two_workers(sessions, event_id, first_ends):
    """The first worker records the event and keeps its transaction open while a second worker tries;
    ``first_ends(session)`` commits or rolls back. Returns what first_time told the second worker."""
    with sessions() as first:
        first.begin()
        assert processed.first_time(first, CONSUMER, event_id) is True
        second = eventlet.spawn(_first_time_committed, sessions, event_id)
        eventlet.sleep(0.5)
        assert not second.dead  # held on the event's key while the first worker's transaction is open
        first_ends(first)
    return second.wait()


def test_a_second_worker_waits_for_the_first_and_then_skips_the_event(sessions):
    event_id = str(uuid.uuid4())
    assert two_workers(sessions, event_id, lambda first: first.commit()) is False
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(ProcessedEvent)
                              .where(ProcessedEvent.event_id == event_id)) == 1


def test_when_the_first_worker_fails_the_second_one_acts(sessions):
    event_id = str(uuid.uuid4())
    # the first worker's handler raised: the event is not done
    assert two_workers(sessions, event_id, lambda first: first.rollback()) is True
    with sessions() as session:
        assert processed.first_time(session, CONSUMER, event_id) is False  # redelivered later: skipped
        assert processed.first_time(session, "another.consumer", event_id) is True  # per consumer


def _first_time_committed(sessions, event_id):
    with sessions() as session, session.begin():
        return processed.first_time(session, CONSUMER, event_id)
