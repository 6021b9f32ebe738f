"""A page of 50 events in-process on PostgreSQL, before and after a registration rush.

    .venv/bin/python -m benchmarks.page_after_rush [--calls 200] [--registrations 100000] [--rush 10000]

Seeds 2,000 events and ``--registrations`` registrations as the system benchmark's growth does
(vacuumed), times a page as the events service answers it (``pages.search_json`` with its session:
Python and PostgreSQL together), adds
``--rush`` registrations to the 20 events of the first page, times it again, waits for autovacuum
(at most ``--wait`` seconds) and times it once more. Twice: with PostgreSQL's autovacuum defaults
on ``registrations`` and with the events migrations' settings. The heap fetches of registrations a
page say how much of the table a page still visits (its seats are looked up in ``event_seat_counts``;
whether the reader registered is read from registrations). Needs PostgreSQL
(NABO_TEST_PG_URL, as for the integration tests); where it runs without autovacuum, the wait is
skipped unless --turn-on-autovacuum. Fresh databases, removed afterwards.
"""
import argparse
import random
import time
import uuid
from contextlib import contextmanager
from datetime import datetime, timezone

import orjson
import psycopg2
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from benchmarks.seeding import guest_registration, insert_in_batches, seed_events
from nabo_common.persistence import db
from nabo_common.runtime.context import Caller
from services.events.domain import names, pages
from services.events.models import Event, Registration
from tests.support import infra

PAGE = {"when": "upcoming", "limit": 50}
# what the migrations set on registrations (6c0d5e1a9b37); the defaults' run takes them off again
AUTOVACUUM_SETTINGS = ("autovacuum_vacuum_insert_scale_factor", "autovacuum_vacuum_scale_factor")


def _registrations_stat(engine, column):
    """One column of ``pg_stat_user_tables`` for registrations."""
    with engine.connect() as conn:
        return conn.execute(
            text(f"SELECT {column} FROM pg_stat_user_tables WHERE relname = 'registrations'")
        ).scalar()


def _heap_fetches(engine):
    time.sleep(1.2)  # a backend reports its counters at most once a second
    return _registrations_stat(engine, "idx_tup_fetch") or 0


class HostCompanies:
    """The members service as the page asks it: every host company named, no themes labelled."""

    def organisation(self, organisation_id):
        return {"id": organisation_id, "name": f"Host {organisation_id[:8]}"}

    def themes(self, _query):
        return []


def measure(engine, caller, calls):
    """(ms a page, registrations' heap fetches a page, seats confirmed on the page) of the page as the
    events service answers it (``pages.search_json``). The counters are read before and after, not
    reset: resetting them would also hide the new rows from autovacuum."""
    def page():
        return pages.search_json(session, caller, PAGE, names.Names(HostCompanies(), "en"))

    with Session(engine) as session:
        for _ in range(20):
            page()
            session.rollback()
        fetched = _heap_fetches(engine)
        started = time.perf_counter()
        for _ in range(calls):
            answer = page()
            session.rollback()
        elapsed = (time.perf_counter() - started) / calls * 1000
    fetched = _heap_fetches(engine) - fetched
    return elapsed, fetched / calls, sum(item["seats"]["confirmed"] for item in orjson.loads(answer)["items"])


def rush(engine, count):
    """``count`` confirmed guest registrations spread over the 20 events that start first."""
    now = datetime.now(timezone.utc)
    with engine.begin() as conn:
        first = conn.execute(select(Event.id).order_by(Event.starts_at).limit(20)).scalars().all()
        insert_in_batches(
            conn,
            Registration,
            [
                guest_registration(
                    first[n % len(first)], f"rush-{uuid.uuid4().hex[:12]}@example.test", "Guest", now
                )
                for n in range(count)
            ],
        )


def run(settings, args):
    """Rows of the table for one database: ``settings`` is "defaults" or "migrations"."""
    url = infra.make_database("events")
    engine = db.make_engine(url)
    if settings == "defaults":
        with engine.begin() as conn:
            conn.execute(text(f"ALTER TABLE registrations RESET ({', '.join(AUTOVACUUM_SETTINGS)})"))
    caller = Caller(person_id=str(uuid.uuid4()), roles=("member",))
    try:
        seed_events(url, str(uuid.uuid4()), args.events, args.registrations, random.Random(1))
        rows = [("seeded, vacuumed", *measure(engine, caller, args.calls))]
        rush(engine, args.rush)
        rows.append((f"{args.rush:,} registrations later", *measure(engine, caller, args.calls)))
        before = _registrations_stat(engine, "last_autovacuum")
        waited = time.monotonic()
        while (
            _registrations_stat(engine, "last_autovacuum") == before and time.monotonic() - waited < args.wait
        ):
            time.sleep(2)
        if _registrations_stat(engine, "last_autovacuum") != before:
            came = f"autovacuum came after {time.monotonic() - waited:.0f} s"
        else:
            came = f"no autovacuum within {args.wait} s" if args.wait else "not waited for autovacuum"
        rows.append((came, *measure(engine, caller, args.calls)))
        return [(settings, *row) for row in rows]
    finally:
        engine.dispose()
        infra.drop_databases()


@contextmanager
def autovacuum_on(wanted):
    """Yields whether autovacuum runs on the server; with ``wanted``, turns it on for the run if it is off
    (ALTER SYSTEM, as a superuser) and gives the server its setting back afterwards."""
    admin = psycopg2.connect(infra.pg_admin_url())
    admin.autocommit = True
    cur = admin.cursor()
    cur.execute("SHOW autovacuum")
    was_on = cur.fetchone()[0] == "on"
    turned_on = wanted and not was_on
    if turned_on:
        cur.execute("ALTER SYSTEM SET autovacuum = on")
        cur.execute("SELECT pg_reload_conf()")
        time.sleep(1)
    try:
        yield was_on or turned_on
    finally:
        if turned_on:
            cur.execute("ALTER SYSTEM RESET autovacuum")
            cur.execute("SELECT pg_reload_conf()")
        admin.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--registrations", type=int, default=100000)
    parser.add_argument("--rush", type=int, default=10000)
    parser.add_argument("--wait", type=int, default=150, help="seconds to wait for autovacuum at most")
    parser.add_argument(
        "--turn-on-autovacuum",
        action="store_true",
        help="where the server runs without autovacuum, turn it on for the run (ALTER SYSTEM) "
        "and give the server its setting back afterwards",
    )
    args = parser.parse_args()
    with autovacuum_on(args.turn_on_autovacuum) as running:
        if not running:
            print(
                "(autovacuum is off on this server: no waiting for it; --turn-on-autovacuum turns it on for "
                "the run)"
            )
            args.wait = 0
        rows = run("defaults", args) + run("migrations", args)
    print(
        f"# a page of 50 events in-process on PostgreSQL, {args.events:,} events and {args.registrations:,} "
        f"registrations, then {args.rush:,} more on the first page's events ({args.calls} calls each)\n"
    )
    print(
        "| autovacuum on registrations | data | ms a page | heap fetches of registrations a page | "
        "seats confirmed on the page |"
    )
    print("|---|---|---|---|---|")
    for settings, label, elapsed, fetched, confirmed in rows:
        print(f"| {settings} | {label} | {elapsed:.2f} | {fetched:,.0f} | {confirmed:,} |")


if __name__ == "__main__":
    main()
