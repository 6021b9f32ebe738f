"""The outbox: events committed while the broker is unreachable go out once
it is back; nothing committed is lost, and each is published once."""
import json
import time
from datetime import timedelta

import pika
import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.engine import make_url

from nabo_common.messaging import envelopes, outbox, topology
from nabo_common.persistence.db import make_sessionmaker
from tests.integration.backbone import probe
from tests.integration.backbone.conftest import wait_until, write_events
from tests.support.proxy import TcpProxy


def _person_updated_queue(amqp_uri):
    """A pika connection, its channel and a queue of theirs bound to every person.updated event."""
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    channel = connection.channel()
    topology.declare_with_pika(channel)
    name = channel.queue_declare("", exclusive=True).method.queue
    channel.queue_bind(name, envelopes.EXCHANGE, routing_key="person.updated")
    return connection, channel, name


@pytest.fixture
def tap(amqp_uri):
    """A queue bound to every person.updated event, read with pika."""
    connection, channel, name = _person_updated_queue(amqp_uri)

    def drain():
        ids = []
        while True:
            method, _props, body = channel.basic_get(name, auto_ack=True)
            if method is None:
                return ids
            ids.append(json.loads(body)["id"])

    yield drain
    connection.close()


def backlog(db_url):
    engine = create_engine(db_url)
    session = make_sessionmaker(engine)()
    try:
        return outbox.backlog(session, probe.OutboxEvent)
    finally:
        session.close()
        engine.dispose()


def test_events_committed_while_broker_is_down_are_published_when_it_returns(
        start_probe, probe_db, amqp_uri, tap):
    proxy = TcpProxy()
    container = None
    try:
        container = start_probe(amqp=proxy.uri(amqp_uri))
        proxy.cut()
        ids = write_events(probe_db, [f"offline-{i}" for i in range(20)])
        # the relay cannot publish: the events wait in the outbox
        wait_until(lambda: False, timeout=1.0)
        assert backlog(probe_db) == 20
        assert tap() == []
        proxy.restore()
        seen = []
        assert wait_until(lambda: seen.extend(tap()) or len(seen) >= 20, timeout=40)
        assert sorted(seen) == sorted(ids)  # every one, once
        assert backlog(probe_db) == 0
    finally:
        proxy.restore()
        if container is not None:
            container.stop()  # while the proxy still forwards, so the consumer can shut down cleanly
        proxy.close()


def test_relay_publishes_in_commit_order_and_marks_rows(start_probe, probe_db, amqp_uri):
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    channel = connection.channel()
    topology.declare_with_pika(channel)
    queue = channel.queue_declare("", exclusive=True).method.queue
    channel.queue_bind(queue, envelopes.EXCHANGE, routing_key="person.updated")
    start_probe()
    ids = write_events(probe_db, ["one", "two", "three"])
    bodies = []

    def drain():
        while (message := channel.basic_get(queue, auto_ack=True))[0] is not None:
            bodies.append(json.loads(message[2]))
        return len(bodies) >= 3

    assert wait_until(drain)
    connection.close()
    assert [body["id"] for body in bodies] == ids
    engine = create_engine(probe_db)
    with engine.connect() as conn:
        rows = conn.execute(select(probe.OutboxEvent.__table__).order_by(probe.OutboxEvent.position)).all()
    engine.dispose()
    # each row marked once, and what went out is the envelope as it was stored
    assert [(row.published_at is not None, row.attempts) for row in rows] == [(True, 1)] * 3
    assert bodies == [row.envelope for row in rows]


def test_two_relays_on_one_database_publish_each_event_once(start_probe, probe_db, tap):
    start_probe()
    start_probe()
    ids = write_events(probe_db, [f"replica-{i}" for i in range(200)])
    seen = []
    assert wait_until(lambda: seen.extend(tap()) or len(seen) >= 200, timeout=30)
    wait_until(lambda: False, timeout=1.0)
    seen.extend(tap())
    assert sorted(seen) == sorted(ids)


