"""Due rows (SQLite): a claim leases the oldest due rows and commits; a leased row is nobody else's until
its lease runs out, then any claimer's, and only the holder of the current lease records an outcome.
One backoff, with a cap and an optional limit of attempts, serves every user."""
import sqlite3
import time
from datetime import timedelta

import pytest
from sqlalchemy import bindparam

from nabo_common.messaging.outbox import utcnow
from nabo_common.persistence import db
from nabo_common.persistence.due_rows import DueRows, RetryPolicy
from nabo_common.persistence.leases import RenewedLease
from tests.support.due_rows import DUE_ITEMS, ITEMS, LEASE, add_items, claim, items, metadata


@pytest.fixture
def engine(tmp_path):
    engine = db.make_engine(f"sqlite:///{tmp_path / 'work.db'}")
    metadata.create_all(engine)
    yield engine
    engine.dispose()


def test_a_claim_leases_the_oldest_due_rows_up_to_the_limit_in_order(engine):
    add_items(engine, [3, 1, 2, 4])
    add_items(engine, [5], due_in=timedelta(minutes=5))  # not due yet
    now = utcnow()
    claimed, lease_until = claim(engine, now, limit=3)
    assert claimed == [1, 2, 3]
    stored = items(engine)
    assert [(stored[n].status, stored[n].lease_until) for n in claimed] == [("claimed", lease_until)] * 3
    assert stored[4].status == "queued" and stored[4].lease_until is None
    # claimed rows are not due again; the next claim takes the rest
    assert claim(engine, now)[0] == [4]
    assert claim(engine, now)[0] == []
    assert claim(engine, now + timedelta(minutes=6))[0] == [5]


def test_only_the_holder_of_the_current_lease_records_an_outcome(engine):
    add_items(engine, [1])
    now = utcnow()
    _, lease_until = claim(engine, now)
    with engine.begin() as connection:
        assert not DUE_ITEMS.settle(connection, 1, lease_until + timedelta(seconds=1), {"status": "done"})
        assert DUE_ITEMS.settle(connection, 1, lease_until, {"status": "done", "lease_until": None})
    assert items(engine)[1].status == "done"


def test_when_the_lease_runs_out_another_claimer_takes_the_row_and_the_first_records_nothing(engine):
    add_items(engine, [1, 2])
    now = utcnow()
    first, first_lease = claim(engine, now)
    assert first == [1, 2]
    assert claim(engine, now + LEASE - timedelta(seconds=1))[0] == []  # still leased
    # the first claimer died or stalled; its lease runs out, and the dead-worker recovery the
    # dispatcher runs before each claim puts such rows back in the queue
    later = now + LEASE + timedelta(seconds=1)
    with engine.begin() as connection:
        assert DUE_ITEMS.release(connection, [1, 2], first_lease, later) == 2
    second, second_lease = claim(engine, later)
    assert second == [1, 2]
    with engine.begin() as connection:
        assert not DUE_ITEMS.settle(connection, 1, first_lease, {"status": "done"})  # too late
        assert DUE_ITEMS.settle(connection, 1, second_lease, {"status": "done"})
    assert items(engine)[1].status == "done" and items(engine)[2].status == "claimed"


def test_a_row_leased_through_its_next_attempt_time_is_due_again_when_the_lease_runs_out(engine):
    """The outbox and webhooks lease through ``next_attempt_at``: no recovery step, the due condition
    itself lets the row go when the lease has passed."""
    by_next_attempt = DueRows(ITEMS, due=(ITEMS.c.status == "queued")
                              & (ITEMS.c.next_attempt_at <= bindparam("now")),
                              order_by=(ITEMS.c.id,), lease=ITEMS.c.next_attempt_at)
    add_items(engine, [1])
    now = utcnow()
    with engine.begin() as connection:
        assert [row.id for row in by_next_attempt.claim(connection, now, now + LEASE, 10)] == [1]
        assert by_next_attempt.claim(connection, now + LEASE - timedelta(seconds=1), now, 10) == []
        taken = by_next_attempt.claim(connection, now + LEASE, now + 2 * LEASE, 10)
        assert [row.id for row in taken] == [1]
        # handed back: due at once
        assert by_next_attempt.release(connection, [1], now + 2 * LEASE, now) == 1
        assert [row.id for row in by_next_attempt.claim(connection, now, now + LEASE, 10)] == [1]


def test_released_rows_are_due_at_once_and_rows_of_another_lease_are_left_alone(engine):
    add_items(engine, [1, 2])
    now = utcnow()
    _, lease_until = claim(engine, now)
    with engine.begin() as connection:
        DUE_ITEMS.settle(connection, 2, lease_until, {"status": "sending", "lease_until": now + 2 * LEASE})
        assert DUE_ITEMS.release(connection, [1, 2], lease_until, now) == 1
    stored = items(engine)
    assert (stored[1].status, stored[1].lease_until) == ("queued", None)
    assert stored[2].status == "sending"
    assert claim(engine, now)[0] == [1]


def test_the_work_runs_with_no_write_lock_held(engine, tmp_path):
    """SQLite has one writer: a claim left uncommitted during the work would block every other writer."""
    add_items(engine, [1])
    claimed, _ = claim(engine, utcnow())
    other = sqlite3.connect(str(tmp_path / "work.db"), timeout=0.2)
    try:
        other.execute("UPDATE work_items SET note = 'written while the work runs' WHERE id = 1")
        other.commit()
    finally:
        other.close()
    assert claimed == [1] and items(engine)[1].note == "written while the work runs"


def test_backoff_doubles_from_the_first_delay_up_to_the_cap():
    relay = RetryPolicy(first_delay=2.0, max_delay=30.0)
    assert [relay.delay(n).total_seconds() for n in range(1, 7)] == [2, 4, 8, 16, 30, 30]
    mail = RetryPolicy(first_delay=30.0, max_delay=6 * 3600.0, max_attempts=6)
    delays = [mail.delay(n).total_seconds() for n in (1, 2, 3, 10, 11, 20)]
    assert delays == [30, 60, 120, 15360, 6 * 3600, 6 * 3600]


def test_a_row_is_given_up_once_it_has_had_its_attempts():
    now = utcnow()
    policy = RetryPolicy(first_delay=30.0, max_delay=6 * 3600.0, max_attempts=3)
    assert policy.next_attempt_at(1, now) == now + timedelta(seconds=30)
    assert policy.next_attempt_at(2, now) == now + timedelta(seconds=60)
    assert policy.next_attempt_at(3, now) is None
    endless = RetryPolicy(first_delay=2.0, max_delay=30.0)
    assert endless.next_attempt_at(1000, now) == now + timedelta(seconds=30)


def test_a_renewed_lease_keeps_its_rows_and_a_dead_claimers_lease_runs_out(engine):
    add_items(engine, [1, 2])
    now = utcnow()
    short = timedelta(seconds=1)
    (alive,), alive_until = claim(engine, now, limit=1, lease=short)
    (dead,), _ = claim(engine, now, limit=1, lease=short)  # its claimer renews nothing
    with RenewedLease(DUE_ITEMS, engine, [alive], alive_until, seconds=1) as lease:
        time.sleep(1.5)
        stored = items(engine)
        assert stored[dead].lease_until < utcnow() < stored[alive].lease_until
        assert not lease.expired()
        with lease.held(), engine.begin() as connection:
            assert DUE_ITEMS.settle(connection, alive, lease.until, {"status": "done"})
    assert items(engine)[alive].status == "done"
