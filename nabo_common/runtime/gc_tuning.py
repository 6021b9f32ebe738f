"""Python's garbage collector set up for a long-running service, and its pauses counted.

A service holds some 120,000 objects from start-up to exit: modules, classes, nameko's and
SQLAlchemy's structures, the mappers. Every full collection walks all of them, a pause for every
request in flight (figures in docs/performance.md). ``tune`` moves what start-up made
into the permanent generation (``gc.freeze``), so that no collection walks it again, and raises the
youngest generation's threshold, so that a request's short-lived objects mostly die before a
collection finds them instead of being walked and promoted while a worker still holds them.

The pauses are counted into plain numbers by a ``gc.callbacks`` hook and read at scrape time: a
callback runs inside the collector, where taking a metric's lock (a green lock under eventlet) could
wait on a worker that the collection interrupted.
"""
import gc
import time

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from nabo_common.runtime.metrics import REGISTRY

GENERATIONS = (0, 1, 2)


class CollectionPauses:
    """Seconds, count and the longest pause of the collector's runs, by generation, since start."""

    def __init__(self, clock=time.perf_counter):
        self.clock = clock
        self.seconds = [0.0, 0.0, 0.0]
        self.count = [0, 0, 0]
        self.longest = [0.0, 0.0, 0.0]
        self._started = None

    def __call__(self, phase, info):
        if phase == "start":
            self._started = self.clock()
            return
        if self._started is None:  # installed while a collection ran
            return
        pause = self.clock() - self._started
        self._started = None
        generation = info["generation"]
        self.seconds[generation] += pause
        self.count[generation] += 1
        if pause > self.longest[generation]:
            self.longest[generation] = pause

    def describe(self):
        return []

    def collect(self):
        seconds = CounterMetricFamily("nabo_gc_pause_seconds", "Time spent in garbage collections",
                                      labels=["generation"])
        count = CounterMetricFamily("nabo_gc_collections", "Garbage collections run", labels=["generation"])
        longest = GaugeMetricFamily(
            "nabo_gc_longest_pause_seconds",
            "The longest garbage collection since start",
            labels=["generation"],
        )
        frozen = GaugeMetricFamily(
            "nabo_gc_frozen_objects", "Objects kept out of every collection since start-up"
        )
        frozen.add_metric([], gc.get_freeze_count())
        for generation in GENERATIONS:
            label = [str(generation)]
            seconds.add_metric(label, self.seconds[generation])
            count.add_metric(label, self.count[generation])
            longest.add_metric(label, self.longest[generation])
        yield from (seconds, count, longest, frozen)


_pauses = None


def tune(first_generation_threshold):
    """Freeze what start-up made, set the youngest generation's threshold and count pauses from now.
    Call once, after the service's code is imported and before it serves."""
    global _pauses
    gc.collect()
    gc.freeze()
    _, second, third = gc.get_threshold()
    gc.set_threshold(first_generation_threshold, second, third)
    if _pauses is None:
        _pauses = CollectionPauses()
        gc.callbacks.append(_pauses)
        REGISTRY.register(_pauses)
    return _pauses
