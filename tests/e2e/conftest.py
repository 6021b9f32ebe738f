import pytest

from tests.support.api import Api, Tenant, platform_admin_token
from tests.support.infra import running_system

E2E_COMPONENTS = ("members", "gateway")


@pytest.fixture(scope="session")
def system(amqp_uri):
    with running_system(amqp_uri, E2E_COMPONENTS) as system:
        yield system


@pytest.fixture(scope="session")
def api(system):
    return Api(system.url("gateway"))


@pytest.fixture(scope="session")
def platform(system, api):
    return api.as_(platform_admin_token(system, api))


@pytest.fixture(scope="session")
def tenant_a(api, platform):
    return Tenant(api, platform, "NL", "nl", "Europe/Amsterdam")


@pytest.fixture(scope="session")
def tenant_b(api, platform):
    return Tenant(api, platform, "DE", "de", "Europe/Berlin")
