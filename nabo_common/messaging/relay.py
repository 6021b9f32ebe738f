"""Outbox relay: publishes committed outbox rows to RabbitMQ.

A batch of claimed rows is published in one go on a channel in confirm mode,
and the broker's confirms for the whole batch are awaited once, before the
rows are marked published (one statement) in the transaction that claimed
them: one round trip per batch, not per event, which is what keeps the relay
ahead of a busy service. ``mandatory`` makes an unroutable publish come back
instead of vanishing (the alternate exchange normally catches those). Rows are claimed
with ``FOR UPDATE SKIP LOCKED`` so several replicas relay side by side without
publishing the same row twice in the normal case; after a crash between
publish and commit a row may go out again, which idempotent consumers absorb.

Rows a commit of this process wrote are handed to its relay at once (see
``nabo_common.messaging.outbox``) and published as they are: no claim, no reading back,
one statement to mark them, run by a green thread of its own (the marker) so
that the next rows go out while the last are being marked. The poll (every
``outbox_poll_seconds``) takes whatever is due besides: rows of other writers,
of a process that died, or refused by the broker and due again. Under load a
relay's green thread waits for the service's busy workers at each of its round
trips, so the fewer a published row takes, the sooner consumers see it.

py-amqp (under kombu) is used directly because it exposes confirms and
returns as callbacks, which a batch needs; pika's blocking channel waits for
each confirm on its own.
"""
import logging
import socket
import time
from collections import deque, namedtuple
from datetime import timedelta
from functools import lru_cache

import amqp
import eventlet
from eventlet.queue import Empty, LightQueue
from kombu import Connection
from kombu.exceptions import KombuError
from nameko.extensions import DependencyProvider
from sqlalchemy import Integer, Text, bindparam, cast, select, update
from sqlalchemy.exc import SQLAlchemyError

from nabo_common.persistence import db
from nabo_common.messaging import envelopes
from nabo_common.runtime import metrics
from nabo_common.messaging import outbox
from nabo_common.messaging import topology
from nabo_common.runtime import settings as settings_mod
from nabo_common.messaging.outbox import register_relay, unregister_relay, utcnow

log = logging.getLogger(__name__)
BATCH_SIZE = 200
MAX_BACKOFF_SECONDS = 30.0
CONFIRM_TIMEOUT_SECONDS = 10.0
HEARTBEAT_SECONDS = 30
# rows handed over and not yet published, at most (a broker outage); beyond, the poll takes them after the grace
MAX_HANDED_OVER = 2000


# the broker's word on a batch: rows it took, (row, error) it refused, and when it said so
Outcome = namedtuple("Outcome", "published failed confirmed_at")


def _rows_of(outcome):
    return [*outcome.published, *(row for row, _error in outcome.failed)]


class Wakeup:
    """A wake-up call for a green thread that waits with a timeout: calls made while it is busy are one
    call, and none is lost."""

    def __init__(self):
        self._pending = LightQueue(maxsize=1)

    def call(self):
        try:
            self._pending.put_nowait(True)
        except eventlet.queue.Full:
            pass

    def wait(self, seconds):
        """True if called, False once ``seconds`` passed."""
        try:
            return self._pending.get(timeout=seconds)
        except Empty:
            return False


class ConfirmTimeout(Exception):
    """The broker did not confirm a batch in time; the rows stay pending and go out again."""


# what the relay outlives: the broker or the database away for a while
RELAY_ERRORS = (amqp.exceptions.AMQPError, OSError, KombuError, ConfirmTimeout, SQLAlchemyError)


@lru_cache(maxsize=None)
def _due_rows(model):
    """The claim of a batch, built once per outbox table: building it cost about as much as running it."""
    # Core rows, the envelope as the text that was stored: nothing is parsed only to be dumped again
    # the commit of a row a poll takes is unknown: its creation, earlier, stands in for it
    return (select(model.position, model.event_id, model.event_type, cast(model.envelope, Text).label("body"),
                   model.headers, model.created_at, model.attempts, model.created_at.label("committed_at"))
            .where(model.published_at.is_(None), model.next_attempt_at <= bindparam("now"))
            .order_by(model.position)
            .limit(bindparam("limit", type_=Integer))
            .with_for_update(skip_locked=True))


