"""The whole system under load: members, events, notifications and the
gateway as separate processes on a private RabbitMQ vhost with private
PostgreSQL databases, loaded over HTTP from a separate process
(benchmarks/load.py). Every throughput and latency is also given as a ratio
to the bare nameko HTTP -> RPC echo path (benchmarks/baseline.py) measured in
the same run.

    python -m benchmarks.system [--duration 8] [--sections read,write,memory,scaling,growth,meetings]
                                [--organisations 1000] [--registrations 1000]
                                [--grow-organisations 100000] [--grow-registrations 100000]

Sections:
  read     GET one event, one organisation, a page of 50 events at 1, 10 and 50 clients
  write    guest registrations (outbox, relay, notifications consumer): throughput, p99, and
           commit -> consumer latency: from the commit to delivery and to handled (notifications' own
           histograms, timed from the commit the relay stamps on each event), and from the outbox row's
           creation, earlier in its transaction, to the handler's first statement and to its delivery row,
           against the floor of the same work done bare (write, event, consumer's write and mail),
           flat out and with 10 clients offering 50% and 80% of the flat-out rate (open loop);
           then the request path alone, with notifications stopped (as where consumers have nodes
           of their own), and notifications timed working through the backlog that left
  memory   resident size of every process idle and its peak while loaded
  scaling  the page of 50 events with 1, 2 and 3 events replicas
  cpu      CPU milliseconds per request in each process (services, PostgreSQL, RabbitMQ), read paths
  growth   read figures again after bulk-inserting up to 100,000 organisations and registrations
  meetings a meeting request and its acceptance through the gateway (two writes: the request, then the
           other participant's accept, which places the meeting) at 10 clients, each client a pair of
           participants of its own, against the bare echo measured just before; each accepted meeting
           is cancelled after its round trip (not timed) so the pair may ask again (not in the default
           sections)
  ratios   the targets' ratios at 10 clients in --rounds interleaved rounds (echo, then each path), each
           against its round's echo: median and spread, for a machine whose speed wanders; the page
           and the registrations also against their floors of the same round, registrations with
           notifications stopped (the request path alone), and commit -> handler in each round (not in
           the default sections)
Seeding goes straight into the services' databases (executemany), for seeding only.
"""
import argparse
import os
import random
import signal
import statistics
import threading
import time
import uuid
from datetime import datetime, timezone
from functools import partial

import requests
from sqlalchemy import func, select, text

from benchmarks import common
from benchmarks.seeding import (
    PASSWORD,
    public_organisations,
    seed_events,
    seed_host_in_read_model,
    seed_members,
)
from nabo_common.persistence import db
from services.events.models import OutboxEvent
from services.notifications.models import Delivery, ProcessedEvent
from tests.support import infra

CONCURRENCY = (1, 10, 50)
CONSUMER = "notifications.on_calendar_activity"  # the inbox's name of the handler of registration.confirmed
TIMED_HANDLER = {"service": "notifications", "handler": "on_calendar_activity"}
EVENT_TIMINGS = ("nabo_event_delivery_seconds", "nabo_event_handled_seconds")


# --- figures -----------------------------------------------------------------------------------

class RssSampler:
    """Peak resident size of each process while a block runs."""

    def __init__(self, cluster):
        self.cluster, self.peaks, self._stop = cluster, {}, threading.Event()

    def __enter__(self):
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        return self

    def _run(self):
        while not self._stop.is_set():
            for name, process in list(self.cluster.processes.items()):
                self.peaks[name] = max(self.peaks.get(name, 0.0), process.rss())
            time.sleep(0.2)

    def __exit__(self, *exc):
        self._stop.set()
        self.thread.join()


def fmt(value, digits=1):
    return "n/a" if value is None else f"{value:.{digits}f}"


def load_row(label, clients, result, base):
    return [
        label,
        clients,
        fmt(result["rps"], 0),
        f"{common.ratio(result['rps'], base['rps']):.2f}",
        fmt(result["p50_ms"]),
        fmt(result["p99_ms"]),
        f"{common.ratio(result['p99_ms'], base['p99_ms']):.1f}x",
        result["requests"] - result["ok"] + result["errors"],
    ]


ECHO = "bare HTTP -> RPC echo"
LOAD_HEADER = ["path", "clients", "req/s", "x bare req/s", "p50 ms", "p99 ms", "p99 x bare", "errors"]
FLOOR_HEADER = ["path", "clients", "req/s", "floor req/s", "floor x bare echo", "x floor"]


def floor_row(label, clients, result, floor, base):
    """nabo's path against the floor of the same work, and the floor against the echo."""
    return [
        label,
        clients,
        fmt(result["rps"], 0),
        fmt(floor["rps"], 0),
        f"{common.ratio(floor['rps'], base['rps']):.2f}",
        f"{common.ratio(result['rps'], floor['rps']):.2f}",
    ]


PAGE_FLOOR = "bare HTTP -> RPC page of 50 (floor)"
REGISTRATIONS = "POST /v1/events/{id}/registrations"
PAGE_TARGET = "GET /v1/events?limit=50"


def read_figures(cluster, targets, duration, concurrency=CONCURRENCY, headers=None, label=""):
    gateway = cluster.url("gateway")
    bare = cluster.url("baseline-http")
    results, rows = {}, []
    for clients in concurrency:
        base = common.run_load(bare, ["/echo?v=x"], clients, duration)
        results[("bare", clients)] = base
        rows.append(load_row(ECHO, clients, base, base))
        for name, paths in targets.items():
            if name == PAGE_TARGET:  # the floor of a reply this size, measured just before it
                floor = common.run_load(bare, ["/page?n=50"], clients, duration)
                results[("page-floor", clients)] = floor
                rows.append(load_row(PAGE_FLOOR, clients, floor, base))
            result = common.run_load(gateway, paths, clients, duration, headers=headers)
            results[(name, clients)] = result
            rows.append(load_row(name, clients, result, base))
    common.print_table(f"Read path{label}", LOAD_HEADER, rows)
    floor_rows = [
        floor_row(
            PAGE_TARGET,
            clients,
            results[(PAGE_TARGET, clients)],
            results[("page-floor", clients)],
            results[("bare", clients)],
        )
        for clients in concurrency
        if ("page-floor", clients) in results
    ]
    if floor_rows:
        common.print_table(
            f"Read path{label}: the page against the floor of its reply", FLOOR_HEADER, floor_rows
        )
    return results


