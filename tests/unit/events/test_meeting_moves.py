"""Moving a meeting: to a named slot or the earliest later one free for both sides at a free table,
refused clearly when it cannot be, told to both sides with a calendar update that replaces the agenda's
entry; the choice as plain code, the moves through the domain functions on SQLite."""

from datetime import datetime, timedelta, timezone

import icalendar
import pytest
from sqlalchemy import select

from nabo_common.api.errors import Conflict, NotFound, ValidationFailed
from services.events.domain import lifecycle
from services.events.domain.meeting_market import agenda, meetings, moves, requests, scheduler
from services.events.models import Meeting, OutboxEvent
from tests.support.meeting_markets import begun, build_market, market_with_a_draft

NINE = datetime(2027, 3, 4, 9, 0, tzinfo=timezone.utc)


def _slots():
    return scheduler.slots([{"starts_at": NINE, "ends_at": NINE + timedelta(minutes=80)}], 20)


def _meet(session, one, other, event_id):
    sent = requests.send(session, one, {"event_id": event_id, "recipient_id": other.person_id})
    return requests.answer(session, other, sent["id"], {"status": "accepted"})["meeting"]


def _moved(session):
    with session.begin():
        return [e.envelope["data"] for e in session.scalars(
            select(OutboxEvent).where(OutboxEvent.event_type == "meeting.rescheduled")
            .order_by(OutboxEvent.position))]


def _slot_start(built, index, minutes=20):
    return datetime.fromisoformat(built.event["starts_at"]) + timedelta(minutes=minutes * index)


def _starts(meeting):
    return datetime.fromisoformat(meeting["starts_at"])


# --- the choice -------------------------------------------------------------------------------------------


def test_a_move_takes_the_earliest_later_slot_free_for_both_other_than_its_own():
    all_slots = _slots()
    before = NINE - timedelta(hours=1)
    placement, why_not = scheduler.move(all_slots, 0, {1}, {2: {"T1"}}, ["T1", "T2"], "in_person", before)
    assert (why_not, placement.slot.index, placement.table) == (None, 2, "T2")
    # slots already begun are not taken
    placement, _ = scheduler.move(all_slots, 3, set(), {}, ["T1"], "in_person", NINE + timedelta(minutes=5))
    assert placement.slot.index == 1
    assert scheduler.move(all_slots, 0, {1, 2, 3}, {}, ["T1"], "in_person", before) == (None, "no_slot")


def test_a_named_slot_is_taken_or_refused_saying_why():
    all_slots = _slots()
    before = NINE - timedelta(hours=1)
    at = lambda minutes: NINE + timedelta(minutes=minutes)  # noqa: E731
    placement, why_not = scheduler.move(all_slots, 0, set(), {}, ["T1"], "in_person", before, at(40))
    assert (why_not, placement.slot.index, placement.table) == (None, 2, "T1")
    refused = scheduler.move(all_slots, 0, set(), {}, ["T1"], "in_person", before, at(10))
    assert refused == (None, "not_a_slot")
    assert scheduler.move(all_slots, 0, set(), {}, ["T1"], "in_person", at(30), at(20)) == (None, "past")
    assert scheduler.move(all_slots, 0, set(), {}, ["T1"], "in_person", before, at(0)) == (None, "same")
    assert scheduler.move(all_slots, 0, {1}, {}, ["T1"], "in_person", before, at(20)) == (None, "busy")
    taken = {1: {"T1"}}
    refused = scheduler.move(all_slots, 0, set(), taken, ["T1"], "in_person", before, at(20))
    assert refused == (None, "no_table")
    # hybrid meets online when the tables are gone
    placement, why_not = scheduler.move(all_slots, 0, set(), taken, ["T1"], "hybrid", before, at(20))
    assert (why_not, placement.slot.index, placement.table) == (None, 1, None)


# --- moves ------------------------------------------------------------------------------------------------


def test_either_side_moves_a_meeting_and_both_get_the_calendar_update(session):
    built = build_market(session, people=3)
    ana, ben, cai = built.people
    event_id = built.event["id"]
    meeting = _meet(session, ana, ben, event_id)
    _meet(session, ana, cai, event_id)  # Ana meets Cai in the second slot
    with session.begin():
        session.get(Meeting, meeting["id"]).reminded_at = datetime.now(timezone.utc)
    moved = moves.reschedule(session, ben, meeting["id"], {})
    assert _starts(moved) == _slot_start(built, 2) and moved["table"] == "T1"
    with session.begin():
        row = session.get(Meeting, meeting["id"])
        assert (row.slot, row.sequence, row.reminded_at) == (2, 1, None)
        assert row.remind_at == _slot_start(built, 2) - timedelta(minutes=15)
        assert sorted(seat.slot for seat in row.seats) == [2, 2]
    [told] = _moved(session)
    assert (told["sequence"], told["draft"], told["previous_table"]) == (1, False, "T1")
    assert datetime.fromisoformat(told["previous_starts_at"]) == _slot_start(built, 0)
    assert {c["person_id"] for c in told["calendars"]} == {ana.person_id, ben.person_id}
    for calendar in told["calendars"]:
        parsed = icalendar.Calendar.from_ical(calendar["ics"])
        [vevent] = parsed.walk("VEVENT")
        assert (str(parsed["method"]), str(vevent["uid"]), int(vevent["sequence"])) == (
            "REQUEST", f"{meeting['id']}@nabo.meetings", 1)
        assert vevent.decoded("dtstart") == _slot_start(built, 2)
    # the agenda carries the same entry: same UID, same SEQUENCE
    feed = icalendar.Calendar.from_ical(agenda.as_icalendar(session, ana, {})["calendar"])
    [entry] = [v for v in feed.walk("VEVENT") if str(v["uid"]) == f"{meeting['id']}@nabo.meetings"]
    assert int(entry["sequence"]) == 1
    # each move counts up; the organiser names the slot
    again = moves.reschedule(session, built.admin, meeting["id"],
                             {"starts_at": _slot_start(built, 5).isoformat()})
    assert _starts(again) == _slot_start(built, 5)
    assert [t["sequence"] for t in _moved(session)] == [1, 2]


