"""The members service's networks, themes and matchmaking against real
RabbitMQ and PostgreSQL: RPC in, events out through the outbox relay."""
import json
import time
import uuid

import pytest
from kombu import Connection, Exchange, Queue
from nameko.standalone.rpc import ClusterRpcProxy

from nabo_common.api.errors import Forbidden
from nabo_common.messaging.envelopes import EXCHANGE
from nabo_common.runtime import context
from nabo_common.runtime.context import ASSOCIATION_ADMIN, MEMBER, PLATFORM_ADMIN, Caller
from services.members.taxonomy import THEMES, seed_id
from tests.support.infra import running_system


@pytest.fixture(scope="module")
def system(amqp_uri):
    with running_system(amqp_uri, ["members"]) as system:
        yield system


@pytest.fixture(scope="module")
def call(system, amqp_uri):
    """call(caller, method, *args): an RPC to the members service as ``caller``."""
    keys = system.settings["members"].context_keys

    def call(caller, method, *args):
        data = {context.CONTEXT_KEY: context.sign(caller, keys)}
        with ClusterRpcProxy({"AMQP_URI": amqp_uri, "serializer": "json"}, context_data=data) as rpc:
            return getattr(rpc.members, method)(*args)

    return call


PLATFORM = Caller(person_id=str(uuid.uuid4()), roles=(PLATFORM_ADMIN,))