def ratio_rounds(cluster, targets, write_events, duration, rounds, max_requests, headers=None, clients=10,
                 revalidated=None):
    """Each round: the bare echo, then every target path (reads, then registrations), each taken against
    that round's echo; between rounds the machine goes quiet (the registrations' mail is sent). One echo
    per run of paths would take a ratio's whole noise from one measurement of the echo. ``revalidated``:
    {name: (paths, headers)} of reads sent with headers of their own (If-None-Match: answered 304)."""
    gateway, bare = cluster.url("gateway"), cluster.url("baseline-http")
    measured = {}  # path -> [(ratio, rps, p99 ms, p99 x echo)]
    commit_cells = []  # each round's commit -> delivered and -> handled, p50 / p99 ms
    for _ in range(rounds):
        CpuMeter(cluster).wait_quiet()
        base = common.run_load(bare, ["/echo?v=x"], clients, duration)
        runs = {
            name: common.run_load(gateway, paths, clients, duration, headers=headers)
            for name, paths in targets.items()
        }
        runs[PAGE_FLOOR] = common.run_load(bare, ["/page?n=50"], clients, duration)
        for name, (paths, own_headers) in (revalidated or {}).items():
            runs[name] = common.run_load(gateway, paths, clients, duration, headers=own_headers)
        if write_events:
            paths, bodies = registration_load(write_events, max_requests)
            runs[REGISTRATION_FLOOR] = floor_registrations(bare, bodies, clients, duration, max_requests)
            CpuMeter(cluster).wait_quiet()  # the floor's consumer and mail finish first
            timings = event_timings(cluster)
            runs[REGISTRATIONS] = post_registrations(gateway, paths, bodies, clients, duration, max_requests)
            CpuMeter(cluster).wait_quiet()  # every event of the run handled
            commit_cells.append(since_commit(cluster, timings))
            runs[REQUEST_PATH_ALONE] = request_path_alone(cluster, write_events, clients, duration,
                                                          max_requests)
        for name, result in [(ECHO, base), *runs.items()]:
            measured.setdefault(name, []).append(
                (
                    common.ratio(result["rps"], base["rps"]),
                    result["rps"],
                    result["p99_ms"],
                    common.ratio(result["p99_ms"], base["p99_ms"]),
                )
            )
    rows = []
    for name, samples in measured.items():
        ratios = sorted(sample[0] for sample in samples)
        rows.append(
            [
                name,
                len(samples),
                fmt(statistics.median(s[1] for s in samples), 0),
                f"{statistics.median(ratios):.2f}",
                f"{ratios[0]:.2f}-{ratios[-1]:.2f}",
                fmt(statistics.median(s[2] for s in samples)),
                f"{statistics.median(s[3] for s in samples):.1f}x",
            ]
        )
    common.print_table(
        f"Ratios at {clients} clients, {rounds} interleaved rounds (medians)",
        ["path", "rounds", "req/s", "x bare req/s", "range", "p99 ms", "p99 x bare"],
        rows,
    )
    against = [(PAGE_TARGET, PAGE_FLOOR, "the page of 50 events against its floor (the bare page)")]
    if write_events:
        against.append((REGISTRATIONS, REGISTRATION_FLOOR,
                        "registrations against the floor with consumer and mail"))
    for name, floor_name, title in against:
        if name in measured and floor_name in measured:
            ratios = sorted(common.ratio(nabo[1], floor[1])
                            for nabo, floor in zip(measured[name], measured[floor_name]))
            print(f"\n({title}, same round: median {statistics.median(ratios):.2f}x, "
                  f"range {ratios[0]:.2f}-{ratios[-1]:.2f})")
    if commit_cells:
        each_round = "; ".join(f"{delivered}, {handled}" for delivered, handled in commit_cells)
        print("\n(commit -> delivered to the handler and -> handled, p50 / p99 ms, registrations flat out, "
              f"each round: {each_round})")
    return measured


REQUEST_PATH_ALONE = f"{REGISTRATIONS}, notifications stopped"


def request_path_alone(cluster, write_events, clients, duration, max_requests):
    """Registrations with the notifications service stopped, as where the consumers run on nodes of their
    own; then it is started again and works through their events before the machine is quiet."""
    paths, bodies = registration_load(write_events, max_requests)
    cluster.stop("notifications")
    try:
        CpuMeter(cluster).wait_quiet()
        return post_registrations(cluster.url("gateway"), paths, bodies, clients, duration, max_requests)
    finally:
        cluster.start("notifications")
        cluster.wait_ready("notifications")
        CpuMeter(cluster).wait_quiet(timeout=120)


def registration_load(event_ids, count):
    """Paths and bodies of ``count`` guest registrations spread over ``event_ids``, unique e-mails."""
    run_id = uuid.uuid4().hex[:8]
    paths = [f"/v1/events/{event_ids[n % len(event_ids)]}/registrations" for n in range(count)]
    bodies = [
        {"name": f"Guest {n}", "email": f"w{run_id}-{n}@example.test", "language": "en"} for n in range(count)
    ]
    return paths, bodies


def post_registrations(gateway, paths, bodies, clients, duration, max_requests, rate=None):
    return common.run_load(
        gateway, paths, clients, duration, max_requests=max_requests, method="POST", bodies=bodies, rate=rate
    )


