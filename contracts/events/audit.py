"""The audit trail's subscription: the members service records every
administrative change in any service, from the events the change published.

The events come through each service's outbox, in the same transaction as the
change, so the trail cannot miss a committed change or record one that was
rolled back; ``actor_id`` in the envelope says who asked for it.
"""
from contracts.events import events, ideas, members, networks, notifications  # noqa: F401  (registered first)
from nabo_common.messaging.envelopes import subscribe

AUDIT_CONSUMER = "members.on_audited_event"

AUDITED_EVENT_TYPES = (
    # members: tenants, organisations, memberships, people, the shared taxonomy, networks
    "association.created", "association.updated",
    "organisation.created", "organisation.updated",
    "membership.created", "membership.status_changed",
    "person.created", "person.updated", "person.erased",
    "theme.created", "theme.updated",
    "network.created", "network.updated", "network.join_decided", "network.member_invited",
    "match.introduced",
    # events
    "programme.created", "event.published", "event.updated", "event.cancelled", "event.completed",
    "event.recording_published",
    # notifications
    "campaign.completed",
    # ideas
    "panel.created", "panel.updated", "panel.phase_changed", "panel.participants_added",
    "idea.status_changed", "idea.merged", "decision.recorded",
    "initiative.created", "initiative.launched", "initiative.progress_updated",
)

subscribe(AUDIT_CONSUMER, *AUDITED_EVENT_TYPES)
