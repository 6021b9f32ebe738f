"""Fault suite: the real services as separate OS processes against a RabbitMQ
node and a PostgreSQL instance of the suite's own (tests/faults/servers.py),
which scenarios crash and start again, each reached through a TCP proxy this
process controls (for network cuts), plus an in-process SMTP sink.

One cluster serves the whole suite; every scenario leaves it healed (servers
up, proxies open, processes continued, one replica each). Results go to a JSON file
(``FAULT_RESULTS``, default ``.nabo/fault-results.json``);
``python -m tests.faults.report`` renders them into docs/reliability.md.
"""
import json
import os
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import eventlet
import pytest
import requests

from tests.faults.cluster import ROOT, SERVICES, Cluster, wait_until
from tests.faults.ledger import outcome_of, outcome_of_error
from tests.faults.servers import PrivatePostgres, PrivateRabbitMQ
from tests.support.api import Api, Tenant, check, platform_admin_token, unique
from tests.support.infra import free_port, make_database
from tests.support.proxy import TcpProxy
from tests.support.smtp import SmtpSink

# the answers after which a campaign send may or may not have been applied, and what it is once applied
ANSWER_LOST = ("504", "no answer", "connection error")
SENT_OR_SENDING = ("scheduled", "sending", "sent")
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


@pytest.fixture(scope="session")
def private_postgres():
    """The suite's PostgreSQL instance; the test databases are made on it (``NABO_TEST_PG_URL``)."""
    postgres = PrivatePostgres()
    postgres.start()
    previous = os.environ.get("NABO_TEST_PG_URL")
    os.environ["NABO_TEST_PG_URL"] = postgres.admin_url
    try:
        yield postgres
    finally:
        if previous is None:
            os.environ.pop("NABO_TEST_PG_URL", None)
        else:
            os.environ["NABO_TEST_PG_URL"] = previous
        postgres.close()


@pytest.fixture(scope="session")
def private_rabbitmq():
    """The suite's RabbitMQ node, beside the machine's broker (which is never touched)."""
    yield from running(PrivateRabbitMQ())


def running(server):
    """A server of the suite's, started, for as long as the generator runs; then closed (data removed)."""
    try:
        server.start()
        yield server
    finally:
        server.close()


@pytest.fixture(scope="session")
def faults_amqp_uri(private_rabbitmq):
    return private_rabbitmq.uri


@pytest.fixture(scope="session")
def cluster(faults_amqp_uri, sink, private_postgres, private_rabbitmq):
    amqp_uri = faults_amqp_uri
    broker = TcpProxy("127.0.0.1", private_rabbitmq.port)
    database = TcpProxy("127.0.0.1", private_postgres.port)
    urls = {s: make_database(s) for s in SERVICES}
    log_dir = tempfile.mkdtemp(prefix="nabo-faults-")
    cluster = Cluster(amqp_uri, broker, database, urls, sink.port, log_dir, rabbitmq=private_rabbitmq,
                      postgres=private_postgres)
    yield from serving(cluster, (broker, database))


def serving(cluster, proxies, timeout=120):
    """Every component started and ready, for as long as the generator runs; then every process stopped
    and the ``proxies`` closed."""
    print(f"\n[faults] process logs in {cluster.log_dir}")
    try:
        for component in (*SERVICES, "gateway"):
            cluster.start(component, wait=False)
        cluster.wait_ready(timeout=timeout)
        yield cluster
    finally:
        cluster.stop_all()
        for proxy in proxies:
            proxy.close()


@pytest.fixture(autouse=True)
def healed(cluster):
    yield
    cluster.heal()


class World:
    """An association with a published open event and newsletter recipients."""

    def __init__(self, cluster, recipients=25, gateway_url=None, concurrency=1):
        """Built through ``gateway_url`` (the cluster's gateway unless given), ``concurrency`` recipients at
        a time; the world's requests then go to the cluster's gateway."""
        self.cluster = cluster
        self.sends = {}  # campaign id -> the outcome of each attempt to send it
        self.api = Api(gateway_url or cluster.gateway_url())
        system = SimpleNamespace(
            settings={"members": SimpleNamespace(database_url=cluster.direct_urls["members"])}
        )
        self.platform = self.api.as_(platform_admin_token(system, self.api))
        self.tenant = Tenant(self.api, self.platform, "DK", "da", "Europe/Copenhagen")
        pool = eventlet.GreenPool(concurrency)
        self.recipients = list(pool.imap(self._recipient, range(recipients)))
        for api in (self.api, self.platform, self.tenant.admin):
            api.base_url = cluster.gateway_url()

    def _recipient(self, n):
        """A person of the association who agreed to its newsletter; their address."""
        email = f"reader-{n}-{uuid.uuid4().hex[:6]}@faults.test"
        person = check(
            self.tenant.admin.post(
                "/v1/persons",
                {
                    "name": f"Reader {n}",
                    "email": email,
                    "language": "en",
                    "organisations": [{"organisation_id": self.tenant.organisation["id"], "role": "contact"}],
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
        return email

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
        """Send a campaign as a careful client would, until it is accepted: a 503 is tried again after its
        Retry-After; when the answer was lost (504, no answer, connection error) the campaign is read back,
        since the send may have been applied. Every attempt's outcome is kept in ``sends[campaign id]``;
        any other answer (a 409 included: no earlier attempt was applied) fails the scenario."""
        attempts = self.sends.setdefault(campaign["id"], [])
        for _ in range(retries):
            try:
                r = self.tenant.admin.post(f"/v1/campaigns/{campaign['id']}/send", {})
                outcome = "202" if r.status_code == 202 else outcome_of(r)
            except requests.RequestException as exc:
                r, outcome = None, outcome_of_error(exc)
            attempts.append(outcome)
            if outcome == "202":
                return time.monotonic()
            if outcome == "503 Retry-After":
                time.sleep(min(int(r.headers["Retry-After"]), 5))
                continue
            if outcome not in ANSWER_LOST:
                raise AssertionError(f"campaign send answered {outcome} ({r.text[:300]}); {attempts}")
            if self.campaign_status(campaign) in SENT_OR_SENDING:
                attempts.append("applied although its answer was lost")
                return time.monotonic()
            time.sleep(1)
        raise AssertionError(f"campaign send was never accepted: {attempts}")

    def campaign_status(self, campaign):
        """The campaign's status as its organiser reads it, or what the read got instead."""
        try:
            r = self.tenant.admin.get(f"/v1/campaigns/{campaign['id']}")
        except requests.RequestException as exc:
            return outcome_of_error(exc)
        return r.json()["status"] if r.status_code == 200 else outcome_of(r)


@pytest.fixture(scope="session")
def world(cluster):
    return World(cluster)
