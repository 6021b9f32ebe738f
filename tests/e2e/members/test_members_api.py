"""Members through the gateway: the happy paths, tenant isolation and bad input."""
import pytest

from tests.support.api import check, unique
from tests.support.covers import covers


@covers("GET /v1/me")
def test_sign_in_and_me(api, tenant_a):
    me = check(tenant_a.member.get("/v1/me"), 200)
    assert me["person"]["email"] == tenant_a.member_email
    assert "member" in me["roles"]
    assert tenant_a.id in me["member_of"]
    assert me["organisation_ids"] == [tenant_a.organisation["id"]]


def test_wrong_password_is_401_problem(api, tenant_a):
    r = api.post("/v1/auth/token", {"email": tenant_a.member_email, "password": "not-the-password"})
    assert r.status_code == 401
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["title"] == "Not authenticated"


def test_token_endpoint_is_rate_limited(api):
    email = f"{unique('guess')}@nabo.test"
    statuses = [
        api.post("/v1/auth/token", {"email": email, "password": f"guess-{i}"}).status_code for i in range(12)
    ]
    assert statuses.count(401) == 10 - 0 or 429 in statuses
    assert statuses[-1] == 429


@covers("GET /v1/organisations")
def test_organisation_search_by_sector_country_region(tenant_a, tenant_b):
    found = check(
        tenant_a.admin.get(
            "/v1/organisations", params={"sector": "62", "country": "NL", "region": "Drenthe"}
        ),
        200,
    )
    ids = {o["id"] for o in found["items"]}
    assert tenant_a.organisation["id"] in ids
    assert tenant_b.organisation["id"] not in ids


@covers("GET /v1/memberships/{id}")
def test_membership_transitions_are_dated_history(tenant_a):
    m = check(tenant_a.admin.get(f"/v1/memberships/{tenant_a.membership['id']}"), 200)
    assert m["status"] == "active"
    assert [t["to_status"] for t in m["transitions"]] == ["pending", "active"]
    r = tenant_a.admin.post(f"/v1/memberships/{m['id']}/transitions", {"to": "pending"})
    assert r.status_code == 409


@covers(
    "GET /v1/memberships",
    "GET /v1/organisations/{id}",
    "POST /v1/memberships",
    "POST /v1/organisations",
)
def test_an_organisation_can_be_member_of_both_associations(tenant_a, tenant_b, platform):
    org = check(
        tenant_a.admin.post(
            "/v1/organisations",
            {"name": unique("Grensbedrijf"), "country": "NL", "visibility": "all_associations"},
        ),
        201,
    )
    check(
        tenant_a.admin.post(
            "/v1/memberships", {"organisation_id": org["id"], "association_id": tenant_a.id, "type": "full"}
        ),
        201,
    )
    r = check(
        tenant_b.admin.post(
            "/v1/memberships",
            {"organisation_id": org["id"], "association_id": tenant_b.id, "type": "associate"},
        ),
        201,
    )
    assert r["status"] == "pending"
    org = check(platform.get(f"/v1/organisations/{org['id']}"), 200)
    assert {m["association_id"] for m in org["memberships"]} == {tenant_a.id, tenant_b.id}
    # each association sees its own membership of the shared organisation, not the other's
    mine = check(tenant_b.admin.get("/v1/memberships", params={"organisation_id": org["id"]}), 200)
    assert [m["association_id"] for m in mine["items"]] == [tenant_b.id]


@covers("POST /v1/persons/{id}/consents")
def test_consents_keep_history(tenant_a):
    person_id = tenant_a.member_person["id"]
    base = {
        "association_id": tenant_a.id,
        "kind": "newsletter",
        "source": "signup-form",
        "wording_version": "v1",
    }
    check(tenant_a.member.post(f"/v1/persons/{person_id}/consents", dict(base, granted=True)), 201)
    state = check(tenant_a.member.post(f"/v1/persons/{person_id}/consents", dict(base, granted=False)), 201)
    assert [c["granted"] for c in state["current"] if c["kind"] == "newsletter"] == [False]
    assert [c["granted"] for c in state["history"] if c["kind"] == "newsletter"] == [True, False]


