from types import SimpleNamespace

from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from gateway.ratelimit import client_ip

BEHIND_INGRESS = SimpleNamespace(trust_forwarded_for=True)
DIRECT = SimpleNamespace(trust_forwarded_for=False)


def request(forwarded=None):
    headers = {"X-Forwarded-For": forwarded} if forwarded is not None else {}
    return Request(EnvironBuilder(headers=headers, environ_base={"REMOTE_ADDR": "10.1.2.3"}).get_environ())


def test_behind_the_ingress_the_client_is_the_address_the_ingress_added():
    assert client_ip(request("203.0.113.7"), BEHIND_INGRESS) == "203.0.113.7"


def test_behind_further_proxies_the_client_is_the_first_address():
    # each proxy on the way appends the address it received the request from
    assert client_ip(request("203.0.113.7, 10.0.0.1"), BEHIND_INGRESS) == "203.0.113.7"


def test_without_a_forwarded_address_the_peer_is_the_client():
    assert client_ip(request(), BEHIND_INGRESS) == "10.1.2.3"
    assert client_ip(request(" "), BEHIND_INGRESS) == "10.1.2.3"


def test_not_behind_an_ingress_a_forwarded_header_is_ignored():
    assert client_ip(request("203.0.113.7"), DIRECT) == "10.1.2.3"
