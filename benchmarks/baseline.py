"""The yardsticks every system figure is divided by: a bare nameko HTTP
entrypoint that calls a bare nameko RPC service, each in its own process, on
the same broker, with the same worker pool size and serializer as nabo's
components. Nothing else: no validation, auth, database or metrics, except
where a floor needs exactly one of them.

    python -m benchmarks.baseline echo|http|consumer   (env: AMQP_URI, BASELINE_PORT, MAX_WORKERS,
                                                        BASELINE_DATABASE_URL for the write floors,
                                                        BASELINE_SMTP_PORT for the consumer's mail)

GET /echo?v=x       {"echo": "x"} after one RPC round trip: the floor of one gateway hop.
GET /page?n=50      a page of n event-shaped items (the size of nabo's page of events), made once
                    and returned by the RPC: the floor of carrying that reply through one hop.
POST /write         one INSERT and COMMIT in PostgreSQL (psycopg2 made green by psycogreen, as
                    nabo's services) behind one RPC: the floor of a durable write through one hop.
POST /register      the floor of a registration with its consumer and its mail: the write above, then
                    a nameko event (dispatched with publisher confirms, no outbox) to a bare consumer in
                    a process of its own, which does one INSERT and COMMIT and sends one message of
                    MAIL_BYTES over a kept SMTP connection to the sink nabo's mail goes to.
GET /health/live    200.
"""
import eventlet

eventlet.monkey_patch()  # nameko's own requirement, and nothing of nabo's

import json  # noqa: E402
import os  # noqa: E402
import smtplib  # noqa: E402
import socket  # noqa: E402
import sys  # noqa: E402
from functools import lru_cache  # noqa: E402

from nameko.events import EventDispatcher, event_handler  # noqa: E402
from nameko.extensions import DependencyProvider  # noqa: E402
from nameko.rpc import RpcProxy, rpc  # noqa: E402
from nameko.web.handlers import http  # noqa: E402
from nameko.web.server import WebServer  # noqa: E402
from werkzeug.wrappers import Response  # noqa: E402

_start = WebServer.start


def _start_without_nagle(self):
    """TCP_NODELAY on the listening socket, as nabo's components have it: without it a reply of tens of
    kilobytes on a kept-alive connection waits for the client's delayed ACK, and the floor of the page
    would measure that wait (56 ms a page) instead of the hop."""
    _start(self)
    self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


WebServer.start = _start_without_nagle

PAGE_ITEM = {  # the fields and sizes of one event of nabo's page, with fixed values
    "id": "0" * 36,
    "association_ids": ["1" * 36],
    "network_id": "2" * 36,
    "programme_id": None,
    "title": "Network meeting 17",
    "description": "Meet the companies of the region.",
    "themes": ["green"],
    "languages": ["en", "da"],
    "format": "online",
    "starts_at": "2026-12-24T17:00:00+00:00",
    "ends_at": "2026-12-24T19:00:00+00:00",
    "time_zone": "Europe/Copenhagen",
    "local_start": "2026-12-24T18:00:00+01:00",
    "venue": None,
    "join_url": None,
    "join_url_visibility": "public",
    "join_url_hidden": False,
    "registration_opens_at": None,
    "registration_closes_at": None,
    "registration_open": True,
    "seats": {"capacity": None, "confirmed": 5, "waitlisted": 0, "available": None},
    "status": "published",
    "visibility": "public",
    "people": [],
    "questions": [],
    "reminder_offsets": [60, 1440],
    "sequence": 0,
    "published_at": "2026-11-01T09:00:00+00:00",
    "cancel_reason": None,
    "recording_url": None,
    "recording_published_at": None,
    "created_at": "2026-11-01T09:00:00+00:00",
    "updated_at": "2026-11-01T09:00:00+00:00",
}


@lru_cache(maxsize=8)
def page_of(count):
    return {"items": [dict(PAGE_ITEM) for _ in range(count)], "total": 200, "limit": count, "offset": 0}


