"""Fault scenarios against the real services as separate processes.

Each scenario drives load through the gateway, injects a fault, waits until
the system is quiet and classifies every request in the ledger
(tests/faults/ledger.py). Pass: none lost, none duplicated, nothing
unexpected, mails interrupted no more than were in flight at the fault, every
request's outcome one the scenario allows (never a 500), and evidence that the
fault happened. The components run with production's settings
(tests/faults/cluster.py); a scenario about a setting sets it for its own
processes. Figures are recorded for docs/reliability.md, never asserted as
timings (except deadlines, which are functional)."""
import json
import signal
import subprocess
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone

import eventlet
import pika
import psycopg2
import pytest
import requests
from sqlalchemy import insert

from nabo_common.messaging import envelopes
from nabo_common.persistence import db
from services.members import models as members_models
from services.notifications import models as notifications_models
from tests.faults.cluster import ROOT, RPC_TIMEOUT_SECONDS, wait_until
from tests.faults.conftest import record
from tests.faults.ledger import (
    CLIENT_TIMEOUT_SECONDS,
    GUEST_NETWORK,
    RegistrationLoad,
    campaign_mails,
    classify_campaign,
    count_outcomes,
    outcome_of,
    outcomes,
    settle_campaign,
    settle_registrations,
)
from tests.faults.servers import refuses_connections
from tests.support.api import check

ACCEPTED = "201"
REFUSED = "503 Retry-After"  # nothing done, try again shortly
DEADLINE = "504"  # the gateway's deadline passed; the request may or may not have been applied


def assert_clean(name, result):
    assert result["lost"] == 0 and result["duplicated"] == 0 and result["unexpected"] == 0, (
        f"{name}: {result}"
    )


def assert_outcomes(name, loads, *allowed):
    """Every request got one of the outcomes the scenario allows (a 500 never is)."""
    got = outcomes(loads)
    assert set(got) <= set(allowed), f"{name}: outcomes {dict(got)}, allowed {allowed}"


def assert_redeliveries_answer_as_their_first_run(name, regs):
    """A request the broker delivered again after a crash (its first run's ack lost) runs again while its
    caller waits: it answers with its first run's registration (the request's own key, recorded by the
    events service), never 409 "registered already" about itself."""
    assert regs["conflict_with_itself"] == 0, f"{name}: answered 409 about their own registration: {regs}"


def wait_sent(load, n, timeout=60):
    wait_until(lambda: load.sent() >= n, timeout, interval=0.05)


def finish(name, restored, regs, campaign=None, interrupted_at_most=0, **extra):
    """Record the scenario and assert the ledger: nothing lost, duplicated or unexpected, and no more mails
    interrupted than the dispatcher had in flight at the fault (it sends one at a time per process)."""
    recovery = round(time.monotonic() - restored, 1) if restored else None
    lost = regs["lost"] + (campaign["lost"] if campaign else 0)
    duplicated = regs["duplicated"] + (campaign["duplicated"] if campaign else 0)
    unexpected = regs["unexpected"] + (campaign["unexpected"] if campaign else 0)
    interrupted = regs.get("interrupted", 0) + (campaign["interrupted"] if campaign else 0)
    record(
        name,
        requests=regs["requests"] + (1 if campaign else 0),
        accepted=regs["accepted"],
        lost=lost,
        duplicated=duplicated,
        unexpected=unexpected,
        interrupted=interrupted,
        recovery_seconds=recovery,
        registrations=regs,
        campaign=campaign,
        **extra,
    )
    assert_clean(name + " registrations", regs)
    if campaign:
        assert_clean(name + " campaign", campaign)
    assert interrupted <= interrupted_at_most, f"{name}: {interrupted} mails interrupted"


def settle_with_recovery(cluster, sink, event, load, tag):
    """Once the load is done and every process ready again, ten more registrations (the system recovered),
    then the ledger of both settled; the later load and the result."""
    load.wait()
    cluster.wait_ready()
    after = RegistrationLoad(cluster.gateway_url(), event["id"], tag, total=10, concurrency=2)
    after.start().wait()
    return after, settle_registrations(cluster, sink, [load, after])


def durable_canary(cluster):
    """A persistent message, confirmed by the broker, in a durable queue of its own: what a crash of the
    broker must not lose. The queue's name."""
    queue = f"nabo-faults.canary.{uuid.uuid4().hex[:8]}"
    connection = pika.BlockingConnection(pika.URLParameters(cluster.amqp_uri))
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        channel.queue_declare(queue, durable=True)
        channel.basic_publish("", queue, b"canary", pika.BasicProperties(delivery_mode=2))
    finally:
        connection.close()
    return queue


def canary_messages(cluster, queue):
    """Messages left in the canary's queue, which is then deleted."""
    connection = pika.BlockingConnection(pika.URLParameters(cluster.amqp_uri))
    try:
        channel = connection.channel()
        count = channel.queue_declare(queue, passive=True).method.message_count
        channel.queue_delete(queue)
        return count
    finally:
        connection.close()


def publish_raw(cluster, body, routing_key, headers=None, message_id=None, content_type="application/json"):
    """Publish straight to the events exchange (as a buggy or duplicating producer would)."""
    connection = pika.BlockingConnection(pika.URLParameters(cluster.amqp_uri))
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        channel.basic_publish(
            envelopes.EXCHANGE,
            routing_key,
            body,
            pika.BasicProperties(
                content_type=content_type,
                delivery_mode=2,
                message_id=message_id or str(uuid.uuid4()),
                headers=headers or {},
            ),
        )
    finally:
        connection.close()


