import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import func, select

from nabo_common.api.errors import Conflict, Forbidden, NotFound, ValidationFailed
from services.events.domain import registrations
from services.events.models import Registration
from tests.unit.events.conftest import (
    ANON,
    ASSOC_A,
    PEOPLE,
    admin_of,
    email_of,
    make_event,
    member_of,
    outbox,
    register_self,
)


def guest(n, **extra):
    return dict({"name": f"Guest {n}", "email": f"guest{n}@example.org"}, **extra)


def test_full_event_waitlists_and_cancellation_promotes_the_first_waitlisted(session, admin_a):
    event = make_event(session, admin_a, capacity=2)
    first, second, third, fourth = (
        registrations.register(session, ANON, event["id"], guest(i)) for i in range(4)
    )
    assert [r["status"] for r in (first, second, third, fourth)] == [
        "confirmed",
        "confirmed",
        "waitlisted",
        "waitlisted",
    ]
    assert (third["waitlist_position"], fourth["waitlist_position"]) == (1, 2)
    assert first["join_url"] == "https://meet.example/abc" and third["join_url"] is None

    registrations.update(session, admin_a, second["id"], {"status": "cancelled"})

    assert registrations.get(session, admin_a, third["id"])["status"] == "confirmed"
    assert registrations.get(session, admin_a, fourth["id"])["waitlist_position"] == 1
    promoted = outbox(session, "registration.promoted")
    assert [e["data"]["registration_id"] for e in promoted] == [third["id"]]
    assert "BEGIN:VCALENDAR" in promoted[0]["data"]["ics"]
    [cancelled] = outbox(session, "registration.cancelled")
    assert (cancelled["data"]["registration_id"], cancelled["data"]["cancelled_by"]) == (
        second["id"],
        "organiser",
    )


def test_double_registration_is_refused_with_a_clear_message(session, admin_a):
    event = make_event(session, admin_a)
    registrations.register(session, ANON, event["id"], guest(1))
    with pytest.raises(Conflict, match="registered for this event already"):
        registrations.register(session, ANON, event["id"], guest(1, email="GUEST1@Example.org", name="Other"))


def test_a_member_registering_again_is_refused_and_nothing_is_written(session, admin_a):
    event = make_event(session, admin_a)
    member = member_of(ASSOC_A)
    mine = register_self(session, member, event["id"])
    assert (mine["person_id"], mine["email"]) == (member.person_id, email_of(member.person_id))
    with pytest.raises(Conflict, match="same person or e-mail"):
        register_self(session, member, event["id"], language="en")
    with pytest.raises(Conflict, match="same person or e-mail"):
        register_self(session, member, event["id"], email=email_of(member.person_id).upper())
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Registration)) == 1
    assert len(outbox(session, "registration.confirmed")) == 1


@pytest.mark.parametrize("caller", [admin_of(ASSOC_A), member_of(ASSOC_A)], ids=["admin", "member"])
def test_someone_elses_name_and_address_make_a_guest_registration_not_the_callers(session, admin_a, caller):
    event = make_event(session, admin_a)
    first = registrations.register(session, caller, event["id"], guest(1), people=PEOPLE)
    second = registrations.register(session, caller, event["id"], guest(2), people=PEOPLE)
    assert [(r["person_id"], r["name"], r["email"]) for r in (first, second)] == [
        (None, "Guest 1", "guest1@example.org"),
        (None, "Guest 2", "guest2@example.org"),
    ]
    assert register_self(session, caller, event["id"])["person_id"] == caller.person_id
    assert [e["data"]["person_id"] for e in outbox(session, "registration.confirmed")] == [
        None,
        None,
        caller.person_id,
    ]


