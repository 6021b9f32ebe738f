"""The members service: nameko entrypoints only; the work is in ``domain``."""
from nameko.extensions import DependencyProvider
from nameko.rpc import rpc
from nameko.timer import timer

# registers the events this service publishes
from nabo_common.messaging.handlers import consumer_decorator
from nabo_common.messaging.relay import OutboxRelay
from nabo_common.operations import Operations, OperationsEndpoints
from nabo_common.persistence.db import Database
from nabo_common.persistence.idempotency import IdempotencyKey
from nabo_common.runtime.context import system_caller
from nabo_common.runtime.settings import ConfigError, _int
from nabo_common.runtime.worker import CallerProvider, Instrumentation
from services.members.domain import (
    accounts,
    associations,
    audit,
    calendar_tokens,
    gdpr,
    matchmaking,
    member_import,
    memberships,
    offers,
    organisations,
    persons,
    themes,
)
from services.members.domain.common import idempotent_calls
from services.members.domain.conversations import moderation, opportunities, pages, posts, threads
from services.members.domain.networks import directory, dormancy, joining, lifecycle, owners, roster
from services.members.models import OutboxEvent, ProcessedEvent
from services.members.subscriptions import SUBSCRIPTIONS

consumer = consumer_decorator(SUBSCRIPTIONS, ProcessedEvent)


class ConversationSettings(DependencyProvider):
    """When a quiet network's conveners are asked and when it is marked dormant, and how long hidden posts
    keep their text (docs/configuration.md); read at start, a bad value stops the service naming it."""

    def setup(self):
        try:
            self.dormant_after_days = _int("members", "NETWORK_DORMANT_AFTER_DAYS",
                                           dormancy.DEFAULT_AFTER_DAYS, 1)
            self.dormancy_notice_days = _int("members", "NETWORK_DORMANCY_NOTICE_DAYS",
                                             dormancy.DEFAULT_NOTICE_DAYS, 0)
            self.hidden_post_retention_days = _int("members", "HIDDEN_POST_RETENTION_DAYS",
                                                   moderation.DEFAULT_HIDDEN_POST_RETENTION_DAYS, 1)
        except ConfigError as exc:
            raise SystemExit(f"nabo: configuration error: {exc}") from None

    def get_dependency(self, worker_ctx):
        return self


