"""Meeting markets: the scheduler as plain code, and requests, meetings and agendas through the domain
functions on SQLite."""

from datetime import datetime, timedelta, timezone

import icalendar
import pytest
from sqlalchemy import select, update

from nabo_common.api.errors import Conflict, Forbidden, NotFound, ServiceUnavailable, ValidationFailed
from services.events.domain import lifecycle, registrations
from services.events.domain.meeting_market import agenda, markets, meetings, moves, requests, scheduler
from services.events.domain.meeting_market import participants as joining
from services.events.models import Event, MeetingRequest, OutboxEvent
from tests.support.meeting_markets import _Everyone, begun, build_market, market_settings, participant

NINE = datetime(2027, 3, 4, 9, 0, tzinfo=timezone.utc)


def window(start, minutes):
    return {"starts_at": start.isoformat(), "ends_at": (start + timedelta(minutes=minutes)).isoformat()}


def _events(session, event_type):
    with session.begin():
        return [e.envelope["data"] for e in session.scalars(
            select(OutboxEvent).where(OutboxEvent.event_type == event_type))]


# --- the scheduler ---------------------------------------------------------------------------------


def test_windows_are_cut_into_slots_of_the_meeting_length_in_time_order():
    found = scheduler.slots([window(NINE + timedelta(hours=3), 45), window(NINE, 50)], 20)
    assert [(s.index, s.starts_at.strftime("%H:%M")) for s in found] == [
        (0, "09:00"),
        (1, "09:20"),
        (2, "12:00"),
        (3, "12:20"),
    ]
    assert all(s.ends_at - s.starts_at == timedelta(minutes=20) for s in found)


def test_overlapping_windows_never_give_overlapping_slots():
    found = scheduler.slots([window(NINE, 60), window(NINE + timedelta(minutes=15), 60)], 30)
    assert [s.starts_at.strftime("%H:%M") for s in found] == ["09:00", "09:30"]
    assert all(a.ends_at <= b.starts_at for a, b in zip(found, found[1:]))


def test_windows_that_touch_do_not_overlap_and_a_window_shorter_than_a_meeting_is_too_short():
    touching = [window(NINE, 60), window(NINE + timedelta(hours=1), 60)]
    assert not scheduler.overlapping(touching)
    assert scheduler.overlapping([window(NINE, 60), window(NINE + timedelta(minutes=15), 60)])
    assert not scheduler.too_short(touching, 30)
    assert scheduler.too_short([window(NINE, 10)], 30)


def test_a_meeting_goes_to_the_earliest_slot_free_for_both_at_a_free_table():
    all_slots = scheduler.slots([window(NINE, 60)], 20)
    placed = scheduler.place(
        all_slots, busy={0}, tables_taken={1: {"T1"}}, tables=["T1", "T2"], mode="in_person"
    )
    assert (placed.slot.index, placed.table) == (1, "T2")


def test_in_person_skips_slots_without_a_free_table_and_gives_up_when_none_is_left():
    all_slots = scheduler.slots([window(NINE, 60)], 20)
    full = {0: {"T1"}, 1: {"T1"}}
    assert scheduler.place(all_slots, set(), full, ["T1"], "in_person").slot.index == 2
    assert scheduler.place(all_slots, {2}, full, ["T1"], "in_person") is None


def test_online_needs_no_table_and_hybrid_meets_online_when_the_tables_are_taken():
    all_slots = scheduler.slots([window(NINE, 40)], 20)
    assert scheduler.place(all_slots, {0}, {}, [], "online") == scheduler.Placement(all_slots[1], None)
    hybrid = scheduler.place(all_slots, set(), {0: {"T1"}}, ["T1"], "hybrid")
    assert (hybrid.slot.index, hybrid.table) == (0, None)


def test_slots_already_begun_are_not_offered():
    all_slots = scheduler.slots([window(NINE, 60)], 20)
    placed = scheduler.place(
        all_slots, set(), {}, ["T1"], "in_person", not_before=NINE + timedelta(minutes=5)
    )
    assert placed.slot.index == 1


# --- the market through the domain ---------------------------------------------------------------------


def test_settings_outside_the_events_time_or_without_tables_in_person_are_refused(session):
    built = build_market(session, people=0)
    start = datetime.fromisoformat(built.event["starts_at"])
    with pytest.raises(ValidationFailed) as outside:
        markets.configure(
            session, built.admin, built.event["id"], market_settings(start - timedelta(hours=1))
        )
    assert "windows" in outside.value.errors
    with pytest.raises(ValidationFailed) as no_tables:
        markets.configure(session, built.admin, built.event["id"], market_settings(start, tables=()))
    assert "tables" in no_tables.value.errors


