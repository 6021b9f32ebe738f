"""Consumer connections that keep their heartbeats whatever arrives.

kombu's ``ConsumerMixin.consume`` (which nameko's QueueConsumer runs) sends
heartbeats only when ``drain_events`` times out after a second of silence. But
py-amqp's drain keeps reading through RabbitMQ's own heartbeat frames, which
the broker sends every half interval, and restarts its timeout after each; a
message that arrives ends the drain without a timeout. With a short heartbeat
(two seconds: a frame every second) or a steady flow of messages, the client
then never sends a heartbeat, RabbitMQ closes the connection ("missed
heartbeats from client") and requeues every unacked message, so a handler
still running is executed a second time.

Here a drain waits at most a quarter of the heartbeat interval, so the
broker's frames cannot keep it from timing out, and the heartbeat is checked
after every drain; it only sends a frame when one is due.
"""
import socket
from itertools import count
from logging import getLogger

log = getLogger(__name__)


def consume(self, limit=None, timeout=None, safety_interval=1, **kwargs):
    elapsed = 0
    with self.consumer_context(**kwargs) as (conn, channel, consumers):
        heartbeat = getattr(conn.connection, "heartbeat", None) or conn.heartbeat
        if heartbeat:
            safety_interval = min(safety_interval, heartbeat / 4.0)
        for _ in limit and range(limit) or count():
            if self.should_stop:
                break
            self.on_iteration()
            try:
                conn.drain_events(timeout=safety_interval)
            except socket.timeout:
                conn.heartbeat_check()
                elapsed += safety_interval
                if timeout and elapsed >= timeout:
                    raise
            except OSError:
                if not self.should_stop:
                    raise
            else:
                conn.heartbeat_check()
                yield
                elapsed = 0
    log.debug("consume exiting")


def heartbeat_after_every_drain():
    """Give nameko's QueueConsumer (RPC, replies and events) the consume loop above."""
    from nameko.messaging import QueueConsumer

    if getattr(QueueConsumer.consume, "nabo_guarded", False):
        return
    consume.nabo_guarded = True
    QueueConsumer.consume = consume
