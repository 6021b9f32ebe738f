"""Caller identity carried from the gateway through every RPC and event.

The gateway signs the caller (HMAC, key rotation by ``kid``) and puts the
token into nameko context data under ``nabo_caller``; nameko copies context
data into message headers, so it reaches every downstream RPC and, through
the outbox, every event. Services verify the signature themselves: a call
that reaches the broker with a forged or unsigned context is treated as
anonymous, never as the identity it claims.
"""
import time
import uuid
from dataclasses import asdict, dataclass, field, fields, replace

import jwt
from cachetools import TLRUCache, TTLCache

CONTEXT_KEY = "nabo_caller"
REQUEST_ID_KEY = "nabo_request_id"
LANGUAGE_KEY = "language"
# a POST's Idempotency-Key, scoped to its caller by the gateway, and how many seconds it is kept
IDEMPOTENCY_KEY = "nabo_idempotency_key"
IDEMPOTENCY_TTL = "nabo_idempotency_ttl"
TOKEN_TTL_SECONDS = 300

PLATFORM_ADMIN = "platform_admin"
ASSOCIATION_ADMIN = "association_admin"
MEMBER = "member"
SYSTEM = "system"
LANGUAGES = ("da", "nl", "de", "sv", "en")


@dataclass(frozen=True)
class Caller:
    person_id: str | None = None
    roles: tuple = ()
    # association an association admin administers
    admin_of: tuple = ()
    # associations the person belongs to through organisations' memberships
    member_of: tuple = ()
    organisation_ids: tuple = ()
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    language: str = "en"

    @property
    def authenticated(self):
        return self.person_id is not None or self.is_system

    @property
    def is_platform_admin(self):
        return PLATFORM_ADMIN in self.roles

    @property
    def is_system(self):
        return SYSTEM in self.roles

    @property
    def is_privileged(self):
        return self.is_platform_admin or self.is_system

    def administers(self, association_id):
        return self.is_privileged or (association_id is not None and str(association_id) in self.admin_of)

    def belongs_to(self, association_id):
        """Admin or member of the association (or platform-wide)."""
        return self.administers(association_id) or str(association_id) in self.member_of

    @property
    def visible_associations(self):
        """Associations whose members-only data this caller may read; None means all."""
        if self.is_privileged:
            return None
        return tuple(sorted(set(self.admin_of) | set(self.member_of)))

    def to_claims(self):
        data = asdict(self)
        return {k: list(v) if isinstance(v, tuple) else v for k, v in data.items()}

    @classmethod
    def from_claims(cls, claims):
        def tup(name):
            return tuple(str(v) for v in claims.get(name) or ())

        return cls(
            person_id=claims.get("person_id"),
            roles=tup("roles"),
            admin_of=tup("admin_of"),
            member_of=tup("member_of"),
            organisation_ids=tup("organisation_ids"),
            request_id=claims.get("request_id") or str(uuid.uuid4()),
            language=claims.get("language") or "en",
        )


ANONYMOUS = Caller()


def system_caller(request_id=None):
    return Caller(roles=(SYSTEM,), request_id=request_id or str(uuid.uuid4()))


def sign(caller, keys, ttl=TOKEN_TTL_SECONDS, now=None, with_request_id=True):
    kid, secret = keys[0]
    issued = int(now if now is not None else time.time())
    claims = dict(caller.to_claims(), iat=issued, exp=issued + ttl)
    if not with_request_id:
        del claims["request_id"]
    return jwt.encode(claims, secret, algorithm="HS256", headers={"kid": kid})


# Signing the caller in the gateway and verifying it in a service (PyJWT both) is dear to repeat for the
# same few callers again and again. The request id travels beside the
# token (context data ``nabo_request_id``), so one caller's token serves many requests: the gateway
# signs it anew after half its lifetime, and a service remembers a verified token until it expires.
# A token is its signature: nothing unverified is ever remembered.
REMEMBERED_CALLERS = 10_000
_signed = TTLCache(maxsize=REMEMBERED_CALLERS, ttl=TOKEN_TTL_SECONDS // 2, timer=time.time)
_verified = TLRUCache(maxsize=REMEMBERED_CALLERS, ttu=lambda _key, value, _now: value[1], timer=time.time)
# how long a token verified without its expiry (an event's recorded caller) is remembered
RECORD_MEMORY_SECONDS = 600


def _keys_id(keys):
    return tuple(map(tuple, keys))


# what a shared token says of its caller: everything but the request id (which travels beside it)
_SHARED_FIELDS = tuple(f.name for f in fields(Caller) if f.name != "request_id")


def sign_shared(caller, keys):
    """A token for ``caller`` without its request id, reused for the same caller and keys; it has at
    least half of ``TOKEN_TTL_SECONDS`` left. The request id goes into the context data beside it."""
    said = (getattr(caller, name) for name in _SHARED_FIELDS)
    remembered = (tuple(tuple(v) if isinstance(v, list) else v for v in said), _keys_id(keys))
    token = _signed.get(remembered)
    if token is None:
        token = _signed[remembered] = sign(caller, keys, with_request_id=False)
    return token


def verify(token, keys, verify_expiry=True, request_id=None):
    """Return the Caller inside a signed token, or None if it is not genuine. A token signed without a
    request id (``sign_shared``) gets ``request_id``, the one its call carried beside it."""
    if not token or not isinstance(token, str):
        return None
    remembered = (token, _keys_id(keys), verify_expiry)
    found = _verified.get(remembered)
    if found is None:
        claims = _verify(token, keys, verify_expiry)
        if claims is None:
            return None
        expires = claims.get("exp", 0) if verify_expiry else time.time() + RECORD_MEMORY_SECONDS
        found = _verified[remembered] = (Caller.from_claims(claims), expires, "request_id" in claims)
    caller, _expires, has_request_id = found
    if has_request_id:
        return caller
    return replace(caller, request_id=request_id or str(uuid.uuid4()))


def _verify(token, keys, verify_expiry):
    try:
        kid = jwt.get_unverified_header(token).get("kid")
    except jwt.PyJWTError:
        return None
    secrets = dict(keys)
    if kid not in secrets:
        return None
    try:
        return jwt.decode(token, secrets[kid], algorithms=["HS256"], options={"verify_exp": verify_expiry})
    except jwt.PyJWTError:
        return None
