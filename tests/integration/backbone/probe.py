"""A minimal service built on the backbone, for testing the mechanisms
themselves (outbox, relay, consumer retries and dead letters, idempotency)."""
from nameko.extensions import DependencyProvider
from nameko.rpc import rpc
from sqlalchemy import String, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from nabo_common.messaging import outbox
from nabo_common.messaging.handlers import consumer_decorator
from nabo_common.messaging.outbox import OutboxEventMixin
from nabo_common.messaging.processed import ProcessedEventMixin
from nabo_common.messaging.relay import OutboxRelay
from nabo_common.operations import Operations, OperationsEndpoints
from nabo_common.persistence.db import Database
from nabo_common.runtime.worker import CallerProvider, Instrumentation

# names the consumer fails on, until a test "fixes the bug" by removing them
FAILING_NAMES = {"poison"}
# how often a worker started on the event, per name ("slow <seconds>" makes the handler take that long)
EXECUTIONS = {}
SUBSCRIPTIONS = {"on_person_updated": ("person.updated",)}


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


consumer = consumer_decorator(SUBSCRIPTIONS, ProcessedEvent)


class Executions(DependencyProvider):
    """Counts each worker started on an event, before its transaction and idempotency check, so that a
    redelivery shows even where the handler then skips it."""

    def worker_setup(self, worker_ctx):
        if worker_ctx.entrypoint.method_name == "on_person_updated":
            name = worker_ctx.args[0]["data"]["name"]
            EXECUTIONS[name] = EXECUTIONS.get(name, 0) + 1


class ProbeService(OperationsEndpoints):
    name = "probe"

    db = Database()
    caller = CallerProvider()
    relay = OutboxRelay(OutboxEvent)
    operations = Operations()
    instrumentation = Instrumentation()
    executions = Executions()

    @consumer
    def on_person_updated(self, event):
        name = event["data"]["name"]
        if name.startswith("slow "):
            import eventlet

            eventlet.sleep(float(name.split()[1]))
        if name in FAILING_NAMES:
            raise RuntimeError(f"cannot handle {name}")
        self.db.add(Effect(event_id=event["id"], name=name))

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