class Postgres(DependencyProvider):
    """A pool of green psycopg2 connections to BASELINE_DATABASE_URL, one per worker at most."""

    def setup(self):
        self.pool = None
        url = os.environ.get("BASELINE_DATABASE_URL")
        if not url:
            return
        import psycopg2.pool
        from psycogreen.eventlet import patch_psycopg

        patch_psycopg()
        workers = int(os.environ.get("MAX_WORKERS", "10"))
        # as many kept connections as workers: psycopg2's pool closes a returned connection beyond minconn,
        # which would make the floor open a connection per write
        self.pool = psycopg2.pool.ThreadedConnectionPool(workers, workers, url)
        connection = self.pool.getconn()
        with connection, connection.cursor() as cursor:
            # the echo and the consumer start together: CREATE TABLE IF NOT EXISTS races without the lock
            cursor.execute("SELECT pg_advisory_xact_lock(7117)")
            # clock_timestamp(): the time of the INSERT itself, for the floor's commit -> consumer latency
            for table in ("bare_writes", "bare_deliveries"):
                cursor.execute(
                    f"CREATE TABLE IF NOT EXISTS {table} (id bigserial PRIMARY KEY, value text NOT NULL, "
                    "created_at timestamptz NOT NULL DEFAULT clock_timestamp())"
                )
        self.pool.putconn(connection)

    def get_dependency(self, worker_ctx):
        return self.pool


def insert(pool, table, value):
    """One INSERT in a transaction of its own (the COMMIT waits for the WAL flush, as nabo's do)."""
    connection = pool.getconn()
    try:
        with connection, connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {table} (value) VALUES (%s) RETURNING id", (value,))
            return cursor.fetchone()[0]
    finally:
        pool.putconn(connection)


MAIL_BYTES = 6500  # about a confirmation of nabo's with its calendar attached (the sink's bytes/messages)


def mail_for(address):
    """One message to ``address``: a To header and a fixed body, made once but for the address."""
    return (
        f"From: bare <bare@floor.invalid>\r\nTo: <{address}>\r\nSubject: registered\r\n\r\n".encode("ascii")
        + _MAIL_BODY
    )


_MAIL_BODY = b"".join(b"x" * 76 + b"\r\n" for _ in range(MAIL_BYTES // 78))


class Smtp(DependencyProvider):
    """Kept SMTP connections to BASELINE_SMTP_PORT, one per worker at most: the floor opens none per
    message."""

    def setup(self):
        self.port = int(os.environ.get("BASELINE_SMTP_PORT", "0"))
        self.idle = []

    def get_dependency(self, worker_ctx):
        return self

    def send(self, address):
        connection = self.idle.pop() if self.idle else smtplib.SMTP("127.0.0.1", self.port, timeout=30)
        connection.sendmail("bare@floor.invalid", [address], mail_for(address))
        self.idle.append(connection)


class BareEcho:
    name = "bare_echo"

    postgres = Postgres()
    dispatch = EventDispatcher()

    @rpc
    def ping(self, value):
        return value

    @rpc
    def page(self, count):
        return page_of(count)

    @rpc
    def write(self, value):
        return insert(self.postgres, "bare_writes", value)

    @rpc
    def register(self, value):
        written = insert(self.postgres, "bare_writes", value)
        self.dispatch("registered", {"value": value})
        return written

    @http("GET", "/health/live")
    def live(self, request):
        return Response("ok")


class BareConsumer:
    name = "bare_consumer"

    postgres = Postgres()
    smtp = Smtp()

    @event_handler("bare_echo", "registered")
    def on_registered(self, payload):
        insert(self.postgres, "bare_deliveries", payload["value"])
        self.smtp.send(payload["value"])

    @http("GET", "/health/live")
    def live(self, request):
        return Response("ok")


class BareHttp:
    name = "bare_http"

    echo = RpcProxy("bare_echo")

    @http("GET", "/echo")
    def echo_route(self, request):
        value = self.echo.ping(request.args.get("v", "x"))
        return Response(json.dumps({"echo": value}), content_type="application/json")

    @http("GET", "/page")
    def page_route(self, request):
        page = self.echo.page(int(request.args.get("n", "50")))
        return Response(json.dumps(page), content_type="application/json")

    @http("POST", "/write")
    def write_route(self, request):
        written = self.echo.write(json.loads(request.get_data() or b"{}").get("value", "x"))
        return Response(json.dumps({"id": written}), status=201, content_type="application/json")

    @http("POST", "/register")
    def register_route(self, request):
        written = self.echo.register(json.loads(request.get_data() or b"{}").get("value", "x"))
        return Response(json.dumps({"id": written}), status=201, content_type="application/json")

    @http("GET", "/health/live")
    def live(self, request):
        return Response("ok")


def config():
    return {
        "AMQP_URI": os.environ.get("AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/"),
        "WEB_SERVER_ADDRESS": f"127.0.0.1:{os.environ.get('BASELINE_PORT', '8099')}",
        "max_workers": int(os.environ.get("MAX_WORKERS", "10")),
        "serializer": "json",
    }


def main(role):
    from nameko.cli.run import run

    run([{"echo": BareEcho, "http": BareHttp, "consumer": BareConsumer}[role]], config())


if __name__ == "__main__":
    main(sys.argv[1])
