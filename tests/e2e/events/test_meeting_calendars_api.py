"""Calendars and what waits for the organiser's schedule, through the gateway: an accepted meeting's
invitation and its cancellation reach both sides as their mail client reads them (Python's email parser,
the calendar with icalendar: METHOD:REQUEST then METHOD:CANCEL under one UID, a higher SEQUENCE,
ORGANIZER and ATTENDEEs); an outcome waits for the meeting to begin; at a market the organiser
schedules, an accepted request is withdrawn by the person asked and the requester is told, publishing
sends each participant one agenda mail with one calendar of all their meetings, and publishing again
only to those whose agenda gained a meeting; the programme's figures count the withdrawal; the requester
is told of an acceptance and of a decline."""

import time
from datetime import timedelta

import icalendar

from tests.e2e.events.test_events_api import published_event, when
from tests.e2e.events.test_meeting_markets_api import visibility_restored  # noqa: F401 (autouse)
from tests.e2e.notifications.test_notifications_api import SINK  # the session's SMTP server
from tests.support.api import Tenant, check, unique
from tests.support.meeting_markets import begun_in_database


def _join(event, path, tenants):
    people = []
    for tenant in tenants:
        org_path = f"/v1/organisations/{tenant.organisation['id']}"
        check(tenant.admin.patch(org_path, {"visibility": "all_associations"}), 200)
        check(tenant.member.post(f"/v1/events/{event['id']}/registrations",
                                 {"name": "Member person", "email": tenant.member_email}), 201)
        people.append(check(tenant.member.post(f"{path}/participants", {}), 201)["person_id"])
    return people


def _market(tenant_a, tenants, days, **settings):
    start = when(days=days).replace(minute=0, second=0)
    event = published_event(tenant_a.admin, unique("Grenzeloos zakendoen"), start, format="in_person",
                            venue={"address": "Energieweg 1, Emmen"}, join_url=None,
                            **settings.pop("event", {}))
    path = f"/v1/events/{event['id']}/meeting-market"
    check(tenant_a.admin.post(path, dict({
        "mode": "in_person", "meeting_minutes": 30, "tables": ["Tafel 1", "Tafel 2"],
        "windows": [{"starts_at": start.isoformat(), "ends_at": (start + timedelta(minutes=90)).isoformat()}],
        "max_meetings_per_participant": 3}, **settings)), 200)
    return event, path, _join(event, path, tenants)


def _calendars(mail):
    """(MIME part, parsed calendar) of each calendar the mail carries."""
    return [(part, icalendar.Calendar.from_ical(part.get_content()))
            for part in mail["message"].iter_attachments() if part.get_content_type() == "text/calendar"]


def _mail_with(email, method, uid, timeout=30):
    """The one mail to ``email`` whose calendar is ``method`` of the entry ``uid``."""
    def wanted(mail):
        return email in mail["to"] and any(
            str(calendar.get("method")) == method and uid in [str(v["uid"]) for v in calendar.walk("VEVENT")]
            for _part, calendar in _calendars(mail))
    found = SINK.wait_for(1, timeout=timeout, where=wanted)
    assert len(found) == 1, f"{len(found)} mails of {method} {uid} to {email}"
    return found[0]


def _addresses(vevent):
    attendees = vevent["attendee"] if isinstance(vevent["attendee"], list) else [vevent["attendee"]]
    return str(vevent["organizer"]), sorted(str(a) for a in attendees)


