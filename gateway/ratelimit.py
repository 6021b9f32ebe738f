"""Per-client rate limits (moving window) from the ``limits`` library; the
storage is in memory by default and Redis when several gateway replicas must
share counts (RATE_LIMIT_STORAGE_URI=redis://...)."""
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter


class RateLimits:
    def __init__(self, storage_uri):
        self.limiter = MovingWindowRateLimiter(storage_from_string(storage_uri))
        self._parsed = {}

    def hit(self, limit, *identifiers):
        """Count one hit; returns (allowed, seconds until a slot frees)."""
        item = self._parsed.get(limit)
        if item is None:
            item = self._parsed[limit] = parse(limit)
        if self.limiter.hit(item, *identifiers):
            return True, 0
        reset_at, _remaining = self.limiter.get_window_stats(item, *identifiers)
        import time

        return False, max(1, int(reset_at - time.time()))
