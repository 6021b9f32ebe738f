"""Events service speed, as ratios against a bare nameko RPC round trip
measured in the same run (figures are printed, never asserted).

    .venv/bin/python -m benchmarks.events_rpc [--calls 200]

Needs RabbitMQ and PostgreSQL as for the integration tests; uses a private
vhost and a fresh database, both removed afterwards.
"""
from nabo_common.runtime import patch

patch.apply()

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from contextlib import contextmanager  # noqa: E402

from nameko.containers import ServiceContainer  # noqa: E402
from nameko.rpc import rpc  # noqa: E402
from nameko.standalone.rpc import ClusterRpcProxy  # noqa: E402

from benchmarks import common  # noqa: E402
from nabo_common.cli import load_service_class  # noqa: E402
from tests.integration.events.conftest import admin_caller, events_rpc  # noqa: E402
from tests.support import infra  # noqa: E402
from tests.unit.events.conftest import event_payload  # noqa: E402


class Echo:
    name = "echo"

    @rpc
    def ping(self, value):
        return value


@contextmanager
def private_vhost():
    """benchmarks.common's private vhost, and the databases made in it removed afterwards."""
    with common.private_vhost() as amqp:
        try:
            yield amqp
        finally:
            infra.drop_databases()


def timed(calls, fn):
    samples = []
    for n in range(calls):
        started = time.perf_counter()
        fn(n)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples), sorted(samples)[int(len(samples) * 0.95) - 1]


def main(calls):
    with private_vhost() as amqp:
        system = infra.RunningSystem()
        settings = infra.component_settings("events", amqp, infra.make_database("events"))
        system.start("events", load_service_class("events"), settings)
        echo = ServiceContainer(Echo, {"AMQP_URI": amqp, "serializer": "json"})
        echo.start()
        try:
            admin = admin_caller(str(uuid.uuid4()))
            with events_rpc(system, admin) as events:
                event = events.create_event(event_payload())
                events.transition_event(event["id"], {"to": "published"})
                with ClusterRpcProxy({"AMQP_URI": amqp, "serializer": "json"}) as bare:
                    results = {
                        "bare nameko RPC round trip": timed(calls, lambda n: bare.echo.ping(n)),
                        "get_event": timed(calls, lambda n: events.get_event(event["id"])),
                        "search_events": timed(calls, lambda n: events.search_events({"when": "upcoming"})),
                        "register (guest, with ics)": timed(
                            calls,
                            lambda n: events.register(
                                event["id"],
                                {"name": f"G {n}", "email": f"g{n}@example.org", "person_id": None},
                            ),
                        ),
                        "event_calendar": timed(calls, lambda n: events.event_calendar(event["id"])),
                    }
        finally:
            echo.stop()
            system.stop_all()
    base = results["bare nameko RPC round trip"][0]
    print(f"{'operation':32} {'median ms':>10} {'p95 ms':>8} {'x bare RPC':>11}")
    for name, (median, p95) in results.items():
        print(f"{name:32} {median * 1000:10.2f} {p95 * 1000:8.2f} {median / base:11.1f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=200)
    main(parser.parse_args().calls)
