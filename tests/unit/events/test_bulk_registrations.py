"""Organisers register many at once, from a list or a CSV table: all or nothing, errors per entry."""
import pytest
from sqlalchemy import func, select

from nabo_common.api.errors import Forbidden, ValidationFailed
from services.events.domain import bulk_registrations
from services.events.models import Registration
from tests.unit.events.conftest import ASSOC_A, PEOPLE, email_of, make_event, member_of, outbox


def guests(*numbers):
    return [{"name": f"Guest {n}", "email": f"guest{n}@example.org"} for n in numbers]


def registered(session):
    session.rollback()
    return session.scalar(select(func.count()).select_from(Registration))


def test_a_list_is_registered_with_capacity_waitlist_and_an_event_each(session, admin_a):
    event = make_event(session, admin_a, capacity=2)
    person_id = member_of(ASSOC_A).person_id
    entries = guests(1, 2) + [{"person_id": person_id}]
    result = bulk_registrations.register_many(session, admin_a, event["id"], {"registrations": entries},
                                              {"campaign": "spring"}, people=PEOPLE)
    assert (result["registered"], result["confirmed"], result["waitlisted"]) == (3, 2, 1)
    assert [r["person_id"] for r in result["items"]] == [None, None, person_id]
    assert {r["campaign_code"] for r in result["items"]} == {"spring"}
    assert len(outbox(session, "registration.confirmed")) == 2
    assert [e["data"]["person_id"] for e in outbox(session, "registration.waitlisted")] == [person_id]


def test_a_list_beyond_capacity_queues_each_in_its_own_waitlist_place(session, admin_a):
    event = make_event(session, admin_a, capacity=1)
    entries = {"registrations": guests(1, 2, 3, 4)}
    result = bulk_registrations.register_many(session, admin_a, event["id"], entries, people=PEOPLE)
    assert [r["waitlist_position"] for r in result["items"]] == [None, 1, 2, 3]


def test_one_bad_entry_registers_nothing_and_names_each_entry_and_field(session, admin_a):
    event = make_event(session, admin_a)
    bulk_registrations.register_many(
        session, admin_a, event["id"], {"registrations": guests(1)}, people=PEOPLE
    )
    entries = guests(2) + guests(1) + [{"name": "No address"}, {"person_id": None, "email": "x@example.org"}]
    with pytest.raises(ValidationFailed) as refused:
        bulk_registrations.register_many(
            session, admin_a, event["id"], {"registrations": entries}, people=PEOPLE
        )
    assert set(refused.value.errors["registrations"]) == {1, 2, 3}
    assert "email" in refused.value.errors["registrations"][2]
    assert "name" in refused.value.errors["registrations"][3]
    assert "registered for this event already" in refused.value.errors["registrations"][1]["_entry"][0]
    assert registered(session) == 1 and len(outbox(session, "registration.confirmed")) == 1


def test_a_csv_table_registers_persons_by_address_and_guests(session, admin_a):
    event = make_event(session, admin_a)
    person_id = member_of(ASSOC_A).person_id
    table = f"Name,E-mail,Language\nGuest 1,guest1@example.org,da\nWhoever,{email_of(person_id)},\n"
    result = bulk_registrations.import_csv(session, admin_a, event["id"], {"csv": table}, people=PEOPLE)
    assert [(r["person_id"], r["language"]) for r in result["items"]] == [(None, "da"), (person_id, "da")]


def test_bad_csv_lines_register_nothing_and_are_named_by_line_and_field(session, admin_a):
    event = make_event(session, admin_a)
    table = (
        "name,email,source_channel\nGuest 1,guest1@example.org,\nGuest 2,not-an-address,\n"
        "Guest 3,guest3@example.org,carrier-pigeon\nGuest 1 again,GUEST1@example.org,\n"
    )
    with pytest.raises(ValidationFailed) as refused:
        bulk_registrations.import_csv(session, admin_a, event["id"], {"csv": table}, people=PEOPLE)
    errors = refused.value.errors["csv"]
    assert set(errors) == {"line 3", "line 4", "line 5"}
    assert "email" in errors["line 3"] and "source_channel" in errors["line 4"]
    assert registered(session) == 0
    assert [e["type"] for e in outbox(session)] == ["event.created", "event.published"]  # no registration.*


def test_only_organisers_register_in_bulk(session, admin_a):
    event = make_event(session, admin_a)
    with pytest.raises(Forbidden):
        bulk_registrations.register_many(
            session, member_of(ASSOC_A), event["id"], {"registrations": guests(1)}, people=PEOPLE
        )
    with pytest.raises(Forbidden):
        bulk_registrations.import_csv(
            session, member_of(ASSOC_A), event["id"], {"csv": "name,email\nG,g@example.org\n"}, people=PEOPLE
        )
