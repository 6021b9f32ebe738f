"""Fault suite: the real services as separate OS processes against the real
RabbitMQ (a private vhost) and PostgreSQL (private databases), each reached
through a TCP proxy this process controls, plus an in-process SMTP sink.

One cluster serves the whole suite; every scenario leaves it healed (proxies
open, processes continued, one replica each). Results go to a JSON file
(``FAULT_RESULTS``, default ``.nabo/fault-results.json``);
``python -m tests.faults.report`` renders them into docs/reliability.md.
"""
import glob
import json
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

from tests.faults.cluster import ROOT, SERVICES, Cluster, wait_until
from tests.support.api import Api, Tenant, check, platform_admin_token, unique
from tests.support.infra import free_port, make_database, private_vhost
from tests.support.proxy import TcpProxy
from tests.support.smtp import SmtpSink

RESULTS = {}
RESULTS_PATH = os.environ.get("FAULT_RESULTS", os.path.join(ROOT, ".nabo", "fault-results.json"))


def record(scenario, **figures):
    """Keep one scenario's figures for the report (also printed); the file is rewritten each time,
    so a run cut short still leaves what it measured."""
    RESULTS[scenario] = figures
    print(f"\n[faults] {scenario}: {json.dumps(figures, default=str)}")
    os.makedirs(os.path.dirname(RESULTS_PATH), exist_ok=True)
    with open(RESULTS_PATH, "w") as f:
        json.dump({"written_at": datetime.now(timezone.utc).isoformat(), "scenarios": RESULTS}, f, indent=2,
                  default=str)


@pytest.fixture(scope="session")
def sink():
    sink = SmtpSink(port=free_port())
    sink.start()
    yield sink
    sink.stop()


PG_BIN = (sorted(glob.glob("/usr/lib/postgresql/*/bin")) or [""])[-1]


@pytest.fixture(scope="session")
def private_postgres():
    """A PostgreSQL instance of our own (initdb in a temp dir, its own port): the machine's server has a
    small connection limit shared with other test runs, and replicas need many connections."""
    data = tempfile.mkdtemp(prefix="nabo-faults-pg-")
    port = free_port()
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_postgres:
        shutil.chown(data, "postgres", "postgres")
    subprocess.run([*as_postgres, f"{PG_BIN}/initdb", "-D", data, "-A", "trust", "-U", "postgres"],
                   check=True, capture_output=True, timeout=120)
    subprocess.run([*as_postgres, f"{PG_BIN}/pg_ctl", "-D", data, "-w", "-l", f"{data}/server.log", "-o",
                    f"-p {port} -k {data} -c listen_addresses=127.0.0.1 -c max_connections=400 -c fsync=off",
                    "start"], check=True, capture_output=True, timeout=120)
    previous = os.environ.get("NABO_TEST_PG_URL")
    os.environ["NABO_TEST_PG_URL"] = f"postgresql://postgres@127.0.0.1:{port}/postgres"
    try:
        yield port
    finally:
        if previous is None:
            os.environ.pop("NABO_TEST_PG_URL", None)
        else:
            os.environ["NABO_TEST_PG_URL"] = previous
        subprocess.run([*as_postgres, f"{PG_BIN}/pg_ctl", "-D", data, "-m", "immediate", "stop"],
                       capture_output=True, timeout=60)
        shutil.rmtree(data, ignore_errors=True)


@pytest.fixture(scope="session")
def faults_amqp_uri():
    with private_vhost("faults") as uri:
        yield uri


@pytest.fixture(scope="session")
def cluster(faults_amqp_uri, sink, private_postgres):
    amqp_uri = faults_amqp_uri
    broker = TcpProxy("127.0.0.1", 5672)
    database = TcpProxy("127.0.0.1", private_postgres)
    urls = {s: make_database(s) for s in SERVICES}
    log_dir = tempfile.mkdtemp(prefix="nabo-faults-")
    cluster = Cluster(amqp_uri, broker, database, urls, sink.port, log_dir)
    print(f"\n[faults] process logs in {log_dir}")
    try:
        for component in (*SERVICES, "gateway"):
            cluster.start(component, wait=False)
        cluster.wait_ready(timeout=120)
        yield cluster
    finally:
        cluster.stop_all()
        broker.close()
        database.close()


