"""Rate-limit counters in the real Redis (RATE_LIMIT_STORAGE_URI=redis://...): shared by every gateway
replica, and refused as 503 with Retry-After when Redis cannot be reached."""
import os
import uuid

import pytest

from gateway.ratelimit import LimitsUnavailable, RateLimits
from tests.support.infra import free_port

REDIS_URI = os.environ.get("NABO_TEST_RATE_LIMIT_REDIS_URI", "redis://127.0.0.1:6379/13")


def test_two_replicas_count_one_client_together():
    replicas = [RateLimits(REDIS_URI), RateLimits(REDIS_URI)]
    client = f"client:{uuid.uuid4().hex}"
    allowed = [replicas[n % 2].hit("5/minute", "write_limit", client)[0] for n in range(8)]
    assert allowed == [True] * 5 + [False] * 3


def test_a_redis_out_of_reach_is_a_503_with_retry_after():
    limits = RateLimits(f"redis://127.0.0.1:{free_port()}/13")
    with pytest.raises(LimitsUnavailable) as refused:
        limits.hit("5/minute", "write_limit", "client:x")
    assert refused.value.status == 503 and refused.value.headers["Retry-After"]
