"""Rows a commit wrote go to the process's relay right after the commit, and only those: never the rows of a
transaction rolled back, never to a relay of another table. They are due for a poll only after the grace, so
that no relay publishes them a second time while the one they were handed to does."""
import json
import time
import types
from datetime import timedelta

import eventlet
import eventlet.event
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from nabo_common.messaging import outbox
from nabo_common.messaging import relay as relay_mod
from nabo_common.messaging.outbox import OutboxRow
from nabo_common.messaging.publisher import Outcome
from nabo_common.persistence import db
from services.events.models import OutboxEvent
from services.members.models import OutboxEvent as MembersOutboxEvent
from tests.support.payloads import event_data

TABLE = OutboxEvent.__table__


class RecordingRelay:
    def __init__(self, model):
        self.model = model
        self.handed_over = []

    def hand_over(self, rows):
        self.handed_over.append(list(rows))


@pytest.fixture
def relay(events_engine):
    relay = RecordingRelay(OutboxEvent)
    outbox.register_relay(events_engine.url, relay)
    yield relay
    outbox.unregister_relay(events_engine.url, relay)


def _record(session, name):
    return outbox.record(session, OutboxEvent, "event.published", event_data(name, "association-1"))


def _stored(events_engine):
    with events_engine.connect() as connection:
        return connection.execute(select(TABLE).order_by(TABLE.c.position)).all()


def test_a_commit_hands_its_rows_over_as_stored_and_due_only_after_the_grace(events_engine, relay):
    session = db.make_sessionmaker(events_engine)()
    with session.begin():
        first, second = _record(session, "event-1"), _record(session, "event-2")
        assert relay.handed_over == []  # nothing before the commit
    [rows] = relay.handed_over
    stored = _stored(events_engine)
    assert [row.position for row in rows] == [row.position for row in stored]
    assert [row.event_id for row in rows] == [first["id"], second["id"]]
    assert [json.loads(row.body) for row in rows] == [row.envelope for row in stored]
    assert all(row.next_attempt_at == row.created_at + outbox.HANDOVER_GRACE for row in stored)
    assert all(isinstance(row, OutboxRow) and row.attempts == 0 for row in rows)


def test_a_rolled_back_transaction_hands_nothing_over_and_the_next_commit_only_its_own(events_engine, relay):
    session = db.make_sessionmaker(events_engine)()
    with pytest.raises(RuntimeError):
        with session.begin():
            _record(session, "rolled-back")
            raise RuntimeError("the change failed")
    assert relay.handed_over == []
    with session.begin():
        kept = _record(session, "kept")
    assert [[row.event_id for row in rows] for rows in relay.handed_over] == [[kept["id"]]]
    assert [row.event_id for row in _stored(events_engine)] == [kept["id"]]


def test_without_a_relay_in_the_process_rows_are_due_at_once(events_engine):
    session = db.make_sessionmaker(events_engine)()
    with session.begin():
        _record(session, "script")
    [row] = _stored(events_engine)
    assert row.next_attempt_at == row.created_at


def test_a_session_that_cannot_hand_over_and_a_relay_of_another_table_leave_rows_due_at_once(events_engine):
    other = RecordingRelay(MembersOutboxEvent)
    outbox.register_relay(events_engine.url, other)
    try:
        session = db.make_sessionmaker(events_engine)()
        with session.begin():
            _record(session, "other-table")
        plain = Session(
            events_engine
        )  # no after-commit hook: whatever it wrote would wait the grace for nothing
        with plain.begin():
            _record(plain, "plain-session")
    finally:
        outbox.unregister_relay(events_engine.url, other)
    assert other.handed_over == []
    assert all(row.next_attempt_at == row.created_at for row in _stored(events_engine))


def _row(n, age=timedelta(0)):
    return OutboxRow(n, f"event-{n}", "event.published", "{}", {}, outbox.utcnow() - age, 0)


class FailingPublisher:
    def __init__(self):
        self.batches = []

    def publish_rows(self, rows):
        self.batches.append([row.position for row in rows])
        raise OSError("broker away")


def test_rows_a_failed_publish_took_go_back_in_order_and_rows_past_the_grace_are_left_to_the_poll():
    relay = relay_mod.OutboxRelay(OutboxEvent)
    relay.publisher = FailingPublisher()
    relay.hand_over([_row(1, age=outbox.HANDOVER_GRACE + timedelta(seconds=1)), _row(2), _row(3)])
    with pytest.raises(OSError):
        relay._publish_handed_over()
    assert relay.publisher.batches == [[2, 3]]  # 1 was past its grace: a poll may have it already
    assert [row.position for row in relay._handed_over] == [2, 3]
    with pytest.raises(OSError):
        relay._publish_handed_over()
    assert relay.publisher.batches[-1] == [2, 3]