def test_an_event_the_broker_cannot_route_stays_pending_with_the_reason_and_the_rest_go_out(
        start_probe, probe_db, amqp_uri, tap):
    start_probe()
    # without the alternate exchange, an event type no queue is bound to has nowhere to go
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    connection.channel().exchange_delete(envelopes.UNROUTED_EXCHANGE)
    connection.close()
    engine = create_engine(probe_db)
    session = make_sessionmaker(engine)()
    with session.begin():
        stray = outbox.record(session, probe.OutboxEvent, "idea.support_withdrawn", {
            "idea_id": "i", "panel_id": "p", "association_id": "a", "support_count": 0})["id"]
        routable = outbox.record(session, probe.OutboxEvent, "person.updated", probe.person_data("Routable"))[
            "id"
        ]
    seen = []
    assert wait_until(lambda: seen.extend(tap()) or routable in seen)
    with session.begin():
        row = session.scalar(select(probe.OutboxEvent).where(probe.OutboxEvent.event_id == stray))
        assert wait_until(lambda: session.refresh(row) or row.attempts >= 1)
        assert row.published_at is None and row.last_error.startswith("UnroutableError")
    session.close()
    engine.dispose()


def _stored_rows(db_url):
    engine = create_engine(db_url)
    with engine.connect() as conn:
        rows = conn.execute(select(probe.OutboxEvent.__table__).order_by(probe.OutboxEvent.position)).all()
    engine.dispose()
    return rows


def test_a_commit_hands_its_events_to_the_relay_which_publishes_them_before_any_poll_may(
    start_probe, probe_db, tap
):
    start_probe()
    ids = write_events(probe_db, ["handed-1", "handed-2"])
    seen = []
    # a poll takes them only once the grace has passed: seen before that, they went out handed over
    within = outbox.HANDOVER_GRACE.total_seconds() - 5
    assert wait_until(lambda: seen.extend(tap()) or len(seen) >= 2, timeout=within)
    assert sorted(seen) == sorted(ids)
    rows = _stored_rows(probe_db)
    assert all(row.next_attempt_at == row.created_at + outbox.HANDOVER_GRACE for row in rows)
    assert wait_until(
        lambda: all(row.published_at is not None and row.attempts == 1 for row in _stored_rows(probe_db)),
        timeout=5,
    )


class VanishingRelay:
    """Takes the rows and dies with them, as a process killed right after its commit."""

    model = probe.OutboxEvent

    def hand_over(self, rows):
        pass


def test_events_handed_to_a_relay_that_died_go_out_through_a_poll_once_the_grace_has_passed(
    start_probe, probe_db, tap, monkeypatch
):
    monkeypatch.setattr(outbox, "HANDOVER_GRACE", timedelta(seconds=3))
    dead, url = VanishingRelay(), make_url(probe_db)
    outbox.register_relay(url, dead)  # registered first: the commit hands its rows to this one
    try:
        start_probe()
        committed = time.monotonic()
        ids = write_events(probe_db, ["orphan-1", "orphan-2", "orphan-3"])
    finally:
        outbox.unregister_relay(url, dead)
    seen = []
    assert wait_until(lambda: seen.extend(tap()) or len(seen) >= 3, timeout=20)
    assert time.monotonic() - committed >= 3.0  # not before the grace: the live relay left them alone
    assert sorted(seen) == sorted(ids)
    wait_until(lambda: False, timeout=1.0)
    assert tap() == []  # each once


@pytest.fixture
def tap_headers(amqp_uri):
    """A queue bound to every person.updated event; yields a drain returning {event id: headers}."""
    connection, channel, name = _person_updated_queue(amqp_uri)
    seen = {}

    def drain():
        while (message := channel.basic_get(name, auto_ack=True))[0] is not None:
            seen[json.loads(message[2])["id"]] = message[1].headers or {}
        return seen

    yield drain
    connection.close()


def test_events_carry_the_time_their_transaction_committed(start_probe, probe_db, tap_headers):
    # written before any relay runs in this process: a poll takes them, and their creation stands in
    polled = write_events(probe_db, ["polled"])
    start_probe()
    before = time.time()
    handed_over = write_events(probe_db, ["handed-over"])
    after = time.time()
    assert wait_until(lambda: len(tap_headers()) >= 2, timeout=10)
    seen = tap_headers()
    created = {row.event_id: row.created_at for row in _stored_rows(probe_db)}
    [polled_at] = [seen[event_id][envelopes.COMMITTED_AT_HEADER] for event_id in polled]
    assert polled_at == round(created[polled[0]].timestamp() * 1000)
    [committed_at] = [seen[event_id][envelopes.COMMITTED_AT_HEADER] for event_id in handed_over]
    # the commit: after the row was written, within the call that committed it (to the millisecond)
    assert created[handed_over[0]].timestamp() * 1000 <= committed_at
    assert round(before * 1000) <= committed_at <= round(after * 1000)
