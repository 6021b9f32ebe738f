"""The PostgreSQL primary stopped during load and its streaming standby promoted, the services given
both hosts (libpq multi-host ``host=a,b`` with ``target_session_attrs=read-write``, SQLAlchemy's
``?host=a:port&host=b:port`` form): what a CloudNativePG switchover does. Runs after the broker
scenarios: from here on the suite's database is the promoted standby."""
import os
import time

import pytest

from tests.cluster.test_cluster_scenarios import assert_served, serving_again
from tests.faults.cluster import SERVICES, wait_until
from tests.faults.conftest import running
from tests.faults.ledger import RegistrationLoad, count_outcomes, settle_registrations
from tests.faults.servers import PostgresStandby, refuses_connections
from tests.faults.test_scenarios import finish, wait_sent

pytestmark = pytest.mark.timeout(900)


@pytest.fixture(scope="session")
def standby(cluster, private_postgres):
    yield from running(PostgresStandby(private_postgres))


def both_hosts(url, primary, standby):
    """A service's URL naming the primary and the standby; a session is opened on the one that writes."""
    head, _, database = url.rpartition("/")
    credentials = head.split("@", 1)[0]
    return (f"{credentials}@/{database}?host=127.0.0.1:{primary.port}&host=127.0.0.1:{standby.port}"
            "&target_session_attrs=read-write")


def streaming(cluster):
    return cluster.query("members", "SELECT state FROM pg_stat_replication") == [("streaming",)]


def unpublished_outbox_rows(cluster):
    return {s: {row_id for (row_id,) in cluster.query(
        s, "SELECT position FROM outbox_events WHERE published_at IS NULL")} for s in SERVICES}


def test_primary_stopped_and_standby_promoted_mid_load(cluster, world, sink, standby):
    primary = cluster.postgres
    assert wait_until(lambda: streaming(cluster), 60), "the standby does not stream from the primary"
    for service in SERVICES:
        for process in cluster.running(service):
            process.env[f"{service.upper()}_DATABASE_URL"] = both_hosts(cluster.direct_urls[service], primary,
                                                                        standby)
            cluster.restart(process, wait=False)
    cluster.wait_ready()
    event = world.event()
    load = RegistrationLoad(cluster.gateway_url(), event["id"], "d1", total=300, concurrency=3,
                            pause=0.2).start()
    wait_sent(load, 60)
    committed_before = {s: n for s, (n,) in ((s, cluster.query(s, "SELECT count(*) FROM outbox_events")[0])
                                             for s in SERVICES)}
    pending_before = unpublished_outbox_rows(cluster)
    switched = time.monotonic()
    primary.stop()
    refused = refuses_connections(primary.port)
    standby.promote()
    promoted = time.monotonic()
    # the suite follows: its queries, the database proxy and the test databases' clean-up
    cluster.postgres = standby
    cluster.direct_urls = {s: u.replace(f":{primary.port}/", f":{standby.port}/")
                           for s, u in cluster.direct_urls.items()}
    cluster.database.target = ("127.0.0.1", standby.port)
    os.environ["NABO_TEST_PG_URL"] = standby.admin_url
    serving = wait_until(lambda: serving_again(cluster, load, promoted), 180, interval=0.2)
    serving_seconds = round(time.monotonic() - switched, 1)
    load.wait(timeout=600)
    cluster.wait_ready()
    regs = settle_registrations(cluster, sink, [load], timeout=180)
    still_pending = unpublished_outbox_rows(cluster)
    kept = {s: cluster.query(s, "SELECT count(*) FROM outbox_events")[0][0] for s in SERVICES}
    during = load.between(switched, promoted + 10)
    finish(
        "d1. PostgreSQL primary stopped mid-load, streaming standby promoted (services given both hosts)",
        switched,
        regs,
        interrupted_at_most=1,  # a confirmation on the wire when the database went away
        serving_again_seconds=serving_seconds,
        answered_while_switching=dict(count_outcomes(during)),
        outbox_rows_committed_before_the_switch=sum(committed_before.values()),
        outbox_pending_at_switch=sum(len(ids) for ids in pending_before.values()),
    )
    assert refused and not standby.in_recovery(), "the primary did not stop or the standby not take over"
    assert serving, "the services did not serve again from the promoted standby"
    assert all(kept[s] >= committed_before[s] for s in SERVICES), "outbox rows committed before were lost"
    assert not any(still_pending.values()), f"outbox rows never published: {still_pending}"
    assert_served("d1.", cluster, [load], regs)
