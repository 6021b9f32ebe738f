"""Deprecating an operation or a field: marked in the OpenAPI document, with the headers it answers with."""
from datetime import date

import pytest
from marshmallow import Schema, fields

import gateway.service  # noqa: F401  (declares every route)
from contracts.api.events import EventQuery
from gateway import openapi
from gateway.http import ROUTES
from nabo_common import __version__
from nabo_common.api import deprecation

NOTICE = deprecation.Deprecation(date(2026, 12, 1), date(2027, 6, 1), "Use the new search.")


@pytest.fixture
def search_events():
    return next(route for route in ROUTES if route.name == "search_events")


def test_the_headers_say_when_in_the_forms_of_their_rfcs():
    assert NOTICE.headers() == {
        "Deprecation": "@1796083200",  # RFC 9745: a structured-field date, seconds since the epoch
        "Sunset": "Tue, 01 Jun 2027 00:00:00 GMT",  # RFC 8594: an HTTP-date
        "Link": '</v1/docs>; rel="deprecation"; type="text/html"',
    }


def test_a_deprecated_field_is_found_however_deep_it_is_nested():
    class Inner(Schema):
        old = fields.String(metadata=deprecation.deprecated_field(date(2026, 12, 1), date(2027, 3, 1), "x"))

    class Outer(Schema):
        items = fields.List(fields.Nested(Inner))
        plain = fields.String()

    assert deprecation.of_schema(Outer).sunset == date(2027, 3, 1)
    assert deprecation.of_schema(Inner).since == date(2026, 12, 1)
    assert deprecation.of_operation(None, None, Outer) == deprecation.of_schema(Outer)
    assert deprecation.of_operation(NOTICE, Outer) == NOTICE


def test_no_operation_of_the_api_is_deprecated_unless_said_so():
    assert [route.name for route in ROUTES if route.deprecation() is not None] == []


def test_a_deprecated_operation_is_marked_in_the_document(search_events, monkeypatch):
    monkeypatch.setattr(search_events, "deprecated", NOTICE)
    operation = openapi.build()["paths"]["/v1/events"]["get"]
    assert operation["deprecated"] is True
    assert "kept until at least 2027-06-01" in operation["description"]
    # beside the headers every GET answer carries, and the language this one's names are in
    assert set(operation["responses"]["200"]["headers"]) == {
        "Deprecation", "Sunset", "Link", "ETag", "Cache-Control", "Content-Language"}


def test_a_deprecated_field_is_marked_and_its_operation_says_until_when(search_events, monkeypatch):
    field = EventQuery._declared_fields["q"]
    metadata = deprecation.deprecated_field(date(2026, 12, 1), date(2027, 6, 1), "Use ``text``.")
    monkeypatch.setattr(field, "metadata", metadata)
    operation = openapi.build()["paths"]["/v1/events"]["get"]
    q = next(p for p in operation["parameters"] if p["name"] == "q")
    assert q["deprecated"] is True and q["schema"]["x-sunset"] == "2027-06-01"  # a parameter's own mark
    assert "deprecated" not in operation  # the operation stays; one of its fields goes
    assert "A field of this operation is deprecated" in operation["description"]
    assert "Deprecation" in operation["responses"]["200"]["headers"]


def test_the_document_carries_the_version_of_the_api():
    assert openapi.build()["info"]["version"] == __version__


def test_every_operation_is_told_what_the_walk_of_its_schemas_finds():
    for route in ROUTES:
        assert route.deprecation() == deprecation.of_operation(route.deprecated, route.body, route.query,
                                                               route.response), route.name


def test_a_field_marked_after_the_first_answer_is_told_and_unmarked_is_not(search_events, monkeypatch):
    assert search_events.deprecation() is None  # the schemas' nesting is remembered from here
    field = EventQuery._declared_fields["q"]
    with monkeypatch.context() as patched:
        patched.setattr(field, "metadata",
                        deprecation.deprecated_field(date(2026, 12, 1), date(2027, 3, 1), "Use ``text``."))
        assert search_events.deprecation().sunset == date(2027, 3, 1)
    assert search_events.deprecation() is None


def test_the_soonest_sunset_is_told_wherever_its_field_is_nested():
    def marked(sunset):
        return fields.String(metadata=deprecation.deprecated_field(date(2026, 12, 1), sunset, "x"))

    class Leaf(Schema):
        later = marked(date(2027, 9, 1))

    class Middle(Schema):
        leaves = fields.List(fields.Nested(Leaf))
        again = fields.Nested(Leaf)

    class Top(Schema):
        middle = fields.Nested(Middle)
        sooner = marked(date(2027, 6, 1))

    class Own(Schema):
        me = fields.Nested(lambda: Own)
        plain = fields.String()

    assert deprecation.of_operation_fields(None, Top, None, Own).sunset == date(2027, 6, 1)
    assert deprecation.of_operation_fields(None, Own) is None  # a schema nested in itself ends the walk
    assert deprecation.of_operation_fields(NOTICE, Top) == NOTICE
    assert deprecation.of_operation_fields(None, Leaf, Middle) == deprecation.of_operation(None, Leaf, Middle)
