"""Outbox publisher: publishes outbox rows to RabbitMQ over one AMQP connection; no nameko involved.

A batch of rows is published in one go on a channel in confirm mode, and the broker's confirms for the
whole batch are awaited once, before the rows are marked published (one statement): one round trip per
batch, not per event, which is what keeps the relay ahead of a busy service. ``mandatory`` makes an
unroutable publish come back instead of vanishing (the alternate exchange normally catches those).

Rows come two ways. ``publish_rows`` takes rows a commit of this process handed over (see
``nabo_common.messaging.outbox``): published as they are, no claim, no reading back, marked later by
``mark``. ``publish_batch`` claims due rows (``nabo_common.persistence.due_rows``: one statement, ``FOR
UPDATE SKIP LOCKED``, a lease of ``outbox.HANDOVER_GRACE`` on ``next_attempt_at``), publishes them with no
lock or transaction held while the broker confirms, and marks them; several replicas relay side by side
without publishing the same row twice in the normal case. After a crash between publish and mark a row
goes out again once its lease has run out, which idempotent consumers absorb.

py-amqp (under kombu) is used directly because it exposes confirms and returns as callbacks, which a
batch needs; pika's blocking channel waits for each confirm on its own.
"""
import logging
import socket
import time
from collections import namedtuple
from functools import lru_cache

import amqp
from kombu import Connection
from sqlalchemy import Text, bindparam, cast, update
from sqlalchemy.exc import SQLAlchemyError

from nabo_common.messaging import envelopes, outbox, topology
from nabo_common.messaging.outbox import utcnow
from nabo_common.persistence.due_rows import DueRows, RetryPolicy
from nabo_common.runtime import metrics

log = logging.getLogger(__name__)
BATCH_SIZE = 200
MAX_BACKOFF_SECONDS = 30.0
CONFIRM_TIMEOUT_SECONDS = 10.0
HEARTBEAT_SECONDS = 30
# a row the broker refused: due again 2 s later, doubling up to 30 s, for as long as it takes
REFUSED_RETRY = RetryPolicy(first_delay=2.0, max_delay=MAX_BACKOFF_SECONDS)


# the broker's word on a batch: rows it took, (row, error) it refused, and when it said so
Outcome = namedtuple("Outcome", "published failed confirmed_at")


class ConfirmTimeout(Exception):
    """The broker did not confirm a batch in time; the rows stay pending and go out again."""


@lru_cache(maxsize=None)
def due_outbox_rows(model):
    """The due rows of an outbox table, as a poll claims them: the columns of an ``outbox.OutboxRow``."""
    # Core rows, the envelope as the text that was stored: nothing is parsed only to be dumped again;
    # the commit of a row a poll takes is unknown: its creation, earlier, stands in for it
    return DueRows(model.__table__,
                   due=(model.published_at.is_(None) & (model.next_attempt_at <= bindparam("now"))),
                   order_by=(model.position,), lease=model.next_attempt_at,
                   returning=(model.position, model.event_id, model.event_type,
                              cast(model.envelope, Text).label("body"), model.headers, model.created_at,
                              model.attempts, model.created_at.label("committed_at")))


@lru_cache(maxsize=None)
def _mark_published(table):
    # a handed-over row may have gone out through a poll as well (its relay was slower than the grace)
    return (update(table).where(table.c.position.in_(bindparam("positions", expanding=True)),
                                table.c.published_at.is_(None))
            .values(published_at=bindparam("now", type_=table.c.published_at.type),
                    attempts=table.c.attempts + 1))


