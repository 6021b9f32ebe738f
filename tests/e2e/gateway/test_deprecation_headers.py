"""Responses of a deprecated operation, or of one with a deprecated field, say so in their headers."""
from datetime import date

import gateway.service  # noqa: F401  (declares every route)
from contracts.api.events import EventQuery
from gateway.http import ROUTES
from nabo_common.api import deprecation
from tests.support.api import check

SEARCH_EVENTS = next(route for route in ROUTES if route.name == "search_events")


def test_a_deprecated_operation_answers_with_deprecation_and_sunset(api, monkeypatch):
    assert "Deprecation" not in api.get("/v1/events").headers
    monkeypatch.setattr(SEARCH_EVENTS, "deprecated",
                        deprecation.Deprecation(date(2026, 12, 1), date(2027, 6, 1), "Use the new search."))
    response = api.get("/v1/events")
    check(response, 200)  # it keeps working until its sunset
    assert response.headers["Deprecation"] == "@1796083200"
    assert response.headers["Sunset"] == "Tue, 01 Jun 2027 00:00:00 GMT"
    assert 'rel="deprecation"' in response.headers["Link"]
    assert api.get("/v1/events?limit=0").headers["Sunset"]  # a refused request of it is told as well


def test_an_operation_with_a_deprecated_field_answers_with_its_sunset(api, monkeypatch):
    monkeypatch.setattr(EventQuery._declared_fields["q"], "metadata",
                        deprecation.deprecated_field(date(2026, 12, 1), date(2027, 3, 1), "Use ``text``."))
    response = api.get("/v1/events?q=energi")
    check(response, 200)
    assert response.headers["Sunset"] == "Mon, 01 Mar 2027 00:00:00 GMT"
