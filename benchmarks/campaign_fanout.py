"""Campaign fan-out: time to send a campaign to N recipients (default 10,000)
through the notifications service, against a bare smtplib loop sending the
same number of comparable messages into the same SMTP sink.

    python -m benchmarks.campaign_fanout [--recipients 10000] [--rate 100000] [--replicas 1] [--events 200]
                                         [--profile] [--kill-after FRACTION]

Needs RabbitMQ and PostgreSQL as for the integration tests. Three processes:
the SMTP sink (scripts/smtp_sink.py --count-only: a real aiosmtpd
server that counts and checks recipients without parsing messages), the
notifications service (``python -m nabo_common.cli serve notifications``) and
this one, which seeds, runs the bare loop and watches. Prints both rates, their
ratio, what the sink received and the service's resident memory idle and at
its peak while sending. ``--replicas 2`` runs two notifications processes, as
the deployment's minimum does: each claims its own batches and sends over its
own connection (the deployment runs 2 to 6). Alongside, the event path the same
processes serve: ``--events`` ``person.updated`` events published at 20 a
second with publisher confirms, as the outbox relay publishes them, first with
the service idle and then while it sends the campaign; printed is the time from
the publish to the handler's processed-event row (median, 99th
percentile, max). The relay's own part (its outbox poll, at most
``OUTBOX_POLL_SECONDS``) does not depend on the consumers and is measured by
benchmarks/system.py. ``--profile`` samples the (first) service with py-spy while it
sends and prints where the time went. ``--kill-after 0.5`` kills the first
replica with SIGKILL halfway through and starts it again; printed is how soon it
served again and how many recipients got the campaign twice or not at all.
"""
import argparse
import json
import smtplib
import threading
import time
import uuid
from datetime import datetime, timezone

import pika
from sqlalchemy import func, insert, select

from benchmarks import common
from nabo_common.messaging import envelopes
from nabo_common.persistence import db
from nabo_common.runtime.context import Caller
from services.notifications import mailer
from services.notifications.domain import campaigns, dispatch, rendering
from services.notifications.models import (
    Association,
    Campaign,
    ConsentState,
    Contact,
    Delivery,
    ProcessedEvent,
)
from tests.support import infra

TEXT = "Dear reader,\n\nthe spring programme is out: https://events.example/spring\n\nSee you there."


def bare_loop(port, count):
    text, html = rendering.wrap("en", "Spring", TEXT, unsubscribe_url="https://nabo.example/v1/unsubscribe?t=x")
    connection = smtplib.SMTP("127.0.0.1", port)
    started = time.perf_counter()
    for i in range(count):
        message = mailer.build_message(
            mail_from="nabo <no-reply@nabo.example>",
            to_email=f"bare{i}@example.test",
            to_name=f"Reader {i}",
            subject="Spring",
            text=text,
            html=html,
            message_id=f"<bare{i}@nabo.example>",
        )
        connection.send_message(message)
    connection.quit()
    return time.perf_counter() - started


def seed(sessions, count):
    association_id = str(uuid.uuid4())
    now = datetime.now(timezone.utc)
    with sessions() as session, session.begin():
        session.add(
            Association(
                id=association_id,
                name="Benchmark association",
                default_language="en",
                time_zone="Europe/Copenhagen",
            )
        )
        for start in range(0, count, 1000):
            people = [str(uuid.uuid4()) for _ in range(start, min(count, start + 1000))]
            session.execute(
                insert(Contact),
                [
                    {
                        "person_id": p,
                        "name": f"Reader {start + i}",
                        "email": f"reader{start + i}@example.test",
                        "language": ("en", "da", "de")[i % 3],
                        "home_association_id": association_id,
                        "admin_of": [],
                        "erased": False,
                        "updated_at": now,
                    }
                    for i, p in enumerate(people)
                ],
            )
            session.execute(
                insert(ConsentState),
                [
                    {
                        "person_id": p,
                        "association_id": association_id,
                        "kind": "newsletter",
                        "granted": True,
                        "recorded_at": now,
                    }
                    for p in people
                ],
            )
    return association_id


EVENTS_PER_SECOND = 20


