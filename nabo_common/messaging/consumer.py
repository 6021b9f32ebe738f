"""The event consumer entrypoint: a nameko Consumer that never loses a message.

nameko's own event handler acks a message whose handler raised, losing it.
Here a failure is republished (with publisher confirms) to the queue's
``.retry`` queue with a growing per-message TTL, from where RabbitMQ
dead-letters it back; after ``EVENT_MAX_ATTEMPTS`` it goes to ``.dead`` with
the error attached. A failure of the infrastructure (database, broker or
another service unreachable, see ``transient.py``) does not use up those
attempts: it is retried, backing off to once a minute, until
``EVENT_RETRY_WINDOW_SECONDS`` have passed since its first failure. Only then
is the original acked, so a crash at any point leaves the message in RabbitMQ.
A malformed or unknown event goes straight to ``.dead``: retrying cannot fix
it. Messages behind a failing one keep flowing.

Services do not declare it by hand: ``handlers.consumer_decorator`` makes their handlers such consumers.
"""
import json
import logging
import time
import traceback
from datetime import datetime, timezone
from functools import partial

from marshmallow import ValidationError
from nameko.amqp.publish import Publisher
from nameko.exceptions import ContainerBeingKilled
from nameko.messaging import Consumer, QueueConsumer

from nabo_common.messaging import envelopes, topology
from nabo_common.messaging.transient import is_transient
from nabo_common.runtime import metrics
from nabo_common.runtime import settings as settings_mod

log = logging.getLogger(__name__)
ATTEMPTS_HEADER = "x-nabo-attempts"
OUTAGE_RETRIES_HEADER = "x-nabo-outage-retries"
FIRST_FAILURE_HEADER = "x-nabo-first-failure"
MAX_BACKOFF_MS = 60_000


class Poison(Exception):
    """The message can never be handled; it goes to the dead-letter queue now."""


class EventQueueConsumer(QueueConsumer):
    """nameko's queue consumer, except that a body kombu cannot decode (bad
    JSON, a disallowed content type) is dead-lettered instead of breaking the
    consumer loop and being redelivered for ever."""

    def get_consumers(self, consumer_cls, channel):
        consumers = super().get_consumers(consumer_cls, channel)
        for provider, consumer in self._consumers.items():
            consumer.on_decode_error = partial(self._undecodable, provider)
        return consumers

    def _undecodable(self, provider, message, exc):
        provider.dead_letter_undecodable(message, exc)


