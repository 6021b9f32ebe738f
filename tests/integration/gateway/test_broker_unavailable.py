"""The gateway when RabbitMQ cannot take its request: 503 with Retry-After (nothing was done, the caller
may try again shortly), never a 500."""
import uuid

import pytest
import requests

from tests.support.infra import running_system
from tests.support.proxy import TcpProxy


@pytest.fixture
def gateway_behind_a_proxy(amqp_uri):
    """The gateway alone (no service running), reaching the broker through a proxy a test can cut."""
    proxy = TcpProxy()
    try:
        with running_system(proxy.uri(amqp_uri), ["gateway"]) as system:
            yield system.url(), proxy
            proxy.restore()  # the broker back before the gateway stops, which it would otherwise wait for
    finally:
        proxy.close()


def assert_unavailable(response):
    assert response.status_code == 503, response.text
    assert response.headers["Retry-After"] == "5"
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["title"] == "Service unavailable"


def test_a_broker_that_refuses_connections_is_503_with_retry_after(gateway_behind_a_proxy):
    url, proxy = gateway_behind_a_proxy
    proxy.cut()  # the broker restarting: open connections dropped, new ones refused
    assert_unavailable(requests.get(f"{url}/v1/events/{uuid.uuid4()}", timeout=30))


def test_a_service_nobody_runs_is_503_with_retry_after(gateway_behind_a_proxy):
    url, _proxy = gateway_behind_a_proxy
    assert_unavailable(requests.get(f"{url}/v1/events/{uuid.uuid4()}", timeout=30))
