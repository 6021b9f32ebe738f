"""What every gateway request leaves behind: its duration in the latency
histogram and one access log line, and the web server's request line without
the secrets some URLs carry."""
import logging
import re
import time

from prometheus_client import Histogram

from nabo_common.runtime.metrics import REGISTRY

log = logging.getLogger("nabo.gateway")
HTTP_LATENCY = Histogram("nabo_http_request_duration_seconds", "Gateway HTTP requests",
                         ["route", "method", "status"], registry=REGISTRY,
                         buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
# calendar feed tokens and unsubscribe links are credentials in a query string
TOKEN_IN_QUERY = re.compile(r"([?&]token=)[^&\s\"]*", re.IGNORECASE)
WEB_SERVER_LOG = "nameko.web.server"  # eventlet's access log: each request line with its query string


def without_tokens(text):
    return TOKEN_IN_QUERY.sub(r"\1[redacted]", text)


class TokensRedacted(logging.Filter):
    def filter(self, record):
        message = record.getMessage()
        redacted = without_tokens(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


logging.getLogger(WEB_SERVER_LOG).addFilter(TokensRedacted())


# the histogram's child of each route, method and status, found once (prometheus-client's ``labels`` checks
# and looks up its labels under a lock on every call)
_latencies = {}


def record(route, request, response, started):
    """``started`` is the request's ``time.perf_counter()`` on arrival."""
    duration = time.perf_counter() - started
    key = (route, request.method, response.status_code)
    latency = _latencies.get(key)
    if latency is None:
        latency = _latencies[key] = HTTP_LATENCY.labels(route, request.method, str(response.status_code))
    latency.observe(duration)
    if log.isEnabledFor(logging.INFO):  # the line's fields are not gathered for a level that drops it
        log.info("%s %s %s", request.method, request.path, response.status_code, extra={
            "method": request.method, "path": request.path, "route": route, "status": response.status_code,
            "duration_ms": round(duration * 1000, 2), "request_id": request.nabo_request_id})
