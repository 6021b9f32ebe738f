"""The ideas service in a container against real RabbitMQ and PostgreSQL,
next to the members service it looks participants up in and learns persons
from."""
import json
import time
from contextlib import contextmanager

import pika
import pytest
from nameko.standalone.rpc import ClusterRpcProxy

from nabo_common.api.errors import NotFound, ValidationFailed
from nabo_common.messaging import deadletters, envelopes
from nabo_common.runtime import context
from nabo_common.runtime.context import Caller
from tests.integration.ideas.waiting import assert_equal, eventually
from tests.support.api import unique
from tests.support.infra import running_system


@pytest.fixture(scope="module")
def system(amqp_uri):
    with running_system(amqp_uri, ["members", "ideas"]) as system:
        yield system


@contextmanager
def rpc(system, caller):
    settings = system.settings["ideas"]
    signed = context.sign(caller, settings.context_keys)
    with ClusterRpcProxy(settings.nameko_config(), context_data={context.CONTEXT_KEY: signed}) as proxy:
        yield proxy




def publish(amqp_uri, envelope):
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    channel = connection.channel()
    channel.confirm_delivery()
    channel.basic_publish(envelopes.EXCHANGE, envelope["type"], json.dumps(envelope).encode(),
                          pika.BasicProperties(content_type="application/json", delivery_mode=2,
                                               message_id=envelope["id"]), mandatory=True)
    connection.close()


@pytest.fixture(scope="module")
def world(system):
    """An association with an admin, an organisation and a person of it, made in the members service."""
    root = context.system_caller()
    with rpc(system, root) as members_rpc:
        members = members_rpc.members
        slug = unique("panel-assoc")
        assoc = members.create_association({"name": "Kommune", "slug": slug, "country": "DK",
                                            "default_language": "da", "time_zone": "Europe/Copenhagen"})
        org = members.create_organisation({"owner_association_id": assoc["id"], "name": "Grøn Energi ApS",
                                           "country": "DK"})
        person = members.create_person({"name": "Mette Madsen", "email": f"{unique('mette')}@nabo.test",
                                        "language": "da", "home_association_id": assoc["id"],
                                        "organisations": [{"organisation_id": org["id"], "role": "contact"}]})
    admin = Caller(person_id=unique("admin-person").ljust(36, "0")[:36], roles=("association_admin",),
                   admin_of=(assoc["id"],))
    member = Caller(person_id=person["id"], roles=("member",), member_of=(assoc["id"],),
                    organisation_ids=(org["id"],))
    return {"association": assoc, "organisation": org, "person": person, "admin": admin, "member": member}


def open_panel(system, world):
    with rpc(system, world["admin"]) as proxy:
        panel = proxy.ideas.create_panel(
            {
                "year": 2025,
                "title": unique("Erhvervspanel"),
                "theme": "Grøn omstilling",
                "language": "da",
                "sub_themes": [{"key": "green-funding", "name": "Grøn finansiering"}],
            }
        )
        proxy.ideas.add_participants(panel["id"], {"organisation_ids": [world["organisation"]["id"]]})
        proxy.ideas.transition_panel(panel["id"], {"to": "collecting_ideas"})
    return panel


def test_participants_are_looked_up_in_the_members_service_as_the_caller(system, world):
    panel = open_panel(system, world)
    with rpc(system, world["admin"]) as proxy:
        listed = proxy.ideas.list_participants(panel["id"], {})
        assert [(p["organisation_id"], p["name"]) for p in listed["items"]] == [
            (world["organisation"]["id"], "Grøn Energi ApS")
        ]
        with pytest.raises(ValidationFailed):
            proxy.ideas.add_participants(panel["id"], {"organisation_ids": ["0" * 36]})
    foreign = Caller(person_id="f" * 36, roles=("association_admin",), admin_of=("a" * 36,))
    with rpc(system, foreign) as proxy, pytest.raises(NotFound):
        proxy.ideas.get_panel(panel["id"])


def test_a_platform_admin_cannot_open_a_panel_for_an_association_members_does_not_know(system, world):
    platform_admin = Caller(person_id=unique("platform").ljust(36, "0")[:36], roles=("platform_admin",))
    body = {"year": 2025, "title": unique("Erhvervspanel"), "theme": "Grøn omstilling", "language": "da"}
    with rpc(system, platform_admin) as proxy:
        with pytest.raises(ValidationFailed) as refused:
            proxy.ideas.create_panel(dict(body, association_id="0" * 8 + "-0000-4000-8000-" + "0" * 12))
        assert "association_id" in refused.value.errors
        panel = proxy.ideas.create_panel(dict(body, association_id=world["association"]["id"]))
    assert panel["association_id"] == world["association"]["id"]


