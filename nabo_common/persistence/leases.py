"""A claim's lease, kept short and renewed while its work runs.

Rows a claimer leased are due again once the lease has run out. A short lease lets a surviving or
restarted claimer take over a dead one's rows within seconds; renewing it every third of its length,
on a green thread of its own, lets work that lasts longer than the lease (a slow mail server, the send
rate of a campaign) keep its rows. A claimer that dies renews nothing.
"""
import logging
import threading
from datetime import datetime, timedelta, timezone

log = logging.getLogger(__name__)


def _utcnow():
    return datetime.now(timezone.utc)


class RenewedLease:
    """The lease of the rows ``keys`` of ``due`` (a ``DueRows``), claimed until ``until``, renewed for
    ``seconds`` more through connections of ``engine`` while the ``with`` block runs.

    ``until`` is the lease the rows carry now. A renewal that finds none of the rows still carrying it
    (all settled, or taken over after a stall) leaves it to run out; ``expired()`` then tells the claimer
    to stop. Statements that match rows by their lease run in ``held()``, so that no renewal moves it
    between reading ``until`` and their commit."""

    def __init__(self, due, engine, keys, until, seconds, now=_utcnow):
        self.due = due
        self.engine = engine
        self.keys = list(keys)
        self.until = until
        self.seconds = seconds
        self.now = now
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = None

    def __enter__(self):
        self._thread = threading.Thread(target=self._renew_until_stopped, name="lease-renewal", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *_exc):
        self._stop.set()
        self._thread.join()

    def expired(self):
        return self.now() >= self.until

    def held(self):
        """A context in which the lease is not renewed."""
        return self._lock

    def _renew_until_stopped(self):
        while not self._stop.wait(self.seconds / 3):
            try:
                self.renew()
            except Exception as exc:  # a database away: the lease may run out; the claimer stops then
                log.warning("cannot renew the lease of %d claimed rows: %s", len(self.keys), exc)

    def renew(self):
        """Renew the lease now; returns how many rows still carried it."""
        with self._lock:
            new_until = self.now() + timedelta(seconds=self.seconds)
            with self.engine.begin() as connection:
                renewed = self.due.renew(connection, self.keys, self.until, new_until)
            if renewed:
                self.until = new_until
            return renewed
