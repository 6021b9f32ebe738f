"""The request-body examples the API page offers to "Try it out" fit their resource (that each is a body its
route takes: tests/e2e/test_demo_and_walkthrough.py)."""

import re
from datetime import datetime, timezone

import pytest
from marshmallow import ValidationError

import gateway.service  # noqa: F401  (declares every route)
from contracts.taxonomy import EXAMPLE_THEME_KEYS, seed_id
from gateway import openapi
from gateway.http import ROUTES
from nabo_common.api import validation
from services.members.taxonomy import THEMES
from tests.support.openapi_schema import validator

DOC = openapi.build()
BODIES = {
    op["operationId"]: op["requestBody"]["content"]["application/json"]["example"]
    for operations in DOC["paths"].values()
    for op in operations.values()
    if "requestBody" in op
}
ROUTE_BODIES = {route.name: route.body for route in ROUTES if route.body is not None}


def test_resources_of_different_kinds_get_names_and_titles_of_their_own():
    # a person named like a company, or an idea titled like a meeting, teaches the wrong thing
    named = {}
    for operation, body in BODIES.items():
        if operation not in ROUTE_BODIES:  # a CSV upload's JSON form
            continue
        resource = ROUTE_BODIES[operation].__name__.removesuffix("Create").removesuffix("Update")
        for field in ("name", "title"):
            if isinstance(body.get(field), str):
                named.setdefault(body[field], set()).add(resource)
    shared = {value: kinds for value, kinds in named.items() if len(kinds) > 1}
    assert shared == {}


def test_people_are_not_named_like_companies_however_deep_they_are():
    names = {
        operation: BODIES[operation]["name"]
        for operation in ("create_person", "register", "update_registration")
    }
    names["register_many"] = BODIES["register_many"]["registrations"][0]["name"]
    for operation, name in names.items():
        words = name.split()
        assert len(words) >= 2 and not {"ApS", "A/S", "GmbH", "BV", "AB"} & set(words), operation


def test_periods_end_after_they_start():
    for operation, start, end in (
        ("create_programme", "period_start", "period_end"),
        ("create_membership", "start_date", "end_date"),
        ("create_offer_or_need", "available_from", "available_until"),
    ):
        assert BODIES[operation][start] < BODIES[operation][end], operation


def _examples():
    for operations in DOC["paths"].values():
        for op in operations.values():
            for media, content in op.get("requestBody", {}).get("content", {}).items():
                if "example" in content:
                    yield op["operationId"], media, content


@pytest.mark.parametrize(
    "operation, media, content",
    [pytest.param(*example, id=f"{example[0]}-{example[1]}") for example in _examples()],
)
def test_every_example_is_a_body_its_own_schema_takes(operation, media, content):
    errors = [
        f"{list(e.absolute_path)}: {e.message}"
        for e in validator(content["schema"], DOC).iter_errors(content["example"])
    ]
    assert errors == []


@pytest.mark.parametrize(
    "route", [route for route in ROUTES if route.body is not None], ids=lambda route: route.name
)
def test_every_example_is_a_body_its_route_takes(route):
    example = BODIES[route.name]
    try:
        validation.schema(route.body).load(example)
    except ValidationError as exc:
        pytest.fail(f"{route.name}: {exc.messages}")


def test_trying_a_change_of_ones_own_record_leaves_the_sign_in_alone():
    assert not {"email", "password"} & set(BODIES["update_person"])
    assert BODIES["update_person"]


def test_a_registration_is_a_guests_or_a_persons_not_a_mix():
    body = BODIES["register"]
    assert ("person_id" in body) != ({"name", "email"} <= set(body))


def test_a_meeting_markets_windows_lie_within_the_events_example():
    event = BODIES["create_event"]
    for window in BODIES["configure_meeting_market"]["windows"]:
        start, end = (datetime.fromisoformat(window[f]) for f in ("starts_at", "ends_at"))
        assert (
            datetime.fromisoformat(event["starts_at"])
            <= start
            < end
            <= datetime.fromisoformat(event["ends_at"])
        ), window
        assert start > datetime.now(timezone.utc)


def test_nested_examples_fit_their_field():
    for operation in ("create_event", "update_event"):
        body = BODIES[operation]
        assert all(question["text"].endswith("?") for question in body["questions"]), operation
        for person in body["people"]:
            assert not {"ApS", "A/S", "GmbH", "BV", "AB"} & set(person["name"].split()), operation


def test_examples_leave_out_what_names_state_an_installation_need_not_have():
    # "Try it out" as shown: no association of someone else's, no answer to a question not asked
    assert not {"association_id", "network_id"} & set(BODIES["create_webhook"])
    assert "answers" not in BODIES["register"]
    assert not {"answers", "person_id"} & set(BODIES["register_many"]["registrations"][0])


UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
SEEDED = {seed_id(key): key for key, _parent, _labels in THEMES}
# the fields whose values are ids of the theme taxonomy
THEME_FIELDS = {"themes", "theme_id", "into_theme_id"}


def _ids(value, name=""):
    """(field name, id) for every id in an example, however deep; a list's ids under the list's name."""
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _ids(inner, key)
    elif isinstance(value, list):
        for inner in value:
            yield from _ids(inner, name)
    elif isinstance(value, str) and UUID_RE.match(value):
        yield name, value


def test_an_example_theme_id_is_a_seeded_themes_so_the_request_works_as_shown():
    found = [(operation, name, value) for operation, body in BODIES.items() for name, value in _ids(body)
             if name in THEME_FIELDS or (name == "parent_id" and operation.endswith("_theme"))]
    assert {operation for operation, _name, _value in found} >= {
        "create_event", "create_organisation", "create_offer_or_need", "start_thread", "create_panel",
        "submit_idea", "create_theme", "merge_theme"}
    assert [entry for entry in found if entry[2] not in SEEDED] == []
    parents = {key: parent for key, parent, _labels in THEMES}
    assert all(parents[key] is None for key in EXAMPLE_THEME_KEYS)  # a parent a new theme may take


def test_example_ids_of_other_kinds_differ_by_kind():
    kinds = {}
    for body in BODIES.values():
        for name, value in _ids(body):
            if value not in SEEDED:
                kinds.setdefault(value, set()).add(name.removesuffix("_ids").removesuffix("_id"))
    assert len(kinds) > 5
    assert {value: names for value, names in kinds.items() if len(names) > 1} == {}


def test_the_example_of_a_new_theme_is_not_a_seeded_one_so_trying_it_creates_it():
    seeded = {key for key, *_ in THEMES}
    assert BODIES["create_theme"]["key"] not in seeded


def test_thread_and_post_edit_examples_are_an_authors_edit():
    # anyone but a convener editing their own post would meet 403 with locked or hidden in the body
    for operation, author_fields, convener_field in (
        ("update_thread", {"title", "kind"}, "locked"),
        ("update_post", {"body", "themes", "links"}, "hidden"),
    ):
        assert set(BODIES[operation]) == author_fields, operation
        schema = ROUTE_BODIES[operation]()
        assert convener_field in schema.fields, operation
        assert "Conveners'" in schema.fields[convener_field].metadata["description"], operation


def test_waking_a_network_is_offered_to_its_conveners_not_to_any_member():
    # members get 403 (docs/networks.md): they wake a dormant network by answering a question
    summary = next(op for ops in DOC["paths"].values() for op in ops.values()
                   if op["operationId"] == "wake_network")["summary"]
    assert "any member" not in summary and "conveners" in summary and "admins" in summary
