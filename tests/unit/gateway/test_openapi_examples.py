"""The request-body examples the API page offers to "Try it out" fit their resource (that each is a body its
route takes: tests/e2e/test_demo_and_walkthrough.py)."""
import gateway.service  # noqa: F401  (declares every route)
from gateway import openapi
from gateway.http import ROUTES

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
    names = {operation: BODIES[operation]["name"]
             for operation in ("create_person", "update_person", "register", "update_registration")}
    names["register_many"] = BODIES["register_many"]["registrations"][0]["name"]
    for operation, name in names.items():
        words = name.split()
        assert len(words) >= 2 and not {"ApS", "A/S", "GmbH", "BV", "AB"} & set(words), operation


def test_periods_end_after_they_start():
    for operation, start, end in (("create_programme", "period_start", "period_end"),
                                  ("create_membership", "start_date", "end_date"),
                                  ("create_offer_or_need", "available_from", "available_until")):
        assert BODIES[operation][start] < BODIES[operation][end], operation
