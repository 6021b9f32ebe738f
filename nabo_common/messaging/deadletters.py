"""Dead-letter tools over plain AMQP (pika): list queues with dead letters,
inspect messages without consuming them, replay them to their queue.

    python -m nabo_common.cli deadletters list
    python -m nabo_common.cli deadletters show nabo.notifications.on_registration.dead
    python -m nabo_common.cli deadletters replay nabo.notifications.on_registration.dead [--limit N]
"""
import json

import pika

from nabo_common.messaging import brokers, topology

REPLAY_STRIP = ("x-nabo-attempts", "x-nabo-error", "x-nabo-error-detail", "x-nabo-failed-at", "x-death",
                "x-nabo-last-error", "x-nabo-outage-retries", "x-nabo-first-failure",
                "x-first-death-exchange", "x-first-death-queue", "x-first-death-reason")


def connect(amqp_uri):
    return brokers.pika_connection(amqp_uri, socket_timeout=5)


def dead_queue_names():
    return sorted(topology.dead_queue(q) for q in topology.declared_bindings())


def list_dead(amqp_uri, queues=None):
    connection = connect(amqp_uri)
    try:
        result = {}
        for queue in queues or dead_queue_names():
            channel = connection.channel()
            try:
                result[queue] = channel.queue_declare(queue, passive=True).method.message_count
                channel.close()
            except pika.exceptions.ChannelClosedByBroker:
                result[queue] = None
        return result
    finally:
        connection.close()


def _decode(body):
    try:
        return json.loads(body)
    except ValueError:
        return body.decode("utf-8", "replace")


def show(amqp_uri, queue, limit=20):
    """Peek: read messages and requeue them all (nothing is removed)."""
    connection = connect(amqp_uri)
    channel = connection.channel()
    messages = []
    try:
        for _ in range(limit):
            method, properties, body = channel.basic_get(queue, auto_ack=False)
            if method is None:
                break
            headers = properties.headers or {}
            messages.append({
                "message_id": properties.message_id,
                "routing_key": headers.get("x-nabo-routing-key"),
                "attempts": headers.get("x-nabo-attempts"),
                "error": headers.get("x-nabo-error"),
                "failed_at": headers.get("x-nabo-failed-at"),
                "detail": headers.get("x-nabo-error-detail"),
                "body": _decode(body),
            })
    finally:
        connection.close()  # unacked messages return to the queue in order
    return messages


def replay(amqp_uri, dead_queue, limit=None):
    """Move messages from a dead-letter queue back to the queue they died in.
    Each is published with confirms before it is acked, so none is lost."""
    connection = connect(amqp_uri)
    channel = connection.channel()
    channel.confirm_delivery()
    replayed = 0
    try:
        while limit is None or replayed < limit:
            method, properties, body = channel.basic_get(dead_queue, auto_ack=False)
            if method is None:
                break
            headers = dict(properties.headers or {})
            target = headers.get("x-nabo-original-queue") or dead_queue.removesuffix(".dead")
            for key in REPLAY_STRIP:
                headers.pop(key, None)
            headers["x-nabo-replayed"] = True
            props = pika.BasicProperties(content_type=properties.content_type or "application/json",
                                         delivery_mode=2, message_id=properties.message_id, headers=headers)
            channel.basic_publish("", target, body, props, mandatory=True)
            channel.basic_ack(method.delivery_tag)
            replayed += 1
    finally:
        connection.close()
    return replayed
