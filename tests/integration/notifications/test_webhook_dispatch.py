"""The webhook dispatcher on PostgreSQL holds no lock while a receiver answers: the deliveries it is
posting can be written meanwhile (an admin's change, another replica's bookkeeping), and each
outcome is recorded after the POST, retried with the delivery backoff."""
import types
from datetime import timedelta

from sqlalchemy import insert, select, text

from nabo_common.messaging.outbox import utcnow
from services.notifications import config as config_mod
from services.notifications.domain import webhooks
from services.notifications.domain.common import delivery_retries
from services.notifications.models import Webhook, WebhookDelivery
from tests.integration.notifications.support import new_id
from tests.support.infra import database_sessions


class WritingReceiver:
    """Answers each POST after another connection has written the delivery being posted."""

    def __init__(self, engine, statuses):
        self.engine = engine
        self.statuses = list(statuses)
        self.written = []

    def post(self, url, data, headers, timeout, allow_redirects):
        cause_id = headers["X-Nabo-Delivery"].split(":", 1)[1]
        with self.engine.begin() as connection:
            connection.execute(text("SET LOCAL lock_timeout = '200ms'"))  # fails rather than waits
            self.written.append(connection.execute(
                text("UPDATE webhook_deliveries SET response_status = 299 WHERE cause_id = :cause"),
                {"cause": cause_id}).rowcount)
        return types.SimpleNamespace(status_code=self.statuses.pop(0))


def _webhook(session, config):
    secret = webhooks.cipher(config.webhook_keys).encrypt(b"receiver-secret").decode()
    hook = Webhook(association_id=new_id(), url="http://receiver.invalid/hook",
                   event_types=["event.published"], secret_encrypted=secret)
    session.add(hook)
    session.flush()
    return hook


def test_deliveries_being_posted_are_not_locked_and_outcomes_follow_the_post():
    config = config_mod.load()
    with database_sessions("notifications") as sessions:
        session = sessions()
        engine = session.get_bind()
        with session.begin():
            hook = _webhook(session, config)
            now = utcnow()
            session.execute(insert(WebhookDelivery), [
                {"webhook_id": hook.id, "cause_id": cause, "event_type": "event.published", "body": "{}",
                 "status": "queued", "attempts": 0, "next_attempt_at": now, "created_at": now}
                for cause in ("cause-1", "cause-2")])
        receiver = WritingReceiver(engine, [204, 503])

        started = utcnow()
        assert webhooks.dispatch(session, config, http=receiver) == 2

        assert receiver.written == [1, 1]
        with session.begin():
            sent, failed = session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.cause_id)).all()
        assert (sent.status, sent.attempts, sent.response_status) == ("sent", 1, 204)
        assert (failed.status, failed.attempts, failed.response_status) == ("queued", 1, 503)
        delay = delivery_retries(config, webhooks.MAX_ATTEMPTS).delay(1)
        assert started + delay <= failed.next_attempt_at <= utcnow() + delay
        assert webhooks.dispatch(session, config, http=receiver) == 0  # waits for its backoff
        session.close()


def test_a_delivery_is_given_up_after_its_attempts():
    config = config_mod.load()
    with database_sessions("notifications") as sessions:
        session = sessions()
        with session.begin():
            hook = _webhook(session, config)
            session.add(WebhookDelivery(webhook_id=hook.id, cause_id="cause", event_type="event.published",
                                        body="{}", attempts=webhooks.MAX_ATTEMPTS - 1,
                                        next_attempt_at=utcnow() - timedelta(seconds=1)))
        receiver = WritingReceiver(session.get_bind(), [500])
        assert webhooks.dispatch(session, config, http=receiver) == 1
        with session.begin():
            delivery = session.scalar(select(WebhookDelivery))
            outcome = (delivery.status, delivery.attempts, delivery.last_error)
            assert outcome == ("failed", webhooks.MAX_ATTEMPTS, "HTTP 500")
        session.close()
