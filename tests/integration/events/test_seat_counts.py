"""Each event's seats taken, kept counted by PostgreSQL's triggers on registrations (``event_seat_counts``),
are the registrations confirmed and waitlisted as they are after every way of writing them: one
statement, the waitlist's promotion on a cancellation, a change of answers, an import, an erasure, the
guests' anonymisation, a registration moved or deleted straight in SQL; the migration counts those
written before it. Reads of events take their seats from these counts."""
import json
from datetime import datetime, timezone

import pytest
from alembic import command
from sqlalchemy import insert, text

from benchmarks.seeding import guest_registration
from nabo_common.api.errors import NaboError
from nabo_common.persistence import db, migrations
from services.events.domain import (
    bulk_registrations,
    gdpr,
    lifecycle,
    names,
    one_event,
    registrations,
    retention,
)
from services.events.models import Registration
from tests.support.infra import make_database
from tests.unit.events.conftest import ANON, ASSOC_A, PEOPLE, admin_of, call_session, event_payload, member_of

ORGANISER = admin_of(ASSOC_A)
BEFORE_COUNTS = "4e8a2f6c1d9b"  # the events revision before the counts
COUNTED = """SELECT e.id, coalesce(c.confirmed, 0), coalesce(c.waitlisted, 0)
             FROM events e LEFT JOIN event_seat_counts c ON c.event_id = e.id ORDER BY e.id"""
COUNTING = """SELECT e.id, count(r.id) FILTER (WHERE r.status = 'confirmed'),
                     count(r.id) FILTER (WHERE r.status = 'waitlisted')
              FROM events e LEFT JOIN registrations r ON r.event_id = e.id GROUP BY e.id ORDER BY e.id"""


@pytest.fixture(scope="module")
def engine():
    engine = db.make_engine(make_database("events"))
    yield engine
    engine.dispose()


def call(engine, function, *args, **kwargs):
    session = call_session(engine)
    try:
        return function(session, *args, **kwargs)
    finally:
        session.close()


def in_transaction(engine, function, *args):
    session = db.make_sessionmaker(engine)()
    try:
        with session.begin():
            return function(session, *args)
    finally:
        session.close()


def rows(engine, statement):
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(text(statement))]


def new_event(engine, **fields):
    event = call(engine, lifecycle.create, ORGANISER, event_payload(**fields))
    return call(engine, lifecycle.transition, ORGANISER, event["id"], {"to": "published"})["id"]


def guest(n):
    return {"name": f"Guest {n}", "email": f"guest{n}@example.org"}


def register(engine, event_id, payload, caller=ANON):
    return call(engine, registrations.register, caller, event_id, payload, None, PEOPLE)


def test_counts_follow_every_way_registrations_are_written(engine):
    seated, roomy = new_event(engine, capacity=2), new_event(engine, capacity=None)
    member = member_of(ASSOC_A)
    first = register(engine, seated, guest(1))
    register(engine, seated, {}, caller=member)
    waiting = [register(engine, seated, guest(n)) for n in (3, 4)]
    assert [w["status"] for w in waiting] == ["waitlisted", "waitlisted"]
    assert rows(engine, COUNTED) == rows(engine, COUNTING)

    # a cancellation promotes the head of the waitlist: one seat given back, one taken
    call(engine, registrations.cancel, ORGANISER, first["id"])
    assert sorted(rows(engine, COUNTED)) == sorted([(seated, 2, 1), (roomy, 0, 0)])
    # the seat freed by the cancellation is not given twice: the next registration waits
    assert register(engine, seated, guest(5))["status"] == "waitlisted"
    with pytest.raises(NaboError):  # a duplicate writes nothing and counts nothing
        register(engine, seated, guest(3))

    call(engine, bulk_registrations.register_many, ORGANISER, roomy,
         {"registrations": [guest(n) for n in range(10, 16)]}, None, PEOPLE)
    call(engine, registrations.update, ORGANISER, waiting[1]["id"], {"name": "Guest Four"})
    # the member's seat given back and the head of the waitlist promoted into it
    in_transaction(engine, gdpr.erase_person, member.person_id)
    call(engine, retention.anonymise_past_guests, 0)
    assert rows(engine, COUNTED) == rows(engine, COUNTING)
    assert sorted(rows(engine, COUNTED)) == sorted([(seated, 2, 1), (roomy, 6, 0)])

    # written straight in SQL: a seat given up, a waiting registration moved to another event, one deleted
    with engine.begin() as conn:
        conn.execute(text("UPDATE registrations SET status = 'cancelled' WHERE id = :id"),
                     {"id": waiting[0]["id"]})
        conn.execute(text("UPDATE registrations SET event_id = :roomy WHERE event_id = :seated "
                          "AND status = 'waitlisted'"), {"roomy": roomy, "seated": seated})
        conn.execute(text("DELETE FROM registrations WHERE email_lower = 'guest10@example.org'"))
    assert rows(engine, COUNTED) == rows(engine, COUNTING)
    assert sorted(rows(engine, COUNTED)) == sorted([(seated, 1, 0), (roomy, 5, 1)])

    # what a reader of the event sees
    view = json.loads(call(engine, one_event.event_json, ANON, roomy, names.Names(PEOPLE, "en")))
    assert (view["seats"]["confirmed"], view["seats"]["waitlisted"]) == (5, 1)


def test_the_migration_counts_registrations_written_before_it():
    url = make_database("events", migrate=False)
    migrations.upgrade("events", url, BEFORE_COUNTS)
    engine = db.make_engine(url)
    try:
        seated, empty = new_event(engine, capacity=1), new_event(engine, capacity=None)
        now = datetime.now(timezone.utc)
        with engine.begin() as conn:  # the code of this revision writes its registrations with the counts
            conn.execute(insert(Registration), [
                {**guest_registration(seated, f"guest{n}@example.org", f"Guest {n}", now), "status": status}
                for n, status in enumerate(("confirmed", "waitlisted", "waitlisted", "cancelled"))
            ])
        migrations.upgrade("events", url)
        assert sorted(rows(engine, COUNTED)) == sorted([(seated, 1, 2), (empty, 0, 0)])
        assert rows(engine, "SELECT count(*) FROM event_seat_counts") == [(1,)]
        # and back, as a release rolled back does
        command.downgrade(migrations.alembic_config("events", url), BEFORE_COUNTS)
        assert rows(engine, "SELECT to_regclass('event_seat_counts')") == [(None,)]
    finally:
        engine.dispose()
