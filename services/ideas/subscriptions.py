"""The events the ideas service consumes: handler (in service.py) -> event types.

Its queues are ``nabo.ideas.<handler>``; each event is applied once (see
``nabo_common.messaging.handlers``).
"""
from contracts.events import members, networks  # noqa: F401  (registers the types below)

SUBSCRIPTIONS = {
    "on_person_changed": ("person.created", "person.updated"),
    "on_person_erased": ("person.erased",),
    "on_organisation_updated": ("organisation.created", "organisation.updated"),
    "on_theme_merged": ("theme.merged",),
}
