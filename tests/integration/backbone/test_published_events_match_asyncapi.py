"""What the services publish is what the AsyncAPI document describes: every contract's example goes through
the outbox and the outbox publisher to RabbitMQ, is read back raw from a queue of our own bound to the events
exchange, as an integrator would read it, and its body, headers and AMQP properties are checked against
the document."""
import json
from itertools import groupby

import pika
from sqlalchemy import create_engine

from nabo_common.messaging import asyncapi, envelopes, outbox, topology
from nabo_common.messaging.publisher import OutboxPublisher
from nabo_common.persistence.db import make_sessionmaker
from nabo_common.runtime.context import Caller
from tests.integration.backbone.probe import OutboxEvent
from tests.support.asyncapi import problems

CALLER = Caller(person_id="da31ce8d-7381-5ff0-b6e0-3fb2cc13915d", request_id="req-asyncapi-0001",
                language="da")


def publish_every_example(db_url, amqp_uri):
    """Record each example in an outbox as the services do, and let each publishing service's outbox
    publisher send its own."""
    engine = create_engine(db_url)
    session = make_sessionmaker(engine)()
    by_source = groupby(sorted(envelopes.REGISTRY.values(), key=lambda t: t.source), key=lambda t: t.source)
    try:
        for source, event_types in by_source:
            with session.begin():
                for etype in event_types:
                    outbox.record(session, OutboxEvent, etype.name, etype.example, caller=CALLER,
                                  association_id="b82a57e1-5def-57c1-a8b7-27f9a16f01a4")
            publisher = OutboxPublisher(amqp_uri, OutboxEvent, engine, source)
            try:
                while publisher.publish_batch():
                    pass
            finally:
                publisher.close()
    finally:
        session.close()
        engine.dispose()


def test_every_published_event_matches_the_asyncapi_document(probe_db, amqp_uri):
    doc = asyncapi.build()
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    try:
        channel = connection.channel()
        topology.declare_with_pika(channel)
        queue = channel.queue_declare("", exclusive=True).method.queue
        channel.queue_bind(queue, envelopes.EXCHANGE, routing_key="#")  # an integrator's queue: everything
        publish_every_example(probe_db, amqp_uri)
        seen, mismatches = set(), []
        for _ in range(len(envelopes.REGISTRY)):
            method, properties, body = channel.basic_get(queue, auto_ack=True)
            assert method is not None, f"only {len(seen)} of {len(envelopes.REGISTRY)} events arrived"
            payload = json.loads(body)
            key = asyncapi.key(method.routing_key)
            message = doc["components"]["messages"][key]
            stated = message["x-amqp-properties"]
            found = problems(doc, key, payload, properties.headers)
            mismatches += [f"{method.routing_key}: {problem}" for problem in found]
            assert doc["channels"][key]["address"] == method.routing_key == payload["type"]
            assert properties.content_type == message["contentType"] == stated["content_type"]
            assert properties.content_encoding == message["bindings"]["amqp"]["contentEncoding"]
            assert properties.type == message["bindings"]["amqp"]["messageType"] == stated["type"]
            assert properties.app_id == stated["app_id"] == payload["source"]
            assert properties.delivery_mode == stated["delivery_mode"]
            assert properties.message_id == payload["id"] and properties.timestamp
            assert properties.headers["nameko.nabo_request_id"] == CALLER.request_id
            seen.add(method.routing_key)
        assert mismatches == []
        assert seen == set(envelopes.REGISTRY)
    finally:
        connection.close()

