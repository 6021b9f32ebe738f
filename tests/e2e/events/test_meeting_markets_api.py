"""A meeting market through the gateway: an organiser turns it on, a Dutch and a German participant
take part, see each other suggested with reasons, request, accept and find the meeting in their
agendas; refusals come back as problem+json."""

from datetime import timedelta

import icalendar
import pytest

from services.members.taxonomy import seed_id
from tests.e2e.events.test_events_api import published_event, when
from tests.support.api import check, unique
from tests.support.covers import covers
from tests.support.meeting_markets import begun_in_database

E_COMMERCE = seed_id("e-commerce")


@pytest.fixture(autouse=True, scope="module")
def visibility_restored(tenant_a, tenant_b):
    """The participants' organisations are made visible across associations here; the session's other
    tests rely on them staying private, so they are private again afterwards."""
    before = {t: check(t.admin.get(f"/v1/organisations/{t.organisation['id']}"), 200)["visibility"]
              for t in (tenant_a, tenant_b)}
    yield
    for tenant, visibility in before.items():
        path = f"/v1/organisations/{tenant.organisation['id']}"
        check(tenant.admin.patch(path, {"visibility": visibility}), 200)


def _profile(tenant, kind, title):
    org_path = f"/v1/organisations/{tenant.organisation['id']}"
    check(tenant.admin.patch(org_path, {"visibility": "all_associations"}), 200)
    check(
        tenant.member.post(
            f"{org_path}/offers-and-needs", {"kind": kind, "title": title, "themes": [E_COMMERCE]}
        ),
        201,
    )


