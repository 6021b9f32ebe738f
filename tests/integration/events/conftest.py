"""Calling the events service over real RabbitMQ as a signed caller, and
watching what it publishes."""
import json
import uuid
from contextlib import contextmanager

import pika
from nameko.standalone.rpc import ClusterRpcProxy

from nabo_common.messaging import envelopes, topology
from nabo_common.runtime import context
from nabo_common.runtime.context import ASSOCIATION_ADMIN, Caller


def admin_caller(association_id):
    return Caller(person_id=str(uuid.uuid4()), roles=(ASSOCIATION_ADMIN,), admin_of=(association_id,))


@contextmanager
def events_rpc(system, caller, component="events"):
    settings = system.settings[component]
    token = context.sign(caller, settings.context_keys)
    config = {"AMQP_URI": settings.amqp_uri, "serializer": "json"}
    with ClusterRpcProxy(config, context_data={context.CONTEXT_KEY: token}, timeout=30) as proxy:
        yield proxy.events


class EventTap:
    """A private queue bound to event types on nabo.events, read with pika."""

    def __init__(self, amqp_uri, *event_types):
        self.connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
        self.channel = self.connection.channel()
        topology.declare_with_pika(self.channel, bindings={})
        self.queue = self.channel.queue_declare("", exclusive=True).method.queue
        for event_type in event_types:
            self.channel.queue_bind(self.queue, envelopes.EXCHANGE, routing_key=event_type)

    def drain(self):
        messages = []
        while True:
            method, _props, body = self.channel.basic_get(self.queue, auto_ack=True)
            if method is None:
                return messages
            messages.append(json.loads(body))

    def close(self):
        self.connection.close()
