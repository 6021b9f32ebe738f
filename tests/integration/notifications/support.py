"""Helpers for the notifications integration tests: publish events into the
real exchange, build read-model state through real events, wait for rows, receive webhooks."""
import json
import time
import uuid
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, HTTPServer

import eventlet
import pika

from nabo_common.messaging import envelopes, topology
from nabo_common.persistence import db
from tests.support.infra import free_port


class Publisher:
    """Publishes envelopes to nabo.events as a service's relay would (confirms, persistent)."""

    def __init__(self, amqp_uri):
        self.connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
        self.channel = self.connection.channel()
        self.channel.confirm_delivery()
        topology.declare_with_pika(self.channel)

    def envelope(self, event_type, data, association_id=None, event_id=None):
        return envelopes.build(event_type, data, association_id=association_id, event_id=event_id)

    def send(self, envelope):
        self.channel.basic_publish(envelopes.EXCHANGE, envelope["type"], json.dumps(envelope).encode(),
                                   pika.BasicProperties(content_type="application/json", delivery_mode=2,
                                                        message_id=envelope["id"]), mandatory=True)
        return envelope

    def publish(self, event_type, data, association_id=None, event_id=None):
        return self.send(self.envelope(event_type, data, association_id, event_id))

    def close(self):
        self.connection.close()


def new_id():
    return str(uuid.uuid4())


class Database:
    def __init__(self, url):
        self.engine = db.make_engine(url, pool_size=2)
        self.sessions = db.make_sessionmaker(self.engine)

    def rows(self, stmt):
        with self.sessions() as session:
            return session.scalars(stmt).all()

    def wait_rows(self, stmt, count, timeout=15.0):
        deadline = time.monotonic() + timeout
        while True:
            rows = self.rows(stmt)
            if len(rows) >= count or time.monotonic() > deadline:
                return rows
            time.sleep(0.1)

    def close(self):
        self.engine.dispose()


def wait_until(predicate, timeout=20.0, interval=0.1):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


def restart(system, component, service_cls):
    """Start a new container of ``component`` on the same database (after a kill)."""
    settings = replace(system.settings[component], http_port=free_port())
    return system.start(component, service_cls, settings)


def now_iso(delta=timedelta()):
    return (datetime.now(timezone.utc) + delta).isoformat()


class WebhookReceiver:
    """A local HTTP endpoint (a green thread, like the services) that fails its first requests, then
    accepts."""

    def __init__(self, failures=1):
        self.requests = []
        self.failures = failures
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                status = 500 if len(receiver.requests) <= receiver.failures else 204
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", free_port()), Handler)
        self.thread = eventlet.spawn(self.server.serve_forever, poll_interval=0.05)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/nabo"

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