@lru_cache(maxsize=None)
def _mark_published(table):
    # a handed-over row may have gone out through a poll as well (its relay was slower than the grace)
    return (update(table).where(table.c.position.in_(bindparam("positions", expanding=True)),
                                table.c.published_at.is_(None))
            .values(published_at=bindparam("now", type_=table.c.published_at.type), attempts=table.c.attempts + 1))


class OutboxPublisher:
    """Publishes outbox rows over one AMQP connection; no nameko involved."""

    def __init__(self, amqp_uri, model, engine, service_name, autocommit_engine=None):
        self.amqp_uri = amqp_uri
        self.model = model
        self.engine = engine  # a Core connection per batch: an ORM session around it doubled the batch's CPU
        # marks of handed-over rows: each is one statement, committed alone (no BEGIN and COMMIT round trips)
        self.autocommit_engine = autocommit_engine or engine
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
        """Publish one batch; returns the number of rows handled."""
        self._ensure_connected()
        with self.engine.begin() as connection:
            rows = connection.execute(_due_rows(self.model), {"now": utcnow(), "limit": batch_size}).all()
            if rows:
                self._record(connection, self._publish(rows))
        return len(rows)

    def publish_rows(self, rows):
        """Publish rows handed over by a commit, unmarked: the Outcome goes to ``mark``. They were never
        claimed, so nobody waits on a lock until they are marked."""
        self._ensure_connected()
        return self._publish(rows)

    def mark(self, outcomes):
        """Record the outcomes of handed-over rows, each statement committed alone."""
        with self.autocommit_engine.begin() as connection:
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
            connection.execute(_mark_published(table), {"now": now, "positions": [row.position for row in published]})
            metrics.OUTBOX_PUBLISHED.labels(self.service_name).inc(len(published))
            lag = metrics.OUTBOX_LAG.labels(self.service_name)
            for row in published:  # times are aware on every backend (UtcDateTime)
                lag.observe(max(0.0, (now - row.committed_at).total_seconds()))
        for row, error in failed:
            attempts = row.attempts + 1
            connection.execute(update(table).where(table.c.position == row.position).values(
                attempts=attempts, last_error=error[:1000],
                next_attempt_at=now + timedelta(seconds=min(MAX_BACKOFF_SECONDS, 2 ** attempts))))
            metrics.OUTBOX_FAILURES.labels(self.service_name).inc()
            log.warning("outbox event %s not accepted by broker: %s", row.event_id, error)


