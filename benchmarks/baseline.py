"""The yardstick every system figure is divided by: a bare nameko HTTP
entrypoint that calls a bare nameko RPC echo service, each in its own
process, on the same broker, with the same worker pool size and serializer
as nabo's components. Nothing else: no validation, auth, database or metrics.

    python -m benchmarks.baseline echo|http     (env: AMQP_URI, BASELINE_PORT, MAX_WORKERS)

GET /echo?v=x answers {"echo": "x"} after one RPC round trip;
GET /health/live answers 200.
"""
import eventlet

eventlet.monkey_patch()  # nameko's own requirement, and nothing of nabo's

import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402

from nameko.rpc import RpcProxy, rpc  # noqa: E402
from nameko.web.handlers import http  # noqa: E402
from werkzeug.wrappers import Response  # noqa: E402


class BareEcho:
    name = "bare_echo"

    @rpc
    def ping(self, value):
        return value

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

    @http("GET", "/health/live")
    def live(self, request):
        return Response("ok")


def config():
    return {"AMQP_URI": os.environ.get("AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/"),
            "WEB_SERVER_ADDRESS": f"127.0.0.1:{os.environ.get('BASELINE_PORT', '8099')}",
            "max_workers": int(os.environ.get("MAX_WORKERS", "10")), "serializer": "json"}


def main(role):
    from nameko.cli.run import run

    run([{"echo": BareEcho, "http": BareHttp}[role]], config())


if __name__ == "__main__":
    main(sys.argv[1])