class EventProbe:
    """Publishes ``person.updated`` events to the services' exchange at EVENTS_PER_SECOND, each with the
    broker's confirm awaited (as the outbox relay does), and keeps when each publish began."""

    def __init__(self, amqp, association_id):
        self.amqp, self.association_id = amqp, association_id
        self.published = {}  # event id -> UTC time its publish began
        self._thread = None

    def start(self, count):
        self._thread = threading.Thread(target=self._run, args=(count,), daemon=True)
        self._thread.start()
        return self

    def _run(self, count):
        connection = pika.BlockingConnection(pika.URLParameters(self.amqp))
        channel = connection.channel()
        channel.confirm_delivery()
        try:
            for n in range(count):
                event = envelopes.build("person.updated", {
                    "person_id": str(uuid.uuid4()), "name": f"Probe {n}", "email": None, "language": "en",
                    "birth_year": None, "home_association_id": self.association_id, "roles": [],
                })
                published = datetime.now(timezone.utc)
                channel.basic_publish(
                    envelopes.EXCHANGE, "person.updated", json.dumps(event).encode(),
                    pika.BasicProperties(content_type="application/json", delivery_mode=2,
                                         message_id=event["id"], type=event["type"], headers={
                                             envelopes.COMMITTED_AT_HEADER: round(time.time() * 1000)}),
                    mandatory=True,
                )
                self.published[event["id"]] = published
                time.sleep(1 / EVENTS_PER_SECOND)
        finally:
            connection.close()

    def latencies(self, sessions, wait=120):
        """Milliseconds from each event's publish to its processed-event row, once every event is handled
        (or ``wait`` s have passed); the events not handled by then are left out."""
        self._thread.join()
        deadline = time.monotonic() + wait
        while True:
            with sessions() as session:
                handled = dict(session.execute(
                    select(ProcessedEvent.event_id, ProcessedEvent.processed_at)
                    .where(ProcessedEvent.event_id.in_(list(self.published)))).all())
            if len(handled) == len(self.published) or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        return [(handled[k] - self.published[k]).total_seconds() * 1000 for k in handled]


def latency_line(label, latencies, expected):
    if not latencies:
        return f"{label}0 of {expected} handled"
    median, p99 = common.percentile(latencies, 0.5), common.percentile(latencies, 0.99)
    return (f"{label}{len(latencies)} of {expected} handled; median {median:.0f} ms, p99 {p99:.0f} ms, "
            f"max {max(latencies):.0f} ms")


class KillOnce:
    """Kills the first notifications process (SIGKILL, as a node lost) once the sink has received
    ``fraction`` of the campaign, and starts it again at once, as its deployment would."""

    def __init__(self, cluster, services, fraction, already_received, count):
        self.cluster, self.services, self.fraction = cluster, services, fraction
        self.threshold = already_received + int(fraction * count)
        self.killed_at = self.back_after = None

    def __call__(self):
        if self.killed_at is not None or self.cluster.smtp_sink_status()["recipients"] < self.threshold:
            return
        victim = self.services[0]
        victim.popen.kill()
        victim.popen.wait(10)
        self.killed_at = time.perf_counter()
        self.services[0] = self.cluster.start("notifications", name=victim.name)
        self.cluster.wait_ready(victim.name)
        self.back_after = time.perf_counter() - self.killed_at


