"""What a browser on an allowed origin may send and read."""
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request, Response

from gateway import cors
from gateway.idempotency import REPLAYED_HEADER

ORIGIN = "https://app.example.nl"


def answered(headers=None, response_headers=None):
    environ = EnvironBuilder(path="/v1/events", headers={"Origin": ORIGIN, **(headers or {})}).get_environ()
    request = Request(environ)
    response = Response("{}", headers=response_headers)
    cors.allow_origin(request, response, [ORIGIN])
    return response


def listed(value):
    return {name.strip().lower() for name in value.split(",")}


def test_a_browser_may_send_an_idempotency_key_and_a_conditional_get():
    allowed = listed(answered().headers["Access-Control-Allow-Headers"])
    assert {"authorization", "idempotency-key", "if-none-match", "accept-language"} <= allowed


def test_a_browser_may_read_the_etag_the_location_and_whether_a_write_was_replayed():
    exposed = listed(answered().headers["Access-Control-Expose-Headers"])
    assert {"etag", "location", REPLAYED_HEADER.lower(), "retry-after", "x-request-id", "sunset"} <= exposed


def test_origin_is_added_to_what_the_answer_varies_by_not_put_in_its_place():
    response = answered(response_headers={"Vary": "Accept"})
    assert listed(response.headers["Vary"]) == {"accept", "origin"}


def test_an_origin_not_configured_is_told_nothing():
    request = Request(EnvironBuilder(headers={"Origin": "https://evil.example"}).get_environ())
    response = Response("{}")
    cors.allow_origin(request, response, [ORIGIN])
    assert "Access-Control-Allow-Origin" not in response.headers
