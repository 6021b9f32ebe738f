"""On PostgreSQL: 50 accepts race for the same participants' slots and the same tables, and so do
moves of meetings, and nobody and no table is ever booked twice in one slot; two replicas sweep
expired requests, and each expires once."""

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from functools import partial

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from nabo_common.api.errors import Conflict
from services.events.domain.meeting_market import moves, requests
from services.events.models import Meeting, MeetingRequest, MeetingSeat, OutboxEvent
from tests.support.infra import database_sessions
from tests.support.meeting_markets import build_market
from tests.unit.events.conftest import call_session

PEOPLE = 11
TABLES = ("T1", "T2", "T3")


def in_own_session(sessions, act, item):
    """``act(session, *item)`` with a connection of its own, as each service worker has: its answer, or
    why not."""
    session = sessions()
    try:
        return act(session, *item)
    except Conflict as refused:
        return str(refused)
    finally:
        session.close()


def race(sessions, racer, items):
    """``racer`` over ``items``, 8 at once: (the answers that went through, why the others did not)."""
    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(partial(racer, sessions), items))
    return [o for o in outcomes if isinstance(o, dict)], [o for o in outcomes if isinstance(o, str)]


def accept_in_own_session(sessions, item):
    """Accept as the recipient: the meeting placed, or why not."""
    return in_own_session(sessions, lambda session, recipient, request: requests.answer(
        session, recipient, request["id"], {"status": "accepted"})["meeting"], item)


def test_fifty_racing_accepts_never_double_book_a_participant_or_a_table():
    with database_sessions("events") as sessions:
        setup = call_session(sessions.kw["bind"])  # one session for many domain calls
        # 11 people, 3 tables, 8 slots: fewer places than accepts, so accepts contend for every one
        built = build_market(setup, people=PEOPLE, hours=2, minutes=15, tables=TABLES)
        people = built.people
        pairs = [(people[i], people[j]) for i in range(PEOPLE) for j in range(i + 1, PEOPLE)][:50]
        sent = [
            (
                recipient,
                requests.send(
                    setup, requester, {"event_id": built.event["id"], "recipient_id": recipient.person_id}
                ),
            )
            for requester, recipient in pairs
        ]
        setup.close()

        placed, refused = race(sessions, accept_in_own_session, sent)
        assert placed and len(placed) + len(refused) == 50
        assert all("No meeting slot" in r or "most meetings" in r for r in refused)
        check = sessions()
        with check.begin():
            seats = check.execute(select(MeetingSeat.slot, MeetingSeat.person_id)).all()
            tables = check.execute(
                select(Meeting.slot, Meeting.table_name).where(Meeting.status == "scheduled")
            ).all()
        check.close()
        assert len(tables) == len(placed) and len(seats) == 2 * len(placed)
        assert max(Counter(seats).values()) == 1
        assert max(Counter(tables).values()) == 1
        # the answers say the same as the database
        assert Counter((m["starts_at"], m["table"]) for m in placed).most_common(1)[0][1] == 1


def move_in_own_session(sessions, item):
    """Move a meeting as one of its participants, to the earliest later slot free for both: the meeting
    moved, or why not."""
    return in_own_session(sessions, lambda session, mover, meeting_id: moves.reschedule(
        session, mover, meeting_id, {}), item)


def test_racing_moves_never_double_book_a_participant_or_a_table():
    with database_sessions("events") as sessions:
        setup = call_session(sessions.kw["bind"])
        # 8 people, 2 tables, 8 slots: every move contends for the places the others move to
        built = build_market(setup, people=8, hours=2, minutes=15, tables=TABLES[:2])
        people = built.people
        placed = []
        for i in range(len(people)):
            requester, recipient = people[i], people[(i + 1) % len(people)]
            sent = requests.send(setup, requester,
                                 {"event_id": built.event["id"], "recipient_id": recipient.person_id})
            placed.append((requester, requests.answer(setup, recipient, sent["id"],
                                                      {"status": "accepted"})["meeting"]["id"]))
        setup.close()

        moved, refused = race(sessions, move_in_own_session, placed * 3)
        assert moved and len(moved) + len(refused) == 24
        assert all("No later meeting slot" in r or "changing fast" in r for r in refused)
        check = sessions()
        with check.begin():
            seats = check.execute(select(MeetingSeat.slot, MeetingSeat.person_id)).all()
            tables = check.execute(select(Meeting.slot, Meeting.table_name)).all()
            apart = check.execute(select(MeetingSeat.meeting_id).join(
                Meeting, Meeting.id == MeetingSeat.meeting_id).where(MeetingSeat.slot != Meeting.slot)).all()
            sequences = check.scalars(select(Meeting.sequence)).all()
        check.close()
        assert len(tables) == len(placed) and len(seats) == 2 * len(placed) and apart == []
        assert max(Counter(seats).values()) == 1
        assert max(Counter(tables).values()) == 1
        assert sum(sequences) == len(moved)  # each move counted once