def send_campaign(cluster, services, sessions, association_id, count, profile, probe=None, during=None):
    """Schedule the campaign and wait until the services have sent it; returns seconds, and the idle and peak
    RSS of the largest of them. ``during`` is called while waiting (e.g. ``KillOnce``)."""
    admin = Caller(person_id=str(uuid.uuid4()), roles=("association_admin",), admin_of=(association_id,))
    with sessions() as session:
        campaign = campaigns.create(
            session,
            admin,
            {
                "name": "Benchmark",
                "sender_name": "Benchmark association",
                "contents": {"en": {"subject": "Spring", "text": TEXT}},
                "segment": {"association_ids": [association_id]},
            },
        )
    rss_idle = rss_peak = max(service.rss() for service in services)
    spy = common.Profiler(services[0].pid, "notifications-campaign", profile) if profile else None
    started = time.perf_counter()
    with sessions() as session:
        campaigns.schedule(session, admin, campaign["id"], {}, daily_cap=count)
    if probe:
        probe()
    status = None
    while status != "sent":
        time.sleep(0.2)
        if during:
            during()
        rss_peak = max(rss_peak, *(service.rss() for service in services))
        with sessions() as session:
            status = session.scalar(select(Campaign.status).where(Campaign.id == campaign["id"]))
    seconds = time.perf_counter() - started
    if spy:
        spy.report(f"notifications sending a campaign to {count} recipients")
    return seconds, rss_idle, rss_peak


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=100_000, help="CAMPAIGN_SEND_RATE for the run")
    parser.add_argument(
        "--replicas",
        type=int,
        default=1,
        choices=range(1, 5),
        help="notifications processes sending side by side (default 1)",
    )
    parser.add_argument("--events", type=int, default=200,
                        help="events published idle and again while the campaign goes out (default 200)")
    parser.add_argument(
        "--profile",
        type=int,
        nargs="?",
        const=20,
        default=0,
        metavar="SECONDS",
        help="sample the service with py-spy for this long while it sends (default 20)",
    )
    parser.add_argument("--kill-after", type=float, metavar="FRACTION",
                        help="SIGKILL the first notifications process once the sink has this fraction of "
                             "the campaign (e.g. 0.5), start it again, and count what was sent twice or not "
                             "at all")
    parser.add_argument("--no-bare-loop", action="store_true",
                        help="send the campaign only (a large one's bare loop takes longer than nabo)")
    args = parser.parse_args()
    count = args.recipients
    print(
        f"# campaign fan-out, {count} recipients, {args.replicas} notifications "
        f"replica{'s' * (args.replicas > 1)} ({common.machine_load()} at start)"
    )

    with common.private_vhost() as amqp:
        cluster = engine = None
        try:
            url = infra.make_database("notifications")
            engine = db.make_engine(url)
            sessions = db.make_sessionmaker(engine)
            association_id = seed(sessions, count)
            cluster = common.Cluster(amqp, {"notifications": url})
            smtp_port = cluster.start_smtp_sink(count_only=True)
            cluster.extra_env.update(
                {
                    "NOTIFICATIONS_SMTP_HOST": "127.0.0.1",
                    "NOTIFICATIONS_SMTP_PORT": smtp_port,
                    "NOTIFICATIONS_CAMPAIGN_SEND_RATE": args.rate,
                }
            )
            services = [
                cluster.start("notifications", name=f"notifications-{n}") for n in range(args.replicas)
            ]
            cluster.wait_ready()

            bare_seconds = None if args.no_bare_loop else bare_loop(smtp_port, count)
            bare = cluster.smtp_sink_status()
            time.sleep(1)  # let the service settle after start-up before reading its idle size
            idle = EventProbe(amqp, association_id).start(args.events).latencies(sessions)
            busy = EventProbe(amqp, association_id)
            kill = KillOnce(cluster, services, args.kill_after, bare["recipients"], count) \
                if args.kill_after else None
            seconds, rss_idle, rss_peak = send_campaign(
                cluster, services, sessions, association_id, count, args.profile,
                probe=lambda: busy.start(args.events) if args.events else None, during=kill,
            )
            total = cluster.smtp_sink_status()
            with sessions() as session:  # the one on the wire when killed: at-most-once, failed and listed
                interrupted = session.scalar(select(func.count()).select_from(Delivery).where(
                    Delivery.status == "failed", Delivery.last_error == dispatch.INTERRUPTED))
                statuses = dict(session.execute(
                    select(Delivery.status, func.count()).group_by(Delivery.status)).all())
            busy_latencies = busy.latencies(sessions) if args.events else []
        finally:
            if cluster:
                cluster.stop_all()
            if engine:
                engine.dispose()
            infra.drop_databases()

    received = {key: total[key] - bare[key] for key in ("messages", "recipients", "distinct_recipients")}
    print(f"recipients:            {count}")
    print(
        f"sink received (nabo):  {received['messages']} messages, {received['distinct_recipients']} distinct "
        f"recipients, {total['not_in_to_header']} recipients missing from their To header"
    )
    print(f"deliveries:            {', '.join(f'{n} {status}' for status, n in sorted(statuses.items()))}")
    if bare_seconds is not None:
        print(f"bare smtplib loop:     {bare_seconds:.2f} s ({count / bare_seconds:.0f} messages/s)")
    print(f"campaign via nabo:     {seconds:.2f} s ({count / seconds:.0f} recipients/s)")
    if bare_seconds is not None:
        print(
            f"nabo rate / bare rate: {bare_seconds / seconds:.0%} "
            f"(nabo takes {seconds / bare_seconds:.1f}x as long)"
        )
    if kill:
        twice = received["recipients"] - received["distinct_recipients"]
        missing = count - received["distinct_recipients"]
        print(f"killed one replica at:  {args.kill_after:.0%} of the campaign, serving again after "
              f"{kill.back_after:.1f} s; sent twice: {twice}, not sent: {missing} ({interrupted} of them "
              f"interrupted on the wire, in the campaign's failed list)")
    if args.events:
        print(latency_line("event published -> handled, idle:            ", idle, args.events))
        print(latency_line("event published -> handled, during campaign: ", busy_latencies, args.events))
    print(
        f"service RSS:           {rss_idle:.0f} MiB idle, {rss_peak:.0f} MiB peak while sending"
        f"{' (the largest replica)' if args.replicas > 1 else ''}"
    )


if __name__ == "__main__":
    main()
