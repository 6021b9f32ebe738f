"""The events service: nameko entrypoints only; the work is in ``domain``."""
from nameko.rpc import rpc
from nameko.timer import timer

# registers the events this service publishes
from nabo_common.messaging.handlers import consumer_decorator
from nabo_common.messaging.relay import OutboxRelay
from nabo_common.operations import Operations, OperationsEndpoints
from nabo_common.persistence.db import Database
from nabo_common.persistence.idempotency import IdempotencyKey
from nabo_common.persistence.retention import GuestRetentionDays
from nabo_common.runtime.rpc import TimedRpcProxy
from nabo_common.runtime.worker import CallerProvider, Instrumentation
from services.events.directory import MembersDirectory
from services.events.domain import (
    attendance,
    bulk_registrations,
    calendars,
    co_hosts,
    feedback,
    gdpr,
    lifecycle,
    names,
    one_event,
    pages,
    programmes,
    registrations,
    reminders,
    report_pages,
    reports,
    retention,
    search,
    themes,
)
from services.events.domain.common import idempotent_calls
from services.events.domain.meeting_market import (
    agenda,
    markets,
    meetings,
    moves,
    participants,
    requests,
    schedules,
    suggestions,
)
from services.events.domain.meeting_market import reminders as meeting_reminders
from services.events.models import OutboxEvent, ProcessedEvent
from services.events.scheduling import configured_timer
from services.events.subscriptions import SUBSCRIPTIONS

consumer = consumer_decorator(SUBSCRIPTIONS, ProcessedEvent)


