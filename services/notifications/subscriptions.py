"""The events the notifications service consumes: handler (in service.py) -> event types.

Its queues are ``nabo.notifications.<handler>``; each event is applied once
(see ``nabo_common.messaging.handlers``). What each type does is in
``domain/reactions.py``.
"""
from contracts.events import events, ideas, members, networks  # noqa: F401  (registers the types below)

SUBSCRIPTIONS = {
    "on_directory_changed": (
        "association.created",
        "association.updated",
        "organisation.created",
        "organisation.updated",
        "person.created",
        "person.updated",
        "membership.created",
        "membership.status_changed",
        "consent.changed",
    ),
    "on_network_activity": (
        "network.created",
        "network.updated",
        "network.member_joined",
        "network.member_left",
        "network.member_invited",
        "network.join_requested",
        "network.join_decided",
        "network.dormancy_proposed",
        "match.introduced",
        "post.created",
        "opportunity.offered",
    ),
    "on_calendar_activity": (
        "programme.created",
        "event.published",
        "event.updated",
        "event.cancelled",
        "event.completed",
        "event.reminder_due",
        "event.recording_published",
        "registration.confirmed",
        "registration.waitlisted",
        "registration.promoted",
        "registration.cancelled",
        "meeting_market.profile_reminder",
        "meeting_request.sent",
        "meeting_request.accepted",
        "meeting_request.declined",
        "meeting_request.expired",
        "meeting_request.withdrawn",
        "meeting_market.agenda_published",
        "meeting.scheduled",
        "meeting.cancelled",
        "meeting.rescheduled",
        "meeting.reminder_due",
    ),
    "on_idea_activity": (
        "panel.created",
        "panel.phase_changed",
        "idea.submitted",
        "idea.status_changed",
        "idea.supported",
        "idea.commented",
        "idea.merged",
        "decision.recorded",
        "initiative.launched",
        "initiative.progress_updated",
    ),
    "on_person_erased": ("person.erased",),
}
