"""Which failures are the infrastructure's, not the message's.

A handler that fails because its database, the broker or another service is
briefly unreachable will succeed unchanged once that dependency is back, so
such a failure must not use up the attempts meant for failures of the message
itself (a bug, bad data): otherwise a thirty-second database restart would
dead-letter every event in flight.
"""
import socket

import psycopg2
from nameko.exceptions import RemoteError
from sqlalchemy import exc as sa_exc

from nabo_common.api.errors import ServiceTimeout, ServiceUnavailable

# error names that a RemoteError carries when the callee failed on its own infrastructure
REMOTE_TRANSIENT = frozenset({
    "OperationalError", "InterfaceError", "DisconnectionError", "ServiceTimeout", "ServiceUnavailable",
    "TimeoutError", "ConnectionError", "ConnectionRefusedError", "ConnectionResetError",
})

_TRANSIENT_TYPES = (
    sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.DisconnectionError, sa_exc.TimeoutError,
    psycopg2.OperationalError, psycopg2.InterfaceError,
    ConnectionError, TimeoutError, socket.timeout, socket.gaierror,
    ServiceTimeout, ServiceUnavailable,
)


def is_transient(exc):
    """True when ``exc`` (or an exception it was raised from) says a dependency was unreachable."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, _TRANSIENT_TYPES):
            return True
        if isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated:
            return True
        if isinstance(exc, RemoteError) and exc.exc_type in REMOTE_TRANSIENT:
            return True
        exc = exc.__cause__ or exc.__context__
    return False