WRITE_FLOOR = "bare HTTP -> RPC -> INSERT + COMMIT (floor)"
REGISTRATION_FLOOR = "bare HTTP -> RPC -> INSERT + COMMIT -> event -> consumer INSERT + COMMIT + mail (floor)"
PACED_SHARES = (0.5, 0.8)


def floor_bodies(bodies):
    """The floors' request bodies for the same registrations: the e-mail is the value written."""
    return [{"value": body["email"]} for body in bodies]


def floor_registrations(bare, bodies, clients, duration, max_requests):
    return common.run_load(
        bare,
        ["/register"],
        clients,
        duration,
        max_requests=max_requests,
        method="POST",
        bodies=floor_bodies(bodies),
    )


def floor_commit_to_consumer(baseline_url, since, wait=90):
    """The floor's commit -> consumer latency: its write's INSERT -> its consumer's INSERT, by value; waits
    until the consumer has caught up (or ``wait`` s). Returns the same cells as ``commit_to_consumer``."""
    engine = db.make_engine(baseline_url)
    query = text(
        "SELECT w.created_at, d.created_at FROM bare_writes w LEFT JOIN bare_deliveries d "
        "ON d.value = w.value WHERE w.created_at >= :since"
    )
    try:
        deadline = time.monotonic() + wait
        while True:
            with engine.connect() as conn:
                rows = conn.execute(query, {"since": since}).all()
            if all(handled for _, handled in rows) or time.monotonic() > deadline:
                break
            time.sleep(1)
        e2e = [(handled - written).total_seconds() * 1000 for written, handled in rows if handled]
        # the floor's consumer has one statement: reaching it and writing its work are the same moment
        first = f"{fmt(common.percentile(e2e, 0.5))} / {fmt(common.percentile(e2e, 0.99))}"
        return [
            len(rows),
            len(e2e),
            "n/a (no outbox)",
            first,
            fmt(common.percentile(e2e, 0.5)),
            fmt(common.percentile(e2e, 0.99)),
            fmt(max(e2e) if e2e else None),
        ]
    finally:
        engine.dispose()


def event_timings(cluster):
    """notifications' histograms of commit -> delivered and commit -> handled for registration.confirmed."""
    return {
        name: common.histogram_buckets(cluster.url("notifications"), name, TIMED_HANDLER)
        for name in EVENT_TIMINGS
    }


def since_commit(cluster, before):
    """Cells: commit -> delivered and commit -> handled, p50 / p99 ms, of the events timed since
    ``before``."""
    time.sleep(0.5)  # a handler's time is observed just after its delivery row is seen
    after = event_timings(cluster)
    cells = []
    for name in EVENT_TIMINGS:
        p50, p99 = (common.histogram_quantile(before[name], after[name], q) for q in (0.5, 0.99))
        cells.append(f"{fmt(p50 and p50 * 1000)} / {fmt(p99 and p99 * 1000)}")
    return cells


def mail_bytes(cluster, since_status):
    """Bytes a message the sink received since ``since_status`` (an earlier ``smtp_sink_status``)."""
    now = cluster.smtp_sink_status()
    messages = now["messages"] - since_status["messages"]
    return (now["bytes"] - since_status["bytes"]) / messages if messages else None


def write_figures(cluster, urls, baseline_url, event_ids, duration, max_requests):
    """Guest registrations spread over event_ids, against the echo, the floor of a durable write and the
    floor of a registration with its consumer and mail; then commit -> consumer latency, flat out and below
    saturation, and the floor's flat out."""
    gateway, bare = cluster.url("gateway"), cluster.url("baseline-http")
    rows, e2e_rows, floor_rows, sizes = [], [], [], {}
    for clients in (1, 10):
        paths, bodies = registration_load(event_ids, max_requests)
        base = common.run_load(bare, ["/echo?v=x"], clients, duration)
        floor = common.run_load(
            bare,
            ["/write"],
            clients,
            duration,
            max_requests=max_requests,
            method="POST",
            bodies=floor_bodies(bodies),
        )
        CpuMeter(cluster).wait_quiet()
        started, sink = datetime.now(timezone.utc), cluster.smtp_sink_status()
        full_floor = floor_registrations(bare, bodies, clients, duration, max_requests)
        floor_e2e = floor_commit_to_consumer(baseline_url, started)
        time.sleep(1)
        sizes["floor"] = mail_bytes(cluster, sink)
        CpuMeter(cluster).wait_quiet()
        started, sink, timings = (
            datetime.now(timezone.utc),
            cluster.smtp_sink_status(),
            event_timings(cluster),
        )
        result = post_registrations(gateway, paths, bodies, clients, duration, max_requests)
        rows.append(load_row(ECHO, clients, base, base))
        rows.append(load_row(WRITE_FLOOR, clients, floor, base))
        rows.append(load_row(REGISTRATION_FLOOR, clients, full_floor, base))
        rows.append(load_row(REGISTRATIONS, clients, result, base))
        floor_rows.append(floor_row(REGISTRATIONS, clients, result, floor, base))
        floor_rows.append(
            floor_row(
                f"{REGISTRATIONS} against the floor with consumer and mail", clients, result, full_floor, base
            )
        )
        e2e_rows.append(
            [clients, *commit_to_consumer(urls, started, result["ok"]), *since_commit(cluster, timings)]
        )
        e2e_rows.append(
            [f"{clients}, the floor (its INSERT -> its consumer's INSERT)", *floor_e2e, "n/a", "n/a"]
        )
        CpuMeter(cluster).wait_quiet()
        sizes["nabo"] = mail_bytes(cluster, sink)
    # the same latency below saturation: 10 clients offering a fixed share of what they reached flat out
    for share in PACED_SHARES:
        paths, bodies = registration_load(event_ids, max_requests)
        rate = share * result["rps"]
        started, timings = datetime.now(timezone.utc), event_timings(cluster)
        paced = post_registrations(gateway, paths, bodies, 10, duration, max_requests, rate=rate)
        e2e_rows.append(
            [
                f"10, offering {rate:.0f} req/s ({share:.0%} of flat out; answered p99 "
                f"{fmt(paced['p99_ms'])} ms)",
                *commit_to_consumer(urls, started, paced["ok"]),
                *since_commit(cluster, timings),
            ]
        )
    common.print_table("Write path: guest registrations", LOAD_HEADER, rows)
    common.print_table(
        "Write path: registrations against the floors of a durable write and of a registration "
        "with its consumer and mail",
        FLOOR_HEADER,
        floor_rows,
    )
    print(
        f"\n(mail in the sink: nabo's confirmations {fmt(sizes.get('nabo'), 0)} bytes a message, the floor's "
        f"{fmt(sizes.get('floor'), 0)})"
    )
    common.print_table(
        "Write path: commit -> consumer (registration.confirmed)",
        [
            "clients",
            "events",
            "handled",
            "outbox publish lag p50/p99 ms",
            "row written -> handler's first statement p50/p99 ms",
            "row written -> delivery written p50 ms",
            "p99 ms",
            "max ms",
            "commit -> delivered to the handler p50/p99 ms",
            "commit -> handled p50/p99 ms",
        ],
        e2e_rows,
    )
    return rows, e2e_rows


