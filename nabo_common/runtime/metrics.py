"""Prometheus metrics shared by every component.

Per-entrypoint latency histograms and error counts come from the
``Instrumentation`` dependency; outbox backlog and dead-letter counts are
read at scrape time by collectors the service registers.
"""
import logging
import math

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
OUTBOX_PUBLISHED = Counter(
    "nabo_outbox_published_total", "Outbox events published", ["service"], registry=REGISTRY
)
OUTBOX_FAILURES = Counter(
    "nabo_outbox_publish_failures_total",
    "Outbox publishes refused by the broker",
    ["service"],
    registry=REGISTRY,
)
OUTBOX_LAG = Histogram(
    "nabo_outbox_publish_lag_seconds",
    "Time from commit (for rows a poll took: their creation) to confirmed publish",
    ["service"],
    registry=REGISTRY,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
EVENTS_HANDLED = Counter(
    "nabo_events_handled_total",
    "Events handled by consumers, by outcome",
    ["service", "handler", "outcome"],
    registry=REGISTRY,
)
# fine below a second, where consumers normally are, so that a median read off the buckets means something
EVENT_LATENCY_BUCKETS = (
    0.0025,
    0.005,
    0.0075,
    0.01,
    0.015,
    0.02,
    0.025,
    0.03,
    0.04,
    0.05,
    0.06,
    0.075,
    0.1,
    0.125,
    0.15,
    0.2,
    0.25,
    0.3,
    0.4,
    0.5,
    0.75,
    1,
    2.5,
    5,
    10,
    30,
    60,
    300,
)
EVENT_DELIVERY = Histogram(
    "nabo_event_delivery_seconds",
    "Time from an event's commit to its delivery to a consumer's handler",
    ["service", "handler"],
    registry=REGISTRY,
    buckets=EVENT_LATENCY_BUCKETS,
)
EVENT_HANDLED = Histogram(
    "nabo_event_handled_seconds",
    "Time from an event's commit until a consumer's handler has handled it",
    ["service", "handler"],
    registry=REGISTRY,
    buckets=EVENT_LATENCY_BUCKETS,
)
# clocks of two hosts disagree a little; an event committed further in the future than this is not believed
CLOCK_SKEW_SECONDS = 5.0


def seconds_since(epoch_ms, now):
    """Seconds from ``epoch_ms`` (a header's value, milliseconds since the epoch) to ``now`` (seconds), or
    None if it is no usable time."""
    if isinstance(epoch_ms, bool) or not isinstance(epoch_ms, (int, float)) or not math.isfinite(epoch_ms):
        return None
    seconds = now - epoch_ms / 1000.0
    return None if seconds < -CLOCK_SKEW_SECONDS else max(0.0, seconds)


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
