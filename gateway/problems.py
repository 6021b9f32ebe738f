"""Errors as application/problem+json (RFC 9457), with per-field messages,
and the problem each failure behind a route becomes."""
import json
import logging

from nameko.exceptions import RemoteError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.wrappers import Response

from nabo_common.api.errors import NaboError

PROBLEM_TYPE_BASE = "https://nabo.example/problems/"
# errors of a service's own infrastructure (its database is restarting, unreachable):
# the request changed nothing and may be retried, so they are 503, not 500
UNAVAILABLE_REMOTE_ERRORS = frozenset({"OperationalError", "InterfaceError", "DisconnectionError",
                                       "TimeoutError"})

log = logging.getLogger("nabo.gateway")


def problem(status, title, detail="", errors=None, request_id=None, instance=None, headers=None):
    body = {
        "type": PROBLEM_TYPE_BASE + title.lower().replace(" ", "-"),
        "title": title,
        "status": status,
        "detail": detail or title,
    }
    if instance:
        body["instance"] = instance
    if request_id:
        body["request_id"] = request_id
    if errors:
        body["errors"] = errors
    return Response(json.dumps(body), status=status, content_type="application/problem+json", headers=headers)


def problem_for(exc):
    """Domain errors keep their status; a service that cannot reach its database is 503; anything else
    is 500 without internals, logged."""
    if isinstance(exc, NaboError):
        return problem(exc.status, exc.title, exc.detail, exc.errors, headers=getattr(exc, "headers", None))
    if isinstance(exc, RequestEntityTooLarge):
        return problem(413, "Payload too large", "The request body is too large.")
    if isinstance(exc, HTTPException):
        return problem(exc.code or 400, exc.name, exc.description)
    if isinstance(exc, RemoteError) and exc.exc_type in UNAVAILABLE_REMOTE_ERRORS:
        log.warning("service dependency unavailable: %s %s", exc.exc_type, str(exc.value)[:200])
        return problem(503, "Service unavailable",
                       "A service cannot reach its database right now; try again shortly.",
                       headers={"Retry-After": "5"})
    if isinstance(exc, RemoteError):
        log.error("service error: %s %s", exc.exc_type, exc.value)
        return problem(500, "Internal error", "A service failed; the error has been logged.")
    log.error("gateway error: %r", exc, exc_info=exc)
    return problem(500, "Internal error", "The gateway failed; the error has been logged.")


def stamp(request, response):
    """Name the request's path and id in a problem a route answered."""
    try:
        body = json.loads(response.get_data())
    except ValueError:
        return
    body.setdefault("instance", request.path)
    body.setdefault("request_id", request.nabo_request_id)
    response.set_data(json.dumps(body))
