"""The ideas service: nameko entrypoints only; the work is in ``domain``."""
from nameko.rpc import rpc
from nameko.timer import timer

# registers the events this service publishes
from nabo_common.messaging.handlers import consumer_decorator
from nabo_common.messaging.relay import OutboxRelay
from nabo_common.operations import Operations, OperationsEndpoints
from nabo_common.persistence.db import Database
from nabo_common.persistence.idempotency import IdempotencyKey
from nabo_common.runtime.rpc import TimedRpcProxy
from nabo_common.runtime.worker import CallerProvider, Instrumentation
from services.ideas.directory import MembersDirectory
from services.ideas.domain import catalogue, decisions, engagement, ideas, initiatives, panels, people, themes
from services.ideas.domain.common import idempotent_calls
from services.ideas.models import OutboxEvent, ProcessedEvent
from services.ideas.subscriptions import SUBSCRIPTIONS

consumer = consumer_decorator(SUBSCRIPTIONS, ProcessedEvent)


class IdeasService(OperationsEndpoints):
    name = "ideas"

    db = Database()
    caller = CallerProvider()
    call_key = IdempotencyKey()  # the request's Idempotency-Key, for the creations that must not repeat
    relay = OutboxRelay(OutboxEvent)
    operations = Operations()
    instrumentation = Instrumentation()
    members = TimedRpcProxy("members")

    # --- panels ---------------------------------------------------------------
    @rpc
    def create_panel(self, payload):
        return panels.create(self.db, self.caller, payload, MembersDirectory(self.members), self.call_key)

    @rpc
    def get_panel(self, panel_id):
        return panels.get(self.db, self.caller, panel_id)

    @rpc
    def update_panel(self, panel_id, payload):
        return panels.update(self.db, self.caller, panel_id, payload)

    @rpc
    def search_panels(self, query):
        return panels.search(self.db, self.caller, query)

    @rpc
    def transition_panel(self, panel_id, payload):
        return panels.transition(self.db, self.caller, panel_id, payload)

    @rpc
    def add_participants(self, panel_id, payload):
        return panels.add_participants(
            self.db, self.caller, panel_id, payload, MembersDirectory(self.members)
        )

    @rpc
    def list_participants(self, panel_id, query):
        return panels.participants(self.db, self.caller, panel_id, query)

    @rpc
    def remove_participant(self, panel_id, participant_id):
        return panels.remove_participant(self.db, self.caller, panel_id, participant_id)

    @rpc
    def add_meeting(self, panel_id, payload):
        return panels.add_meeting(self.db, self.caller, panel_id, payload)

    @rpc
    def get_catalogue(self, panel_id, query):
        return catalogue.get(self.db, self.caller, panel_id, query, MembersDirectory(self.members))

    # --- ideas ----------------------------------------------------------------
    @rpc
    def submit_idea(self, panel_id, payload):
        return ideas.submit(self.db, self.caller, panel_id, payload, self.call_key)

    @rpc
    def search_ideas(self, panel_id, query):
        return ideas.search(self.db, self.caller, panel_id, query)

    @rpc
    def get_idea(self, idea_id):
        return ideas.get(self.db, self.caller, idea_id)

    @rpc
    def update_idea(self, idea_id, payload):
        return ideas.update(self.db, self.caller, idea_id, payload)

    @rpc
    def transition_idea(self, idea_id, payload):
        return ideas.transition(self.db, self.caller, idea_id, payload)

    @rpc
    def similar_ideas(self, idea_id, query):
        return ideas.similar(self.db, self.caller, idea_id, query)

    @rpc
    def get_supports(self, idea_id):
        return engagement.supports(self.db, self.caller, idea_id)

    @rpc
    def support_idea(self, idea_id, payload):
        return engagement.support(self.db, self.caller, idea_id, payload)

    @rpc
    def withdraw_support(self, idea_id):
        return engagement.withdraw_support(self.db, self.caller, idea_id)

    @rpc
    def comment_idea(self, idea_id, payload):
        return engagement.comment(self.db, self.caller, idea_id, payload, self.call_key)

    @rpc
    def list_comments(self, idea_id, query):
        return engagement.comments(self.db, self.caller, idea_id, query)

    # --- decisions and initiatives ----------------------------------------------
    @rpc
    def record_decision(self, panel_id, payload):
        return decisions.record(self.db, self.caller, panel_id, payload)

    @rpc
    def list_decisions(self, panel_id, query):
        return decisions.search(self.db, self.caller, panel_id, query)

    @rpc
    def create_initiative(self, panel_id, payload):
        return initiatives.create(self.db, self.caller, panel_id, payload)

    @rpc
    def search_initiatives(self, panel_id, query):
        return initiatives.search(self.db, self.caller, panel_id, query)

    @rpc
    def get_initiative(self, initiative_id):
        return initiatives.get(self.db, self.caller, initiative_id)

    @rpc
    def update_initiative(self, initiative_id, payload):
        return initiatives.update(self.db, self.caller, initiative_id, payload)

    @rpc
    def add_progress(self, initiative_id, payload):
        return initiatives.add_progress(self.db, self.caller, initiative_id, payload)

    # --- GDPR -------------------------------------------------------------------
    @rpc
    def export_person(self, person_id):
        return people.export(self.db, self.caller, person_id)

    # --- events from other services (which ones: subscriptions.py) ----------
    @consumer
    def on_person_changed(self, event):
        people.apply_person(self.db, event["data"])

    @consumer
    def on_person_erased(self, event):
        people.erase_person(self.db, event["data"]["person_id"])

    @consumer  # organisation.created too; the queue keeps the name it is deployed under
    def on_organisation_updated(self, event):
        people.apply_organisation(self.db, event["data"])

    @consumer
    def on_theme_merged(self, event):
        themes.retag(self.db, event["data"])

    @timer(interval=3600, eager=True)
    def forget_expired_idempotency_keys(self):
        idempotent_calls.forget_expired(self.db)
