"""Campaign fan-out: time to send a campaign to N recipients (default 10,000)
through the notifications service, against a bare smtplib loop sending the
same number of comparable messages into the same SMTP sink.

    python -m benchmarks.campaign_fanout [--recipients 10000] [--rate 100000]

Needs RabbitMQ and PostgreSQL as for the integration tests. Prints the ratio,
recipients per second and the process's memory (RSS sampled while sending).
"""
from nabo_common import patch

patch.apply()

import argparse  # noqa: E402
import os  # noqa: E402
import smtplib  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from datetime import datetime, timezone  # noqa: E402

import eventlet  # noqa: E402
from sqlalchemy import insert, select  # noqa: E402

from nabo_common import db  # noqa: E402
from nabo_common.cli import load_service_class  # noqa: E402
from nabo_common.context import Caller  # noqa: E402
from services.notifications import mailer  # noqa: E402
from services.notifications.domain import campaigns, rendering  # noqa: E402
from services.notifications.models import Association, Campaign, ConsentState, Contact  # noqa: E402
from tests.support import infra  # noqa: E402
from tests.support.smtp import SmtpSink  # noqa: E402

TEXT = "Dear reader,\n\nthe spring programme is out: https://events.example/spring\n\nSee you there."


def rss_mib():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def bare_loop(port, count):
    text, html = rendering.wrap("en", "Spring", TEXT, unsubscribe_url="https://nabo.example/v1/unsubscribe?t=x")
    connection = smtplib.SMTP("127.0.0.1", port)
    started = time.perf_counter()
    for i in range(count):
        message = mailer.build_message(mail_from="nabo <no-reply@nabo.example>", to_email=f"bare{i}@example.test",
                                       to_name=f"Reader {i}", subject="Spring", text=text, html=html,
                                       message_id=f"<bare{i}@nabo.example>")
        connection.send_message(message)
    connection.quit()
    return time.perf_counter() - started


def seed(url, count):
    engine = db.make_engine(url)
    sessions = db.make_sessionmaker(engine)
    association_id = str(uuid.uuid4())
    now = datetime.now(timezone.utc)
    with sessions() as session, session.begin():
        session.add(Association(id=association_id, name="Benchmark association", default_language="en",
                                time_zone="Europe/Copenhagen"))
        for start in range(0, count, 1000):
            people = [str(uuid.uuid4()) for _ in range(start, min(count, start + 1000))]
            session.execute(insert(Contact), [
                {"person_id": p, "name": f"Reader {start + i}", "email": f"reader{start + i}@example.test",
                 "language": ("en", "da", "de")[i % 3], "home_association_id": association_id, "admin_of": [],
                 "erased": False, "updated_at": now} for i, p in enumerate(people)])
            session.execute(insert(ConsentState), [
                {"person_id": p, "association_id": association_id, "kind": "newsletter", "granted": True,
                 "recorded_at": now} for p in people])
    return engine, sessions, association_id


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=100_000, help="CAMPAIGN_SEND_RATE for the run")
    args = parser.parse_args()
    count = args.recipients

    sink = SmtpSink(port=infra.free_port())
    sink.start()
    bare_seconds = bare_loop(sink.port, count)
    with sink.lock:
        sink.messages.clear()

    vhost = f"nabo-bench-{uuid.uuid4().hex[:8]}"
    infra._rabbitmqctl("add_vhost", vhost)
    infra._rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    amqp = f"amqp://guest:guest@127.0.0.1:5672/{vhost}"
    url = infra.make_database("notifications")
    os.environ.update({"NOTIFICATIONS_SMTP_PORT": str(sink.port), "NOTIFICATIONS_CAMPAIGN_SEND_RATE": str(args.rate),
                       "LOG_LEVEL": "WARNING"})
    engine, sessions, association_id = seed(url, count)
    system = infra.RunningSystem()
    system.start("notifications", load_service_class("notifications"),
                 infra.component_settings("notifications", amqp, url))
    admin = Caller(person_id=str(uuid.uuid4()), roles=("association_admin",), admin_of=(association_id,))
    try:
        with sessions() as session:
            campaign = campaigns.create(session, admin, {
                "name": "Benchmark", "sender_name": "Benchmark association",
                "contents": {"en": {"subject": "Spring", "text": TEXT}},
                "segment": {"association_ids": [association_id]}})
        rss_before = rss_mib()
        rss_peak = rss_before
        received = 0
        started = time.perf_counter()
        with sessions() as session:
            campaigns.schedule(session, admin, campaign["id"], {}, daily_cap=count)
        while True:
            eventlet.sleep(0.5)
            # count and drop what arrived, so the memory figure is the service's, not the sink's
            with sink.lock:
                received += len(sink.messages)
                sink.messages.clear()
            rss_peak = max(rss_peak, rss_mib())
            with sessions() as session:
                status = session.scalar(select(Campaign.status).where(Campaign.id == campaign["id"]))
            if status == "sent":
                break
        seconds = time.perf_counter() - started
        received += len(sink.snapshot())
    finally:
        system.stop_all()
        engine.dispose()
        sink.stop()
        infra.drop_databases()
        infra._rabbitmqctl("delete_vhost", vhost)

    print(f"recipients:            {count}")
    print(f"messages received:     {received}")
    print(f"bare smtplib loop:     {bare_seconds:.2f} s ({count / bare_seconds:.0f} messages/s)")
    print(f"campaign via nabo:     {seconds:.2f} s ({count / seconds:.0f} recipients/s)")
    print(f"ratio nabo / bare:     {seconds / bare_seconds:.1f}x")
    print(f"process RSS:           {rss_before:.0f} MiB before, {rss_peak:.0f} MiB peak while sending")


if __name__ == "__main__":
    main()
