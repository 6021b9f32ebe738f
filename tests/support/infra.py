"""Real infrastructure for integration and end-to-end tests: a private
RabbitMQ vhost and private PostgreSQL databases per test session, nameko
containers started in-process, and an in-process SMTP server (aiosmtpd)."""
import os
import shutil
import socket
import subprocess
import uuid
from contextlib import contextmanager

import psycopg2
import pytest
from kombu import Connection

from nabo_common.persistence import db, migrations
from nabo_common.runtime import settings

RUN_ID = uuid.uuid4().hex[:8]
# the tests' webhook receivers listen on this machine, which webhooks may not call unless allowed
os.environ.setdefault("WEBHOOK_ALLOWED_NETWORKS", "127.0.0.0/8")
# the frontend the tests' campaigns link to, whose links get campaign tracking as nabo's own do
os.environ.setdefault("TRACKED_LINK_HOSTS", "events.example")


def pg_admin_url():
    return os.environ.get("NABO_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def environment(**values):
    """``values`` in the process's environment for the block, and the environment as it was after it."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _rabbitmqctl(*args):
    exe = shutil.which("rabbitmqctl") or "/usr/sbin/rabbitmqctl"
    return subprocess.run([exe, *args], check=True, capture_output=True, text=True, timeout=60).stdout


@contextmanager
def private_vhost(label):
    """A RabbitMQ vhost of its own, deleted afterwards."""
    base = os.environ.get("NABO_TEST_AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/")
    vhost = f"nabo-test-{RUN_ID}-{label}"
    try:
        _rabbitmqctl("add_vhost", vhost)
        _rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    except (OSError, subprocess.SubprocessError) as exc:
        pytest.fail(f"cannot create a RabbitMQ vhost for the tests ({exc}); is RabbitMQ running?")
    uri = base.rstrip("/") + "/" + vhost
    with Connection(uri, connect_timeout=5) as conn:
        conn.ensure_connection(max_retries=3)
    try:
        yield uri
    finally:
        try:
            _rabbitmqctl("delete_vhost", vhost)
        except (OSError, subprocess.SubprocessError):
            pass


@pytest.fixture(scope="module")
def amqp_uri():
    """A fresh vhost per test module: queues are declared up front from the
    event catalogue, so events one module publishes would otherwise wait for
    another module's consumers."""
    with private_vhost(uuid.uuid4().hex[:6]) as uri:
        yield uri


_created_databases = []


def make_database(service, migrate=True):
    """Create an empty PostgreSQL database, migrated to head for ``service``."""
    name = f"nabo_test_{service}_{RUN_ID}_{uuid.uuid4().hex[:6]}"
    admin = psycopg2.connect(pg_admin_url())
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    _created_databases.append(name)
    base = pg_admin_url().rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg2://")
    url = f"{base}/{name}"
    if migrate:
        migrations.upgrade(service, url)
    return url


@contextmanager
def database_sessions(service):
    """A sessionmaker on a fresh database migrated for ``service``, for tests that call the domain
    directly."""
    engine = db.make_engine(make_database(service))
    try:
        yield db.make_sessionmaker(engine)
    finally:
        engine.dispose()


def side_by_side(function, replicas=2):
    """Runs ``function`` in ``replicas`` green threads at once, as replicas of a service would; their
    results."""
    import eventlet

    runs = [eventlet.spawn(function) for _ in range(replicas)]
    return [run.wait() for run in runs]


def drop_databases():
    if not _created_databases:
        return
    admin = psycopg2.connect(pg_admin_url())
    admin.autocommit = True
    with admin.cursor() as cur:
        for name in _created_databases:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()
    _created_databases.clear()


@pytest.fixture(scope="session", autouse=True)
def _drop_test_databases():
    yield
    drop_databases()


def component_settings(component, amqp, database_url=None, **overrides):
    values = dict(amqp_uri=amqp, http_host="127.0.0.1", http_port=free_port(), outbox_poll_seconds=0.2,
                  event_retry_base_ms=100, event_max_attempts=3, rpc_timeout=3.0)
    if database_url:
        values["database_url"] = database_url
    values.update(overrides)
    return settings.load(component, **values)


class RunningSystem:
    """Service containers started in this process, each with its own config."""

    def __init__(self):
        from nabo_common.cli import declare_consumers

        declare_consumers()  # as the CLI does: the relays declare every consumer queue before they publish
        self.containers = {}
        self.settings = {}

    def start(self, component, service_cls, component_settings_):
        from nameko.containers import ServiceContainer

        container = ServiceContainer(service_cls, component_settings_.nameko_config())
        container.start()
        self.containers[component] = container
        self.settings[component] = component_settings_
        return container

    def url(self, component="gateway"):
        return f"http://127.0.0.1:{self.settings[component].http_port}"

    def stop(self, component):
        container = self.containers.pop(component)
        container.stop()

    def kill(self, component):
        container = self.containers.pop(component)
        container.kill()

    def stop_all(self):
        for name in list(self.containers):
            try:
                self.stop(name)
            except Exception:  # a container that failed to stop must not hide the test result
                pass


@contextmanager
def running_system(amqp, components, overrides=None):
    """Start ``components`` (names from nabo_common.cli) with fresh databases."""
    from nabo_common.cli import load_service_class

    system = RunningSystem()
    overrides = overrides or {}
    try:
        for component in components:
            db_url = None if component == "gateway" else make_database(component)
            system.start(component, load_service_class(component),
                         component_settings(component, amqp, db_url, **overrides.get(component, {})))
        yield system
    finally:
        system.stop_all()


@pytest.fixture
def smtp_sink():
    """A real SMTP server (aiosmtpd) in a thread; collects every message."""
    from tests.support.smtp import SmtpSink

    sink = SmtpSink(port=free_port())
    sink.start()
    yield sink
    sink.stop()
    assert sink.defects() == [], f"mail that Python's parser finds defects in: {sink.defects()}"
