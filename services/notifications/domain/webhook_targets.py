"""Where webhooks may point: the public internet only, unless an operator
allows private networks (WEBHOOK_ALLOWED_NETWORKS). A URL is checked when
it is registered (a literal address, or a host name that only resolves
inside a cluster or a machine) and again on every delivery after its host
is resolved; the delivery then connects to the very address it checked, so
a host name that resolves elsewhere a second time (DNS rebinding) gains
nothing. Redirects are never followed."""
import ipaddress
import socket
from urllib.parse import urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter

# names that only resolve inside a cluster, a network or the machine itself
INTERNAL_NAME_SUFFIXES = (".localhost", ".local", ".localdomain", ".internal", ".svc", ".cluster.local",
                          ".home.arpa")


class ForbiddenTarget(Exception):
    """The URL points at an address webhooks may not reach."""


def parse_networks(raw):
    """``10.0.0.0/8,127.0.0.1`` as networks; a ValueError names the entry that is not one."""
    parts = [part.strip() for part in (raw or "").split(",")]
    return tuple(ipaddress.ip_network(part, strict=False) for part in parts if part)


def _address(text):
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    return address.ipv4_mapped or address if address.version == 6 else address


def forbidden_address(address, allowed_networks):
    """Loopback, link-local (cloud metadata), private, shared (carrier-grade NAT, often a cluster's),
    multicast and reserved addresses, unless allowed."""
    address = _address(str(address))
    if address is None:
        return True
    if any(address.version == net.version and address in net for net in allowed_networks):
        return False
    return not address.is_global or address.is_multicast


def check_url(url, allowed_networks):
    """At registration: refuse a URL whose host is a forbidden address or an internal name."""
    host = (urlsplit(url).hostname or "").rstrip(".").lower()
    address = _address(host)
    if address is not None:
        if forbidden_address(address, allowed_networks):
            raise ForbiddenTarget(f"{host} is a private, loopback or link-local address.")
        return
    if allowed_networks:
        return  # private targets are allowed: their names may be internal too
    if "." not in host or host == "localhost" or host.endswith(INTERNAL_NAME_SUFFIXES):
        raise ForbiddenTarget(f"{host} is a name inside this network, not a public host.")


def resolved_address(host, port, allowed_networks, resolve=socket.getaddrinfo):
    """The address to connect to: every address the host resolves to must be allowed (a name that also
    resolves to an internal address is refused as a whole)."""
    try:
        infos = resolve(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise requests.ConnectionError(f"cannot resolve {host}: {exc}") from None
    addresses = [info[4][0] for info in infos]
    if not addresses:
        raise requests.ConnectionError(f"{host} has no address")
    refused = [a for a in addresses if forbidden_address(a, allowed_networks)]
    if refused:
        raise ForbiddenTarget(f"{host} resolves to {refused[0]}, which webhooks may not reach")
    return addresses[0]


class _VerifiedAsHost(HTTPAdapter):
    """TLS to an address, with the certificate checked (and SNI sent) for the URL's host name."""

    def __init__(self, host):
        self.host = host
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args, **pool_kwargs):
        pool_kwargs.update(server_hostname=self.host, assert_hostname=self.host)
        super().init_poolmanager(*args, **pool_kwargs)


class PinnedTransport:
    """POSTs a delivery to the checked address of its URL's host; the interface of ``requests.post``."""

    def __init__(self, allowed_networks, resolve=socket.getaddrinfo):
        self.allowed_networks = allowed_networks
        self.resolve = resolve

    def post(self, url, data, headers, timeout, allow_redirects=False):
        parts = urlsplit(url)
        host = parts.hostname
        port = parts.port or (443 if parts.scheme == "https" else 80)
        address = resolved_address(host, port, self.allowed_networks, self.resolve)
        literal = f"[{address}]" if ":" in address else address
        pinned = urlunsplit(parts._replace(netloc=f"{literal}:{port}"))
        host_header = parts.netloc.rpartition("@")[2]
        with requests.Session() as session:
            session.trust_env = False  # a proxy from the environment would connect to the name again
            session.mount("https://", _VerifiedAsHost(host))
            return session.post(pinned, data=data, headers={**headers, "Host": host_header}, timeout=timeout,
                                allow_redirects=False)