class OutboxPublisher:
    """Publishes outbox rows over one AMQP connection. ``engine`` is best an autocommit engine: a claim
    and each mark is one statement, committed alone (no BEGIN and COMMIT round trips)."""

    def __init__(self, amqp_uri, model, engine, service_name):
        self.amqp_uri = amqp_uri
        self.model = model
        self.engine = engine  # Core connections: an ORM session around a batch doubled its CPU
        self.service_name = service_name
        self.connection = None  # kombu Connection
        self.channel = None  # py-amqp channel in confirm mode
        self._next_tag = 1
        self._unconfirmed = {}  # delivery tag -> row
        self._outcomes = {}  # delivery tag -> (row, error or None)
        self._returned = {}  # message id -> why the broker could not route it

    def connect(self):
        self.connection = Connection(self.amqp_uri, heartbeat=HEARTBEAT_SECONDS, connect_timeout=5)
        self.connection.connect()
        self.channel = self.connection.connection.channel()
        self.channel.confirm_select()
        self.channel.events["basic_ack"].add(self._on_ack)
        self.channel.events["basic_nack"].add(self._on_nack)
        self.channel.events["basic_return"].add(self._on_return)
        topology.declare_with_amqp(self.channel)
        self._next_tag = 1
        self._unconfirmed, self._outcomes, self._returned = {}, {}, {}

    def close(self):
        try:
            if self.connection is not None:
                self.connection.close()
        except Exception:  # closing a broken connection may itself fail
            pass
        self.connection = self.channel = None

    @property
    def connected(self):
        return self.channel is not None and self.channel.is_open and self.connection.connected

    def keep_alive(self):
        """Read what the broker sent while the relay was idle (its heartbeats) and send ours when due."""
        if not self.connected:
            return
        try:
            self.connection.connection.drain_events(timeout=0.01)
        except socket.timeout:
            pass
        self.connection.heartbeat_check()

    def _ensure_connected(self):
        if not self.connected:
            self.close()
            self.connect()

    def publish_batch(self, batch_size=BATCH_SIZE):
        """Claim a batch of due rows, publish and mark them; returns the number of rows claimed."""
        self._ensure_connected()
        due = due_outbox_rows(self.model)
        now = utcnow()
        lease_until = now + outbox.HANDOVER_GRACE
        with self.engine.begin() as connection:
            rows = due.claim(connection, now, lease_until, batch_size)
        if not rows:
            return 0
        try:
            outcome = self._publish(rows)
        except Exception:  # not on a kill: the lease hands them back then
            self._release(due, rows, lease_until)
            raise
        self.mark([outcome])
        return len(rows)

    def _release(self, due, rows, lease_until):
        """Rows whose publishing failed are due again at once, as if never claimed, for the next try."""
        try:
            with self.engine.begin() as connection:
                due.release(connection, [row.position for row in rows], lease_until, utcnow())
        except SQLAlchemyError as exc:
            log.warning("outbox relay cannot hand back %d claimed events (%s); due when their lease ends",
                        len(rows), type(exc).__name__)

    def publish_rows(self, rows):
        """Publish rows handed over by a commit, unmarked: the Outcome goes to ``mark``. They were never
        claimed, so nobody waits on a lock until they are marked."""
        self._ensure_connected()
        return self._publish(rows)

    def forget_published_before(self, before):
        """Delete the rows published before ``before``; how many were deleted."""
        return outbox.forget_published_before(self.engine, self.model, before)

    def mark(self, outcomes):
        """Record the outcomes of published rows."""
        with self.engine.begin() as connection:
            for outcome in outcomes:
                self._record(connection, outcome)

    def _publish(self, rows):
        """Publish ``rows`` and await the broker's word on each; returns their Outcome."""
        self._unconfirmed, self._outcomes, self._returned = {}, {}, {}
        for row in rows:
            headers = dict(row.headers or {})
            headers[envelopes.COMMITTED_AT_HEADER] = round(row.committed_at.timestamp() * 1000)
            message = amqp.Message(
                row.body.encode("utf-8"),
                content_type="application/json", content_encoding="utf-8", delivery_mode=2,
                message_id=row.event_id, type=row.event_type, app_id=self.service_name,
                timestamp=int(time.time()), application_headers=headers,
            )
            self.channel.basic_publish(message, exchange=envelopes.EXCHANGE, routing_key=row.event_type,
                                       mandatory=True)
            self._unconfirmed[self._next_tag] = row
            self._next_tag += 1
        deadline = time.monotonic() + CONFIRM_TIMEOUT_SECONDS
        while self._unconfirmed:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ConfirmTimeout(f"{len(self._unconfirmed)} of {len(rows)} events not confirmed "
                                     f"within {CONFIRM_TIMEOUT_SECONDS:g} s")
            try:
                self.connection.connection.drain_events(timeout=remaining)
            except socket.timeout:
                continue
        published, failed = [], []
        for row, error in self._outcomes.values():
            error = error or self._returned.get(row.event_id)
            if error:
                failed.append((row, error))
            else:
                published.append(row)
        return Outcome(published, failed, utcnow())

    def _settle(self, delivery_tag, multiple, error):
        tags = [t for t in self._unconfirmed if t <= delivery_tag] if multiple else [delivery_tag]
        for tag in tags:
            row = self._unconfirmed.pop(tag, None)
            if row is not None:
                self._outcomes[tag] = (row, error)

    def _on_ack(self, delivery_tag, multiple):
        self._settle(delivery_tag, multiple, None)

    def _on_nack(self, delivery_tag, multiple):
        self._settle(delivery_tag, multiple, "NackError: the broker refused the event")

    def _on_return(self, exc, exchange, routing_key, message):
        # a return arrives before the confirm of the same message
        self._returned[message.properties.get("message_id")] = f"UnroutableError: {exc}"

    def _record(self, connection, outcome):
        """Mark a batch's outcome: the published rows in one statement, each refused one with its reason."""
        table = self.model.__table__
        published, failed, now = outcome
        if published:
            connection.execute(_mark_published(table),
                               {"now": now, "positions": [row.position for row in published]})
            metrics.OUTBOX_PUBLISHED.labels(self.service_name).inc(len(published))
            lag = metrics.OUTBOX_LAG.labels(self.service_name)
            for row in published:  # times are aware on every backend (UtcDateTime)
                lag.observe(max(0.0, (now - row.committed_at).total_seconds()))
        for row, error in failed:
            attempts = row.attempts + 1
            connection.execute(update(table).where(table.c.position == row.position).values(
                attempts=attempts, last_error=error[:1000],
                next_attempt_at=REFUSED_RETRY.next_attempt_at(attempts, now)))
            metrics.OUTBOX_FAILURES.labels(self.service_name).inc()
            log.warning("outbox event %s not accepted by broker: %s", row.event_id, error)
