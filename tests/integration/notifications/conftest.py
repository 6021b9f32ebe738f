# the agreed event types must be registered before the service module is imported
from tests.integration.notifications import agreed_contracts  # noqa: F401,I001