def test_a_relay_holds_at_most_so_many_rows_while_the_broker_is_away(monkeypatch):
    monkeypatch.setattr(relay_mod, "MAX_HANDED_OVER", 3)
    relay = relay_mod.OutboxRelay(OutboxEvent)
    relay.hand_over([_row(1), _row(2)])
    relay.hand_over([_row(3), _row(4)])
    assert [row.position for row in relay._handed_over] == [1, 2, 3]


# --- marking runs beside publishing ---------------------------------------------------------------


class GreenContainer:
    """What the relay asks of its nameko container: managed green threads."""

    def spawn_managed_thread(self, fn, identifier=None):
        return eventlet.spawn(fn)


class SlowMarkPublisher:
    """Publishes at once; each mark waits until the test lets it finish (or fails while told to)."""

    def __init__(self):
        self.published, self.marked, self.forgotten_before = [], [], []
        self.marks_may_finish = eventlet.event.Event()
        self.failing = False

    def publish_rows(self, rows):
        self.published.append([row.position for row in rows])
        return Outcome(list(rows), [], outbox.utcnow())

    def publish_batch(self):
        return 0

    def keep_alive(self):
        pass

    def mark(self, outcomes):
        self.marks_may_finish.wait()
        if self.failing:
            raise OSError("database away")
        self.marked.extend(row.position for outcome in outcomes for row in outcome.published)

    def forget_published_before(self, before):
        self.forgotten_before.append(before)
        return 0

    def close(self):
        pass


def _green_relay():
    """A relay on green threads, with the broker and the database replaced by a SlowMarkPublisher."""
    relay = relay_mod.OutboxRelay(OutboxEvent)
    relay.container = GreenContainer()
    relay.settings = types.SimpleNamespace(outbox_poll_seconds=5.0, outbox_retention_days=7)
    relay.publisher = SlowMarkPublisher()
    relay.engine = types.SimpleNamespace(url="sqlite://", dispose=lambda: None)
    relay.start()
    return relay


@pytest.fixture
def running_relay():
    relay = _green_relay()
    yield relay
    if not relay.publisher.marks_may_finish.ready():
        relay.publisher.marks_may_finish.send()
    relay.stop()


def _until(condition, seconds=2.0):
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        eventlet.sleep(0.01)
    return condition()


def test_rows_committed_while_a_batch_is_being_marked_are_published_without_waiting_for_that_mark(
    running_relay,
):
    publisher = running_relay.publisher
    running_relay.hand_over([_row(1), _row(2)])
    assert _until(lambda: publisher.published == [[1, 2]])
    running_relay.hand_over([_row(3)])  # the first batch's mark has not finished
    assert _until(lambda: publisher.published == [[1, 2], [3]])
    assert publisher.marked == []
    publisher.marks_may_finish.send()
    assert _until(lambda: publisher.marked == [1, 2, 3])


def test_outcomes_a_failed_mark_took_are_marked_again_unless_their_grace_has_passed(running_relay):
    publisher = running_relay.publisher
    publisher.failing = True
    publisher.marks_may_finish.send()
    stale = _row(1, age=outbox.HANDOVER_GRACE + timedelta(seconds=1))
    running_relay._to_mark.append(Outcome([stale], [], outbox.utcnow()))
    running_relay.hand_over([_row(2)])
    assert _until(lambda: publisher.published == [[2]])
    assert _until(lambda: [row.position for o in running_relay._to_mark for row in o.published] == [2])
    publisher.failing = False
    running_relay._marks_due.call()
    # the stale row went out through a poll, if at all: marking it here could only repeat that poll's mark
    assert _until(lambda: publisher.marked == [2], seconds=3.0)


def test_a_relay_being_stopped_marks_what_it_published_last():
    relay = _green_relay()
    relay.publisher.marks_may_finish.send()
    relay.hand_over([_row(7)])
    relay.stop()  # returns once the row is published and marked
    assert relay.publisher.published == [[7]] and relay.publisher.marked == [7]


def test_the_relay_deletes_rows_published_before_the_retention_at_start_and_stops_doing_so(running_relay):
    assert _until(lambda: running_relay.publisher.forgotten_before)
    [before] = running_relay.publisher.forgotten_before
    assert abs(before - (outbox.utcnow() - timedelta(days=7))) < timedelta(seconds=5)
    running_relay.publisher.marks_may_finish.send()
    running_relay.stop()
    assert running_relay._pruner.dead
