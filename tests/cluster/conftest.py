"""Beyond one machine, on one machine: the services as processes (tests/faults/cluster.py, production's
settings) against a three-node RabbitMQ cluster with quorum queues (tests/faults/servers.RabbitMQCluster),
every component given all three nodes. The PostgreSQL instance and the SMTP sink are the fault suite's.

The suite's world (an association with 2,000 newsletter readers) is built through a gateway of its own
with the write limit raised, as an import would be; the scenarios' gateway runs production's limits.
Results go to ``CLUSTER_RESULTS`` (default ``.nabo/cluster-results.json``), rendered into
docs/reliability.md by ``python -m tests.faults.report --cluster``.
"""
import os
import tempfile

import pytest

from tests.faults import conftest as faults
from tests.faults.cluster import ROOT, SERVICES, Cluster
from tests.faults.conftest import World, private_postgres, running, serving, sink  # noqa: F401 (fixtures)
from tests.faults.servers import RabbitMQCluster
from tests.support.infra import make_database
from tests.support.proxy import TcpProxy

faults.RESULTS_PATH = os.environ.get("CLUSTER_RESULTS", os.path.join(ROOT, ".nabo", "cluster-results.json"))
CAMPAIGN_RECIPIENTS = 2000
# what production sets for a RabbitMQ cluster beside PRODUCTION_SETTINGS (deploy/overlays/production); and
# a daily campaign cap above the default 5,000: c2, c3 and c4 each mail the world's 2,000 readers on one day
CLUSTER_SETTINGS = {"NABO_QUEUE_TYPE": "quorum", "CAMPAIGN_DAILY_CAP": "10000"}


@pytest.fixture(scope="session")
def rabbitmq_cluster():
    yield from running(RabbitMQCluster())


@pytest.fixture(scope="session")
def cluster(rabbitmq_cluster, sink, private_postgres):  # noqa: F811 (fixtures)
    database = TcpProxy("127.0.0.1", private_postgres.port)
    urls = {s: make_database(s) for s in SERVICES}
    log_dir = tempfile.mkdtemp(prefix="nabo-cluster-")
    cluster = Cluster(rabbitmq_cluster.uri, None, database, urls, sink.port, log_dir,
                      rabbitmq=rabbitmq_cluster, postgres=private_postgres, settings=CLUSTER_SETTINGS)
    yield from serving(cluster, (database,), timeout=180)


@pytest.fixture(autouse=True)
def healed(cluster):
    yield
    cluster.heal()


@pytest.fixture(scope="session")
def world(cluster):
    """An association with CAMPAIGN_RECIPIENTS newsletter readers, built through a gateway of its own whose
    write limit allows it (stopped once the world stands)."""
    builder = cluster.start("gateway", settings={"WRITE_RATE_LIMIT": "1000000/minute"})
    try:
        return World(cluster, recipients=CAMPAIGN_RECIPIENTS, gateway_url=builder.url, concurrency=6)
    finally:
        builder.stop()
        cluster.scale_down("gateway", keep=1)
