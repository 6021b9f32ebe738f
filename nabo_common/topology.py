"""RabbitMQ topology for events, declared identically by relays and consumers.

- ``nabo.events``: topic exchange, routing key = event type. Its alternate
  exchange catches events that no queue is bound for, so nothing published is
  ever silently dropped.
- ``nabo.<service>.<handler>``: one durable queue per consuming handler,
  declared up front from the event catalogue (so events published before the
  consumer first starts wait for it), with ``.retry`` (delayed redelivery via
  per-message TTL and dead-lettering back) and ``.dead`` (visible, replayable).
"""
import os

from nabo_common import events

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


def declared_bindings():
    """Queue name -> routing keys, from the catalogue's consumers."""
    bindings = {}
    for etype in events.load_contracts().values():
        for consumer in etype.consumers:
            service, _, handler = consumer.partition(".")
            bindings.setdefault(consumer_queue(service, handler), set()).add(etype.name)
    return bindings


def declare_with_pika(channel, bindings=None):
    """Declare exchanges, catalogue queues and their retry/dead companions."""
    channel.exchange_declare(events.UNROUTED_EXCHANGE, exchange_type="fanout", durable=True)
    channel.queue_declare(
        events.UNROUTED_QUEUE, durable=True,
        arguments={"x-queue-type": queue_type(), "x-message-ttl": UNROUTED_TTL_MS},
    )
    channel.queue_bind(events.UNROUTED_QUEUE, events.UNROUTED_EXCHANGE)
    channel.exchange_declare(
        events.EXCHANGE, exchange_type="topic", durable=True,
        arguments={"alternate-exchange": events.UNROUTED_EXCHANGE},
    )
    for queue, routing_keys in (declared_bindings() if bindings is None else bindings).items():
        channel.queue_declare(queue, durable=True, arguments=main_queue_arguments())
        channel.queue_declare(retry_queue(queue), durable=True, arguments=retry_queue_arguments(queue))
        channel.queue_declare(dead_queue(queue), durable=True, arguments=dead_queue_arguments())
        for key in sorted(routing_keys):
            channel.queue_bind(queue, events.EXCHANGE, routing_key=key)


def kombu_entities(queue, routing_keys):
    """kombu declarations for one consumer queue (used by the nameko entrypoint)."""
    from kombu import Exchange, Queue, binding

    unrouted = Exchange(events.UNROUTED_EXCHANGE, type="fanout", durable=True)
    exchange = Exchange(events.EXCHANGE, type="topic", durable=True,
                        arguments={"alternate-exchange": events.UNROUTED_EXCHANGE})
    main = Queue(
        queue, bindings=[binding(exchange, routing_key=key) for key in sorted(routing_keys)],
        durable=True, queue_arguments=main_queue_arguments(),
    )
    retry = Queue(retry_queue(queue), exchange=None, durable=True, queue_arguments=retry_queue_arguments(queue))
    dead = Queue(dead_queue(queue), exchange=None, durable=True, queue_arguments=dead_queue_arguments())
    return unrouted, exchange, main, retry, dead
