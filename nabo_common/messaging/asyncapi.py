"""The AsyncAPI 3.0 document of the events, generated from the event contracts (``contracts/events``, the
``envelopes.REGISTRY``) and the consumers' queues (``topology.declared_bindings()``, from each service's
``subscriptions.py``): a channel per event type on the ``nabo.events`` topic exchange with the type as routing
key, its message (the envelope with the contract's ``data``, the headers and AMQP properties the outbox
publisher sets, an example), the service that sends it and the queues that receive it. The payload schemas
are the marshmallow contracts converted by apispec, as the OpenAPI document's are.

The gateway serves it at ``/v1/asyncapi.json``; docs/integrations.md says how to consume the events.
"""

import uuid
from datetime import datetime, timezone

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from nabo_common import __version__
from nabo_common.messaging import envelopes, topology

ASYNCAPI_VERSION = "3.0.0"
AMQP_BINDING_VERSION = "0.3.0"
CONTENT_TYPE = "application/json"
CONTENT_ENCODING = "utf-8"
DELIVERY_MODE_PERSISTENT = 2
HEADERS_SCHEMA = "MessageHeaders"
HEADERS = {
    "type": "object",
    "required": [envelopes.COMMITTED_AT_HEADER],
    "properties": {
        envelopes.COMMITTED_AT_HEADER: {
            "type": "integer",
            "minimum": 0,
            "description": "When the publisher's transaction committed, in milliseconds since the epoch.",
        },
        "nameko.nabo_request_id": {
            "type": ["string", "null"],
            "description": "The id of the HTTP request that caused the event (its X-Request-ID).",
        },
        "nameko.language": {
            "type": ["string", "null"],
            "description": "The language of the person whose request caused the event.",
        },
        "nameko.nabo_caller": {
            "type": "string",
            "description": "The caller context, signed for the services; of no use outside them.",
        },
    },
    "additionalProperties": True,
}
# what the outbox publisher (nabo_common.messaging.publisher) sets besides the headers
AMQP_PROPERTIES = {
    "content_type": CONTENT_TYPE,
    "content_encoding": CONTENT_ENCODING,
    "delivery_mode": DELIVERY_MODE_PERSISTENT,
    "message_id": "the envelope's id (the same for a redelivery: consumers deduplicate by it)",
    "type": "the event type (the routing key)",
    "app_id": "the publishing service",
    "timestamp": "when it was published, in seconds since the epoch",
}
DESCRIPTION = (
    f"Every change of the services is announced as an event on the `{envelopes.EXCHANGE}` topic exchange "
    "(RabbitMQ, AMQP 0-9-1), its type as routing key, in a JSON envelope whose `data` follows the type's "
    f"contract. Events no queue is bound for are kept in `{envelopes.UNROUTED_QUEUE}`. To consume them from "
    "a system of your own see docs/integrations.md."
)
EXAMPLE_TIME = datetime(2025, 3, 20, 15, 0, 0, tzinfo=timezone.utc)
EXAMPLE_ASSOCIATION = "b82a57e1-5def-57c1-a8b7-27f9a16f01a4"
EXAMPLE_ACTOR = "da31ce8d-7381-5ff0-b6e0-3fb2cc13915d"


def consumers_by_type(bindings):
    """Event type -> ``service.handler`` of each queue ``nabo.<service>.<handler>`` bound to it."""
    consumers = {}
    for queue, event_types in bindings.items():
        for event_type in event_types:
            consumers.setdefault(event_type, []).append(queue.removeprefix("nabo."))
    return consumers


def key(name):
    """An event type as a key of the document (letters, digits, ``_`` and ``-`` only)."""
    return name.replace(".", "-")


def _schema_name(schema):
    cls = schema if isinstance(schema, type) else type(schema)
    module = cls.__module__.rsplit(".", 1)[-1]
    name = cls.__name__.removesuffix("Schema") or cls.__name__
    # the contracts' nested helpers (_Change, _Reason) are private to their module: named after it
    return module.title() + name.lstrip("_") if name.startswith("_") else name


def _schemas(event_types):
    """JSON schemas of the envelope and each contract, by apispec (JSON Schema nulls: OpenAPI 3.1)."""
    plugin = MarshmallowPlugin(schema_name_resolver=_schema_name)
    spec = APISpec(title="nabo events", version=__version__, openapi_version="3.1.0", plugins=[plugin])
    envelope = plugin.converter.resolve_nested_schema(envelopes.EnvelopeSchema)
    contracts = {etype.name: plugin.converter.resolve_nested_schema(etype.schema) for etype in event_types}
    schemas = spec.to_dict()["components"]["schemas"]
    for schema in schemas.values():
        # a minor version may add fields to a contract (docs/api-versioning.md): consumers ignore the unknown
        if schema.get("additionalProperties") is False:
            del schema["additionalProperties"]
    return schemas, envelope, contracts