def test_an_accepted_request_takes_the_earliest_common_slot_and_shows_in_both_agendas(session):
    built = build_market(session, people=3)
    ana, ben, cai = built.people
    first = requests.send(
        session,
        ana,
        {
            "event_id": built.event["id"],
            "recipient_id": ben.person_id,
            "message": "Shall we talk about hydrogen?",
        },
    )
    assert (first["status"], first["meeting"]) == ("pending", None)  # a pending request holds no slot
    accepted = requests.answer(session, ben, first["id"], {"status": "accepted"})
    assert accepted["status"] == "accepted"
    assert (accepted["meeting"]["starts_at"], accepted["meeting"]["table"]) == (
        built.event["starts_at"],
        "T1",
    )
    # Ana is busy in the first slot: her next meeting goes to the second, Cai's too
    second = requests.send(session, cai, {"event_id": built.event["id"], "recipient_id": ana.person_id})
    placed = requests.answer(session, ana, second["id"], {"status": "accepted"})["meeting"]
    assert placed["starts_at"] > accepted["meeting"]["starts_at"]
    assert [m["id"] for m in agenda.as_json(session, ana, {})["items"]] == [
        accepted["meeting"]["id"],
        placed["id"],
    ]
    assert [m["id"] for m in agenda.as_json(session, ben, {})["items"]] == [accepted["meeting"]["id"]]
    calendar = icalendar.Calendar.from_ical(agenda.as_icalendar(session, ana, {})["calendar"])
    vevents = calendar.walk("VEVENT")
    assert [str(v["uid"]) for v in vevents] == [
        f"{accepted['meeting']['id']}@nabo.meetings",
        f"{placed['id']}@nabo.meetings",
    ]
    assert str(vevents[0]["location"]) == "T1"
    assert "Person" in str(vevents[0]["summary"])


def test_bad_requests_are_refused_with_what_is_wrong(session):
    built = build_market(session, people=2, max_meetings_per_participant=1)
    ana, ben = built.people
    event_id = built.event["id"]
    with pytest.raises(ValidationFailed, match="yourself"):
        requests.send(session, ana, {"event_id": event_id, "recipient_id": ana.person_id})
    stranger = participant("elsewhere")
    with pytest.raises(ValidationFailed, match="does not take part"):
        requests.send(session, ana, {"event_id": event_id, "recipient_id": stranger.person_id})
    sent = requests.send(session, ana, {"event_id": event_id, "recipient_id": ben.person_id})
    with pytest.raises(Conflict, match="already pending"):
        requests.send(session, ben, {"event_id": event_id, "recipient_id": ana.person_id})
    with pytest.raises(Forbidden, match="Only the person asked"):
        requests.answer(session, ana, sent["id"], {"status": "accepted"})
    with pytest.raises(NotFound):
        requests.answer(session, stranger, sent["id"], {"status": "accepted"})
    requests.answer(session, ben, sent["id"], {"status": "accepted"})
    with pytest.raises(Conflict, match="accepted already"):
        requests.answer(session, ben, sent["id"], {"status": "declined"})
    late = build_market(session, people=1).people[0]
    with pytest.raises(Forbidden):
        requests.send(session, late, {"event_id": event_id, "recipient_id": ana.person_id})


def test_past_the_maximum_no_request_is_sent(session):
    built = build_market(session, people=3, max_meetings_per_participant=1)
    ana, ben, cai = built.people
    sent = requests.send(session, ana, {"event_id": built.event["id"], "recipient_id": ben.person_id})
    requests.answer(session, ben, sent["id"], {"status": "accepted"})
    with pytest.raises(Conflict, match="most meetings"):
        requests.send(session, ana, {"event_id": built.event["id"], "recipient_id": cai.person_id})
    with pytest.raises(Conflict, match="agenda is full"):
        requests.send(session, cai, {"event_id": built.event["id"], "recipient_id": ana.person_id})