def test_an_accepted_meeting_is_invited_and_cancelled_in_both_calendars(tenant_a, tenant_b, system):
    event, _path, (nl, de) = _market(tenant_a, (tenant_a, tenant_b), days=34)
    sent = check(tenant_a.member.post("/v1/meeting-requests", {"event_id": event["id"], "recipient_id": de}),
                 201)
    meeting = check(tenant_b.member.patch(f"/v1/meeting-requests/{sent['id']}", {"status": "accepted"}),
                    200)["meeting"]
    uid = f"{meeting['id']}@nabo.meetings"
    for tenant, me, other in ((tenant_a, nl, de), (tenant_b, de, nl)):
        mail = _mail_with(tenant.member_email, "REQUEST", uid)
        assert not mail["defects"]
        [(part, calendar)] = _calendars(mail)
        assert part.get_param("method") == "REQUEST"
        [vevent] = calendar.walk("VEVENT")
        assert (int(vevent["sequence"]), str(vevent["status"])) == (0, "CONFIRMED")
        # the market organises; the reader is named by their address, the other side by name only
        assert _addresses(vevent) == (f"urn:uuid:{event['id']}",
                                      sorted([f"mailto:{tenant.member_email}", f"urn:uuid:{other}"]))

    # an outcome waits for the meeting: a clear problem in the reader's language
    outcome = f"/v1/meetings/{meeting['id']}/outcome"
    early = tenant_a.member.post(outcome, {"held": True, "follow_up": "deal"})
    assert early.status_code == 409 and early.headers["Content-Type"] == "application/problem+json"
    assert early.json()["detail"] == (
        "Wat een gesprek heeft opgeleverd, kunt u vastleggen zodra het is begonnen.")
    assert check(tenant_a.member.get(f"/v1/meetings/{meeting['id']}"), 200)["outcomes"] == []
    unknown = tenant_a.member.get("/v1/meetings/00000000-0000-4000-8000-000000000000")
    assert (unknown.status_code, unknown.json()["detail"]) == (
        404, "Gesprek 00000000-0000-4000-8000-000000000000 niet gevonden.")

    # cancelled: both calendars drop the entry (same UID, a higher SEQUENCE)
    check(tenant_b.member.patch(f"/v1/meetings/{meeting['id']}", {"status": "cancelled"}), 200)
    for tenant in (tenant_a, tenant_b):
        mail = _mail_with(tenant.member_email, "CANCEL", uid)
        assert not mail["defects"]
        [(part, calendar)] = _calendars(mail)
        assert part.get_param("method") == "CANCEL"
        [vevent] = calendar.walk("VEVENT")
        assert (str(vevent["uid"]), int(vevent["sequence"]), str(vevent["status"])) == (uid, 1, "CANCELLED")
        assert "organizer" in vevent and len(_addresses(vevent)[1]) == 2

    # once a meeting has begun, its outcome is recorded
    again = check(tenant_a.member.post("/v1/meeting-requests", {"event_id": event["id"], "recipient_id": de}),
                  201)
    held = check(tenant_b.member.patch(f"/v1/meeting-requests/{again['id']}", {"status": "accepted"}),
                 200)["meeting"]
    begun_in_database(system.settings["events"].database_url, held["id"])
    recorded = check(tenant_a.member.post(f"/v1/meetings/{held['id']}/outcome",
                                          {"held": True, "follow_up": "deal"}), 200)
    assert [o["follow_up"] for o in recorded["outcomes"]] == ["deal"]


def _agenda_mails(email):
    return [m for m in SINK.to(email) if any(p.get_filename() == "agenda.ics"
                                              for p in m["message"].iter_attachments())]


def _agenda_of(email, count, timeout=30):
    """The ``count``-th agenda mail to ``email``: (mail, its VEVENTs by UID)."""
    found = SINK.wait_for(count, timeout=timeout, where=lambda m: m in _agenda_mails(email))
    assert len(found) == count, f"{len(found)} agenda mails to {email}, not {count}"
    mail = found[-1]
    [(part, calendar)] = _calendars(mail)
    assert part.get_filename() == "agenda.ics" and str(calendar["method"]) == "REQUEST"
    return mail, {str(v["uid"]): v for v in calendar.walk("VEVENT")}


