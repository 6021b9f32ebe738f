"""Moving a meeting through the gateway: a participant moves it to the earliest later slot, the
organiser to a named one; both sides read the move in their language and their mail client takes the
attached calendar update (the agenda's UID, a higher SEQUENCE) as it would; bad moves are clear
problems, and each move is in the association's audit trail."""

import time
from datetime import datetime, timedelta

import icalendar

from tests.e2e.events.test_events_api import published_event, when
from tests.e2e.events.test_meeting_markets_api import visibility_restored  # noqa: F401 (autouse)
from tests.e2e.notifications.test_notifications_api import SINK  # the session's SMTP server
from tests.support.api import check, unique
from tests.support.covers import covers

SUBJECTS = {"nl": "Verplaatst: gesprek met", "de": "Verschoben: Gespräch mit"}


def _market(tenant_a, tenant_b):
    start = when(days=30).replace(minute=0, second=0)
    event = published_event(tenant_a.admin, unique("Grensoverschrijdende gesprekken"), start,
                            format="in_person", venue={"address": "Grænsehallen 1, Padborg"}, join_url=None)
    path = f"/v1/events/{event['id']}/meeting-market"
    check(tenant_a.admin.post(path, {
        "mode": "in_person", "meeting_minutes": 30, "tables": ["Tafel 1", "Tafel 2"],
        "windows": [{"starts_at": start.isoformat(), "ends_at": (start + timedelta(minutes=90)).isoformat()}],
        "max_meetings_per_participant": 3}), 200)
    people = []
    for tenant in (tenant_a, tenant_b):
        org_path = f"/v1/organisations/{tenant.organisation['id']}"
        check(tenant.admin.patch(org_path, {"visibility": "all_associations"}), 200)
        check(tenant.member.post(f"/v1/events/{event['id']}/registrations",
                                 {"name": "Member person", "email": tenant.member_email}), 201)
        people.append(check(tenant.member.post(f"{path}/participants", {}), 201)["person_id"])
    return event, start, people


def _moved_mails(tenant, language, sequence):
    """The tenant's member's mail of the move numbered ``sequence``, as their mail client reads it."""
    def wanted(mail):
        subject = mail["message"]["Subject"]
        return (tenant.member_email in mail["to"] and subject.startswith(SUBJECTS[language])
                and f"SEQUENCE:{sequence}" in _calendar_text(mail))
    found = SINK.wait_for(1, timeout=30, where=wanted)
    assert found, f"no mail of move {sequence} to {tenant.member_email}"
    return found


def _accepted_meeting(tenant_a, tenant_b, event, recipient_id):
    sent = check(tenant_a.member.post("/v1/meeting-requests", {"event_id": event["id"],
                                                              "recipient_id": recipient_id}), 201)
    return check(tenant_b.member.patch(f"/v1/meeting-requests/{sent['id']}", {"status": "accepted"}),
                 200)["meeting"]


def _calendar_text(mail):
    parts = [p for p in mail["message"].iter_attachments() if p.get_content_type() == "text/calendar"]
    return parts[0].get_content() if parts else ""


@covers("POST /v1/meetings/{id}/reschedule")
def test_a_moved_meeting_reaches_both_sides_with_the_calendar_update(tenant_a, tenant_b):
    event, start, (nl, de) = _market(tenant_a, tenant_b)
    meeting = _accepted_meeting(tenant_a, tenant_b, event, de)
    assert datetime.fromisoformat(meeting["starts_at"]) == start
    uid = f"{meeting['id']}@nabo.meetings"
    path = f"/v1/meetings/{meeting['id']}/reschedule"

    moved = check(tenant_a.member.post(path, {}), 200)
    assert datetime.fromisoformat(moved["starts_at"]) == start + timedelta(minutes=30)
    assert moved["table"] == "Tafel 1"
    for tenant, language in ((tenant_a, "nl"), (tenant_b, "de")):
        [mail] = _moved_mails(tenant, language, 1)
        message = mail["message"]
        assert not mail["defects"]
        text = message.get_body(("plain",)).get_content()
        assert "Tafel 1" in text
        [part] = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
        assert part.get_param("method") == "REQUEST"
        calendar = icalendar.Calendar.from_ical(part.get_content())
        [vevent] = calendar.walk("VEVENT")
        assert (str(calendar["method"]), str(vevent["uid"]), int(vevent["sequence"])) == ("REQUEST", uid, 1)
        # RFC 5546 asks a REQUEST for its ORGANIZER and ATTENDEEs: the reader by address, the other by name
        attendees = sorted(str(a) for a in vevent["attendee"])
        assert str(vevent["organizer"]) == f"urn:uuid:{event['id']}" and len(attendees) == 2
        assert f"mailto:{tenant.member_email}" in attendees
        assert vevent.decoded("dtstart") == start + timedelta(minutes=30)
    # the agenda holds the same entry: a calendar subscribed to it agrees with the mail
    feed = icalendar.Calendar.from_ical(tenant_b.member.get("/v1/me/agenda.ics").content)
    [entry] = [v for v in feed.walk("VEVENT") if str(v["uid"]) == uid]
    assert int(entry["sequence"]) == 1 and entry.decoded("dtstart") == start + timedelta(minutes=30)

    # the organiser names the slot; the sequence counts up
    to = (start + timedelta(minutes=60)).isoformat()
    moved = check(tenant_a.admin.post(path, {"starts_at": to}), 200)
    assert datetime.fromisoformat(moved["starts_at"]) == start + timedelta(minutes=60)
    [again] = _moved_mails(tenant_b, "de", 2)
    [vevent] = icalendar.Calendar.from_ical(_calendar_text(again)).walk("VEVENT")
    assert (str(vevent["uid"]), vevent.decoded("dtstart")) == (uid, start + timedelta(minutes=60))

    # each move is in the trail of the event's association, with who moved it
    deadline = time.monotonic() + 15
    while True:
        trail = check(tenant_a.admin.get(f"/v1/associations/{tenant_a.id}/audit",
                                         params={"action": "meeting.rescheduled"}), 200)["items"]
        mine = [e for e in trail if e["subject_id"] == meeting["id"]]
        if len(mine) == 2 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert sorted(e["actor_id"] for e in mine) == sorted([nl, tenant_a.admin_person["id"]])


def test_bad_moves_are_clear_problems(tenant_a, tenant_b):
    event, start, (_nl, de) = _market(tenant_a, tenant_b)
    meeting = _accepted_meeting(tenant_a, tenant_b, event, de)
    path = f"/v1/meetings/{meeting['id']}/reschedule"
    off_slot = tenant_a.member.post(path, {"starts_at": (start + timedelta(minutes=10)).isoformat()})
    assert off_slot.status_code == 422 and "starts_at" in off_slot.json()["errors"]
    same = tenant_a.member.post(path, {"starts_at": start.isoformat()})
    # in the caller's language
    assert same.status_code == 409 and same.json()["detail"] == "Het gesprek vindt al op dat tijdstip plaats."
    assert tenant_b.admin.post(path, {}).status_code == 404  # not an organiser of this event
    check(tenant_b.member.patch(f"/v1/meetings/{meeting['id']}", {"status": "cancelled"}), 200)
    cancelled = tenant_b.member.post(path, {})
    assert (cancelled.status_code, cancelled.json()["detail"]) == (
        409, "Ein abgesagtes Gespräch kann nicht verschoben werden.")