def test_an_unanswered_request_expires_once_and_can_no_longer_be_accepted(session):
    built = build_market(session, people=2)
    ana, ben = built.people
    sent = requests.send(session, ana, {"event_id": built.event["id"], "recipient_id": ben.person_id})
    with session.begin():
        session.execute(
            update(MeetingRequest).values(expires_at=datetime.now(timezone.utc) - timedelta(minutes=1))
        )
    with pytest.raises(Conflict, match="expired"):
        requests.answer(session, ben, sent["id"], {"status": "accepted"})
    assert requests.expire_due(session) == 1
    assert requests.expire_due(session) == 0
    assert requests.get(session, ana, sent["id"])["status"] == "expired"
    with session.begin():
        told = session.scalars(select(OutboxEvent).where(OutboxEvent.event_type == "meeting_request.expired"))
        assert [e.envelope["data"]["requester_id"] for e in told] == [ana.person_id]


def test_cancelling_a_meeting_frees_its_slot_and_table(session):
    built = build_market(session, people=2, tables=("T1",), hours=1, minutes=60)
    ana, ben = built.people
    sent = requests.send(session, ana, {"event_id": built.event["id"], "recipient_id": ben.person_id})
    meeting = requests.answer(session, ben, sent["id"], {"status": "accepted"})["meeting"]
    cancelled = moves.cancel(session, ana, meeting["id"], {"status": "cancelled"})
    assert (cancelled["status"], cancelled["table"]) == ("cancelled", None)
    assert agenda.as_json(session, ben, {})["items"] == []
    again = requests.send(session, ben, {"event_id": built.event["id"], "recipient_id": ana.person_id})
    placed = requests.answer(session, ana, again["id"], {"status": "accepted"})["meeting"]
    assert (placed["starts_at"], placed["table"]) == (meeting["starts_at"], "T1")


def test_each_participant_records_what_came_of_a_meeting_and_the_market_counts_it(session):
    built = build_market(session, people=3)
    ana, ben, cai = built.people
    sent = requests.send(session, ana, {"event_id": built.event["id"], "recipient_id": ben.person_id})
    meeting = requests.answer(session, ben, sent["id"], {"status": "accepted"})["meeting"]
    requests.send(session, cai, {"event_id": built.event["id"], "recipient_id": ana.person_id})
    begun(session, meeting["id"])
    meetings.record_outcome(session, ana, meeting["id"], {"held": True, "rating": 3})
    corrected = meetings.record_outcome(
        session, ana, meeting["id"], {"held": True, "rating": 5, "follow_up": "offer"}
    )
    assert [(o["person_id"], o["rating"], o["follow_up"]) for o in corrected["outcomes"]] == [
        (ana.person_id, 5, "offer")
    ]
    with pytest.raises(NotFound):
        meetings.record_outcome(session, cai, meeting["id"], {"held": False})
    market = markets.get(session, built.admin, built.event["id"])
    assert (market["meetings"], market["meetings_held"], market["participants"]) == (1, 1, 3)
    assert market["requests"] == {"pending": 1, "accepted": 1, "declined": 0, "withdrawn": 0, "expired": 0}
    # a meeting someone said took place stays: cancelling it would leave a held meeting counted for nothing
    with pytest.raises(Conflict, match="took place"):
        moves.cancel(session, ben, meeting["id"], {"status": "cancelled"})
    assert markets.get(session, built.admin, built.event["id"])["meetings_held"] == 1


def test_a_cancelled_meeting_is_not_counted_as_held(session):
    built = build_market(session, people=2)
    ana, ben = built.people
    sent = requests.send(session, ana, {"event_id": built.event["id"], "recipient_id": ben.person_id})
    meeting = requests.answer(session, ben, sent["id"], {"status": "accepted"})["meeting"]
    begun(session, meeting["id"])
    meetings.record_outcome(session, ana, meeting["id"], {"held": False, "note": "moved to next week"})
    moves.cancel(session, ben, meeting["id"], {"status": "cancelled"})
    market = markets.get(session, built.admin, built.event["id"])
    assert (market["meetings"], market["meetings_held"]) == (0, 0)