def example_envelope(etype):
    """The envelope of the contract's example, built as a publisher builds it."""
    return envelopes.build(
        etype.name,
        etype.example,
        association_id=EXAMPLE_ASSOCIATION,
        event_id=uuid.uuid5(uuid.NAMESPACE_URL, f"nabo/example/{etype.name}"),
        occurred_at=EXAMPLE_TIME,
        actor_id=EXAMPLE_ACTOR,
    )


def _message(etype, envelope_ref, contract_ref):
    message = {
        "name": etype.name,
        "title": etype.name,
        "summary": " ".join(etype.description.split()),
        "contentType": CONTENT_TYPE,
        "headers": {"$ref": f"#/components/schemas/{HEADERS_SCHEMA}"},
        "payload": {
            "allOf": [
                envelope_ref,
                {
                    "type": "object",
                    "properties": {
                        "type": {"const": etype.name},
                        "source": {"const": etype.source},
                        "schema_version": {"const": etype.version},
                        "data": contract_ref,
                    },
                },
            ]
        },
        "bindings": {
            "amqp": {
                "contentEncoding": CONTENT_ENCODING,
                "messageType": etype.name,
                "bindingVersion": AMQP_BINDING_VERSION,
            }
        },
        "x-amqp-properties": {**AMQP_PROPERTIES, "type": etype.name, "app_id": etype.source},
    }
    if etype.example is not None:
        message["examples"] = [
            {
                "name": "example",
                "headers": {envelopes.COMMITTED_AT_HEADER: int(EXAMPLE_TIME.timestamp() * 1000)},
                "payload": example_envelope(etype),
            }
        ]
    return message


def _channel(etype, message_key):
    return {
        "address": etype.name,
        "title": etype.name,
        "description": f"Messages of type `{etype.name}` on the `{envelopes.EXCHANGE}` topic exchange, "
        "routed by their type.",
        "messages": {message_key: {"$ref": f"#/components/messages/{message_key}"}},
        "bindings": {
            "amqp": {
                "is": "routingKey",
                "exchange": {
                    "name": envelopes.EXCHANGE,
                    "type": "topic",
                    "durable": True,
                    "autoDelete": False,
                },
                "bindingVersion": AMQP_BINDING_VERSION,
            }
        },
    }


def _receive(channel_key, message_key, consumer):
    service, handler = consumer.split(".", 1)
    queue = topology.consumer_queue(service, handler)
    return {
        "action": "receive",
        "channel": {"$ref": f"#/channels/{channel_key}"},
        "title": f"{service} receives it ({handler})",
        "description": f"Queue `{queue}` (durable; failures go to `{topology.retry_queue(queue)}` and "
        f"`{topology.dead_queue(queue)}`).",
        "messages": [{"$ref": f"#/channels/{channel_key}/messages/{message_key}"}],
        "bindings": {"amqp": {"ack": True, "bindingVersion": AMQP_BINDING_VERSION}},
        "x-nabo-service": service,
        "x-nabo-queue": queue,
    }


def build(bindings=None, version=__version__):
    """The AsyncAPI document; ``bindings``: queue -> event types (default: this process's consumers)."""
    bindings = topology.declared_bindings() if bindings is None else bindings
    event_types = sorted(envelopes.REGISTRY.values(), key=lambda t: (t.source, t.name))
    schemas, envelope_ref, contract_refs = _schemas(event_types)
    schemas[HEADERS_SCHEMA] = HEADERS
    consumers = consumers_by_type(bindings)
    channels, operations, messages = {}, {}, {}
    for etype in event_types:
        channel_key = message_key = key(etype.name)
        messages[message_key] = _message(etype, envelope_ref, contract_refs[etype.name])
        channels[channel_key] = _channel(etype, message_key)
        operations[f"{etype.source}-sends-{channel_key}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{channel_key}"},
            "title": f"{etype.source} publishes it",
            "description": "Published from the service's transactional outbox, with publisher confirms, "
            "once the change that caused it has committed.",
            "messages": [{"$ref": f"#/channels/{channel_key}/messages/{message_key}"}],
            "bindings": {
                "amqp": {
                    "deliveryMode": DELIVERY_MODE_PERSISTENT,
                    "mandatory": True,
                    "bindingVersion": AMQP_BINDING_VERSION,
                }
            },
            "x-nabo-service": etype.source,
        }
        for consumer in sorted(consumers.get(etype.name, ())):
            operations[f"{consumer.replace('.', '-')}-receives-{channel_key}"] = _receive(
                channel_key, message_key, consumer
            )
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "info": {
            "title": "nabo events",
            "version": version,
            "description": DESCRIPTION,
        },
        "defaultContentType": CONTENT_TYPE,
        "channels": channels,
        "operations": operations,
        "components": {"schemas": schemas, "messages": messages},
    }
