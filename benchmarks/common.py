"""What the benchmarks share: a private vhost and databases, components
started as separate processes (``python -m nabo_common.cli serve ...``),
resident memory from /proc, percentiles, and the load generator run in a
process of its own (benchmarks/load.py).

Figures are printed, never asserted.
"""
import collections
import json
import os
import pstats
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from contextlib import contextmanager

from prometheus_client.parser import text_string_to_metric_families

from tests.support import infra

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PYTHON = sys.executable
LOG_DIR = os.path.join(ROOT, ".nabo", "benchmarks")


def percentile(samples, fraction):
    ordered = sorted(samples)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def rss_mib(pid=None):
    """Resident set size of a process (this one by default) in MiB."""
    try:
        with open(f"/proc/{pid or 'self'}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except FileNotFoundError:
        pass
    return float("nan")


def cpu_seconds(pid):
    """User plus system CPU time a process has used so far, in seconds (0 if it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rpartition(")")[2].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    # after the command name: state is field 3, utime and stime are fields 14 and 15 of the full line
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pids_named(command):
    """Process ids whose command name (/proc/<pid>/comm) is ``command``, e.g. postgres or beam.smp."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/comm") as comm:
                    if comm.read().strip() == command:
                        found.append(int(entry))
            except OSError:
                continue
    return found


def machine_load():
    with open("/proc/loadavg") as f:
        one, five, fifteen = f.read().split()[:3]
    return f"load average {one} {five} {fifteen} on {os.cpu_count()} cores"


@contextmanager
def private_vhost():
    vhost = f"nabo-bench-{uuid.uuid4().hex[:8]}"
    infra._rabbitmqctl("add_vhost", vhost)
    infra._rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    try:
        yield f"amqp://guest:guest@127.0.0.1:5672/{vhost}"
    finally:
        try:
            infra._rabbitmqctl("delete_vhost", vhost)
        except Exception:  # noqa: BLE001 - cleanup must not hide the figures
            pass


class Process:
    """One component in a process of its own, with its log in .nabo/benchmarks/."""

    def __init__(self, name, argv, env, port=None, root=ROOT):
        os.makedirs(LOG_DIR, exist_ok=True)
        self.name, self.port = name, port
        self.log_path = os.path.join(LOG_DIR, f"{name}.log")
        self.log = open(self.log_path, "w")
        self.popen = subprocess.Popen(argv, cwd=root, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                      start_new_session=True)

    @property
    def pid(self):
        return self.popen.pid

    def rss(self):
        return rss_mib(self.pid)

    def wait_http(self, path="/health/live", timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.popen.returncode}; see {self.log_path}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} not ready after {timeout} s; see {self.log_path}")

    def stop(self):
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(15)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(5)
        self.log.close()


