"""Configuration of the events service's scheduled work: a nameko timer whose
interval comes from EVENTS_REMINDER_POLL_SECONDS or REMINDER_POLL_SECONDS
(default 15 s). The guest retention period is read by
``nabo_common.persistence.retention.GuestRetentionDays``."""
import os

from nameko.timer import Timer

DEFAULT_POLL_SECONDS = 15.0


def poll_seconds(component="events"):
    for name in (f"{component.upper()}_REMINDER_POLL_SECONDS", "REMINDER_POLL_SECONDS"):
        raw = os.environ.get(name)
        if raw:
            try:
                value = float(raw)
            except ValueError:
                raise ValueError(f"{name} must be a number of seconds, got {raw!r}") from None
            if value <= 0:
                raise ValueError(f"{name} must be positive, got {raw!r}")
            return value
    return DEFAULT_POLL_SECONDS


class ConfiguredTimer(Timer):
    def __init__(self, interval=None, eager=False, **kwargs):
        super().__init__(interval or DEFAULT_POLL_SECONDS, eager=eager, **kwargs)

    def setup(self):
        self.interval = poll_seconds(self.container.service_name)
        super().setup()


configured_timer = ConfiguredTimer.decorator
