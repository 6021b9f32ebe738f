"""p95 of the duplicate finder (/v1/ideas/{id}/similar) over a panel of 1,000 ideas.

Seeds one panel with 1,000 short ideas in Danish in a fresh PostgreSQL
database, starts the ideas service and a bare echo service in this process,
and times RPC calls of ``similar_ideas`` against a bare nameko RPC round trip
measured in the same run. Prints figures; asserts nothing.

    PYTHONPATH=. .venv/bin/python benchmarks/idea_similarity.py [--ideas 1000] [--calls 200]

Needs RabbitMQ (AMQP_URI, default the local broker) and PostgreSQL
(NABO_TEST_PG_URL, default postgres@127.0.0.1).
"""
from nabo_common.runtime import patch

patch.apply()

import argparse  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402

from nameko.containers import ServiceContainer  # noqa: E402
from nameko.rpc import rpc  # noqa: E402
from nameko.standalone.rpc import ClusterRpcProxy  # noqa: E402

from nabo_common.persistence import db
from nabo_common.runtime import (
    context,  # noqa: E402
    settings,
)
from services.ideas.domain import ideas, panels  # noqa: E402
from services.ideas.service import IdeasService  # noqa: E402
from tests.support.infra import drop_databases, free_port, make_database  # noqa: E402

WORDS = ["grøn", "energi", "rådgivning", "virksomheder", "finansiering", "lån", "solceller", "varmepumper",
         "affald", "genbrug", "cykler", "ladestandere", "netværk", "viden", "deling", "inklusion", "praktik",
         "uddannelse", "infrastruktur", "transport", "klima", "emballage", "vand", "byggeri", "isolering",
         "fjernvarme", "indkøb", "certificering", "kompetencer", "samarbejde", "havn", "erhvervsområde"]


class EchoService:
    """A bare nameko RPC round trip, the yardstick every benchmark reports against."""
    name = "echo"

    @rpc
    def ping(self, value):
        return value


def seed(database_url, count, rng):
    engine = db.make_engine(database_url)
    factory = db.make_sessionmaker(engine)
    association_id, organisation_id = str(uuid.uuid4()), str(uuid.uuid4())
    admin = context.Caller(
        person_id=str(uuid.uuid4()), roles=("association_admin",), admin_of=(association_id,)
    )

    class Directory:
        def association(self, id_):
            return {"id": id_}

        def organisation(self, id_):
            return {"id": id_, "name": "Benchmark ApS"}

        def person(self, id_):
            return None

    with factory() as s:
        panel = panels.create(
            s,
            admin,
            {
                "association_id": association_id,
                "year": 2025,
                "title": "Benchmark panel",
                "theme": "Grøn omstilling",
                "language": "da",
            },
            Directory(),
        )
    with factory() as s:
        panels.add_participants(s, admin, panel["id"], {"organisation_ids": [organisation_id]}, Directory())
    with factory() as s:
        panels.transition(s, admin, panel["id"], {"to": "collecting_ideas"})
    idea_ids = []
    for _ in range(count):
        title = " ".join(rng.sample(WORDS, rng.randint(3, 6))).capitalize()
        need = " ".join(rng.sample(WORDS, rng.randint(4, 10)))
        with factory() as s:
            idea_ids.append(
                ideas.submit(
                    s,
                    admin,
                    panel["id"],
                    {"title": title, "need": need, "on_behalf_of": {"organisation_id": organisation_id}},
                )["id"]
            )
    engine.dispose()
    return admin, idea_ids


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def timed(calls, function):
    durations = []
    for args in calls:
        started = time.perf_counter()
        function(*args)
        durations.append((time.perf_counter() - started) * 1000)
    return durations


def report(name, durations, baseline_p95=None):
    p50, p95 = statistics.median(durations), percentile(durations, 0.95)
    ratio = f"  {p95 / baseline_p95:5.1f}x the bare RPC p95" if baseline_p95 else ""
    print(f"{name:<38} n={len(durations):<5} p50={p50:7.2f} ms  p95={p95:7.2f} ms{ratio}")
    return p95


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ideas", type=int, default=1000)
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    rng = random.Random(42)
    database_url = make_database("ideas")
    try:
        print(f"seeding {args.ideas} ideas ...")
        admin, idea_ids = seed(database_url, args.ideas, rng)
        ideas_settings = settings.load("ideas", database_url=database_url, http_port=free_port())
        echo_settings = settings.load("ideas", database_url=database_url, http_port=free_port())
        containers = [
            ServiceContainer(IdeasService, ideas_settings.nameko_config()),
            ServiceContainer(EchoService, echo_settings.nameko_config()),
        ]
        for container in containers:
            container.start()
        signed = context.sign(admin, ideas_settings.context_keys, ttl=3600)
        try:
            with ClusterRpcProxy(
                ideas_settings.nameko_config(), context_data={context.CONTEXT_KEY: signed}
            ) as proxy:
                targets = [(rng.choice(idea_ids), {}) for _ in range(args.calls)]
                for _ in range(20):  # warm up connections and caches
                    proxy.echo.ping("x")
                    proxy.ideas.similar_ideas(*targets[0])
                baseline = report("bare nameko RPC round trip", timed([("x",)] * args.calls, proxy.echo.ping))
                report(
                    f"similar_ideas over {args.ideas} ideas (RPC)",
                    timed(targets, proxy.ideas.similar_ideas),
                    baseline,
                )
        finally:
            for container in containers:
                container.stop()
    finally:
        drop_databases()


if __name__ == "__main__":
    main()
