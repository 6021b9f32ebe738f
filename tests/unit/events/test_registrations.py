import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import func, select

from nabo_common.api.errors import Conflict, Forbidden, NotFound, ValidationFailed
from services.events.domain import registrations
from services.events.models import Registration
from tests.unit.events.conftest import ANON, ASSOC_A, make_event, member_of, outbox


def guest(n, **extra):
    return dict({"name": f"Guest {n}", "email": f"guest{n}@example.org"}, **extra)


def test_full_event_waitlists_and_cancellation_promotes_the_first_waitlisted(session, admin_a):
    event = make_event(session, admin_a, capacity=2)
    first, second, third, fourth = (registrations.register(session, ANON, event["id"], guest(i)) for i in range(4))
    assert [r["status"] for r in (first, second, third, fourth)] == ["confirmed", "confirmed", "waitlisted", "waitlisted"]
    assert (third["waitlist_position"], fourth["waitlist_position"]) == (1, 2)
    assert first["join_url"] == "https://meet.example/abc" and third["join_url"] is None

    registrations.update(session, admin_a, second["id"], {"status": "cancelled"})

    assert registrations.get(session, admin_a, third["id"])["status"] == "confirmed"
    assert registrations.get(session, admin_a, fourth["id"])["waitlist_position"] == 1
    promoted = outbox(session, "registration.promoted")
    assert [e["data"]["registration_id"] for e in promoted] == [third["id"]]
    assert "BEGIN:VCALENDAR" in promoted[0]["data"]["ics"]
    assert [e["data"]["registration_id"] for e in outbox(session, "registration.cancelled")] == [second["id"]]


def test_double_registration_is_refused_with_a_clear_message(session, admin_a):
    event = make_event(session, admin_a)
    registrations.register(session, ANON, event["id"], guest(1))
    with pytest.raises(Conflict, match="registered for this event already"):
        registrations.register(session, ANON, event["id"], guest(1, email="GUEST1@Example.org", name="Other"))


def test_a_member_registering_again_under_another_address_is_refused_and_nothing_is_written(session, admin_a):
    event = make_event(session, admin_a)
    member = member_of(ASSOC_A)
    registrations.register(session, member, event["id"], guest(1))
    with pytest.raises(Conflict, match="same person or e-mail"):
        registrations.register(session, member, event["id"], guest(2))
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Registration)) == 1
    assert len(outbox(session, "registration.confirmed")) == 1


def test_the_duplicate_check_and_the_insert_are_one_statement(session, admin_a):
    event = make_event(session, admin_a)  # no capacity: no seat count either
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(" ".join(statement.split()))

    engine = session.get_bind()
    sa_event.listen(engine, "before_cursor_execute", record)
    try:
        registrations.register(session, ANON, event["id"], guest(1))
    finally:
        sa_event.remove(engine, "before_cursor_execute", record)
    touching = [s for s in statements if "registrations" in s.split(" WHERE ")[0] or "FROM registrations" in s]
    assert len(touching) == 1 and touching[0].startswith("INSERT INTO registrations")
    assert "NOT (EXISTS (SELECT registrations.id FROM registrations" in touching[0]


def test_a_cancelled_person_may_register_again(session, admin_a):
    event = make_event(session, admin_a)
    member = member_of(ASSOC_A)
    first = registrations.register(session, member, event["id"], guest(1))
    assert first["person_id"] == member.person_id
    registrations.cancel(session, member, first["id"])
    again = registrations.register(session, member, event["id"], guest(1))
    assert again["status"] == "confirmed"


def test_source_channel_and_campaign_come_from_the_link(session, admin_a):
    event = make_event(session, admin_a)
    r = registrations.register(session, ANON, event["id"], guest(1), {"channel": "linkedin", "campaign": "spring-24"})
    assert (r["source_channel"], r["campaign_code"]) == ("linkedin", "spring-24")
    with pytest.raises(ValidationFailed):
        registrations.register(session, ANON, event["id"], guest(2), {"channel": "carrier-pigeon"})


def test_required_questions_and_unknown_answers(session, admin_a):
    event = make_event(session, admin_a, questions=[{"id": "company", "text": "Your company?", "required": True}])
    with pytest.raises(ValidationFailed) as missing:
        registrations.register(session, ANON, event["id"], guest(1))
    assert "company" in missing.value.errors["answers"]
    with pytest.raises(ValidationFailed) as unknown:
        registrations.register(session, ANON, event["id"], guest(1, answers={"company": "X", "shoe_size": "44"}))
    assert "shoe_size" in unknown.value.errors["answers"]
    ok = registrations.register(session, ANON, event["id"], guest(1, answers={"company": "Acme"}))
    assert ok["answers"] == {"company": "Acme"}


def test_registration_needs_a_published_event_with_an_open_window(session, admin_a):
    draft = make_event(session, admin_a, publish=False)
    with pytest.raises(NotFound):
        registrations.register(session, ANON, draft["id"], guest(1))
    closed = make_event(session, admin_a, registration_closes_at="2001-01-01T00:00:00+00:00",
                        registration_opens_at="2000-01-01T00:00:00+00:00")
    with pytest.raises(Conflict, match="not open"):
        registrations.register(session, ANON, closed["id"], guest(1))
    # organisers may still register people by phone after the window
    assert registrations.register(session, admin_a, closed["id"], guest(1, person_id=None))["status"] == "confirmed"


def test_members_only_events_are_invisible_to_guests(session, admin_a):
    event = make_event(session, admin_a, visibility="members")
    with pytest.raises(NotFound):
        registrations.register(session, ANON, event["id"], guest(1))
    assert registrations.register(session, member_of(ASSOC_A), event["id"], guest(1))["status"] == "confirmed"


def test_only_organisers_register_someone_else(session, admin_a, admin_b):
    event = make_event(session, admin_a)
    with pytest.raises(Forbidden):
        registrations.register(session, member_of(ASSOC_A), event["id"], guest(1, person_id=None))
    other = registrations.register(session, admin_a, event["id"], guest(2, person_id=admin_b.person_id))
    assert other["person_id"] == admin_b.person_id
    with pytest.raises(NotFound):
        registrations.get(session, member_of(ASSOC_A), other["id"])


def test_capacity_raised_promotes_waitlisted(session, admin_a):
    from services.events.domain import lifecycle

    event = make_event(session, admin_a, capacity=1)
    registrations.register(session, ANON, event["id"], guest(1))
    waiting = registrations.register(session, ANON, event["id"], guest(2))
    lifecycle.update(session, admin_a, event["id"], {"capacity": 2})
    assert registrations.get(session, admin_a, waiting["id"])["status"] == "confirmed"