def test_overlapping_windows_and_windows_without_a_slot_are_refused(session):
    built = build_market(session, people=0)
    start = datetime.fromisoformat(built.event["starts_at"])
    overlap = [window(start, 60), window(start + timedelta(minutes=15), 60)]
    with pytest.raises(ValidationFailed) as overlapping:
        markets.configure(session, built.admin, built.event["id"],
                          market_settings(start, minutes=30) | {"windows": overlap})
    assert "windows" in overlapping.value.errors
    with pytest.raises(ValidationFailed) as too_short:
        markets.configure(session, built.admin, built.event["id"],
                          market_settings(start, minutes=30) | {"windows": [window(start, 10)]})
    assert "windows" in too_short.value.errors
    with pytest.raises(ValidationFailed) as empty:
        markets.configure(session, built.admin, built.event["id"],
                          market_settings(start, minutes=30) | {"windows": [window(start, 0)]})
    assert "windows" in empty.value.errors
    touching = [window(start, 60), window(start + timedelta(hours=1), 60)]
    configured = markets.configure(session, built.admin, built.event["id"],
                                   market_settings(start, minutes=30) | {"windows": touching})
    assert configured["slots"] == 4


def test_a_market_is_prepared_on_a_draft_event_and_opens_when_the_event_is_published(session):
    built = build_market(session, people=0)
    start = datetime.fromisoformat(built.event["starts_at"])
    draft = lifecycle.create(session, built.admin, {
        "title": "Matchmaking morning", "format": "in_person", "languages": ["en"],
        "starts_at": built.event["starts_at"], "ends_at": built.event["ends_at"],
        "time_zone": "Europe/Copenhagen", "venue": {"address": "Grænsehallen 1, Padborg"}})
    assert draft["status"] == "draft"
    prepared = markets.configure(session, built.admin, draft["id"], market_settings(start))
    assert prepared["slots"] > 0
    with pytest.raises(Conflict, match="not published yet"):
        markets.open_for_meetings(session.get(Event, draft["id"]))


class _Profiles:
    """Organisations' profiles: complete ones, and ``down`` when the members service does not answer."""

    def __init__(self, down=False):
        self.down = down

    def organisation_profile(self, organisation_id):
        if self.down:
            raise ServiceUnavailable("The members service is unavailable.")
        return {"id": organisation_id, "description": "Wind", "themes": ["energy"],
                "offers_and_needs": [{"kind": "offer"}, {"kind": "need"}]}


def test_joining_says_whether_the_organisations_profile_is_complete_as_the_organisers_list_does(session):
    built = build_market(session, people=0)
    association_id = built.admin.admin_of[0]
    joined = []
    for profiles in (_Profiles(), _Profiles(down=True)):
        caller = participant(association_id)
        registrations.register(session, caller, built.event["id"], {}, people=_Everyone())
        joined.append(joining.join(session, caller, built.event["id"], {}, profiles))
    assert (joined[0]["profile_complete"], joined[0]["missing"]) == (True, [])
    # the members service did not answer: taking part does not wait for it
    assert joined[1]["profile_complete"] is None
    listed = joining.list_for_organiser(session, built.admin, built.event["id"], _Profiles())
    assert [p["profile_complete"] for p in listed["items"]] == [True, True]


def test_scheduled_meetings_keep_their_slots_when_the_organiser_changes_the_settings(session):
    built = build_market(session, people=2)
    ana, ben = built.people
    sent = requests.send(session, ana, {"event_id": built.event["id"], "recipient_id": ben.person_id})
    requests.answer(session, ben, sent["id"], {"status": "accepted"})
    start = datetime.fromisoformat(built.event["starts_at"])
    with pytest.raises(Conflict, match="Meetings are scheduled"):
        markets.configure(session, built.admin, built.event["id"], market_settings(start, minutes=30))
    with pytest.raises(Conflict, match="Meetings are scheduled"):
        markets.configure(session, built.admin, built.event["id"], market_settings(start, tables=("T2",)))
    more_tables = markets.configure(
        session, built.admin, built.event["id"], market_settings(start, tables=("T1", "T2", "T3"))
    )
    assert more_tables["tables"] == ["T1", "T2", "T3"] and more_tables["meetings"] == 1


def test_a_cancelled_event_takes_no_more_requests(session):
    built = build_market(session, people=2)
    ana, ben = built.people
    lifecycle.transition(session, built.admin, built.event["id"], {"to": "cancelled", "reason": "Storm"})
    with pytest.raises(Conflict, match="cancelled"):
        requests.send(session, ana, {"event_id": built.event["id"], "recipient_id": ben.person_id})


