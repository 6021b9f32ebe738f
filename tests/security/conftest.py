"""The security tier runs the whole system in-process, like the end-to-end
tier, and builds one 'world' in association A that B's people attack.

It has its own RabbitMQ vhost: when both tiers run in one pytest session, each
starts its own services, and sharing a vhost would let one tier's gateway
reach the other tier's services (and databases)."""
import uuid

import pytest

from tests.e2e.conftest import E2E_COMPONENTS, api, platform, tenant_a, tenant_b  # noqa: F401
from tests.security.probe import build_world
from tests.support.infra import private_vhost, running_system


@pytest.fixture(scope="session")
def security_amqp_uri():
    with private_vhost("security") as uri:
        yield uri


# every component shares this test process (one core) while the fuzzer runs thousands of requests;
# a 504 from a starved process would be the machine's limit, not the behaviour under test (the
# deadline itself is proven in tests/integration/backbone and the fault suite)
FUZZ_RPC_TIMEOUT = 30.0


@pytest.fixture(scope="session")
def system(security_amqp_uri):
    overrides = {component: {"rpc_timeout": FUZZ_RPC_TIMEOUT} for component in E2E_COMPONENTS}
    with running_system(security_amqp_uri, E2E_COMPONENTS, overrides) as system:
        yield system


@pytest.fixture(scope="session")
def world(api, platform, tenant_a, tenant_b):  # noqa: F811 - the fixtures imported above, requested by name
    return build_world(api, platform, tenant_a, tenant_b)


@pytest.fixture
def random_id():
    return str(uuid.uuid4())
