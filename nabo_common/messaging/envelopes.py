"""The event envelope and the catalogue of event types.

Every event is ``{id, type, occurred_at, source, association_id, actor_id,
schema_version, data}``; ``data`` is validated against the marshmallow schema
registered for its type, on publish and again on consume. Publishers register
their types in ``contracts.events`` so producers and consumers share one
definition; a process imports the contracts of the events it publishes and
consumes (the composition root, ``nabo_common.cli``, imports them all), and
the event catalogue in docs/architecture.md is generated from the same registry.
"""
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from nabo_common.api import loading, validation

EXCHANGE = "nabo.events"
UNROUTED_EXCHANGE = "nabo.events.unrouted"
UNROUTED_QUEUE = "nabo.events.unrouted"
# when the event's transaction committed, in whole milliseconds since the epoch, set by the outbox relay;
# consumers time from it. An integer: every AMQP client reads those alike (pika garbles a double)
COMMITTED_AT_HEADER = "x-nabo-committed-at-ms"


class EnvelopeSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    id = fields.UUID(required=True)
    type = fields.String(required=True, validate=validate.Length(min=3, max=100))
    occurred_at = fields.AwareDateTime(required=True, default_timezone=timezone.utc)
    source = fields.String(required=True)
    association_id = fields.String(allow_none=True, load_default=None)
    # the person whose request caused the event (None: the system itself); the audit trail's "who"
    actor_id = fields.String(allow_none=True, load_default=None)
    schema_version = fields.Integer(required=True, validate=validate.Range(min=1))
    data = fields.Dict(required=True)


@dataclass(frozen=True)
class EventType:
    name: str
    source: str
    schema: type
    version: int
    description: str

    @property
    def example(self):
        """A realistic ``data`` of the type (its contract's ``@example``), or None."""
        return self.schema.__dict__.get(EXAMPLE_ATTRIBUTE)


EXAMPLE_ATTRIBUTE = "nabo_example"
REGISTRY: dict[str, EventType] = {}


def event_type(name, source, description, version=1):
    """Class decorator registering a data schema for an event type."""

    def register(schema_cls):
        if name in REGISTRY:
            raise ValueError(f"event type {name} registered twice")
        REGISTRY[name] = EventType(name, source, schema_cls, version, description)
        return schema_cls

    return register


def example(data):
    """Class decorator giving a contract a realistic ``data``, for the AsyncAPI document
    (``nabo_common.messaging.asyncapi``) and the tests that check that document against what is published;
    put it below the ``event_type`` decorators."""

    def attach(schema_cls):
        setattr(schema_cls, EXAMPLE_ATTRIBUTE, data)
        return schema_cls

    return attach


class UnknownEventType(ValueError):
    pass


def get_type(name):
    try:
        return REGISTRY[name]
    except KeyError:
        raise UnknownEventType(f"unknown event type {name!r}") from None


def build(name, data, association_id=None, event_id=None, occurred_at=None, actor_id=None):
    """Validate ``data`` for ``name`` and wrap it in an envelope (a JSON-ready dict)."""
    etype = get_type(name)
    schema = validation.schema(etype.schema)
    data = loading.load(schema, data)  # raises ValidationError with every field's problem
    return {
        "id": str(event_id or uuid.uuid4()),
        "type": name,
        "occurred_at": (occurred_at or datetime.now(timezone.utc)).isoformat(),
        "source": etype.source,
        "association_id": str(association_id) if association_id is not None else None,
        "actor_id": str(actor_id) if actor_id is not None else None,
        "schema_version": etype.version,
        "data": validation.dump(etype.schema, data),
    }


def parse(body):
    """Validate an incoming envelope and its data; raises ValidationError or UnknownEventType."""
    if not isinstance(body, dict):
        raise ValidationError({"_schema": ["event body must be a JSON object"]})
    envelope = loading.load(validation.schema(EnvelopeSchema), body)
    etype = get_type(envelope["type"])
    if envelope["schema_version"] > etype.version:
        raise ValidationError(
            {"schema_version": [f"version {envelope['schema_version']} is newer than {etype.version}"]}
        )
    envelope["data"] = loading.load(validation.schema(etype.schema, unknown=EXCLUDE), envelope["data"])
    envelope["id"] = str(envelope["id"])
    return envelope
