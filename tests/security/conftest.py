"""The security tier runs the whole system in-process, like the end-to-end
tier, and builds one 'world' in association A that B's people attack."""
import uuid

import pytest

from tests.e2e.conftest import api, platform, system, tenant_a, tenant_b  # noqa: F401
from tests.security.probe import build_world


@pytest.fixture(scope="session")
def world(api, platform, tenant_a, tenant_b):
    return build_world(api, platform, tenant_a, tenant_b)


@pytest.fixture
def random_id():
    return str(uuid.uuid4())
