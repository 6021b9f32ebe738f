"""Settings of the notifications service (SMTP, signing keys, send rate, daily cap),
read from the environment once at start-up; a bad value stops the service
with one line naming the variable."""
from dataclasses import dataclass
from urllib.parse import urlsplit

from nabo_common.runtime.settings import ConfigError, _env, _float, _int, parse_keys, public_base_url
from services.notifications.domain.webhook_targets import parse_networks

DEV_UNSUBSCRIBE_KEY = "dev:nabo-local-development-unsubscribe-key"
DEV_WEBHOOK_KEY = "dev:nabo-local-development-webhook-key-change-me"
SECURITY_MODES = ("none", "starttls", "tls")
COMPONENT = "notifications"


@dataclass(frozen=True)
class NotificationsConfig:
    smtp_host: str
    smtp_port: int
    smtp_username: str | None
    smtp_password: str | None
    smtp_security: str
    smtp_timeout: float
    mail_from: str
    unsubscribe_keys: list
    webhook_keys: list
    campaign_send_rate: float
    campaign_daily_cap: int
    rate_storage_uri: str
    public_base_url: str
    tracked_link_hosts: frozenset
    delivery_max_attempts: int
    retry_base_seconds: float
    lease_seconds: int
    webhook_allowed_networks: tuple = ()

    @property
    def own_link_hosts(self):
        """The hosts whose links in campaigns get the campaign's tracking parameters: the gateway's public
        host and TRACKED_LINK_HOSTS (the frontends' hosts)."""
        return self.tracked_link_hosts | {urlsplit(self.public_base_url).hostname.lower()}


def _networks(name):
    raw = _env(COMPONENT, name, "")
    try:
        return parse_networks(raw)
    except ValueError:
        raise ConfigError(f"{name} must be comma-separated networks such as 10.0.0.0/8, got {raw!r}") \
            from None


def load():
    security = (_env(COMPONENT, "SMTP_SECURITY", "none") or "none").lower()
    if security not in SECURITY_MODES:
        raise ConfigError(f"SMTP_SECURITY must be one of {', '.join(SECURITY_MODES)}, got {security!r}")
    username = _env(COMPONENT, "SMTP_USERNAME")
    password = _env(COMPONENT, "SMTP_PASSWORD")
    if bool(username) != bool(password):
        raise ConfigError("SMTP_USERNAME and SMTP_PASSWORD go together: set both or neither")
    mail_from = _env(COMPONENT, "MAIL_FROM", "nabo <no-reply@nabo.localhost>")
    if "@" not in mail_from:
        raise ConfigError(f"MAIL_FROM must hold an e-mail address, got {mail_from!r}")
    tracked_hosts = _env(COMPONENT, "TRACKED_LINK_HOSTS", "")
    return NotificationsConfig(
        smtp_host=_env(COMPONENT, "SMTP_HOST", "127.0.0.1"),
        smtp_port=_int(COMPONENT, "SMTP_PORT", 1025, minimum=1),
        smtp_username=username,
        smtp_password=password,
        smtp_security=security,
        smtp_timeout=_float(COMPONENT, "SMTP_TIMEOUT_SECONDS", 15.0, minimum=0.5),
        mail_from=mail_from,
        unsubscribe_keys=parse_keys(
            _env(COMPONENT, "NABO_UNSUBSCRIBE_KEYS", DEV_UNSUBSCRIBE_KEY), "NABO_UNSUBSCRIBE_KEYS"
        ),
        webhook_keys=parse_keys(_env(COMPONENT, "NABO_WEBHOOK_KEYS", DEV_WEBHOOK_KEY), "NABO_WEBHOOK_KEYS"),
        campaign_send_rate=_float(COMPONENT, "CAMPAIGN_SEND_RATE", 20.0, minimum=0.01),
        campaign_daily_cap=_int(COMPONENT, "CAMPAIGN_DAILY_CAP", 5000, minimum=1),
        rate_storage_uri=_env(COMPONENT, "CAMPAIGN_RATE_STORAGE_URI", "memory://"),
        public_base_url=public_base_url(COMPONENT),
        tracked_link_hosts=frozenset(
            host.strip().lower() for host in tracked_hosts.split(",") if host.strip()
        ),
        delivery_max_attempts=_int(COMPONENT, "DELIVERY_MAX_ATTEMPTS", 6, minimum=1),
        retry_base_seconds=_float(COMPONENT, "DELIVERY_RETRY_BASE_SECONDS", 30.0, minimum=0.01),
        lease_seconds=_int(COMPONENT, "DELIVERY_LEASE_SECONDS", 10, minimum=5),
        webhook_allowed_networks=_networks("WEBHOOK_ALLOWED_NETWORKS"),
    )
