"""Outbox relay: the nameko dependency that runs an ``OutboxPublisher`` in green threads of the service.

Rows a commit of this process wrote are handed to its relay at once (see ``nabo_common.messaging.outbox``)
and published as they are: no claim, no reading back, one statement to mark them, run by a green thread of
its own (the marker) so that the next rows go out while the last are being marked. The poll (every
``outbox_poll_seconds``) claims whatever is due besides: rows of other writers, of a process that died, or
refused by the broker and due again. Under load a relay's green thread waits for the service's busy
workers at each of its round trips, so the fewer a published row takes, the sooner consumers see it.

A third green thread (the pruner) deletes, at start and hourly, the rows published longer ago than
``outbox_retention_days``, in batches that replicas can delete side by side.
"""
import logging
import time
from collections import deque
from datetime import timedelta

import amqp
import eventlet
from eventlet.queue import Empty, LightQueue
from kombu.exceptions import KombuError
from nameko.extensions import DependencyProvider
from sqlalchemy.exc import SQLAlchemyError

from nabo_common.messaging import outbox
from nabo_common.messaging.outbox import register_relay, unregister_relay, utcnow
from nabo_common.messaging.publisher import BATCH_SIZE, MAX_BACKOFF_SECONDS, ConfirmTimeout, OutboxPublisher
from nabo_common.persistence import db
from nabo_common.persistence.due_rows import RetryPolicy
from nabo_common.runtime import settings as settings_mod

log = logging.getLogger(__name__)
# rows handed over and not yet published, at most (a broker outage); beyond, the poll takes them after
# the grace
MAX_HANDED_OVER = 2000
# the broker or the database away: tried again 0.5 s later, doubling up to 30 s
RECONNECT = RetryPolicy(first_delay=0.5, max_delay=MAX_BACKOFF_SECONDS)
# how often published rows past the retention are deleted
PRUNE_SECONDS = 3600

# The relay's connections. A poll finds the outbox's unpublished rows by a plain index scan, which marks
# in the index the versions of rows published since as dead, so the next poll skips them; a bitmap or
# sequential scan, which the planner takes on statistics from before a burst, visits every one of them
# again on every poll until a vacuum (every statement of the relay has an index to go by). Its statements
# (claims, marks, deletions) do not wait for the WAL's flush: one lost to a crash of the server leaves rows
# to be published once more, which consumers, being idempotent, absorb
RELAY_SETTINGS = ("enable_bitmapscan=off", "enable_seqscan=off", "synchronous_commit=off")
# what the relay outlives: the broker or the database away for a while
RELAY_ERRORS = (amqp.exceptions.AMQPError, OSError, KombuError, ConfirmTimeout, SQLAlchemyError)


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
        self._pruning = Wakeup()
        self._pruner = None

    def setup(self):
        self.settings = settings_mod.from_container(self.container)
        # the claim and each mark are one statement: committed alone, with no BEGIN and COMMIT round trips
        self.engine = db.make_engine(self.settings.database_url, pool_size=2, autocommit=True,
                                     settings=RELAY_SETTINGS)
        self.publisher = OutboxPublisher(self.settings.amqp_uri, self.model, self.engine,
                                         self.container.service_name)
        register_relay(self.engine.url, self)

    def start(self):
        self._running = self._marking = True
        self._marker = self.container.spawn_managed_thread(self._mark_loop, identifier="outbox-marker")
        self._thread = self.container.spawn_managed_thread(self._run, identifier="outbox-relay")
        self._pruner = self.container.spawn_managed_thread(self._prune_loop, identifier="outbox-pruner")

    def stop(self):
        self._running = False
        self.wake()
        self._pruning.call()
        for thread in (self._thread, self._pruner):
            if thread is not None:
                thread.wait()
        # the relay's last outcomes are in; the marker records them and ends
        self._marking = False
        self._marks_due.call()
        if self._marker is not None:
            self._marker.wait()
        self.publisher.close()
        unregister_relay(self.engine.url, self)
        self.engine.dispose()

    def kill(self):
        self._running = self._marking = False
        unregister_relay(self.engine.url, self)
        for thread in (self._thread, self._marker, self._pruner):
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
        failures = 0
        while self._marking or self._to_mark:
            if not self._to_mark:
                self._marks_due.wait(self.settings.outbox_poll_seconds)
                continue
            outcomes = [self._to_mark.popleft() for _ in range(len(self._to_mark))]
            try:
                self.publisher.mark(outcomes)
                failures = 0
            except RELAY_ERRORS as exc:
                failures += 1
                oldest = utcnow() - outbox.HANDOVER_GRACE
                kept = [o for o in outcomes if any(row.created_at > oldest for row in _rows_of(o))]
                log.warning("outbox relay cannot mark %d published batches yet (%s: %s); %s",
                            len(outcomes), type(exc).__name__, str(exc)[:200],
                            "retrying" if self._marking else "stopping, a poll takes them")
                if not self._marking:
                    return
                self._to_mark.extendleft(reversed(kept))  # the rest: a poll may have published them again
                self._marks_due.wait(RECONNECT.delay(failures).total_seconds())

    def prune(self):
        """Delete the rows published longer ago than the retention; how many were deleted."""
        before = utcnow() - timedelta(days=self.settings.outbox_retention_days)
        return self.publisher.forget_published_before(before)

    def _prune_loop(self):
        while self._running:
            try:
                deleted = self.prune()
                if deleted:
                    log.info("outbox: deleted %d events published over %d days ago", deleted,
                             self.settings.outbox_retention_days)
            except RELAY_ERRORS as exc:
                log.warning("outbox relay cannot delete published events yet (%s: %s); trying again in %ds",
                            type(exc).__name__, str(exc)[:200], PRUNE_SECONDS)
            self._pruning.wait(PRUNE_SECONDS)

    def _run(self):
        failures = 0
        poll_due = 0.0  # the first pass claims what an earlier run left
        while self._running:
            try:
                if self._handed_over:
                    self._publish_handed_over()
                if time.monotonic() >= poll_due:
                    handled = self.publisher.publish_batch()
                    # a full batch: more are due, claim again at once
                    poll_due = (
                        0.0 if handled >= BATCH_SIZE else time.monotonic() + self.settings.outbox_poll_seconds
                    )
                failures = 0
            except RELAY_ERRORS as exc:
                failures += 1
                delay = RECONNECT.delay(failures).total_seconds()
                log.warning(
                    "outbox relay cannot publish yet (%s: %s); retrying in %.1fs",
                    type(exc).__name__,
                    str(exc)[:200],
                    delay,
                )
                self.publisher.close()
                self._wakeup.wait(delay)
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
            log.warning(
                "outbox relay stopping with %d events unpublished (%s); a relay's poll takes them",
                len(self._handed_over),
                type(exc).__name__,
            )
