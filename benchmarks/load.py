"""A small HTTP load generator, run as its own process by
benchmarks.common.run_load: N threads, each with one persistent
http.client connection, cycling through the given paths (and JSON bodies)
until a request count or a time limit is reached. Closed loop (each thread
sends its next request when the last is answered) unless a rate is given:
then request n is sent n / rate seconds after the start. Only loopback
targets.

Reads a JSON spec on stdin and prints one JSON object of figures.
"""
import http.client
import itertools
import json
import sys
import threading
import time
from urllib.parse import urlsplit

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def main():
    spec = json.load(sys.stdin)
    target = urlsplit(spec["base_url"])
    if target.hostname not in LOOPBACK:
        sys.exit("benchmarks.load only sends traffic to the loopback interface")
    host, port = target.hostname, target.port or 80
    method, headers = spec.get("method", "GET"), dict(spec.get("headers") or {})
    paths, bodies = spec["paths"], spec.get("bodies")
    if bodies is not None:
        headers.setdefault("Content-Type", "application/json")
    concurrency, duration = spec["concurrency"], spec["duration"]
    rate = spec.get("rate")  # requests/s offered in all (open loop), else each thread sends as soon as it can
    max_requests, warmup = spec["max_requests"], spec.get("warmup", 0)

    counter = itertools.count()
    lock = threading.Lock()
    latencies, statuses, errors = [], {}, []
    start_event = threading.Event()
    ready = threading.Barrier(concurrency + 1, timeout=120)
    deadline, begun = [0.0], [0.0]

    def request(connection, n):
        path = paths[n % len(paths)]
        body = json.dumps(bodies[n % len(bodies)]) if bodies is not None else None
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status

    def worker(index):
        connection = http.client.HTTPConnection(host, port, timeout=30)
        for w in range(warmup if bodies is None else 0):
            request(connection, index * warmup + w)
        ready.wait()
        start_event.wait()
        mine, my_status = [], {}
        while True:
            n = next(counter)
            if n >= max_requests or time.perf_counter() > deadline[0]:
                break
            if rate:  # request n is due n / rate seconds after the start, whichever thread sends it
                pause = begun[0] + n / rate - time.perf_counter()
                if pause > 0:
                    time.sleep(pause)
                if time.perf_counter() > deadline[0]:
                    break
            t0 = time.perf_counter()
            try:
                status = request(connection, n)
            except (OSError, http.client.HTTPException) as exc:
                with lock:
                    errors.append(repr(exc))
                connection.close()
                connection = http.client.HTTPConnection(host, port, timeout=30)
                continue
            mine.append(time.perf_counter() - t0)
            my_status[status] = my_status.get(status, 0) + 1
        connection.close()
        with lock:
            latencies.extend(mine)
            for status, count in my_status.items():
                statuses[status] = statuses.get(status, 0) + count

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(concurrency)]
    for thread in threads:
        thread.start()
    ready.wait()  # every thread has connected and warmed up
    started = begun[0] = time.perf_counter()
    deadline[0] = started + duration
    start_event.set()
    for thread in threads:
        thread.join(duration + 60)
    seconds = time.perf_counter() - started
    ordered = sorted(latencies)

    def pct(fraction):
        return (
            ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))] * 1000
            if ordered
            else None
        )

    ok = sum(count for status, count in statuses.items() if status < 400)
    print(
        json.dumps(
            {
                "requests": len(ordered),
                "ok": ok,
                "statuses": statuses,
                "errors": len(errors),
                "first_error": errors[0] if errors else None,
                "seconds": seconds,
                "rps": len(ordered) / seconds if seconds else 0.0,
                "p50_ms": pct(0.50),
                "p95_ms": pct(0.95),
                "p99_ms": pct(0.99),
            }
        )
    )


if __name__ == "__main__":
    main()
