"""RPC with a deadline.

nameko's RpcProxy waits for a reply forever. ``TimedRpcProxy`` gives every
call a deadline: the request message expires in the queue at the deadline
(so a service that comes back later does not act on a request whose caller
already gave up), and the caller gets ``ServiceTimeout`` (504) when no reply
arrives in time, or ``ServiceUnavailable`` (503) when no service instance
consumes the queue at all.
"""
import logging
import time
from contextlib import contextmanager

import eventlet
from amqp.exceptions import ConnectionError as AmqpConnectionError
from kombu import Connection
from kombu.exceptions import OperationalError as BrokerError
from kombu.pools import producers
from nameko.amqp.publish import Publisher
from nameko.constants import DEFAULT_TRANSPORT_OPTIONS
from nameko.exceptions import UnknownService
from nameko.rpc import MethodProxy, ReplyListener, RpcProxy, ServiceProxy

from nabo_common.api.errors import ServiceTimeout, ServiceUnavailable
from nabo_common.runtime import settings as settings_mod

log = logging.getLogger(__name__)
DEADLINE_KEY = "nabo_deadline"  # context data: Unix time after which the caller no longer waits


def keep_serving_when_a_reply_is_lost():
    """nameko lets a reply that cannot be published (broker connection lost at that moment) escape
    from the worker, which kills the whole container: one broker restart would stop the service.
    The work is done and committed either way; the caller gets its deadline (504) instead, and
    the service keeps serving and reconnects. Applied once by ``nabo_common.runtime.patch.apply()``."""
    from nameko import rpc as nameko_rpc

    original = nameko_rpc.Responder.send_response
    if getattr(original, "nabo_guarded", False):
        return

    def send_response(self, result, exc_info):
        try:
            return original(self, result, exc_info)
        except (BrokerError, OSError) as exc:
            log.warning("RPC reply could not be sent (%s: %s); the caller will time out",
                        type(exc).__name__, str(exc)[:200])
            return result, exc_info

    send_response.nabo_guarded = True
    nameko_rpc.Responder.send_response = send_response


class UnconfirmedPublisher(Publisher):
    use_confirms = False


def replies_without_publisher_confirms():
    """An RPC reply needs no publisher confirm: its caller is waiting for the reply itself, and a reply
    lost anywhere ends in the caller's deadline (504) whether or not the broker confirmed it, and the
    confirm would cost every call a wait for the broker. Requests keep theirs (the gateway learns from
    the confirm that no instance is running: 503).
    Applied once by ``nabo_common.runtime.patch.apply()``."""
    from nameko import rpc as nameko_rpc

    nameko_rpc.Responder.publisher_cls = UnconfirmedPublisher


def drop_requests_past_their_deadline():
    """The queue's per-message expiry only covers messages still in the queue; a request already
    delivered to an instance that then stalls (SIGSTOP, a long GC pause, a hub blocked) would be
    acted on when it resumes, although its caller answered 504 long ago. The caller's deadline
    travels in the context data; a request that arrives after it is acked and dropped unanswered.
    Applied once by ``nabo_common.runtime.patch.apply()``."""
    from nameko import rpc as nameko_rpc

    original = nameko_rpc.RpcConsumer.handle_message
    if getattr(original, "nabo_guarded", False):
        return

    def handle_message(self, body, message):
        deadline = (message.headers or {}).get(f"nameko.{DEADLINE_KEY}")
        if isinstance(deadline, (int, float)) and time.time() > deadline:
            log.warning("dropped RPC request %s: its caller's deadline passed %.1f s ago",
                        message.delivery_info.get("routing_key"), time.time() - deadline)
            self.queue_consumer.ack_message(message)
            return
        return original(self, body, message)

    handle_message.nabo_guarded = True
    nameko_rpc.RpcConsumer.handle_message = handle_message


# the producer pool of each set of connection options (see ``producer_pool``)
_producer_pools = {}


def producer_pool(amqp_uri, confirms=True, ssl=None, login_method=None, transport_options=None):
    """The kombu producer pool nameko's ``get_producer`` publishes from, found once per set of connection
    options. nameko builds a kombu ``Connection`` on every publish only to find the pool it keys (parsing
    the broker's address each time, about 0.1 ms a call); the pool found is the same either way."""
    if transport_options is None:
        transport_options = DEFAULT_TRANSPORT_OPTIONS.copy()
    transport_options["confirm_publish"] = confirms  # as nameko does, on the publisher's own options
    try:
        key = (amqp_uri, ssl, login_method, tuple(transport_options.items()))
        pool = _producer_pools.get(key)
    except TypeError:  # options that cannot be a key (ssl as a dict): kombu finds the pool each time
        key = pool = None
    if pool is None:
        pool = producers[Connection(amqp_uri, transport_options=transport_options, ssl=ssl,
                                    login_method=login_method)]
        if key is not None:
            _producer_pools[key] = pool
    return pool


