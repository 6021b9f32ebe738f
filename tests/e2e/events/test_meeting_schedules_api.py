"""An organiser schedules a meeting market at once through the gateway: accepted requests wait, one
call places them as drafts, the table plan shows them (JSON, CSV, a printable page), publishing
puts them in the participants' agendas and inboxes, and the meeting is checked in at the table."""

import csv
import io
from datetime import timedelta

from tests.e2e.events.test_events_api import published_event, when
from tests.integration.notifications.support import wait_until
from tests.support.api import check, unique
from tests.support.covers import covers


@covers(
    "POST /v1/meetings/{id}/check-in",
    "POST /v1/events/{id}/meeting-market/schedule",
    "POST /v1/events/{id}/meeting-market/schedule/publication",
    "GET /v1/events/{id}/meeting-market/table-plan",
)
def test_an_organiser_schedules_all_accepted_requests_and_publishes_them(tenant_a, tenant_b):
    start = when(days=32).replace(minute=0, second=0)
    programme = check(tenant_a.admin.post("/v1/programmes", {
        "title": unique("Grenzenlos Geschäfte machen"), "period_start": when(days=1).date().isoformat(),
        "period_end": when(days=60).date().isoformat(), "planned_events": 1, "budget_amount_minor": 0,
        "currency": "EUR"}), 201)
    event = published_event(tenant_a.admin, unique("Matchmaking morning"), start, format="in_person",
                            venue={"address": "Energieweg 1, Emmen"}, join_url=None,
                            programme_id=programme["id"])
    path = f"/v1/events/{event['id']}/meeting-market"
    settings = {
        "mode": "in_person", "meeting_minutes": 30, "tables": ["Tafel 1", "Tafel 2"],
        "windows": [{"starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=1)).isoformat()}],
        "max_meetings_per_participant": 2, "scheduling": "by_organiser",
    }
    assert check(tenant_a.admin.post(path, settings), 200)["scheduling"] == "by_organiser"
    joined = {}
    for tenant in (tenant_a, tenant_b):
        check(tenant.member.post(f"/v1/events/{event['id']}/registrations",
                                 {"name": "Member person", "email": tenant.member_email}), 201)
        joined[tenant] = check(tenant.member.post(f"{path}/participants", {}), 201)["person_id"]
    sent = check(tenant_a.member.post("/v1/meeting-requests", {
        "event_id": event["id"], "recipient_id": joined[tenant_b]}), 201)
    accepted = check(tenant_b.member.patch(f"/v1/meeting-requests/{sent['id']}", {"status": "accepted"}), 200)
    assert (accepted["status"], accepted["meeting"]) == ("accepted", None)
    # accepted and waiting: no second request between the two
    again = tenant_b.member.post("/v1/meeting-requests", {"event_id": event["id"],
                                                           "recipient_id": joined[tenant_a]})
    assert again.status_code == 409
    assert check(tenant_a.admin.get(path), 200)["unscheduled"] == 1

    # only the organisers schedule
    refused = tenant_a.member.post(f"{path}/schedule")
    assert refused.status_code == 403 and refused.headers["Content-Type"] == "application/problem+json"
    run = check(tenant_a.admin.post(f"{path}/schedule"), 200)
    assert (run["scheduled"], run["drafts"], run["unplaced"]) == (1, 1, [])
    assert check(tenant_a.member.get("/v1/me/agenda", params={"event_id": event["id"]}), 200)["items"] == []

    plan = check(tenant_a.admin.get(f"{path}/table-plan"), 200)
    [first_slot, _second] = plan["slots"]
    [meeting] = first_slot["meetings"]
    assert (first_slot["starts_at"], meeting["table"], meeting["published"]) == (
        event["starts_at"], "Tafel 1", False)
    assert {p["person_id"] for p in meeting["participants"]} == set(joined.values())
    assert tenant_b.member.get(f"/v1/meetings/{meeting['meeting_id']}").status_code == 404  # a draft
    table = tenant_a.admin.get(f"{path}/table-plan", headers={"Accept": "text/csv",
                                                              "Accept-Language": "de"})
    assert table.status_code == 200 and table.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(table.text)))
    assert rows[0][:3] == ["Beginn", "Ende", "Tisch"] and rows[1][2] == "Tafel 1"
    page = tenant_a.admin.get(f"{path}/table-plan", params={"format": "html"},
                              headers={"Accept-Language": "nl"})
    assert page.headers["Content-Type"].startswith("text/html") and "Tafelplan" in page.text
    assert tenant_a.admin.get(f"{path}/table-plan", params={"format": "pdf"}).status_code == 422
    pdf = tenant_a.admin.get(f"{path}/table-plan", headers={"Accept": "application/pdf"})
    assert (pdf.status_code, pdf.headers["Content-Type"]) == (406, "application/problem+json")
    assert "text/csv" in pdf.json()["detail"]

    published = check(tenant_a.admin.post(f"{path}/schedule/publication"), 200)
    assert (published["published"], published["participants"]) == (1, 2)
    for tenant in (tenant_a, tenant_b):
        mine = check(tenant.member.get("/v1/me/agenda", params={"event_id": event["id"]}), 200)["items"]
        assert [(m["id"], m["table"], m["published"]) for m in mine] == [
            (meeting["meeting_id"], "Tafel 1", True)]
    told = wait_until(lambda: [item for item in check(tenant_b.member.get("/v1/me/inbox"), 200)["items"]
                               if item["kind"] == "meeting_agenda" and event["title"] in item["title"]])
    assert told
    market = check(tenant_a.admin.get(path), 200)
    assert (market["drafts"], market["unscheduled"], market["meetings"]) == (0, 0, 1)

    # at the table: the meeting is checked in, by a side or by the organiser
    check_in = f"/v1/meetings/{meeting['meeting_id']}/check-in"
    stranger = tenant_b.member.post(check_in, {"present": [tenant_a.admin_person["id"]]})
    assert stranger.status_code == 422 and "present" in stranger.json()["errors"]
    not_yours = tenant_b.admin.post(check_in, {})
    assert not_yours.status_code == 404 and not_yours.headers["Content-Type"] == "application/problem+json"
    held = check(tenant_b.member.post(check_in, {}), 200)
    assert (held["held"], sorted(held["present"])) == (True, sorted(joined.values()))
    listed = check(tenant_a.admin.get(f"{path}/participants"), 200)["items"]
    assert {(p["meetings"], p["no_shows"]) for p in listed} == {(1, 0)}
    assert check(tenant_a.admin.get(path), 200)["meetings_held"] == 1

    # the programme report counts the market
    report = check(tenant_a.admin.get(f"/v1/programmes/{programme['id']}/report"), 200)
    figures = report["events"][0]["meeting_market"]
    counted = ("participants", "requests_sent", "requests_accepted", "meetings_scheduled", "meetings_held",
               "no_shows")
    assert [figures[key] for key in counted] == [2, 1, 1, 1, 1, 0]
    assert report["totals"]["meeting_market"]["meetings_held"] == 1
    table = tenant_a.admin.get(f"/v1/programmes/{programme['id']}/report", params={"format": "csv"},
                               headers={"Accept-Language": "en"})
    header, line = list(csv.reader(io.StringIO(table.text)))[:2]
    assert line[header.index("Market meetings held")] == "1"
