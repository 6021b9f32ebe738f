"""The relay's polls after a burst of published events, on a server whose statistics predate the burst
(no vacuum or analyze since): each poll passes the rows published since by the index, not by visiting
them again, and the relay's statements do not wait for the WAL's flush."""
from sqlalchemy import create_engine, text

from nabo_common.messaging.outbox import HANDOVER_GRACE, utcnow
from nabo_common.messaging.publisher import BATCH_SIZE, due_outbox_rows
from nabo_common.messaging.relay import OutboxRelay
from tests.integration.backbone import probe
from tests.integration.backbone.conftest import wait_until, write_events
from tests.integration.backbone.test_outbox import backlog
from tests.support.plans import buffers, explained, nodes

BURST = 1500


def _relay_engine(container):
    (relay,) = [extension for extension in container.dependencies if isinstance(extension, OutboxRelay)]
    return relay.engine


def _analyze_while_empty(db_url):
    engine = create_engine(db_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("ANALYZE outbox_events"))
    engine.dispose()


def _poll_plan(engine):
    """The plan of a poll's claim as the relay's connections run it, with the buffers it read."""
    now = utcnow()
    with engine.connect() as connection:
        return explained(connection, due_outbox_rows(probe.OutboxEvent)._statement("claim", True),
                         {"now": now, "new_lease": now + HANDOVER_GRACE, "claim_limit": BATCH_SIZE})


def test_a_poll_after_a_burst_passes_the_published_rows_by_the_index(start_probe, probe_db):
    _analyze_while_empty(probe_db)
    container = start_probe()
    write_events(probe_db, [f"burst-{i}" for i in range(BURST)])
    assert wait_until(lambda: backlog(probe_db) == 0, timeout=60)
    engine = _relay_engine(container)

    _poll_plan(engine)  # as the relay's next poll would: marks the published rows' versions dead
    plan = _poll_plan(engine)

    scans = {node["Node Type"] for node in nodes(plan)}
    assert not any("Bitmap" in scan for scan in scans), scans
    assert plan["Actual Rows"] == 0
    # a few index pages, not a heap page per published row
    assert buffers(plan) < 60, plan


def test_the_relays_statements_do_not_wait_for_the_flush(start_probe):
    engine = _relay_engine(start_probe())
    with engine.connect() as connection:
        assert connection.execute(text("SHOW synchronous_commit")).scalar() == "off"