def drop_connections_of_interrupted_publishes():
    """A publish interrupted from outside (the caller's deadline, ``eventlet.Timeout``, raised while it
    waits for the broker's confirm) may stop in the middle of a frame: py-amqp has read the frame's
    header and loses it, so the connection's stream is out of step. kombu then closes the pooled
    connection politely, sending ``channel.close`` and reading for its answer on that stream, which
    can wait long past the caller's deadline. The connection is dropped without a word instead (its
    socket closed; the pool opens a new one for the next publish), so a deadline bounds the wait.
    The producer comes from the pool ``producer_pool`` finds.
    Applied once by ``nabo_common.runtime.patch.apply()``."""
    from nameko.amqp import publish

    if getattr(publish.get_producer, "nabo_guarded", False):
        return

    @contextmanager
    def get_producer(*args, **kwargs):
        with producer_pool(*args, **kwargs).acquire(block=True) as producer:
            try:
                yield producer
            except BaseException as exc:
                if not isinstance(exc, Exception):  # interrupted, not failed: the stream may be mid-frame
                    log.warning("publish interrupted (%s); its broker connection is dropped",
                                type(exc).__name__)
                    producer.connection.collect()
                raise

    get_producer.nabo_guarded = True
    publish.get_producer = get_producer


class TimedMethodProxy(MethodProxy):
    def __init__(self, worker_ctx, service_name, method_name, reply_listener, timeout, **options):
        self.timeout = timeout
        options.setdefault("expiration", timeout)
        # a dead broker must not stall the caller longer than its deadline
        options.setdefault("retry_policy", {"max_retries": 1, "interval_start": 0.2, "interval_step": 0.2})
        super().__init__(worker_ctx, service_name, method_name, reply_listener, **options)

    def __call__(self, *args, **kwargs):
        correlation = {}
        self.worker_ctx.data[DEADLINE_KEY] = time.time() + self.timeout
        try:
            with eventlet.Timeout(self.timeout):
                reply = self._call(*args, **kwargs)
                correlation["event"] = reply.reply_event
                return reply.result()
        except eventlet.Timeout:
            self._forget(correlation.get("event"))
            raise ServiceTimeout("{service_name} did not answer within {timeout} s",
                                 service_name=self.service_name, timeout=f"{self.timeout:g}") from None
        except UnknownService:
            raise ServiceUnavailable("{service_name} is not running",
                                     service_name=self.service_name) from None
        # AmqpConnectionError: the broker closed the connection (a node stopping answers 541 or 320);
        # kombu passes on, unwrapped, the ones it does not retry
        except (OSError, IOError, BrokerError, AmqpConnectionError) as exc:
            log.warning("message broker unreachable: %s", exc)
            raise ServiceUnavailable("The message broker cannot be reached; try again shortly.") from None

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


class NodeLocalReplyListener(ReplyListener):
    """The caller's reply queue as a non-durable, exclusive classic queue: it lives on the broker node the
    caller is connected to and goes with its connection. A durable one would become a quorum queue in a
    vhost whose default queue type is quorum, with its leader possibly on another node, and while that node
    is down replies do not reach the caller. The caller's consumer redeclares its queue on the node it
    reconnects to; replies in flight on a lost node are lost with it, which the caller's deadline answers
    (504)."""

    def setup(self):
        super().setup()
        queue = self.queue
        self.queue = queue.__class__(
            queue.name,
            exchange=queue.exchange,
            routing_key=queue.routing_key,
            durable=False,
            exclusive=True,
            auto_delete=True,
            queue_arguments={**(queue.queue_arguments or {}), "x-queue-type": "classic"},
        )


class TimedRpcProxy(RpcProxy):
    rpc_reply_listener = NodeLocalReplyListener()

    def __init__(self, target_service, timeout=None, **options):
        super().__init__(target_service, **options)
        self.timeout = timeout

    def setup(self):
        if self.timeout is None:
            self.timeout = settings_mod.from_container(self.container).rpc_timeout

    def get_dependency(self, worker_ctx):
        return TimedServiceProxy(worker_ctx, self.target_service, self.rpc_reply_listener,
                                 self.timeout, **self.options)
