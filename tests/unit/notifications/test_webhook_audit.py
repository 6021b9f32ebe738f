"""Registering and removing a webhook is announced for the audit trail: where it calls and for what,
never its secret nor the rest of its URL; and no webhook may subscribe to those announcements."""
import pytest
from sqlalchemy import select

from nabo_common.api.errors import ValidationFailed
from services.notifications.domain import webhooks
from services.notifications.models import OutboxEvent
from tests.unit.notifications.conftest import admin_of

SECRET = "a-secret-of-enough-length"


def announced(session, event_type):
    return [row.envelope for row in session.scalars(
        select(OutboxEvent).where(OutboxEvent.event_type == event_type))]


def test_a_webhook_is_announced_by_host_and_event_types_without_its_secret(world, session, config):
    aid = world.association()
    admin = admin_of(aid)
    hook = webhooks.create(session, admin, config, {"url": "https://hooks.test/nabo/private-path?key=1",
                                                    "secret": SECRET, "event_types": ["event.published"]})
    webhooks.delete(session, admin, hook["id"])
    for event_type in ("webhook.created", "webhook.deleted"):
        [envelope] = announced(session, event_type)
        assert envelope["actor_id"] == admin.person_id and envelope["association_id"] == aid
        assert envelope["data"] == {"webhook_id": hook["id"], "association_id": aid, "network_id": None,
                                    "host": "hooks.test", "event_types": ["event.published"]}
        assert SECRET not in str(envelope) and "private-path" not in str(envelope)


def test_the_announcements_cannot_be_subscribed_to(world, session, config):
    with pytest.raises(ValidationFailed):
        webhooks.create(session, admin_of(world.association()), config, {
            "url": "https://hooks.test/nabo", "secret": SECRET, "event_types": ["webhook.created"]})
