"""The gateway's CPU a request, against the same services: members and events seeded on PostgreSQL
(benchmarks.seeding, and a public network of 500 members and 5,000 posts), this tree's gateway and, with
``--before REVISION``, that revision's gateway (its tree from ``git archive``) on the same vhost. For one
event and one organisation (signed in), a network's list of 20 threads (anonymous) and guest
registrations, at 10 clients, each gateway's user and system time from /proc around a fixed number of
requests, the gateways alternated in every round; the bare echo's HTTP process beside them. Medians of
``--rounds``.

    python -m benchmarks.gateway_cpu [--before REVISION] [--requests 3000] [--register-requests 1500]
        [--rounds 3] [--cases event,organisation,threads,register,echo]
"""
import argparse
import random
import statistics
import tempfile
import time
import uuid
from contextlib import ExitStack

import requests

from benchmarks import common
from benchmarks import conversations as conv
from benchmarks.seeding import PASSWORD, public_organisations, seed_events, seed_members
from benchmarks.system import create_write_events, registration_load
from tests.support import infra

CLIENTS = 10


def quiet(pids, below=0.03, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        before = sum(common.cpu_seconds(p) for p in pids)
        time.sleep(0.5)
        if sum(common.cpu_seconds(p) for p in pids) - before < below:
            return


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--before")
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--register-requests", type=int, default=1500)
    parser.add_argument("--cases", default="event,organisation,threads,register,echo")
    args = parser.parse_args()
    print(common.machine_load(), flush=True)
    rng = random.Random(11)
    with ExitStack() as stack:
        amqp = stack.enter_context(common.private_vhost())
        stack.callback(infra.drop_databases)  # last, once every process has stopped
        urls = {name: infra.make_database(name) for name in ("members", "events", "notifications")}
        people = seed_members(urls["members"], 200, rng)[1]
        association_id = str(uuid.uuid4())
        event_ids = seed_events(urls["events"], association_id, 50, 100, rng)
        organisation_ids = public_organisations(urls["members"])
        network_id, _threads, _people, _a = conv.seed_members(urls["members"], 500, 5000)
        cluster = common.Cluster(amqp, urls)
        stack.callback(cluster.stop_all)
        for component in ("members", "events", "gateway"):
            cluster.start(component)
        cluster.start_baseline()
        gateways = {"after": cluster}
        if args.before:
            tree = conv.revision_tree(args.before, stack.enter_context(tempfile.TemporaryDirectory()))
            before = common.Cluster(amqp, urls, root=tree)
            stack.callback(before.stop_all)
            before.start("gateway", name="gateway-before")
            gateways = {"before": before, "after": cluster}
            before.wait_ready()
        cluster.wait_ready()
        http = requests.Session()
        token = http.post(f"{cluster.url()}/v1/auth/token", timeout=30,
                          json={"email": people[0]["email"], "password": PASSWORD}).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        write_events = create_write_events(cluster, association_id, 20)
        cases = {
            "event": ([f"/v1/events/{i}" for i in event_ids[:50]], {"headers": auth}),
            "organisation": ([f"/v1/organisations/{i}" for i in organisation_ids[:100]],
                             {"headers": auth}),
            "threads": ([f"/v1/networks/{network_id}/threads?limit=20"], {}),
            "register": None,
            "echo": (["/echo?v=x"], {}),
        }
        wanted = args.cases.split(",")
        results = {}
        services = [p.pid for n, p in cluster.processes.items()]
        for rnd in range(args.rounds):
            for case in wanted:
                for label, gw in gateways.items():
                    if case == "echo" and label == "before":
                        continue
                    if case == "register":
                        paths, bodies = registration_load(write_events, args.register_requests)
                        extra = {"method": "POST", "bodies": bodies}
                    else:
                        paths, extra = cases[case]
                    name = "baseline-http" if case == "echo" else (
                        "gateway-before" if label == "before" else "gateway")
                    base = cluster.url(name) if case == "echo" else gw.url(name)
                    pid = (cluster if case == "echo" else gw).processes[name].pid
                    quiet(services + [pid])
                    before_cpu = common.cpu_seconds(pid)
                    count = args.register_requests if case == "register" else args.requests
                    result = common.run_load(base, paths, CLIENTS, 120, max_requests=count,
                                             warmup=0, **extra)
                    used = common.cpu_seconds(pid) - before_cpu
                    ms = 1000 * used / max(result["requests"], 1)
                    results.setdefault((case, label), []).append((ms, result["rps"], result["p95_ms"]))
                    print(f"round {rnd} {case:13s} {label:7s} {ms:.3f} ms/req gateway cpu, "
                          f"{result['rps']:.0f} req/s, p95 {result['p95_ms']:.1f} ms, "
                          f"statuses {result['statuses']} errors {result['errors']}", flush=True)
        print("\nmedians:")
        for (case, label), rows in results.items():
            print(f"{case:13s} {label:7s} cpu {statistics.median(r[0] for r in rows):.3f} ms/req "
                  f"(spread {min(r[0] for r in rows):.3f}-{max(r[0] for r in rows):.3f}), "
                  f"{statistics.median(r[1] for r in rows):.0f} req/s, "
                  f"p95 {statistics.median(r[2] for r in rows):.1f} ms")
        print(common.machine_load(), flush=True)


if __name__ == "__main__":
    main()
