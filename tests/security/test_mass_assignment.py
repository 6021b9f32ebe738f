"""No server-owned field can be set by a client: every body schema refuses
them with 422, except the few a client legitimately chooses (listed, with why)."""
import pytest

import gateway.service  # noqa: F401  (declares every route)
from gateway.http import ROUTES
from tests.security.matrix import BY_KEY
from tests.security.probe import path_of
from tests.support.api import check
from tests.support.covers import covers

SERVER_OWNED = (
    "id",
    "created_at",
    "updated_at",
    "status",
    "role",
    "roles",
    "association_id",
    "owner_association_id",
    "person_id",
    "organisation_id",
    "admin_of",
    "member_of",
    "is_platform_admin",
    "password_hash",
    "erased",
    "erased_at",
    "code",
    "sent_at",
    "recipient_count",
    "support_count",
    "supports",
    "comment_count",
    "registered_count",
    "attendance_count",
    "waitlist_position",
    "memberships",
    "transitions",
    "history",
    "token",
    "secret_encrypted",
    "created_by",
)

# server-owned-sounding fields a client does choose, and why that is safe
CLIENT_CHOSEN = {
    ("POST /v1/memberships", "association_id"): "the association joined; its admin is required",
    ("POST /v1/memberships", "organisation_id"): "the organisation that joins",
    ("POST /v1/organisations", "owner_association_id"): "registering association; its admin is required",
    ("POST /v1/campaigns", "association_id"): "sending association; its admin is required",
    ("POST /v1/webhooks", "association_id"): "subscribing association; its admin is required",
    ("POST /v1/panels", "association_id"): "panel owner; its admin is required",
    ("POST /v1/persons/{id}/consents", "association_id"): "the association the consent is given to",
    ("POST /v1/persons/{id}/roles", "role"): "granting a role is this operation; admins only",
    ("POST /v1/networks/{id}/owners", "association_id"): "the association asked to co-own; it must agree",
    ("PATCH /v1/networks/{id}/members/{person_id}", "role"): "conveners set member roles",
    ("POST /v1/networks/{id}/invitations", "person_id"): "who is invited",
    (
        "POST /v1/events/{id}/registrations",
        "person_id",
    ): "admins register a known person; members only themself",
    ("PATCH /v1/registrations/{id}", "status"): "cancel or confirm; the state machine checks the transition",
    ("POST /v1/panels/{id}/participants", "role"): "participant role; admins only",
    (
        "POST /v1/panels/{id}/initiatives",
        "status",
    ): "initial initiative status from a fixed list; admins only",
    ("POST /v1/initiatives/{id}/progress", "status"): "progress report status from a fixed list; admins only",
    ("POST /v1/events/{id}/attendance", "registration_id"): "which registration attended",
    ("POST /v1/ideas/{id}/supports", "organisation_id"): "supporting on behalf of one's own organisation",
    ("POST /v1/panels/{id}/ideas", "organisation_id"): "submitting for one's own organisation",
    ("POST /v1/posts/{id}/private-answers", "organisation_id"): "answering for one's own organisation",
    (
        "POST /v1/events/{id}/meeting-market/participants",
        "organisation_id",
    ): "taking part with one's own organisation",
    ("PATCH /v1/meeting-requests/{id}", "status"): "answering is this operation; each side its own answers",
    ("PATCH /v1/meetings/{id}", "status"): "cancelling is this operation; its participants and organisers",
}
BODY_ROUTES = [r for r in ROUTES if r.body is not None and r.path != "/v1/auth/token"]


def test_client_chosen_fields_are_still_in_the_schemas():
    """An allowance that no longer applies is removed, so the list stays the truth."""
    schemas = {f"{r.method} {r.path}": set(r.body().load_fields) for r in BODY_ROUTES}
    stale = [k for k in CLIENT_CHOSEN if k[1] not in schemas.get(k[0], set())]
    assert not stale


@pytest.mark.parametrize("route", BODY_ROUTES, ids=[f"{r.method} {r.path}" for r in BODY_ROUTES])
def test_server_owned_fields_are_refused_422(platform, world, route):
    key = f"{route.method} {route.path}"
    accepted = set(route.body().load_fields)
    unexpected = [f for f in SERVER_OWNED if f in accepted and (key, f) not in CLIENT_CHOSEN]
    assert not unexpected, f"{key} accepts server-owned fields {unexpected}"
    path = path_of(BY_KEY[key], world)
    for name in SERVER_OWNED:
        if name in accepted:
            continue
        r = platform.request(route.method, path, json={name: "f6b1c7a2-0000-4000-8000-000000000000"})
        assert r.status_code == 422, f"{key} with {name!r}: {r.status_code} {r.text[:200]}"
        assert name in r.json()["errors"], f"{key}: {r.json()}"


@covers("GET /v1/organisations/{id}")
def test_an_organisations_owner_cannot_be_changed_by_its_people(world, tenant_a, tenant_b):
    path = f"/v1/organisations/{world['organisation']}"
    r = tenant_a.member.patch(path, {"owner_association_id": tenant_b.id})
    assert r.status_code == 422 and "owner_association_id" in r.json()["errors"]
    assert check(tenant_a.admin.get(path), 200)["owner_association_id"] == tenant_a.id