def test_the_agenda_calendar_carries_its_time_zone_and_speaks_the_readers_language(session):
    from dataclasses import replace

    built = build_market(session, people=2)
    ana, ben = built.people
    sent = requests.send(session, ana, {"event_id": built.event["id"], "recipient_id": ben.person_id})
    requests.answer(session, ben, sent["id"], {"status": "accepted"})
    text = agenda.as_icalendar(session, replace(ana, language="de"), {})["calendar"]
    calendar = icalendar.Calendar.from_ical(text)
    [zone] = calendar.walk("VTIMEZONE")
    [vevent] = calendar.walk("VEVENT")
    assert str(zone["TZID"]) == vevent["DTSTART"].params["TZID"] == built.event["time_zone"]
    assert str(calendar["X-WR-CALNAME"]) == "Meine Treffen"
    assert str(vevent["SUMMARY"]).startswith("Treffen mit ")
    # as the mailed calendars: the market organises, both sides attend, only the reader by address
    assert str(vevent["ORGANIZER"]) == f"urn:uuid:{built.event['id']}"
    attendees = sorted(str(a) for a in vevent["ATTENDEE"])
    assert attendees == sorted([f"mailto:{ana.person_id}@people.example.org", f"urn:uuid:{ben.person_id}"])
    [mailed] = [c["ics"] for c in _events(session, "meeting.scheduled")[0]["calendars"]
                if c["person_id"] == ana.person_id]
    [mailed_vevent] = icalendar.Calendar.from_ical(mailed).walk("VEVENT")
    assert sorted(str(a) for a in mailed_vevent["ATTENDEE"]) == attendees
    assert str(mailed_vevent["ORGANIZER"]) == str(vevent["ORGANIZER"])


def _registration_of(session, built, caller):
    listed = registrations.list_for_event(session, built.admin, built.event["id"], {"limit": 100})["items"]
    return next(r for r in listed if r["person_id"] == caller.person_id)


def test_a_cancelled_registration_leaves_the_market_and_frees_the_others(session):
    built = build_market(session, people=4, tables=("T1",), hours=2, minutes=30)
    ana, ben, cai, dan = built.people
    event_id = built.event["id"]
    met = requests.send(session, ana, {"event_id": event_id, "recipient_id": ben.person_id})
    meeting = requests.answer(session, ben, met["id"], {"status": "accepted"})["meeting"]
    asked_by_ana = requests.send(session, ana, {"event_id": event_id, "recipient_id": cai.person_id})
    asking_ana = requests.send(session, dan, {"event_id": event_id, "recipient_id": ana.person_id})

    registrations.update(session, ana, _registration_of(session, built, ana)["id"], {"status": "cancelled"})

    # her meeting is cancelled for both, with their calendars; what she sent is withdrawn, what she was
    # asked is declined; she no longer takes part
    [cancelled] = _events(session, "meeting.cancelled")
    assert cancelled["meeting_id"] == meeting["id"] and not cancelled["draft"]
    assert {c["person_id"] for c in cancelled["calendars"]} == {ana.person_id, ben.person_id}
    [withdrawn] = _events(session, "meeting_request.withdrawn")
    assert (withdrawn["request_id"], withdrawn["withdrawn_by"]) == (asked_by_ana["id"], ana.person_id)
    [declined] = _events(session, "meeting_request.declined")
    assert declined["request_id"] == asking_ana["id"]
    market = markets.get(session, built.admin, event_id)
    assert (market["participants"], market["meetings"]) == (3, 0)
    assert agenda.as_json(session, ben, {})["items"] == []
    with pytest.raises(Forbidden):  # no longer registered: she does not take part
        requests.send(session, ana, {"event_id": event_id, "recipient_id": cai.person_id})
    # the slot and table she held are free for the others
    again = requests.send(session, ben, {"event_id": event_id, "recipient_id": cai.person_id})
    placed = requests.answer(session, cai, again["id"], {"status": "accepted"})["meeting"]
    assert (placed["starts_at"], placed["table"]) == (meeting["starts_at"], "T1")


def test_a_meeting_that_took_place_stays_when_a_registration_is_cancelled(session):
    built = build_market(session, people=2)
    ana, ben = built.people
    sent = requests.send(session, ana, {"event_id": built.event["id"], "recipient_id": ben.person_id})
    meeting = requests.answer(session, ben, sent["id"], {"status": "accepted"})["meeting"]
    begun(session, meeting["id"])
    meetings.record_outcome(session, ben, meeting["id"], {"held": True})
    registrations.update(session, ana, _registration_of(session, built, ana)["id"], {"status": "cancelled"})
    assert _events(session, "meeting.cancelled") == []
    assert markets.get(session, built.admin, built.event["id"])["meetings_held"] == 1
