"""A part that did not answer (503, 504) is one ERROR line of the worker that waited for it, without a
traceback that would only show where it waited; nameko's own record of it is dropped."""
import logging
import sys
from types import SimpleNamespace

from nabo_common.api.errors import NotFound, ServiceTimeout, ServiceUnavailable
from nabo_common.runtime.expected_errors import ExpectedErrorsUnrecorded
from nabo_common.runtime.worker import Instrumentation


class ApiRoute:  # the gateway's http entrypoint, by its type's name
    method_name = "register"


class WorkerContext:
    def __init__(self):
        self.entrypoint, self.data, self.call_id = ApiRoute(), {}, "gateway.register.1"


def _exc_info(exc):
    try:
        raise exc
    except Exception:
        return sys.exc_info()


def _record(exc):
    return logging.LogRecord("nameko.containers", logging.WARNING, __file__, 1, "(expected) error", (),
                             _exc_info(exc))


def _worker_line(exc, caplog):
    instrumentation = Instrumentation()
    instrumentation.container = SimpleNamespace(service_name="gateway")
    instrumentation.setup()
    worker_ctx = WorkerContext()
    instrumentation.worker_setup(worker_ctx)
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="nabo.worker"):
        instrumentation.worker_result(worker_ctx, exc_info=_exc_info(exc))
    [line] = [r for r in caplog.records if r.name == "nabo.worker"]
    return line


def test_a_part_that_did_not_answer_is_one_error_line_without_a_traceback(caplog):
    for exc in (ServiceTimeout("events did not answer within 30 s"),
                ServiceUnavailable("events is not running")):
        line = _worker_line(exc, caplog)
        assert line.levelno == logging.ERROR and line.exc_info is None, exc
        assert not ExpectedErrorsUnrecorded().filter(_record(exc))


def test_a_fault_keeps_its_traceback_and_nameko_keeps_its_record(caplog):
    line = _worker_line(RuntimeError("boom"), caplog)
    assert line.levelno == logging.ERROR and line.exc_info is not None
    assert ExpectedErrorsUnrecorded().filter(_record(RuntimeError("boom")))


def test_an_expected_refusal_stays_one_info_line(caplog):
    line = _worker_line(NotFound("Event not found."), caplog)
    assert line.levelno == logging.INFO and line.exc_info is None
    assert not ExpectedErrorsUnrecorded().filter(_record(NotFound("Event not found.")))