class Cluster:
    """nabo components (and the bare baseline) as separate processes on one vhost."""

    def __init__(self, amqp, databases, extra_env=None, root=ROOT):
        """``root``: the source tree the nabo components run from (another revision's, to compare)."""
        self.amqp, self.databases, self.root = amqp, databases, root
        self.extra_env = extra_env or {}
        self.processes = {}

    def env(self, component, port, **extra):
        env = dict(os.environ)
        env.update({"AMQP_URI": self.amqp, "HTTP_PORT": str(port), "HTTP_HOST": "127.0.0.1",
                    "LOG_LEVEL": "WARNING", "WRITE_RATE_LIMIT": "100000/minute",
                    "SIGN_IN_RATE_LIMIT": "100000/minute", "SIGN_IN_IP_RATE_LIMIT": "100000/minute",
                    "REGISTRATION_RATE_LIMIT": "100000/minute", "CAMPAIGN_SEND_RATE_LIMIT": "100000/minute",
                    "PYTHONPATH": self.root})
        if component in self.databases:
            env["DATABASE_URL"] = self.databases[component]
        env.update(self.extra_env)
        env.update({k: str(v) for k, v in extra.items()})
        env = {k: str(v) for k, v in env.items()}
        return env

    def start(self, component, name=None, profile_to=None, **extra):
        """``profile_to``: run it under cProfile on a CPU clock (benchmarks/cpu_profile.py), stats to that
        file."""
        name = name or component
        port = infra.free_port()
        command = ["benchmarks.cpu_profile", profile_to, component] if profile_to else \
            ["nabo_common.cli", "serve", component]
        process = Process(name, [PYTHON, "-m", *command], self.env(component, port, **extra), port, self.root)
        self.processes[name] = process
        return process

    def start_baseline(self, database_url=None, smtp_port=None):
        """The floor of one gateway hop: a bare nameko HTTP entrypoint calling a bare RPC echo service;
        with ``database_url`` (a psycopg2 URL) it also serves the floor of a durable write, and with
        ``smtp_port`` too, a bare consumer (the floor of a registration with its consumer and mail)."""
        extra = {"BASELINE_DATABASE_URL": database_url} if database_url else {}
        roles = ["echo", "http"]
        if database_url and smtp_port:
            roles.append("consumer")
            extra["BASELINE_SMTP_PORT"] = smtp_port
        for role in roles:
            port = infra.free_port()
            self.processes[f"baseline-{role}"] = Process(
                f"baseline-{role}", [PYTHON, "-m", "benchmarks.baseline", role],
                self.env("baseline", port, BASELINE_PORT=port, **extra), port)
        return self.processes["baseline-http"]

    def start_smtp_sink(self, count_only=False):
        """A real SMTP server (scripts/smtp_sink.py) in a process of its own; returns its SMTP port.
        ``count_only`` keeps no messages, only counts and checks recipients (see ``smtp_sink_status``)."""
        smtp_port, http_port = infra.free_port(), infra.free_port()
        self.processes["smtp-sink"] = Process(
            "smtp-sink", [PYTHON, "scripts/smtp_sink.py", "--smtp-port", str(smtp_port),
                          "--http-port", str(http_port), *(["--count-only"] if count_only else [])],
            self.env("smtp-sink", http_port), http_port)
        self.processes["smtp-sink"].wait_http("/status")
        return smtp_port

    def smtp_sink_status(self):
        """What the sink has received: messages, recipients, distinct_recipients, not_in_to_header."""
        with urllib.request.urlopen(f"{self.url('smtp-sink')}/status", timeout=10) as response:
            return json.loads(response.read())

    def wait_ready(self, *names, path="/health/live"):
        for name in names or list(self.processes):
            self.processes[name].wait_http(path)

    def url(self, name="gateway"):
        return f"http://127.0.0.1:{self.processes[name].port}"

    def stop(self, name):
        self.processes.pop(name).stop()

    def stop_all(self):
        for name in list(self.processes):
            self.stop(name)


