"""Dependencies every service declares: the verified caller, and
instrumentation (latency histogram, error counter, one log line per worker);"""
import logging
import time

from nameko.extensions import DependencyProvider

from nabo_common.runtime import context as context_mod
from nabo_common.runtime import metrics
from nabo_common.runtime import settings as settings_mod
from nabo_common.runtime.expected_errors import is_expected, is_unanswered

log = logging.getLogger("nabo.worker")


def entrypoint_kind(entrypoint):
    name = type(entrypoint).__name__
    return {"Rpc": "rpc", "EventConsumer": "event", "HttpRequestHandler": "http", "ApiRoute": "http",
            "Timer": "timer"}.get(name, name.lower())


def _level_of_failure(exc, kind):
    """INFO for a request answered 4xx (an expected outcome), WARNING for an event or timer failing that
    way (retried), ERROR for a fault (logged with its traceback)."""
    if getattr(exc, "status", 500) >= 500 and not is_expected(exc):
        return logging.ERROR
    return logging.INFO if kind in ("rpc", "http") else logging.WARNING


def request_id_of(worker_ctx):
    return worker_ctx.data.get(context_mod.REQUEST_ID_KEY) or worker_ctx.call_id


class CallerProvider(DependencyProvider):
    """The caller whose signed context came with the call; anonymous if the
    context is missing, forged or expired."""

    def setup(self):
        self.keys = settings_mod.from_container(self.container).context_keys

    def get_dependency(self, worker_ctx):
        token = worker_ctx.data.get(context_mod.CONTEXT_KEY)
        # events are handled long after the request; their caller is a record, not a credential
        verify_expiry = entrypoint_kind(worker_ctx.entrypoint) != "event"
        caller = context_mod.verify(token, self.keys, verify_expiry=verify_expiry,
                                    request_id=request_id_of(worker_ctx)) if token else None
        if token and caller is None:
            log.warning("refused unverifiable caller context on %s", worker_ctx.entrypoint.method_name)
        if caller is None:
            caller = context_mod.Caller(request_id=request_id_of(worker_ctx))
        return caller


class Instrumentation(DependencyProvider):
    def setup(self):
        self._started = {}
        # the latency histogram's child of each entrypoint, found once (``labels`` locks and checks per call)
        self._latencies = {}

    def worker_setup(self, worker_ctx):
        self._started[worker_ctx] = time.perf_counter()

    def worker_result(self, worker_ctx, result=None, exc_info=None):
        started = self._started.pop(worker_ctx, None)
        duration = time.perf_counter() - started if started is not None else 0.0
        service = self.container.service_name
        entrypoint = worker_ctx.entrypoint.method_name
        kind = entrypoint_kind(worker_ctx.entrypoint)
        latency = self._latencies.get((entrypoint, kind))
        if latency is None:
            latency = metrics.ENTRYPOINT_LATENCY.labels(service, entrypoint, kind)
            self._latencies[entrypoint, kind] = latency
        latency.observe(duration)
        if exc_info is None and not log.isEnabledFor(logging.INFO):
            return  # the line would be dropped: its fields are not gathered
        fields = {
            "service": service, "entrypoint": entrypoint, "kind": kind,
            "duration_ms": round(duration * 1000, 2), "request_id": request_id_of(worker_ctx),
        }
        if exc_info is not None:
            error = exc_info[0].__name__
            metrics.ENTRYPOINT_ERRORS.labels(service, entrypoint, kind, error).inc()
            fields.update(outcome="error", error=error, error_detail=str(exc_info[1])[:300])
            level = _level_of_failure(exc_info[1], kind)
            traced = level >= logging.ERROR and not is_unanswered(exc_info[1])
            log.log(level, "%s.%s failed", service, entrypoint, extra=fields,
                    exc_info=exc_info if traced else None)
        else:
            fields["outcome"] = "ok"
            log.info("%s.%s", service, entrypoint, extra=fields)
