import pytest

from tests.integration.notifications.support import Database, Publisher
from tests.support.infra import running_system


@pytest.fixture
def notifications(amqp_uri, smtp_sink, monkeypatch):
    """The notifications service on its own database, sending to the test's SMTP server."""
    for name, value in {
        "SMTP_PORT": str(smtp_sink.port),
        "DELIVERY_RETRY_BASE_SECONDS": "0.3",
        "PUBLIC_BASE_URL": "https://nabo.test",
        "CAMPAIGN_SEND_RATE": "100",
        "DELIVERY_LEASE_SECONDS": "5",
        "NABO_WEBHOOK_KEYS": "w1:integration-webhook-key-1",
    }.items():
        monkeypatch.setenv(f"NOTIFICATIONS_{name}", value)
    with running_system(amqp_uri, ["notifications"]) as system:
        database = Database(system.settings["notifications"].database_url)
        publisher = Publisher(amqp_uri)
        yield system, database, publisher
        publisher.close()
        database.close()
