"""HTTP replies go out without Nagle's delay: every connection nameko's web server accepts has
TCP_NODELAY, so a large reply on a kept-alive connection does not wait for the client's delayed ACK."""
import http.client
import json
import socket

import pytest
from nameko.containers import ServiceContainer
from nameko.web.handlers import http as http_entrypoint

from tests.support.infra import free_port

pytestmark = pytest.mark.integration


class Pages:
    name = "pages"

    @http_entrypoint("GET", "/page")
    def page(self, request):
        accepted = request.environ["eventlet.input"]._sock  # eventlet's input keeps the accepted socket
        nodelay = accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        return json.dumps({"nodelay": nodelay, "padding": "x" * 60_000})


def test_accepted_http_connections_have_nodelay(amqp_uri):
    port = free_port()
    container = ServiceContainer(Pages, {"AMQP_URI": amqp_uri, "WEB_SERVER_ADDRESS": f"127.0.0.1:{port}"})
    container.start()
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        for _ in range(3):  # one kept-alive connection, as frontends and the load generator use
            connection.request("GET", "/page")
            reply = connection.getresponse()
            assert reply.status == 200
            assert json.loads(reply.read())["nodelay"] != 0
        connection.close()
    finally:
        container.stop()