@pytest.mark.parametrize("path_key", ["organisation", "membership", "member_person", "admin_person"])
def test_admin_of_b_cannot_see_a_by_id(tenant_a, tenant_b, path_key):
    resource = getattr(tenant_a, path_key)
    path = {
        "organisation": "/v1/organisations/",
        "membership": "/v1/memberships/",
        "member_person": "/v1/persons/",
        "admin_person": "/v1/persons/",
    }[path_key] + resource["id"]
    assert tenant_b.admin.get(path).status_code == 404
    assert (
        tenant_b.admin.patch(
            path,
            {"name": "hijacked"}
            if "person" in path_key or path_key == "organisation"
            else {"type": "associate"},
        ).status_code
        == 404
    )


@covers("GET /v1/memberships", "GET /v1/organisations", "GET /v1/persons")
def test_admin_of_b_cannot_see_a_in_lists(tenant_a, tenant_b):
    orgs = check(tenant_b.admin.get("/v1/organisations", params={"limit": 200}), 200)
    assert tenant_a.organisation["id"] not in {o["id"] for o in orgs["items"]}
    persons = check(tenant_b.admin.get("/v1/persons", params={"limit": 200}), 200)
    assert not {tenant_a.member_person["id"], tenant_a.admin_person["id"]} & {
        p["id"] for p in persons["items"]
    }
    ms = check(tenant_b.admin.get("/v1/memberships", params={"association_id": tenant_a.id}), 200)
    assert ms["items"] == []
    consents = tenant_b.admin.get(f"/v1/persons/{tenant_a.member_person['id']}/consents")
    assert consents.status_code == 404


def test_member_cannot_create_association_or_grant_itself_admin(tenant_a):
    r = tenant_a.member.post(
        "/v1/associations",
        {
            "name": "x",
            "slug": unique("x"),
            "country": "NL",
            "default_language": "nl",
            "time_zone": "Europe/Amsterdam",
        },
    )
    assert r.status_code == 403
    r = tenant_a.member.post(
        f"/v1/persons/{tenant_a.member_person['id']}/roles",
        {"scope": "association", "scope_id": tenant_a.id, "role": "admin"},
    )
    assert r.status_code == 403


@pytest.mark.parametrize(
    "body,status",
    [
        ('{"name": ', 400),
        ("[1, 2]", 422),
        ('{"name": 5, "country": "NL"}', 422),
        ('{"name": "Acme", "country": "NL", "id": "x"}', 422),
        ('{"name": "Acme", "country": "NL", "visibility": "secret"}', 422),
    ],
)
@covers("GET /v1/organisations")
def test_bad_organisation_bodies_are_rejected_and_change_nothing(tenant_a, body, status):
    before = check(tenant_a.admin.get("/v1/organisations", params={"limit": 1}), 200)["total"]
    r = tenant_a.admin.post("/v1/organisations", data=body, headers={"Content-Type": "application/json"})
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    after = check(tenant_a.admin.get("/v1/organisations", params={"limit": 1}), 200)["total"]
    assert before == after


def test_unknown_field_is_named_in_problem(tenant_a):
    r = tenant_a.admin.post(
        "/v1/organisations",
        {"name": "Acme", "country": "NL", "owner_association_id": "x" * 36, "status": "active"},
    )
    assert r.status_code == 422
    assert r.json()["errors"]["status"] == ["Onbekend veld."]  # in the Dutch admin's language
    unknown = {"field": "status", "code": "unknown_field", "message": "Onbekend veld."}
    assert unknown in r.json()["field_errors"]


def test_oversized_body_is_413(tenant_a):
    r = tenant_a.admin.post(
        "/v1/organisations", {"name": "Acme", "country": "NL", "description": "x" * 400_000}
    )
    assert r.status_code == 413


