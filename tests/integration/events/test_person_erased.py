"""person.erased from the members service, over RabbitMQ: the person's
registration for an upcoming event is cancelled and anonymised once, even when
the event is delivered twice."""
import json
import time
import uuid
from contextlib import contextmanager
from datetime import datetime, timezone

import pika
from nameko.containers import ServiceContainer
from nameko.rpc import rpc

from nabo_common.messaging import envelopes, topology
from tests.integration.events.conftest import admin_caller, events_rpc
from tests.support.infra import running_system
from tests.unit.events.conftest import event_payload


def publish(amqp_uri, message):
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    channel = connection.channel()
    channel.confirm_delivery()
    topology.declare_with_pika(channel)
    channel.basic_publish(envelopes.EXCHANGE, message["type"], json.dumps(message).encode(),
                          pika.BasicProperties(content_type="application/json", message_id=message["id"]))
    connection.close()


class KarenInMembers:
    """The members service as the events service asks it for the person it registers."""
    name = "members"

    @rpc
    def get_person(self, person_id):
        return {"id": person_id, "name": "Karen Hansen", "email": "karen@example.org", "language": "da"}

    @rpc
    def list_themes(self, query):
        # publishing an event names its themes in the announcement's languages
        return {"items": []}


@contextmanager
def members_knowing_karen(amqp_uri):
    container = ServiceContainer(KarenInMembers, {"AMQP_URI": amqp_uri, "serializer": "json"})
    container.start()
    try:
        yield
    finally:
        container.stop()


def test_person_erased_anonymises_registrations_once(amqp_uri):
    association = "2e3f4a5b-6c7d-4e8f-9a0b-1c2d3e4f5a6b"
    admin = admin_caller(association)
    person_id = str(uuid.uuid4())
    with running_system(amqp_uri, ["events"]) as system, members_knowing_karen(amqp_uri):
        with events_rpc(system, admin) as events:
            event = events.create_event(event_payload())
            events.transition_event(event["id"], {"to": "published"})
            registration = events.register(
                event["id"],
                {
                    "name": "Karen Hansen",
                    "email": "karen@example.org",
                    "person_id": person_id,
                    "source_channel": "facebook",
                },
            )
            erased = envelopes.build(
                "person.erased", {"person_id": person_id, "erased_at": datetime.now(timezone.utc).isoformat()}
            )
            publish(amqp_uri, erased)
            publish(amqp_uri, erased)
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline:
                after = events.get_registration(registration["id"])
                if after["email"] is None:
                    break
                time.sleep(0.2)
            assert (after["name"], after["email"], after["person_id"]) == ("Erased person", None, None)
            # the event is still to come: the seat is given up, as a cancellation by the person would
            assert (after["status"], after["source_channel"]) == ("cancelled", "facebook")
            assert events.get_event(event["id"])["seats"]["confirmed"] == 0
            assert events.export_person(person_id)["registrations"] == []
