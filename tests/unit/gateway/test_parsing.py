"""A request body as the gateway reads it: a key named twice in one object is refused, naming the key,
at any depth, however the body came (JSON of a route, JSON of a CSV import)."""
import pytest
from marshmallow import Schema, fields
from werkzeug.test import EnvironBuilder

from gateway import problems
from gateway.parsing import csv_import_payload, parse_body
from nabo_common.api.errors import BadInput


class Venue(Schema):
    name = fields.String()
    city = fields.String()


class Event(Schema):
    title = fields.String()
    venue = fields.Nested(Venue)
    sessions = fields.List(fields.Dict())


def posted(body):
    return EnvironBuilder(method="POST", data=body, content_type="application/json").get_request()


@pytest.mark.parametrize("body, key", [
    ('{"title": "a", "title": "b"}', "title"),
    ('{"title": "a", "venue": {"name": "Hall", "city": "Aarhus", "name": "Aula"}}', "name"),
    ('{"sessions": [{"room": "1"}, {"room": "2", "room": "3"}]}', "room"),
])
def test_a_key_named_twice_in_one_object_is_refused_naming_it_at_any_depth(body, key):
    with pytest.raises(BadInput) as refused:
        parse_body(posted(body), Event)
    assert refused.value.status == 400
    assert refused.value.params == {"key": key}
    assert refused.value.detail == (f'The body names the key "{key}" more than once in one object; '
                                    "name each key once.")


def test_the_same_key_in_different_objects_is_no_repetition():
    body = ('{"title": "a", "venue": {"name": "Hall", "city": "Aarhus"}, '
            '"sessions": [{"name": 1}, {"name": 2}]}')
    assert parse_body(posted(body), Event)["venue"] == {"name": "Hall", "city": "Aarhus"}


def test_a_refused_repetition_is_a_problem_in_the_readers_language():
    with pytest.raises(BadInput) as refused:
        parse_body(posted('{"title": "a", "title": "b"}'), Event)
    body = problems.problem_for(refused.value).nabo_problem.rendered("de")
    assert body["status"] == 400 and '"title"' in body["detail"]
    assert body["detail"] != refused.value.detail


def test_a_very_long_repeated_key_is_named_by_its_beginning():
    key = "k" * 5000
    with pytest.raises(BadInput) as refused:
        parse_body(posted(f'{{"{key}": 1, "{key}": 2}}'), Event)
    assert refused.value.params["key"] == "k" * 100 + "…"


def test_a_csv_import_sent_as_json_with_a_key_named_twice_is_refused_naming_it():
    with pytest.raises(BadInput) as refused:
        csv_import_payload(posted('{"csv": "name,email", "csv": "email"}'))
    assert refused.value.params == {"key": "csv"}


def test_a_body_in_utf16_or_with_a_byte_order_mark_still_reads():
    assert parse_body(posted('{"title": "å"}'.encode("utf-16")), Event) == {"title": "å"}
    assert parse_body(posted('{"title": "å"}'.encode("utf-8-sig")), Event) == {"title": "å"}