class EventConsumer(Consumer):
    queue_consumer = EventQueueConsumer()

    def __init__(self, *event_types, **kwargs):
        if not event_types:
            raise ValueError("an event consumer needs at least one event type")
        self.event_types = event_types
        super().__init__(queue=None, **kwargs)

    def setup(self):
        settings = settings_mod.from_container(self.container)
        self.max_attempts = settings.event_max_attempts
        self.retry_base_ms = settings.event_retry_base_ms
        self.retry_window_seconds = settings.event_retry_window_seconds
        self.queue_name = topology.consumer_queue(self.container.service_name, self.method_name)
        entities = topology.kombu_entities(self.queue_name, self.event_types)
        _unrouted, _exchange, self.queue, self.retry_queue, self.dead_queue = entities
        # declaring retry and dead queues with the consumer means they exist before the first failure
        self.publisher = Publisher(
            settings.amqp_uri, use_confirms=True, declare=[self.retry_queue, self.dead_queue]
        )
        super().setup()

    @property
    def consumer_name(self):
        return f"{self.container.service_name}.{self.method_name}"

    def handle_message(self, body, message):
        if isinstance(body, (bytes, str)):
            try:
                body = json.loads(body)
            except ValueError:
                self._dead(body, message, "MalformedJSON", "body is not JSON", attempts=1)
                return
        try:
            envelope = envelopes.parse(body)
        except (ValidationError, envelopes.UnknownEventType) as exc:
            self._dead(body, message, type(exc).__name__, str(exc), attempts=1)
            return
        self._time_since_commit(metrics.EVENT_DELIVERY, message)
        context_data = self.unpack_message_headers(message)
        handle_result = partial(self.handle_result, message, body)
        try:
            self.container.spawn_worker(
                self, (envelope,), {}, context_data=context_data, handle_result=handle_result
            )
        except ContainerBeingKilled:
            self.queue_consumer.requeue_message(message)

    def handle_result(self, message, body, worker_ctx, result=None, exc_info=None):
        handler = self.method_name
        service = self.container.service_name
        if exc_info is None:
            metrics.EVENTS_HANDLED.labels(service, handler, "ok").inc()
            self.queue_consumer.ack_message(message)
            self._time_since_commit(metrics.EVENT_HANDLED, message)
            return result, exc_info
        headers = message.headers or {}
        error = exc_info[0].__name__
        detail = "".join(traceback.format_exception(*exc_info))[-4000:]
        first_failure = headers.get(FIRST_FAILURE_HEADER)
        first_failure = first_failure if isinstance(first_failure, (int, float)) else time.time()
        attempts = int(headers.get(ATTEMPTS_HEADER, 0))
        outage_retries = int(headers.get(OUTAGE_RETRIES_HEADER, 0))
        transient = is_transient(exc_info[1])
        if transient:
            outage_retries += 1
        else:
            attempts += 1
        try:
            if isinstance(exc_info[1], Poison) or attempts >= self.max_attempts:
                exhausted = True
            elif transient:
                exhausted = time.time() - first_failure >= self.retry_window_seconds
            else:
                exhausted = False
            if exhausted:
                metrics.EVENTS_HANDLED.labels(service, handler, "dead").inc()
                self._dead(body, message, error, detail, attempts + outage_retries)
            else:
                metrics.EVENTS_HANDLED.labels(service, handler, "retry").inc()
                self._retry(body, message, attempts, outage_retries, first_failure, error, transient)
        except Exception:
            # could not park it: leave it to RabbitMQ to redeliver rather than lose it
            log.exception("could not move failed event to retry/dead queue; requeueing")
            self.queue_consumer.requeue_message(message)
        return result, exc_info

    def _time_since_commit(self, histogram, message):
        """Observe how long after its commit the event got here; a header missing (an event not from an
        outbox) or garbled is not timed, and the event is handled all the same."""
        seconds = metrics.seconds_since(
            (message.headers or {}).get(envelopes.COMMITTED_AT_HEADER), time.time()
        )
        if seconds is not None:
            histogram.labels(self.container.service_name, self.method_name).observe(seconds)

    def dead_letter_undecodable(self, message, exc):
        try:
            self._dead(message.body, message, type(exc).__name__, str(exc), attempts=1, raw=True)
        except Exception:
            log.exception("could not dead-letter an undecodable message; requeueing")
            self.queue_consumer.requeue_message(message)

    def _headers(self, message, attempts, **extra):
        headers = dict(message.headers or {})
        headers[ATTEMPTS_HEADER] = attempts
        headers.update(extra)
        return headers

    def _retry(self, body, message, attempts, outage_retries, first_failure, error, transient):
        delay_ms = min(MAX_BACKOFF_MS, self.retry_base_ms * 2 ** (attempts + outage_retries - 1))
        if transient:
            log.warning(
                "event handler %s could not reach a dependency (%s), outage retry %d; retrying in %d ms",
                self.consumer_name,
                error,
                outage_retries,
                delay_ms,
            )
        else:
            log.warning(
                "event handler %s failed (%s), attempt %d; retrying in %d ms",
                self.consumer_name,
                error,
                attempts,
                delay_ms,
            )
        headers = self._headers(
            message,
            attempts,
            **{
                "x-nabo-last-error": error,
                OUTAGE_RETRIES_HEADER: outage_retries,
                FIRST_FAILURE_HEADER: first_failure,
            },
        )
        self.publisher.publish(
            body,
            exchange="",
            routing_key=self.retry_queue.name,
            serializer="json",
            expiration=delay_ms / 1000.0,
            headers=headers,
            message_id=message.properties.get("message_id"),
        )
        self.queue_consumer.ack_message(message)

    def _dead(self, body, message, error, detail, attempts, raw=False):
        log.error(
            "event for %s dead-lettered after %d attempt(s): %s",
            self.consumer_name,
            attempts,
            error,
            extra={"queue": self.dead_queue.name, "error": error},
        )
        headers = self._headers(
            message,
            attempts,
            **{
                "x-nabo-error": error,
                "x-nabo-error-detail": detail[-4000:],
                "x-nabo-failed-at": datetime.now(timezone.utc).isoformat(),
                "x-nabo-original-queue": self.queue_name,
                "x-nabo-routing-key": message.delivery_info.get("routing_key", ""),
            },
        )
        # an undecodable body is kept byte for byte, with its original content type
        encoding = (
            dict(
                content_type=message.content_type or "application/octet-stream",
                content_encoding=message.content_encoding or "binary",
            )
            if raw
            else {"serializer": "json"}
        )
        self.publisher.publish(
            body,
            exchange="",
            routing_key=self.dead_queue.name,
            headers=headers,
            message_id=message.properties.get("message_id"),
            **encoding,
        )
        self.queue_consumer.ack_message(message)
