"""A caller whose deadline runs out while it waits for the broker to confirm its request (a node failing
over, a slow or silent link): it gets its 504 at the deadline, and the calls after it are answered."""
import eventlet
import pytest
from nameko.containers import ServiceContainer
from nameko.testing.services import entrypoint_hook

from nabo_common.runtime import settings
from tests.integration.backbone.test_rpc_and_context import Caller
from tests.support.infra import free_port
from tests.support.proxy import TcpProxy

DEADLINE = 1.0  # Caller's


@pytest.fixture
def caller_behind_a_proxy(amqp_uri):
    """The caller reaching the broker through a proxy a test can freeze; the probe reaches it directly."""
    proxy = TcpProxy()
    config = settings.load(
        "gateway", amqp_uri=proxy.uri(amqp_uri), http_host="127.0.0.1", http_port=free_port()
    ).nameko_config()
    container = ServiceContainer(Caller, config)
    container.start()
    try:
        yield container, proxy
    finally:
        proxy.thaw()
        container.kill()
        proxy.close()


def answer_or_still_waiting(call):
    """What the call returned, or that it was still waiting 5 s past its deadline."""
    try:
        with eventlet.Timeout(DEADLINE + 5):
            return call(0.01)
    except eventlet.Timeout:
        return "still waiting"


# how much of the confirm reaches the caller before the link stops: none of it, its frame's header, the
# header and part of the frame's body
@pytest.mark.parametrize("passed", [0, 7, 10])
def test_a_deadline_that_runs_out_in_the_confirm_wait_leaves_the_caller_usable(
        start_probe, caller_behind_a_proxy, passed):
    start_probe()
    container, proxy = caller_behind_a_proxy
    # called in the caller's process: only its request, the confirm and the reply pass the proxy
    with entrypoint_hook(container, "call_probe_sleep") as call_probe_sleep:
        assert call_probe_sleep(0.01) == "done"
        proxy.freeze_within_next_answer(passed)  # the request is written; the confirm held, whole or cut
        answer = answer_or_still_waiting(call_probe_sleep)
        assert answer.startswith("timeout:"), answer
        proxy.thaw()
        assert [call_probe_sleep(0.01) for _ in range(5)] == ["done"] * 5