class EventsService(OperationsEndpoints):
    name = "events"

    db = Database()
    read_db = Database(read_only=True)  # the hot reads: no transaction around them
    caller = CallerProvider()
    call_key = IdempotencyKey()  # the request's Idempotency-Key, for the creations that must not repeat
    relay = OutboxRelay(OutboxEvent)
    operations = Operations()
    instrumentation = Instrumentation()
    guest_retention_days = GuestRetentionDays()
    members = TimedRpcProxy("members")  # associations, networks and persons it does not own

    # --- programmes ---------------------------------------------------------
    @rpc
    def create_programme(self, payload):
        return programmes.create(self.db, self.caller, payload, self.call_key)

    @rpc
    def get_programme(self, programme_id):
        return programmes.get(self.db, self.caller, programme_id)

    @rpc
    def update_programme(self, programme_id, payload):
        return programmes.update(self.db, self.caller, programme_id, payload)

    @rpc
    def search_programmes(self, query):
        return programmes.search(self.db, self.caller, query)

    @rpc
    def add_programme_cost(self, programme_id, payload):
        return programmes.add_cost(self.db, self.caller, programme_id, payload, self.call_key)

    @rpc
    def list_programme_costs(self, programme_id):
        return programmes.list_costs(self.db, self.caller, programme_id)

    @rpc
    def programme_report(self, programme_id):
        return reports.report(self.db, self.caller, programme_id, MembersDirectory(self.members))

    @rpc
    def programme_report_csv(self, programme_id):
        return reports.report_csv(self.db, self.caller, programme_id, MembersDirectory(self.members))

    @rpc
    def programme_report_page(self, programme_id):
        return report_pages.programme_page(self.db, self.caller, programme_id, MembersDirectory(self.members))

    # --- co-hosting across associations ----------------------------------------
    @rpc
    def search_co_host_invitations(self, query):
        return co_hosts.search(self.db, self.caller, query)

    @rpc
    def decide_event_co_host(self, event_id, association_id, payload):
        return co_hosts.decide(self.db, self.caller, co_hosts.EVENT, event_id, association_id, payload)

    @rpc
    def decide_programme_co_host(self, programme_id, association_id, payload):
        return co_hosts.decide(self.db, self.caller, co_hosts.PROGRAMME, programme_id, association_id,
                               payload)

    # --- events -------------------------------------------------------------
    @rpc
    def create_event(self, payload):
        return lifecycle.create(self.db, self.caller, payload, self.call_key, MembersDirectory(self.members))

    @rpc
    def get_event(self, event_id):
        view = lifecycle.get(self.read_db, self.caller, event_id)
        return names.name_host_companies([view], self._names())[0]

    @rpc
    def get_event_json(self, event_id):
        return one_event.event_json(self.read_db, self.caller, event_id, self._names())

    @rpc
    def update_event(self, event_id, payload):
        return lifecycle.update(self.db, self.caller, event_id, payload, MembersDirectory(self.members))

    @rpc
    def transition_event(self, event_id, payload):
        return lifecycle.transition(self.db, self.caller, event_id, payload, MembersDirectory(self.members))

    @rpc
    def search_events(self, query):
        found = search.search(self.read_db, self.caller, query)
        names.name_host_companies(found["items"], self._names())
        return found

    @rpc
    def search_events_json(self, query):
        return pages.search_json(self.read_db, self.caller, query, self._names())

    def _names(self):
        return names.Names(MembersDirectory(self.members), self.caller.language)

    @rpc
    def publish_recording(self, event_id, payload):
        return lifecycle.publish_recording(self.db, self.caller, event_id, payload)

    # --- registrations --------------------------------------------------------
    @rpc
    def register(self, event_id, payload, link=None):
        return registrations.register(
            self.db, self.caller, event_id, payload, link, MembersDirectory(self.members), self.call_key
        )

    @rpc
    def register_many(self, event_id, payload, link=None):
        return bulk_registrations.register_many(
            self.db, self.caller, event_id, payload, link, MembersDirectory(self.members), self.call_key
        )

    @rpc
    def import_registrations(self, event_id, payload, link=None):
        return bulk_registrations.import_csv(
            self.db, self.caller, event_id, payload, link, MembersDirectory(self.members), self.call_key
        )

    @rpc
    def list_registrations(self, event_id, query):
        return registrations.list_for_event(self.db, self.caller, event_id, query)

    @rpc
    def get_registration(self, registration_id):
        return registrations.get(self.db, self.caller, registration_id)

    @rpc
    def update_registration(self, registration_id, payload):
        return registrations.update(self.db, self.caller, registration_id, payload)

    @rpc
    def cancel_registration(self, registration_id):
        return registrations.cancel(self.db, self.caller, registration_id)

    @rpc
    def registration_for_cancel_link(self, registration_id):
        return registrations.for_cancel_link(self.db, self.caller, registration_id)

    @rpc
    def cancel_registration_by_link(self, registration_id):
        return registrations.cancel_by_link(self.db, self.caller, registration_id)

    # --- attendance and feedback ------------------------------------------------
    @rpc
    def get_attendance(self, event_id):
        return attendance.get(self.db, self.caller, event_id)

    @rpc
    def event_summary_page(self, event_id):
        return report_pages.event_page(self.db, self.caller, event_id, MembersDirectory(self.members))

    @rpc
    def record_attendance(self, event_id, payload):
        return attendance.record(self.db, self.caller, event_id, payload)

    @rpc
    def import_attendance(self, event_id, payload):
        return attendance.import_participants(self.db, self.caller, event_id, payload)

    @rpc
    def give_feedback(self, event_id, payload):
        return feedback.give(self.db, self.caller, event_id, payload)

    @rpc
    def feedback_summary(self, event_id):
        return feedback.event_summary(self.db, self.caller, event_id)

    # --- calendars ----------------------------------------------------------------
    @rpc
    def event_calendar(self, event_id):
        return calendars.one_event(self.db, self.caller, event_id, MembersDirectory(self.members))

    @rpc
    def association_calendar(self, association_id):
        return calendars.association_feed(
            self.db, self.caller, association_id, MembersDirectory(self.members)
        )

    @rpc
    def network_calendar(self, network_id):
        return calendars.network_feed(self.db, self.caller, network_id, MembersDirectory(self.members))

    # --- meeting markets ------------------------------------------------------------
    @rpc
    def configure_meeting_market(self, event_id, payload):
        return markets.configure(self.db, self.caller, event_id, payload)

    @rpc
    def get_meeting_market(self, event_id):
        return markets.get(self.db, self.caller, event_id)

    @rpc
    def join_meeting_market(self, event_id, payload):
        return participants.join(self.db, self.caller, event_id, payload, MembersDirectory(self.members))

    @rpc
    def list_market_participants(self, event_id):
        return participants.list_for_organiser(self.db, self.caller, event_id, MembersDirectory(self.members))

    @rpc
    def remind_incomplete_profiles(self, event_id):
        return participants.remind_incomplete(self.db, self.caller, event_id, MembersDirectory(self.members))

    @rpc
    def schedule_meeting_market(self, event_id):
        return schedules.schedule_all(self.db, self.caller, event_id)

    @rpc
    def publish_meeting_schedule(self, event_id):
        return schedules.publish_schedule(self.db, self.caller, event_id)

    @rpc
    def meeting_table_plan(self, event_id, query):
        return schedules.table_plan(self.db, self.caller, event_id, query)

    @rpc
    def suggest_meetings(self, event_id):
        return suggestions.suggest(self.db, self.caller, event_id, MembersDirectory(self.members))

    @rpc
    def send_meeting_request(self, payload):
        return requests.send(self.db, self.caller, payload)

    @rpc
    def search_meeting_requests(self, query):
        return requests.search(self.db, self.caller, query)

    @rpc
    def get_meeting_request(self, request_id):
        return requests.get(self.db, self.caller, request_id)

    @rpc
    def answer_meeting_request(self, request_id, payload):
        return requests.answer(self.db, self.caller, request_id, payload)

    @rpc
    def get_meeting(self, meeting_id):
        return meetings.get(self.db, self.caller, meeting_id)

    @rpc
    def cancel_meeting(self, meeting_id, payload):
        return moves.cancel(self.db, self.caller, meeting_id, payload)

    @rpc
    def reschedule_meeting(self, meeting_id, payload):
        return moves.reschedule(self.db, self.caller, meeting_id, payload)

    @rpc
    def check_in_meeting(self, meeting_id, payload):
        return meetings.check_in(self.db, self.caller, meeting_id, payload)

    @rpc
    def record_meeting_outcome(self, meeting_id, payload):
        return meetings.record_outcome(self.db, self.caller, meeting_id, payload)

    @rpc
    def my_agenda(self, query):
        return agenda.as_json(self.db, self.caller, query)

    @rpc
    def my_agenda_calendar(self, query):
        return agenda.as_icalendar(self.db, self.caller, query)

    # --- GDPR -----------------------------------------------------------------------
    @rpc
    def export_person(self, person_id):
        return gdpr.export(self.db, self.caller, person_id)

    @consumer  # the events it consumes: subscriptions.py
    def on_person_erased(self, event):
        gdpr.erase_person(self.db, event["data"]["person_id"])

    # --- the shared theme taxonomy ---------------------------------------------------
    @consumer
    def on_theme_merged(self, event):
        themes.retag(self.db, event["data"])

    # --- scheduled work -----------------------------------------------------------
    @configured_timer
    def send_due_reminders(self):
        reminders.fire_due(self.db)

    @configured_timer
    def expire_meeting_requests(self):
        requests.expire_due(self.db)

    @configured_timer
    def remind_due_meetings(self):
        meeting_reminders.remind_due(self.db)

    # eager: a replica restarted more often than hourly still runs it
    @timer(interval=3600, eager=True)
    def anonymise_past_guests(self):
        retention.anonymise_past_guests(self.db, self.guest_retention_days)

    @timer(interval=3600, eager=True)
    def forget_expired_idempotency_keys(self):
        idempotent_calls.forget_expired(self.db)
