"""The events the events service consumes: handler (in service.py) -> event types.

Its queues are ``nabo.events.<handler>``; each event is applied once (see
``nabo_common.messaging.handlers``).
"""
from contracts.events import members, networks  # noqa: F401  (registers the types below)

SUBSCRIPTIONS = {
    "on_person_erased": ("person.erased",),
    "on_theme_merged": ("theme.merged",),
}