class Events:
    """A private queue bound to the event exchange, to see what the relay publishes."""

    def __init__(self, amqp_uri, patterns):
        self.connection = Connection(amqp_uri)
        exchange = Exchange(EXCHANGE, type="topic", durable=True, passive=True)
        self.queue = Queue(f"test.networks.{uuid.uuid4().hex[:8]}", exclusive=True, auto_delete=True,
                           bindings=[], channel=self.connection.channel())
        self.queue.declare()
        for pattern in patterns:
            self.queue.bind_to(exchange, routing_key=pattern)

    def wait_for(self, event_type, matching=lambda data: True, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            message = self.queue.get(no_ack=True)
            if message is None:
                time.sleep(0.1)
                continue
            envelope = json.loads(message.body)
            if envelope["type"] == event_type and matching(envelope["data"]):
                return envelope
        raise AssertionError(f"no {event_type} event within {timeout} s")

    def close(self):
        self.connection.close()


@pytest.fixture
def events(amqp_uri, system):
    watcher = Events(amqp_uri, ["network.#", "match.#", "theme.#", "organisation.updated"])
    yield watcher
    watcher.close()


def _tenant(call, country, language):
    association = call(PLATFORM, "create_association", {
        "name": f"Assoc {country}", "slug": f"a-{uuid.uuid4().hex[:8]}", "country": country,
        "default_language": language, "time_zone": "Europe/Berlin"})
    admin = Caller(person_id=str(uuid.uuid4()), roles=(ASSOCIATION_ADMIN,), admin_of=(association["id"],))
    org = call(admin, "create_organisation", {"name": f"Firma {uuid.uuid4().hex[:6]}", "country": country,
                                              "sector": "62.01", "visibility": "all_associations"})
    person = call(
        admin,
        "create_person",
        {
            "name": f"Contact {country}",
            "email": f"{uuid.uuid4().hex}@nabo.test",
            "language": language,
            "home_association_id": association["id"],
            "organisations": [{"organisation_id": org["id"]}],
        },
    )
    member = Caller(
        person_id=person["id"],
        roles=(MEMBER,),
        member_of=(association["id"],),
        organisation_ids=(org["id"],),
        language=language,
    )
    return {"association": association, "admin": admin, "org": org, "person": person, "member": member}


@pytest.fixture(scope="module")
def nl(call):
    return _tenant(call, "NL", "nl")


@pytest.fixture(scope="module")
def de(call):
    return _tenant(call, "DE", "de")


def test_the_migration_seeds_the_taxonomy_and_announces_it(call, system):
    listing = call(Caller(language="sv"), "list_themes", {"limit": 200})
    assert listing["total"] == len(THEMES)
    by_key = {t["key"]: t for t in listing["items"]}
    assert by_key["green-funding"]["label"] == "Grön finansiering"
    assert by_key["green-funding"]["parent_id"] == seed_id("green-transition")
    # the seeded announcements reach their consumer (the audit trail records them as platform changes)
    from sqlalchemy import create_engine, select

    from services.members.models import AuditEntry

    engine = create_engine(system.settings["members"].database_url)
    seen = set()
    deadline = time.monotonic() + 15
    try:
        while len(seen) < len(THEMES) and time.monotonic() < deadline:
            with engine.connect() as connection:
                seen = {
                    details["key"]
                    for details in connection.scalars(
                        select(AuditEntry.details).where(AuditEntry.action == "theme.created")
                    )
                }
            time.sleep(0.2)
    finally:
        engine.dispose()
    assert seen == {key for key, _, _ in THEMES}


def test_organisation_themes_are_announced(call, nl, events):
    call(nl["admin"], "update_organisation", nl["org"]["id"], {"themes": [seed_id("tourism")]})
    event = events.wait_for("organisation.updated", lambda d: d["organisation_id"] == nl["org"]["id"])
    assert event["data"]["themes"] == [seed_id("tourism")] and "themes" in event["data"]["changed"]


def test_join_request_and_decision_reach_the_broker(call, nl, de, events):
    network = call(
        nl["member"],
        "create_network",
        {
            "name": {"nl": "Energiecluster Eems-Dollard", "de": "Energiecluster Ems-Dollart"},
            "association_ids": [nl["association"]["id"], de["association"]["id"]],
            "join_policy": "request",
            "visibility": "all_associations",
            "themes": [seed_id("energy-transition")],
        },
    )
    created = events.wait_for("network.created", lambda d: d["network_id"] == network["id"])
    assert created["data"]["association_ids"] == [
        nl["association"]["id"]
    ]  # the German side has not agreed yet
    call(
        de["admin"], "decide_network_owner", network["id"], de["association"]["id"], {"decision": "approved"}
    )
    updated = events.wait_for("network.updated", lambda d: d["network_id"] == network["id"])
    assert set(updated["data"]["association_ids"]) == {nl["association"]["id"], de["association"]["id"]}

    asked = call(de["member"], "join_network", network["id"], {"message": "Wir machen Windparks"})
    assert asked["status"] == "requested"
    requested = events.wait_for("network.join_requested", lambda d: d["network_id"] == network["id"])
    assert requested["data"]["convener_person_ids"] == [nl["person"]["id"]]
    with pytest.raises(Forbidden):
        call(de["member"], "decide_join_request", network["id"], de["person"]["id"], {"decision": "approved"})
    call(nl["member"], "decide_join_request", network["id"], de["person"]["id"], {"decision": "approved"})
    decided = events.wait_for("network.join_decided", lambda d: d["network_id"] == network["id"])
    assert decided["data"]["decision"] == "approved"
    joined = events.wait_for("network.member_joined", lambda d: d["person_id"] == de["person"]["id"])
    assert (
        joined["data"]["name"] == "Energiecluster Ems-Dollart"
    )  # German before Dutch when there is no English
    found = call(Caller(), "search_networks", {"q": "ems-dollart"})
    assert found["items"] == []  # not public: the anonymous directory does not list it
    found = call(de["member"], "search_networks", {"q": "ems-dollart", "country": "DE"})
    assert [n["id"] for n in found["items"]] == [network["id"]]


def test_matching_across_languages_and_the_introduction_event(call, nl, de, events):
    call(
        nl["member"],
        "create_offer_or_need",
        nl["org"]["id"],
        {
            "kind": "offer",
            "title": "Zonnepanelen op bedrijfsdaken",
            "themes": [seed_id("green-infrastructure")],
        },
    )
    call(
        de["member"],
        "create_offer_or_need",
        de["org"]["id"],
        {
            "kind": "need",
            "title": "Photovoltaik für unsere Hallen",
            "themes": [seed_id("green-infrastructure")],
        },
    )
    suggestions = call(nl["member"], "suggest_matches", nl["org"]["id"], {"cross_border": True})
    top = suggestions["items"][0]
    assert top["organisation"]["id"] == de["org"]["id"]
    assert top["reasons"][0]["kind"] == "needs_your_offer"
    assert top["reasons"][0]["themes"] == [
        {"id": seed_id("green-infrastructure"), "label": "Groene infrastructuur"}
    ]

    call(nl["member"], "decide_match", nl["org"]["id"], de["org"]["id"], {"decision": "accepted"})
    match = call(nl["member"], "introduce_match", nl["org"]["id"], de["org"]["id"], {})
    introduced = events.wait_for("match.introduced", lambda d: d["match_id"] == match["id"])
    assert {c["email"] for c in introduced["data"]["contacts"]} == {
        nl["person"]["email"],
        de["person"]["email"],
    }


def test_withdrawn_contact_consent_is_respected_in_postgres(call, nl, de):
    org = call(
        de["admin"],
        "create_organisation",
        {
            "name": "Zurückgezogen GmbH",
            "country": "DE",
            "visibility": "all_associations",
            "themes": [seed_id("green-infrastructure")],
        },
    )
    person = call(
        de["admin"],
        "create_person",
        {
            "name": "Withdrawn",
            "email": f"{uuid.uuid4().hex}@nabo.test",
            "organisations": [{"organisation_id": org["id"]}],
        },
    )

    def suggested():
        return {
            s["organisation"]["id"]
            for s in call(nl["member"], "suggest_matches", nl["org"]["id"], {})["items"]
        }

    assert org["id"] in suggested()
    call(
        de["admin"],
        "record_consent",
        person["id"],
        {
            "association_id": de["association"]["id"],
            "kind": "contact",
            "granted": False,
            "source": "phone",
            "wording_version": "v1",
        },
    )
    assert org["id"] not in suggested()
