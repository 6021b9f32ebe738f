"""Consumers: idempotent on redelivery, bounded retries, dead letters that do
not block the queue, and replay after a fix."""
import json
import time

from sqlalchemy import create_engine, select

from nabo_common.messaging import deadletters
from nabo_common.runtime import metrics
from tests.integration.backbone import probe
from tests.integration.backbone.conftest import (
    publish_person_event,
    publish_raw,
    queue_depth,
    wait_until,
    write_events,
)
from tests.support.proxy import TcpProxy

DEAD = "nabo.probe.on_person_updated.dead"


def effects(db_url):
    engine = create_engine(db_url)
    with engine.connect() as conn:
        rows = conn.execute(select(probe.Effect.event_id, probe.Effect.name)).all()
    engine.dispose()
    return rows


def test_redelivered_event_has_one_effect(start_probe, broker, probe_db):
    start_probe()
    envelope = None
    for _ in range(5):
        envelope = publish_person_event(broker, "Dora", event_id=envelope["id"] if envelope else None)
    assert wait_until(lambda: len(effects(probe_db)) >= 1)
    publish_person_event(broker, "Marker")  # once the marker is applied, every copy before it was too
    assert wait_until(lambda: any(name == "Marker" for _, name in effects(probe_db)))
    assert [name for _, name in effects(probe_db)].count("Dora") == 1


def test_poison_event_is_dead_lettered_and_the_next_events_flow(start_probe, broker, probe_db, amqp_uri):
    start_probe()
    poison = publish_person_event(broker, "poison")
    publish_person_event(broker, "Eve")
    # the event behind the failing one is handled without waiting for its retries
    assert wait_until(lambda: any(name == "Eve" for _, name in effects(probe_db)), timeout=5)
    assert wait_until(lambda: queue_depth(broker, DEAD) == 1, timeout=15)
    [dead] = deadletters.show(amqp_uri, DEAD)
    assert dead["message_id"] == poison["id"]
    assert dead["attempts"] == 3
    assert dead["error"] == "RuntimeError"
    assert "cannot handle poison" in dead["detail"]
    assert queue_depth(broker, DEAD) == 1  # show does not consume

    probe.FAILING_NAMES.discard("poison")  # the bug is fixed and deployed
    try:
        assert deadletters.replay(amqp_uri, DEAD) == 1
        assert wait_until(lambda: any(name == "poison" for _, name in effects(probe_db)))
        assert queue_depth(broker, DEAD) == 0
    finally:
        probe.FAILING_NAMES.add("poison")


def test_malformed_and_unknown_events_go_straight_to_dead_letters(start_probe, broker, probe_db):
    start_probe()
    publish_raw(broker, b"{not json", content_type="application/json")
    publish_raw(broker, json.dumps({"id": "x", "type": "person.updated"}).encode())
    publish_raw(broker, b"\x00\x01binary", content_type="application/octet-stream")
    publish_person_event(broker, "Frank")
    assert wait_until(lambda: any(name == "Frank" for _, name in effects(probe_db)))
    assert wait_until(lambda: queue_depth(broker, DEAD) == 3)


def test_database_outage_longer_than_the_attempts_budget_does_not_dead_letter(start_probe, broker, probe_db):
    """Three attempts at 100 ms backoff are spent in well under a second; a database that is
    away for three seconds must not turn the events in flight into dead letters."""
    port = probe_db.rsplit("@", 1)[1].split("/", 1)[0].rsplit(":", 1)[1]
    proxy = TcpProxy(target_port=int(port))
    container = None
    try:
        container = start_probe(database_url=probe_db.replace(f":{port}/", f":{proxy.port}/"))
        dead_before = queue_depth(broker, DEAD)  # earlier tests in this module leave theirs
        publish_person_event(broker, "Before")
        assert wait_until(lambda: any(name == "Before" for _, name in effects(probe_db)))
        proxy.cut()
        publish_person_event(broker, "During outage")
        wait_until(lambda: False, timeout=3.0)
        assert queue_depth(broker, DEAD) == dead_before
        proxy.restore()
        assert wait_until(lambda: any(name == "During outage" for _, name in effects(probe_db)), timeout=30)
        assert queue_depth(broker, DEAD) == dead_before
        # a failure of the message itself still has its bounded attempts
        publish_person_event(broker, "poison")
        assert wait_until(lambda: queue_depth(broker, DEAD) == dead_before + 1, timeout=15)
    finally:
        proxy.restore()
        if container is not None:
            container.stop()
        proxy.close()


def test_handler_slower_than_two_heartbeats_runs_once(start_probe, broker, probe_db):
    """RabbitMQ closes a connection that sent nothing for two heartbeat intervals and requeues its
    unacked messages; the consumer must keep sending heartbeats while its handler works."""
    start_probe(amqp_heartbeat=2)
    name = "slow 10"
    publish_person_event(broker, name)
    assert wait_until(lambda: any(n == name for _, n in effects(probe_db)), timeout=30)
    wait_until(lambda: False, timeout=3.0)  # room for a redelivery to show
    assert probe.EXECUTIONS[name] == 1
    publish_person_event(broker, "after the slow one")  # and the consumer still consumes
    assert wait_until(lambda: any(n == "after the slow one" for _, n in effects(probe_db)))


def _timed(name):
    labels = {"service": "probe", "handler": "on_person_updated"}
    return (metrics.REGISTRY.get_sample_value(f"{name}_count", labels) or 0.0,
            metrics.REGISTRY.get_sample_value(f"{name}_sum", labels) or 0.0)


def _handled_ok():
    labels = {"service": "probe", "handler": "on_person_updated", "outcome": "ok"}
    return metrics.REGISTRY.get_sample_value("nabo_events_handled_total", labels) or 0.0


def test_consumers_time_an_event_from_its_commit_to_delivery_and_to_handled(start_probe, broker, probe_db):
    start_probe()
    # an event from no outbox carries no commit time: handled, and not timed
    handled = _handled_ok()
    delivered, finished = _timed("nabo_event_delivery_seconds"), _timed("nabo_event_handled_seconds")
    publish_person_event(broker, "Untimed")
    assert wait_until(lambda: _handled_ok() > handled)
    wait_until(lambda: False, timeout=0.5)
    assert _timed("nabo_event_delivery_seconds") == delivered
    assert _timed("nabo_event_handled_seconds") == finished

    started = time.time()
    write_events(probe_db, ["Timed"])
    assert wait_until(lambda: _timed("nabo_event_handled_seconds")[0] == finished[0] + 1)
    elapsed = time.time() - started
    count, total = _timed("nabo_event_delivery_seconds")
    assert count == delivered[0] + 1
    delivery_seconds = total - delivered[1]
    handled_seconds = _timed("nabo_event_handled_seconds")[1] - finished[1]
    assert 0 < delivery_seconds <= handled_seconds <= elapsed