class OutboxRelay(DependencyProvider):
    """Runs an OutboxPublisher loop in a managed green thread of the service."""

    def __init__(self, model):
        self.model = model
        self._wakeup = Wakeup()
        self._handed_over = deque()
        self._running = False
        self._thread = None
        # outcomes of handed-over rows, published and not yet marked; the marker thread records them
        self._to_mark = deque()
        self._marks_due = Wakeup()
        self._marking = False
        self._marker = None

    def setup(self):
        self.settings = settings_mod.from_container(self.container)
        self.engine = db.make_engine(self.settings.database_url, pool_size=2)
        self.autocommit_engine = db.make_engine(self.settings.database_url, pool_size=1, autocommit=True)
        self.publisher = OutboxPublisher(self.settings.amqp_uri, self.model, self.engine, self.container.service_name,
                                         self.autocommit_engine)
        register_relay(self.engine.url, self)

    def start(self):
        self._running = self._marking = True
        self._marker = self.container.spawn_managed_thread(self._mark_loop, identifier="outbox-marker")
        self._thread = self.container.spawn_managed_thread(self._run, identifier="outbox-relay")

    def stop(self):
        self._running = False
        self.wake()
        if self._thread is not None:
            self._thread.wait()
        # the relay's last outcomes are in; the marker records them and ends
        self._marking = False
        self._marks_due.call()
        if self._marker is not None:
            self._marker.wait()
        self.publisher.close()
        unregister_relay(self.engine.url, self)
        self.engine.dispose()
        self.autocommit_engine.dispose()

    def kill(self):
        self._running = self._marking = False
        unregister_relay(self.engine.url, self)
        for thread in (self._thread, self._marker):
            if thread is not None:
                thread.kill()
        self.publisher.close()

    def wake(self):
        self._wakeup.call()

    def hand_over(self, rows):
        """Rows a commit wrote (outbox.OutboxRow), to publish now. Called in the committing worker."""
        room = MAX_HANDED_OVER - len(self._handed_over)
        self._handed_over.extend(rows[:max(0, room)])
        self.wake()

    def get_dependency(self, worker_ctx):
        return self

    def _take_handed_over(self):
        """Up to a batch of the rows handed over, leaving out those whose grace has passed: a poll may have
        taken them already, under its lock, and publishing them here too would only make a second copy."""
        oldest = utcnow() - outbox.HANDOVER_GRACE
        rows = []
        while self._handed_over and len(rows) < BATCH_SIZE:
            row = self._handed_over.popleft()
            if row.created_at > oldest:
                rows.append(row)
        return rows

    def _publish_handed_over(self):
        rows = self._take_handed_over()
        if not rows:
            return
        try:
            outcome = self.publisher.publish_rows(rows)
        except BaseException:
            self._handed_over.extendleft(reversed(rows))  # out again once the broker is back
            raise
        self._to_mark.append(outcome)
        self._marks_due.call()

    def _mark_loop(self):
        """Records what the relay published, while the relay goes on publishing: a mark is a round trip that
        rows committed meanwhile would otherwise wait for. If the database is away the rows stay unmarked;
        past their grace a poll publishes them once more, and consumers, being idempotent, absorb the copy."""
        backoff = 0.5
        while self._marking or self._to_mark:
            if not self._to_mark:
                self._marks_due.wait(self.settings.outbox_poll_seconds)
                continue
            outcomes = [self._to_mark.popleft() for _ in range(len(self._to_mark))]
            try:
                self.publisher.mark(outcomes)
                backoff = 0.5
            except RELAY_ERRORS as exc:
                oldest = utcnow() - outbox.HANDOVER_GRACE
                kept = [o for o in outcomes if any(row.created_at > oldest for row in _rows_of(o))]
                log.warning("outbox relay cannot mark %d published batches yet (%s: %s); %s",
                            len(outcomes), type(exc).__name__, str(exc)[:200],
                            "retrying" if self._marking else "stopping, a poll takes them")
                if not self._marking:
                    return
                self._to_mark.extendleft(reversed(kept))  # the rest: a poll may have published them again
                self._marks_due.wait(backoff)
                backoff = min(MAX_BACKOFF_SECONDS, backoff * 2)

    def _run(self):
        backoff = 0.5
        poll_due = 0.0  # the first pass claims what an earlier run left
        while self._running:
            try:
                if self._handed_over:
                    self._publish_handed_over()
                if time.monotonic() >= poll_due:
                    handled = self.publisher.publish_batch()
                    # a full batch: more are due, claim again at once
                    poll_due = 0.0 if handled >= BATCH_SIZE else time.monotonic() + self.settings.outbox_poll_seconds
                backoff = 0.5
            except RELAY_ERRORS as exc:
                log.warning("outbox relay cannot publish yet (%s: %s); retrying in %.1fs",
                            type(exc).__name__, str(exc)[:200], backoff)
                self.publisher.close()
                self._wakeup.wait(backoff)
                backoff = min(MAX_BACKOFF_SECONDS, backoff * 2)
                continue
            if self._handed_over or poll_due == 0.0:
                continue
            woken = self._wakeup.wait(max(0.0, poll_due - time.monotonic()))
            if self._running and not woken:  # idle: no commit woke the relay
                try:
                    self.publisher.keep_alive()
                except (amqp.exceptions.AMQPError, OSError, KombuError):
                    self.publisher.close()  # reconnected on the next batch
        self._publish_before_stopping()

    def _publish_before_stopping(self):
        """What the last workers committed goes out now rather than after the grace, if the broker lets it."""
        if not self._handed_over:
            return
        try:
            self._publish_handed_over()
        except RELAY_ERRORS as exc:
            log.warning("outbox relay stopping with %d events unpublished (%s); a relay's poll takes them",
                        len(self._handed_over), type(exc).__name__)
