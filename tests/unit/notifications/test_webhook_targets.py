"""Webhooks reach the public internet only: internal addresses and names are
refused at registration, and every delivery connects to the address it
checked after resolving the host, following no redirect."""
import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from services.notifications.domain import webhook_targets as targets
from services.notifications.domain.webhook_targets import ForbiddenTarget, PinnedTransport, check_url
from tests.support.infra import free_port

PRIVATE = ["http://169.254.169.254/latest/meta-data", "http://127.0.0.1:8080/x", "http://[::1]/x",
           "http://10.0.0.5/x", "http://192.168.1.1/x", "http://172.16.0.1/x", "http://100.64.0.1/x",
           "http://0.0.0.0/x", "http://[::ffff:169.254.169.254]/x", "http://[fe80::1]/x",
           "http://224.0.0.1/x",
           "http://localhost/x", "http://nabo-members/x", "http://members.nabo.svc.cluster.local/x",
           "http://kubernetes.default.svc/x", "http://metadata.google.internal/x"]


@pytest.mark.parametrize("url", PRIVATE)
def test_internal_targets_are_refused_at_registration(url):
    with pytest.raises(ForbiddenTarget):
        check_url(url, ())


@pytest.mark.parametrize("url", ["https://hooks.example.com/nabo", "http://93.184.215.14/x",
                                 "https://[2606:4700::1111]/x"])
def test_public_targets_are_accepted(url):
    check_url(url, ())


def test_an_allowed_network_may_be_called():
    check_url("http://127.0.0.1:9/x", targets.parse_networks("127.0.0.0/8"))
    with pytest.raises(ForbiddenTarget):
        check_url("http://10.0.0.1/x", targets.parse_networks("127.0.0.0/8"))


def _resolving_to(*addresses):
    def resolve(host, port, type=0):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port)) for address in addresses]

    return resolve


def test_a_name_that_resolves_to_an_internal_address_is_refused_at_delivery():
    transport = PinnedTransport((), resolve=_resolving_to("93.184.215.14", "169.254.169.254"))
    with pytest.raises(ForbiddenTarget):
        transport.post("http://rebinding.example/x", data=b"{}", headers={}, timeout=2)


class _Receiver:
    def __init__(self, status=204, location=None):
        self.requests = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                receiver.requests.append((self.path, self.headers["Host"]))
                self.rfile.read(int(self.headers["Content-Length"]))
                self.send_response(status)
                if location:
                    self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", free_port()), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_a_delivery_connects_to_the_checked_address_with_the_urls_host_and_no_redirect():
    receiver = _Receiver(status=302, location="http://169.254.169.254/latest")
    try:
        # the name resolves once, to the receiver: the connection goes to that address
        allowed = targets.parse_networks("127.0.0.1/32")
        transport = PinnedTransport(allowed, resolve=_resolving_to("127.0.0.1"))
        response = transport.post(f"http://hooks.example.test:{receiver.port}/nabo?a=1", data=b"{}",
                                  headers={"Content-Type": "application/json"}, timeout=5)
        assert response.status_code == 302  # answered, not followed
        assert receiver.requests == [("/nabo?a=1", f"hooks.example.test:{receiver.port}")]
    finally:
        receiver.close()


def test_a_delivery_to_the_machine_itself_is_refused_without_the_allow_list():
    receiver = _Receiver()
    try:
        with pytest.raises(ForbiddenTarget):
            PinnedTransport(()).post(f"http://127.0.0.1:{receiver.port}/nabo", data=b"{}", headers={},
                                     timeout=5)
        assert receiver.requests == []
    finally:
        receiver.close()
