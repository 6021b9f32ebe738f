"""Health and metrics endpoints every service exposes, and the checks behind them.

``/health/live``: the process answers. ``/health/ready``: the database and
the broker are reachable right now. ``/metrics``: Prometheus exposition,
including the outbox backlog and the dead-letter queue depths, read at
scrape time.
"""
import json
import logging

import pika
from kombu import Connection
from nameko.extensions import DependencyProvider
from nameko.web.handlers import http
from werkzeug.wrappers import Response

from nabo_common.messaging import brokers, outbox
from nabo_common.messaging.consumer import EventConsumer
from nabo_common.messaging.relay import OutboxRelay
from nabo_common.persistence import db as db_mod
from nabo_common.runtime import metrics
from nabo_common.runtime import settings as settings_mod

log = logging.getLogger(__name__)

# (service, callable) pairs feeding the process-wide gauges below
_backlog_sources = []
_dead_letter_sources = []


def _collect(sources):
    for source in list(sources):
        yield from source()


metrics.register_callback_gauge("nabo_outbox_backlog", "Outbox events not yet published", ["service"],
                                lambda: _collect(_backlog_sources))
metrics.register_callback_gauge(
    "nabo_dead_letters",
    "Messages waiting in dead-letter queues",
    ["service", "queue"],
    lambda: _collect(_dead_letter_sources),
)


def broker_reachable(amqp_uri, timeout=2.0):
    try:
        with Connection(amqp_uri, connect_timeout=timeout) as conn:
            # one attempt per node of a cluster's failover list (kombu moves to the next on a failure)
            conn.ensure_connection(max_retries=len(settings_mod.broker_urls(amqp_uri)), interval_start=0,
                                   timeout=timeout)
        return True, None
    except Exception as exc:  # readiness reports, it never raises
        return False, f"{type(exc).__name__}: {str(exc)[:200]}"


def queue_depths(amqp_uri, queues, timeout=2.0):
    depths = {}
    connection = brokers.pika_connection(amqp_uri, socket_timeout=timeout)
    try:
        for queue in queues:
            channel = connection.channel()
            try:
                depths[queue] = channel.queue_declare(queue, passive=True).method.message_count
                channel.close()
            except pika.exceptions.ChannelClosedByBroker:
                depths[queue] = 0  # not declared yet: nothing has died there
    finally:
        connection.close()
    return depths


class Operations(DependencyProvider):
    """Finds the container's database, relay and consumers and checks them."""

    def setup(self):
        self.settings = settings_mod.from_container(self.container)
        self.service = self.container.service_name
        self.database = next((d for d in self.container.dependencies if isinstance(d, db_mod.Database)), None)
        relay = next((d for d in self.container.dependencies if isinstance(d, OutboxRelay)), None)
        self.outbox_model = relay.model if relay else None
        self.dead_queues = sorted(
            f"nabo.{self.service}.{e.method_name}.dead"
            for e in self.container.entrypoints
            if isinstance(e, EventConsumer)
        )
        self._sources = []
        if self.outbox_model is not None and self.database is not None:
            self._sources.append((_backlog_sources, self._backlog))
        if self.dead_queues:
            self._sources.append((_dead_letter_sources, self._dead_letters))
        for registry, source in self._sources:
            registry.append(source)

    def stop(self):
        for registry, source in self._sources:
            if source in registry:
                registry.remove(source)

    def _backlog(self):
        session = self.database.session_factory()
        try:
            yield [self.service], outbox.backlog(session, self.outbox_model)
        finally:
            session.close()

    def _dead_letters(self):
        for queue, depth in queue_depths(self.settings.amqp_uri, self.dead_queues).items():
            yield [self.service, queue], depth

    def readiness(self):
        checks = {}
        ok, error = broker_reachable(self.settings.amqp_uri)
        checks["broker"] = {"ok": ok, **({"error": error} if error else {})}
        if self.database is not None:
            ok, error = db_mod.database_reachable(self.database.engine)
            checks["database"] = {"ok": ok, **({"error": error} if error else {})}
        return all(c["ok"] for c in checks.values()), checks

    def get_dependency(self, worker_ctx):
        return self


def json_response(status, payload, content_type="application/json"):
    return Response(json.dumps(payload), status=status, content_type=content_type)


class OperationsEndpoints:
    """Mixin for service classes: declare ``operations = Operations()`` too."""

    @http("GET", "/health/live")
    def health_live(self, request):
        return json_response(200, {"status": "ok", "service": self.name})

    @http("GET", "/health/ready")
    def health_ready(self, request):
        ready, checks = self.operations.readiness()
        return json_response(
            200 if ready else 503,
            {"status": "ok" if ready else "unavailable", "service": self.name, "checks": checks},
        )

    @http("GET", "/metrics")
    def metrics(self, request):
        return Response(
            metrics.exposition(), status=200, content_type="text/plain; version=0.0.4; charset=utf-8"
        )
