"""The services as separate OS processes, and the faults a test can inject.

Every component runs as ``python -m nabo_common.cli serve <component>`` with the
settings of a production deployment (``PRODUCTION_SETTINGS``). The processes use
the suite's own RabbitMQ node and PostgreSQL instance (tests/faults/servers.py),
which scenarios crash and start again, through TCP proxies owned by the test
process: a proxy passes everything on, and ``cut()`` / ``freeze()`` are network
faults of their own (connections dropped, or silent) while the servers run on.
"""
import os
import signal
import subprocess
import sys
import time

import psutil
import psycopg2
import requests

from nabo_common import cli
from nabo_common.messaging import brokers, topology
from tests.support.infra import free_port

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SERVICES = ("members", "events", "notifications", "ideas")


def wait_until(predicate, timeout, interval=0.2):
    """Poll ``predicate`` until it returns something truthy or the time is up; returns its last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)


class Process:
    def __init__(self, component, index, env, log_dir):
        self.component = component
        self.index = index
        self.env = env
        self.port = int(env[f"{component.upper()}_HTTP_PORT"])
        self.log_path = os.path.join(log_dir, f"{component}-{index}.log")
        self.popen = None

    @property
    def name(self):
        return f"{self.component}#{self.index}"

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        log = open(self.log_path, "ab")
        self.popen = subprocess.Popen(
            [sys.executable, "-m", "nabo_common.cli", "serve", self.component],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        log.close()

    @property
    def alive(self):
        return self.popen is not None and self.popen.poll() is None

    def signal(self, sig):
        if self.alive:
            os.kill(self.popen.pid, sig)

    def kill9(self):
        self.signal(signal.SIGKILL)
        if self.popen is not None:
            self.popen.wait(timeout=10)

    def stop(self):
        if not self.alive:
            return
        self.signal(signal.SIGCONT)
        self.signal(signal.SIGTERM)
        try:
            self.popen.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill9()

    def ready(self):
        try:
            return requests.get(self.url + "/health/ready", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def cpu_seconds(self):
        times = psutil.Process(self.popen.pid).cpu_times()
        return times.user + times.system

    def metric(self, name, **labels):
        """Sum of a Prometheus sample over the series matching ``labels``."""
        text = requests.get(self.url + "/metrics", timeout=5).text
        total = 0.0
        for line in text.splitlines():
            if not line.startswith(name + "{") and not line.startswith(name + " "):
                continue
            series, _, value = line.rpartition(" ")
            if all(f'{k}="{v}"' in series for k, v in labels.items()):
                total += float(value)
        return total

    def log_tail(self, lines=40):
        try:
            with open(self.log_path, "rb") as f:
                return b"\n".join(f.read().splitlines()[-lines:]).decode("utf-8", "replace")
        except OSError:
            return ""


# What deploy/overlays/production (with deploy/base) sets for the components, the rest being the settings'
# defaults: NABO_ENV=production with its public address, JSON logs at INFO, MAX_WORKERS=10, and
# RPC_TIMEOUT_SECONDS=30 for the gateway. Its rate limits are the defaults too; its Redis rate-limit
# storage matters only with several gateway replicas (the suite runs one).
COMMON_PRODUCTION_SETTINGS = {
    "NABO_ENV": "production",
    "PUBLIC_BASE_URL": "https://api.nabo.example",
    "LOG_FORMAT": "json",
    "LOG_LEVEL": "INFO",
    "MAX_WORKERS": "10",
}
PRODUCTION_SETTINGS = {
    "gateway": {**COMMON_PRODUCTION_SETTINGS, "RPC_TIMEOUT_SECONDS": "30"},
    **{service: COMMON_PRODUCTION_SETTINGS for service in SERVICES},
}
RPC_TIMEOUT_SECONDS = float(PRODUCTION_SETTINGS["gateway"]["RPC_TIMEOUT_SECONDS"])
# what the processes take from the test process's environment: how to run Python, nothing of nabo's settings
# (the test tiers set some for themselves, such as raised rate limits, which would otherwise leak in)
INHERITED = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR", "PYTHONPATH", "VIRTUAL_ENV")


class Cluster:
    """All components as processes behind a broker proxy and a database proxy, in front of the suite's own
    RabbitMQ node (``rabbitmq``) and PostgreSQL instance (``postgres``)."""

    def __init__(self, amqp_uri, broker_proxy, db_proxy, database_urls, smtp_port, log_dir, rabbitmq=None,
                 postgres=None, settings=None):
        self.amqp_uri = amqp_uri
        self.broker = broker_proxy  # None: the components reach the broker's nodes straight
        self.database = db_proxy
        self.rabbitmq = rabbitmq  # tests/faults/servers.PrivateRabbitMQ or RabbitMQCluster
        self.postgres = postgres  # tests/faults/servers.PrivatePostgres
        self.direct_urls = database_urls  # service -> SQLAlchemy URL straight to PostgreSQL
        self.smtp_port = smtp_port
        self.log_dir = log_dir
        self.settings = settings or {}  # what every component gets beside PRODUCTION_SETTINGS
        self.processes = {c: [] for c in (*SERVICES, "gateway")}

    def proxied_db_url(self, service):
        url = self.direct_urls[service]
        return url.replace(f"@127.0.0.1:{self.database.target[1]}/", f"@127.0.0.1:{self.database.port}/")

    def env(self, component, port):
        env = {k: v for k, v in os.environ.items() if k in INHERITED}
        env.update(PRODUCTION_SETTINGS[component])
        env.update(self.settings)
        env.update(
            {
                "AMQP_URI": self.broker.uri(self.amqp_uri) if self.broker else self.amqp_uri,
                "HTTP_HOST": "127.0.0.1",
                f"{component.upper()}_HTTP_PORT": str(port),
                "SMTP_HOST": "127.0.0.1",
                "SMTP_PORT": str(self.smtp_port),
                "PYTHONUNBUFFERED": "1",
            }
        )
        if component == "gateway":
            # production has its ingress in front of the gateway; here each guest of the load sends its own
            # address in X-Forwarded-For (tests/faults/ledger.py), so the production rate limits count
            # per guest as they would behind the ingress, instead of one test client hitting them all
            env["TRUST_FORWARDED_FOR"] = "1"
        else:
            env[f"{component.upper()}_DATABASE_URL"] = self.proxied_db_url(component)
        return env

    def start(self, component, wait=True, settings=None):
        """One more process of ``component``, with ``settings`` beside the cluster's."""
        index = len(self.processes[component])
        env = self.env(component, free_port())
        env.update(settings or {})
        process = Process(component, index, env, self.log_dir)
        process.start()
        self.processes[component].append(process)
        if wait:
            self.wait_ready([process])
        return process

    def restart(self, process, wait=True):
        process.stop()
        process.start()
        if wait:
            self.wait_ready([process])
        return process

    def wait_ready(self, processes=None, timeout=60):
        processes = processes or self.all()
        ok = wait_until(lambda: all(p.ready() for p in processes), timeout, interval=0.3)
        if not ok:
            details = "\n".join(
                f"--- {p.name} (alive={p.alive})\n{p.log_tail()}" for p in processes if not p.ready()
            )
            raise AssertionError(f"components not ready within {timeout}s:\n{details}")

    def all(self):
        return [p for procs in self.processes.values() for p in procs]

    def running(self, component):
        return [p for p in self.processes[component] if p.alive]

    def first(self, component):
        return self.running(component)[0]

    def gateway_url(self):
        return self.first("gateway").url

    def scale_down(self, component, keep=1):
        for process in self.running(component)[keep:]:
            process.stop()
        self.processes[component] = [p for p in self.processes[component] if p.alive]

    def heal(self):
        """Undo whatever a failed scenario left behind: servers up, proxies open, every process continued and
        running."""
        if self.rabbitmq is not None:
            self.rabbitmq.heal()
        if self.postgres is not None and self.postgres.pid is None:
            self.postgres.start()
        for proxy in filter(None, (self.broker, self.database)):
            proxy.thaw()
            proxy.restore()
        for process in self.all():
            process.signal(signal.SIGCONT)
        for component in self.processes:
            if not self.running(component):
                dead = self.processes[component][0]
                dead.start()
            self.scale_down(component, keep=1)
        self.wait_ready(timeout=90)

    def stop_all(self):
        for process in self.all():
            process.stop()

    # --- database access for the ledger (straight to PostgreSQL, not through the proxy) ---
    def query(self, service, sql, params=()):
        url = self.direct_urls[service].replace("postgresql+psycopg2://", "postgresql://")
        conn = psycopg2.connect(url)
        try:
            with conn.cursor() as cur:
                cur.execute(sql, params)
                return cur.fetchall()
        finally:
            conn.close()

    def events_waiting(self):
        """Events ready in a consumer queue or waiting in its ``.retry`` queue (straight to RabbitMQ, not
        through the proxy): a scenario is settled only once a retry of its events has run, or that retry
        lands in the next scenario's figures."""
        connection = brokers.pika_connection(self.amqp_uri)
        try:
            channel = connection.channel()
            return sum(
                channel.queue_declare(name, passive=True).method.message_count
                for queue in cli.consumer_bindings()
                for name in (queue, topology.retry_queue(queue))
            )
        finally:
            connection.close()

    def outbox_backlog(self):
        return {
            s: self.query(s, "SELECT count(*) FROM outbox_events WHERE published_at IS NULL")[0][0]
            for s in SERVICES
        }
