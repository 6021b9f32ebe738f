"""The campaign send rate (CAMPAIGN_SEND_RATE messages per second), kept with
the ``limits`` library. Its storage is CAMPAIGN_RATE_STORAGE_URI: the default
``memory://`` paces each replica on its own; a shared store such as
``redis://…`` makes the rate hold for all replicas together."""
import time

from limits import RateLimitItemPerMinute, RateLimitItemPerSecond
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

KEY = "campaign-send"


class SendPacer:
    def __init__(self, rate, storage_uri="memory://"):
        self.limiter = MovingWindowRateLimiter(storage_from_string(storage_uri))
        if rate >= 1:
            self.item = RateLimitItemPerSecond(max(1, round(rate)))
        else:
            self.item = RateLimitItemPerMinute(max(1, round(rate * 60)))

    def try_acquire(self):
        """Take one message's turn if the rate allows it now; never blocks."""
        return self.limiter.hit(self.item, KEY)

    def wait(self):
        """Block (cooperatively) until one more message may go out."""
        while not self.try_acquire():
            reset_at = self.limiter.get_window_stats(self.item, KEY).reset_time
            time.sleep(min(1.0, max(0.005, reset_at - time.time())))
