"""A person erased while the events, ideas and notifications services are
stopped is anonymised in each once they start again: members relays
person.erased into their durable queues, which hold it until the consumers
come back."""
import pytest
from nameko.standalone.rpc import ClusterRpcProxy

from nabo_common.cli import load_service_class
from nabo_common.operations import queue_depths
from nabo_common.runtime import context
from nabo_common.runtime.context import Caller
from tests.integration.ideas.waiting import assert_equal, eventually
from tests.support.api import unique
from tests.support.infra import running_system
from tests.unit.events.conftest import event_payload

CONSUMERS = ("events", "ideas", "notifications")
ERASURE_QUEUES = [f"nabo.{consumer}.on_person_erased" for consumer in CONSUMERS]


def rpc(system, caller):
    settings = system.settings["members"]
    signed = context.sign(caller, settings.context_keys)
    return ClusterRpcProxy(settings.nameko_config(), context_data={context.CONTEXT_KEY: signed}, timeout=30)


@pytest.fixture
def system(amqp_uri, smtp_sink, monkeypatch):
    monkeypatch.setenv("NOTIFICATIONS_SMTP_PORT", str(smtp_sink.port))
    with running_system(amqp_uri, ["members", *CONSUMERS]) as system:
        yield system


def test_erasure_published_while_consumers_are_down_is_applied_when_they_return(system, amqp_uri):
    with rpc(system, context.system_caller()) as proxy:
        association = proxy.members.create_association({
            "name": "Erhverv Syd", "slug": unique("erasure-assoc"), "country": "DK",
            "default_language": "da", "time_zone": "Europe/Copenhagen"})
        organisation = proxy.members.create_organisation({
            "owner_association_id": association["id"], "name": "Sol og Vind ApS", "country": "DK"})
        person = proxy.members.create_person({
            "name": "Jens Jensen", "email": f"{unique('jens')}@nabo.test", "language": "da",
            "home_association_id": association["id"],
            "organisations": [{"organisation_id": organisation["id"], "role": "contact"}]})
    admin = Caller(person_id=unique("admin").ljust(36, "0")[:36], roles=("association_admin",),
                   admin_of=(association["id"],))
    member = Caller(person_id=person["id"], roles=("member",), member_of=(association["id"],),
                    organisation_ids=(organisation["id"],))

    with rpc(system, admin) as proxy:
        event = proxy.events.create_event(event_payload())
        proxy.events.transition_event(event["id"], {"to": "published"})
        registration = proxy.events.register(event["id"], {
            "person_id": person["id"], "name": "Jens Jensen", "email": person["email"]})
        panel = proxy.ideas.create_panel(
            {"year": 2025, "title": unique("Erhvervspanel"), "theme": "Grøn omstilling", "language": "da"}
        )
        proxy.ideas.add_participants(panel["id"], {"organisation_ids": [organisation["id"]]})
        proxy.ideas.transition_panel(panel["id"], {"to": "collecting_ideas"})
    with rpc(system, member) as proxy:
        idea = proxy.ideas.submit_idea(panel["id"], {"title": "Solceller på erhvervstage"})
        eventually(lambda: assert_equal(proxy.ideas.get_idea(idea["id"])["submitter_name"], "Jens Jensen"))
    with rpc(system, context.system_caller()) as proxy:
        eventually(
            lambda: assert_equal(
                proxy.notifications.export_person(person["id"])["contact"]["name"], "Jens Jensen"
            )
        )

    for consumer in CONSUMERS:
        system.stop(consumer)
    with rpc(system, context.system_caller()) as proxy:
        proxy.members.erase_person(person["id"])
    # relayed by members and waiting in each consumer's durable queue, nobody reading it
    eventually(
        lambda: assert_equal(queue_depths(amqp_uri, ERASURE_QUEUES), dict.fromkeys(ERASURE_QUEUES, 1)),
        timeout=15,
    )

    for consumer in CONSUMERS:
        system.start(consumer, load_service_class(consumer), system.settings[consumer])
    with rpc(system, admin) as as_admin, rpc(system, context.system_caller()) as as_system:

        def anonymised():
            seen = as_admin.events.get_registration(registration["id"])
            assert (seen["person_id"], seen["name"], seen["email"]) == (None, "Erased person", None)
            seen = as_admin.ideas.get_idea(idea["id"])
            assert (seen["submitter_person_id"], seen["submitter_name"]) == (None, None)
            contact = as_system.notifications.export_person(person["id"])["contact"]
            assert (contact["name"], contact["email"]) == ("Erased person", None)

        eventually(anonymised, timeout=20)
    eventually(lambda: assert_equal(queue_depths(amqp_uri, ERASURE_QUEUES), dict.fromkeys(ERASURE_QUEUES, 0)))
