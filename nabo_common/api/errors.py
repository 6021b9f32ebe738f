"""Domain errors that cross RPC boundaries intact.

Registered with nameko so the caller receives the same exception class (with
its arguments) instead of a generic RemoteError; the gateway maps each to an
HTTP status in one place.

A detail is an English message id with ``{name}`` places and the values for them
(``Forbidden("This network is for people up to {max_age}.", max_age=30)``): it
crosses RPC as both, so the gateway renders it in the caller's language;
``detail`` is the English text, for logs and callers that read no language.
Titles and messages are catalogue entries (``nabo_common/i18n``).
"""
from nameko.exceptions import deserialize_to_instance

from nabo_common.i18n.catalogues import N_


def _plain(value):
    return value if isinstance(value, (str, int, float)) and not isinstance(value, bool) else str(value)


class NaboError(Exception):
    status = 500
    title = N_("Internal error")

    def __init__(self, detail="", errors=None, params=None, **named):
        params = {name: _plain(value) for name, value in {**(params or {}), **named}.items()}
        super().__init__(detail, errors or {}, params)
        self.message = detail
        self.params = params
        self.detail = detail.format(**params) if params else detail
        self.errors = errors or {}

    def __str__(self):
        return self.detail


@deserialize_to_instance
class ValidationFailed(NaboError):
    """Input broke a rule; ``errors`` maps field names to messages."""
    status = 422
    title = N_("Validation failed")


@deserialize_to_instance
class BadInput(NaboError):
    status = 400
    title = N_("Bad request")


@deserialize_to_instance
class NotAuthenticated(NaboError):
    status = 401
    title = N_("Not authenticated")


@deserialize_to_instance
class Forbidden(NaboError):
    status = 403
    title = N_("Forbidden")


@deserialize_to_instance
class NotFound(NaboError):
    status = 404
    title = N_("Not found")


@deserialize_to_instance
class Conflict(NaboError):
    status = 409
    title = N_("Conflict")


@deserialize_to_instance
class RateLimited(NaboError):
    status = 429
    title = N_("Too many requests")


@deserialize_to_instance
class ServiceUnavailable(NaboError):
    status = 503
    title = N_("Service unavailable")
    # nothing was done (the broker or the service is away, restarting): the caller may try again shortly
    headers = {"Retry-After": "5"}


@deserialize_to_instance
class ServiceTimeout(NaboError):
    status = 504
    title = N_("Service did not answer in time")