def test_an_organiser_sending_a_persons_address_registers_that_person(session, admin_a):
    event = make_event(session, admin_a)
    person_id = member_of(ASSOC_A).person_id
    sent = {"name": "Typed by hand", "email": email_of(person_id).upper()}
    by_organiser = registrations.register(session, admin_a, event["id"], sent, people=PEOPLE)
    assert (by_organiser["person_id"], by_organiser["name"], by_organiser["email"]) == (
        person_id,
        f"Person {person_id[:8]}",
        email_of(person_id),
    )
    # a member bringing that address along brings a guest; only organisers file under persons
    other = member_of(ASSOC_A).person_id
    by_member = registrations.register(
        session,
        member_of(ASSOC_A),
        event["id"],
        {"name": "Colleague", "email": email_of(other)},
        people=PEOPLE,
    )
    assert by_member["person_id"] is None


def test_a_guest_gives_name_and_email(session, admin_a):
    event = make_event(session, admin_a)
    with pytest.raises(ValidationFailed) as anonymous:
        registrations.register(session, ANON, event["id"], {"source_channel": "network"})
    assert set(anonymous.value.errors) == {"name", "email"}
    with pytest.raises(ValidationFailed) as named_guest:
        registrations.register(session, admin_a, event["id"], {"person_id": None, "name": "G"}, people=PEOPLE)
    assert set(named_guest.value.errors) == {"email"}


def test_a_person_registers_under_their_own_address_only(session, admin_a):
    event = make_event(session, admin_a)
    person_id = member_of(ASSOC_A).person_id
    with pytest.raises(ValidationFailed) as other_address:
        registrations.register(
            session, admin_a, event["id"], {"person_id": person_id, "email": "other@x.test"}, people=PEOPLE
        )
    assert email_of(person_id) in other_address.value.errors["email"][0]
    taken = registrations.register(
        session, admin_a, event["id"], {"person_id": person_id, "name": "Nick"}, people=PEOPLE
    )
    assert (taken["email"], taken["name"], taken["language"]) == (
        email_of(person_id),
        f"Person {person_id[:8]}",
        "da",
    )


def test_a_person_unknown_to_the_members_service_is_not_registered(session, admin_a):
    class NoOne:
        def person(self, person_id):
            return None

    event = make_event(session, admin_a)
    with pytest.raises(ValidationFailed) as unknown:
        registrations.register(
            session, admin_a, event["id"], {"person_id": member_of(ASSOC_A).person_id}, people=NoOne()
        )
    assert "person_id" in unknown.value.errors


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
    touching = [
        s for s in statements if "registrations" in s.split(" WHERE ")[0] or "FROM registrations" in s
    ]
    assert len(touching) == 1 and touching[0].startswith("INSERT INTO registrations")
    assert "NOT (EXISTS (SELECT registrations.id FROM registrations" in touching[0]


def test_a_cancelled_person_may_register_again(session, admin_a):
    event = make_event(session, admin_a)
    member = member_of(ASSOC_A)
    first = register_self(session, member, event["id"])
    assert first["person_id"] == member.person_id
    registrations.cancel(session, member, first["id"])
    assert outbox(session, "registration.cancelled")[0]["data"]["cancelled_by"] == "registrant"
    again = register_self(session, member, event["id"])
    assert again["status"] == "confirmed"


def test_source_channel_and_campaign_come_from_the_link(session, admin_a):
    event = make_event(session, admin_a)
    r = registrations.register(
        session, ANON, event["id"], guest(1), {"channel": "linkedin", "campaign": "spring-24"}
    )
    assert (r["source_channel"], r["campaign_code"]) == ("linkedin", "spring-24")
    # the names a campaign mail tags its links with, and the body's
    mailed = registrations.register(
        session, ANON, event["id"], guest(3), {"source_channel": "email", "campaign_code": "cmp-1a2b"}
    )
    assert (mailed["source_channel"], mailed["campaign_code"]) == ("email", "cmp-1a2b")
    with pytest.raises(ValidationFailed):
        registrations.register(session, ANON, event["id"], guest(2), {"channel": "carrier-pigeon"})


