"""Every moment the API answers is RFC 3339 in one of two forms, whichever service, schema or free-form
payload it came from: an event's own moments in the offset of the event's time zone with ``time_zone``
beside them, every other moment in UTC written with Z."""

import re
from datetime import datetime, timedelta, timezone

import pytest

from services.members.taxonomy import seed_id
from tests.e2e.members.test_networks_api import _person
from tests.support.api import Tenant, check, unique

MOMENT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d")
OFFSET = re.compile(r"[+-]\d\d:\d\d")
# an event's own moments: in the event's zone (docs/events.md); local_start is the start an event's
# registrant is shown
EVENT_MOMENTS = {"starts_at", "ends_at", "registration_opens_at", "registration_closes_at", "local_start"}


def moments(answer, where="", key=None, holder=None):
    """(where, key, text, the object holding it) of every string in ``answer`` that is a date-time."""
    if isinstance(answer, dict):
        for name, value in answer.items():
            yield from moments(value, f"{where}.{name}", name, answer)
    elif isinstance(answer, list):
        for n, value in enumerate(answer):
            yield from moments(value, f"{where}[{n}]", key, holder)
    elif isinstance(answer, str) and MOMENT.match(answer):
        yield where, key, answer, holder


def offences(answers):
    wrong = []
    for request, answer in answers.items():
        for where, key, text, holder in moments(answer):
            if key in EVENT_MOMENTS:
                if not (OFFSET.fullmatch(text[-6:]) and holder.get("time_zone")):
                    wrong.append(f"{request} {where} = {text}: an event's moment with no offset or time_zone")
            elif not text.endswith("Z"):
                wrong.append(f"{request} {where} = {text}: not UTC with Z")
    return wrong


