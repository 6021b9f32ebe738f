"""Configuration of the events service's scheduled work: a nameko timer whose
interval comes from EVENTS_REMINDER_POLL_SECONDS or REMINDER_POLL_SECONDS
(default 15 s), and the retention period of guests' registrations,
EVENTS_GUEST_RETENTION_DAYS or GUEST_RETENTION_DAYS (default 365 days)."""
import os

from nameko.extensions import DependencyProvider
from nameko.timer import Timer

from nabo_common.settings import ConfigError, _int

DEFAULT_POLL_SECONDS = 15.0
DEFAULT_GUEST_RETENTION_DAYS = 365


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


def guest_retention_days(component="events"):
    return _int(component, "GUEST_RETENTION_DAYS", DEFAULT_GUEST_RETENTION_DAYS, minimum=1)


class GuestRetentionDays(DependencyProvider):
    """How many days guests' registrations are kept after their event ended; read at start."""

    def setup(self):
        try:
            self.days = guest_retention_days(self.container.service_name)
        except ConfigError as exc:
            raise SystemExit(f"nabo: configuration error: {exc}") from None

    def get_dependency(self, worker_ctx):
        return self.days
