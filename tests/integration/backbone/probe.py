"""A minimal service built on the backbone, for testing the mechanisms
themselves (outbox, relay, consumer retries and dead letters, idempotency)."""
from nameko.rpc import rpc
from sqlalchemy import String, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from nabo_common.messaging import outbox
from nabo_common.messaging.consumer import consume_events
from nabo_common.persistence.db import Database
from nabo_common.runtime.health import Operations, OperationsEndpoints
from nabo_common.messaging.outbox import Inbox, OutboxEventMixin, ProcessedEventMixin
from nabo_common.messaging.relay import OutboxRelay
from nabo_common.runtime.worker import CallerProvider, Instrumentation

# names the consumer fails on, until a test "fixes the bug" by removing them
FAILING_NAMES = {"poison"}
# how often the handler started, per name ("slow <seconds>" makes it take that long)
EXECUTIONS = {}


class Base(DeclarativeBase):
    pass


class OutboxEvent(OutboxEventMixin, Base):
    pass


class ProcessedEvent(ProcessedEventMixin, Base):
    pass


class Effect(Base):
    __tablename__ = "effects"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(36))
    name: Mapped[str] = mapped_column(String(200))


inbox = Inbox(ProcessedEvent)


class ProbeService(OperationsEndpoints):
    name = "probe"

    db = Database()
    caller = CallerProvider()
    relay = OutboxRelay(OutboxEvent)
    operations = Operations()
    instrumentation = Instrumentation()

    @consume_events("person.updated")
    def on_person_updated(self, event):
        name = event["data"]["name"]
        EXECUTIONS[name] = EXECUTIONS.get(name, 0) + 1
        if name.startswith("slow "):
            import eventlet

            eventlet.sleep(float(name.split()[1]))
        with self.db.begin():
            if not inbox.first_time(self.db, "probe.on_person_updated", event["id"]):
                return
            if event["data"]["name"] in FAILING_NAMES:
                raise RuntimeError(f"cannot handle {event['data']['name']}")
            self.db.add(Effect(event_id=event["id"], name=event["data"]["name"]))

    @rpc
    def sleep_in_database(self, seconds):
        self.db.execute(text("SELECT pg_sleep(:s)"), {"s": seconds})
        self.db.rollback()
        return True

    @rpc
    def sleep(self, seconds):
        import eventlet

        eventlet.sleep(seconds)
        return "done"

    @rpc
    def whoami(self):
        return {"person_id": self.caller.person_id, "roles": list(self.caller.roles)}

    @rpc
    def write_person_event(self, name):
        with self.db.begin():
            return outbox.record(self.db, OutboxEvent, "person.updated", person_data(name))["id"]


def person_data(name, person_id="00000000-0000-0000-0000-000000000001"):
    return {"person_id": person_id, "name": name, "email": None, "language": "en", "birth_year": None,
            "home_association_id": None, "roles": []}