@pytest.fixture(scope="module")
def answers(api, platform):
    """The answers of a tenant with a network, a conversation, an event, a panel's catalogue and a
    person's export, by request (a tenant of its own: the walk grants consents and changes things)."""
    tenant_a = Tenant(api, platform)
    admin, member, person = tenant_a.admin, tenant_a.member, tenant_a.member_person
    got = {}

    def keep(request, response, status):
        got[request] = check(response, status)
        return got[request]

    network = keep(
        "POST /v1/networks",
        member.post(
            "/v1/networks",
            {
                "name": {"nl": unique("Kajakclub Vecht")},
                "association_ids": [tenant_a.id],
                "themes": [seed_id("kayaking")],
                "join_policy": "invitation",
            },
        ),
        201,
    )
    nid = network["id"]
    guest, guest_client = _person(tenant_a, tenant_a.organisation["id"])
    keep(
        "POST /v1/networks/{id}/invitations",
        member.post(f"/v1/networks/{nid}/invitations", {"person_id": guest["id"]}),
        201,
    )
    keep("POST /v1/networks/{id}/members", guest_client.post(f"/v1/networks/{nid}/members", {}), 201)
    check(member.patch(f"/v1/networks/{nid}", {"activity": "dormant"}), 200)
    keep("POST /v1/networks/{id}/wake", member.post(f"/v1/networks/{nid}/wake"), 200)
    thread = keep(
        "POST /v1/networks/{id}/threads",
        member.post(
            f"/v1/networks/{nid}/threads",
            {"kind": "question", "title": "Who rents out kayaks?", "body": "We are four.", "themes": []},
        ),
        201,
    )
    reply = check(guest_client.post(f"/v1/threads/{thread['id']}/posts", {"body": "The camping does."}), 201)
    keep(
        "PATCH /v1/posts/{id}",
        guest_client.patch(f"/v1/posts/{reply['id']}", {"body": "Ask the camping."}),
        200,
    )
    keep(
        "POST /v1/posts/{id}/reports",
        member.post(f"/v1/posts/{reply['id']}/reports", {"reason": "Off topic"}),
        201,
    )
    keep("POST /v1/me/calendar-token", member.post("/v1/me/calendar-token"), 201)

    start = (datetime.now(timezone.utc) + timedelta(days=40)).replace(microsecond=0)
    event = check(
        admin.post(
            "/v1/events",
            {
                "title": unique("Network evening"),
                "format": "online",
                "languages": ["nl"],
                "time_zone": "Europe/Amsterdam",
                "starts_at": start.isoformat(),
                "ends_at": (start + timedelta(hours=2)).isoformat(),
                "join_url": "https://meet.example/room",
            },
        ),
        201,
    )
    keep(
        "POST /v1/events/{id}/transitions",
        admin.post(f"/v1/events/{event['id']}/transitions", {"to": "published"}),
        200,
    )
    keep(
        "POST /v1/events/{id}/registrations",
        member.post(
            f"/v1/events/{event['id']}/registrations",
            {"name": person["name"], "email": tenant_a.member_email},
        ),
        201,
    )

    panel = check(
        admin.post(
            "/v1/panels",
            {
                "year": 2025,
                "title": unique("Business panel"),
                "theme": "Green transition",
                "language": "en",
                "time_zone": "Europe/Amsterdam",
                "sub_themes": [{"key": "energy", "name": "Energy"}],
            },
        ),
        201,
    )
    pid = panel["id"]
    check(
        admin.post(f"/v1/panels/{pid}/participants", {"organisation_ids": [tenant_a.organisation["id"]]}), 200
    )
    check(admin.post(f"/v1/panels/{pid}/transitions", {"to": "collecting_ideas"}), 200)
    idea = check(
        member.post(
            f"/v1/panels/{pid}/ideas",
            {"title": "Solar roofs", "need": "Cheaper power", "sub_theme": "energy"},
        ),
        201,
    )
    check(member.post(f"/v1/ideas/{idea['id']}/supports", {}), 201)
    check(member.post(f"/v1/ideas/{idea['id']}/comments", {"body": "We would take part."}), 201)
    check(admin.post(f"/v1/panels/{pid}/transitions", {"to": "catalogue_published"}), 200)
    check(
        member.post(
            f"/v1/persons/{person['id']}/consents",
            {
                "association_id": tenant_a.id,
                "kind": "newsletter",
                "granted": True,
                "source": "web form",
                "wording_version": "v1",
            },
        ),
        201,
    )

    reads = {
        member: [
            "/v1/networks",
            f"/v1/networks/{nid}",
            f"/v1/networks/{nid}/members",
            f"/v1/networks/{nid}/threads",
            f"/v1/threads/{thread['id']}",
            f"/v1/threads/{thread['id']}/posts",
            f"/v1/posts/{reply['id']}",
            f"/v1/posts/{reply['id']}/reports",
            "/v1/me",
            "/v1/me/calendar-token",
            "/v1/me/inbox",
            "/v1/me/agenda",
            "/v1/offers-and-needs",
            f"/v1/ideas/{idea['id']}",
            f"/v1/ideas/{idea['id']}/comments",
            f"/v1/ideas/{idea['id']}/supports",
        ],
        admin: [
            f"/v1/persons/{person['id']}/export",
            f"/v1/persons/{person['id']}",
            "/v1/persons",
            f"/v1/persons/{person['id']}/consents",
            f"/v1/persons/{person['id']}/preferences",
            "/v1/associations",
            f"/v1/associations/{tenant_a.id}",
            f"/v1/associations/{tenant_a.id}/audit",
            "/v1/organisations",
            f"/v1/organisations/{tenant_a.organisation['id']}",
            "/v1/memberships",
            f"/v1/memberships/{tenant_a.membership['id']}",
            "/v1/events",
            f"/v1/events/{event['id']}",
            f"/v1/events/{event['id']}/registrations",
            "/v1/co-host-invitations",
            "/v1/campaigns",
            "/v1/panels",
            f"/v1/panels/{pid}",
            f"/v1/panels/{pid}/catalogue",
            f"/v1/panels/{pid}/ideas",
            f"/v1/panels/{pid}/participants",
            f"/v1/panels/{pid}/decisions",
            "/v1/programmes",
            "/v1/themes",
            "/v1/webhooks",
        ],
    }
    for client, paths in reads.items():
        for path in paths:
            keep(f"GET {path}", client.get(path), 200)
    return got


def test_every_moment_is_utc_with_z_unless_it_is_an_events_own(answers):
    assert offences(answers) == []


def test_the_walk_meets_the_moments_of_every_service(answers):
    keys = {key for answer in answers.values() for _, key, _, _ in moments(answer)}
    assert {
        "created_at",
        "updated_at",
        "joined_at",
        "last_activity_at",
        "edited_at",
        "generated_at",
        "published_at",
        "since",
        "recorded_at",
        "starts_at",
        "ends_at",
    } <= keys
