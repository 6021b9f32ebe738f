"""Figures the benchmarks derive from their measurements."""
import pytest

from benchmarks.system import growth_against_echo


def test_growth_is_taken_against_the_echo_of_each_run():
    # the machine was a third slower in the second run: the echo's p99 grew as much as the path's
    small, small_echo = {"p99_ms": 30.0}, {"p99_ms": 20.0}
    large, large_echo = {"p99_ms": 40.0}, {"p99_ms": 26.0}
    assert growth_against_echo(small, small_echo, large, large_echo) == pytest.approx((40 / 26) / (30 / 20))
    assert growth_against_echo(small, small_echo, {"p99_ms": 60.0}, small_echo) == pytest.approx(2.0)
