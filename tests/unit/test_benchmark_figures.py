"""Figures the benchmarks derive from their measurements."""
import io

import pytest

from benchmarks import common
from benchmarks.common import histogram_buckets, histogram_quantile
from benchmarks.system import growth_against_echo


def test_growth_is_taken_against_the_echo_of_each_run():
    # the machine was a third slower in the second run: the echo's p99 grew as much as the path's
    small, small_echo = {"p99_ms": 30.0}, {"p99_ms": 20.0}
    large, large_echo = {"p99_ms": 40.0}, {"p99_ms": 26.0}
    assert growth_against_echo(small, small_echo, large, large_echo) == pytest.approx((40 / 26) / (30 / 20))
    assert growth_against_echo(small, small_echo, {"p99_ms": 60.0}, small_echo) == pytest.approx(2.0)


def test_a_quantile_is_read_off_the_buckets_filled_between_two_readings():
    before = [(0.01, 5.0), (0.02, 5.0), (0.05, 5.0), (float("inf"), 5.0)]
    # 100 more: 40 under 10 ms, 40 in 10-20 ms, 18 in 20-50 ms, 2 beyond
    after = [(0.01, 45.0), (0.02, 85.0), (0.05, 103.0), (float("inf"), 105.0)]
    assert histogram_quantile(before, after, 0.5) == pytest.approx(0.0125)  # a quarter into 10-20 ms
    assert histogram_quantile(before, after, 0.2) == pytest.approx(0.005)
    assert histogram_quantile(before, after, 0.9) == pytest.approx(0.02 + 0.03 * 10 / 18)
    assert histogram_quantile(before, after, 0.99) == 0.05  # beyond the last bound: the bound
    assert histogram_quantile(after, after, 0.5) is None  # nothing observed in between


def test_a_histogram_is_read_from_a_metrics_exposition(monkeypatch):
    exposition = (
        '# TYPE nabo_event_delivery_seconds histogram\n'
        'nabo_event_delivery_seconds_bucket{handler="on_calendar_activity",le="0.01",'
        'service="notifications"} 3.0\n'
        'nabo_event_delivery_seconds_bucket{handler="on_calendar_activity",le="+Inf",'
        'service="notifications"} 4.0\n'
        'nabo_event_delivery_seconds_bucket{handler="on_other",le="0.01",service="notifications"} 9.0\n'
        'nabo_event_delivery_seconds_count{handler="on_calendar_activity",service="notifications"} 4.0\n')

    class Response(io.BytesIO):
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    monkeypatch.setattr(common.urllib.request, "urlopen", lambda url, timeout: Response(exposition.encode()))
    labels = {"service": "notifications", "handler": "on_calendar_activity"}
    assert histogram_buckets("http://x", "nabo_event_delivery_seconds", labels) == [
        (0.01, 3.0),
        (float("inf"), 4.0),
    ]
