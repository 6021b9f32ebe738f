"""RPC deadlines, reply queues, stale requests, forged caller context and database concurrency."""
import json
import time
from urllib.parse import urlsplit

import eventlet
import pytest
from nameko.containers import ServiceContainer
from nameko.rpc import rpc
from nameko.standalone.rpc import ServiceRpcProxy
from psycopg2 import connect

from nabo_common.api.errors import ServiceTimeout, ServiceUnavailable
from nabo_common.runtime import context, settings
from nabo_common.runtime.rpc import TimedRpcProxy
from tests.integration.backbone.conftest import wait_until
from tests.support.infra import _rabbitmqctl, free_port


class Caller:
    """A service that calls the probe with a deadline."""
    name = "caller"
    probe = TimedRpcProxy("probe", timeout=1.0)
    nobody = TimedRpcProxy("nobody-runs-this", timeout=1.0)

    @rpc
    def call_probe_sleep(self, seconds):
        try:
            return self.probe.sleep(seconds)
        except ServiceTimeout as exc:
            return f"timeout: {exc}"

    @rpc
    def call_nobody(self):
        try:
            return self.nobody.anything()
        except ServiceUnavailable as exc:
            return f"unavailable: {exc}"


@pytest.fixture
def caller_service(amqp_uri):
    config = settings.load(
        "gateway", amqp_uri=amqp_uri, http_host="127.0.0.1", http_port=free_port()
    ).nameko_config()
    container = ServiceContainer(Caller, config)
    container.start()
    yield container
    container.stop()


def test_a_slow_service_gives_a_timeout_not_a_hang(start_probe, caller_service, amqp_uri):
    start_probe()
    with ServiceRpcProxy("caller", {"AMQP_URI": amqp_uri}, timeout=10) as caller:
        assert caller.call_probe_sleep(0.01) == "done"
        assert caller.call_probe_sleep(5).startswith("timeout:")


def test_the_callers_reply_queue_lives_on_its_own_node_and_goes_with_its_connection(
    start_probe, caller_service, amqp_uri
):
    """A durable reply queue becomes a quorum queue where the vhost's default queue type is quorum, and
    its leader may be a node that crashes (docs/reliability.md, "RPC answers after a node's crash"):
    the caller's reply queue is an exclusive, non-durable classic queue, whatever the vhost's default."""
    start_probe()
    with ServiceRpcProxy("caller", {"AMQP_URI": amqp_uri}, timeout=10) as caller:
        assert caller.call_probe_sleep(0.01) == "done"
    vhost = urlsplit(amqp_uri).path.lstrip("/")
    queues = json.loads(_rabbitmqctl("list_queues", "-q", "-p", vhost, "name", "durable", "exclusive",
                                     "auto_delete", "type", "arguments", "--formatter", "json"))
    replies = [q for q in queues if q["name"].startswith("rpc.reply-caller-")]
    assert len(replies) == 1, [q["name"] for q in queues]
    reply = replies[0]
    assert (reply["durable"], reply["exclusive"], reply["auto_delete"], reply["type"]) == (
        False, True, True, "classic")
    assert ["x-queue-type", "longstr", "classic"] in reply["arguments"]  # (name, AMQP type, value)


def test_an_absent_service_is_unavailable(caller_service, amqp_uri):
    with ServiceRpcProxy("caller", {"AMQP_URI": amqp_uri}, timeout=10) as caller:
        assert caller.call_nobody().startswith("unavailable:")


def test_a_request_that_timed_out_is_not_executed_later(start_probe, caller_service, amqp_uri, probe_db):
    probe_container = start_probe()
    probe_container.stop()  # the queue stays, nobody consumes it
    with ServiceRpcProxy("caller", {"AMQP_URI": amqp_uri}, timeout=10) as caller:
        assert caller.call_probe_sleep(0.01).startswith("timeout:")
    time.sleep(1.2)  # past the request's expiration
    start_probe()
    # the expired request is gone from the queue: a fresh call is answered, nothing else arrived
    with ServiceRpcProxy("caller", {"AMQP_URI": amqp_uri}, timeout=10) as caller:
        assert caller.call_probe_sleep(0.01) == "done"
    import pika

    conn = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    assert conn.channel().queue_declare("rpc-probe", passive=True).method.message_count == 0
    conn.close()


def test_forged_or_unsigned_context_is_anonymous(start_probe, amqp_uri):
    start_probe()
    genuine = context.sign(
        context.Caller(person_id="p-1", roles=("platform_admin",)), settings.load("members").context_keys
    )
    forged = context.sign(
        context.Caller(person_id="p-1", roles=("platform_admin",)),
        [("dev", "an-attacker-guessed-this-key-wrongly")],
    )
    for token, expected in ((genuine, "p-1"), (forged, None), ("not-a-token", None)):
        with ServiceRpcProxy(
            "probe", {"AMQP_URI": amqp_uri}, timeout=10, context_data={context.CONTEXT_KEY: token}
        ) as probe:
            assert probe.whoami()["person_id"] == expected


def test_two_slow_queries_run_concurrently(start_probe, amqp_uri, probe_db):
    """psycopg2 must not block the eventlet hub: while one worker waits in
    PostgreSQL, another worker's query runs too (seen in pg_stat_activity)."""
    start_probe()
    dbname = probe_db.rsplit("/", 1)[-1]
    results = []

    def call():
        with ServiceRpcProxy("probe", {"AMQP_URI": amqp_uri}, timeout=20) as probe:
            results.append(probe.sleep_in_database(3))

    threads = [eventlet.spawn(call) for _ in range(2)]
    watcher = connect(f"dbname={dbname} user=postgres host=127.0.0.1")
    watcher.autocommit = True

    def sleeping_together():
        with watcher.cursor() as cur:
            cur.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND query LIKE 'SELECT pg_sleep%%' "
                "AND state = 'active'",
                (dbname,),
            )
            return cur.fetchone()[0] >= 2

    try:
        assert wait_until(sleeping_together, timeout=8, interval=0.05)
    finally:
        for t in threads:
            t.wait()
        watcher.close()
    assert results == [True, True]
