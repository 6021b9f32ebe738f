"""Administrative writes of the API leave an entry in the audit trail: each POST, PUT, PATCH and DELETE
of the OpenAPI document that an association's admin may make is called as that admin, on a world of
their own association (the one the authorisation matrix is tried against), and the trail must then
hold an entry of that call with the admin as actor.

Two lists name what this walk does not show. ``UNAUDITED``: writes that publish no audited event, so
leave no entry. ``NOT_WALKED``: writes the world's generic bodies cannot make succeed (they need a
state of their own: an attendee, a pending request, a match). Both are compared exactly, so a write
added to the API, or one that stops being audited, fails here until it is audited or named."""
import time
from datetime import datetime, timezone

import pytest

from tests.security.matrix import BY_KEY, PLATFORM, PUBLIC
from tests.security.probe import build_world, call
from tests.support.api import Tenant, check
from tests.support.covers import covers

WRITES = ("post", "put", "patch", "delete")
# a member's post is no administrative change; the conveners' moderation of it is
UNAUDITED = {
    "POST /v1/networks/{id}/threads",
}
NOT_WALKED = {
    "PATCH /v1/themes/{id}", "POST /v1/campaigns/{id}/send",
    "POST /v1/events/{id}/co-hosts/{association_id}/decision", "POST /v1/events/{id}/feedback",
    "POST /v1/events/{id}/recording", "POST /v1/ideas/{id}/supports", "POST /v1/me/inbox/{id}/read",
    "POST /v1/memberships", "POST /v1/networks", "POST /v1/networks/{id}/invitations",
    "POST /v1/networks/{id}/join-requests/{person_id}/decision", "POST /v1/networks/{id}/members",
    "POST /v1/networks/{id}/owners/{association_id}/decision", "POST /v1/networks/{id}/wake",
    "POST /v1/organisations/{id}/matches/{candidate_id}/decision",
    "POST /v1/organisations/{id}/matches/{candidate_id}/introduction", "POST /v1/panels/{id}/ideas",
    "POST /v1/panels/{id}/participants", "POST /v1/programmes/{id}/co-hosts/{association_id}/decision",
    "DELETE /v1/ideas/{id}/supports",
    "DELETE /v1/panels/{id}/participants/{participant_id}", "DELETE /v1/registrations/{id}",
    # the walk locks the world's thread (PATCH before POST), and only a post's author deletes it
    "POST /v1/threads/{id}/posts", "DELETE /v1/posts/{id}",
    # a private answer is a person's, for their own organisation, to an opportunity (not a reply)
    "POST /v1/posts/{id}/private-answers",
    # a meeting market is its participants': an admin takes part, asks, answers and records outcomes only
    # as a registered person of a member company
    "POST /v1/events/{id}/meeting-market/participants", "POST /v1/meeting-requests",
    "PATCH /v1/meeting-requests/{id}", "POST /v1/meetings/{id}/outcome",
    # the walk cancels the world's meeting first (PATCH before POST): cancelled, it is not checked in or moved
    "POST /v1/meetings/{id}/check-in", "POST /v1/meetings/{id}/reschedule",
}


@pytest.fixture(scope="module")
def own(api, platform):
    """A tenant of its own, and one to point cross-tenant bodies at: the walk changes and erases things."""
    a, b = Tenant(api, platform), Tenant(api, platform)
    return a, build_world(api, platform, a, b)


def admin_writes(api):
    paths = check(api.get("/v1/openapi.json"), 200)["paths"]
    keys = [f"{method.upper()} {path}" for path, item in paths.items() for method in item if method in WRITES]
    # what an association's admin may do: neither the platform's alone nor the anonymous entry points
    return sorted((key for key in keys if BY_KEY[key].access not in (PLATFORM, PUBLIC)),
                  key=lambda key: (key.startswith("DELETE"), key))  # erasing and removing last


@covers("GET /v1/associations/{id}/audit")
def test_every_admin_write_leaves_an_audit_entry(api, own):
    tenant, world = own
    writes = admin_writes(api)
    assert len(writes) > 40, writes  # the walk covers the API, not a filtered remainder
    audited, missing, refused = [], set(), {}
    for key in writes:
        since = datetime.now(timezone.utc).isoformat()
        response = call(tenant.admin, BY_KEY[key], world)
        if response.status_code >= 400:
            refused[key] = f"{response.status_code} {response.text[:200]}"
            continue
        # entries come from events, a moment after the change; an unaudited write is waited for in vain
        deadline = time.monotonic() + (2 if key in UNAUDITED else 10)
        while not check(tenant.admin.get(f"/v1/associations/{tenant.id}/audit", params={
                "actor_id": tenant.admin_person["id"], "since": since}), 200)["items"]:
            if time.monotonic() > deadline:
                missing.add(key)
                break
            time.sleep(0.2)
        else:
            audited.append(key)
    assert set(refused) == NOT_WALKED, {k: v for k, v in refused.items() if k not in NOT_WALKED}
    assert missing == UNAUDITED, (f"not audited: {sorted(missing - UNAUDITED)}; "
                                  f"audited now: {sorted(UNAUDITED - missing)}")
    assert len(audited) == len(writes) - len(NOT_WALKED) - len(UNAUDITED) > 25