@pytest.fixture(autouse=True)
def healed(cluster):
    yield
    cluster.heal()


class World:
    """An association with a published open event and newsletter recipients."""

    def __init__(self, cluster, recipients=25):
        self.cluster = cluster
        self.api = Api(cluster.gateway_url())
        system = SimpleNamespace(
            settings={"members": SimpleNamespace(database_url=cluster.direct_urls["members"])}
        )
        self.platform = self.api.as_(platform_admin_token(system, self.api))
        self.tenant = Tenant(self.api, self.platform, "DK", "da", "Europe/Copenhagen")
        self.recipients = []
        for n in range(recipients):
            email = f"reader-{n}-{uuid.uuid4().hex[:6]}@faults.test"
            person = check(
                self.tenant.admin.post(
                    "/v1/persons",
                    {
                        "name": f"Reader {n}",
                        "email": email,
                        "language": "en",
                        "organisations": [
                            {"organisation_id": self.tenant.organisation["id"], "role": "contact"}
                        ],
                    },
                ),
                201,
            )
            check(
                self.tenant.admin.post(
                    f"/v1/persons/{person['id']}/consents",
                    {
                        "association_id": self.tenant.id,
                        "kind": "newsletter",
                        "granted": True,
                        "source": "signup",
                        "wording_version": "v1",
                    },
                ),
                201,
            )
            self.recipients.append(email)

    def event(self, title=None, **extra):
        start = (datetime.now(timezone.utc) + timedelta(days=20)).replace(microsecond=0)
        body = dict(
            {
                "title": title or unique("Fault meeting"),
                "format": "online",
                "languages": ["en"],
                "time_zone": "Europe/Copenhagen",
                "starts_at": start.isoformat(),
                "ends_at": (start + timedelta(hours=1)).isoformat(),
                "join_url": "https://meet.example/x",
            },
            **extra,
        )
        event = check(self.tenant.admin.post("/v1/events", body), 201)
        published = check(
            self.tenant.admin.post(f"/v1/events/{event['id']}/transitions", {"to": "published"}), 200
        )
        # the notifications read model must know the event before confirmations can be sent
        wait_until(
            lambda: self.cluster.query(
                "notifications", "SELECT 1 FROM calendar_events WHERE id = %s", (event["id"],)
            ),
            30,
        )
        return published

    def campaign(self):
        subject = unique("News")
        campaign = check(
            self.tenant.admin.post(
                "/v1/campaigns",
                {
                    "name": subject,
                    "sender_name": "Erhvervsforening",
                    "contents": {"en": {"subject": subject, "text": "Come to the network meeting."}},
                    "segment": {"association_ids": [self.tenant.id]},
                },
            ),
            201,
        )
        audience = wait_until(
            lambda: (
                check(self.tenant.admin.get(f"/v1/campaigns/{campaign['id']}/audience"), 200)["count"]
                >= len(self.recipients)
            ),
            60,
        )
        assert audience, "the notifications read model never saw every recipient"
        campaign["subject"] = subject
        return campaign

    def send(self, campaign, retries=30):
        """Send a campaign; retried until accepted (202) so the ledger knows it was accepted."""
        for _ in range(retries):
            try:
                r = self.tenant.admin.post(f"/v1/campaigns/{campaign['id']}/send", {})
                if r.status_code == 202:
                    return time.monotonic()
                if r.status_code == 409:  # an earlier attempt was applied although its answer was lost
                    return time.monotonic()
            except Exception:  # connection refused while the gateway restarts
                pass
            time.sleep(1)
        raise AssertionError("campaign send was never accepted")


@pytest.fixture(scope="session")
def world(cluster):
    return World(cluster)