def test_huge_page_size_and_bad_query_are_422(tenant_a):
    assert tenant_a.admin.get("/v1/organisations", params={"limit": 100000}).status_code == 422
    assert tenant_a.admin.get("/v1/organisations", params={"limit": "ten"}).status_code == 422
    assert tenant_a.admin.get("/v1/organisations", params={"colour": "red"}).status_code == 422


def test_non_json_content_type_is_415(tenant_a):
    r = tenant_a.admin.post("/v1/organisations", data="name=Acme", headers={"Content-Type": "text/plain"})
    assert r.status_code == 415


def test_no_token_is_401_and_garbage_token_is_401(api):
    assert api.get("/v1/me").status_code == 401
    assert api.get("/v1/me", headers={"Authorization": "Bearer not.a.jwt"}).status_code == 401


@covers("GET /v1/persons/{id}/export", "POST /v1/persons")
def test_gdpr_export_and_erasure(tenant_a, api):
    person = check(
        tenant_a.admin.post(
            "/v1/persons",
            {
                "name": "Erin Example",
                "email": f"{unique('erin')}@nabo.test",
                "language": "da",
                "organisations": [{"organisation_id": tenant_a.organisation["id"]}],
            },
        ),
        201,
    )
    export = check(tenant_a.admin.get(f"/v1/persons/{person['id']}/export"), 200)
    assert export["services"]["members"]["person"]["name"] == "Erin Example"
    check(tenant_a.admin.delete(f"/v1/persons/{person['id']}"), 202)
    after = check(tenant_a.admin.get(f"/v1/persons/{person['id']}/export"), 200)
    assert after["services"]["members"]["person"]["email"] is None
    assert after["services"]["members"]["person"]["name"] == "Erased person"


def test_openapi_is_valid_and_lists_paths(api):
    from openapi_spec_validator import validate

    doc = check(api.get("/v1/openapi.json"), 200)
    validate(doc)
    assert "/v1/organisations/{id}" in doc["paths"]
    page = api.get("/v1/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    for asset, content_type in (("swagger-ui-bundle.js", "text/javascript"), ("swagger-ui.css", "text/css"),
                                ("nabo-docs.js", "text/javascript")):
        assert f"/v1/docs/assets/{asset}" in page.text
        served = api.get(f"/v1/docs/assets/{asset}")
        assert served.status_code == 200 and served.headers["content-type"].startswith(content_type)
    assert "/v1/openapi.json" in api.get("/v1/docs/assets/nabo-docs.js").text


def test_health_and_metrics(system, api):
    import requests

    for component in system.settings:
        base = system.url(component)
        assert requests.get(base + "/health/live", timeout=5).status_code == 200
        ready = requests.get(base + "/health/ready", timeout=5)
        assert ready.status_code == 200, ready.text
        metrics = requests.get(base + "/metrics", timeout=5).text
        assert "nabo_entrypoint_duration_seconds" in metrics
    assert "nabo_outbox_backlog" in requests.get(system.url("members") + "/metrics", timeout=5).text


