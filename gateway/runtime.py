"""The gateway's settings and what is built from them once per process: the
rate-limit counters, the Idempotency-Key records and, with an OIDC issuer, the token verifier."""
from gateway import config as config_mod
from gateway.idempotency_store import store_from_uri
from gateway.ratelimit import RateLimits

_runtime = None


class Runtime:
    def __init__(self):
        self.config = config_mod.load()
        self.limits = RateLimits(self.config.rate_limit_storage)
        self.idempotency = store_from_uri(self.config.idempotency_storage)
        self.oidc = None
        if self.config.oidc_issuer:
            from gateway.tokens import OidcVerifier

            self.oidc = OidcVerifier(self.config.oidc_issuer, self.config.oidc_audience,
                                     self.config.oidc_jwks_url)


def runtime():
    global _runtime
    if _runtime is None:
        _runtime = Runtime()
    return _runtime


def reset_runtime():
    global _runtime
    _runtime = None
