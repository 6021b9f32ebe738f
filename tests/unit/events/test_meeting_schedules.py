"""The organiser's schedule: the greedy plan as plain code, and scheduling every accepted request at
once, publishing it and the table plan through the domain functions on SQLite."""

import csv
import io
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from nabo_common.api.errors import Forbidden, NotFound
from services.events.domain.meeting_market import (
    agenda,
    markets,
    meetings,
    moves,
    requests,
    scheduler,
    schedules,
)
from services.events.models import OutboxEvent
from tests.support.meeting_markets import build_market

NINE = datetime(2027, 3, 4, 9, 0, tzinfo=timezone.utc)


def _slots(minutes=60):
    return scheduler.slots([{"starts_at": NINE, "ends_at": NINE + timedelta(minutes=minutes)}], 20)


# --- the plan -----------------------------------------------------------------------------------------


def test_the_plan_places_each_pair_as_one_placement_after_another_would():
    all_slots = _slots()
    pairs = [("r1", "a", "b"), ("r2", "a", "c"), ("r3", "b", "c"), ("r4", "d", "e")]
    placed, unplaced = scheduler.plan(all_slots, pairs, {}, {}, ["T1", "T2"], "in_person", {}, 10)
    assert unplaced == {}
    assert {key: (p.slot.index, p.table) for key, p in placed.items()} == {
        "r1": (0, "T1"), "r2": (1, "T1"), "r3": (2, "T1"), "r4": (0, "T2")}
    # the same, placed one by one
    busy, taken = {}, {}
    for key, person, other in pairs:
        one = scheduler.place(all_slots, busy.get(person, set()) | busy.get(other, set()), taken,
                              ["T1", "T2"], "in_person")
        assert (one.slot, one.table) == (placed[key].slot, placed[key].table)
        for someone in (person, other):
            busy.setdefault(someone, set()).add(one.slot.index)
        taken.setdefault(one.slot.index, set()).add(one.table)


def test_the_plan_names_why_a_request_is_not_placed_and_leaves_its_arguments_alone():
    all_slots = _slots(40)  # two slots
    busy, counts = {"a": {0}, "d": {1}}, {"a": 1, "d": 1}
    pairs = [("r1", "a", "b"), ("r2", "a", "c"), ("r3", "b", "c"), ("r4", "c", "d")]
    placed, unplaced = scheduler.plan(all_slots, pairs, busy, {1: {"T1"}}, ["T1", "T2"], "in_person",
                                      counts, 2)
    assert {k: (p.slot.index, p.table) for k, p in placed.items()} == {"r1": (1, "T2"), "r3": (0, "T1")}
    # a is at the maximum of 2; c meets in the first slot, d in the second
    assert unplaced == {"r2": "maximum", "r4": "no_common_slot"}
    assert (busy, counts) == ({"a": {0}, "d": {1}}, {"a": 1, "d": 1})


def test_online_plans_need_no_table_and_hybrid_ones_meet_online_when_the_tables_are_gone():
    all_slots = _slots(20)
    pairs = [("r1", "a", "b"), ("r2", "c", "d")]
    online, _ = scheduler.plan(all_slots, pairs, {}, {}, [], "online", {}, 5)
    assert [p.table for p in online.values()] == [None, None]
    hybrid, _ = scheduler.plan(all_slots, pairs, {}, {}, ["T1"], "hybrid", {}, 5)
    assert [hybrid["r1"].table, hybrid["r2"].table] == ["T1", None]


# --- through the domain -----------------------------------------------------------------------------


def _accepted(session, built, pairs):
    ids = []
    for one, other in pairs:
        sent = requests.send(session, one, {"event_id": built.event["id"], "recipient_id": other.person_id})
        ids.append(requests.answer(session, other, sent["id"], {"status": "accepted"}))
    return ids


def _events(session, event_type):
    with session.begin():
        return [e.envelope["data"] for e in session.scalars(
            select(OutboxEvent).where(OutboxEvent.event_type == event_type))]


