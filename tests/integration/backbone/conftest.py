import json
import time
import uuid

import pika
import pytest
from nameko.containers import ServiceContainer
from sqlalchemy import create_engine

from nabo_common.messaging import envelopes, outbox
from nabo_common.persistence.db import make_sessionmaker
from nabo_common.runtime import settings
from tests.integration.backbone.probe import Base, OutboxEvent, ProbeService, person_data
from tests.support.infra import free_port, make_database


@pytest.fixture
def probe_db():
    url = make_database("members", migrate=False)
    engine = create_engine(url)
    Base.metadata.create_all(engine)
    engine.dispose()
    return url


@pytest.fixture
def start_probe(amqp_uri, probe_db):
    containers = []

    def start(amqp=None, **overrides):
        values = dict(amqp_uri=amqp or amqp_uri, database_url=probe_db, http_host="127.0.0.1",
                      http_port=free_port(), outbox_poll_seconds=0.2, event_retry_base_ms=100,
                      event_max_attempts=3, rpc_timeout=1.0)
        values.update(overrides)
        config = settings.load("members", **values).nameko_config()
        container = ServiceContainer(ProbeService, config)
        container.start()
        containers.append(container)
        return container

    yield start
    for container in containers:
        try:
            container.stop()
        except Exception:
            pass


@pytest.fixture
def broker(amqp_uri):
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    channel = connection.channel()
    channel.confirm_delivery()
    yield channel
    connection.close()


def publish_raw(
    channel, body, routing_key="person.updated", content_type="application/json", message_id=None
):
    channel.basic_publish(
        envelopes.EXCHANGE,
        routing_key,
        body,
        pika.BasicProperties(
            content_type=content_type, delivery_mode=2, message_id=message_id or str(uuid.uuid4())
        ),
        mandatory=True,
    )


def publish_person_event(channel, name, event_id=None):
    envelope = envelopes.build("person.updated", person_data(name), event_id=event_id)
    publish_raw(channel, json.dumps(envelope).encode(), message_id=envelope["id"])
    return envelope


def wait_until(predicate, timeout=15.0, interval=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()


def queue_depth(channel, queue):
    """Messages in ``queue``; 0 while it does not exist yet (a consumer declares its retry and dead
    queues with its first retry). Asked on a channel of its own: the broker closes a channel whose
    passive declare fails."""
    asking = channel.connection.channel()
    try:
        return asking.queue_declare(queue, passive=True).method.message_count
    except pika.exceptions.ChannelClosedByBroker as exc:
        if exc.reply_code != 404:
            raise
        return 0
    finally:
        if asking.is_open:
            asking.close()


def write_events(db_url, names):
    """Commit writes with their events straight into the service's database, as
    domain code does inside a worker (no broker needed to commit)."""
    engine = create_engine(db_url)
    session = make_sessionmaker(engine)()
    ids = []
    with session.begin():
        for name in names:
            ids.append(outbox.record(session, OutboxEvent, "person.updated", person_data(name))["id"])
    session.close()
    engine.dispose()
    return ids
