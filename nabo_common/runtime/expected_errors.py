"""Expected outcomes are not faults: a request answered 4xx (not found, invalid input, a conflict) is
logged once, by the worker's own line at INFO, without a traceback. nameko records every exception an
entrypoint raises with its traceback (at ERROR for an RPC, whose entrypoint expects none); those records
of expected outcomes are dropped, so a traceback in the logs means a fault. A part that did not answer
(503, 504) is logged by the worker's line at ERROR, once and without the caller's traceback, which would
only show where it waited."""
import logging

from werkzeug.exceptions import HTTPException

from nabo_common.api.errors import NaboError, ServiceTimeout, ServiceUnavailable

CONTAINER_LOG = "nameko.containers"


def is_expected(exc):
    """Whether ``exc`` is answered 4xx: the caller's mistake or the state of the data, not a fault."""
    if isinstance(exc, NaboError):
        return exc.status < 500
    if isinstance(exc, HTTPException):
        return (exc.code or 500) < 500
    return False


def is_unanswered(exc):
    """Whether ``exc`` says another part did not answer (503, 504): a fault, but of that part; the
    caller's traceback would only show where it waited."""
    return isinstance(exc, (ServiceTimeout, ServiceUnavailable))


class ExpectedErrorsUnrecorded(logging.Filter):
    def filter(self, record):
        exc = record.exc_info[1] if record.exc_info else None
        return not (exc is not None and (is_expected(exc) or is_unanswered(exc)))


def leave_expected_errors_to_the_worker_line():
    logger = logging.getLogger(CONTAINER_LOG)
    if not any(isinstance(existing, ExpectedErrorsUnrecorded) for existing in logger.filters):
        logger.addFilter(ExpectedErrorsUnrecorded())
