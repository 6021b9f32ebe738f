"""Work kept as rows, done by whichever replica claims it first, with no lock held while it is done.

The outbox relay's poll, the e-mail dispatcher and the webhook dispatcher work through a table of due
rows the same way:

1. **Claim.** One statement takes up to ``limit`` due rows, oldest first, and gives them a lease
   (``UPDATE … SET <lease column> = :lease_until WHERE key IN (SELECT key … FOR UPDATE SKIP LOCKED)
   RETURNING …``), committed at once. On PostgreSQL the row locks last that statement only, and
   concurrent claimers skip each other's rows rather than wait; SQLite (local runs, one replica) has no
   row locks, and its single writer makes the statement atomic. A leased row is not due.
2. **Work**, outside any transaction: publishing, SMTP, HTTP. No lock is held across network I/O, so
   writers of the same rows never wait for a broker, a mail server or a webhook receiver.
3. **Outcome**, recorded only while the row still carries the claim's lease: done; or due again after
   the ``RetryPolicy``'s backoff; or given up once it has had its ``max_attempts``.

A claimer that dies leaves its rows leased; once the lease has run out they are due for any claimer
again. A row is therefore worked at least once, and once only when its work ends within the lease. A
claimer keeps the lease short and renews it while it works (``leases.RenewedLease``), so a dead claimer's
rows are due again within seconds while a live one's long work keeps them.
"""
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Integer, bindparam, select, update


@dataclass(frozen=True)
class RetryPolicy:
    """When a failed row is due again: ``first_delay`` seconds after its first failed attempt, doubling
    with each further one, at most ``max_delay``; no retry after ``max_attempts`` (None: no limit)."""

    first_delay: float
    max_delay: float
    max_attempts: int | None = None

    def delay(self, attempts):
        return timedelta(seconds=min(self.max_delay, self.first_delay * 2 ** max(0, attempts - 1)))

    def next_attempt_at(self, attempts, now):
        """``now`` plus the delay after ``attempts`` failed attempts, or None: give up."""
        if self.max_attempts is not None and attempts >= self.max_attempts:
            return None
        return now + self.delay(attempts)


def _dialect(connection):
    """A Connection's or a Session's dialect name."""
    bind = connection.get_bind() if hasattr(connection, "get_bind") else connection
    return bind.dialect.name


class DueRows:
    """A table of work items. ``due``: the condition of a row waiting for work, in terms of the table's
    columns and ``bindparam("now")``; ``order_by``: ascending columns, the order rows are claimed and
    returned in; ``lease``: the column a claim sets to the lease's end, which ``due`` must then exclude
    until it has passed; ``claimed`` and ``released``: further values a claim sets, and the values that
    hand a claimed row back (default: due now); ``returning``: what a claim returns (default: every column).
    """

    def __init__(self, table, due, order_by, lease, claimed=None, released=None, returning=None):
        (self.key,) = table.primary_key.columns
        self.table = table
        self.due = due
        self.order_by = tuple(order_by)
        self.lease = lease
        self.claimed = dict(claimed or {})
        self.released = dict(released or {lease.key: bindparam("now", type_=lease.type)})
        self.returning = tuple(returning) if returning is not None else tuple(table.c)
        self._statements = {}  # built once each: building one cost more than running it

    def claim(self, connection, now, lease_until, limit):
        """Lease up to ``limit`` rows due at ``now`` until ``lease_until``; returns them in ``order_by``
        order. The caller commits (on an autocommit connection the statement commits by itself)."""
        statement = self._statement("claim", _dialect(connection) == "postgresql")
        parameters = {"now": now, "new_lease": lease_until, "claim_limit": limit}
        rows = connection.execute(statement, parameters).all()
        # RETURNING follows no order
        names = [column.key for column in self.order_by]
        return sorted(rows, key=lambda row: tuple(row._mapping[name] for name in names))

    def _claim_statement(self, postgres):
        chosen = (select(self.key).where(self.due).order_by(*self.order_by)
                  .limit(bindparam("claim_limit", type_=Integer)).correlate(None))
        if postgres:
            chosen = chosen.with_for_update(skip_locked=True)
        values = {self.lease.key: bindparam("new_lease", type_=self.lease.type), **self.claimed}
        return update(self.table).where(self.key.in_(chosen)).values(values).returning(*self.returning)

    def settle(self, connection, key, lease_until, values):
        """Record a claimed row's outcome, ``values``, if the row still carries the claim's lease (a
        claimer whose lease ran out records nothing); returns whether it did."""
        parameters = {"claimed_key": key, "claimed_lease": lease_until, **values}
        return connection.execute(self._statement("settle", tuple(values)), parameters).rowcount == 1

    def release(self, connection, keys, lease_until, now):
        """Hand back claimed rows whose work has not started (due now, by default); returns how many."""
        parameters = {"claimed_keys": list(keys), "claimed_lease": lease_until, "now": now}
        return connection.execute(self._statement("release", None), parameters).rowcount

    def renew(self, connection, keys, lease_until, new_lease_until):
        """Move the lease of claimed rows that still carry ``lease_until`` to ``new_lease_until``
        (rows settled or taken over meanwhile carry another value); returns how many."""
        parameters = {"claimed_keys": list(keys), "claimed_lease": lease_until, "new_lease": new_lease_until}
        return connection.execute(self._statement("renew", None), parameters).rowcount

    def _statement(self, kind, variant):
        statement = self._statements.get((kind, variant))
        if statement is None:
            build = getattr(self, f"_{kind}_statement")
            statement = self._statements[(kind, variant)] = build(variant)
        return statement

    def _settle_statement(self, columns):
        return (
            update(self.table)
            .where(
                self.key == bindparam("claimed_key"),
                self.lease == bindparam("claimed_lease", type_=self.lease.type),
            )
            .values({column: bindparam(column, type_=self.table.c[column].type) for column in columns})
        )

    def _release_statement(self, _variant):
        return self._update_claimed().values(self.released)

    def _renew_statement(self, _variant):
        return self._update_claimed().values({self.lease.key: bindparam("new_lease", type_=self.lease.type)})

    def _update_claimed(self):
        return update(self.table).where(
            self.key.in_(bindparam("claimed_keys", expanding=True)),
            self.lease == bindparam("claimed_lease", type_=self.lease.type),
        )
