"""Configuration from environment variables, with defaults that run locally.

Every component reads the same names (12-factor); local runs that start all
services on one machine use per-component variables such as
``MEMBERS_DATABASE_URL`` which win over the plain ``DATABASE_URL``.
"""
import ipaddress
import os
from dataclasses import dataclass, field
from urllib.parse import urlsplit

COMPONENTS = ("members", "events", "notifications", "ideas", "gateway")
SERVICES = ("members", "events", "notifications", "ideas")
DEFAULT_PORTS = {"gateway": 8000, "members": 8001, "events": 8002, "notifications": 8003, "ideas": 8004}
DEV_CONTEXT_KEY = "dev:nabo-local-development-context-key-change-me"
DEV_JWT_KEY = "dev:nabo-local-development-jwt-key-change-me-please"
# NABO_ENV: "development" (the default, what `make run` and the tests use) or "production", where settings
# that only suit a laptop are refused at start-up
ENVIRONMENTS = ("development", "production")


class ConfigError(ValueError):
    """A setting is present but unusable; raised at start-up, never later."""


def _setting(component, name):
    """The variable that sets ``name`` and its value (None when unset), so errors name what was set."""
    for variable in (f"{component.upper()}_{name}", name):
        value = os.environ.get(variable)
        if value not in (None, ""):
            return variable, value
    return name, None


def _env(component, name, default=None):
    value = _setting(component, name)[1]
    return default if value is None else value


def _int(component, name, default, minimum=0):
    variable, raw = _setting(component, name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{variable} must be a whole number, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{variable} must be at least {minimum}, got {value}")
    return value


def _float(component, name, default, minimum=0.0):
    variable, raw = _setting(component, name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{variable} must be a number, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{variable} must be at least {minimum}, got {value}")
    return value


def parse_keys(raw, name):
    """Parse ``kid:secret,kid2:secret2``; the first key signs, all verify."""
    keys = []
    for part in (raw or "").split(","):
        part = part.strip()
        if not part:
            continue
        kid, sep, secret = part.partition(":")
        if not sep or not kid or len(secret) < 16:
            raise ConfigError(f"{name} entries must look like kid:secret with a secret of 16+ characters")
        keys.append((kid, secret))
    if not keys:
        raise ConfigError(f"{name} must hold at least one kid:secret key")
    return keys


def environment():
    value = os.environ.get("NABO_ENV") or "development"
    if value not in ENVIRONMENTS:
        raise ConfigError(f"NABO_ENV must be one of {', '.join(ENVIRONMENTS)}, got {value!r}")
    return value


def _is_local_host(host):
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def public_base_url(component, development_default="http://localhost:8000"):
    """The address people reach the gateway at (links in mails, the pages' form target). Outside development
    it must be set, https and not a localhost address: links built from it leave the cluster."""
    variable, raw = _setting(component, "PUBLIC_BASE_URL")
    production = environment() != "development"
    if raw is None:
        if production:
            raise ConfigError("PUBLIC_BASE_URL must be set outside development (NABO_ENV=production), "
                              "e.g. https://api.nabo.example")
        raw = development_default
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{variable} must be an http(s) URL such as https://nabo.example, got {raw!r}")
    if production and (parts.scheme != "https" or _is_local_host(parts.hostname.lower())):
        raise ConfigError(f"{variable} must be an https URL that is not a localhost address outside "
                          f"development (NABO_ENV=production), got {raw!r}")
    return raw.rstrip("/")


@dataclass(frozen=True)
class Settings:
    component: str
    amqp_uri: str
    database_url: str
    http_host: str
    http_port: int
    log_format: str
    log_level: str
    context_keys: list = field(default_factory=list)
    rpc_timeout: float = 5.0
    max_workers: int = 10
    outbox_poll_seconds: float = 0.5
    outbox_retention_days: int = 7
    event_max_attempts: int = 5
    event_retry_base_ms: int = 1000
    event_retry_window_seconds: int = 86400
    amqp_heartbeat: int = 60
    gc_threshold: int = 7000

    @property
    def web_server_address(self):
        return f"{self.http_host}:{self.http_port}"

    def nameko_config(self):
        return {
            "AMQP_URI": self.amqp_uri,
            "WEB_SERVER_ADDRESS": self.web_server_address,
            "max_workers": self.max_workers,
            "serializer": "json",
            "HEARTBEAT": self.amqp_heartbeat,
            "NABO_SETTINGS": self,
        }


def broker_urls(amqp_uri):
    """The node URLs of ``AMQP_URI``, in the order they are tried: one URL, or a cluster's nodes separated by
    ``;`` (kombu's failover form, which takes them without spaces)."""
    return [url.strip() for url in amqp_uri.split(";") if url.strip()]


def default_database_url(component):
    data_dir = os.environ.get("NABO_DATA_DIR", os.path.join(os.getcwd(), ".nabo"))
    return f"sqlite:///{os.path.join(data_dir, component + '.db')}"


def load(component, **overrides):
    if component not in COMPONENTS:
        raise ConfigError(f"unknown component {component!r}; expected one of {', '.join(COMPONENTS)}")
    log_format = _env(component, "LOG_FORMAT", "text")
    if log_format not in ("json", "text"):
        raise ConfigError(f"LOG_FORMAT must be json or text, got {log_format!r}")
    values = dict(
        component=component,
        amqp_uri=";".join(broker_urls(_env(component, "AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/"))),
        database_url=_env(component, "DATABASE_URL", default_database_url(component)),
        http_host=_env(component, "HTTP_HOST", "0.0.0.0"),
        http_port=_int(component, "HTTP_PORT", DEFAULT_PORTS[component], minimum=0),
        log_format=log_format,
        log_level=_env(component, "LOG_LEVEL", "INFO").upper(),
        context_keys=parse_keys(_env(component, "NABO_CONTEXT_KEYS", DEV_CONTEXT_KEY), "NABO_CONTEXT_KEYS"),
        rpc_timeout=_float(component, "RPC_TIMEOUT_SECONDS", 5.0, minimum=0.1),
        max_workers=_int(component, "MAX_WORKERS", 10, minimum=1),
        outbox_poll_seconds=_float(component, "OUTBOX_POLL_SECONDS", 0.5, minimum=0.01),
        outbox_retention_days=_int(component, "OUTBOX_RETENTION_DAYS", 7, minimum=1),
        event_max_attempts=_int(component, "EVENT_MAX_ATTEMPTS", 5, minimum=1),
        event_retry_base_ms=_int(component, "EVENT_RETRY_BASE_MS", 1000, minimum=1),
        event_retry_window_seconds=_int(component, "EVENT_RETRY_WINDOW_SECONDS", 86400, minimum=1),
        amqp_heartbeat=_int(component, "AMQP_HEARTBEAT_SECONDS", 60, minimum=1),
        gc_threshold=_int(component, "GC_THRESHOLD", 7000, minimum=100),
    )
    values.update(overrides)
    return Settings(**values)


def from_container(container):
    """The Settings a nameko container was started with (or loaded now)."""
    settings = container.config.get("NABO_SETTINGS")
    if settings is None:
        settings = load(container.service_name)
    return settings
