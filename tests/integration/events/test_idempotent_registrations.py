"""Ten calls of one registration with the same scoped Idempotency-Key, all at once over RabbitMQ against
PostgreSQL (as retries reaching several gateway replicas would): each gets the same registration, and
one row is written."""

import uuid

import eventlet
import pytest
from nameko.standalone.rpc import ClusterRpcProxy
from sqlalchemy import create_engine, text

from nabo_common.runtime import context
from tests.integration.events.conftest import admin_caller, events_rpc
from tests.support.infra import running_system
from tests.unit.events.conftest import event_payload


@pytest.fixture(scope="module")
def system(amqp_uri):
    with running_system(amqp_uri, ["events"]) as system:
        yield system


def keyed_rpc(system, caller, key):
    settings = system.settings["events"]
    data = {
        context.CONTEXT_KEY: context.sign(caller, settings.context_keys),
        context.IDEMPOTENCY_KEY: key,
        context.IDEMPOTENCY_TTL: 3600,
    }
    return ClusterRpcProxy(
        {"AMQP_URI": settings.amqp_uri, "serializer": "json"}, context_data=data, timeout=30
    )


def test_concurrent_calls_with_one_key_register_once(system):
    admin = admin_caller("6a1f3c2e-9b7d-4e8a-a1c5-0d2e4f6a8b13")
    with events_rpc(system, admin) as events:
        event = events.create_event(event_payload())
        events.transition_event(event["id"], {"to": "published"})
    key, guest = uuid.uuid4().hex * 2, {"name": "Racer", "email": "racer@example.org", "person_id": None}

    def register(_):
        with keyed_rpc(system, context.Caller(), key) as proxy:
            return proxy.events.register(event["id"], guest)

    results = list(eventlet.GreenPool(10).imap(register, range(10)))

    assert len({r["id"] for r in results}) == 1
    engine = create_engine(system.settings["events"].database_url)
    with engine.connect() as connection:
        rows = connection.scalar(
            text("SELECT count(*) FROM registrations WHERE event_id = :id"), {"id": event["id"]}
        )
    engine.dispose()
    assert rows == 1
