"""Regressions found by fuzzing: JSON types are strict, optional bodies are
documented as optional, and unsubscribe tokens are URL-safe."""
import gateway.service  # noqa: F401  (declares every route)
from gateway import openapi
from gateway.http import ROUTES


def test_booleans_and_integers_must_be_json_booleans_and_integers(tenant_a):
    person_id = tenant_a.member_person["id"]
    r = tenant_a.member.post(
        f"/v1/persons/{person_id}/consents",
        {
            "association_id": tenant_a.id,
            "kind": "contact",
            "granted": 0,
            "source": "form",
            "wording_version": "v1",
        },
    )
    # in the Dutch admin's language, with a code that is not
    assert r.status_code == 422, r.text
    assert r.json()["errors"]["granted"] == ["Geen geldige booleaanse waarde."]
    assert r.json()["field_errors"][0]["code"] == "invalid_boolean"
    r = tenant_a.admin.post(
        "/v1/programmes",
        {
            "title": "Typed",
            "period_start": "2025-01-01",
            "period_end": "2025-12-31",
            "budget_amount_minor": "100",
            "currency": "EUR",
            "planned_events": 7.5,
        },
    )
    assert r.status_code == 422, r.text
    assert set(r.json()["errors"]) == {"budget_amount_minor", "planned_events"}
    r = tenant_a.admin.post(
        "/v1/events/00000000-0000-4000-8000-000000000000/attendance", {"anonymous_count": True}
    )
    assert r.status_code == 422 and "anonymous_count" in r.json()["errors"], r.text


def test_a_body_of_only_optional_fields_is_documented_as_optional_unless_it_may_not_be_empty():
    doc = openapi.build()
    for route in ROUTES:
        if route.body is None:
            continue
        body = doc["paths"][route.path][route.method.lower()]["requestBody"]
        needs = (any(f.required for f in route.body().load_fields.values())
                 or bool(getattr(route.body, "json_schema", {}).get("minProperties")))
        assert body["required"] is needs, f"{route.method} {route.path}"
    assert doc["paths"]["/v1/programmes"]["post"]["requestBody"]["required"] is True
    assert doc["paths"]["/v1/programmes/{id}"]["patch"]["requestBody"]["required"] is False
    assert doc["paths"]["/v1/posts/{id}"]["patch"]["requestBody"]["required"] is True


def test_unsubscribe_tokens_are_documented_url_safe_and_others_are_422(api):
    """A documented 2000-character token must fit the server's request line (8 KiB), so it is URL-safe."""
    params = openapi.build()["paths"]["/v1/unsubscribe"]["post"]["parameters"]
    [token] = [p for p in params if p["name"] == "token"]
    assert token["schema"]["pattern"] == "^[A-Za-z0-9_.=-]+$"
    r = api.post("/v1/unsubscribe", params={"token": "ü" * 30})
    assert r.status_code == 422 and "token" in r.json()["errors"], r.status_code


def test_a_body_nested_too_deeply_is_a_400_not_a_500(api, tenant_a):
    # once answered 500: the sign-in limit's look at the body and the JSON decoder ran out of recursion
    unbalanced = "[" * 1000
    balanced = '{"a": ' + "[" * 3000 + "1" + "]" * 3000 + "}"
    for body in (unbalanced, balanced):
        r = api.post("/v1/auth/token", data=body, headers={"Content-Type": "application/json"})
        assert r.status_code == 400, r.text[:300]
        assert r.headers["Content-Type"] == "application/problem+json"
    r = tenant_a.admin.post("/v1/organisations", data=balanced, headers={"Content-Type": "application/json"})
    assert r.status_code == 400, r.text[:300]
    assert "64" in r.json()["detail"]
