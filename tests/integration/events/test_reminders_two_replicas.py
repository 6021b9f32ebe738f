"""Two replicas of the events service on one database and vhost: every due
reminder is claimed by exactly one of them and published exactly once."""
import time
from collections import Counter
from datetime import datetime, timedelta, timezone

from sqlalchemy import select, update

from nabo_common.cli import load_service_class
from nabo_common.persistence import db
from services.events.models import OutboxEvent, Reminder
from tests.integration.events.conftest import EventTap, admin_caller, events_rpc
from tests.support.infra import RunningSystem, component_settings, make_database
from tests.unit.events.conftest import event_payload

EVENTS = 15
OFFSETS = [1440, 60]


def test_each_reminder_fires_exactly_once_across_two_replicas(amqp_uri, monkeypatch):
    monkeypatch.setenv("EVENTS_REMINDER_POLL_SECONDS", "0.1")
    database_url = make_database("events")
    tap = EventTap(amqp_uri, "event.reminder_due")
    system = RunningSystem()
    try:
        for replica in ("events", "events-2"):
            system.start(
                replica, load_service_class("events"), component_settings("events", amqp_uri, database_url)
            )
        admin = admin_caller("1d2c3b4a-5e6f-4a7b-8c9d-0e1f2a3b4c5d")
        with events_rpc(system, admin) as events:
            for n in range(EVENTS):
                event = events.create_event(event_payload(title=f"Meeting {n}", reminder_offsets=OFFSETS))
                events.transition_event(event["id"], {"to": "published"})

        engine = db.make_engine(database_url)
        session = db.make_sessionmaker(engine)()
        with session.begin():
            assert session.scalar(select(Reminder).where(Reminder.sent_at.isnot(None)).limit(1)) is None
            # let time pass: every reminder is due now, and both replicas poll every 0.1 s
            session.execute(update(Reminder).values(due_at=datetime.now(timezone.utc) - timedelta(seconds=1)))

        received = []
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and len(received) < EVENTS * len(OFFSETS):
            received += tap.drain()
            time.sleep(0.2)
        time.sleep(1.0)  # anything sent twice would arrive now
        received += tap.drain()

        per_reminder = Counter((m["data"]["event_id"], m["data"]["offset_minutes"]) for m in received)
        assert len(per_reminder) == EVENTS * len(OFFSETS)
        assert set(per_reminder.values()) == {1}
        with session.begin():
            outboxed = session.scalars(
                select(OutboxEvent.event_type).where(OutboxEvent.event_type == "event.reminder_due")
            ).all()
            assert len(outboxed) == EVENTS * len(OFFSETS)
            assert session.scalar(select(Reminder).where(Reminder.sent_at.is_(None)).limit(1)) is None
        session.close()
        engine.dispose()
    finally:
        system.stop_all()
        tap.close()
