"""AMQP_URI naming several broker nodes (``amqp://a;amqp://b``, kombu's failover form): every part of
nabo that connects to the broker reaches a node that answers when the first one does not."""
from nameko.standalone.rpc import ClusterRpcProxy

from nabo_common.messaging import deadletters
from nabo_common.messaging.publisher import OutboxPublisher
from nabo_common.operations import broker_reachable, queue_depths
from nabo_common.runtime import settings
from tests.support.infra import free_port


def with_a_dead_node_first(amqp_uri):
    """The URI with a node that refuses connections (nothing listens on its port) in front."""
    return f"amqp://guest:guest@127.0.0.1:{free_port()}/;{amqp_uri}"


def test_the_nodes_are_read_from_amqp_uri_in_order(monkeypatch):
    monkeypatch.setenv("AMQP_URI", " amqp://a:1/v ; amqp://b:2/v;")
    assert settings.load("events").amqp_uri == "amqp://a:1/v;amqp://b:2/v"
    assert settings.broker_urls("amqp://a:1/v") == ["amqp://a:1/v"]


def test_readiness_queue_depths_and_dead_letters_reach_the_node_that_answers(amqp_uri):
    uri = with_a_dead_node_first(amqp_uri)
    assert broker_reachable(uri) == (True, None)
    assert queue_depths(uri, ["nabo.no-such-queue"]) == {"nabo.no-such-queue": 0}
    connection = deadletters.connect(uri)
    try:
        assert connection.is_open
    finally:
        connection.close()


def test_no_node_answering_is_reported_not_raised():
    ok, error = broker_reachable(f"amqp://guest:guest@127.0.0.1:{free_port()}/;"
                                 f"amqp://guest:guest@127.0.0.1:{free_port()}/")
    assert not ok and error


def test_the_outbox_relay_publishes_through_the_node_that_answers(amqp_uri):
    publisher = OutboxPublisher(with_a_dead_node_first(amqp_uri), model=None, engine=None,
                                service_name="probe")
    try:
        publisher.connect()
        assert publisher.connected
    finally:
        publisher.close()


def test_nameko_clients_reach_the_node_that_answers(amqp_uri):
    with ClusterRpcProxy({"AMQP_URI": with_a_dead_node_first(amqp_uri)}, timeout=5) as proxy:
        assert proxy is not None  # its reply queue is declared and consumed on the live node


def test_no_node_password_is_logged_when_the_broker_cannot_be_reached(caplog):
    from nameko import messaging

    uri = (f"amqp://nabo:first-secret@127.0.0.1:{free_port()}/nabo;"
           f"amqp://nabo:second-secret@127.0.0.1:{free_port()}/nabo")
    consumer = messaging.QueueConsumer()
    consumer.container = type("Container", (), {"config": {"AMQP_URI": uri}})()
    consumer.on_connection_error(OSError("refused"), 1)
    assert "127.0.0.1" in caplog.text and "secret" not in caplog.text