def test_1_broker_crash_and_restart_mid_load(cluster, world, sink):
    """RabbitMQ itself crashes (SIGKILL of its Erlang VM) while registrations come in and a campaign goes
    out, and is started again on the same data dir after a 5 s outage."""
    event = world.event()
    campaign = world.campaign()
    canary = durable_canary(cluster)
    load = RegistrationLoad(
        cluster.gateway_url(), event["id"], "s1", total=300, concurrency=3, pause=0.2
    ).start()
    wait_sent(load, 40)
    world.send(campaign)
    assert wait_until(lambda: campaign_mails(sink, campaign["subject"]), 60, interval=0.02)
    node_before = cluster.rabbitmq.pid
    crashed = time.monotonic()
    cluster.rabbitmq.kill9()
    mails_at_crash = len(campaign_mails(sink, campaign["subject"]))
    refused = refuses_connections(cluster.rabbitmq.port)
    time.sleep(5)  # the outage: the load goes on
    cluster.rabbitmq.start()
    restored = time.monotonic()
    after, regs = settle_with_recovery(cluster, sink, event, load, "s1b")
    mails = settle_campaign(cluster, sink, campaign, world.recipients)
    during = load.between(crashed, restored)
    canary_left = canary_messages(cluster, canary)
    finish(
        "1. RabbitMQ crashed (kill -9) and restarted mid-load (registrations + campaign)",
        restored,
        regs,
        mails,
        sent_at_crash=mails_at_crash,
        answered_during_outage=dict(count_outcomes(during)),
        durable_message_kept=canary_left == 1,
    )
    # the fault happened: the broker was down, a new node process came up, callers saw it
    assert refused and cluster.rabbitmq.pid not in (None, node_before)
    assert 0 < mails_at_crash < len(world.recipients), "the campaign was not going out at the crash"
    assert any(r["outcome"] != ACCEPTED for r in during), "no request met the outage"
    assert canary_left == 1, "a persistent message in a durable queue did not survive the crash"
    assert_outcomes("1.", [load], ACCEPTED, REFUSED, DEADLINE)
    assert_redeliveries_answer_as_their_first_run("1.", regs)
    assert_outcomes("1. after the restart", [after], ACCEPTED)
    assert all(p.alive for p in cluster.all()), "a process died from the broker crash"


def test_2_kill9_after_commit_and_while_handling(cluster, world, sink):
    event = world.event()
    load = RegistrationLoad(
        cluster.gateway_url(), event["id"], "s2", total=150, concurrency=4, pause=0.05
    ).start()
    wait_sent(load, 40)
    events_proc = cluster.first("events")
    events_pid = events_proc.popen.pid
    events_proc.kill9()
    sent_at_kill = load.sent()
    pending_at_kill = cluster.outbox_backlog()["events"]
    time.sleep(1)
    events_proc.start()
    wait_sent(load, 90)
    notifications = cluster.first("notifications")
    notifications_pid = notifications.popen.pid
    notifications.kill9()
    time.sleep(1)
    notifications.start()
    restored = time.monotonic()
    load.wait()
    cluster.wait_ready()
    regs = settle_registrations(cluster, sink, [load])
    finish(
        "2. kill -9 events after commit, then notifications mid-handling",
        restored,
        regs,
        interrupted_at_most=1,  # the confirmation on the wire when notifications was killed
        outbox_pending_at_kill=pending_at_kill,
    )
    assert sent_at_kill < load.total and events_pid != events_proc.popen.pid
    assert notifications_pid != notifications.popen.pid
    # requests wait in the durable RPC queue while events restarts; the ones it was handling when killed
    # are delivered again: 201 (their first run's, when it had committed), 504 if the restart outlasts
    # the deadline
    assert_outcomes("2.", [load], ACCEPTED, DEADLINE)
    assert_redeliveries_answer_as_their_first_run("2.", regs)


def test_3_consumer_down_producers_continue(cluster, world, sink):
    event = world.event()
    notifications = cluster.first("notifications")
    notifications.stop()
    load = RegistrationLoad(cluster.gateway_url(), event["id"], "s3", total=60, concurrency=4).start().wait()
    assert len(load.accepted()) == 60, "producers must keep working while a consumer is down"
    queued = len(load.accepted())
    # the confirmations wait in notifications' durable queue (their relay has published them by now)
    waiting = wait_until(lambda: (n := cluster.events_waiting()) >= queued and n, 30)
    notifications.start()
    cluster.wait_ready([notifications])
    restored = time.monotonic()
    regs = settle_registrations(cluster, sink, [load])
    finish(
        "3. notifications down while registrations continue; catches up",
        restored,
        regs,
        events_waiting=waiting,
    )
    assert waiting >= queued, "the confirmations did not wait for the stopped consumer"
    assert_outcomes("3.", [load], ACCEPTED)


def test_4_duplicate_delivery_and_cut_mid_handler(cluster, world, sink):
    event = world.event()
    load = RegistrationLoad(cluster.gateway_url(), event["id"], "s4", total=20, concurrency=4).start().wait()
    settle_registrations(cluster, sink, [load])
    rows = cluster.query(
        "events",
        "SELECT envelope, headers FROM outbox_events WHERE event_type = "
        "'registration.confirmed' AND envelope->'data'->>'event_id' = %s",
        (event["id"],),
    )
    assert len(rows) == 20
    # the same events, 25 times each, with the broker connection cut while handlers run
    for round_ in range(25):
        for envelope, headers in rows:
            publish_raw(
                cluster,
                json.dumps(envelope).encode(),
                "registration.confirmed",
                headers=headers,
                message_id=envelope["id"],
            )
        if round_ == 12:
            dropped = cluster.broker.cut()
            time.sleep(2)
            cluster.broker.restore()
    restored = time.monotonic()
    time.sleep(3)
    regs = settle_registrations(cluster, sink, [load])
    handled = {
        consumer: n
        for consumer, n in cluster.query(
            "notifications",
            "SELECT consumer, count(*) FROM processed_events WHERE event_id = ANY(%s) GROUP BY 1",
            ([e["id"] for e, _ in rows],),
        )
    }
    finish(
        "4. each event delivered 25 more times, network cut (proxy, broker running) mid-handler",
        restored,
        regs,
        duplicate_publishes=25 * len(rows),
        processed_event_rows=handled,
        connections_cut=dropped,
    )
    assert handled == {"notifications.on_calendar_activity": 20}
    assert dropped > 0, "the cut dropped no broker connection"
    assert_outcomes("4.", [load], ACCEPTED)


