import contextlib
import importlib.util
import os

import pytest

from nabo_common.cli import SERVICE_CLASSES
from tests.e2e.session_mail import SINK
from tests.support.api import Api, Tenant, platform_admin_token
from tests.support.infra import environment, free_port, private_vhost, running_system


def _exists(component):
    try:
        return importlib.util.find_spec(SERVICE_CLASSES[component].split(":")[0]) is not None
    except ModuleNotFoundError:
        return False


# every service that exists in the tree, and the gateway
E2E_COMPONENTS = tuple(c for c in ("members", "events", "notifications", "ideas", "gateway") if _exists(c))


@pytest.fixture(scope="session")
def system():
    # a vhost of its own: this system lives for the whole session, and must not
    # answer RPCs meant for the containers of integration tests
    gateway_port = free_port()
    # links in mails point at this session's gateway, so a test can follow them as a mail client would
    os.environ.setdefault("NOTIFICATIONS_PUBLIC_BASE_URL", f"http://127.0.0.1:{gateway_port}")
    with private_vhost("e2e") as amqp_uri, contextlib.ExitStack() as stack:
        # the session's mail goes to its own sink; the setting lasts only while the services start (they
        # read it then), so other tests' mail does not land there
        with environment(NOTIFICATIONS_SMTP_PORT=str(SINK.port)):
            system = stack.enter_context(
                running_system(amqp_uri, E2E_COMPONENTS, {"gateway": {"http_port": gateway_port}})
            )
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
