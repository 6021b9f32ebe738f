"""The gateway's Idempotency-Key: parsing the header, scoping keys to their
caller, and the in-memory store's claims, kept answers and expiry."""

from types import SimpleNamespace

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request, Response

from gateway import idempotency
from gateway.idempotency_store import MemoryStore
from nabo_common.api.errors import BadInput
from nabo_common.persistence.idempotency import SCOPED_KEY_RE
from nabo_common.runtime.context import IDEMPOTENCY_KEY, IDEMPOTENCY_TTL, Caller

CONFIG = SimpleNamespace(trust_forwarded_for=False)


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def request(remote_addr="198.51.100.7", body=b'{"a": 1}', query="", content_type="application/json"):
    environ = EnvironBuilder(
        method="POST",
        path="/v1/things",
        data=body,
        content_type=content_type,
        query_string=query,
        environ_base={"REMOTE_ADDR": remote_addr},
    ).get_environ()
    return Request(environ)


@pytest.mark.parametrize(
    "raw, key",
    [
        ("abc-123", "abc-123"),
        ('"8e03978e-40d5"', "8e03978e-40d5"),
        ('"say \\"hi\\""', 'say "hi"'),
        (" spaced ", "spaced"),
    ],
)
def test_a_key_is_an_sf_string_or_bare_text(raw, key):
    assert idempotency.parse_key(raw) == key


@pytest.mark.parametrize("raw", ["", "  ", '""', "x" * 256, "caf\u00e9", "tab\tbed", "new\nline"])
def test_a_malformed_key_is_bad_input(raw):
    with pytest.raises(BadInput):
        idempotency.parse_key(raw)


def test_keys_are_scoped_to_the_signed_in_person_else_the_client_address():
    alice, bob = Caller(person_id="p-alice"), Caller(person_id="p-bob")
    same_address = request()
    assert idempotency.scope_of(alice, same_address, CONFIG) == "person:p-alice"
    assert idempotency.scope_of(None, same_address, CONFIG) == "client:198.51.100.7"
    assert idempotency.scope_of(Caller(), request("203.0.113.9"), CONFIG) == "client:203.0.113.9"
    keys = {
        idempotency.scoped_key(idempotency.scope_of(caller, same_address, CONFIG), "POST", "/v1/x", "k")
        for caller in (alice, bob, None)
    }
    assert len(keys) == 3
    assert idempotency.scoped_key("person:p-alice", "POST", "/v1/x", "k") != idempotency.scoped_key(
        "person:p-alice", "POST", "/v1/y", "k"
    )


def test_the_fingerprint_covers_body_and_query():
    assert idempotency.fingerprint(request()) == idempotency.fingerprint(request())
    assert idempotency.fingerprint(request(body=b'{"a": 2}')) != idempotency.fingerprint(request())
    assert idempotency.fingerprint(request(query="x=1")) != idempotency.fingerprint(request())


def test_the_same_json_in_another_order_or_spacing_is_the_same_request():
    first = request(body=b'{"name": "Anne Holm", "email": "anne@example.dk"}', query="a=1&b=2")
    again = request(body=b'{"email":"anne@example.dk","name":"Anne Holm"}', query="b=2&a=1")
    assert idempotency.fingerprint(first) == idempotency.fingerprint(again)
    other = request(body=b'{"email":"anne@example.dk","name":"Anne Holm Jensen"}', query="b=2&a=1")
    assert idempotency.fingerprint(other) != idempotency.fingerprint(first)
    # a body that is not JSON is compared as it came
    assert idempotency.fingerprint(request(body=b"a;b", content_type="text/csv")) != idempotency.fingerprint(
        request(body=b"b;a", content_type="text/csv"))


def test_a_claimed_key_is_found_until_released_or_its_lease_ends():
    clock = Clock()
    store = MemoryStore(timer=clock)
    record = {"token": "t1", "fingerprint": "f", "state": "processing"}
    assert store.claim("k", record, lease=60) is None
    assert store.claim("k", dict(record, token="t2"), lease=60) == record
    store.release("k", "not-mine")
    assert store.claim("k", dict(record, token="t2"), lease=60) == record
    store.release("k", "t1")
    assert store.claim("k", dict(record, token="t3"), lease=60) is None
    clock.now += 61
    assert store.claim("k", dict(record, token="t4"), lease=60) is None


def test_a_kept_answer_lasts_its_ttl_and_only_its_claimer_keeps_it():
    clock = Clock()
    store = MemoryStore(timer=clock)
    store.claim("k", {"token": "t1", "fingerprint": "f", "state": "processing"}, lease=60)
    store.keep("k", {"token": "stale", "state": "done"}, ttl=3600)
    assert store.claim("k", {"token": "t2"}, lease=60)["state"] == "processing"
    store.keep("k", {"token": "t1", "fingerprint": "f", "state": "done"}, ttl=3600)
    clock.now += 3599
    assert store.claim("k", {"token": "t2"}, lease=60)["state"] == "done"
    clock.now += 2
    assert store.claim("k", {"token": "t2"}, lease=60) is None


