"""Where the gateway keeps Idempotency-Key records: in memory by default, in
Redis when several gateway replicas must share them
(IDEMPOTENCY_STORAGE_URI=redis://...).

A record is first *claimed* (the request is being processed, held for a
lease) and then either *kept* (its answer, until the key expires) or
*released* (the answer is not one to replay). Each claim carries a token of
its own, so a request whose lease ran out cannot overwrite or release the
record of the request that claimed the key after it.
"""

import functools
import json
import time
import uuid

from cachetools import TLRUCache

# records kept by one process at most; the least recently used go first beyond it
MEMORY_RECORDS = 100_000


class StoreUnavailable(Exception):
    """The store could not be reached (Redis down or refusing)."""


def new_token():
    return uuid.uuid4().hex


def _reached(method):
    """Redis's errors as ``StoreUnavailable``, so the gateway answers them without knowing Redis."""

    @functools.wraps(method)
    def call(self, *args, **kwargs):
        import redis

        try:
            return method(self, *args, **kwargs)
        except (redis.RedisError, OSError) as exc:
            raise StoreUnavailable(f"{type(exc).__name__}: {exc}") from exc

    return call


class MemoryStore:
    """One gateway process's records. Green threads switch only at I/O, so each method runs whole."""

    def __init__(self, maxsize=MEMORY_RECORDS, timer=time.time):
        self._records = TLRUCache(
            maxsize=maxsize, ttu=lambda _key, value, _now: value["expires"], timer=timer
        )
        self._timer = timer

    def claim(self, key, record, lease):
        """Store ``record`` under ``key`` unless one is there; None when stored, else the record found."""
        found = self._records.get(key)
        if found is not None:
            return found["record"]
        self._records[key] = {"record": record, "expires": self._timer() + lease}
        return None

    def keep(self, key, record, ttl):
        if self._owned(key, record["token"]):
            self._records[key] = {"record": record, "expires": self._timer() + ttl}

    def release(self, key, token):
        if self._owned(key, token):
            del self._records[key]

    def _owned(self, key, token):
        found = self._records.get(key)
        return found is not None and found["record"]["token"] == token


# compare-and-set and compare-and-delete on the claim's token, each one atomic step in Redis
_KEEP_IF_OWNED = """
local found = redis.call('GET', KEYS[1])
if found and cjson.decode(found)['token'] == ARGV[1] then
  return redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
end
return nil
"""
_RELEASE_IF_OWNED = """
local found = redis.call('GET', KEYS[1])
if found and cjson.decode(found)['token'] == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


class RedisStore:
    """Records shared by every gateway replica; Redis expires them."""

    PREFIX = "nabo:idempotency:"

    def __init__(self, uri):
        import redis

        self._redis = redis.Redis.from_url(uri)
        self._keep = self._redis.register_script(_KEEP_IF_OWNED)
        self._release = self._redis.register_script(_RELEASE_IF_OWNED)

    @_reached
    def claim(self, key, record, lease):
        name = self.PREFIX + key
        if self._redis.set(name, json.dumps(record), nx=True, ex=lease):
            return None
        found = self._redis.get(name)
        # gone between the two calls (expired, released): a retry will claim it
        return json.loads(found) if found is not None else dict(record, token="")

    @_reached
    def keep(self, key, record, ttl):
        self._keep(keys=[self.PREFIX + key], args=[record["token"], json.dumps(record), ttl])

    @_reached
    def release(self, key, token):
        self._release(keys=[self.PREFIX + key], args=[token])


STORAGE_SCHEMES = ("memory://", "redis://", "rediss://", "unix://")


def store_from_uri(uri):
    """The store an IDEMPOTENCY_STORAGE_URI names (checked by the gateway's settings)."""
    return MemoryStore() if uri.startswith("memory://") else RedisStore(uri)
