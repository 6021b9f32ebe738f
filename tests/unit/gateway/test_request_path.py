"""What every gateway request passes through, found once where it does not change from request to request:
the answers stay what they were."""
import copy
from types import SimpleNamespace

import pytest
from nameko.exceptions import IncorrectSignature
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request, Response

import gateway.service  # noqa: F401  (declares every route)
from gateway import metrics
from gateway.auth import pick_language
from gateway.conditional import cache_control, conditional
from gateway.http import ApiRoute
from gateway.server import SECURITY_HEADERS, secure, unwritable_headers
from gateway.service import Gateway
from nabo_common.i18n import negotiation
from nabo_common.runtime.metrics import REGISTRY


def bound_route(name):
    (entrypoint,) = getattr(Gateway, name).nameko_entrypoints
    route = copy.copy(entrypoint)  # as the container binds it, without a server to register with
    route.container, route.method_name = SimpleNamespace(service_cls=Gateway), name
    return route


def test_a_route_takes_its_request_and_path_values_unchecked_and_refuses_one_named_as_its_own_parameters():
    route = bound_route("get_event")
    assert isinstance(route, ApiRoute)
    assert route.check_signature((object(),), {"id": "x"}) is None
    with pytest.raises(IncorrectSignature):  # nameko's own check, as before
        route.check_signature((object(),), {"request": "x"})
    with pytest.raises(IncorrectSignature):
        route.check_signature((), {"id": "x"})


def test_security_headers_and_the_request_id_are_added_where_the_answer_has_none_of_its_own():
    own = Response("<p>hi</p>", content_type="text/html", headers={
        "x-frame-options": "SAMEORIGIN", "Content-Security-Policy": "default-src 'self'",
        "X-Request-ID": "route-id-1"})
    secure(own, "https://nabo.example", "server-id-1")
    assert own.headers.getlist("X-Frame-Options") == ["SAMEORIGIN"]
    assert own.headers.getlist("Content-Security-Policy") == ["default-src 'self'"]
    assert own.headers.getlist("X-Request-ID") == ["route-id-1"]
    plain = Response("{}", content_type="application/json")
    secure(plain, "https://nabo.example", "server-id-1")
    assert [(k, plain.headers[k]) for k in SECURITY_HEADERS] == list(SECURITY_HEADERS.items())
    assert plain.headers["X-Request-ID"] == "server-id-1"
    assert "Content-Security-Policy" not in plain.headers
    page = secure(Response("<p>hi</p>", content_type="text/html; charset=utf-8"), "https://nabo.example")
    assert "form-action 'self' https://nabo.example" in page.headers["Content-Security-Policy"]


def test_an_unwritable_header_is_named_however_many_are_fine():
    response = Response("{}", headers={"X-Fine": "yes", "X-Other": "also"})
    assert unwritable_headers(response) == []
    response.headers._list.append(("X-Bad", "caf\u00e9 \u2603"))  # past Latin-1
    assert unwritable_headers(response) == ["X-Bad"]


@pytest.mark.parametrize("authorization, expected", [(None, "no-cache"), ("Bearer t", "private, no-cache")])
def test_a_get_answer_is_marked_for_revalidation_unless_it_says_otherwise(authorization, expected):
    request = SimpleNamespace(method="GET", headers={"Authorization": authorization} if authorization else {},
                              environ={"REQUEST_METHOD": "GET"})
    answer = conditional(request, Response("{}"))
    assert answer.headers.getlist("Cache-Control") == [expected]
    request.environ["REQUEST_METHOD"] = "GET"
    kept = conditional(request, Response("{}", headers={"cache-control": "max-age=60"}))
    assert kept.headers.getlist("Cache-Control") == ["max-age=60"]


def test_every_answer_counts_in_the_latency_histogram_under_its_labels():
    labels = {"route": "/v1/test-request-path", "method": "GET", "status": "200"}

    def count():
        return REGISTRY.get_sample_value("nabo_http_request_duration_seconds_count", labels) or 0.0

    request = SimpleNamespace(method="GET", path="/v1/test-request-path", nabo_request_id="r-1")
    before = count()
    for _ in range(3):
        metrics.record("/v1/test-request-path", request, Response("{}"), 0.0)
    assert count() == before + 3


@pytest.mark.parametrize("accept_language", [None, "", "da", "de-AT,de;q=0.9,en;q=0.5", "sv-FI", "xx, *",
                                             "en;q=0, nl", "fr, " * 100 + "de"])
@pytest.mark.parametrize("fallback", [None, "en", "nl"])
def test_the_language_asked_for_is_the_one_negotiation_finds_however_often_it_is_asked(accept_language,
                                                                                         fallback):
    for _ in range(2):  # once read, once remembered (a header past the remembered length: read again)
        assert pick_language(accept_language, fallback) == negotiation.negotiate(accept_language, fallback)


def werkzeug_conditional(request, response):
    """What the conditional step did with werkzeug's own calls."""
    response.headers.setdefault("Cache-Control", cache_control(request))
    response.vary.update(("Authorization", "Accept-Language"))
    response.add_etag(overwrite=False)
    return response.make_conditional(request)


OWN_HEADERS = [{}, {"Vary": "Accept"}, {"ETag": '"own"'}, {"Cache-Control": "no-store"},
               {"vary": "Origin", "etag": 'W/"weak"', "Last-Modified": "Mon, 01 Jan 2024 00:00:00 GMT"}]


@pytest.mark.parametrize("headers", OWN_HEADERS)
@pytest.mark.parametrize("asked", [{}, {"Authorization": "Bearer t"}, {"If-None-Match": '"own"'},
                                   {"If-None-Match": '"3f2a"', "If-Match": '"3f2a"'}])
def test_a_get_answer_is_tagged_as_werkzeug_tags_it(headers, asked):
    def pair():
        request = Request(EnvironBuilder(path="/v1/x", headers=asked).get_environ())
        return request, Response('{"a": 1}', content_type="application/json", headers=headers)

    ours, theirs = conditional(*pair()), werkzeug_conditional(*pair())
    assert ours.status_code == theirs.status_code
    assert [k for k, _ in ours.headers] == [k for k, _ in theirs.headers]
    assert [h for h in ours.headers if h[0] != "Date"] == [h for h in theirs.headers if h[0] != "Date"]
