"""The calendar messages of a meeting market (RFC 5546) and what waits for the organiser's schedule: the
invitation, the move and the cancellation name the ORGANIZER and both ATTENDEEs under the agenda's UID;
publishing the schedule gives each participant one agenda of all their meetings, and publishing again
only those whose agenda gained one; an accepted request waiting for the schedule is withdrawn by either
side; an outcome waits for the meeting to begin."""

import icalendar
import pytest
from sqlalchemy import select

from nabo_common.api.errors import Conflict, Forbidden
from services.events.domain.meeting_market import meetings, moves, requests, schedules
from services.events.models import Meeting, OutboxEvent
from tests.support.meeting_markets import begun, build_market


def _events(session, event_type):
    with session.begin():
        return [e.envelope["data"] for e in session.scalars(
            select(OutboxEvent).where(OutboxEvent.event_type == event_type).order_by(OutboxEvent.position))]


def _meet(session, built, one, other):
    sent = requests.send(session, one, {"event_id": built.event["id"], "recipient_id": other.person_id})
    return requests.answer(session, other, sent["id"], {"status": "accepted"})["meeting"]


def _calendar_of(data, person_id):
    [ics] = [c["ics"] for c in data["calendars"] if c["person_id"] == person_id]
    return icalendar.Calendar.from_ical(ics)


def _people(vevent):
    attendees = vevent.get("attendee")
    attendees = attendees if isinstance(attendees, list) else [attendees]
    return str(vevent["organizer"]), sorted(str(a) for a in attendees)


def test_the_invitation_move_and_cancellation_are_calendar_messages_of_one_entry(session):
    built = build_market(session, people=2)
    ana, ben = built.people
    meeting = _meet(session, built, ana, ben)
    uid = f"{meeting['id']}@nabo.meetings"
    [invited] = _events(session, "meeting.scheduled")
    calendar = _calendar_of(invited, ana.person_id)
    [vevent] = calendar.walk("VEVENT")
    assert (str(calendar["method"]), str(vevent["uid"]), int(vevent["sequence"])) == ("REQUEST", uid, 0)
    # the market organises; the reader by their address, the other side only by name
    assert _people(vevent) == (f"urn:uuid:{built.event['id']}", sorted(
        [f"mailto:{ana.person_id}@people.example.org", f"urn:uuid:{ben.person_id}"]))
    assert vevent["organizer"].params["cn"] == built.event["title"]
    assert {a.params["cn"] for a in vevent["attendee"]} == {f"Person {ana.person_id[:8]}",
                                                          f"Person {ben.person_id[:8]}"}

    moves.reschedule(session, ben, meeting["id"], {})
    [moved] = _events(session, "meeting.rescheduled")
    [vevent] = _calendar_of(moved, ben.person_id).walk("VEVENT")
    assert int(vevent["sequence"]) == 1 and _people(vevent)[1] == sorted(
        [f"mailto:{ben.person_id}@people.example.org", f"urn:uuid:{ana.person_id}"])

    moves.cancel(session, ana, meeting["id"], {"status": "cancelled"})
    [cancelled] = _events(session, "meeting.cancelled")
    assert cancelled["sequence"] == 2
    for person in (ana, ben):
        calendar = _calendar_of(cancelled, person.person_id)
        [vevent] = calendar.walk("VEVENT")
        assert (str(calendar["method"]), str(vevent["uid"]), int(vevent["sequence"]), str(vevent["status"])) \
            == ("CANCEL", uid, 2, "CANCELLED")
        assert len(_people(vevent)[1]) == 2


def test_a_cancelled_draft_carries_no_calendar(session):
    built = build_market(session, people=2, scheduling="by_organiser")
    ana, ben = built.people
    _meet(session, built, ana, ben)
    schedules.schedule_all(session, built.admin, built.event["id"])
    plan = schedules.table_plan(session, built.admin, built.event["id"], {})
    moves.cancel(session, built.admin, plan["slots"][0]["meetings"][0]["meeting_id"], {"status": "cancelled"})
    [cancelled] = _events(session, "meeting.cancelled")
    assert (cancelled["draft"], cancelled["calendars"]) == (True, [])