def write_with_consumers_elsewhere(cluster, urls, event_ids, duration, max_requests):
    """The request path with the machine's cores to itself, as where the consumers run on other nodes:
    notifications is stopped while registrations are made (their events wait in its queue), then started
    again and timed while it works through that backlog alone."""
    gateway, bare = cluster.url("gateway"), cluster.url("baseline-http")
    rows, drain_rows, cpu_rows = [], [], []
    for clients in (1, 10):
        paths, bodies = registration_load(event_ids, max_requests)
        cluster.stop("notifications")
        base = common.run_load(bare, ["/echo?v=x"], clients, duration)
        started = datetime.now(timezone.utc)
        CpuMeter(cluster).wait_quiet()
        with CpuMeter(cluster) as meter:
            result = post_registrations(gateway, paths, bodies, clients, duration, max_requests)
            time.sleep(2)  # the relay publishes what the requests committed
        rows.append(load_row(ECHO, clients, base, base))
        rows.append(load_row(f"{REGISTRATIONS}, notifications stopped", clients, result, base))
        cpu_rows.append(
            cpu_row(
                f"the request path, {clients} client{'s' * (clients > 1)}",
                result["rps"],
                meter.used,
                result["ok"],
            )
        )
        cluster.start("notifications")
        cluster.wait_ready("notifications")
        window = datetime.now(timezone.utc)
        with CpuMeter(cluster) as meter:
            cells, handled = backlog_drain(urls, started, result["rps"])
        drain_rows.append([clients, *cells])
        in_window = sum(1 for row in handled if row.created_at >= window)
        cpu_rows.append(
            cpu_row(
                f"notifications' backlog, {clients} client{'s' * (clients > 1)}", None, meter.used, in_window
            )
        )
    common.print_table("Write path: the request path alone (consumers elsewhere)", LOAD_HEADER, rows)
    common.print_table(
        "Write path: notifications working through the backlog alone",
        ["clients", "events", "handled", "handled/s", "mails sent/s", "x registrations' req/s"],
        drain_rows,
    )
    common.print_table(
        "CPU per registration in each half (ms; the backlog's events handled after its start)",
        ["part", "req/s", *CPU_COLUMNS, "sum"],
        cpu_rows,
    )


def cpu_row(name, rps, used, done):
    per_request = {label: 1000 * seconds / max(1, done) for label, seconds in used.items()}
    return [
        name,
        fmt(rps, 0),
        *(fmt(per_request.get(c, 0.0), 2) for c in CPU_COLUMNS),
        fmt(sum(per_request.get(c, 0.0) for c in CPU_COLUMNS), 2),
    ]


def committed_registrations(events_engine, since):
    """registration.confirmed outbox rows created since ``since``: event id -> created_at."""
    with events_engine.connect() as conn:
        rows = conn.execute(
            select(OutboxEvent.event_id, OutboxEvent.created_at).where(
                OutboxEvent.event_type == "registration.confirmed", OutboxEvent.created_at >= since
            )
        ).all()
    return dict(rows)


def backlog_drain(urls, since, offered_rps, wait=120):
    """How fast notifications handles (delivery rows created) and sends (rows sent) the registrations
    committed since ``since``, measured from its first handled event to the last."""
    events_engine, notifications_engine = (
        db.make_engine(urls["events"]),
        db.make_engine(urls["notifications"]),
    )
    try:
        committed = list(committed_registrations(events_engine, since))
        deadline = time.monotonic() + wait
        found = []
        while committed and time.monotonic() < deadline:
            with notifications_engine.connect() as conn:
                found = conn.execute(
                    select(Delivery.created_at, Delivery.sent_at).where(
                        Delivery.cause_id.in_(committed), Delivery.channel == "email"
                    )
                ).all()
            if len(found) >= len(committed) and all(row.sent_at for row in found):
                break
            time.sleep(0.5)
        if not found:
            return [len(committed), 0, "n/a", "n/a", "n/a"], found
        first = min(row.created_at for row in found)
        handled_s = (max(row.created_at for row in found) - first).total_seconds()
        sent = [row.sent_at for row in found if row.sent_at]
        sent_s = (max(sent) - first).total_seconds() if sent else 0
        handled_rate = len(found) / handled_s if handled_s else None
        return [
            len(committed),
            len(found),
            fmt(handled_rate, 0),
            fmt(len(sent) / sent_s if sent_s else None, 0),
            f"{common.ratio(handled_rate, offered_rps):.2f}" if handled_rate else "n/a",
        ], found
    finally:
        events_engine.dispose()
        notifications_engine.dispose()


