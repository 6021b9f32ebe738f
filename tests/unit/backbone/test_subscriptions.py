"""Each service's subscriptions (``services/<svc>/subscriptions.py``) are the one place that says what it
consumes: they give the queues the relays declare up front and the handlers' consumers alike."""
import importlib

import pytest

from nabo_common import cli
from nabo_common.messaging import envelopes, topology
from nabo_common.messaging.consumer import EventConsumer
from nabo_common.messaging.handlers import consumer_decorator, queue_bindings
from nabo_common.runtime import settings

# the queues deployed brokers hold: a renamed handler would leave its queue's events behind
DEPLOYED_QUEUES = {
    "nabo.members.on_audited_event", "nabo.members.on_consent_withdrawal_requested",
    "nabo.members.on_network_meeting",
    "nabo.events.on_person_erased", "nabo.events.on_theme_merged",
    "nabo.ideas.on_person_changed", "nabo.ideas.on_person_erased", "nabo.ideas.on_organisation_updated",
    "nabo.ideas.on_theme_merged",
    "nabo.notifications.on_directory_changed", "nabo.notifications.on_network_activity",
    "nabo.notifications.on_calendar_activity", "nabo.notifications.on_idea_activity",
    "nabo.notifications.on_person_erased",
}


def subscriptions_of(service):
    return importlib.import_module(f"services.{service}.subscriptions").SUBSCRIPTIONS


def consumers_of(service):
    """Handler name -> event types of the EventConsumer entrypoints the service class declares."""
    service_class = cli.load_service_class(service)
    found = {}
    for name in dir(service_class):
        for entrypoint in getattr(getattr(service_class, name), "nameko_entrypoints", ()):
            if isinstance(entrypoint, EventConsumer):
                found[name] = entrypoint.event_types
    return found


def test_a_services_subscriptions_give_its_queues_and_their_bindings():
    assert queue_bindings("ideas", subscriptions_of("ideas")) == {
        "nabo.ideas.on_person_changed": {"person.created", "person.updated"},
        "nabo.ideas.on_person_erased": {"person.erased"},
        "nabo.ideas.on_organisation_updated": {"organisation.created", "organisation.updated"},
        "nabo.ideas.on_theme_merged": {"theme.merged"},
    }


def test_the_composition_root_declares_every_deployed_queue_from_the_services_subscriptions():
    bindings = cli.consumer_bindings()
    assert set(bindings) == DEPLOYED_QUEUES
    for service in settings.SERVICES:
        for queue, event_types in queue_bindings(service, subscriptions_of(service)).items():
            assert bindings[queue] == event_types
    cli.declare_consumers()
    plan = list(topology.declaration_plan())
    assert ("queue", "nabo.events.on_person_erased", topology.main_queue_arguments()) in plan
    assert ("queue", "nabo.events.on_person_erased.dead", topology.dead_queue_arguments()) in plan
    assert ("bind", "nabo.events.on_person_erased", envelopes.EXCHANGE, "person.erased") in plan


def test_every_handler_of_a_service_consumes_what_its_subscriptions_say():
    for service in settings.SERVICES:
        subscriptions = subscriptions_of(service)
        consumers = consumers_of(service)
        assert set(consumers) == set(subscriptions), service
        for handler, event_types in subscriptions.items():
            assert tuple(consumers[handler]) == tuple(event_types), f"{service}.{handler}"


def test_a_handler_for_an_unknown_event_type_fails_before_any_queue_is_declared():
    with pytest.raises(envelopes.UnknownEventType, match="person.renamed"):
        queue_bindings("ideas", {"on_person_changed": ("person.updated", "person.renamed")})


def test_a_handler_missing_from_the_subscriptions_fails_where_it_is_declared():
    consumer = consumer_decorator({"on_person_erased": ("person.erased",)}, processed_model=object)

    def on_person_renamed(self, event):
        pass

    with pytest.raises(ValueError, match="on_person_renamed"):
        consumer(on_person_renamed)
