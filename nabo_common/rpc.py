"""RPC with a deadline.

nameko's RpcProxy waits for a reply forever. ``TimedRpcProxy`` gives every
call a deadline: the request message expires in the queue at the deadline
(so a service that comes back later does not act on a request whose caller
already gave up), and the caller gets ``ServiceTimeout`` (504) when no reply
arrives in time, or ``ServiceUnavailable`` (503) when no service instance
consumes the queue at all.
"""
import eventlet
from nameko.exceptions import UnknownService
from nameko.rpc import MethodProxy, RpcProxy, ServiceProxy

from nabo_common import settings as settings_mod
from nabo_common.errors import ServiceTimeout, ServiceUnavailable


class TimedMethodProxy(MethodProxy):
    def __init__(self, worker_ctx, service_name, method_name, reply_listener, timeout, **options):
        self.timeout = timeout
        options.setdefault("expiration", timeout)
        # a dead broker must not stall the caller longer than its deadline
        options.setdefault("retry_policy", {"max_retries": 1, "interval_start": 0.2, "interval_step": 0.2})
        super().__init__(worker_ctx, service_name, method_name, reply_listener, **options)

    def __call__(self, *args, **kwargs):
        correlation = {}
        try:
            with eventlet.Timeout(self.timeout):
                reply = self._call(*args, **kwargs)
                correlation["event"] = reply.reply_event
                return reply.result()
        except eventlet.Timeout:
            self._forget(correlation.get("event"))
            raise ServiceTimeout(f"{self.service_name} did not answer within {self.timeout:g} s") from None
        except UnknownService:
            raise ServiceUnavailable(f"{self.service_name} is not running") from None
        except (OSError, IOError) as exc:
            raise ServiceUnavailable(f"message broker unreachable: {exc}") from None

    def _forget(self, reply_event):
        # drop the pending reply slot so late replies do not accumulate
        if reply_event is None:
            return
        pending = self.reply_listener._reply_events
        for key, value in list(pending.items()):
            if value is reply_event:
                pending.pop(key, None)


class TimedServiceProxy(ServiceProxy):
    def __init__(self, worker_ctx, service_name, reply_listener, timeout, **options):
        super().__init__(worker_ctx, service_name, reply_listener, **options)
        self.timeout = timeout

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return TimedMethodProxy(self.worker_ctx, self.service_name, name, self.reply_listener,
                                self.timeout, **self.options)


class TimedRpcProxy(RpcProxy):
    def __init__(self, target_service, timeout=None, **options):
        super().__init__(target_service, **options)
        self.timeout = timeout

    def setup(self):
        if self.timeout is None:
            self.timeout = settings_mod.from_container(self.container).rpc_timeout

    def get_dependency(self, worker_ctx):
        return TimedServiceProxy(worker_ctx, self.target_service, self.rpc_reply_listener,
                                 self.timeout, **self.options)
