"""RabbitMQ topology for events, declared identically by relays and consumers.

- ``nabo.events``: topic exchange, routing key = event type. Its alternate
  exchange catches events that no queue is bound for, so nothing published is
  ever silently dropped.
- ``nabo.<service>.<handler>``: one durable queue per consuming handler, with
  ``.retry`` (delayed redelivery via per-message TTL and dead-lettering back)
  and ``.dead`` (visible, replayable). Every consumer of every service is
  handed in by the composition root (``nabo_common.cli``, from the services'
  ``subscriptions.py``) and declared by each relay before it first publishes,
  so events published before a consumer first starts wait for it.
"""
import os

from nabo_common.messaging import envelopes

UNROUTED_TTL_MS = 7 * 24 * 3600 * 1000


def queue_type():
    return os.environ.get("NABO_QUEUE_TYPE", "classic")


def main_queue_arguments():
    return {"x-queue-type": queue_type()}


def retry_queue_arguments(queue):
    return {
        "x-queue-type": queue_type(),
        "x-dead-letter-exchange": "",
        "x-dead-letter-routing-key": queue,
    }


def dead_queue_arguments():
    return {"x-queue-type": queue_type()}


def retry_queue(queue):
    return f"{queue}.retry"


def dead_queue(queue):
    return f"{queue}.dead"


def consumer_queue(service, handler):
    return f"nabo.{service}.{handler}"


# queue name -> routing keys of every consumer of the system, handed in by the composition root
_consumers = {}


def register_consumers(bindings):
    """Make ``bindings`` (queue name -> event types) the consumer queues this process declares."""
    _consumers.clear()
    _consumers.update(bindings)


def declared_bindings():
    """Queue name -> routing keys of the consumer queues handed in by the composition root."""
    return dict(_consumers)


def declaration_plan(bindings=None):
    """Exchanges, consumer queues with their retry/dead companions, and bindings, in order:
    ("exchange", name, type, arguments) | ("queue", name, arguments) | ("bind", queue, exchange, key)."""
    yield ("exchange", envelopes.UNROUTED_EXCHANGE, "fanout", None)
    yield (
        "queue",
        envelopes.UNROUTED_QUEUE,
        {"x-queue-type": queue_type(), "x-message-ttl": UNROUTED_TTL_MS},
    )
    yield ("bind", envelopes.UNROUTED_QUEUE, envelopes.UNROUTED_EXCHANGE, "")
    yield ("exchange", envelopes.EXCHANGE, "topic", {"alternate-exchange": envelopes.UNROUTED_EXCHANGE})
    for queue, routing_keys in (declared_bindings() if bindings is None else bindings).items():
        yield ("queue", queue, main_queue_arguments())
        yield ("queue", retry_queue(queue), retry_queue_arguments(queue))
        yield ("queue", dead_queue(queue), dead_queue_arguments())
        for key in sorted(routing_keys):
            yield ("bind", queue, envelopes.EXCHANGE, key)


def declare_with_pika(channel, bindings=None):
    """Declare the whole topology on a pika channel."""
    for step in declaration_plan(bindings):
        if step[0] == "exchange":
            channel.exchange_declare(step[1], exchange_type=step[2], durable=True, arguments=step[3])
        elif step[0] == "queue":
            channel.queue_declare(step[1], durable=True, arguments=step[2])
        else:
            channel.queue_bind(step[1], step[2], routing_key=step[3] or None)


def declare_with_amqp(channel, bindings=None):
    """Declare the whole topology on a py-amqp channel (its declarations auto-delete by default)."""
    for step in declaration_plan(bindings):
        if step[0] == "exchange":
            channel.exchange_declare(step[1], step[2], durable=True, auto_delete=False, arguments=step[3])
        elif step[0] == "queue":
            channel.queue_declare(step[1], durable=True, auto_delete=False, arguments=step[2])
        else:
            channel.queue_bind(step[1], step[2], routing_key=step[3])


def kombu_entities(queue, routing_keys):
    """kombu declarations for one consumer queue (used by the nameko entrypoint)."""
    from kombu import Exchange, Queue, binding

    unrouted = Exchange(envelopes.UNROUTED_EXCHANGE, type="fanout", durable=True)
    exchange = Exchange(
        envelopes.EXCHANGE,
        type="topic",
        durable=True,
        arguments={"alternate-exchange": envelopes.UNROUTED_EXCHANGE},
    )
    main = Queue(
        queue,
        bindings=[binding(exchange, routing_key=key) for key in sorted(routing_keys)],
        durable=True,
        queue_arguments=main_queue_arguments(),
    )
    retry = Queue(
        retry_queue(queue), exchange=None, durable=True, queue_arguments=retry_queue_arguments(queue)
    )
    dead = Queue(dead_queue(queue), exchange=None, durable=True, queue_arguments=dead_queue_arguments())
    return unrouted, exchange, main, retry, dead