def commit_to_consumer(urls, since, expected, wait=90):
    """Outbox row created_at (in the registration's transaction) -> the notifications handler's first
    statement (its inbox row's processed_at: the handler reached) and -> its delivery row's created_at (the
    handler's work written, near its end), joined on the event id."""
    events_engine, notifications_engine = (
        db.make_engine(urls["events"]),
        db.make_engine(urls["notifications"]),
    )
    try:
        committed = committed_registrations(events_engine, since)
        deadline = time.monotonic() + wait
        handled = {}
        while time.monotonic() < deadline:
            with notifications_engine.connect() as conn:
                found = conn.execute(
                    select(Delivery.cause_id, func.min(Delivery.created_at))
                    .where(Delivery.cause_id.in_(list(committed)) if committed else False)
                    .group_by(Delivery.cause_id)
                ).all()
            handled = dict(found)
            if len(handled) >= len(committed):
                break
            time.sleep(1)
        with notifications_engine.connect() as conn:
            reached = dict(
                conn.execute(
                    select(ProcessedEvent.event_id, ProcessedEvent.processed_at).where(
                        ProcessedEvent.consumer == CONSUMER,
                        ProcessedEvent.event_id.in_(list(handled)) if handled else False,
                    )
                ).all()
            )
        with events_engine.connect() as conn:
            rows = conn.execute(
                select(OutboxEvent.created_at, OutboxEvent.published_at).where(
                    OutboxEvent.event_id.in_(list(committed)) if committed else False
                )
            ).all()
        lag = [(r.published_at - r.created_at).total_seconds() * 1000 for r in rows if r.published_at]
        to_handler = [(reached[k] - committed[k]).total_seconds() * 1000 for k in reached]
        e2e = [(handled[k] - committed[k]).total_seconds() * 1000 for k in handled]
        return [
            len(committed),
            len(handled),
            f"{fmt(common.percentile(lag, 0.5))} / {fmt(common.percentile(lag, 0.99))}",
            f"{fmt(common.percentile(to_handler, 0.5))} / {fmt(common.percentile(to_handler, 0.99))}",
            fmt(common.percentile(e2e, 0.5)),
            fmt(common.percentile(e2e, 0.99)),
            fmt(max(e2e) if e2e else None),
        ]
    finally:
        events_engine.dispose()
        notifications_engine.dispose()


def scaling_figures(cluster, targets, duration, clients=20):
    rows = []
    base = common.run_load(cluster.url("baseline-http"), ["/echo?v=x"], clients, duration)
    first = {}
    for replicas in (1, 2, 3):
        while sum(1 for n in cluster.processes if n.startswith("events")) < replicas:
            name = f"events-{replicas}"
            cluster.start("events", name=name)
            cluster.wait_ready(name)
        time.sleep(1)
        for label, paths in targets.items():
            result = common.run_load(cluster.url("gateway"), paths, clients, duration)
            first.setdefault(label, result["rps"])
            rows.append(
                [
                    label,
                    replicas,
                    clients,
                    fmt(result["rps"], 0),
                    f"{result['rps'] / first[label]:.2f}",
                    f"{common.ratio(result['rps'], base['rps']):.2f}",
                    fmt(result["p99_ms"]),
                ]
            )
    for replicas in (3, 2):
        cluster.stop(f"events-{replicas}")
    common.print_table(
        "Scaling: events replicas",
        ["path", "replicas", "clients", "req/s", "x 1 replica", "x bare req/s", "p99 ms"],
        rows,
    )


def profile(
    cluster,
    component,
    paths,
    duration,
    headers=None,
    clients=10,
    top=25,
    method="GET",
    bodies=None,
    stats_path=None,
):
    """Profile ``component`` while ``paths`` are loaded. With py-spy (no ``stats_path``): print the functions
    holding the most samples (inclusive), the collapsed stacks go to .nabo/benchmarks/profile-<component>.txt.
    With ``stats_path`` (the component runs under benchmarks/cpu_profile.py): stop it once the machine is
    quiet again, so that the work the load caused is counted, and print where its CPU went."""
    spy = None if stats_path else common.Profiler(cluster.processes[component].pid, component, duration)
    time.sleep(1)
    if stats_path:
        cluster.processes[component].popen.send_signal(
            signal.SIGUSR1
        )  # count from here: start-up is not the load
    warmup = 0 if bodies else 20  # per client, before the measured requests (writes have none)
    result = common.run_load(
        cluster.url("gateway"),
        paths,
        clients,
        duration - 1,
        headers=headers,
        method=method,
        bodies=bodies,
        max_requests=len(bodies) if bodies else 20000,
        warmup=warmup,
    )
    title = f"{component} under {method} {paths[0]} ({clients} clients, {result['rps']:.0f} req/s)"
    if spy is not None:
        spy.report(title, top)
        return
    CpuMeter(cluster).wait_quiet()
    cluster.stop(component)
    # the profile counts the warm-up requests too
    common.cpu_profile_report(stats_path, title, result["requests"] + warmup * clients, top)


