"""The notifications service: nameko entrypoints only; the work is in ``domain``."""
import logging
import time

from nameko.extensions import DependencyProvider
from nameko.rpc import rpc
from nameko.timer import timer

# registers the events this service publishes
from nabo_common.messaging.handlers import consumer_decorator
from nabo_common.messaging.relay import OutboxRelay
from nabo_common.operations import Operations, OperationsEndpoints
from nabo_common.persistence import db
from nabo_common.persistence.db import Database
from nabo_common.persistence.idempotency import IdempotencyKey
from nabo_common.persistence.retention import GuestRetentionDays
from nabo_common.runtime.settings import ConfigError
from nabo_common.runtime.worker import CallerProvider, Instrumentation
from services.notifications import config as config_mod
from services.notifications.domain import (
    campaigns,
    cancel_links,
    digest,
    dispatch,
    gdpr,
    inbox,
    preferences,
    reactions,
    retention,
    unsubscribe,
    webhooks,
)
from services.notifications.domain.common import idempotent_calls
from services.notifications.mailer import SmtpMailer
from services.notifications.models import OutboxEvent, ProcessedEvent
from services.notifications.pacing import SendPacer
from services.notifications.subscriptions import SUBSCRIPTIONS

log = logging.getLogger(__name__)
consumer = consumer_decorator(SUBSCRIPTIONS, ProcessedEvent)
# one timer tick sends for at most this long, then lets the next tick (and other work) run
DISPATCH_TICK_SECONDS = 10.0


class DeliveryRuntime(DependencyProvider):
    """Settings, the send pacer, when to look for dead workers' rows and SMTP connections for the
    workers."""

    def setup(self):
        try:
            self.config = config_mod.load()
        except ConfigError as exc:
            raise SystemExit(f"nabo: configuration error: {exc}") from None
        self.pacer = SendPacer(self.config.campaign_send_rate, self.config.rate_storage_uri)
        self.stale_recovery = dispatch.StaleRecovery()

    def get_dependency(self, worker_ctx):
        return self

    def mailer(self):
        return SmtpMailer(self.config)


