"""A table of work items for tests of ``nabo_common.persistence.due_rows``, the way the e-mail
dispatcher keeps one: a status, a next attempt time and a lease column of its own."""
from datetime import timedelta

from sqlalchemy import Column, Integer, MetaData, String, Table, bindparam, insert, select

from nabo_common.messaging.outbox import utcnow
from nabo_common.persistence.due_rows import DueRows
from nabo_common.persistence.types import UtcDateTime

metadata = MetaData()
ITEMS = Table("work_items", metadata,
              Column("id", Integer, primary_key=True, autoincrement=False),
              Column("status", String(12), nullable=False),
              Column("attempts", Integer, nullable=False, default=0),
              Column("next_attempt_at", UtcDateTime, nullable=False),
              Column("lease_until", UtcDateTime),
              Column("note", String(100)))
DUE_ITEMS = DueRows(ITEMS,
                    due=(ITEMS.c.status == "queued") & (ITEMS.c.next_attempt_at <= bindparam("now")),
                    order_by=(ITEMS.c.id,), lease=ITEMS.c.lease_until,
                    claimed={"status": "claimed"}, released={"status": "queued", "lease_until": None})
LEASE = timedelta(seconds=60)


def add_items(engine, ids, due_in=timedelta(0)):
    now = utcnow()
    with engine.begin() as connection:
        connection.execute(insert(ITEMS), [{"id": n, "status": "queued", "attempts": 0,
                                            "next_attempt_at": now + due_in} for n in ids])


def items(engine):
    with engine.connect() as connection:
        return {row.id: row for row in connection.execute(select(ITEMS))}


def claim(engine, now, limit=10, lease=LEASE):
    """Claim and commit, as a claimer does before its work; returns (ids, lease_until)."""
    with engine.begin() as connection:
        rows = DUE_ITEMS.claim(connection, now, now + lease, limit)
    return [row.id for row in rows], now + lease
