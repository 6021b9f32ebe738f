"""Prometheus metrics shared by every component.

Per-entrypoint latency histograms and error counts come from the
``Instrumentation`` dependency; outbox backlog and dead-letter counts are
read at scrape time by collectors the service registers.
"""
import logging

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

log = logging.getLogger(__name__)
REGISTRY = CollectorRegistry(auto_describe=True)

ENTRYPOINT_LATENCY = Histogram(
    "nabo_entrypoint_duration_seconds", "Time spent in a service entrypoint",
    ["service", "entrypoint", "kind"], registry=REGISTRY,
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
ENTRYPOINT_ERRORS = Counter(
    "nabo_entrypoint_errors_total", "Entrypoint calls that ended in an error",
    ["service", "entrypoint", "kind", "error"], registry=REGISTRY,
)
OUTBOX_PUBLISHED = Counter("nabo_outbox_published_total", "Outbox events published", ["service"], registry=REGISTRY)
OUTBOX_FAILURES = Counter("nabo_outbox_publish_failures_total", "Outbox publishes refused by the broker", ["service"], registry=REGISTRY)
OUTBOX_LAG = Histogram(
    "nabo_outbox_publish_lag_seconds", "Time from commit to confirmed publish", ["service"], registry=REGISTRY,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
EVENTS_HANDLED = Counter(
    "nabo_events_handled_total", "Events handled by consumers, by outcome",
    ["service", "handler", "outcome"], registry=REGISTRY,
)


class CallbackGauge:
    """A gauge whose samples are computed by a callback at scrape time."""

    def __init__(self, name, documentation, labels, callback):
        self.name = name
        self.documentation = documentation
        self.labels = labels
        self.callback = callback

    def describe(self):
        return []

    def collect(self):
        family = GaugeMetricFamily(self.name, self.documentation, labels=self.labels)
        try:
            for label_values, value in self.callback():
                family.add_metric(label_values, value)
        except Exception as exc:  # a scrape must not fail because one source is down
            log.warning("metric %s unavailable: %s", self.name, exc)
        yield family


def register_callback_gauge(name, documentation, labels, callback):
    collector = CallbackGauge(name, documentation, labels, callback)
    REGISTRY.register(collector)
    return collector


def unregister(collector):
    try:
        REGISTRY.unregister(collector)
    except KeyError:
        pass


def exposition():
    return generate_latest(REGISTRY)
