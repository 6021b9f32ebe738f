"""Rate limits shared by gateway replicas through Redis (RATE_LIMIT_STORAGE_URI=redis://..., as the
production overlay sets): a client whose requests are spread over two replicas gets exactly its limit,
and when Redis cannot be reached the limited routes answer 503 with Retry-After (closed, never a 500),
before any service is asked, while the others serve (docs/security.md, "Rate limits")."""
import itertools
import os
import uuid
from collections import Counter

import pytest
import requests

from tests.faults.conftest import record
from tests.faults.ledger import outcome_of
from tests.support.infra import free_port

# a database of its own on the machine's Redis
REDIS_URI = os.environ.get("NABO_TEST_RATE_LIMIT_REDIS_URI", "redis://127.0.0.1:6379/13")
SIGN_IN_LIMIT = 10  # production's SIGN_IN_RATE_LIMIT, the default (gateway/config.py): 10/minute


@pytest.fixture
def replicas(cluster):
    """Two more gateway replicas sharing their counters in Redis; stopped afterwards."""
    started = [cluster.start("gateway", settings={"RATE_LIMIT_STORAGE_URI": REDIS_URI}) for _ in range(2)]
    yield started
    for process in started:
        process.stop()
    cluster.scale_down("gateway", keep=1)


def sign_in_outcomes(urls, attempts, address):
    """A client guessing one account's password from ``address``, its requests alternating over ``urls``."""
    email = f"guessed-{uuid.uuid4().hex[:8]}@faults.test"
    got = []
    for url in itertools.islice(itertools.cycle(urls), attempts):
        r = requests.post(f"{url}/v1/auth/token", json={"email": email, "password": "wrong-guess-1"},
                          headers={"X-Forwarded-For": address}, timeout=30)
        got.append(outcome_of(r) + (" Retry-After" if r.status_code == 429 and r.headers.get("Retry-After")
                                    else ""))
    return got


def test_a_client_spread_over_two_replicas_gets_exactly_its_limit(replicas):
    got = sign_in_outcomes([p.url for p in replicas], SIGN_IN_LIMIT + 6, "198.51.100.7")
    record("l1. sign-in guesses of one client alternating over two gateway replicas (limits in Redis)",
           requests=len(got), lost=0, duplicated=0, answers=dict(Counter(got)))
    assert got == ["401"] * SIGN_IN_LIMIT + ["429 Retry-After"] * 6


def test_without_redis_limited_routes_refuse_with_503_and_the_others_serve(cluster):
    event_id = str(uuid.uuid4())  # the limits are counted before any service is asked
    nowhere = f"redis://127.0.0.1:{free_port()}/13"  # nothing listens there
    blind = cluster.start("gateway", settings={"RATE_LIMIT_STORAGE_URI": nowhere})
    try:
        guest = requests.post(f"{blind.url}/v1/events/{event_id}/registrations",
                              json={"name": "Guest", "email": f"g-{uuid.uuid4().hex[:6]}@faults.test",
                                    "language": "en"},
                              headers={"X-Forwarded-For": "198.51.100.8"}, timeout=30)
        sign_in = sign_in_outcomes([blind.url], 1, "198.51.100.9")
        read = requests.get(f"{blind.url}/v1/events/{event_id}", timeout=30)
    finally:
        blind.stop()
        cluster.scale_down("gateway", keep=1)
    answers = Counter([outcome_of(guest), *sign_in, str(read.status_code)])
    record("l2. the rate-limit Redis out of reach: a guest registration, a sign-in, a read", requests=3,
           lost=0, duplicated=0, answers=dict(answers))
    assert outcome_of(guest) == "503 Retry-After", guest.text  # limited after authentication
    assert guest.headers["content-type"].startswith("application/problem+json")
    assert sign_in == ["503 Retry-After"]  # limited before authentication
    assert read.status_code == 404  # no limit to count: served (the event does not exist)
