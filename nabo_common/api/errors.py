"""Domain errors that cross RPC boundaries intact.

Registered with nameko so the caller receives the same exception class (with
its arguments) instead of a generic RemoteError; the gateway maps each to an
HTTP status in one place.
"""
from nameko.exceptions import deserialize_to_instance


class NaboError(Exception):
    status = 500
    title = "Internal error"

    def __init__(self, detail="", errors=None):
        super().__init__(detail, errors or {})
        self.detail = detail
        self.errors = errors or {}


@deserialize_to_instance
class ValidationFailed(NaboError):
    """Input broke a rule; ``errors`` maps field names to messages."""
    status = 422
    title = "Validation failed"


@deserialize_to_instance
class BadInput(NaboError):
    status = 400
    title = "Bad request"


@deserialize_to_instance
class NotAuthenticated(NaboError):
    status = 401
    title = "Not authenticated"


@deserialize_to_instance
class Forbidden(NaboError):
    status = 403
    title = "Forbidden"


@deserialize_to_instance
class NotFound(NaboError):
    status = 404
    title = "Not found"


@deserialize_to_instance
class Conflict(NaboError):
    status = 409
    title = "Conflict"


@deserialize_to_instance
class RateLimited(NaboError):
    status = 429
    title = "Too many requests"


@deserialize_to_instance
class ServiceUnavailable(NaboError):
    status = 503
    title = "Service unavailable"
    # nothing was done (the broker or the service is away, restarting): the caller may try again shortly
    headers = {"Retry-After": "5"}


@deserialize_to_instance
class ServiceTimeout(NaboError):
    status = 504
    title = "Service did not answer in time"
