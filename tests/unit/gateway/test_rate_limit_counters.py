"""The rate limits' counters in memory: a moving window decided by the hits' times, swept once a second."""
from limits.storage import MemoryStorage

from gateway.ratelimit import MemoryCounters, RateLimits


def test_the_counters_in_memory_count_a_moving_window_per_requester():
    limits = RateLimits("memory://")
    assert isinstance(limits.limiter.storage, MemoryCounters)
    assert [limits.hit("3/minute", "write_limit", "/v1/x", "POST", "client:a")[0] for _ in range(4)] == [
        True, True, True, False]
    allowed, retry_after = limits.hit("3/minute", "write_limit", "/v1/x", "POST", "client:a")
    assert not allowed and 1 <= retry_after <= 60
    assert limits.hit("3/minute", "write_limit", "/v1/x", "POST", "client:b") == (True, 0)
    assert limits.hit("3/minute", "sign_in_limit", "/v1/x", "POST", "client:a") == (True, 0)


def test_hits_share_one_sweep_instead_of_starting_one_each():
    counters = MemoryCounters("memory://")
    plain = MemoryStorage("memory://")
    sweeps = set()
    for _ in range(50):
        counters.acquire_entry("k", 100, 60)
        sweeps.add(id(counters.timer))
        plain.acquire_entry("k", 100, 60)
    # the first sweep, started with the storage, ends within 10 ms; then one waits a second
    assert len(sweeps) <= 2
    assert counters.get_moving_window("k", 100, 60)[1] == plain.get_moving_window("k", 100, 60)[1] == 50