@covers("GET /v1/associations/{id}/audit", "POST /v1/events")
def test_audit_trail_records_who_changed_what_in_every_service(tenant_a, tenant_b, api):
    import time
    from datetime import datetime, timedelta, timezone

    def eventually(fetch, timeout=20.0):  # the trail is written from events, a moment after the change
        deadline = time.monotonic() + timeout
        while not (found := fetch()) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert found, "no such audit entry"
        return found

    new_name = f"Ondernemersvereniging {unique('audit')}"
    check(tenant_a.admin.patch(f"/v1/associations/{tenant_a.id}", {"name": new_name}), 200)
    # the tenant is shared with later tests (mail subjects carry its name): give it back its name
    check(
        tenant_a.admin.patch(f"/v1/associations/{tenant_a.id}", {"name": tenant_a.association["name"]}), 200
    )
    start = datetime.now(timezone.utc) + timedelta(days=30)
    event = check(
        tenant_a.admin.post(
            "/v1/events",
            {
                "title": "Audit breakfast",
                "format": "online",
                "languages": ["nl"],
                "time_zone": "Europe/Amsterdam",
                "starts_at": start.isoformat(),
                "ends_at": (start + timedelta(hours=1)).isoformat(),
                "join_url": "https://meet.example/audit",
            },
        ),
        201,
    )
    check(tenant_a.admin.post(f"/v1/events/{event['id']}/transitions", {"to": "published"}), 200)
    admin_id = tenant_a.admin_person["id"]

    def entries(**query):
        return check(tenant_a.admin.get(f"/v1/associations/{tenant_a.id}/audit", params=query), 200)["items"]

    renamed = eventually(
        lambda: [e for e in entries(action="association.updated") if e["details"]["name"] == new_name]
    )
    assert renamed[0]["actor_id"] == admin_id and renamed[0]["subject_id"] == tenant_a.id
    assert renamed[0]["source"] == "members"
    published = eventually(
        lambda: [e for e in entries(action="event.published") if e["subject_id"] == event["id"]]
    )
    assert published[0]["actor_id"] == admin_id and published[0]["source"] == "events"
    by_admin = entries(actor_id=admin_id)
    assert {"association.updated", "event.published"} <= {e["action"] for e in by_admin}
    assert all(e["actor_id"] == admin_id for e in by_admin)
    # no personal data in the trail: the member created by the admin appears as an id only
    created = [e for e in entries(action="person.created") if e["subject_id"] == tenant_a.member_person["id"]]
    assert created and "email" not in created[0]["details"] and "name" not in created[0]["details"]
    # newest first, and filters work
    times = [e["occurred_at"] for e in entries()]
    assert times == sorted(times, reverse=True)
    assert entries(since=(datetime.now(timezone.utc) + timedelta(minutes=5)).isoformat()) == []
    # the trail is the association's admins' alone
    assert tenant_b.admin.get(f"/v1/associations/{tenant_a.id}/audit").status_code == 403
    assert tenant_a.member.get(f"/v1/associations/{tenant_a.id}/audit").status_code == 403
    assert api.get(f"/v1/associations/{tenant_a.id}/audit").status_code == 401
    assert (
        tenant_a.admin.get(f"/v1/associations/{tenant_a.id}/audit", params={"action": "x" * 300}).status_code
        == 422
    )


