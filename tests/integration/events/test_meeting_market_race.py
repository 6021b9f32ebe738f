"""50 accepts race for the same participants' slots and the same tables on PostgreSQL: nobody and no
table is ever booked twice in one slot."""

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select

from nabo_common.api.errors import Conflict
from services.events.domain.meeting_market import requests
from services.events.models import Meeting, MeetingSeat
from tests.support.infra import database_sessions
from tests.support.meeting_markets import build_market
from tests.unit.events.conftest import call_session

PEOPLE = 11
TABLES = ("T1", "T2", "T3")


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

        def accept(item):
            recipient, request = item
            session = sessions()  # each racer has its own connection, as each service worker does
            try:
                return requests.answer(session, recipient, request["id"], {"status": "accepted"})["meeting"]
            except Conflict as refused:
                return str(refused)
            finally:
                session.close()

        with ThreadPoolExecutor(max_workers=8) as pool:
            outcomes = list(pool.map(accept, sent))

        placed = [o for o in outcomes if isinstance(o, dict)]
        refused = [o for o in outcomes if isinstance(o, str)]
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