def test_required_questions_and_unknown_answers(session, admin_a):
    event = make_event(
        session, admin_a, questions=[{"id": "company", "text": "Your company?", "required": True}]
    )
    with pytest.raises(ValidationFailed) as missing:
        registrations.register(session, ANON, event["id"], guest(1))
    assert "company" in missing.value.errors["answers"]
    with pytest.raises(ValidationFailed) as unknown:
        registrations.register(
            session, ANON, event["id"], guest(1, answers={"company": "X", "shoe_size": "44"})
        )
    assert "shoe_size" in unknown.value.errors["answers"]
    ok = registrations.register(session, ANON, event["id"], guest(1, answers={"company": "Acme"}))
    assert ok["answers"] == {"company": "Acme"}


def test_registration_needs_a_published_event_with_an_open_window(session, admin_a):
    draft = make_event(session, admin_a, publish=False)
    with pytest.raises(NotFound):
        registrations.register(session, ANON, draft["id"], guest(1))
    closed = make_event(
        session,
        admin_a,
        registration_closes_at="2001-01-01T00:00:00+00:00",
        registration_opens_at="2000-01-01T00:00:00+00:00",
    )
    with pytest.raises(Conflict, match="not open"):
        registrations.register(session, ANON, closed["id"], guest(1))
    # organisers may still register people by phone after the window
    assert (
        registrations.register(session, admin_a, closed["id"], guest(1, person_id=None), people=PEOPLE)[
            "status"
        ]
        == "confirmed"
    )


def test_members_only_events_are_invisible_to_guests(session, admin_a):
    event = make_event(session, admin_a, visibility="members")
    with pytest.raises(NotFound):
        registrations.register(session, ANON, event["id"], guest(1))
    member = member_of(ASSOC_A)
    with pytest.raises(Forbidden, match="organisers register guests"):
        registrations.register(session, member, event["id"], guest(1), people=PEOPLE)
    assert register_self(session, member, event["id"])["status"] == "confirmed"
    assert registrations.register(session, admin_a, event["id"], guest(1), people=PEOPLE)["person_id"] is None


def test_only_organisers_register_someone_else(session, admin_a, admin_b):
    event = make_event(session, admin_a)
    with pytest.raises(Forbidden):
        registrations.register(session, member_of(ASSOC_A), event["id"], guest(1, person_id=None))
    with pytest.raises(Forbidden):
        registrations.register(session, member_of(ASSOC_A), event["id"], {"person_id": admin_b.person_id})
    other = registrations.register(
        session, admin_a, event["id"], {"person_id": admin_b.person_id}, people=PEOPLE
    )
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


def test_a_cancel_link_cancels_once_promotes_the_waitlisted_and_only_the_gateway_follows_it(session, admin_a):
    from nabo_common.runtime.context import system_caller

    event = make_event(session, admin_a, capacity=1)
    seated, waiting = (registrations.register(session, ANON, event["id"], guest(i)) for i in (1, 2))
    with pytest.raises(Forbidden):
        registrations.cancel_by_link(session, admin_a, seated["id"])
    shown = registrations.for_cancel_link(session, system_caller(), seated["id"])
    assert (shown["title"], shown["status"], shown["already_cancelled"]) == (
        event["title"],
        "confirmed",
        False,
    )
    first = registrations.cancel_by_link(session, system_caller(), seated["id"])
    second = registrations.cancel_by_link(session, system_caller(), seated["id"])
    assert [(r["status"], r["already_cancelled"]) for r in (first, second)] == [
        ("cancelled", False),
        ("cancelled", True),
    ]
    assert registrations.get(session, admin_a, waiting["id"])["status"] == "confirmed"
    [cancelled] = outbox(session, "registration.cancelled")
    assert cancelled["data"]["cancelled_by"] == "registrant"
    assert len(outbox(session, "registration.promoted")) == 1
    with pytest.raises(NotFound):
        registrations.for_cancel_link(session, system_caller(), "00000000-0000-4000-8000-000000000000")