class Profiler:
    """py-spy sampling a process for ``duration`` seconds; the collapsed stacks go to
    .nabo/benchmarks/profile-<name>.txt, ``report`` prints the functions holding the most samples
    (inclusive)."""

    def __init__(self, pid, name, duration, rate=200):
        os.makedirs(LOG_DIR, exist_ok=True)
        self.out = os.path.join(LOG_DIR, f"profile-{name}.txt")
        self.spy = subprocess.Popen(
            [
                os.path.join(os.path.dirname(PYTHON), "py-spy"),
                "record",
                "--format",
                "raw",
                "--rate",
                str(rate),
                "--duration",
                str(int(duration)),
                "--pid",
                str(pid),
                "--output",
                self.out,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def report(self, title, top=25):
        self.spy.wait(120)
        inclusive, total = collections.Counter(), 0
        with open(self.out) as f:
            for line in f:
                stack, _, count = line.rstrip().rpartition(" ")
                count = int(count)
                total += count
                for frame in set(stack.split(";")):
                    inclusive[frame] += count
        print(f"\n### profile of {title}, {total} samples\n")
        for frame, count in inclusive.most_common(top):
            print(f"{100 * count / max(total, 1):5.1f}%  {frame[:150]}")
        sys.stdout.flush()


def cpu_profile_report(path, title, requests, top=25):
    """The CPU a component spent, per request, by function: its own time (tottime) and with what it called
    (cumulative), from a cProfile run on a CPU clock (benchmarks/cpu_profile.py)."""
    stats = pstats.Stats(path)
    requests = max(requests, 1)
    print(f"\n### CPU profile of {title}: {1000 * stats.total_tt / requests:.2f} ms per request in all\n")
    own = sorted(stats.stats.items(), key=lambda item: item[1][2], reverse=True)[:top]
    # nabo's own functions by cumulative time: which piece of domain or plumbing code the CPU went to
    # (inexact where green threads switch inside a call, but the order holds)
    ours = sorted(
        (
            (key, value)
            for key, value in stats.stats.items()
            if key[0].startswith(ROOT) and "/.venv/" not in key[0]
        ),
        key=lambda item: item[1][3],
        reverse=True,
    )[:top]
    for heading, rows in (("by own time", own), ("nabo's code, with what it calls", ours)):
        print(
            f"\n{heading}:\n\n| own ms/request | with callees ms/request | calls/request | function |\n"
            "|---|---|---|---|"
        )
        for (filename, line, name), (_calls, ncalls, tottime, cumtime, _callers) in rows:
            where = (
                os.path.relpath(filename, ROOT) if filename.startswith(ROOT) else os.path.basename(filename)
            )
            print(
                f"| {1000 * tottime / requests:.3f} | {1000 * cumtime / requests:.3f} "
                f"| {ncalls / requests:.1f} | {where}:{line} {name} |"
            )
    sys.stdout.flush()


def run_load(
    base_url,
    requests,
    concurrency,
    duration=10.0,
    max_requests=20000,
    warmup=20,
    headers=None,
    method="GET",
    bodies=None,
    rate=None,
):
    """Drive ``requests`` (paths, cycled) against ``base_url`` from a separate
    process with ``concurrency`` threads, each with its own persistent
    connection, for at most ``duration`` seconds and ``max_requests`` requests.
    ``rate``: requests/s offered in all, on a fixed schedule (open loop), instead of as fast as answered.
    Returns {"requests", "errors", "seconds", "rps", "p50_ms", "p99_ms", ...}."""
    spec = {
        "base_url": base_url,
        "paths": requests,
        "concurrency": concurrency,
        "duration": duration,
        "max_requests": max_requests,
        "warmup": warmup,
        "headers": headers or {},
        "method": method,
        "bodies": bodies,
        "rate": rate,
    }
    result = subprocess.run(
        [PYTHON, "-m", "benchmarks.load"],
        input=json.dumps(spec),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=duration + 120,
        env=dict(os.environ, PYTHONPATH=ROOT),
    )
    if result.returncode != 0:
        raise RuntimeError(f"load generator failed: {result.stderr[-2000:]}")
    return json.loads(result.stdout)


def histogram_buckets(base_url, name, labels):
    """The cumulative bucket counts of Prometheus histogram ``name`` with ``labels`` at ``base_url``/metrics,
    as [(upper bound, count)] in order (the last bound is inf)."""
    with urllib.request.urlopen(f"{base_url}/metrics", timeout=10) as response:
        exposition = response.read().decode("utf-8")
    buckets = []
    for family in text_string_to_metric_families(exposition):
        for sample in family.samples:
            if sample.name == f"{name}_bucket" and all(sample.labels.get(k) == v for k, v in labels.items()):
                buckets.append((float(sample.labels["le"]), sample.value))
    return sorted(buckets)


def histogram_quantile(before, after, fraction):
    """The ``fraction`` quantile, in the histogram's unit, of what was observed between two readings of
    ``histogram_buckets``, interpolated within its bucket as Prometheus' histogram_quantile does; None if
    nothing was observed. A quantile in the last (infinite) bucket is given as the last finite bound."""
    earlier = dict(before)
    counts = [(bound, count - earlier.get(bound, 0.0)) for bound, count in after]
    if not counts or counts[-1][1] <= 0:
        return None
    rank = fraction * counts[-1][1]
    lower, below = 0.0, 0.0
    for bound, count in counts:
        if count >= rank:
            if bound == float("inf"):
                return lower
            return lower + (bound - lower) * ((rank - below) / (count - below) if count > below else 1.0)
        lower, below = bound, count
    return lower


def ratio(value, base):
    return value / base if base else float("nan")


def print_table(title, header, rows):
    print(f"\n## {title}\n")
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for row in rows:
        print("| " + " | ".join(str(cell) for cell in row) + " |")
    sys.stdout.flush()