def test_an_organiser_scheduled_market_places_accepted_requests_at_once_as_drafts(session):
    built = build_market(session, people=4, tables=("T1",), scheduling="by_organiser")
    ana, ben, cai, dan = built.people
    answers = _accepted(session, built, [(ana, ben), (cai, dan), (ana, cai)])
    # accepting at such a market places nothing yet
    assert [(a["status"], a["meeting"]) for a in answers] == [("accepted", None)] * 3
    assert len(_events(session, "meeting_request.accepted")) == 3
    assert markets.get(session, built.admin, built.event["id"])["unscheduled"] == 3

    run = schedules.schedule_all(session, built.admin, built.event["id"])
    assert (run["scheduled"], run["drafts"], run["unplaced"]) == (3, 3, [])
    plan = schedules.table_plan(session, built.admin, built.event["id"], {})
    placed = [(slot["slot"], m["table"], {p["person_id"] for p in m["participants"]}, m["published"])
              for slot in plan["slots"] for m in slot["meetings"]]
    # one table: one meeting a slot, in the order the requests were accepted
    assert placed == [(0, "T1", {ana.person_id, ben.person_id}, False),
                      (1, "T1", {cai.person_id, dan.person_id}, False),
                      (2, "T1", {ana.person_id, cai.person_id}, False)]
    # drafts are the organiser's: no agenda, no meeting on the request, not found for the participants
    assert agenda.as_json(session, ana, {})["items"] == []
    assert requests.get(session, ana, answers[0]["id"])["meeting"] is None
    draft_id = plan["slots"][0]["meetings"][0]["meeting_id"]
    with pytest.raises(NotFound):
        meetings.get(session, ana, draft_id)
    assert _events(session, "meeting.scheduled") == []
    [announced] = _events(session, "meeting_market.scheduled")
    assert (announced["scheduled"], announced["unplaced"]) == (3, 0)

    published = schedules.publish_schedule(session, built.admin, built.event["id"])
    assert (published["published"], published["participants"]) == (3, 4)
    assert len(_events(session, "meeting.scheduled")) == 3
    assert [m["table"] for m in agenda.as_json(session, ana, {})["items"]] == ["T1", "T1"]
    assert meetings.get(session, ana, draft_id)["published"] is True
    market = markets.get(session, built.admin, built.event["id"])
    assert (market["drafts"], market["unscheduled"], market["meetings"]) == (0, 0, 3)
    assert market["schedule_published_at"] is not None
    # nothing left: a second run places nothing and publishing again tells nobody twice
    assert schedules.schedule_all(session, built.admin, built.event["id"])["scheduled"] == 0
    assert schedules.publish_schedule(session, built.admin, built.event["id"])["published"] == 0
    assert len(_events(session, "meeting.scheduled")) == 3


def test_requests_that_fit_nowhere_are_named_and_stay_accepted(session):
    built = build_market(session, people=3, hours=1, minutes=30, tables=("T1",),
                         scheduling="by_organiser", max_meetings_per_participant=1)
    ana, ben, cai = built.people
    first, second = _accepted(session, built, [(ana, ben), (cai, ana)])
    run = schedules.schedule_all(session, built.admin, built.event["id"])
    assert run["scheduled"] == 1
    assert run["unplaced"] == [{"request_id": second["id"], "reason": "maximum"}]
    assert markets.get(session, built.admin, built.event["id"])["unscheduled"] == 1


def test_a_cancelled_draft_is_marked_as_one_and_frees_its_table(session):
    built = build_market(session, people=2, scheduling="by_organiser")
    ana, ben = built.people
    _accepted(session, built, [(ana, ben)])
    schedules.schedule_all(session, built.admin, built.event["id"])
    plan = schedules.table_plan(session, built.admin, built.event["id"], {})
    meeting_id = plan["slots"][0]["meetings"][0]["meeting_id"]
    moves.cancel(session, built.admin, meeting_id, {"status": "cancelled"})
    # announced for the audit trail as a draft, which the notifications service tells nobody of
    [cancelled] = _events(session, "meeting.cancelled")
    assert cancelled["draft"] is True
    after = schedules.table_plan(session, built.admin, built.event["id"], {})
    assert all(slot["meetings"] == [] for slot in after["slots"])


def test_only_the_organisers_schedule_publish_and_read_the_table_plan(session):
    built = build_market(session, people=2, scheduling="by_organiser")
    ana, _ben = built.people
    for call in (lambda: schedules.schedule_all(session, ana, built.event["id"]),
                 lambda: schedules.publish_schedule(session, ana, built.event["id"]),
                 lambda: schedules.table_plan(session, ana, built.event["id"], {})):
        with pytest.raises(Forbidden):
            call()


def test_the_table_plan_as_csv_and_as_a_page_speaks_the_readers_language(session):
    built = build_market(session, people=2, scheduling="by_organiser")
    ana, ben = built.people
    _accepted(session, built, [(ana, ben)])
    schedules.schedule_all(session, built.admin, built.event["id"])
    german = replace(built.admin, language="de")
    table = schedules.table_plan(session, german, built.event["id"], {"format": "csv"})
    assert table["content_type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(table["body"])))
    assert rows[0][:3] == ["Beginn", "Ende", "Tisch"]
    assert rows[1][2] == "T1" and rows[1][-1] == "Nein"
    assert {rows[1][4], rows[1][6]} == {f"Person {ana.person_id[:8]}", f"Person {ben.person_id[:8]}"}
    page = schedules.table_plan(session, replace(built.admin, language="nl"), built.event["id"],
                                {"format": "html"})
    assert page["content_type"].startswith("text/html")
    assert "Tafelplan" in page["body"] and "Nog niet gepubliceerd: 1" in page["body"]
