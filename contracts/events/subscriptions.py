"""Cross-service subscriptions of the notifications service, which reacts to
almost every publisher's events. Loaded after every publisher's contract
(module order), it adds the consumer queues to those types."""
from nabo_common.messaging.envelopes import subscribe

NOTIFICATIONS = {
    "on_directory_changed": ("association.created", "association.updated", "organisation.created",
                             "organisation.updated", "person.created", "person.updated", "membership.created",
                             "membership.status_changed", "consent.changed"),
    "on_network_activity": ("network.created", "network.updated", "network.member_joined", "network.member_left",
                            "network.member_invited", "network.join_requested", "network.join_decided",
                            "match.introduced"),
    "on_calendar_activity": ("programme.created", "event.published", "event.updated", "event.cancelled",
                             "event.completed", "event.reminder_due", "event.recording_published",
                             "registration.confirmed", "registration.waitlisted", "registration.promoted",
                             "registration.cancelled"),
    "on_idea_activity": ("panel.created", "panel.phase_changed", "idea.submitted", "idea.status_changed",
                         "idea.supported", "idea.commented", "idea.merged", "decision.recorded",
                         "initiative.launched", "initiative.progress_updated"),
}

for _handler, _types in NOTIFICATIONS.items():
    subscribe(f"notifications.{_handler}", *_types)
