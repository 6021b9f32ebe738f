"""docs/integrations.md, run: a broker user with the permissions it gives binds a queue of its own to the
events exchange and reads events, and can neither publish events nor touch nabo's queues."""
import json
import re
import shlex
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pika
import pytest

from nabo_common.messaging import asyncapi, envelopes, topology
from tests.support.infra import _rabbitmqctl

GUIDE = Path(__file__).resolve().parents[3] / "docs" / "integrations.md"


def guide_permissions():
    """configure, write and read patterns of the guide's ``rabbitmqctl set_permissions`` command."""
    line = next(line for line in GUIDE.read_text().splitlines() if "rabbitmqctl set_permissions" in line)
    words = shlex.split(line)
    return words[-3:]


@pytest.fixture
def integrator(amqp_uri):
    """The URI of a user with the guide's permissions on the test's vhost."""
    user, password = f"acme-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    vhost = urlsplit(amqp_uri).path.lstrip("/")
    _rabbitmqctl("add_user", user, password)
    try:
        _rabbitmqctl("set_permissions", "-p", vhost, user, *guide_permissions())
        parts = urlsplit(amqp_uri)
        yield urlunsplit(parts._replace(netloc=f"{user}:{password}@{parts.hostname}:{parts.port or 5672}"))
    finally:
        _rabbitmqctl("delete_user", user)


def test_the_guide_restricts_the_user_to_its_own_queues():
    configure, write, read = guide_permissions()
    assert re.match(configure, "acme.nabo-events") and not re.match(configure, "nabo.events.unrouted")
    assert not re.match(write, envelopes.EXCHANGE)
    assert re.match(read, envelopes.EXCHANGE) and not re.match(read, "nabo.notifications.on_registration")


def test_an_integrator_reads_events_from_a_queue_of_its_own_and_nothing_more(amqp_uri, integrator):
    nabo = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    partner = pika.BlockingConnection(pika.URLParameters(integrator))
    try:
        topology.declare_with_pika(nabo.channel())
        channel = partner.channel()
        channel.queue_declare("acme.nabo-events", durable=True)
        channel.queue_bind("acme.nabo-events", envelopes.EXCHANGE, routing_key="event.*")
        event = asyncapi.example_envelope(envelopes.REGISTRY["event.published"])
        publishing = nabo.channel()
        publishing.confirm_delivery()  # confirmed: routed to the integrator's queue before the read below
        properties = pika.BasicProperties(content_type="application/json", message_id=event["id"])
        publishing.basic_publish(envelopes.EXCHANGE, "event.published", json.dumps(event), properties,
                                 mandatory=True)
        method, _properties, body = channel.basic_get("acme.nabo-events", auto_ack=False)
        assert method is not None and json.loads(body) == event
        channel.basic_ack(method.delivery_tag)

        refused = partner.channel()
        refused.confirm_delivery()
        with pytest.raises(pika.exceptions.ChannelClosedByBroker) as sending:
            refused.basic_publish(envelopes.EXCHANGE, "event.published", b"{}")
        assert sending.value.reply_code == 403
        with pytest.raises(pika.exceptions.ChannelClosedByBroker) as declaring:
            partner.channel().queue_declare("nabo.members.on_audited_event", durable=True)
        assert declaring.value.reply_code == 403
    finally:
        partner.close()
        nabo.close()