def test_a_move_to_a_taken_or_unknown_slot_is_refused_clearly(session):
    built = build_market(session, people=4, tables=("T1",))
    ana, ben, cai, dan = built.people
    event_id = built.event["id"]
    meeting = _meet(session, ana, ben, event_id)
    _meet(session, ana, cai, event_id)  # slot 1: Ana is busy, and the only table taken
    with pytest.raises(Conflict, match="already has a meeting"):
        moves.reschedule(session, ben, meeting["id"], {"starts_at": _slot_start(built, 1).isoformat()})
    # Cai and Dan meet in slot 2; both are free in slot 0, but Ana and Ben have its only table
    later = _meet(session, cai, dan, event_id)
    assert _starts(later) == _slot_start(built, 2)
    with pytest.raises(Conflict, match="No table is free"):
        moves.reschedule(session, dan, later["id"], {"starts_at": _slot_start(built, 0).isoformat()})
    with pytest.raises(Conflict, match="already takes place"):
        moves.reschedule(session, ana, meeting["id"], {"starts_at": _slot_start(built, 0).isoformat()})
    with pytest.raises(ValidationFailed) as refused:
        moves.reschedule(session, ana, meeting["id"],
                         {"starts_at": (_slot_start(built, 1) + timedelta(minutes=5)).isoformat()})
    assert "starts_at" in refused.value.errors
    with pytest.raises(ValidationFailed):
        moves.reschedule(session, ana, meeting["id"], {"starts_at": "tomorrow"})
    with pytest.raises(NotFound):
        moves.reschedule(session, cai, meeting["id"], {})
    assert _moved(session) == []


def test_no_later_slot_free_for_both_is_a_conflict(session):
    built = build_market(session, people=3, hours=1)  # three slots
    ana, ben, cai = built.people
    event_id = built.event["id"]
    meeting = _meet(session, ana, ben, event_id)
    _meet(session, ana, cai, event_id)
    _meet(session, ben, cai, event_id)  # slot 2: Ana is free, Ben is not
    with pytest.raises(Conflict, match="No later meeting slot"):
        moves.reschedule(session, ana, meeting["id"], {})


def test_a_cancelled_checked_in_or_held_meeting_stays_where_it_was(session):
    built = build_market(session, people=4)
    ana, ben, cai, dan = built.people
    event_id = built.event["id"]
    cancelled = _meet(session, ana, ben, event_id)
    moves.cancel(session, ana, cancelled["id"], {"status": "cancelled"})
    with pytest.raises(Conflict, match="cancelled"):
        moves.reschedule(session, ben, cancelled["id"], {})
    checked_in = _meet(session, ana, cai, event_id)
    meetings.check_in(session, built.admin, checked_in["id"], {"present": [ana.person_id]})
    with pytest.raises(Conflict, match="checked in"):
        moves.reschedule(session, cai, checked_in["id"], {})
    held = _meet(session, ben, dan, event_id)
    begun(session, held["id"])
    meetings.record_outcome(session, dan, held["id"], {"held": True})
    with pytest.raises(Conflict, match="took place"):
        moves.reschedule(session, ben, held["id"], {})
    # nor does any meeting of an event no longer on
    later = _meet(session, cai, dan, event_id)
    lifecycle.transition(session, built.admin, event_id, {"to": "cancelled", "reason": "Storm"})
    with pytest.raises(Conflict, match="market is closed"):
        moves.reschedule(session, cai, later["id"], {})
    assert _moved(session) == []


def test_a_draft_moves_for_the_organiser_without_a_word_to_its_participants(session):
    built, draft = market_with_a_draft(session)
    with pytest.raises(NotFound):  # not yet its participants'
        moves.reschedule(session, built.people[0], draft, {})
    moved = moves.reschedule(session, built.admin, draft, {})
    assert (_starts(moved), moved["published"]) == (_slot_start(built, 1), False)
    [told] = _moved(session)
    assert (told["draft"], told["calendars"]) == (True, [])
    with session.begin():
        assert session.get(Meeting, draft).remind_at is None