def _cli(cluster, *args):
    env = dict(cluster.env("gateway", 0))
    env["AMQP_URI"] = cluster.amqp_uri
    out = subprocess.run(
        [sys.executable, "-m", "nabo_common.cli", "deadletters", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_5_poison_events_dead_letter_and_replay(cluster, world, sink):
    dead_queue = "nabo.notifications.on_calendar_activity.dead"
    notifications = cluster.first("notifications")
    cpu_before, t0 = notifications.cpu_seconds(), time.monotonic()
    draft = check(
        world.tenant.admin.post(
            "/v1/events",
            {
                "title": "Not yet published",
                "format": "online",
                "languages": ["en"],
                "time_zone": "Europe/Copenhagen",
                "starts_at": (datetime.now(timezone.utc) + timedelta(days=30))
                .replace(microsecond=0)
                .isoformat(),
                "ends_at": (datetime.now(timezone.utc) + timedelta(days=30, hours=1))
                .replace(microsecond=0)
                .isoformat(),
                "join_url": "https://meet.example/later",
            },
        ),
        201,
    )
    poison_email = f"poison-{uuid.uuid4().hex[:6]}@faults.test"
    # 1. not JSON, 2. an envelope that fails its schema, 3. a valid event the handler cannot apply yet
    poison_ids = {str(uuid.uuid4()), str(uuid.uuid4())}
    first, second = sorted(poison_ids)
    publish_raw(cluster, b"{not json", "registration.confirmed", message_id=first)
    publish_raw(
        cluster,
        json.dumps({"id": second, "type": "registration.confirmed", "data": {"bogus": 1}}).encode(),
        "registration.confirmed",
        message_id=second,
    )
    behind = envelopes.build(
        "registration.confirmed",
        {
            "registration_id": str(uuid.uuid4()),
            "event_id": draft["id"],
            "association_ids": [world.tenant.id],
            "person_id": None,
            "name": "Poison Guest",
            "email": poison_email,
            "language": "en",
            "status": "confirmed",
            "source_channel": "other",
            "campaign_code": None,
            "title": "Not yet published",
            "starts_at": draft["starts_at"],
            "time_zone": "Europe/Copenhagen",
            "join_url": None,
            "ics": None,
        },
        association_id=world.tenant.id,
    )
    publish_raw(cluster, json.dumps(behind).encode(), "registration.confirmed", message_id=behind["id"])
    # the queue behind them keeps flowing
    event = world.event()
    load = RegistrationLoad(cluster.gateway_url(), event["id"], "s5", total=40, concurrency=4).start().wait()
    regs = settle_registrations(cluster, sink, [load])
    ours = {behind["id"]}

    def our_dead():
        messages = json.loads(_cli(cluster, "show", dead_queue, "--limit", "200") or "[]")
        mine = [m for m in messages if m["message_id"] in poison_ids or m["message_id"] in ours]
        return mine if len(mine) == 3 else None

    dead = wait_until(our_dead, 90, interval=1)  # the handler failure: 5 attempts, 1+2+4+8 s apart
    cpu = (notifications.cpu_seconds() - cpu_before) / (time.monotonic() - t0)
    assert dead, _cli(cluster, "list")
    attempts = sorted(m["attempts"] for m in dead)
    assert attempts == [1, 1, 5], attempts  # malformed at once, the handler failure after bounded retries
    assert not sink.to(poison_email)
    # the fix: the read model catches up (the event is published); then replay
    check(world.tenant.admin.post(f"/v1/events/{draft['id']}/transitions", {"to": "published"}), 200)
    wait_until(
        lambda: cluster.query("notifications", "SELECT 1 FROM calendar_events WHERE id = %s", (draft["id"],)),
        30,
    )
    replay_started = time.monotonic()
    assert "replayed" in _cli(cluster, "replay", dead_queue)
    delivered = sink.wait_for(1, timeout=30, where=lambda m: poison_email in m["to"])
    recovery = time.monotonic() - replay_started
    time.sleep(2)
    redead = [
        m
        for m in json.loads(_cli(cluster, "show", dead_queue, "--limit", "200") or "[]")
        if m["message_id"] in poison_ids | ours
    ]
    record(
        "5. poison events: dead-lettered, queue flows, replay after fix",
        requests=regs["requests"] + 3,
        accepted=regs["accepted"],
        lost=regs["lost"] + (0 if delivered else 1),
        duplicated=regs["duplicated"] + (1 if len(sink.to(poison_email)) > 1 else 0),
        unexpected=regs["unexpected"],
        recovery_seconds=round(recovery, 1),
        notifications_cpu_share=round(cpu, 2),
        dead_after_replay=len(redead),
    )
    assert_clean("registrations behind the poison", regs)
    assert_outcomes("5.", [load], ACCEPTED)
    assert len(sink.to(poison_email)) == 1
    assert len(redead) == 2  # the truly malformed ones die again; nothing spins
    assert cpu < 0.8, f"notifications used {cpu:.0%} of a core while poison was retried"


def test_6_stopped_service_answers_within_deadline(cluster, world, sink):
    """Production's gateway deadline (RPC_TIMEOUT_SECONDS=30): a caller of a hung service waits that long
    for its 504."""
    event = world.event()
    events_proc = cluster.first("events")
    events_proc.signal(signal.SIGSTOP)
    read = {}

    def read_event():
        started = time.monotonic()
        read["response"] = requests.get(f"{cluster.gateway_url()}/v1/events/{event['id']}", timeout=60)
        read["seconds"] = time.monotonic() - started

    reader = eventlet.spawn(read_event)
    load = RegistrationLoad(cluster.gateway_url(), event["id"], "s6", total=4, concurrency=4).start().wait()
    reader.wait()
    slowest = max(r["seconds"] for r in load.requests)
    assert_outcomes("6. while stopped", [load], REFUSED, DEADLINE)
    assert read["response"].status_code in (503, 504)
    assert read["response"].headers["content-type"] == "application/problem+json"
    # answered by the deadline (plus the gateway's own work on a busy machine), none hangs beyond it
    assert max(slowest, read["seconds"]) < RPC_TIMEOUT_SECONDS + 10
    events_proc.signal(signal.SIGCONT)
    resumed = time.monotonic()
    ok = wait_until(
        lambda: (
            requests.get(f"{cluster.gateway_url()}/v1/events/{event['id']}", timeout=60).status_code == 200
        ),
        60,
    )
    recovery = time.monotonic() - resumed
    assert ok
    after = (
        RegistrationLoad(cluster.gateway_url(), event["id"], "s6b", total=10, concurrency=2).start().wait()
    )
    regs = settle_registrations(cluster, sink, [load, after])
    finish(
        "6. events SIGSTOPped: gateway answers 503/504 at its 30 s deadline, recovers on SIGCONT",
        resumed,
        regs,
        slowest_answer_seconds=round(max(slowest, read["seconds"]), 1),
        recovered_after_seconds=round(recovery, 1),
    )
    assert regs["refused_applied"] == 0, "a request that expired at its deadline was acted on later"
    assert_outcomes("6. after SIGCONT", [after], ACCEPTED)


def test_7_three_replicas_of_every_service(cluster, world, sink):
    for component in ("members", "events", "notifications", "ideas"):
        for _ in range(2):
            cluster.start(component, wait=False)
    cluster.wait_ready(timeout=120)
    start = (datetime.now(timezone.utc) + timedelta(minutes=1, seconds=20)).replace(microsecond=0)
    reminder_event = world.event(
        starts_at=start.isoformat(), ends_at=(start + timedelta(hours=1)).isoformat(), reminder_offsets=[1]
    )
    event = world.event()
    campaign = world.campaign()
    load = RegistrationLoad(cluster.gateway_url(), event["id"], "s7", total=120, concurrency=4).start()
    reminded = RegistrationLoad(cluster.gateway_url(), reminder_event["id"], "s7r", total=10, concurrency=2)
    reminded.start().wait()
    world.send(campaign)
    load.wait()
    regs = settle_registrations(cluster, sink, [load])
    mails = settle_campaign(cluster, sink, campaign, world.recipients)
    # the reminder falls due ~20 s after start; each registrant: confirmation + exactly one reminder
    emails = [r["email"] for r in reminded.accepted()]
    wait_until(lambda: all(len(sink.to(e)) >= 2 for e in emails), 90, interval=1)
    time.sleep(3)
    reminder_counts = [len(sink.to(e)) - 1 for e in emails]
    sent_reminders = cluster.query(
        "events",
        "SELECT count(*) FROM reminders WHERE event_id = %s AND sent_at IS NOT NULL",
        (reminder_event["id"],),
    )[0][0]
    outbox_rows = cluster.query("events", "SELECT count(*) FROM outbox_events")[0][0]
    published = sum(p.metric("nabo_outbox_published_total") for p in cluster.running("events"))
    finish(
        "7. three replicas of every service",
        None,
        regs,
        mails,
        reminder_mails={
            "registrants": len(emails),
            "once": reminder_counts.count(1),
            "twice_or_more": sum(1 for n in reminder_counts if n > 1),
        },
        reminders_sent=sent_reminders,
    )
    assert reminder_counts == [1] * len(emails), reminder_counts
    assert_outcomes("7.", [load, reminded], ACCEPTED)
    assert sent_reminders == 1
    assert published <= outbox_rows


def test_8_postgres_crash_and_restart_mid_load(cluster, world, sink):
    """PostgreSQL itself crashes (``pg_ctl stop -m immediate``: no checkpoint, fsync on) while registrations
    come in, and is started again after a 5 s outage, recovering from its write-ahead log."""
    event = world.event()
    load = RegistrationLoad(
        cluster.gateway_url(), event["id"], "s8", total=150, concurrency=3, pause=0.3
    ).start()
    wait_sent(load, 40)
    server_before = cluster.postgres.pid
    crashed = time.monotonic()
    cluster.postgres.crash()
    refused = refuses_connections(cluster.postgres.port)
    time.sleep(5)  # the outage: the load goes on
    cluster.postgres.start()
    restored = time.monotonic()
    load.wait()
    regs = settle_registrations(cluster, sink, [load])
    slowest = max(r["seconds"] for r in load.requests)
    during = load.between(crashed, restored)
    finish(
        "8. PostgreSQL crashed (immediate stop) and restarted mid-load",
        restored,
        regs,
        interrupted_at_most=1,  # a confirmation on the wire when the database went away
        slowest_answer_seconds=round(slowest, 1),
        answered_during_outage=dict(count_outcomes(during)),
    )
    # the fault happened: the database was down, a new server came up, callers saw it
    assert refused and cluster.postgres.pid not in (None, server_before)
    assert any(r["outcome"] == REFUSED for r in during), "no request met the outage"
    # refused at once and cleanly (the ledger found none half applied), none waited for the deadline
    assert_outcomes("8.", [load], ACCEPTED, REFUSED)
    ready = wait_until(lambda: all(p.ready() for p in cluster.all()), 30)
    assert ready, "services did not reconnect to the database"
    after = RegistrationLoad(cluster.gateway_url(), event["id"], "s8b", total=10).start().wait()
    assert_outcomes("8. after the restart", [after], ACCEPTED)


def test_9_slow_handler_longer_than_two_heartbeats(cluster, world, sink):
    """The heartbeat is what this scenario is about: at production's 60 s, two intervals would take two
    minutes, so the notifications process it restarts runs with AMQP_HEARTBEAT_SECONDS=2 (RabbitMQ drops
    a connection silent for two intervals, 4 s) and its handlers are held for 7 s."""
    notifications = cluster.first("notifications")
    notifications.env["AMQP_HEARTBEAT_SECONDS"] = "2"
    cluster.restart(notifications)
    try:
        _slow_handlers(cluster, world, sink, notifications)
    finally:
        del notifications.env["AMQP_HEARTBEAT_SECONDS"]
        cluster.restart(notifications)


def _slow_handlers(cluster, world, sink, notifications):
    event = world.event()
    # the counts below are this scenario's alone: no event of an earlier one still waiting, and the
    # event.published above counted (its handler commits just before its count goes up)
    assert wait_until(lambda: cluster.events_waiting() == 0, 60), (
        "events of an earlier scenario still waiting"
    )
    time.sleep(0.5)
    labels = {"handler": "on_calendar_activity"}
    ok_before = notifications.metric("nabo_events_handled_total", outcome="ok", **labels)
    retry_before = notifications.metric("nabo_events_handled_total", outcome="retry", **labels)
    url = cluster.direct_urls["notifications"].replace("postgresql+psycopg2://", "postgresql://")

    lock = psycopg2.connect(url)
    with lock.cursor() as cur:
        cur.execute(
            "LOCK TABLE deliveries IN ACCESS EXCLUSIVE MODE"
        )  # every handler now waits on the database
    load = RegistrationLoad(cluster.gateway_url(), event["id"], "s9", total=10, concurrency=2).start().wait()
    # the fault happened: handlers are waiting for the lock
    waiting = wait_until(
        lambda: cluster.query(
            "notifications",
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = "
            "'Lock'",
        )[0][0],
        20,
    )
    time.sleep(7)  # heartbeat 2 s: the handlers run for more than three intervals
    lock.rollback()
    lock.close()
    released = time.monotonic()
    regs = settle_registrations(cluster, sink, [load])
    ok = notifications.metric("nabo_events_handled_total", outcome="ok", **labels) - ok_before
    retried = notifications.metric("nabo_events_handled_total", outcome="retry", **labels) - retry_before
    finish(
        "9. handler slower than two heartbeats (heartbeat 2 s for this scenario)",
        released,
        regs,
        handled_ok=ok,
        retried=retried,
        handlers_waiting_on_the_lock=waiting,
    )
    assert waiting, "no handler waited on the locked table"
    assert (ok, retried) == (10, 0), "an event was executed twice or retried"
    assert_outcomes("9.", [load], ACCEPTED)


def test_12_silent_partition_longer_than_two_heartbeats(cluster, world, sink):
    """The network to RabbitMQ goes silent (the proxy holds every byte and closes nothing) for longer than
    two heartbeats, then comes back. Only heartbeats notice a silent peer, and at production's 60 s that
    takes two minutes, so for this scenario every process runs with AMQP_HEARTBEAT_SECONDS=5 (within
    what RabbitMQ advises, 5 to 20 s) and the silence lasts 15 s."""
    processes = cluster.all()
    for process in processes:
        process.env["AMQP_HEARTBEAT_SECONDS"] = "5"
    _restart_together(cluster, processes)
    try:
        _silent_partition(cluster, world, sink)
    finally:
        for process in processes:
            del process.env["AMQP_HEARTBEAT_SECONDS"]
        _restart_together(cluster, processes)


def _restart_together(cluster, processes):
    for process in processes:
        process.stop()
    for process in processes:
        process.start()
    cluster.wait_ready(processes, timeout=120)


def _silent_partition(cluster, world, sink):
    event = world.event()
    load = RegistrationLoad(
        cluster.gateway_url(), event["id"], "s12", total=100, concurrency=2, pause=0.25
    ).start()
    wait_sent(load, 20)
    missed_before = cluster.rabbitmq.logged("missed heartbeats")
    cluster.broker.freeze()
    time.sleep(15)  # three heartbeat intervals of silence
    cluster.broker.thaw()
    thawed = time.monotonic()
    after, regs = settle_with_recovery(cluster, sink, event, load, "s12b")
    # the requests in flight when the link came back: they waited through the silence
    held = [r for r in load.requests if r["sent_at"] < thawed <= r["sent_at"] + r["seconds"]]
    missed = cluster.rabbitmq.logged("missed heartbeats") - missed_before
    finish(
        "12. silent network partition to RabbitMQ (proxy frozen 15 s; heartbeat 5 s for this scenario)",
        thawed,
        regs,
        answered_after_waiting_through_the_partition=dict(count_outcomes(held)),
        longest_wait_seconds=round(max(r["seconds"] for r in load.requests), 1),
        connections_rabbitmq_closed_for_missed_heartbeats=missed,
    )
    # the fault happened: RabbitMQ gave up on silent connections, callers were held by the partition
    assert missed > 0, "RabbitMQ noticed no missed heartbeat"
    assert held, "no request met the partition"
    assert_outcomes("12.", [load], ACCEPTED, REFUSED, DEADLINE)
    assert_redeliveries_answer_as_their_first_run("12.", regs)
    assert_outcomes("12. after the partition", [after], ACCEPTED)
    assert all(p.alive for p in cluster.all()), "a process died from the partition"


def test_10_kill9_notifications_mid_campaign_with_the_default_lease(cluster, world, sink):
    """No DELIVERY_LEASE_SECONDS in the environment: the restarted process takes the killed one's
    claimed rows over once their (unrenewed) lease has run out. The send rate is this scenario's setting:
    at production's 20/s the 25 recipients take about a second, too short to be killed in the middle."""
    send_rate = 5  # 25 recipients: 5 s of sending, long enough to be killed in the middle
    pacing = len(world.recipients) / send_rate
    notifications = cluster.first("notifications")
    assert "DELIVERY_LEASE_SECONDS" not in notifications.env
    notifications.env["NOTIFICATIONS_CAMPAIGN_SEND_RATE"] = str(send_rate)
    cluster.restart(notifications)
    campaign = world.campaign()
    world.send(campaign)
    assert wait_until(lambda: len(campaign_mails(sink, campaign["subject"])) >= 5, 30, interval=0.05)
    notifications.kill9()
    sent_at_kill = len(campaign_mails(sink, campaign["subject"]))
    assert sent_at_kill < len(world.recipients), "the campaign was not going out at the kill"
    time.sleep(1)
    notifications.start()
    restarted = time.monotonic()

    def everyone_served():
        result = classify_campaign(cluster, sink, campaign, world.recipients)
        return result["delivered"] + result["duplicated"] + result["interrupted"] == len(world.recipients)

    try:
        everyone = wait_until(everyone_served, 15 + pacing, interval=0.2)
        last_mail_after_restart = round(time.monotonic() - restarted, 1)
        cluster.wait_ready([notifications])
        mails = settle_campaign(cluster, sink, campaign, world.recipients)
    finally:
        del notifications.env["NOTIFICATIONS_CAMPAIGN_SEND_RATE"]
        cluster.restart(notifications)
    finish(
        "10. kill -9 notifications mid-campaign, default lease",
        restarted,
        {"requests": 0, "accepted": 0, "lost": 0, "duplicated": 0, "unexpected": 0},
        mails,
        interrupted_at_most=1,  # at most once for the message on the wire at the kill: interrupted, not sent
        sent_at_kill=sent_at_kill,
        last_mail_after_restart_seconds=last_mail_after_restart,
        send_attempts=world.sends[campaign["id"]],
    )
    assert everyone, f"mail still missing {15 + pacing:.0f} s after the restart: {mails}"


def test_11_kill9_events_while_clients_retry_with_idempotency_keys(cluster, world, sink):
    """Guests register, each with an Idempotency-Key of its own. First the event's row is locked longer
    than the gateway's deadline, so registrations commit after their callers were answered 504; then the
    events service is stopped and killed -9 under them. A client answered 503/504 (or 409 "in use", or
    with a dropped connection) retries with its key until it gets an answer: every client ends with
    exactly one registration, the one it was answered with, whether an earlier attempt was lost, rolled
    back or committed without its answer."""
    from types import SimpleNamespace

    event = world.event()
    url = f"{cluster.gateway_url()}/v1/events/{event['id']}/registrations"
    # paced so that registrations are still flowing through both faults (about 12 s besides the lock)
    clients, concurrency, pause, patience = 200, 6, 0.3, 240
    retried_statuses = {503, 504}
    first_guest = uuid.uuid4().int % (GUEST_NETWORK.num_addresses - clients)

    def client(n):
        email = f"s11-{n}-{uuid.uuid4().hex[:6]}@faults.test"
        # outcome: what the client finally got (each attempt's is in attempts)
        entry = {"email": email, "status": None, "outcome": "gave up", "id": None, "attempts": [],
                 "replayed": False}
        key, body = str(uuid.uuid4()), {"name": f"Guest {n}", "email": email, "language": "en"}
        address = str(GUEST_NETWORK[first_guest + n])  # a guest of its own for the rate limits
        gave_up_at = time.monotonic() + patience
        while time.monotonic() < gave_up_at:
            # each attempt's own request id: the outbox row names the attempt that committed
            request_id = f"s11-{n}-{len(entry['attempts'])}-{uuid.uuid4().hex[:8]}"
            started = time.time()
            try:
                r = requests.post(
                    url,
                    json=body,
                    headers={"Idempotency-Key": key, "X-Request-ID": request_id, "X-Forwarded-For": address},
                    timeout=CLIENT_TIMEOUT_SECONDS,
                )
            except requests.RequestException as exc:
                entry["attempts"].append((type(exc).__name__, started, time.time()))
                time.sleep(0.5)
                continue
            entry["attempts"].append((r.status_code, started, time.time()))
            in_use = r.status_code == 409 and r.json().get("title") == "Idempotency key in use"
            if r.status_code in retried_statuses or in_use:
                time.sleep(float(r.headers.get("Retry-After", "0.5")) if in_use else 0.5)
                continue
            entry.update(
                status=r.status_code, outcome=outcome_of(r), request_id=request_id,
                replayed=r.headers.get("Idempotent-Replayed") == "true",
            )
            if r.status_code == 201:
                entry["id"] = r.json()["id"]
            time.sleep(pause)
            return entry
        return entry

    load = SimpleNamespace(event_id=event["id"], tag="s11", requests=[])

    def run():
        for entry in eventlet.GreenPool(concurrency).imap(client, range(clients)):
            load.requests.append(entry)

    runner = eventlet.spawn(run)
    time.sleep(1.0)  # registrations are flowing
    # 1. the event locked past the gateway's deadline: the registrations waiting on it commit after their 504
    lock = psycopg2.connect(cluster.direct_urls["events"].replace("postgresql+psycopg2://", "postgresql://"))
    try:
        with lock.cursor() as cursor:
            cursor.execute("SELECT id FROM events WHERE id = %s FOR UPDATE", (event["id"],))
        time.sleep(RPC_TIMEOUT_SECONDS + 3)
    finally:
        lock.rollback()
        lock.close()
    time.sleep(0.3)
    # 2. events stopped with requests in flight, then killed
    events_proc = cluster.first("events")
    events_proc.signal(signal.SIGSTOP)
    time.sleep(2)
    killed_at = time.time()
    events_proc.kill9()
    time.sleep(1)
    events_proc.start()
    restored = time.monotonic()
    with eventlet.Timeout(patience + 60):
        runner.wait()
    cluster.wait_ready()
    regs = settle_registrations(cluster, sink, [load])
    rows = {
        email: (count, first_id)
        for email, count, first_id in cluster.query(
            "events",
            "SELECT email, count(*), min(id) FROM registrations WHERE event_id = %s GROUP BY email",
            (event["id"],),
        )
    }
    committed_by = dict(
        cluster.query(
            "events",
            "SELECT envelope->'data'->>'registration_id', headers->>'nameko.nabo_request_id' "
            "FROM outbox_events WHERE envelope->'data'->>'event_id' = %s "
            "AND event_type IN ('registration.confirmed', 'registration.waitlisted')",
            (event["id"],),
        )
    )
    entries = load.requests
    retried = [e for e in entries if len(e["attempts"]) > 1]
    # answered with the registration an earlier attempt committed, whose own answer was a 504
    from_earlier_commit = [e for e in retried if committed_by.get(e["id"]) not in (None, e["request_id"])]
    statuses = {}
    for e in entries:
        for status, _started, _finished in e["attempts"]:
            statuses[str(status)] = statuses.get(str(status), 0) + 1
    # attempts in flight at the kill: their RPC requests, unacknowledged, are delivered again to the
    # restarted process (or expire at their deadline)
    hit_by_the_kill = sum(
        started <= killed_at <= finished for e in entries for _status, started, finished in e["attempts"]
    )
    finish(
        "11. event locked past the deadline, then kill -9 events, clients retrying with Idempotency-Key",
        restored,
        regs,
        clients=clients,
        clients_retried=len(retried),
        attempts=sum(len(e["attempts"]) for e in entries),
        attempt_statuses=statuses,
        replayed_by_gateway=sum(e["replayed"] for e in entries),
        answered_from_an_earlier_commit=len(from_earlier_commit),
        attempts_hit_by_the_kill=hit_by_the_kill,
        without_registration=sum(e["email"] not in rows for e in entries),
        with_two_or_more=sum(rows.get(e["email"], (0,))[0] > 1 for e in entries),
    )
    assert len(entries) == clients
    assert [e for e in entries if e["status"] != 201] == [], "a client never got its registration"
    for e in entries:
        count, first_id = rows[e["email"]]
        assert count == 1 and first_id == e["id"], (e, rows[e["email"]])
    assert from_earlier_commit, "no retry met a registration committed after its 504: the case went untested"
    assert hit_by_the_kill, "the kill hit no request: the case went untested"


NETWORK_MEMBERS = 5000  # a large network, as docs/conversations.md and benchmarks/conversations.py size it


def _seed_network_members(cluster, network_id, association_id, count, tag):
    """``count`` members of the network straight in the members database and, as their person and
    network events would have left it, in the notifications read model, each hearing every post at once;
    ``{address: person id}``. Through the API, 5,000 people and their joins would take longer than the
    rest of the suite."""
    now = datetime.now(timezone.utc)
    people = [(str(uuid.uuid4()), f"member-{i}-{tag}@faults.test", ("en", "da", "de", "nl", "sv")[i % 5])
              for i in range(count)]
    rows = {
        "members": [
            (members_models.Person.__table__, [dict(
                id=pid, home_association_id=association_id, name=f"Member {i}", email=email, language=lang,
                password_hash=None, is_platform_admin=False, created_at=now, updated_at=now)
                for i, (pid, email, lang) in enumerate(people)]),
            (members_models.NetworkMember.__table__, [dict(
                id=str(uuid.uuid4()), network_id=network_id, person_id=pid, role="member", status="active",
                created_at=now, joined_at=now) for pid, _, _ in people]),
        ],
        "notifications": [
            (notifications_models.Contact.__table__, [dict(
                person_id=pid, name=f"Member {i}", email=email, language=lang,
                home_association_id=association_id, admin_of=[], erased=False, updated_at=now)
                for i, (pid, email, lang) in enumerate(people)]),
            (notifications_models.NetworkMember.__table__, [dict(network_id=network_id, person_id=pid)
                                                     for pid, _, _ in people]),
            (notifications_models.NetworkPreference.__table__, [dict(
                person_id=pid, network_id=network_id, mode="every_post", updated_at=now)
                for pid, _, _ in people]),
        ],
    }
    for service, tables in rows.items():
        engine = db.make_engine(cluster.direct_urls[service])
        try:
            with engine.begin() as conn:
                for table, values in tables:
                    for start in range(0, len(values), 1000):
                        conn.execute(insert(table), values[start:start + 1000])
        finally:
            engine.dispose()
    return {email: pid for pid, email, _ in people}


def _mails_to(sink, recipients):
    """Mails per address of ``recipients`` (people seeded for one scenario: whatever reaches them is its)."""
    counts = {}
    for message in sink.snapshot():
        for address in message["to"]:
            if address in recipients:
                counts[address] = counts.get(address, 0) + 1
    return counts


def _writing_a_long_transaction(cluster):
    """A connection of the notifications service holding a transaction that has written and has been open
    for over a second: the handler of a post writing its thousands of notifications."""
    database = cluster.direct_urls["notifications"].rsplit("/", 1)[1]
    return cluster.query("notifications", "SELECT count(*) FROM pg_stat_activity WHERE datname = %s "
                         "AND backend_xid IS NOT NULL AND xact_start < now() - interval '1 second'",
                         (database,))[0][0]


@pytest.mark.timeout(900)
def test_13_kill9_notifications_while_a_post_reaches_a_large_network(cluster, world, sink):
    """A new thread in a network of 5,000 members who each hear every post. Notifications is killed with
    SIGKILL twice: while it writes the post's notifications (the one transaction that handles
    ``post.created``; the event is delivered again and written once: an outsider never sees a part of
    them), and again while the mails are going out. Every member gets one mail (but at most the one on
    the wire at the second kill, marked interrupted) and one inbox item."""
    tag = uuid.uuid4().hex[:8]
    admin = world.tenant.admin
    network = check(admin.post("/v1/networks", {
        "name": {"en": f"Harbour network {tag}"}, "association_ids": [world.tenant.id],
        "visibility": "public", "join_policy": "open"}), 201)
    members = _seed_network_members(cluster, network["id"], world.tenant.id, NETWORK_MEMBERS, tag)
    title = f"Who rents a crane in May {tag}"
    notifications = cluster.first("notifications")
    pids = [notifications.popen.pid]
    thread = check(admin.post(f"/v1/networks/{network['id']}/threads", {
        "kind": "question", "title": title, "body": "For two days at the old quay."}), 201)
    link = f"/v1/threads/{thread['id']}"
    rows = ("SELECT count(*) FROM deliveries d JOIN inbox_items i ON i.cause_id = d.cause_id "
            "AND i.person_id = d.person_id WHERE i.link = %s AND d.channel = 'email'")
    seen = set()  # the counts of queued mails an outsider saw

    def queued():
        seen.add(cluster.query("notifications", rows, (link,))[0][0])
        return seen

    # first kill: in the middle of the transaction that writes the post's notifications
    killed_while_writing = wait_until(lambda: _writing_a_long_transaction(cluster) and queued() == {0}, 60,
                                      interval=0.1)
    notifications.kill9()
    time.sleep(1)
    notifications.start()
    pids.append(notifications.popen.pid)

    def mails_out(n):
        queued()
        return len(_mails_to(sink, members)) >= n

    assert wait_until(lambda: mails_out(NETWORK_MEMBERS // 5), 300, interval=0.5), (
        f"mail to the network did not start: {len(_mails_to(sink, members))} out")
    # second kill: while the mails are going out
    notifications.kill9()
    sent_at_kill = len(_mails_to(sink, members))
    time.sleep(1)
    notifications.start()
    pids.append(notifications.popen.pid)
    restarted = time.monotonic()

    def classified():
        counts = _mails_to(sink, members)
        interrupted = {email for (email,) in cluster.query(
            "notifications",
            "SELECT d.email FROM deliveries d JOIN inbox_items i ON i.cause_id = d.cause_id "
            "AND i.person_id = d.person_id WHERE i.link = %s AND d.channel = 'email' AND d.status = 'failed' "
            "AND d.last_error LIKE %s", (link, "interrupted%"))}
        result = {"recipients": len(members), "delivered": 0, "lost": 0, "duplicated": 0, "interrupted": 0,
                  "unexpected": 0, "what": "mails to the network"}
        for email in members:
            n = counts.get(email, 0)
            key = "delivered" if n == 1 else "duplicated" if n > 1 else (
                "interrupted" if email in interrupted else "lost")
            result[key] += 1
        return result

    everyone = wait_until(lambda: classified()["lost"] == 0, 600, interval=2.0)
    cluster.wait_ready([notifications])
    time.sleep(2.0)  # a grace for late duplicates
    mails = classified()
    inbox = dict(cluster.query(
        "notifications", "SELECT person_id, count(*) FROM inbox_items WHERE link = %s GROUP BY person_id",
        (link,)))
    inbox_counts = {"once": sum(1 for pid in members.values() if inbox.get(pid) == 1),
                    "missing": sum(1 for pid in members.values() if pid not in inbox),
                    "twice_or_more": sum(1 for n in inbox.values() if n > 1)}
    finish(
        f"13. kill -9 notifications while a post to {NETWORK_MEMBERS:,} members is queued, then mid-sending",
        restarted,
        {"requests": 0, "accepted": 1, "lost": 0, "duplicated": 0, "unexpected": 0},  # the post
        mails,
        interrupted_at_most=1,  # the mail on the wire at the second kill: interrupted, not sent again
        killed_while_queueing=bool(killed_while_writing),
        sent_at_kill=sent_at_kill,
        queued_counts_seen=sorted(seen),
        inbox_items=inbox_counts,
    )
    assert everyone, f"mail still missing long after the restart: {mails}"
    about_something_else = [m["to"] for m in sink.snapshot() if set(m["to"]) & members.keys()
                            and title not in m["message"].get_body(("plain",)).get_content()]
    assert about_something_else == []
    assert killed_while_writing, "the first kill did not meet the notifications being written"
    assert len(set(pids)) == 3 and pids[-1] == notifications.popen.pid
    assert sent_at_kill < len(members), "the mails were not going out at the second kill"
    # written in one transaction: an outsider saw none or all of them, never a part
    assert seen == {0, len(members)}, f"queued mails seen: {sorted(seen)}"
    assert inbox_counts == {"once": len(members), "missing": 0, "twice_or_more": 0}, inbox_counts