class CpuMeter:
    """CPU time used by each process of the cluster, by PostgreSQL and by RabbitMQ while a block runs."""

    def __init__(self, cluster):
        self.cluster = cluster

    def snapshot(self):
        taken = {name: common.cpu_seconds(p.pid) for name, p in self.cluster.processes.items()}
        for label, command in (("postgresql", "postgres"), ("rabbitmq", "beam.smp")):
            taken.update({(label, pid): common.cpu_seconds(pid) for pid in common.pids_named(command)})
        return taken

    def __enter__(self):
        self.before = self.snapshot()
        return self

    def wait_quiet(self, below=0.05, timeout=60):
        """Until the cluster uses less than ``below`` of a core (earlier work finished), at most
        ``timeout`` s."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            before = self.snapshot()
            time.sleep(1)
            after = self.snapshot()
            if sum(after[k] - before.get(k, 0.0) for k in after) < below:
                return

    def __exit__(self, *exc):
        after = self.snapshot()
        self.used = {}
        for key, seconds in after.items():
            label = key[0] if isinstance(key, tuple) else key
            self.used[label] = self.used.get(label, 0.0) + seconds - self.before.get(key, 0.0)


CPU_COLUMNS = (
    "baseline-http",
    "baseline-echo",
    "baseline-consumer",
    "gateway",
    "members",
    "events",
    "notifications",
    "smtp-sink",
    "postgresql",
    "rabbitmq",
)


def cpu_figures(cluster, targets, duration, clients=10, headers=None, write_events=None, max_writes=3000):
    """CPU milliseconds per request in each process: on 2 shared cores, throughput is what this costs.
    Registrations count the work they cause after the answer too (relay, notifications consumer, e-mail)."""
    rows = []
    bare = cluster.url("baseline-http")
    cases = {ECHO: (bare, ["/echo?v=x"], {}), PAGE_FLOOR: (bare, ["/page?n=50"], {})}
    cases.update(
        {name: (cluster.url("gateway"), paths, {"headers": headers}) for name, paths in targets.items()}
    )
    if write_events:
        paths, bodies = registration_load(write_events, max_writes)
        cases[WRITE_FLOOR] = (
            bare,
            ["/write"],
            {"method": "POST", "max_requests": max_writes, "bodies": floor_bodies(bodies)},
        )
        cases[REGISTRATION_FLOOR] = (
            bare,
            ["/register"],
            {"method": "POST", "max_requests": max_writes, "bodies": floor_bodies(bodies), "settle": 5},
        )
        cases[REGISTRATIONS] = (
            cluster.url("gateway"),
            paths,
            {"method": "POST", "bodies": bodies, "max_requests": max_writes, "settle": 5},
        )
    for name, (url, paths, extra) in cases.items():
        settle = extra.pop("settle", 0)
        CpuMeter(cluster).wait_quiet()
        with CpuMeter(cluster) as meter:
            result = common.run_load(url, paths, clients, duration, **extra)
            time.sleep(settle)  # the relay and the consumer finish what the requests started
        rows.append(cpu_row(name, result["rps"], meter.used, result["ok"]))
    common.print_table(
        f"CPU per request (ms, {clients} clients)", ["path", "req/s", *CPU_COLUMNS, "sum"], rows
    )


def memory_table(idle, peaks):
    rows = [[name, fmt(idle.get(name)), fmt(peaks.get(name))] for name in sorted(idle)]
    common.print_table("Memory: resident size (MiB)", ["process", "idle", "peak under load"], rows)


# --- orchestration -----------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=8.0, help="seconds per load run")
    parser.add_argument("--sections", default="read,write,cpu,memory,scaling,growth")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of the ratios section")
    parser.add_argument("--organisations", type=int, default=1000)
    parser.add_argument("--registrations", type=int, default=1000)
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--grow-organisations", type=int, default=100_000)
    parser.add_argument("--grow-registrations", type=int, default=100_000)
    parser.add_argument("--grow-events", type=int, default=2000)
    parser.add_argument(
        "--profile",
        help="COMPONENT:TARGET, e.g. events:list (targets: event, organisation, "
        "list, register); samples the component with py-spy and exits",
    )
    parser.add_argument(
        "--cprofile",
        help="COMPONENT:TARGET as --profile, but the component runs under cProfile on "
        "a CPU clock (waits in the eventlet hub cost nothing); prints where its "
        "CPU went and exits",
    )
    parser.add_argument("--writes", type=int, default=3000, help="most registrations per write run")
    parser.add_argument(
        "--profile-clients",
        type=int,
        default=10,
        help="clients while profiling; few keep a saturated machine from skewing the samples",
    )
    args = parser.parse_args()
    sections = set(args.sections.split(","))
    rng = random.Random(11)
    print(f"# nabo system benchmark ({common.machine_load()} at start)")

    with common.private_vhost() as amqp:
        cluster = None
        try:
            urls = {name: infra.make_database(name) for name in ("members", "events", "notifications")}
            # the write floor's own database (one table, made by the baseline itself)
            baseline_url = infra.make_database("baseline", migrate=False)  # SQLAlchemy's, for the figures
            baseline_db = baseline_url.replace(
                "postgresql+psycopg2://", "postgresql://"
            )  # the baseline's psycopg2
            t0 = time.perf_counter()
            people = seed_members(urls["members"], args.organisations, rng)[1]
            association_id = str(uuid.uuid4())
            event_ids = seed_events(urls["events"], association_id, args.events, args.registrations, rng)
            seed_host_in_read_model(urls["notifications"], association_id)
            organisation_ids = public_organisations(urls["members"])
            print(
                f"seeded {args.organisations} organisations, {args.events} events, {args.registrations} "
                f"registrations in {time.perf_counter() - t0:.1f} s"
            )

            cluster = common.Cluster(amqp, urls)
            smtp_port = cluster.start_smtp_sink(count_only=True)  # the sink's own parsing is not nabo's cost
            cluster.extra_env.update(
                {"NOTIFICATIONS_SMTP_PORT": smtp_port, "NOTIFICATIONS_SMTP_HOST": "127.0.0.1"}
            )
            cluster.start_baseline(database_url=baseline_db, smtp_port=smtp_port)
            profiled, _, profiled_target = (args.profile or args.cprofile or "").partition(":")
            stats_path = (
                os.path.join(common.LOG_DIR, f"cprofile-{profiled}.pstats") if args.cprofile else None
            )
            for component in ("members", "events", "notifications", "gateway"):
                cluster.start(component, profile_to=stats_path if component == profiled else None)
            cluster.wait_ready()
            time.sleep(2)
            idle = {name: p.rss() for name, p in cluster.processes.items()}

            http = requests.Session()
            token = http.post(
                f"{cluster.url()}/v1/auth/token",
                timeout=30,
                json={"email": people[0]["email"], "password": PASSWORD},
            ).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            targets = {
                "GET /v1/events/{id}": [f"/v1/events/{i}" for i in event_ids[:100]],
                "GET /v1/organisations/{id}": [f"/v1/organisations/{i}" for i in organisation_ids[:100]],
                "GET /v1/events?limit=50": ["/v1/events?when=upcoming&limit=50"],
            }
            for name, paths in targets.items():  # fail early on a broken path
                response = http.get(cluster.url() + paths[0], headers=headers, timeout=30)
                if response.status_code != 200:
                    raise SystemExit(f"{name} answered {response.status_code}: {response.text[:300]}")

            if profiled:
                run = partial(profile, cluster, profiled, stats_path=stats_path)
                if profiled_target == "register":  # the write path: guest registrations over 20 events
                    event_ids = create_write_events(cluster, association_id, 20)
                    paths, bodies = registration_load(event_ids, args.writes)
                    run(
                        paths,
                        max(args.duration, 10),
                        method="POST",
                        bodies=bodies,
                        clients=args.profile_clients,
                    )
                    return
                name = {
                    "event": "GET /v1/events/{id}",
                    "organisation": "GET /v1/organisations/{id}",
                    "list": "GET /v1/events?limit=50",
                }[profiled_target]
                run(targets[name], max(args.duration, 10), headers=headers, clients=args.profile_clients)
                return
            with RssSampler(cluster) as sampler:
                small = (
                    read_figures(cluster, targets, args.duration, headers=headers)
                    if "read" in sections
                    else {}
                )
                if "write" in sections:
                    write_events = create_write_events(cluster, association_id, 20)
                    write_figures(cluster, urls, baseline_url, write_events, args.duration, args.writes)
                    write_with_consumers_elsewhere(cluster, urls, write_events, args.duration, args.writes)
            if "meetings" in sections:
                meeting_round_trips(cluster, people, args.duration)
            if "ratios" in sections:
                if "write" not in sections:
                    write_events = create_write_events(cluster, association_id, 20)
                page = targets["GET /v1/events?limit=50"]
                etag = http.get(cluster.url() + page[0], headers=headers, timeout=30).headers["ETag"]
                ratio_rounds(
                    cluster, targets, write_events, args.duration, args.rounds, args.writes, headers=headers,
                    revalidated={"GET /v1/events?limit=50, unchanged (304)": (
                        page, {**headers, "If-None-Match": etag})},
                )
            if "cpu" in sections:
                cpu_figures(
                    cluster,
                    targets,
                    args.duration,
                    headers=headers,
                    write_events=write_events if "write" in sections else None,
                    max_writes=args.writes,
                )
            if "memory" in sections:
                memory_table(idle, sampler.peaks)
            if "scaling" in sections:
                scaling_figures(
                    cluster,
                    {
                        "GET /v1/events?limit=50": targets["GET /v1/events?limit=50"],
                        "GET /v1/events/{id}": targets["GET /v1/events/{id}"],
                    },
                    args.duration,
                )
            if "growth" in sections:
                t0 = time.perf_counter()
                seed_members(urls["members"], args.grow_organisations - args.organisations, rng)
                seed_events(
                    urls["events"],
                    association_id,
                    args.grow_events - args.events,
                    args.grow_registrations - args.registrations,
                    rng,
                )
                print(
                    f"\ngrew to {args.grow_organisations} organisations, {args.grow_events} events, "
                    f"{args.grow_registrations} registrations in {time.perf_counter() - t0:.1f} s"
                )
                large = read_figures(
                    cluster,
                    targets,
                    args.duration,
                    concurrency=(1, 10),
                    headers=headers,
                    label=f" with {args.grow_organisations} organisations and "
                    f"{args.grow_registrations} registrations",
                )
                rows = []
                for (name, clients), result in large.items():
                    if (
                        name in ("bare", "page-floor") or (name, clients) not in small
                    ):  # the data's, not the floors
                        continue
                    before = small[(name, clients)]
                    growth = growth_against_echo(
                        before, small[("bare", clients)], result, large[("bare", clients)]
                    )
                    rows.append(
                        [
                            name,
                            clients,
                            fmt(before["p99_ms"]),
                            fmt(result["p99_ms"]),
                            f"{common.ratio(result['p99_ms'], before['p99_ms']):.2f}x",
                            f"{growth:.2f}x",
                            fmt(before["rps"], 0),
                            fmt(result["rps"], 0),
                        ]
                    )
                common.print_table(
                    "Growth: p99 at 100,000 vs at 1,000",
                    [
                        "path",
                        "clients",
                        "p99 ms small",
                        "p99 ms large",
                        "large / small",
                        "large / small, each against its run's echo",
                        "req/s small",
                        "req/s large",
                    ],
                    rows,
                )
        finally:
            if cluster:
                cluster.stop_all()
            infra.drop_databases()
    print(f"\n({common.machine_load()} at end)")


def growth_against_echo(small, small_echo, large, large_echo):
    """The growth of a p99 with each p99 taken against the bare echo measured just before it: the two runs
    are minutes apart, and a shared machine's own speed can drift by more than the data's growth costs."""
    return common.ratio(
        common.ratio(large["p99_ms"], large_echo["p99_ms"]),
        common.ratio(small["p99_ms"], small_echo["p99_ms"]),
    )


MEETING_ROUND_TRIP = "POST /v1/meeting-requests + PATCH /v1/meeting-requests/{id} accepted"


def create_market_event(cluster):
    """A public online event with a meeting market of 5-minute meetings over ten hours, made through the
    service as its organiser."""
    from datetime import timedelta

    from nameko.standalone.rpc import ClusterRpcProxy

    from nabo_common.runtime import context, settings
    from tests.integration.events.conftest import admin_caller
    from tests.unit.events.conftest import event_payload

    start = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0) + timedelta(days=7)
    end = start + timedelta(hours=10)
    keys = settings.load("events").context_keys
    token = context.sign(admin_caller(str(uuid.uuid4())), keys, ttl=3600)
    config = {"AMQP_URI": cluster.amqp, "serializer": "json"}
    with ClusterRpcProxy(config, context_data={context.CONTEXT_KEY: token}, timeout=30) as proxy:
        event = proxy.events.create_event(event_payload(
            title="Benchmark meeting market", visibility="public", start=start, ends_at=end.isoformat()))
        proxy.events.transition_event(event["id"], {"to": "published"})
        proxy.events.configure_meeting_market(event["id"], {
            "mode": "online", "meeting_minutes": 5, "max_meetings_per_participant": 100,
            "windows": [{"starts_at": start.isoformat(), "ends_at": end.isoformat()}]})
    return event["id"]


def _participant(gateway, event_id, person):
    """A signed-in session of ``person``, registered for the event and taking part in its market."""
    session = requests.Session()
    token = session.post(f"{gateway}/v1/auth/token", timeout=30,
                         json={"email": person["email"], "password": PASSWORD}).json()["access_token"]
    session.headers["Authorization"] = f"Bearer {token}"
    registered = session.post(f"{gateway}/v1/events/{event_id}/registrations", json={}, timeout=30)
    joined = session.post(f"{gateway}/v1/events/{event_id}/meeting-market/participants", json={}, timeout=30)
    if registered.status_code != 201 or joined.status_code != 201:
        raise SystemExit(f"taking part answered {registered.status_code}/{joined.status_code}: "
                         f"{registered.text[:200]} {joined.text[:200]}")
    return session, joined.json()["person_id"]


def meeting_round_trips(cluster, people, duration, clients=10):
    """Request and accept at ``clients`` clients, against the bare echo (one round trip is two writes)."""
    gateway, bare = cluster.url("gateway"), cluster.url("baseline-http")
    event_id = create_market_event(cluster)
    members = [_participant(gateway, event_id, person) for person in people[: 2 * clients]]
    pairs = [(members[2 * n], members[2 * n + 1]) for n in range(len(members) // 2)]
    CpuMeter(cluster).wait_quiet()
    base = common.run_load(bare, ["/echo?v=x"], len(pairs), duration)
    latencies, failures, lock = [], [], threading.Lock()
    deadline = time.perf_counter() + duration

    def client(pair):
        (asker, _), (asked, asked_id) = pair
        mine = []
        while time.perf_counter() < deadline:
            t0 = time.perf_counter()
            sent = asker.post(f"{gateway}/v1/meeting-requests", timeout=30,
                              json={"event_id": event_id, "recipient_id": asked_id})
            accepted = asked.patch(f"{gateway}/v1/meeting-requests/{sent.json().get('id')}", timeout=30,
                                   json={"status": "accepted"}) if sent.status_code == 201 else sent
            if accepted.status_code != 200:
                with lock:
                    failures.append(f"{accepted.status_code} {accepted.text[:200]}")
                return
            mine.append(time.perf_counter() - t0)
            # frees the pair to ask again; outside the timed round trip
            asked.patch(f"{gateway}/v1/meetings/{accepted.json()['meeting']['id']}", timeout=30,
                        json={"status": "cancelled"})
        with lock:
            latencies.extend(mine)

    started = time.perf_counter()
    workers = [threading.Thread(target=client, args=(pair,)) for pair in pairs]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - started
    if failures:
        print(f"\n(meeting round trips failed: {failures[:3]})")
    round_trips = len(latencies)
    p50, p99 = (1000 * common.percentile(latencies, q) for q in (0.5, 0.99))
    common.print_table(
        f"Meeting request and accept at {len(pairs)} clients (a round trip is two writes; the cancel that "
        "frees the pair runs between round trips, untimed)",
        ["path", "clients", "round trips/s", "writes/s", "x bare req/s", "p50 ms", "p99 ms",
         "p99 x (2 x bare p99)"],
        [
            [ECHO, len(pairs), "", fmt(base["rps"], 0), "1.00", fmt(base["p50_ms"]), fmt(base["p99_ms"]), ""],
            [
                MEETING_ROUND_TRIP, len(pairs), fmt(round_trips / elapsed, 1),
                fmt(2 * round_trips / elapsed, 0),
                f"{common.ratio(2 * round_trips / elapsed, base['rps']):.3f}", fmt(p50), fmt(p99),
                f"{common.ratio(p99, 2 * base['p99_ms']):.1f}x",
            ],
        ],
    )


def create_write_events(cluster, association_id, count):
    """Events created and published through the service, so notifications knows them from its events."""
    from nameko.standalone.rpc import ClusterRpcProxy

    from nabo_common.runtime import context, settings
    from tests.integration.events.conftest import admin_caller
    from tests.unit.events.conftest import event_payload

    keys = settings.load("events").context_keys
    token = context.sign(admin_caller(association_id), keys, ttl=3600)
    ids = []
    with ClusterRpcProxy(
        {"AMQP_URI": cluster.amqp, "serializer": "json"},
        context_data={context.CONTEXT_KEY: token},
        timeout=30,
    ) as proxy:
        for n in range(count):
            event = proxy.events.create_event(event_payload(title=f"Write target {n}"))
            proxy.events.transition_event(event["id"], {"to": "published"})
            ids.append(event["id"])
    time.sleep(3)  # notifications learns the events from event.published
    return ids


if __name__ == "__main__":
    main()
