"""Gateway-only settings, from the environment."""
import os
from dataclasses import dataclass

from limits import parse_many

from gateway.idempotency_store import STORAGE_SCHEMES
from nabo_common.runtime.settings import DEV_JWT_KEY, ConfigError, parse_keys, public_base_url


@dataclass(frozen=True)
class GatewayConfig:
    jwt_keys: list
    token_ttl: int
    oidc_issuer: str | None
    oidc_audience: str | None
    oidc_jwks_url: str | None
    cors_origins: tuple
    rate_limit_storage: str
    idempotency_storage: str
    idempotency_ttl: int
    sign_in_limit: str
    sign_in_ip_limit: str
    write_limit: str
    registration_limit: str
    campaign_send_limit: str
    post_limit: str
    max_body_bytes: int
    trust_forwarded_for: bool
    public_base_url: str


def _int(name, default):
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None


def _positive_int(name, default):
    value = _int(name, default)
    if value < 1:
        raise ConfigError(f"{name} must be at least 1, got {value}")
    return value


def _storage_uri(name):
    raw = os.environ.get(name) or "memory://"
    if not raw.startswith(STORAGE_SCHEMES):
        raise ConfigError(f"{name} must be memory:// or a redis:// address, got {raw!r}")
    return raw


def _rate_limit(name, default):
    """One limit in the ``limits`` notation (20/minute, 10 per hour); checked here so a typo stops the
    start."""
    raw = os.environ.get(name) or default
    try:
        parsed = parse_many(raw)
    except ValueError:
        parsed = []
    if len(parsed) != 1 or parsed[0].amount < 1:
        raise ConfigError(f"{name} must be one rate limit such as 20/minute or 10/hour, got {raw!r}")
    return raw


def load():
    oidc = [os.environ.get(n) or None for n in ("OIDC_ISSUER", "OIDC_AUDIENCE", "OIDC_JWKS_URL")]
    if any(oidc) and not all(oidc):
        raise ConfigError("OIDC_ISSUER, OIDC_AUDIENCE and OIDC_JWKS_URL go together: set all three or none")
    origins = tuple(o.strip() for o in os.environ.get("CORS_ORIGINS", "").split(",") if o.strip())
    return GatewayConfig(
        jwt_keys=parse_keys(os.environ.get("NABO_JWT_KEYS") or DEV_JWT_KEY, "NABO_JWT_KEYS"),
        token_ttl=_int("TOKEN_TTL_SECONDS", 3600),
        oidc_issuer=oidc[0], oidc_audience=oidc[1], oidc_jwks_url=oidc[2],
        cors_origins=origins,
        rate_limit_storage=os.environ.get("RATE_LIMIT_STORAGE_URI", "memory://"),
        idempotency_storage=_storage_uri("IDEMPOTENCY_STORAGE_URI"),
        idempotency_ttl=_positive_int("IDEMPOTENCY_KEY_TTL_SECONDS", 24 * 3600),
        sign_in_limit=_rate_limit("SIGN_IN_RATE_LIMIT", "10/minute"),
        sign_in_ip_limit=_rate_limit("SIGN_IN_IP_RATE_LIMIT", "300/minute"),
        write_limit=_rate_limit("WRITE_RATE_LIMIT", "120/minute"),
        registration_limit=_rate_limit("REGISTRATION_RATE_LIMIT", "20/minute"),
        campaign_send_limit=_rate_limit("CAMPAIGN_SEND_RATE_LIMIT", "10/hour"),
        post_limit=_rate_limit("POST_RATE_LIMIT", "10/minute"),
        max_body_bytes=_int("MAX_BODY_BYTES", 256 * 1024),
        trust_forwarded_for=os.environ.get("TRUST_FORWARDED_FOR", "") in ("1", "true", "yes"),
        public_base_url=public_base_url("gateway"),
    )
