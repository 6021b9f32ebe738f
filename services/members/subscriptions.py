"""The events the members service consumes: handler (in service.py) -> event types.

Its queues are ``nabo.members.<handler>``; each event is applied once (see
``nabo_common.messaging.handlers``).

The audit trail records every administrative change in any service from the
events the change published. They come through each service's outbox, in the
same transaction as the change, so the trail cannot miss a committed change or
record one that was rolled back; ``actor_id`` in the envelope says who asked
for it.
"""
from contracts.events import events, ideas, members, networks, notifications  # noqa: F401  (the types below)

AUDITED_EVENT_TYPES = (
    # members: tenants, organisations, memberships, people, the shared taxonomy, networks and their
    # moderation
    "association.created", "association.updated",
    "organisation.created", "organisation.updated",
    "membership.created", "membership.updated", "membership.status_changed",
    "person.created", "person.updated", "person.role_granted", "person.erased", "consent.changed",
    "members.imported", "calendar_token.issued", "calendar_token.revoked",
    "theme.created", "theme.updated", "theme.accepted", "theme.retired", "theme.merged",
    "network.created", "network.updated", "network.join_decided", "network.member_invited",
    "network.member_joined", "network.member_left", "network.owner_invited",
    "post.hidden", "post.restored", "post.reported", "thread.locked", "thread.unlocked",
    "offer_need.created", "offer_need.updated", "offer_need.deleted",
    "match.introduced",
    # events
    "programme.created", "programme.updated", "programme.cost_added",
    "event.created", "event.published", "event.updated", "event.cancelled", "event.completed",
    "programme.co_host_decided", "event.co_host_decided",
    "event.recording_published", "registration.updated", "registration.cancelled",
    "attendance.recorded", "attendance.imported", "registrations.imported",
    "meeting_market.configured", "meeting_market.profiles_reminded", "meeting_market.scheduled",
    "meeting_market.published", "meeting.cancelled", "meeting.rescheduled", "meeting.checked_in",
    # notifications
    "campaign.created", "campaign.updated", "campaign.scheduled", "campaign.cancelled", "campaign.completed",
    "campaign.bounces_recorded", "preferences.updated", "webhook.created", "webhook.deleted",
    # ideas
    "panel.created", "panel.updated", "panel.phase_changed", "panel.participants_added",
    "idea.updated", "idea.commented", "idea.status_changed", "idea.merged", "decision.recorded",
    "initiative.created", "initiative.updated", "initiative.launched", "initiative.progress_updated",
)

SUBSCRIPTIONS = {
    "on_audited_event": AUDITED_EVENT_TYPES,
    "on_consent_withdrawal_requested": ("consent.withdrawal_requested",),
    # a network's meetings are activity: a network with them is not quiet (domain/networks/dormancy.py)
    "on_network_meeting": ("event.published", "event.completed"),
}
