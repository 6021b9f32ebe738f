"""Schedules a meeting market of 500 participants with 2,000 accepted requests into slots and tables
with the organiser's one call (the events service's domain function behind
POST /v1/events/{id}/meeting-market/schedule), and prints the time it took and the meetings placed
against what a greedy earliest-slot schedule reaches, worked out here on its own.

    python -m benchmarks.meeting_market [--participants 500] [--sqlite]

Each participant asks the next four, so every one has eight meetings. It runs on a fresh PostgreSQL
database, removed afterwards (--sqlite: a temporary SQLite file, which has no row locks)."""
import argparse
import os
import tempfile
import time
import uuid
from datetime import timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import sessionmaker

from nabo_common.persistence import db
from services.events.domain.common import utcnow
from services.events.domain.meeting_market import scheduler, schedules
from services.events.models import Base, MeetingMarket, MeetingRequest
from tests.support import infra
from tests.support.meeting_markets import build_market
from tests.unit.events.conftest import CallSession

PARTNERS_EACH = 4  # person i asks persons i+1 … i+4: four requests each, eight meetings each
TABLES = [f"T{n}" for n in range(1, 101)]


def _accepted_requests(session, built, people):
    with session.begin():
        market = session.scalars(
            select(MeetingMarket).where(MeetingMarket.event_id == built.event["id"])).one()
        now = utcnow()
        rows = [{"id": str(uuid.uuid4()), "market_id": market.id, "requester_id": people[i].person_id,
                 "recipient_id": people[(i + k) % len(people)].person_id, "status": "accepted",
                 "created_at": now, "answered_at": now + timedelta(microseconds=n),
                 "expires_at": now.replace(year=now.year + 1)}
                for n, (i, k) in enumerate((i, k) for i in range(len(people))
                                           for k in range(1, PARTNERS_EACH + 1))]
        session.execute(insert(MeetingRequest), rows)
        return rows, market


def greedy_optimum(market, rows, now):
    """How many meetings a greedy earliest-slot schedule places, in the same order, without the
    database or the scheduler's code: each in the first slot, not yet begun, where both sides are
    free, below the maximum, and a table is free."""
    all_slots = [s for s in scheduler.slots(market.windows, market.meeting_minutes) if s.starts_at >= now]
    busy, counts, tables_used, placed = {}, {}, {}, 0
    for row in rows:
        pair = (row["requester_id"], row["recipient_id"])
        if any(counts.get(p, 0) >= market.max_meetings_per_participant for p in pair):
            continue
        for slot in all_slots:
            if tables_used.get(slot.index, 0) < len(market.tables) and not any(
                    slot.index in busy.get(p, ()) for p in pair):
                tables_used[slot.index] = tables_used.get(slot.index, 0) + 1
                for p in pair:
                    busy.setdefault(p, set()).add(slot.index)
                    counts[p] = counts.get(p, 0) + 1
                placed += 1
                break
    return placed


def run(url, participants):
    engine = db.make_engine(url)
    Base.metadata.create_all(engine)
    session = sessionmaker(bind=engine, expire_on_commit=False, class_=CallSession)()
    built = build_market(session, people=participants, hours=8, minutes=20, tables=TABLES,
                         scheduling="by_organiser")
    rows, market = _accepted_requests(session, built, built.people)
    optimum = greedy_optimum(market, rows, utcnow())
    started = time.perf_counter()
    run = schedules.schedule_all(session, built.admin, built.event["id"])
    elapsed = time.perf_counter() - started
    started = time.perf_counter()
    published = schedules.publish_schedule(session, built.admin, built.event["id"])
    publishing = time.perf_counter() - started
    session.close()
    engine.dispose()
    placed = run["scheduled"]
    print(f"meeting market: {participants} participants, {len(rows)} accepted requests scheduled in one "
          f"call in {elapsed:.2f} s (target < 5 s); {placed} meetings placed, the greedy earliest-slot "
          f"optimum is {optimum} ({placed}/{optimum}), {len(run['unplaced'])} unplaced; published with "
          f"an agenda (one calendar) for each of {published['participants']} participants in "
          f"{publishing:.2f} s")
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
