"""Matchmaking speed with 10,000 organisations in PostgreSQL.

    .venv/bin/python -m benchmarks.matchmaking [--organisations 10000] [--calls 200]

Seeds a private database (three associations across the border, organisations
with profile, offer and need themes, one contact person each, some withdrawn
contact consents, networks), then prints p50/p95 of the domain call
(matchmaking.suggest) and of GET /v1/organisations/{id}/matches through the
gateway, each also as a ratio to a bare nameko RPC round trip measured in the
same run. Figures only; nothing is asserted.
"""
from nabo_common.runtime import patch

patch.apply()

import argparse  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402

import requests  # noqa: E402
from nameko.containers import ServiceContainer  # noqa: E402
from nameko.rpc import rpc  # noqa: E402
from nameko.standalone.rpc import ClusterRpcProxy  # noqa: E402

from benchmarks.seeding import PASSWORD  # noqa: E402
from benchmarks.seeding import seed_members as seed
from nabo_common.cli import load_service_class  # noqa: E402
from nabo_common.persistence import db  # noqa: E402
from nabo_common.runtime.context import MEMBER, Caller  # noqa: E402
from services.members.domain import matchmaking  # noqa: E402
from tests.support import infra  # noqa: E402


class Echo:
    """The bare RPC round trip every figure is compared with."""

    name = "benchmark_echo"

    @rpc
    def echo(self, value):
        return value


def percentiles(samples):
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[max(0, int(len(ordered) * 0.95) - 1)]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--organisations", type=int, default=10_000)
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    rng = random.Random(7)

    vhost = f"nabo-bench-{uuid.uuid4().hex[:8]}"
    infra._rabbitmqctl("add_vhost", vhost)
    infra._rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    amqp = f"amqp://guest:guest@127.0.0.1:5672/{vhost}"
    try:
        url = infra.make_database("members")
        started = time.perf_counter()
        sources, people = seed(url, args.organisations, rng)
        print(f"seeded {args.organisations} organisations in {time.perf_counter() - started:.1f} s")

        engine = db.make_engine(url)
        factory = db.make_sessionmaker(engine)
        domain_ms = []
        for i in range(args.calls):
            org, person = sources[i % len(sources)], people[i % len(people)]
            caller = Caller(person_id=person["id"], roles=(MEMBER,), member_of=(org["owner_association_id"],),
                            organisation_ids=(org["id"],))
            session = factory()
            t0 = time.perf_counter()
            matchmaking.suggest(session, caller, org["id"], {"limit": 20})
            domain_ms.append((time.perf_counter() - t0) * 1000)
            session.close()
        engine.dispose()

        system = infra.RunningSystem()
        try:
            for component, database_url in (("members", url), ("gateway", None)):
                system.start(component, load_service_class(component),
                             infra.component_settings(component, amqp, database_url))
            echo = ServiceContainer(Echo, {"AMQP_URI": amqp, "serializer": "json"})
            echo.start()
            rpc_ms = []
            with ClusterRpcProxy({"AMQP_URI": amqp, "serializer": "json"}) as proxy:
                for _ in range(args.calls):
                    t0 = time.perf_counter()
                    proxy.benchmark_echo.echo("x")
                    rpc_ms.append((time.perf_counter() - t0) * 1000)
            echo.stop()
            base = system.url("gateway")
            http = requests.Session()
            tokens = [http.post(f"{base}/v1/auth/token", json={"email": p["email"], "password": PASSWORD},
                                timeout=30).json()["access_token"] for p in people]
            http_ms = []
            for i in range(args.calls):
                org, token = sources[i % len(sources)], tokens[i % len(tokens)]
                t0 = time.perf_counter()
                response = http.get(f"{base}/v1/organisations/{org['id']}/matches", params={"limit": 20},
                                    headers={"Authorization": f"Bearer {token}"}, timeout=30)
                http_ms.append((time.perf_counter() - t0) * 1000)
                if response.status_code != 200:
                    raise SystemExit(f"matches answered {response.status_code}: {response.text}")
        finally:
            system.stop_all()

        rpc_p50, rpc_p95 = percentiles(rpc_ms)
        print(f"bare nameko RPC round trip   p50 {rpc_p50:7.2f} ms  p95 {rpc_p95:7.2f} ms")
        for label, samples in (
            ("matchmaking.suggest (domain)", domain_ms),
            ("GET .../matches (HTTP)", http_ms),
        ):
            p50, p95 = percentiles(samples)
            print(
                f"{label:28} p50 {p50:7.2f} ms  p95 {p95:7.2f} ms  "
                f"({p50 / rpc_p50:.1f}x / {p95 / rpc_p95:.1f}x the bare RPC)"
            )
    finally:
        infra.drop_databases()
        infra._rabbitmqctl("delete_vhost", vhost)


if __name__ == "__main__":
    main()
