"""The AsyncAPI document of the events: valid AsyncAPI 3.0 structure, one channel per event type with its
publisher and consumers, and every contract's example valid against its message's schemas."""
import re

import pytest
from jsonschema import Draft7Validator

from nabo_common import __version__, cli
from nabo_common.messaging import asyncapi, envelopes
from tests.support.asyncapi import problems

BINDINGS = cli.consumer_bindings()
DOC = asyncapi.build(BINDINGS)
# AsyncAPI 3.0: keys of channels, operations and components are made of these
KEY = re.compile(r"^[A-Za-z0-9_\-]+$")


def resolve(pointer):
    assert pointer.startswith("#/"), pointer
    node = DOC
    for part in pointer[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def refs(node):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref":
                yield v
            else:
                yield from refs(v)
    elif isinstance(node, list):
        for item in node:
            yield from refs(item)


def test_the_document_has_the_structure_asyncapi_3_requires():
    assert DOC["asyncapi"] == "3.0.0"
    assert DOC["info"]["title"] and DOC["info"]["version"] == __version__
    assert set(DOC) <= {"asyncapi", "id", "info", "servers", "defaultContentType", "channels", "operations",
                        "components"}
    for section in ("channels", "operations"):
        assert all(KEY.match(k) for k in DOC[section]), section
    for section, entries in DOC["components"].items():
        assert all(re.match(r"^[a-zA-Z0-9.\-_]+$", k) for k in entries), section
    for channel in DOC["channels"].values():
        assert isinstance(channel["address"], str) and channel["messages"]
    for name, operation in DOC["operations"].items():
        assert operation["action"] in ("send", "receive"), name
        channel_ref = operation["channel"]["$ref"]
        channel = resolve(channel_ref)
        # an operation's messages must be messages of its channel
        for message in operation["messages"]:
            assert message["$ref"].startswith(channel_ref + "/messages/"), name
    for message in DOC["components"]["messages"].values():
        assert message["contentType"] == "application/json"
        assert message["bindings"]["amqp"]["bindingVersion"] == "0.3.0"
    unresolved = []
    for ref in set(refs(DOC)):
        try:
            resolve(ref)
        except KeyError:
            unresolved.append(ref)
    assert unresolved == []


def test_every_schema_is_a_valid_json_schema():
    for name, schema in DOC["components"]["schemas"].items():
        Draft7Validator.check_schema(schema)
    for message in DOC["components"]["messages"].values():
        Draft7Validator.check_schema(message["payload"])


def test_each_event_type_is_a_channel_on_the_topic_exchange_keyed_by_its_type():
    assert {c["address"] for c in DOC["channels"].values()} == set(envelopes.REGISTRY)
    for channel in DOC["channels"].values():
        amqp = channel["bindings"]["amqp"]
        assert amqp["is"] == "routingKey"
        assert amqp["exchange"] == {"name": envelopes.EXCHANGE, "type": "topic", "durable": True,
                                    "autoDelete": False}


def test_publishers_and_consumers_are_those_of_the_contracts_and_subscriptions():
    sent = {(op["x-nabo-service"], resolve(op["channel"]["$ref"])["address"])
            for op in DOC["operations"].values() if op["action"] == "send"}
    assert sent == {(t.source, t.name) for t in envelopes.REGISTRY.values()}
    received = {(op["x-nabo-queue"], resolve(op["channel"]["$ref"])["address"])
                for op in DOC["operations"].values() if op["action"] == "receive"}
    assert received == {(queue, t) for queue, types in BINDINGS.items() for t in types}


@pytest.mark.parametrize("name", sorted(envelopes.REGISTRY))
def test_every_contract_has_an_example_that_its_message_schemas_accept(name):
    etype = envelopes.REGISTRY[name]
    assert etype.example is not None, f"give {etype.schema.__name__} an @example"
    message = DOC["components"]["messages"][asyncapi.key(name)]
    example = message["examples"][0]
    assert example["payload"]["data"] == etype.example  # it survives building as a publisher builds it
    assert problems(DOC, asyncapi.key(name), example["payload"], example["headers"]) == []


def test_a_payload_off_its_contract_is_refused():
    # the schemas are not vacuous: a missing field, a wrong type and a wrong routing are all caught
    envelope = asyncapi.example_envelope(envelopes.REGISTRY["person.created"])
    headers = {envelopes.COMMITTED_AT_HEADER: 1}
    assert problems(DOC, "person-created", envelope, headers) == []
    del envelope["data"]["name"]
    assert problems(DOC, "person-created", envelope, headers)
    envelope = asyncapi.example_envelope(envelopes.REGISTRY["person.created"])
    assert problems(DOC, "person-updated", envelope, headers)  # its type is not person.updated
    assert problems(DOC, "person-created", envelope, {envelopes.COMMITTED_AT_HEADER: "soon"})