@covers(
    "POST /v1/events/{id}/meeting-market",
    "GET /v1/events/{id}/meeting-market",
    "POST /v1/events/{id}/meeting-market/participants",
    "GET /v1/events/{id}/meeting-market/participants",
    "POST /v1/events/{id}/meeting-market/profile-reminders",
    "GET /v1/events/{id}/meeting-market/suggestions",
    "POST /v1/meeting-requests",
    "GET /v1/meeting-requests",
    "GET /v1/meeting-requests/{id}",
    "PATCH /v1/meeting-requests/{id}",
    "GET /v1/meetings/{id}",
    "PATCH /v1/meetings/{id}",
    "POST /v1/meetings/{id}/outcome",
    "GET /v1/me/agenda",
    "GET /v1/me/agenda.ics",
)
def test_an_organiser_and_two_participants_walk_through_a_meeting_market(tenant_a, tenant_b, system):
    start = when(days=30).replace(minute=0, second=0)
    event = published_event(
        tenant_a.admin,
        unique("Cross-border meeting day"),
        start,
        format="in_person",
        venue={"address": "Grænsehallen 1, Padborg"},
        join_url=None,
    )
    path = f"/v1/events/{event['id']}/meeting-market"
    settings = {
        "mode": "in_person",
        "meeting_minutes": 30,
        "tables": ["Table 1", "Table 2"],
        "windows": [
            {"starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=1, minutes=30)).isoformat()}
        ],
        "max_meetings_per_participant": 3,
        "request_expiry_hours": 48,
    }
    market = check(tenant_a.admin.post(path, settings), 200)
    assert (market["mode"], market["slots"], market["tables"]) == ("in_person", 3, ["Table 1", "Table 2"])

    _profile(tenant_a, "offer", "Wij bouwen webwinkels")
    _profile(tenant_b, "need", "Wir brauchen einen Onlineshop")
    joined = {}
    for tenant in (tenant_a, tenant_b):
        check(
            tenant.member.post(
                f"/v1/events/{event['id']}/registrations",
                {"name": "Member person", "email": tenant.member_email},
            ),
            201,
        )
        joined[tenant] = check(tenant.member.post(f"{path}/participants", {}), 201)
        assert joined[tenant]["organisation_id"] == tenant.organisation["id"]
    nl, de = joined[tenant_a]["person_id"], joined[tenant_b]["person_id"]
    assert check(tenant_b.member.get(path), 200)["participants"] == 2

    listed = {p["person_id"]: p for p in check(tenant_a.admin.get(f"{path}/participants"), 200)["items"]}
    assert set(listed) == {nl, de}
    assert listed[nl]["profile_complete"] is False and "needs" in listed[nl]["missing"]
    reminded = check(tenant_a.admin.post(f"{path}/profile-reminders"), 200)["reminded"]
    assert sorted(reminded) == sorted(p for p in listed if listed[p]["missing"])

    suggested = check(tenant_a.member.get(f"{path}/suggestions"), 200)["items"]
    assert [s["participant"]["person_id"] for s in suggested] == [de]
    assert "needs_your_offer" in {r["kind"] for r in suggested[0]["reasons"]}
    assert suggested[0]["carried_forward"] == []
    # a match accepted between events is carried forward: offered first, saying why
    match = f"/v1/organisations/{tenant_a.organisation['id']}/matches/{tenant_b.organisation['id']}"
    accepted_match = check(tenant_a.member.post(f"{match}/decision", {"decision": "accepted"}), 200)
    [carried] = check(tenant_a.member.get(f"{path}/suggestions"), 200)["items"]
    assert carried["carried_forward"] == [
        {"kind": "match_accepted", "match_id": accepted_match["id"]}]

    sent = check(
        tenant_a.member.post(
            "/v1/meeting-requests",
            {"event_id": event["id"], "recipient_id": de, "message": "Webwinkels voor Duitsland?"},
        ),
        201,
    )
    assert (sent["status"], sent["meeting"]) == ("pending", None)
    received = check(tenant_b.member.get("/v1/meeting-requests", params={"event_id": event["id"]}), 200)
    assert [r["id"] for r in received["items"]] == [sent["id"]]
    assert check(tenant_b.member.get(f"/v1/meeting-requests/{sent['id']}"), 200)["message"] == (
        "Webwinkels voor Duitsland?"
    )

    accepted = check(tenant_b.member.patch(f"/v1/meeting-requests/{sent['id']}", {"status": "accepted"}), 200)
    meeting = accepted["meeting"]
    assert (accepted["status"], meeting["table"]) == ("accepted", "Table 1")
    assert meeting["starts_at"] == event["starts_at"]
    assert {
        p["person_id"]
        for p in check(tenant_a.member.get(f"/v1/meetings/{meeting['id']}"), 200)["participants"]
    } == {nl, de}
    for tenant in (tenant_a, tenant_b):
        mine = check(tenant.member.get("/v1/me/agenda", params={"event_id": event["id"]}), 200)
        assert [m["id"] for m in mine["items"]] == [meeting["id"]]
    feed = tenant_b.member.get("/v1/me/agenda.ics")
    assert feed.status_code == 200 and feed.headers["Content-Type"].startswith("text/calendar")
    # the feed holds every meeting of the person, this market's among them
    [vevent] = [v for v in icalendar.Calendar.from_ical(feed.content).walk("VEVENT")
                if str(v["uid"]) == f"{meeting['id']}@nabo.meetings"]
    assert (str(vevent["uid"]), str(vevent["location"])) == (f"{meeting['id']}@nabo.meetings", "Table 1")
    # who organises and who attends, as in the mailed invitation: the reader by address, the other by id
    assert str(vevent["ORGANIZER"]) == f"urn:uuid:{event['id']}"
    attending = [str(a) for a in vevent["ATTENDEE"]]
    assert len(attending) == 2 and sum(a.startswith("mailto:") for a in attending) == 1

    outcome = {"held": True, "rating": 5, "follow_up": "offer", "note": "Sending a quote."}
    early = tenant_b.member.post(f"/v1/meetings/{meeting['id']}/outcome", outcome)
    assert early.status_code == 409 and early.json()["detail"] == (
        "Was aus einem Gespräch geworden ist, kann erst erfasst werden, wenn es begonnen hat.")
    begun_in_database(system.settings["events"].database_url, meeting["id"])  # time passes
    recorded = check(tenant_b.member.post(f"/v1/meetings/{meeting['id']}/outcome", outcome), 200)
    assert [dict(o, recorded_at=None) for o in recorded["outcomes"]] == [
        dict(outcome, person_id=de, recorded_at=None)
    ]
    counted = check(tenant_a.admin.get(path), 200)
    assert (counted["meetings"], counted["meetings_held"], counted["requests"]["accepted"]) == (1, 1, 1)

    # a meeting someone said took place is not cancelled; corrected to "not held", it may be
    check(tenant_a.member.patch(f"/v1/meetings/{meeting['id']}", {"status": "cancelled"}), 409)
    check(tenant_b.member.post(f"/v1/meetings/{meeting['id']}/outcome", dict(outcome, held=False)), 200)
    cancelled = check(tenant_a.member.patch(f"/v1/meetings/{meeting['id']}", {"status": "cancelled"}), 200)
    assert (cancelled["status"], cancelled["table"]) == ("cancelled", None)
    assert check(tenant_b.member.get("/v1/me/agenda", params={"event_id": event["id"]}), 200)["items"] == []


def test_bad_meeting_requests_are_clear_problems(tenant_a, tenant_b):
    start = when(days=31).replace(minute=0, second=0)
    event = published_event(tenant_a.admin, unique("Meeting day"), start)
    path = f"/v1/events/{event['id']}/meeting-market"
    online = {
        "mode": "online",
        "meeting_minutes": 15,
        "max_meetings_per_participant": 1,
        "windows": [{"starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=1)).isoformat()}],
        "online_link_template": "https://meet.example/room-{meeting_id}",
    }
    outside = dict(
        online,
        windows=[{"starts_at": (start - timedelta(hours=2)).isoformat(), "ends_at": start.isoformat()}],
    )
    refused = tenant_a.admin.post(path, outside)
    assert refused.status_code == 422 and "windows" in refused.json()["errors"]
    overlapping = [{"starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=1)).isoformat()},
                   {"starts_at": (start + timedelta(minutes=15)).isoformat(),
                    "ends_at": (start + timedelta(hours=1, minutes=15)).isoformat()}]
    too_short = [{"starts_at": start.isoformat(), "ends_at": (start + timedelta(minutes=10)).isoformat()}]
    empty = [{"starts_at": start.isoformat(), "ends_at": start.isoformat()}]
    for windows in (overlapping, too_short, empty):
        refused = tenant_a.admin.post(path, dict(online, windows=windows))
        assert refused.status_code == 422 and "windows" in refused.json()["errors"], refused.text
    assert tenant_b.admin.post(path, online).status_code in (403, 404)
    check(tenant_a.admin.post(path, online), 200)
    check(
        tenant_a.member.post(
            f"/v1/events/{event['id']}/registrations",
            {"name": "Member person", "email": tenant_a.member_email},
        ),
        201,
    )
    assert tenant_b.member.post(f"{path}/participants", {}).status_code == 403  # not registered
    joined = check(tenant_a.member.post(f"{path}/participants", {}), 201)
    me = joined["person_id"]
    # whether the organisation's profile is complete, as the organisers' list says it
    listed = check(tenant_a.admin.get(f"{path}/participants"), 200)["items"]
    assert joined["profile_complete"] in (True, False)
    assert [(p["profile_complete"], p["missing"]) for p in listed if p["person_id"] == me] == [
        (joined["profile_complete"], joined["missing"])]
    to_self = tenant_a.member.post("/v1/meeting-requests", {"event_id": event["id"], "recipient_id": me})
    assert to_self.status_code == 422 and to_self.headers["Content-Type"] == "application/problem+json"
    outsider = tenant_a.member.post(
        "/v1/meeting-requests", {"event_id": event["id"], "recipient_id": tenant_b.member_person["id"]}
    )
    assert outsider.status_code == 422 and "recipient_id" in outsider.json()["errors"]
    check(
        tenant_b.member.post(
            f"/v1/events/{event['id']}/registrations",
            {"name": "Member person", "email": tenant_b.member_email},
        ),
        201,
    )
    them = check(tenant_b.member.post(f"{path}/participants", {}), 201)["person_id"]
    # a follow-up of a meeting that agreed none between the two
    nothing_agreed = "00000000-0000-4000-8000-000000000000"
    unknown_follow_up = tenant_a.member.post("/v1/meeting-requests", {
        "event_id": event["id"], "recipient_id": them, "follow_up_of": nothing_agreed})
    assert unknown_follow_up.status_code == 422 and "follow_up_of" in unknown_follow_up.json()["errors"]
    sent = check(
        tenant_a.member.post("/v1/meeting-requests", {"event_id": event["id"], "recipient_id": them}), 201
    )
    own = tenant_a.member.patch(f"/v1/meeting-requests/{sent['id']}", {"status": "accepted"})
    assert own.status_code == 403 and own.headers["Content-Type"] == "application/problem+json"
    meeting = check(tenant_b.member.patch(f"/v1/meeting-requests/{sent['id']}", {"status": "accepted"}), 200)[
        "meeting"
    ]
    assert (meeting["table"], meeting["online_url"]) == (None, f"https://meet.example/room-{meeting['id']}")
    again = tenant_b.member.patch(f"/v1/meeting-requests/{sent['id']}", {"status": "declined"})
    # in the reader's language, not English
    assert (again.status_code, again.json()["detail"]) == (409, "Diese Anfrage wurde bereits angenommen.")
