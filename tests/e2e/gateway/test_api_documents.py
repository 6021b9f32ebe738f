"""The gateway serves both descriptions of the system, of one version: the HTTP API and the events."""
from nabo_common import __version__
from nabo_common.messaging import envelopes
from tests.support.api import check


def test_the_events_are_described_at_v1_asyncapi_json(api):
    response = api.get("/v1/asyncapi.json")
    doc = check(response, 200)
    assert response.headers["content-type"] == "application/json"
    assert doc["asyncapi"] == "3.0.0"
    assert {channel["address"] for channel in doc["channels"].values()} == set(envelopes.REGISTRY)
    assert any(op["action"] == "receive" for op in doc["operations"].values())  # the consumers are there
    assert doc["info"]["version"] == check(api.get("/v1/openapi.json"), 200)["info"]["version"] == __version__
