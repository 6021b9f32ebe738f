"""The gateway's own work on a request, in-process: the gateway's container and WSGI app with its RPC
proxies replaced by stubs that answer at once, so neither RabbitMQ nor a service is needed. Prints the
CPU a request (``time.process_time``), the best of 5 rounds of N requests, for one event (signed in), a
network's list of threads (anonymous) and a guest registration; ``profile`` adds cProfile's table of the
last round. To compare revisions, run it from each tree (``git archive REV | tar -x -C DIR``) in turn.

    LOG_LEVEL=WARNING WRITE_RATE_LIMIT=100000/minute REGISTRATION_RATE_LIMIT=100000/minute \
        python -m benchmarks.gateway_path [N] [profile]
"""
import sys
import time
import uuid

from nabo_common.runtime import patch

patch.apply()

import eventlet  # noqa: E402
import orjson  # noqa: E402
from nameko.containers import ServiceContainer  # noqa: E402
from nameko.testing.services import replace_dependencies  # noqa: E402
from werkzeug.test import EnvironBuilder  # noqa: E402

from gateway import tokens  # noqa: E402
from gateway.runtime import runtime  # noqa: E402
from gateway.server import GatewayWebServer  # noqa: E402
from gateway.service import Gateway  # noqa: E402

EVENT_ID = str(uuid.uuid4())
NETWORK_ID = str(uuid.uuid4())
EVENT = {
    "id": EVENT_ID, "title": "Financing for growth", "format": "online", "status": "published",
    "languages": ["da"], "themes": ["financing"], "starts_at": "2026-12-13T10:00:00+01:00",
    "ends_at": "2026-12-13T12:00:00+01:00", "time_zone": "Europe/Copenhagen", "join_url": None,
    "venue": None, "capacity": 40, "seats_taken": 12, "waitlist": 0, "association_ids": [str(uuid.uuid4())],
    "hosts": [{"organisation_id": str(uuid.uuid4()), "name": "Acme ApS"}], "tags": ["growth", "funding"],
    "description": "A morning on financing for growth. " * 8, "programme_id": None,
    "created_at": "2026-12-01T10:00:00Z", "updated_at": "2026-12-01T10:00:00Z",
}
EVENT_TEXT = orjson.dumps(EVENT).decode()  # as the events service writes it
THREADS = '{"items":[' + ",".join(
    '{"id":"%s","kind":"question","title":"Thread %d","author":{"id":"x","name":"Paddler"},"replies":24,'
    '"last_activity_at":"2026-12-01T10:00:00Z","locked":false}' % (uuid.uuid4(), n) for n in range(20)
) + '],"total":2000,"limit":20,"offset":0}'


class Events:
    def get_event_json(self, event_id):
        return EVENT_TEXT

    def register(self, event_id, payload, query=None):
        return {"id": str(uuid.uuid4()), "event_id": event_id, "status": "confirmed", "name": payload["name"],
                "email": payload["email"], "language": "en", "created_at": "2026-12-01T10:00:00Z"}

    def __getattr__(self, name):
        raise AttributeError(name)


class Members:
    def list_threads_json(self, network_id, query):
        return THREADS


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
    container = ServiceContainer(Gateway, {"AMQP_URI": "memory://localhost",
                                           "WEB_SERVER_ADDRESS": "127.0.0.1:0"})
    replace_dependencies(container, events=Events(), members=Members(), notifications=object(),
                         ideas=object())
    container.start()
    server = next(e for e in container.subextensions if isinstance(e, GatewayWebServer))
    app = server.get_wsgi_app()
    token = tokens.issue({"person_id": str(uuid.uuid4()), "roles": ["member"], "admin_of": [],
                          "member_of": [str(uuid.uuid4())], "organisation_ids": [], "language": "da"},
                         runtime().config.jwt_keys, 3600)
    cases = {
        "event": lambda: EnvironBuilder(path=f"/v1/events/{EVENT_ID}",
                                        headers={"Authorization": f"Bearer {token}"}).get_environ(),
        "threads": lambda: EnvironBuilder(path=f"/v1/networks/{NETWORK_ID}/threads",
                                          query_string="limit=20").get_environ(),
        "register": lambda: EnvironBuilder(
            path=f"/v1/events/{EVENT_ID}/registrations", method="POST",
            json={"name": "Guest", "email": f"g{uuid.uuid4().hex[:8]}@example.test", "language": "en"},
        ).get_environ(),
    }
    statuses = {}

    def start_response(status, headers, exc_info=None):
        statuses[status] = statuses.get(status, 0) + 1

    profile = "profile" in sys.argv
    for name, make in cases.items():
        best = None
        for _round in range(5):
            environs = [make() for _ in range(n)]
            if profile and _round == 4:
                import cProfile
                import pstats
                pr = cProfile.Profile(time.process_time)
                pr.enable()
            t0 = time.process_time()
            for environ in environs:
                b"".join(app(environ, start_response))
            used = (time.process_time() - t0) / n * 1e6
            if profile and _round == 4:
                pr.disable()
                pstats.Stats(pr).sort_stats("tottime").print_stats(30)
            best = used if best is None else min(best, used)
        print(f"{name:9s} {best:7.1f} us/request  {statuses}", flush=True)
        statuses.clear()
    container.stop()


if __name__ == "__main__":
    eventlet.spawn(main).wait()