@covers(
    "GET /v1/associations/{id}/audit",
    "GET /v1/campaigns/{id}/audience",
    "POST /v1/campaigns",
    "POST /v1/events",
    "POST /v1/events/{id}/registrations",
    "POST /v1/persons",
    "POST /v1/programmes",
    "POST /v1/programmes/{id}/costs",
)
def test_audit_trail_records_consents_costs_campaigns_registrations_attendance_and_roles(tenant_a, api):
    import time
    from datetime import datetime, timedelta, timezone

    admin, admin_id = tenant_a.admin, tenant_a.admin_person["id"]

    def audited(action, subject_id, timeout=20.0):
        """The trail's entry of ``action`` on ``subject_id``, once the event has reached it."""
        deadline = time.monotonic() + timeout
        while True:
            found = [
                e
                for e in check(
                    admin.get(
                        f"/v1/associations/{tenant_a.id}/audit", params={"action": action, "limit": 200}
                    ),
                    200,
                )["items"]
                if e["subject_id"] == subject_id
            ]
            if found or time.monotonic() > deadline:
                assert len(found) == 1, f"no {action} entry for {subject_id}"
                assert found[0]["actor_id"] == admin_id, found[0]
                return found[0]["details"]
            time.sleep(0.2)

    person = check(
        admin.post(
            "/v1/persons",
            {
                "name": "Audited Person",
                "email": f"{unique('aud')}@nabo.test",
                "language": "nl",
                "home_association_id": tenant_a.id,
            },
        ),
        201,
    )
    check(
        admin.post(
            f"/v1/persons/{person['id']}/consents",
            {
                "association_id": tenant_a.id,
                "kind": "newsletter",
                "granted": True,
                "source": "paper-form",
                "wording_version": "v2",
            },
        ),
        201,
    )
    check(
        admin.post(
            f"/v1/persons/{person['id']}/roles",
            {"scope": "association", "scope_id": tenant_a.id, "role": "admin"},
        ),
        200,
    )
    programme = check(
        admin.post(
            "/v1/programmes",
            {
                "title": unique("Audited programme"),
                "goal": "Audit",
                "period_start": "2026-01-01",
                "period_end": "2026-12-31",
                "planned_events": 2,
                "budget_amount_minor": 10_000_00,
                "currency": "EUR",
            },
        ),
        201,
    )
    cost = check(
        admin.post(
            f"/v1/programmes/{programme['id']}/costs",
            {"date": "2026-02-01", "description": "Room hire", "amount_minor": 250_00},
        ),
        201,
    )
    start = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=20)
    event = check(
        admin.post(
            "/v1/events",
            {
                "title": unique("Audited meeting"),
                "format": "online",
                "languages": ["nl"],
                "time_zone": "Europe/Amsterdam",
                "starts_at": start.isoformat(),
                "ends_at": (start + timedelta(hours=1)).isoformat(),
                "join_url": "https://meet.example/audit",
            },
        ),
        201,
    )
    check(admin.post(f"/v1/events/{event['id']}/transitions", {"to": "published"}), 200)
    registration = check(
        api.post(
            f"/v1/events/{event['id']}/registrations",
            {"name": "A Guest", "email": f"{unique('guest')}@example.nl"},
        ),
        201,
    )
    check(admin.delete(f"/v1/registrations/{registration['id']}"), 200)
    check(
        admin.post(
            f"/v1/events/{event['id']}/attendance/import",
            {
                "csv": "Name (Original Name),User Email,Join Time,Duration (Minutes)\nOle "
                       "Berg,ole@example.dk,,45\n"
            },
        ),
        200,
    )
    campaign = check(
        admin.post(
            "/v1/campaigns",
            {
                "name": unique("Audited newsletter"),
                "sender_name": "Ondernemers",
                "contents": {"nl": {"subject": "Nieuws", "text": "Nieuws"}},
                "segment": {"association_ids": [tenant_a.id]},
            },
        ),
        201,
    )

    consent = audited("consent.changed", person["id"])
    assert (consent["kind"], consent["granted"], consent["source"]) == ("newsletter", True, "paper-form")
    granted = audited("person.role_granted", person["id"])
    assert (granted["scope"], granted["scope_id"], granted["role"]) == ("association", tenant_a.id, "admin")
    booked = audited("programme.cost_added", programme["id"])
    assert (booked["cost_id"], booked["amount_minor"]) == (cost["costs"][0]["id"], 250_00)
    assert audited("registration.cancelled", registration["id"])["status"] == "cancelled"
    imported = audited("attendance.imported", event["id"])
    assert (imported["rows"], imported["added_walk_ins"]) == (1, 1)
    assert audited("campaign.created", campaign["id"])["status"] == "draft"
    # sent for a month ahead, once the consenting person has reached the notifications service
    deadline = time.monotonic() + 20
    while not check(admin.get(f"/v1/campaigns/{campaign['id']}/audience"), 200)["count"]:
        assert time.monotonic() < deadline, "the consenting person never reached the campaign's audience"
        time.sleep(0.2)
    check(
        admin.post(
            f"/v1/campaigns/{campaign['id']}/send",
            {"at": (datetime.now(timezone.utc) + timedelta(days=30)).isoformat()},
        ),
        202,
    )
    assert audited("campaign.scheduled", campaign["id"])["send_at"]
    check(admin.post(f"/v1/campaigns/{campaign['id']}/cancel"), 200)
    assert audited("campaign.cancelled", campaign["id"])["status"] == "cancelled"
    # no personal data in any of them
    for entry in check(admin.get(f"/v1/associations/{tenant_a.id}/audit", params={"limit": 200}), 200)[
        "items"
    ]:
        assert not {"name", "email", "answers", "description", "text"} & set(entry["details"]) or entry[
            "action"
        ].startswith(("association.", "organisation.", "network.", "campaign.", "programme."))
