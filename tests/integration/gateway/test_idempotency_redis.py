"""The Idempotency-Key store in the real Redis (IDEMPOTENCY_STORAGE_URI=redis://...): the claim,
the kept answer and the release behave as in memory, shared by every gateway replica."""

import os
import time
import uuid
from types import SimpleNamespace

import pytest

from gateway import idempotency
from gateway.idempotency_store import RedisStore, StoreUnavailable, store_from_uri
from nabo_common.api.errors import ServiceUnavailable
from tests.support.infra import free_port

REDIS_URI = os.environ.get("NABO_TEST_REDIS_URI", "redis://127.0.0.1:6379/0")


@pytest.fixture
def store():
    return store_from_uri(REDIS_URI)


def record(token, state="processing"):
    return {"token": token, "fingerprint": "f", "state": state}


def test_the_uri_picks_redis(store):
    assert isinstance(store, RedisStore)


def test_one_replica_claims_a_key_and_another_sees_it_until_released(store):
    key, other_replica = uuid.uuid4().hex, store_from_uri(REDIS_URI)
    assert store.claim(key, record("t1"), lease=60) is None
    assert other_replica.claim(key, record("t2"), lease=60) == record("t1")
    other_replica.release(key, "t2")  # not its claim: nothing happens
    assert store.claim(key, record("t3"), lease=60) == record("t1")
    store.release(key, "t1")
    assert other_replica.claim(key, record("t4"), lease=60) is None


def test_a_kept_answer_replaces_its_claim_and_expires(store):
    key = uuid.uuid4().hex
    store.claim(key, record("t1"), lease=60)
    store.keep(key, record("stale", "done"), ttl=60)
    assert store.claim(key, record("t2"), lease=60)["state"] == "processing"
    store.keep(key, dict(record("t1", "done"), status=201), ttl=1)
    assert store.claim(key, record("t2"), lease=60)["status"] == 201
    time.sleep(1.2)
    assert store.claim(key, record("t3"), lease=60) is None


def test_a_redis_out_of_reach_refuses_keyed_requests_with_503_and_lets_answers_out():
    store = store_from_uri(f"redis://127.0.0.1:{free_port()}/0")
    with pytest.raises(StoreUnavailable):
        store.claim(uuid.uuid4().hex, record("t1"), lease=60)
    rt = SimpleNamespace(
        idempotency=store, config=SimpleNamespace(idempotency_ttl=60, trust_forwarded_for=False)
    )
    request = SimpleNamespace(
        headers={"Idempotency-Key": "k"},
        caller=None,
        remote_addr="127.0.0.1",
        method="POST",
        path="/v1/things",
        query_string=b"",
        get_data=lambda cache: b"{}",
    )
    with pytest.raises(ServiceUnavailable) as refused:
        idempotency.begin(SimpleNamespace(method="POST", idempotent=True), request, rt, worker_ctx=None)
    assert refused.value.headers["Retry-After"]
    # an answer whose key cannot be kept still goes out
    finished = SimpleNamespace(idempotency=("k", record("t1")))
    idempotency.finish(finished, SimpleNamespace(status_code=201, headers={}, get_data=lambda: b"{}"), rt)