def test_person_events_from_members_name_the_submitter_and_erasure_anonymises(system, world):
    panel = open_panel(system, world)
    with rpc(system, world["member"]) as proxy:
        idea = proxy.ideas.submit_idea(
            panel["id"], {"title": "Grønne lån til små virksomheder", "sub_theme": "green-funding"}
        )
        proxy.ideas.support_idea(idea["id"], {})
        # person.created was relayed from members to the ideas read model
        eventually(lambda: assert_equal(proxy.ideas.get_idea(idea["id"])["submitter_name"], "Mette Madsen"))
    with rpc(system, context.system_caller()) as proxy:
        proxy.members.erase_person(world["person"]["id"])
    with rpc(system, world["admin"]) as proxy:

        def anonymised():
            seen = proxy.ideas.get_idea(idea["id"])
            assert seen["submitter_person_id"] is None and seen["submitter_name"] is None
            assert seen["support_count"] == 1

        eventually(anonymised)


def test_ideas_events_reach_the_exchange_after_commit(system, world, amqp_uri):
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    channel = connection.channel()
    queue = channel.queue_declare("", exclusive=True).method.queue
    channel.queue_bind(queue, envelopes.EXCHANGE, routing_key="idea.*")
    panel = open_panel(system, world)
    with rpc(system, world["admin"]) as proxy:
        idea = proxy.ideas.submit_idea(
            panel["id"],
            {
                "title": "Fælles ladestandere",
                "on_behalf_of": {"organisation_id": world["organisation"]["id"]},
            },
        )

    def received():
        method, _props, body = channel.basic_get(queue, auto_ack=True)
        assert method is not None
        return json.loads(body)

    envelope = eventually(received)
    connection.close()
    assert envelope["type"] == "idea.submitted"
    assert envelope["data"]["idea_id"] == idea["id"]
    assert envelope["data"]["recorded_by_person_id"] == world["admin"].person_id
    assert envelope["association_id"] == world["association"]["id"]


def test_a_redelivered_person_event_is_applied_once(system, world, amqp_uri):
    panel = open_panel(system, world)
    person_id = "b" * 36
    with rpc(system, world["admin"]) as proxy:
        idea = proxy.ideas.submit_idea(
            panel["id"],
            {
                "title": "Cykelstier",
                "on_behalf_of": {"person_id": person_id, "organisation_id": world["organisation"]["id"]},
            },
        )
        marker_idea = proxy.ideas.submit_idea(
            panel["id"],
            {
                "title": "Markør",
                "on_behalf_of": {"person_id": "c" * 36, "organisation_id": world["organisation"]["id"]},
            },
        )
    first = envelopes.build(
        "person.updated", {"person_id": person_id, "name": "First name", "language": "da"}
    )
    second = envelopes.build(
        "person.updated", {"person_id": person_id, "name": "Second name", "language": "da"}
    )
    publish(amqp_uri, first)
    with rpc(system, world["admin"]) as proxy:
        eventually(lambda: assert_equal(proxy.ideas.get_idea(idea["id"])["submitter_name"], "First name"))
        publish(amqp_uri, second)
        eventually(lambda: assert_equal(proxy.ideas.get_idea(idea["id"])["submitter_name"], "Second name"))
        publish(amqp_uri, first)  # the broker delivers the old event again
        marker = envelopes.build(
            "person.updated", {"person_id": "c" * 36, "name": "Marker", "language": "da"}
        )
        publish(amqp_uri, marker)
        eventually(lambda: assert_equal(proxy.ideas.get_idea(marker_idea["id"])["submitter_name"], "Marker"))
        time.sleep(0.5)  # the redelivered event was on the same queue, ahead of the marker
        assert proxy.ideas.get_idea(idea["id"])["submitter_name"] == "Second name"


def test_a_malformed_erasure_event_is_dead_lettered(system, amqp_uri):
    bad = envelopes.build("person.erased", {"person_id": "d" * 36, "erased_at": "2025-01-01T00:00:00+00:00"})
    del bad["data"]["person_id"]
    publish(amqp_uri, bad)
    eventually(
        lambda: assert_equal(
            deadletters.list_dead(amqp_uri, ["nabo.ideas.on_person_erased.dead"])[
                "nabo.ideas.on_person_erased.dead"
            ],
            1,
        )
    )
