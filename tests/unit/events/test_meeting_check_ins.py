"""Meetings that happen: checked in by either side or an organiser, no-shows per person and per
event, and a reminder before each meeting, sent once; through the domain functions on SQLite."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, update

from nabo_common.api.errors import Conflict, NotFound, ValidationFailed
from services.events.domain.common import utcnow
from services.events.domain.meeting_market import markets, meetings, moves, participants, requests
from services.events.domain.meeting_market import reminders as meeting_reminders
from services.events.models import Meeting, OutboxEvent
from tests.support.meeting_markets import build_market, market_settings, market_with_a_draft


class _Profiles:
    def organisation_profile(self, organisation_id):
        return None


def _meet(session, built, one, other):
    sent = requests.send(session, one, {"event_id": built.event["id"], "recipient_id": other.person_id})
    return requests.answer(session, other, sent["id"], {"status": "accepted"})["meeting"]


def _end(session, meeting_id):
    """Move a meeting into the past, as if it had taken place."""
    now = utcnow()
    with session.begin():
        session.execute(update(Meeting).where(Meeting.id == meeting_id).values(
            starts_at=now - timedelta(hours=1), ends_at=now - timedelta(minutes=40)))


def _events(session, event_type):
    with session.begin():
        return [e.envelope["data"] for e in session.scalars(
            select(OutboxEvent).where(OutboxEvent.event_type == event_type))]


def test_either_side_checks_a_meeting_in_as_held_and_the_organiser_who_came(session):
    built = build_market(session, people=3)
    ana, ben, cai = built.people
    first = _meet(session, built, ana, ben)
    second = _meet(session, built, ana, cai)
    held = meetings.check_in(session, ben, first["id"], {})
    assert (held["held"], held["present"]) == (True, sorted([ana.person_id, ben.person_id]))
    # at the table, the organiser sees only Ana
    alone = meetings.check_in(session, built.admin, second["id"], {"present": [ana.person_id]})
    assert (alone["held"], alone["present"]) == (False, [ana.person_id])
    [told, _] = _events(session, "meeting.checked_in")
    assert told["meeting_id"] == first["id"] and sorted(told["present"]) == held["present"]
    _end(session, first["id"])
    _end(session, second["id"])
    market = markets.get(session, built.admin, built.event["id"])
    assert (market["meetings_held"], market["no_shows"], market["no_show_rate"]) == (1, 1, 0.25)
    listed = {p["person_id"]: p for p in participants.list_for_organiser(
        session, built.admin, built.event["id"], _Profiles())["items"]}
    assert {person: (p["meetings"], p["no_shows"]) for person, p in listed.items()} == {
        ana.person_id: (2, 0), ben.person_id: (1, 0), cai.person_id: (1, 1)}
    # a later check-in adds up: Cai came after all
    meetings.check_in(session, cai, second["id"], {"present": [cai.person_id]})
    assert markets.get(session, built.admin, built.event["id"])["no_shows"] == 0
    with pytest.raises(Conflict, match="checked in"):
        moves.cancel(session, ana, first["id"], {"status": "cancelled"})


def test_checking_in_a_meeting_that_is_not_yours_or_cannot_be_is_refused(session):
    built = build_market(session, people=3)
    ana, ben, cai = built.people
    meeting = _meet(session, built, ana, ben)
    with pytest.raises(NotFound):
        meetings.check_in(session, cai, meeting["id"], {})
    with pytest.raises(ValidationFailed) as refused:
        meetings.check_in(session, ana, meeting["id"], {"present": [cai.person_id]})
    assert "present" in refused.value.errors
    with pytest.raises(ValidationFailed):
        meetings.check_in(session, ana, meeting["id"], {"present": []})
    moves.cancel(session, ana, meeting["id"], {"status": "cancelled"})
    with pytest.raises(Conflict, match="cancelled"):
        meetings.check_in(session, ben, meeting["id"], {})


def test_a_draft_is_checked_in_by_nobody_before_it_is_published(session):
    built, draft = market_with_a_draft(session)
    with pytest.raises(NotFound):  # not yet its participants'
        meetings.check_in(session, built.people[0], draft, {})
    with pytest.raises(Conflict, match="Publish"):
        meetings.check_in(session, built.admin, draft, {})


def test_each_meeting_is_reminded_once_before_it_begins(session):
    built = build_market(session, people=3)
    ana, ben, cai = built.people
    first = _meet(session, built, ana, ben)
    second = _meet(session, built, ana, cai)
    starts = min(m.starts_at for m in session.scalars(select(Meeting)))
    assert meeting_reminders.remind_due(session, now=starts - timedelta(minutes=16)) == 0
    assert meeting_reminders.remind_due(session, now=starts - timedelta(minutes=14)) == 1
    assert meeting_reminders.remind_due(session, now=starts - timedelta(minutes=10)) == 0
    [reminded] = _events(session, "meeting.reminder_due")
    assert (reminded["meeting_id"], reminded["minutes"]) == (first["id"], 15)
    assert sorted(reminded["person_ids"]) == sorted([ana.person_id, ben.person_id])
    # a cancelled meeting is not reminded
    moves.cancel(session, cai, second["id"], {"status": "cancelled"})
    assert meeting_reminders.remind_due(session, now=starts + timedelta(hours=1)) == 0


def test_the_reminder_follows_the_markets_setting_and_zero_reminds_nobody(session):
    built = build_market(session, people=2)
    ana, ben = built.people
    _meet(session, built, ana, ben)
    start = datetime.fromisoformat(built.market["windows"][0]["starts_at"])
    markets.configure(session, built.admin, built.event["id"], market_settings(start, reminder_minutes=60))
    [meeting] = session.scalars(select(Meeting)).all()
    assert meeting.starts_at - meeting.remind_at == timedelta(minutes=60)
    markets.configure(session, built.admin, built.event["id"], market_settings(start, reminder_minutes=0))
    session.expire_all()
    assert session.scalars(select(Meeting)).one().remind_at is None
    assert meeting_reminders.remind_due(session, now=meeting.starts_at - timedelta(minutes=1)) == 0