def _finished(status, headers=None):
    store = MemoryStore()
    rt = SimpleNamespace(idempotency=store, config=SimpleNamespace(idempotency_ttl=60))
    record = {"token": "t1", "fingerprint": "f", "state": "processing"}
    store.claim("k", record, lease=60)
    req = SimpleNamespace(idempotency=("k", record))
    idempotency.finish(
        req, Response(b'{"id": "r1"}', status=status, headers=headers, content_type="application/json"), rt
    )
    return store.claim("k", {"token": "t2"}, lease=60)


@pytest.mark.parametrize("status", [200, 201, 204, 404, 409, 422])
def test_the_work_s_outcome_is_kept_and_replayed(status):
    kept = _finished(status, headers={"Location": "/v1/r/1", "X-Request-ID": "first"})
    replayed = idempotency.replay(kept)
    assert replayed.status_code == status and replayed.get_data() == b'{"id": "r1"}'
    assert replayed.headers["Location"] == "/v1/r/1" and replayed.mimetype == "application/json"
    assert "X-Request-ID" not in replayed.headers and replayed.headers["Idempotent-Replayed"] == "true"


def test_a_replay_says_the_language_its_first_answer_was_written_in():
    replayed = idempotency.replay(_finished(201, headers={"Content-Language": "da"}))
    assert replayed.headers["Content-Language"] == "da"


@pytest.mark.parametrize("status", [429, 500, 503, 504])
def test_an_answer_that_may_not_reflect_the_work_frees_the_key(status):
    assert _finished(status) is None


def test_every_post_but_signing_in_documents_the_key_and_its_answers():
    import gateway.service  # noqa: F401  (declares every route)
    from gateway import openapi

    posts = {path: ops["post"] for path, ops in openapi.build()["paths"].items() if "post" in ops}
    keyed = {
        path
        for path, op in posts.items()
        if any(p["in"] == "header" and p["name"] == "Idempotency-Key" for p in op.get("parameters", []))
    }
    assert set(posts) - keyed == {"/v1/auth/token"}
    for path in keyed:
        responses = posts[path]["responses"]
        assert "Idempotency-Key" in responses["409"]["description"], path
        assert "Idempotency-Key" in responses["422"]["description"], path


def test_the_settings_default_to_memory_and_a_day(monkeypatch):
    from gateway import config as config_mod

    monkeypatch.delenv("IDEMPOTENCY_STORAGE_URI", raising=False)
    monkeypatch.delenv("IDEMPOTENCY_KEY_TTL_SECONDS", raising=False)
    config = config_mod.load()
    assert (config.idempotency_storage, config.idempotency_ttl) == ("memory://", 86400)
    monkeypatch.setenv("IDEMPOTENCY_STORAGE_URI", "redis://127.0.0.1:6379/1")
    monkeypatch.setenv("IDEMPOTENCY_KEY_TTL_SECONDS", "600")
    config = config_mod.load()
    assert (config.idempotency_storage, config.idempotency_ttl) == ("redis://127.0.0.1:6379/1", 600)


@pytest.mark.parametrize(
    "name, value",
    [
        ("IDEMPOTENCY_STORAGE_URI", "memcached://cache:11211"),
        ("IDEMPOTENCY_KEY_TTL_SECONDS", "0"),
        ("IDEMPOTENCY_KEY_TTL_SECONDS", "a day"),
    ],
)
def test_a_bad_setting_fails_with_the_variable_named(monkeypatch, name, value):
    from gateway import config as config_mod
    from nabo_common.runtime.settings import ConfigError

    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=name):
        config_mod.load()


def test_a_post_without_a_key_gets_one_of_its_own_for_the_services():
    """A request the broker delivers twice (its first run's acknowledgement lost in a crash) is then
    answered as its first run was by the service's record of the key, not refused as its own duplicate."""
    post = SimpleNamespace(method="POST", idempotent=True)
    contexts = [{}, {}]
    for data in contexts:
        worker_ctx = SimpleNamespace(data=data)
        assert idempotency.begin(post, request(), SimpleNamespace(config=CONFIG), worker_ctx) is None
    keys = [data[IDEMPOTENCY_KEY] for data in contexts]
    assert all(SCOPED_KEY_RE.match(key) for key in keys) and keys[0] != keys[1]
    assert contexts[0][IDEMPOTENCY_TTL] == idempotency.OWN_KEY_TTL_SECONDS
    read = {}
    idempotency.begin(
        SimpleNamespace(method="GET", idempotent=True), request(), SimpleNamespace(config=CONFIG),
        SimpleNamespace(data=read),
    )
    assert read == {}
