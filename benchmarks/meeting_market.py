"""Schedules a meeting market of 500 participants with 2,000 accepted requests into slots and tables
through the events service's domain functions, and prints the time it took and the meetings placed.

    python -m benchmarks.meeting_market [--participants 500] [--sqlite]

Each participant asks the next four, so every one has eight meetings. It runs on a fresh PostgreSQL
database, removed afterwards (--sqlite: a temporary SQLite file, which has no row locks)."""
import argparse
import os
import tempfile
import time
import uuid

from sqlalchemy import insert, select
from sqlalchemy.orm import sessionmaker

from nabo_common.persistence import db
from services.events.domain.common import utcnow
from services.events.domain.meeting_market import requests
from services.events.models import Base, MeetingMarket, MeetingRequest
from tests.support import infra
from tests.support.meeting_markets import build_market
from tests.unit.events.conftest import CallSession

PARTNERS_EACH = 4  # person i asks persons i+1 … i+4: four requests each, eight meetings each
TABLES = [f"T{n}" for n in range(1, 101)]


def _pending_requests(session, built, people):
    with session.begin():
        market_id = session.scalar(
            select(MeetingMarket.id).where(MeetingMarket.event_id == built.event["id"]))
        now = utcnow()
        rows = [{"id": str(uuid.uuid4()), "market_id": market_id, "requester_id": people[i].person_id,
                 "recipient_id": people[(i + k) % len(people)].person_id, "status": "pending",
                 "created_at": now, "expires_at": now.replace(year=now.year + 1)}
                for i in range(len(people)) for k in range(1, PARTNERS_EACH + 1)]
        session.execute(insert(MeetingRequest), rows)
    return rows


def run(url, participants):
    engine = db.make_engine(url)
    Base.metadata.create_all(engine)
    session = sessionmaker(bind=engine, expire_on_commit=False, class_=CallSession)()
    built = build_market(session, people=participants, hours=8, minutes=20, tables=TABLES)
    rows = _pending_requests(session, built, built.people)
    by_person = {p.person_id: p for p in built.people}
    started = time.perf_counter()
    placed = 0
    for row in rows:
        answer = requests.answer(session, by_person[row["recipient_id"]], row["id"], {"status": "accepted"})
        placed += answer["meeting"] is not None
    elapsed = time.perf_counter() - started
    session.close()
    engine.dispose()
    print(f"meeting market: {participants} participants, {len(rows)} accepted requests, {placed} meetings "
          f"placed in {elapsed:.1f} s ({1000 * elapsed / len(rows):.1f} ms per accept)")
    return placed, elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=500)
    parser.add_argument("--sqlite", action="store_true")
    args = parser.parse_args()
    if args.sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            run(f"sqlite:///{os.path.join(tmp, 'meeting_market.db')}", args.participants)
        return
    try:
        run(infra.make_database("events"), args.participants)
    finally:
        infra.drop_databases()


if __name__ == "__main__":
    main()