class MembersService(OperationsEndpoints):
    name = "members"

    db = Database()
    read_db = Database(read_only=True)  # the hot reads: no transaction around them
    caller = CallerProvider()
    call_key = IdempotencyKey()  # the request's Idempotency-Key, for the creations that must not repeat
    relay = OutboxRelay(OutboxEvent)
    operations = Operations()
    instrumentation = Instrumentation()
    conversation_settings = ConversationSettings()

    # --- auth ---------------------------------------------------------------
    @rpc
    def authenticate(self, payload):
        return accounts.authenticate(self.db, payload)

    @rpc
    def claims_for_email(self, email):
        return accounts.claims_for_email(self.db, email)

    @rpc
    def claims_for_person(self, person_id):
        return accounts.claims_for_person(self.db, person_id)

    # --- calendar feed tokens -------------------------------------------------
    @rpc
    def issue_calendar_token(self):
        return calendar_tokens.issue(self.db, self.caller)

    @rpc
    def calendar_token_state(self):
        return calendar_tokens.state(self.db, self.caller)

    @rpc
    def revoke_calendar_token(self):
        return calendar_tokens.revoke(self.db, self.caller)

    @rpc
    def claims_for_calendar_token(self, token):
        return calendar_tokens.claims_for_token(self.db, token)

    # --- associations -------------------------------------------------------
    @rpc
    def create_association(self, payload):
        return associations.create(self.db, self.caller, payload)

    @rpc
    def get_association(self, association_id):
        return associations.get(self.db, self.caller, association_id)

    @rpc
    def list_associations(self, query):
        return associations.list_(self.db, self.caller, query)

    @rpc
    def update_association(self, association_id, payload):
        return associations.update(self.db, self.caller, association_id, payload)

    # --- organisations ------------------------------------------------------
    @rpc
    def create_organisation(self, payload):
        return organisations.create(self.db, self.caller, payload, self.call_key)

    @rpc
    def get_organisation(self, organisation_id):
        return organisations.get(self.read_db, self.caller, organisation_id)

    @rpc
    def update_organisation(self, organisation_id, payload):
        return organisations.update(self.db, self.caller, organisation_id, payload)

    @rpc
    def search_organisations(self, query):
        return organisations.search(self.read_db, self.caller, query)

    # --- memberships --------------------------------------------------------
    @rpc
    def import_members(self, association_id, payload, query):
        return member_import.import_members(self.db, self.caller, association_id, payload, query)

    @rpc
    def create_membership(self, payload):
        return memberships.create(self.db, self.caller, payload)

    @rpc
    def get_membership(self, membership_id):
        return memberships.get(self.db, self.caller, membership_id)

    @rpc
    def update_membership(self, membership_id, payload):
        return memberships.update(self.db, self.caller, membership_id, payload)

    @rpc
    def transition_membership(self, membership_id, payload):
        return memberships.transition(self.db, self.caller, membership_id, payload)

    @rpc
    def renew_membership(self, membership_id, payload):
        return memberships.renew(self.db, self.caller, membership_id, payload)

    @rpc
    def search_memberships(self, query):
        return memberships.search(self.db, self.caller, query)

    # --- persons, consents, GDPR ---------------------------------------------
    @rpc
    def create_person(self, payload):
        return persons.create(self.db, self.caller, payload)

    @rpc
    def get_person(self, person_id):
        return persons.get(self.db, self.caller, person_id)

    @rpc
    def update_person(self, person_id, payload):
        return persons.update(self.db, self.caller, person_id, payload)

    @rpc
    def grant_person_role(self, person_id, payload):
        return persons.grant_role(self.db, self.caller, person_id, payload)

    @rpc
    def search_persons(self, query):
        return persons.search(self.db, self.caller, query)

    @rpc
    def get_consents(self, person_id):
        return persons.consents(self.db, self.caller, person_id)

    @rpc
    def record_consent(self, person_id, payload):
        return persons.record_consent(self.db, self.caller, person_id, payload)

    @rpc
    def export_person(self, person_id):
        return gdpr.export(self.db, self.caller, person_id)

    @rpc
    def erase_person(self, person_id):
        return gdpr.erase(self.db, self.caller, person_id)

    # --- themes -----------------------------------------------------------------
    @rpc
    def list_themes(self, query):
        return themes.list_(self.db, self.caller, query)

    @rpc
    def get_theme(self, theme_id):
        return themes.get(self.db, self.caller, theme_id)

    @rpc
    def create_theme(self, payload):
        return themes.create(self.db, self.caller, payload)

    @rpc
    def update_theme(self, theme_id, payload):
        return themes.update(self.db, self.caller, theme_id, payload)

    @rpc
    def transition_theme(self, theme_id, payload):
        return themes.transition(self.db, self.caller, theme_id, payload)

    @rpc
    def merge_theme(self, theme_id, payload):
        return themes.merge(self.db, self.caller, theme_id, payload)

    # --- offers and needs -----------------------------------------------------------
    @rpc
    def list_offers_and_needs(self, organisation_id, query):
        return offers.list_for_organisation(self.db, self.caller, organisation_id, query)

    @rpc
    def search_offers_and_needs(self, query):
        return offers.search(self.db, self.caller, query)

    @rpc
    def create_offer_or_need(self, organisation_id, payload):
        return offers.create(self.db, self.caller, organisation_id, payload, self.call_key)

    @rpc
    def update_offer_or_need(self, organisation_id, item_id, payload):
        return offers.update(self.db, self.caller, organisation_id, item_id, payload)

    @rpc
    def delete_offer_or_need(self, organisation_id, item_id):
        return offers.delete(self.db, self.caller, organisation_id, item_id)

    # --- matchmaking ----------------------------------------------------------------
    @rpc
    def suggest_matches(self, organisation_id, query):
        return matchmaking.suggest(self.db, self.caller, organisation_id, query)

    @rpc
    def decide_match(self, organisation_id, candidate_id, payload):
        return matchmaking.decide(self.db, self.caller, organisation_id, candidate_id, payload)

    @rpc
    def introduce_match(self, organisation_id, candidate_id, payload):
        return matchmaking.introduce(self.db, self.caller, organisation_id, candidate_id, payload)

    # --- networks -------------------------------------------------------------------
    @rpc
    def create_network(self, payload):
        return lifecycle.create(self.db, self.caller, payload, self.call_key)

    @rpc
    def get_network(self, network_id):
        return directory.get(self.db, self.caller, network_id)

    @rpc
    def update_network(self, network_id, payload):
        return lifecycle.update(self.db, self.caller, network_id, payload)

    @rpc
    def wake_network(self, network_id):
        return lifecycle.wake(self.db, self.caller, network_id)

    @rpc
    def search_networks(self, query):
        return directory.search(self.db, self.caller, query)

    @rpc
    def add_network_owner(self, network_id, payload):
        return owners.add_owner(self.db, self.caller, network_id, payload)

    @rpc
    def decide_network_owner(self, network_id, association_id, payload):
        return owners.decide_owner(self.db, self.caller, network_id, association_id, payload)

    @rpc
    def join_network(self, network_id, payload):
        return joining.join(self.db, self.caller, network_id, payload)

    @rpc
    def invite_to_network(self, network_id, payload):
        return joining.invite(self.db, self.caller, network_id, payload)

    @rpc
    def decide_join_request(self, network_id, person_id, payload):
        return joining.decide(self.db, self.caller, network_id, person_id, payload)

    @rpc
    def remove_network_member(self, network_id, person_id):
        return roster.remove(self.db, self.caller, network_id, person_id)

    @rpc
    def update_network_member(self, network_id, person_id, payload):
        return roster.update_member(self.db, self.caller, network_id, person_id, payload)

    @rpc
    def list_network_members(self, network_id, query):
        return roster.list_members(self.db, self.caller, network_id, query)

    # --- conversations in networks -----------------------------------------------------
    @rpc
    def list_threads(self, network_id, query):
        return threads.list_(self.db, self.caller, network_id, query)

    @rpc
    def list_threads_json(self, network_id, query):
        return pages.network_threads(self.read_db, self.caller, network_id, query)

    @rpc
    def start_thread(self, network_id, payload):
        return threads.start(self.db, self.caller, network_id, payload, self.call_key)

    @rpc
    def get_thread(self, thread_id):
        return threads.get(self.db, self.caller, thread_id)

    @rpc
    def update_thread(self, thread_id, payload):
        return threads.update(self.db, self.caller, thread_id, payload)

    @rpc
    def list_posts(self, thread_id, query):
        return posts.list_(self.db, self.caller, thread_id, query)

    @rpc
    def list_posts_json(self, thread_id, query):
        return pages.thread_posts(self.read_db, self.caller, thread_id, query)

    @rpc
    def reply_in_thread(self, thread_id, payload):
        return posts.reply(self.db, self.caller, thread_id, payload, self.call_key)

    @rpc
    def get_post(self, post_id):
        return posts.get(self.db, self.caller, post_id)

    @rpc
    def update_post(self, post_id, payload):
        return posts.update(self.db, self.caller, post_id, payload)

    @rpc
    def delete_post(self, post_id):
        return posts.delete(self.db, self.caller, post_id)

    @rpc
    def report_post(self, post_id, payload):
        return moderation.report(self.db, self.caller, post_id, payload)

    @rpc
    def answer_opportunity_privately(self, post_id, payload):
        return opportunities.answer_privately(self.db, self.caller, post_id, payload)

    @rpc
    def list_post_reports(self, post_id, query):
        return moderation.list_reports(self.db, self.caller, post_id, query)

    # --- events from other services (which ones: subscriptions.py) ----------
    @consumer
    def on_audited_event(self, event):
        audit.record(self.db, event)

    @rpc
    def list_audit_entries(self, association_id, query):
        return audit.list_for_association(self.db, self.caller, association_id, query)

    @consumer
    def on_consent_withdrawal_requested(self, event):
        persons.withdraw_consent_from_event(self.db, system_caller(self.caller.request_id), event["data"])

    @consumer
    def on_network_meeting(self, event):
        dormancy.on_meeting(self.db, event["data"], event["occurred_at"])

    # eager: a replica restarted more often than hourly still runs them
    @timer(interval=3600, eager=True)
    def notice_quiet_networks(self):
        settings = self.conversation_settings
        dormancy.sweep(self.db, settings.dormant_after_days, settings.dormancy_notice_days)

    @timer(interval=3600, eager=True)
    def forget_hidden_posts(self):
        moderation.forget_hidden_posts(self.db, self.conversation_settings.hidden_post_retention_days)

    @timer(interval=3600, eager=True)
    def forget_expired_idempotency_keys(self):
        idempotent_calls.forget_expired(self.db)
