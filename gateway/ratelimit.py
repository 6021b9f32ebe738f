"""Rate limits: the named limits a route declares, whose requests count
together under each, and the moving-window counters of the ``limits``
library. The storage is in memory by default and Redis when several gateway
replicas must share counts (RATE_LIMIT_STORAGE_URI=redis://...).

When the storage cannot be reached the limited routes are refused with 503 and
Retry-After (closed, as the Idempotency-Key store is): a limit that cannot be
counted is not waived, and nothing was done, so the client retries."""
import logging
import threading
import time

from limits import parse
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from gateway.parsing import client_json
from nabo_common.api.errors import RateLimited, ServiceUnavailable
from nabo_common.i18n.catalogues import N_

log = logging.getLogger(__name__)

# The limits a route's ``rate_limit`` names: (gateway setting, whose requests count together, …).
# "client" is the client address, "account" the e-mail signing in, "person" the signed-in caller, and
# "caller" the signed-in caller or, for an anonymous one, the client address: an organiser at the desk
# or colleagues behind one office proxy each have their own count, guests share their address's.
NAMED_RATE_LIMITS = {
    "write": (("write_limit", "caller"),),
    # password guessing is limited per account, and more loosely per client address
    "sign_in": (("sign_in_limit", "client", "account"), ("sign_in_ip_limit", "client")),
    # guests register without signing in: one client must not fill events or the organisers' inboxes
    "registration": (("write_limit", "caller"), ("registration_limit", "caller")),
    # posting in networks' conversations: one person must not flood every member's threads
    "post": (("write_limit", "caller"), ("post_limit", "person")),
    # every send mails a whole audience; counted per person so changing address does not help
    "campaign_send": (("write_limit", "caller"), ("campaign_send_limit", "person")),
}
# requesters known only once the caller is authenticated
AFTER_AUTHENTICATION = {"person", "caller"}
TOO_MANY_REQUESTS_DETAIL = N_("Slow down and try again later.")
LIMITS_UNAVAILABLE_DETAIL = N_("Rate limits cannot be counted right now; try again shortly.")
# a Redis that does not answer must not hold a request longer than this, per attempt
STORAGE_TIMEOUT_SECONDS = 2
# how often the counters in memory drop the hits that have left their windows
MEMORY_EXPIRY_SECONDS = 1.0


class MemoryCounters(MemoryStorage):
    """``limits``' storage in memory, dropping expired hits once a second instead of 10 ms after a hit
    whenever its last sweep has run: it starts a timer thread for every sweep, which under eventlet cost a
    limited request 0.1-0.3 ms of CPU at a few hundred requests a second. Whether a hit counts is decided
    by its time, not by the sweep, so every answer (allowed, refused, Retry-After) is the same; an expired
    hit is kept in memory up to a second longer."""

    def _MemoryStorage__schedule_expiry(self):  # the base class's private hook, called on every hit
        if not self.timer.is_alive():
            self.timer = threading.Timer(MEMORY_EXPIRY_SECONDS, self._MemoryStorage__expire_events)
            self.timer.daemon = True
            self.timer.start()


class LimitsUnavailable(ServiceUnavailable):
    def __init__(self):
        super().__init__(LIMITS_UNAVAILABLE_DETAIL)
        self.headers = {"Retry-After": "5"}


def _storage_errors():
    try:
        import redis
    except ImportError:  # memory storage only: the redis client is a deployment extra
        return (OSError,)
    return (redis.RedisError, OSError)


class RateLimits:
    def __init__(self, storage_uri):
        if storage_uri.startswith("memory://"):
            storage = MemoryCounters(storage_uri)
        else:
            storage = storage_from_string(storage_uri, socket_connect_timeout=STORAGE_TIMEOUT_SECONDS,
                                          socket_timeout=STORAGE_TIMEOUT_SECONDS)
        self.limiter = MovingWindowRateLimiter(storage)
        self._storage_errors = _storage_errors()
        self._parsed = {}

    def hit(self, limit, *identifiers):
        """Count one hit; returns (allowed, seconds until a slot frees). ``LimitsUnavailable`` when the
        counters cannot be reached."""
        item = self._parsed.get(limit)
        if item is None:
            item = self._parsed[limit] = parse(limit)
        try:
            if self.limiter.hit(item, *identifiers):
                return True, 0
            reset_at, _remaining = self.limiter.get_window_stats(item, *identifiers)
        except self._storage_errors as exc:
            log.warning("rate limit storage unavailable: %s: %s", type(exc).__name__, str(exc)[:200])
            raise LimitsUnavailable() from None
        return False, max(1, int(reset_at - time.time()))


class TooManyRequests(RateLimited):
    def __init__(self, retry_after):
        super().__init__(TOO_MANY_REQUESTS_DETAIL)
        self.headers = {"Retry-After": str(retry_after)}


def client_ip(request, config):
    """The client's address. Behind the ingress (``TRUST_FORWARDED_FOR``) it is the first entry of
    X-Forwarded-For, the client as the outermost proxy saw it; the ingress in front of the gateway sets
    the header itself (ingress-nginx does unless told to pass a client's on), so a client cannot name it."""
    if config.trust_forwarded_for:
        first = request.headers.get("X-Forwarded-For", "").split(",")[0].strip()
        if first:
            return first
    return request.remote_addr or "unknown"


def _email_in_body(request):
    try:
        body = client_json(request.get_data(cache=True) or b"{}")
        return str(body.get("email", "")).strip().lower()[:320] if isinstance(body, dict) else ""
    except (ValueError, UnicodeDecodeError):
        return ""


def _requester(kind, request, config):
    if kind == "account":
        return _email_in_body(request)
    if kind in AFTER_AUTHENTICATION:
        caller = getattr(request, "caller", None)
        if caller is not None and caller.person_id:
            return f"person:{caller.person_id}"
    return f"client:{client_ip(request, config)}"


def exceeded_rate_limit(spec, request, rt, signed_in):
    """Count the request against its route's limits; the seconds until a slot frees of the first one it
    exceeds, else None. Limits counted per person or caller wait until the caller is known
    (``signed_in``: after authentication)."""
    for setting, *kinds in NAMED_RATE_LIMITS.get(spec.rate_limit, ()):
        if bool(AFTER_AUTHENTICATION.intersection(kinds)) != signed_in:
            continue
        requester = [_requester(kind, request, rt.config) for kind in kinds]
        # the setting's name keeps two limits of one route apart even when their values are equal
        allowed, retry_after = rt.limits.hit(getattr(rt.config, setting), setting, spec.path, request.method,
                                             *requester)
        if not allowed:
            return retry_after
    return None