def test_a_published_schedule_is_one_agenda_mail_each_and_withdrawals_are_told(tenant_a, tenant_b, api,
                                                                                platform):
    tenant_c = Tenant(api, platform, "DK", "da", "Europe/Copenhagen")
    programme = check(tenant_a.admin.post("/v1/programmes", {
        "title": unique("Grenzenlos Geschäfte machen"), "period_start": when(days=1).date().isoformat(),
        "period_end": when(days=60).date().isoformat(), "planned_events": 1, "budget_amount_minor": 0,
        "currency": "EUR"}), 201)
    event, path, (nl, de, da) = _market(tenant_a, (tenant_a, tenant_b, tenant_c), days=36,
                                        scheduling="by_organiser",
                                        event={"programme_id": programme["id"]})

    def accepted(asking, asked, recipient_id):
        sent = check(asking.member.post("/v1/meeting-requests", {"event_id": event["id"],
                                                                 "recipient_id": recipient_id}), 201)
        check(asked.member.patch(f"/v1/meeting-requests/{sent['id']}", {"status": "accepted"}), 200)
        return sent

    accepted(tenant_a, tenant_b, de)
    # the requester hears the acceptance; the time and table come with the agenda
    heard = SINK.wait_for(1, timeout=30, where=lambda m: tenant_a.member_email in m["to"]
                          and str(m["message"]["Subject"]).endswith("geaccepteerd"))
    assert heard
    assert "zodra het schema is gepubliceerd" in heard[0]["message"].get_body(("plain",)).get_content()
    accepted(tenant_c, tenant_a, nl)
    # accepted and waiting for the schedule: the person asked withdraws it; the requester is told
    waiting = accepted(tenant_b, tenant_c, da)
    withdrawn = check(tenant_c.member.patch(f"/v1/meeting-requests/{waiting['id']}", {"status": "withdrawn"}),
                      200)
    assert withdrawn["status"] == "withdrawn"
    told = SINK.wait_for(1, timeout=30, where=lambda m: tenant_b.member_email in m["to"]
                         and str(m["message"]["Subject"]).endswith("zurückgezogen"))
    assert told and not told[0]["defects"]
    assert "nicht eingeplant" in told[0]["message"].get_body(("plain",)).get_content()
    again = tenant_b.member.patch(f"/v1/meeting-requests/{waiting['id']}", {"status": "withdrawn"})
    assert again.status_code == 409 and again.headers["Content-Type"] == "application/problem+json"
    assert again.json()["detail"] == "Diese Anfrage wurde bereits zurückgezogen."  # in the reader's words
    assert check(tenant_a.admin.get(path), 200)["requests"]["withdrawn"] == 1

    assert check(tenant_a.admin.post(f"{path}/schedule"), 200)["scheduled"] == 2
    published = check(tenant_a.admin.post(f"{path}/schedule/publication"), 200)
    assert (published["published"], published["participants"]) == (2, 3)
    agenda = {m["id"]: m for m in check(tenant_a.member.get("/v1/me/agenda",
                                                            params={"event_id": event["id"]}), 200)["items"]}
    # the Dutch member meets twice: one mail, one calendar with both, as their agenda holds them
    mail, vevents = _agenda_of(tenant_a.member_email, 1)
    assert not mail["defects"] and mail["message"]["Subject"].startswith("Uw gesprekken op")
    assert mail["message"].get_body(("html",)) is not None
    assert set(vevents) == {f"{meeting_id}@nabo.meetings" for meeting_id in agenda}
    assert all("organizer" in v and len(_addresses(v)[1]) == 2 for v in vevents.values())
    for tenant in (tenant_b, tenant_c):
        assert len(_agenda_of(tenant.member_email, 1)[1]) == 1
    # no mail per meeting besides the agendas
    assert not [m for m in SINK.to(tenant_a.member_email) if str(m["message"]["Subject"]).startswith(
        "Gesprek met") and event["title"] in str(m["message"]["Subject"])]

    # a meeting more, scheduled and published: only its two sides get their agenda again
    accepted(tenant_b, tenant_c, da)
    assert check(tenant_a.admin.post(f"{path}/schedule"), 200)["scheduled"] == 1
    check(tenant_a.admin.post(f"{path}/schedule/publication"), 200)
    _mail, vevents = _agenda_of(tenant_c.member_email, 2)
    assert len(vevents) == 2
    assert len(_agenda_of(tenant_b.member_email, 2)[1]) == 2
    time.sleep(1)  # the Dutch member's agenda did not change: nothing more for her
    assert len(_agenda_mails(tenant_a.member_email)) == 1

    # a published meeting cancelled: its calendar entry is cancelled under the agenda's UID
    [first] = [m for m in agenda.values() if de in {p["person_id"] for p in m["participants"]}]
    check(tenant_a.admin.patch(f"/v1/meetings/{first['id']}", {"status": "cancelled"}), 200)
    [(_part, calendar)] = _calendars(_mail_with(tenant_b.member_email, "CANCEL",
                                                f"{first['id']}@nabo.meetings"))
    [vevent] = calendar.walk("VEVENT")
    assert (int(vevent["sequence"]), str(vevent["status"])) == (1, "CANCELLED")

    figures = check(tenant_a.admin.get(f"/v1/programmes/{programme['id']}/report"), 200)["events"][0][
        "meeting_market"]
    counted = ("requests_sent", "requests_accepted", "requests_withdrawn")
    assert [figures[key] for key in counted] == [4, 3, 1]

    # asked again after the cancelled meeting, the Dutch member declines: the German requester is told
    again = check(tenant_b.member.post("/v1/meeting-requests", {"event_id": event["id"], "recipient_id": nl}),
                  201)
    check(tenant_a.member.patch(f"/v1/meeting-requests/{again['id']}", {"status": "declined"}), 200)
    declined = SINK.wait_for(1, timeout=30, where=lambda m: tenant_b.member_email in m["to"]
                             and str(m["message"]["Subject"]).endswith("abgelehnt"))
    assert declined and not declined[0]["defects"]
    assert declined[0]["message"]["Content-Language"] == "de"


def test_a_participant_whose_registration_is_cancelled_leaves_the_market(tenant_a, tenant_b):
    event, path, (nl, de) = _market(tenant_a, (tenant_a, tenant_b), days=38)
    sent = check(tenant_a.member.post("/v1/meeting-requests", {"event_id": event["id"], "recipient_id": de}),
                 201)
    meeting = check(tenant_b.member.patch(f"/v1/meeting-requests/{sent['id']}", {"status": "accepted"}),
                    200)["meeting"]
    listed = check(tenant_a.admin.get(f"/v1/events/{event['id']}/registrations", params={"limit": 100}), 200)
    [registration] = [r for r in listed["items"] if r["person_id"] == de]
    check(tenant_b.member.patch(f"/v1/registrations/{registration['id']}", {"status": "cancelled"}), 200)
    # the other side's calendar drops the meeting; the market no longer counts the one who left
    uid = f"{meeting['id']}@nabo.meetings"
    [(_part, calendar)] = _calendars(_mail_with(tenant_a.member_email, "CANCEL", uid))
    assert str(calendar.walk("VEVENT")[0]["status"]) == "CANCELLED"
    assert check(tenant_a.member.get(f"/v1/meetings/{meeting['id']}"), 200)["status"] == "cancelled"
    market = check(tenant_a.admin.get(path), 200)
    assert (market["participants"], market["meetings"]) == (1, 0)
    assert check(tenant_a.member.get("/v1/me/agenda", params={"event_id": event["id"]}), 200)["items"] == []
    again = tenant_b.member.post("/v1/meeting-requests", {"event_id": event["id"], "recipient_id": nl})
    assert again.status_code == 403
