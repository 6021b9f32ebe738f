"""Access tokens: nabo's own signed JWTs (HS256, key rotation by kid) and,
when configured, tokens of an external OIDC issuer verified against its JWKS."""
import time

import jwt
from cachetools import TLRUCache

from nabo_common.i18n.catalogues import N_

ISSUER = "nabo"
AUDIENCE = "nabo-api"
CLAIM_KEYS = ("person_id", "roles", "admin_of", "member_of", "organisation_ids", "language")
# Verifying a token (header, signature, claims) is a large share of the gateway's work per request,
# for the same few tokens again and again. A verified token is remembered with the keys that verified
# it, until its own expiry; a token is its signature, so nothing unverified can hit the cache.
VERIFIED_TOKENS = 10_000
_verified = TLRUCache(
    maxsize=VERIFIED_TOKENS, ttu=lambda _key, claims, _now: claims.get("exp", 0), timer=time.time
)


class InvalidToken(Exception):
    pass


def issue(claims, keys, ttl, now=None):
    kid, secret = keys[0]
    issued = int(now if now is not None else time.time())
    payload = {k: claims.get(k) for k in CLAIM_KEYS}
    payload.update(sub=claims["person_id"], iss=ISSUER, aud=AUDIENCE, iat=issued, exp=issued + ttl)
    return jwt.encode(payload, secret, algorithm="HS256", headers={"kid": kid})


def verify(token, keys):
    remembered = (token, tuple(map(tuple, keys)))
    claims = _verified.get(remembered)
    if claims is None:
        claims = _verify(token, keys)
        _verified[remembered] = claims
    # a copy down to the lists: what a caller does with its claims must not change the remembered ones
    return {key: list(value) if isinstance(value, list) else value for key, value in claims.items()}


def _verify(token, keys):
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise InvalidToken("The token is not a JWT.") from None
    secrets = dict(keys)
    if header.get("alg") != "HS256" or header.get("kid") not in secrets:
        raise InvalidToken("The token was not issued here.")
    try:
        claims = jwt.decode(
            token, secrets[header["kid"]], algorithms=["HS256"], audience=AUDIENCE, issuer=ISSUER
        )
    except jwt.ExpiredSignatureError:
        raise InvalidToken("The token has expired; sign in again.") from None
    except jwt.PyJWTError:
        raise InvalidToken("The token is invalid.") from None
    return claims


def is_own(token, keys):
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        return False
    return header.get("alg") == "HS256" and header.get("kid") in dict(keys)


class OidcVerifier:
    """Verifies tokens of an external OpenID Connect issuer and returns the e-mail."""

    def __init__(self, issuer, audience, jwks_url):
        self.issuer = issuer
        self.audience = audience
        self.jwks = jwt.PyJWKClient(jwks_url, cache_keys=True, lifespan=3600, timeout=5)

    def email_of(self, token):
        try:
            key = self.jwks.get_signing_key_from_jwt(token)
            claims = jwt.decode(
                token,
                key.key,
                algorithms=["RS256", "ES256", "PS256"],
                audience=self.audience,
                issuer=self.issuer,
            )
        except jwt.PyJWTError as exc:
            raise InvalidToken(N_("The token is invalid: {reason}").format(reason=exc)) from None
        email = claims.get("email")
        if not email or claims.get("email_verified") is False:
            raise InvalidToken("The token carries no verified e-mail.")
        return email