class NotificationsService(OperationsEndpoints):
    name = "notifications"

    db = Database()
    caller = CallerProvider()
    call_key = IdempotencyKey()  # the request's Idempotency-Key, for the creations that must not repeat
    relay = OutboxRelay(OutboxEvent)
    delivery = DeliveryRuntime()
    operations = Operations()
    instrumentation = Instrumentation()
    guest_retention_days = GuestRetentionDays()

    # --- campaigns ----------------------------------------------------------------
    @rpc
    def create_campaign(self, payload):
        return campaigns.create(self.db, self.caller, payload, self.call_key)

    @rpc
    def get_campaign(self, campaign_id):
        return campaigns.get(self.db, self.caller, campaign_id)

    @rpc
    def list_campaigns(self, query):
        return campaigns.list_(self.db, self.caller, query)

    @rpc
    def update_campaign(self, campaign_id, payload):
        return campaigns.update_(
            self.db, self.caller, campaign_id, payload, daily_cap=self.delivery.config.campaign_daily_cap
        )

    @rpc
    def preview_campaign(self, campaign_id):
        return campaigns.preview(self.db, self.caller, campaign_id)

    @rpc
    def send_campaign(self, campaign_id, payload):
        return campaigns.schedule(
            self.db, self.caller, campaign_id, payload, daily_cap=self.delivery.config.campaign_daily_cap
        )

    @rpc
    def cancel_campaign(self, campaign_id):
        return campaigns.cancel(self.db, self.caller, campaign_id)

    @rpc
    def campaign_recipients(self, campaign_id, query):
        return campaigns.recipients(self.db, self.caller, campaign_id, query)

    @rpc
    def record_bounces(self, campaign_id, payload):
        return campaigns.record_bounces(self.db, self.caller, campaign_id, payload)

    # --- preferences, inbox, unsubscribe -------------------------------------------
    @rpc
    def get_preferences(self, person_id):
        return preferences.get(self.db, self.caller, person_id)

    @rpc
    def update_preferences(self, person_id, payload):
        return preferences.update(self.db, self.caller, person_id, payload)

    @rpc
    def list_inbox(self, query):
        return inbox.list_(self.db, self.caller, query)

    @rpc
    def mark_inbox_read(self, item_id):
        return inbox.mark_read(self.db, self.caller, item_id)

    @rpc
    def unsubscribe_page(self, token):
        return unsubscribe.page(self.db, self.delivery.config, token)

    @rpc
    def unsubscribe(self, token):
        result = unsubscribe.withdraw(self.db, self.caller, self.delivery.config, token)
        # the page to show for it, and the language it is in
        result.update(unsubscribe.page(self.db, self.delivery.config, token, done=True))
        return result

    # --- cancel links in registration mail (no sign-in) ---------------------------------------
    @rpc
    def registration_of_cancel_token(self, token):
        return cancel_links.registration_of(self.delivery.config, token)

    @rpc
    def registration_cancel_page(self, token, registration):
        return cancel_links.page(self.delivery.config, token, registration)

    # --- webhooks ----------------------------------------------------------------------
    @rpc
    def create_webhook(self, payload):
        return webhooks.create(self.db, self.caller, self.delivery.config, payload, self.call_key)

    @rpc
    def list_webhooks(self, query):
        return webhooks.list_(self.db, self.caller, query)

    @rpc
    def get_webhook(self, webhook_id):
        return webhooks.get(self.db, self.caller, webhook_id)

    @rpc
    def delete_webhook(self, webhook_id):
        return webhooks.delete(self.db, self.caller, webhook_id)

    @rpc
    def webhook_deliveries(self, webhook_id, query):
        return webhooks.deliveries(self.db, self.caller, webhook_id, query)

    # --- GDPR --------------------------------------------------------------------------
    @rpc
    def export_person(self, person_id):
        return gdpr.export(self.db, self.caller, person_id)

    # --- events from other services (which ones: subscriptions.py) --------------------------
    @consumer
    def on_directory_changed(self, event):
        reactions.react(self.db, event)

    @consumer
    def on_network_activity(self, event):
        reactions.react(self.db, event)

    def registration_alone(self, event, processed):
        """A registration's message in statements committed alone, where it can be (PostgreSQL)."""
        engine = db.statements_alone(self.db)
        if engine is None:
            return False
        with db.alone_sessions(engine)() as session:
            return reactions.on_registration_alone(session, event, self.delivery.config, processed)

    @consumer(alone=registration_alone)
    def on_calendar_activity(self, event):
        reactions.react(self.db, event, self.delivery.config)

    @consumer
    def on_idea_activity(self, event):
        reactions.react(self.db, event)

    @consumer
    def on_person_erased(self, event):
        gdpr.erase(self.db, event["data"]["person_id"])

    # --- background work (every replica runs these; rows are claimed, never shared) ---------
    @timer(interval=0.5)
    def send_email(self):
        config = self.delivery.config
        alone = db.statements_alone(self.db)  # a claim and a message's status changes: one statement each
        deadline = time.monotonic() + DISPATCH_TICK_SECONDS
        while time.monotonic() < deadline:
            rows = dispatch.claim(self.db, dispatch.batch_size(config), config.lease_seconds,
                                  recovery=self.delivery.stale_recovery,
                                  autocommit_engine=alone)
            if not rows:
                return
            dispatch.send_batch(self.db, rows, self.delivery.mailer(), self.delivery.pacer, config,
                                autocommit_engine=alone)

    @timer(interval=1)
    def run_campaigns(self):
        campaigns.start_due(self.db)
        campaigns.complete_finished(self.db)

    @timer(interval=1)
    def send_webhooks(self):
        while webhooks.dispatch(self.db, self.delivery.config):
            pass

    @timer(interval=60)
    def send_digests(self):
        digest.send_due_digests(self.db)

    @timer(interval=3600, eager=True)
    def announce_lapsing_memberships(self):
        digest.notify_lapsing_memberships(self.db)

    # eager: a replica restarted more often than hourly still runs it
    @timer(interval=3600, eager=True)
    def anonymise_past_guests(self):
        retention.anonymise_past_guests(self.db, self.guest_retention_days)

    @timer(interval=3600, eager=True)
    def forget_expired_idempotency_keys(self):
        idempotent_calls.forget_expired(self.db)
