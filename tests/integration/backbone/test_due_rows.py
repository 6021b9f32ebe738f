"""Due rows on PostgreSQL: concurrent claimers skip each other's rows instead of waiting, and no row
lock outlives the claim, so the rows can be written by others while their work runs."""
import pytest
from sqlalchemy import text

from nabo_common.messaging.outbox import utcnow
from nabo_common.persistence import db
from tests.support.due_rows import DUE_ITEMS, LEASE, add_items, claim, items, metadata
from tests.support.infra import make_database, side_by_side


@pytest.fixture
def engine():
    url = make_database("members", migrate=False)
    engine = db.make_engine(url)
    metadata.create_all(engine)
    yield engine
    engine.dispose()


def _write_without_waiting(engine, item_id, note):
    """Write a row from another connection, failing at once instead of waiting for a lock."""
    with engine.begin() as connection:
        connection.execute(text("SET LOCAL lock_timeout = '200ms'"))
        return connection.execute(text("UPDATE work_items SET note = :note WHERE id = :id"),
                                  {"note": note, "id": item_id}).rowcount


def test_a_claim_in_progress_is_skipped_by_another_claimer_not_waited_for(engine):
    add_items(engine, [1, 2, 3])
    now = utcnow()
    with engine.connect() as first:
        first_rows = DUE_ITEMS.claim(first, now, now + LEASE, 2)  # its transaction still open
        second, _ = claim(engine, now)  # SKIP LOCKED: the third row, at once
        first.commit()
    assert [row.id for row in first_rows] == [1, 2] and second == [3]


def test_claimed_rows_can_be_written_by_others_while_their_work_runs(engine):
    add_items(engine, [1, 2])
    claimed, lease_until = claim(engine, utcnow())
    # the work runs now: nothing of the claim holds a lock
    assert [_write_without_waiting(engine, n, "unsubscribed meanwhile") for n in claimed] == [1, 1]
    with engine.begin() as connection:
        assert DUE_ITEMS.settle(connection, 1, lease_until, {"status": "done"})
    assert items(engine)[1].note == "unsubscribed meanwhile"


def test_claimers_side_by_side_take_each_row_once(engine):
    add_items(engine, range(1, 201))
    now = utcnow()

    def claim_until_none_left():
        taken = []
        while batch := claim(engine, now, limit=7)[0]:
            taken.extend(batch)
        return taken

    replicas = side_by_side(claim_until_none_left, replicas=3)
    assert sorted(n for taken in replicas for n in taken) == list(range(1, 201))