def test_publishing_sends_each_participant_one_agenda_and_again_only_to_those_with_new_meetings(session):
    built = build_market(session, people=4, scheduling="by_organiser")
    ana, ben, cai, dan = built.people
    for one, other in ((ana, ben), (ana, cai), (ben, cai)):
        _meet(session, built, one, other)
    schedules.schedule_all(session, built.admin, built.event["id"])
    published = schedules.publish_schedule(session, built.admin, built.event["id"])
    assert (published["published"], published["participants"]) == (3, 3)
    # each meeting is announced for webhooks and the audit trail, but mailed within the agendas
    assert {e["in_agenda"] for e in _events(session, "meeting.scheduled")} == {True}
    agendas = {a["person_id"]: a for a in _events(session, "meeting_market.agenda_published")}
    assert set(agendas) == {ana.person_id, ben.person_id, cai.person_id}
    mine = agendas[ana.person_id]
    assert [(m["other_id"], m["new"]) for m in mine["meetings"]] == [
        (ben.person_id, True), (cai.person_id, True)]
    calendar = icalendar.Calendar.from_ical(mine["ics"])
    vevents = calendar.walk("VEVENT")
    assert str(calendar["method"]) == "REQUEST"
    assert [str(v["uid"]) for v in vevents] == [f"{m['meeting_id']}@nabo.meetings" for m in mine["meetings"]]
    assert all("organizer" in v and len(v["attendee"]) == 2 for v in vevents)

    # a new meeting later: only its two participants get their agenda again, with every meeting in it
    _meet(session, built, dan, ana)
    schedules.schedule_all(session, built.admin, built.event["id"])
    schedules.publish_schedule(session, built.admin, built.event["id"])
    again = _events(session, "meeting_market.agenda_published")[3:]
    assert sorted(a["person_id"] for a in again) == sorted([ana.person_id, dan.person_id])
    [ana_again] = [a for a in again if a["person_id"] == ana.person_id]
    assert sorted(m["new"] for m in ana_again["meetings"]) == [False, False, True]
    assert len(icalendar.Calendar.from_ical(ana_again["ics"]).walk("VEVENT")) == 3
    # nothing new: nobody is told
    schedules.publish_schedule(session, built.admin, built.event["id"])
    assert len(_events(session, "meeting_market.agenda_published")) == 5


def test_an_accepted_request_waiting_for_the_schedule_is_withdrawn_by_either_side(session):
    built = build_market(session, people=4, scheduling="by_organiser")
    ana, ben, cai, dan = built.people
    event_id = built.event["id"]
    first = requests.send(session, ana, {"event_id": event_id, "recipient_id": ben.person_id})
    requests.answer(session, ben, first["id"], {"status": "accepted"})
    withdrawn = requests.answer(session, ben, first["id"], {"status": "withdrawn"})  # the person asked
    assert withdrawn["status"] == "withdrawn"
    [told] = _events(session, "meeting_request.withdrawn")
    assert (told["withdrawn_by"], told["was_accepted"]) == (ben.person_id, True)
    with pytest.raises(Conflict):
        requests.answer(session, ana, first["id"], {"status": "withdrawn"})

    # scheduled as a draft: withdrawing it frees the draft's slot, and nobody was told of the draft
    second = requests.send(session, cai, {"event_id": event_id, "recipient_id": dan.person_id})
    requests.answer(session, dan, second["id"], {"status": "accepted"})
    schedules.schedule_all(session, built.admin, event_id)
    requests.answer(session, cai, second["id"], {"status": "withdrawn"})  # the requester
    with session.begin():
        draft = session.scalars(select(Meeting).where(Meeting.request_id == second["id"])).one()
        assert (draft.status, draft.table_name, list(draft.seats)) == ("cancelled", None, [])
    assert schedules.publish_schedule(session, built.admin, event_id)["published"] == 0

    # published: the meeting is cancelled, not the request withdrawn
    third = requests.send(session, ana, {"event_id": event_id, "recipient_id": cai.person_id})
    requests.answer(session, cai, third["id"], {"status": "accepted"})
    schedules.schedule_all(session, built.admin, event_id)
    schedules.publish_schedule(session, built.admin, event_id)
    with pytest.raises(Conflict, match="cancel the meeting instead"):
        requests.answer(session, ana, third["id"], {"status": "withdrawn"})
    # a pending request is still only its requester's to withdraw
    pending = requests.send(session, dan, {"event_id": event_id, "recipient_id": ben.person_id})
    with pytest.raises(Forbidden):
        requests.answer(session, ben, pending["id"], {"status": "withdrawn"})


def test_an_outcome_waits_until_the_meeting_has_begun(session):
    built = build_market(session, people=2)
    ana, ben = built.people
    meeting = _meet(session, built, ana, ben)
    with pytest.raises(Conflict, match="once it has begun"):
        meetings.record_outcome(session, ana, meeting["id"], {"held": True, "follow_up": "deal"})
    assert meetings.get(session, ana, meeting["id"])["outcomes"] == []
    begun(session, meeting["id"])
    recorded = meetings.record_outcome(session, ana, meeting["id"], {"held": True, "follow_up": "deal"})
    assert [o["follow_up"] for o in recorded["outcomes"]] == ["deal"]
