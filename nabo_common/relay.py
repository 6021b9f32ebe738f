"""Outbox relay: publishes committed outbox rows to RabbitMQ.

pika's blocking client is the right tool here: publisher confirms tell us the
broker has the message before the row is marked published, and ``mandatory``
turns an unroutable publish into an error instead of a silent drop (the
alternate exchange normally catches those). Rows are claimed with ``FOR
UPDATE SKIP LOCKED`` so several replicas relay side by side without
publishing the same row twice in the normal case; after a crash between
publish and commit a row may go out again, which idempotent consumers absorb.
"""
import json
import logging
import time
from datetime import timedelta, timezone

import eventlet
import pika
from eventlet.queue import Empty, LightQueue
from nameko.extensions import DependencyProvider
from pika.exceptions import AMQPError, NackError, UnroutableError
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from nabo_common import db, events, metrics, topology
from nabo_common import settings as settings_mod
from nabo_common.outbox import register_waker, unregister_waker, utcnow

log = logging.getLogger(__name__)
BATCH_SIZE = 200
MAX_BACKOFF_SECONDS = 30.0

class OutboxPublisher:
    """Publishes outbox rows over one pika connection; no nameko involved."""

    def __init__(self, amqp_uri, model, session_factory, service_name):
        self.amqp_uri = amqp_uri
        self.model = model
        self.session_factory = session_factory
        self.service_name = service_name
        self.connection = None
        self.channel = None

    def connect(self):
        params = pika.URLParameters(self.amqp_uri)
        params.heartbeat = 30
        params.blocked_connection_timeout = 30
        params.connection_attempts = 1
        params.socket_timeout = 5
        self.connection = pika.BlockingConnection(params)
        self.channel = self.connection.channel()
        self.channel.confirm_delivery()
        topology.declare_with_pika(self.channel)

    def close(self):
        try:
            if self.connection is not None and self.connection.is_open:
                self.connection.close()
        except Exception:  # closing a broken connection may itself fail
            pass
        self.connection = self.channel = None

    def publish_batch(self, batch_size=BATCH_SIZE):
        """Publish one batch; returns the number of rows handled."""
        if self.channel is None or not self.channel.is_open:
            self.close()
            self.connect()
        else:
            # pika's blocking connection answers heartbeats only while it does I/O: an idle relay
            # would otherwise be disconnected by the broker and pay a reconnect on the next event
            self.connection.process_data_events(time_limit=0)
        model = self.model
        now = utcnow()
        session = self.session_factory()
        try:
            with session.begin():
                rows = session.scalars(
                    select(model)
                    .where(model.published_at.is_(None), model.next_attempt_at <= now)
                    .order_by(model.position)
                    .limit(batch_size)
                    .with_for_update(skip_locked=True)
                ).all()
                for row in rows:
                    self._publish_row(row)
            return len(rows)
        finally:
            session.close()

    def _publish_row(self, row):
        properties = pika.BasicProperties(
            content_type="application/json",
            content_encoding="utf-8",
            delivery_mode=2,
            message_id=row.event_id,
            type=row.event_type,
            app_id=self.service_name,
            timestamp=int(time.time()),
            headers=dict(row.headers or {}),
        )
        body = json.dumps(row.envelope).encode("utf-8")
        try:
            self.channel.basic_publish(events.EXCHANGE, row.event_type, body, properties, mandatory=True)
        except (UnroutableError, NackError) as exc:
            row.attempts += 1
            row.last_error = f"{type(exc).__name__}: {exc}"[:1000]
            row.next_attempt_at = utcnow() + timedelta(seconds=min(MAX_BACKOFF_SECONDS, 2 ** row.attempts))
            metrics.OUTBOX_FAILURES.labels(self.service_name).inc()
            log.warning("outbox event %s not accepted by broker: %s", row.event_id, exc)
            return
        row.published_at = utcnow()
        row.attempts += 1
        metrics.OUTBOX_PUBLISHED.labels(self.service_name).inc()
        created = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=timezone.utc)
        metrics.OUTBOX_LAG.labels(self.service_name).observe(max(0.0, (row.published_at - created).total_seconds()))


class OutboxRelay(DependencyProvider):
    """Runs an OutboxPublisher loop in a managed green thread of the service."""

    def __init__(self, model):
        self.model = model
        self._wakeup = LightQueue(maxsize=1)
        self._running = False
        self._thread = None

    def setup(self):
        self.settings = settings_mod.from_container(self.container)
        self.engine = db.make_engine(self.settings.database_url, pool_size=2)
        self.publisher = OutboxPublisher(
            self.settings.amqp_uri, self.model, db.make_sessionmaker(self.engine), self.container.service_name
        )
        register_waker(self.engine.url, self.wake)

    def start(self):
        self._running = True
        self._thread = self.container.spawn_managed_thread(self._run, identifier="outbox-relay")

    def stop(self):
        self._running = False
        self.wake()
        if self._thread is not None:
            self._thread.wait()
        self.publisher.close()
        unregister_waker(self.engine.url, self.wake)
        self.engine.dispose()

    def kill(self):
        self._running = False
        if self._thread is not None:
            self._thread.kill()
        self.publisher.close()

    def wake(self):
        try:
            self._wakeup.put_nowait(True)
        except eventlet.queue.Full:
            pass

    def get_dependency(self, worker_ctx):
        return self

    def _run(self):
        backoff = 0.5
        while self._running:
            try:
                handled = self.publisher.publish_batch()
                backoff = 0.5
                if handled >= BATCH_SIZE:
                    continue
            except (AMQPError, OSError, SQLAlchemyError) as exc:
                log.warning("outbox relay cannot publish yet (%s: %s); retrying in %.1fs",
                            type(exc).__name__, str(exc)[:200], backoff)
                self.publisher.close()
                self._sleep(backoff)
                backoff = min(MAX_BACKOFF_SECONDS, backoff * 2)
                continue
            self._sleep(self.settings.outbox_poll_seconds)

    def _sleep(self, seconds):
        try:
            self._wakeup.get(timeout=seconds)
        except Empty:
            pass