def test_each_unanswered_request_expires_once_across_two_sweeping_replicas():
    with database_sessions("events") as sessions:
        setup = call_session(sessions.kw["bind"])
        built = build_market(setup, people=PEOPLE)
        people = built.people
        for requester, recipient in [(people[0], other) for other in people[1:]]:
            requests.send(
                setup, requester, {"event_id": built.event["id"], "recipient_id": recipient.person_id}
            )
        with setup.begin():
            setup.execute(update(MeetingRequest).values(expires_at=datetime.now(timezone.utc)))
        setup.close()

        def sweep(_replica):
            session = sessions()
            try:
                # small batches, so both replicas sweep at the same time
                return sum(iter(lambda: requests.expire_due(session, batch=2), 0))
            finally:
                session.close()

        with ThreadPoolExecutor(max_workers=2) as pool:
            expired = list(pool.map(sweep, range(2)))

        assert sum(expired) == PEOPLE - 1
        check = sessions()
        with check.begin():
            told = check.scalars(
                select(OutboxEvent.envelope).where(OutboxEvent.event_type == "meeting_request.expired")
            ).all()
            statuses = set(check.scalars(select(MeetingRequest.status)))
        check.close()
        assert sorted(e["data"]["recipient_id"] for e in told) == sorted(p.person_id for p in people[1:])
        assert statuses == {"expired"}


def test_the_database_itself_refuses_a_double_booking():
    """Whatever code writes the rows: a second meeting at a table, or for a person, in one slot."""
    with database_sessions("events") as sessions:
        setup = call_session(sessions.kw["bind"])
        built = build_market(setup, people=3)
        ana, ben, cai = built.people
        first = requests.send(setup, ana, {"event_id": built.event["id"], "recipient_id": ben.person_id})
        meeting = requests.answer(setup, ben, first["id"], {"status": "accepted"})["meeting"]
        second = requests.send(setup, cai, {"event_id": built.event["id"], "recipient_id": ana.person_id})
        setup.close()
        with setup.begin():
            market_id, slot = setup.execute(
                select(Meeting.market_id, Meeting.slot).where(Meeting.id == meeting["id"])
            ).one()
        setup.close()
        for table, person in (("T1", cai.person_id), ("T2", ana.person_id)):
            session = sessions()
            row = Meeting(
                market_id=market_id,
                request_id=second["id"],
                slot=slot,
                table_name=table,
                starts_at=datetime.fromisoformat(meeting["starts_at"]),
                ends_at=datetime.fromisoformat(meeting["ends_at"]),
                status="scheduled",
                seats=[MeetingSeat(person_id=person, market_id=market_id, slot=slot)],
            )
            with pytest.raises(IntegrityError):
                with session.begin():
                    session.add(row)
            session.close()


def test_the_organisers_bulk_scheduling_racing_single_accepts_never_double_books():
    from services.events.domain.common import utcnow
    from services.events.domain.meeting_market import schedules

    with database_sessions("events") as sessions:
        setup = call_session(sessions.kw["bind"])
        built = build_market(setup, people=PEOPLE, hours=2, minutes=15, tables=TABLES)
        people = built.people
        pairs = [(people[i], people[j]) for i in range(PEOPLE) for j in range(i + 1, PEOPLE)][:50]
        sent = [(recipient, requests.send(setup, requester, {"event_id": built.event["id"],
                                                             "recipient_id": recipient.person_id}))
                for requester, recipient in pairs]
        # half of them accepted and waiting for the organiser, the other half accepted while it schedules
        waiting = [request["id"] for _recipient, request in sent[::2]]
        with setup.begin():
            setup.execute(update(MeetingRequest).where(MeetingRequest.id.in_(waiting))
                          .values(status="accepted", answered_at=utcnow()))
        setup.close()

        accept = partial(accept_in_own_session, sessions)

        def schedule_all():
            session = sessions()
            try:
                return schedules.schedule_all(session, built.admin, built.event["id"])
            finally:
                session.close()

        with ThreadPoolExecutor(max_workers=8) as pool:
            run = pool.submit(schedule_all)
            accepted = list(pool.map(accept, sent[1::2]))
            run = run.result()

        placed_by_accept = [a for a in accepted if isinstance(a, dict)]
        assert run["scheduled"] > 0 and placed_by_accept
        assert run["scheduled"] + len(run["unplaced"]) == len(waiting)
        check = sessions()
        with check.begin():
            seats = check.execute(select(MeetingSeat.slot, MeetingSeat.person_id)).all()
            tables = check.execute(
                select(Meeting.slot, Meeting.table_name).where(Meeting.status == "scheduled")).all()
        check.close()
        assert len(tables) == run["scheduled"] + len(placed_by_accept)
        assert len(seats) == 2 * len(tables)
        assert max(Counter(seats).values()) == 1
        assert max(Counter(tables).values()) == 1
