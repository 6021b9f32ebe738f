"""Co-organising across associations through the gateway: naming another association invites it,
and nothing shows for it until one of its admins accepts."""
from icalendar import Calendar

from tests.e2e.events.test_events_api import event_body, published_event, register, when
from tests.support.api import check, unique
from tests.support.covers import covers


def feed_uids(client, association_id):
    feed = client.get(f"/v1/associations/{association_id}/calendar.ics")
    assert feed.status_code == 200, feed.text
    return {str(e["UID"]) for e in Calendar.from_ical(feed.text).walk("VEVENT")}


def listed(client, path, **params):
    return {item["id"] for item in check(client.get(path, params=dict(params, limit=200)), 200)["items"]}


def pending(client, resource_id):
    return [i for i in check(client.get("/v1/co-host-invitations", params={"limit": 200}), 200)["items"]
            if i["resource_id"] == resource_id]


@covers(
    "GET /v1/associations/{id}/calendar.ics",
    "GET /v1/co-host-invitations",
    "GET /v1/events/{id}",
    "POST /v1/events/{id}/co-hosts/{association_id}/decision",
)
def test_a_co_hosted_event_shows_for_the_other_association_only_once_it_accepts(api, tenant_a, tenant_b):
    both = [tenant_a.id, tenant_b.id]
    event = published_event(tenant_a.admin, unique("Grenzeloos ondernemen"), when(days=14),
                            association_ids=both)
    uid = f"{event['id']}@nabo.events"
    assert event["association_ids"] == [tenant_a.id]
    guest = check(register(api, event["id"], "cross-border"), 201)

    # the inviting association sees its own event as always
    assert uid in feed_uids(api, tenant_a.id)
    assert event["id"] in listed(api, "/v1/events", association_id=tenant_a.id)
    # nothing of it shows for the invited association yet
    for client in (api, tenant_b.admin):
        assert uid not in feed_uids(client, tenant_b.id)
        assert event["id"] not in listed(client, "/v1/events", association_id=tenant_b.id)
    assert tenant_b.admin.get(f"/v1/events/{event['id']}/registrations").status_code in (403, 404)
    assert tenant_b.admin.patch(f"/v1/events/{event['id']}", {"title": "x"}).status_code in (403, 404)

    [invitation] = pending(tenant_b.admin, event["id"])
    assert invitation["resource"] == "event" and invitation["association_id"] == tenant_b.id
    assert invitation["host_association_ids"] == [tenant_a.id] and invitation["status"] == "pending"
    assert pending(tenant_a.admin, event["id"]) == [invitation]
    decision = f"/v1/events/{event['id']}/co-hosts/{tenant_b.id}/decision"
    assert tenant_a.admin.post(decision, {"decision": "approved"}).status_code == 403
    assert tenant_b.member.post(decision, {"decision": "approved"}).status_code == 404
    assert tenant_b.admin.post(decision, {"decision": "maybe"}).status_code == 422

    accepted = check(tenant_b.admin.post(decision, {"decision": "approved"}), 200)
    assert accepted["status"] == "approved" and accepted["resource_id"] == event["id"]
    assert check(api.get(f"/v1/events/{event['id']}"), 200)["association_ids"] == sorted(both)
    assert uid in feed_uids(api, tenant_b.id)
    assert event["id"] in listed(api, "/v1/events", association_id=tenant_b.id)
    registrants = listed(tenant_b.admin, f"/v1/events/{event['id']}/registrations")
    assert guest["id"] in registrants
    assert pending(tenant_b.admin, event["id"]) == []
    assert tenant_b.admin.post(decision, {"decision": "approved"}).status_code == 404


@covers("GET /v1/events/{id}", "POST /v1/events", "POST /v1/events/{id}/co-hosts/{association_id}/decision")
def test_a_declined_event_invitation_leaves_the_event_to_its_organiser(tenant_a, tenant_b):
    body = event_body(unique("Draft"), when(days=20), association_ids=[tenant_a.id, tenant_b.id])
    draft = check(tenant_a.admin.post("/v1/events", body), 201)
    decision = f"/v1/events/{draft['id']}/co-hosts/{tenant_b.id}/decision"
    assert check(tenant_b.admin.post(decision, {"decision": "declined"}), 200)["status"] == "declined"
    assert tenant_b.admin.get(f"/v1/events/{draft['id']}").status_code == 404
    assert check(tenant_a.admin.get(f"/v1/events/{draft['id']}"), 200)["association_ids"] == [tenant_a.id]
    assert pending(tenant_a.admin, draft["id"]) == []


@covers(
    "GET /v1/programmes/{id}",
    "POST /v1/programmes",
    "POST /v1/programmes/{id}/co-hosts/{association_id}/decision",
)
def test_a_shared_programme_is_the_other_associations_only_once_it_accepts(tenant_a, tenant_b):
    def programme(title):
        return check(tenant_a.admin.post("/v1/programmes", {
            "title": unique(title), "association_ids": [tenant_a.id, tenant_b.id],
            "period_start": "2026-01-01", "period_end": "2026-12-31", "budget_amount_minor": 75_000_00,
            "currency": "DKK"}), 201)

    declined, accepted = programme("Cross-border meetings"), programme("Green transition")
    for shared in (declined, accepted):
        assert shared["association_ids"] == [tenant_a.id]
        assert tenant_b.admin.get(f"/v1/programmes/{shared['id']}").status_code == 404
        assert tenant_b.admin.get(f"/v1/programmes/{shared['id']}/report").status_code == 404
        assert shared["id"] not in listed(tenant_b.admin, "/v1/programmes")
        [invitation] = pending(tenant_b.admin, shared["id"])
        assert invitation["resource"] == "programme" and invitation["title"] == shared["title"]

    def decide(shared, decision):
        return check(tenant_b.admin.post(f"/v1/programmes/{shared['id']}/co-hosts/{tenant_b.id}/decision",
                                         {"decision": decision}), 200)

    assert decide(declined, "declined")["status"] == "declined"
    assert tenant_b.admin.get(f"/v1/programmes/{declined['id']}").status_code == 404
    assert decide(accepted, "approved")["status"] == "approved"
    seen = check(tenant_b.admin.get(f"/v1/programmes/{accepted['id']}"), 200)
    assert seen["association_ids"] == sorted([tenant_a.id, tenant_b.id])
    assert accepted["id"] in listed(tenant_b.admin, "/v1/programmes")
    assert declined["id"] not in listed(tenant_b.admin, "/v1/programmes")
    assert pending(tenant_b.admin, declined["id"]) == pending(tenant_b.admin, accepted["id"]) == []
