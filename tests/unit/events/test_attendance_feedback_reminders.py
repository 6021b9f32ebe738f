from datetime import timedelta

import pytest

from nabo_common.api.errors import Conflict, Forbidden, ValidationFailed
from services.events.domain import attendance, feedback, gdpr, registrations, reminders
from services.events.models import Reminder
from tests.unit.events.conftest import (
    ANON,
    ASSOC_A,
    at,
    email_of,
    make_event,
    member_of,
    move_to_past,
    outbox,
    register_self,
)

PLATFORM_CSV = """Name (Original Name),User Email,Join Time,Duration (Minutes)
Anna Jensen,anna@example.org,03/05/2024 10:01:00 AM,58
Bo Nielsen,,2024-03-05 10:03:00,40
Anna Jensen,anna@example.org,03/05/2024 10:30:00 AM,20
Carl Holm,carl@example.org,2024-03-05T10:05:00+01:00,55
"""


def test_import_matches_registrations_counts_walk_ins_and_ignores_rejoins(session, admin_a):
    event = make_event(session, admin_a)
    registrations.register(
        session,
        ANON,
        event["id"],
        {"name": "Anna", "email": "Anna@example.org", "source_channel": "newsletter"},
    )
    result = attendance.import_participants(session, admin_a, event["id"], {"csv": PLATFORM_CSV})
    assert (
        result["rows"],
        result["matched_registrations"],
        result["added_walk_ins"],
        result["duplicates"],
    ) == (4, 1, 2, 1)
    summary = result["summary"]
    assert (summary["attendees"], summary["registered_attendees"], summary["walk_ins"]) == (3, 1, 2)
    bo = next(i for i in summary["items"] if i["name"] == "Bo Nielsen")
    assert bo["joined_at"] == "2024-03-05T09:03:00Z" and bo["duration_minutes"] == 40
    again = attendance.import_participants(session, admin_a, event["id"], {"csv": PLATFORM_CSV})
    assert again["duplicates"] == 4 and again["summary"]["attendees"] == 3


def test_bad_rows_are_reported_by_line_and_nothing_is_imported(session, admin_a):
    event = make_event(session, admin_a)
    text = (
        "name,email,joined_at,duration_minutes\nOk Person,ok@example.org,,\n,,,\n,,yesterday,\n"
        "X,not-an-email,,abc\n"
    )
    with pytest.raises(ValidationFailed) as exc:
        attendance.import_participants(session, admin_a, event["id"], {"csv": text})
    errors = exc.value.errors["csv"]
    assert set(errors) == {"line 4", "line 5"}
    assert any("duration_minutes" in m for m in errors["line 5"])
    assert attendance.get(session, admin_a, event["id"])["attendees"] == 0
    with pytest.raises(ValidationFailed) as header:
        attendance.import_participants(session, admin_a, event["id"], {"csv": "who,when\nA,B\n"})
    assert "line 1" in header.value.errors["csv"][0]


def test_check_in_walk_ins_anonymous_count_and_no_shows(session, admin_a):
    event = make_event(session, admin_a)
    came = registrations.register(session, ANON, event["id"], {"name": "Came", "email": "came@example.org"})
    registrations.register(session, ANON, event["id"], {"name": "Stayed home", "email": "home@example.org"})
    attendance.record(session, admin_a, event["id"], {"registration_id": came["id"]})
    with pytest.raises(Conflict):
        attendance.record(session, admin_a, event["id"], {"registration_id": came["id"]})
    attendance.record(session, admin_a, event["id"], {"name": "Walked in", "source_channel": "network"})
    move_to_past(session, event["id"])
    summary = attendance.record(session, admin_a, event["id"], {"anonymous_count": 6})
    assert (
        summary["attendees"],
        summary["registered_attendees"],
        summary["walk_ins"],
        summary["no_shows"],
    ) == (8, 1, 7, 1)
    with pytest.raises(ValidationFailed):
        attendance.record(session, admin_a, event["id"], {"name": "A", "anonymous_count": 2})


def test_feedback_from_attendees_only_and_once(session, admin_a):
    event = make_event(session, admin_a)
    member = member_of(ASSOC_A)
    registration = register_self(session, member, event["id"])
    with pytest.raises(Forbidden):
        feedback.give(session, member, event["id"], {"rating": 5})
    attendance.record(session, admin_a, event["id"], {"registration_id": registration["id"]})
    feedback.give(session, member, event["id"], {"rating": 4, "comment": "Useful"})
    with pytest.raises(Conflict):
        feedback.give(session, member, event["id"], {"rating": 5})
    walk_in = attendance.record(session, admin_a, event["id"], {"name": "W"})["items"][-1]
    feedback.give(session, admin_a, event["id"], {"rating": 2, "attendance_id": walk_in["id"]})
    with pytest.raises(ValidationFailed):
        feedback.give(session, admin_a, event["id"], {"rating": 6})
    public = feedback.event_summary(session, ANON, event["id"])
    assert (public["count"], public["average"], public["comments"]) == (2, 3.0, [])
    assert public["distribution"]["4"] == 1
    assert [c["comment"] for c in feedback.event_summary(session, admin_a, event["id"])["comments"]] == [
        "Useful",
        None,
    ]


def test_reminders_fire_once_per_offset_and_follow_a_new_start(session, admin_a):
    start = at(days=3)
    make_event(session, admin_a, start=start, reminder_offsets=[1440, 60, 7 * 1440])
    # the 7-day reminder was already past when the event was published
    assert sorted(r.offset_minutes for r in session.query(Reminder)) == [60, 1440]
    session.rollback()
    assert reminders.fire_due(session, now=start - timedelta(days=2)) == 0
    assert reminders.fire_due(session, now=start - timedelta(hours=23)) == 1
    assert reminders.fire_due(session, now=start - timedelta(hours=22)) == 0
    assert reminders.fire_due(session, now=start - timedelta(minutes=30)) == 1
    assert [e["data"]["offset_minutes"] for e in outbox(session, "event.reminder_due")] == [1440, 60]


def test_cancelled_events_send_no_reminders(session, admin_a):
    from services.events.domain import lifecycle

    start = at(days=3)
    event = make_event(session, admin_a, start=start, reminder_offsets=[60])
    lifecycle.transition(session, admin_a, event["id"], {"to": "cancelled"})
    assert reminders.fire_due(session, now=start - timedelta(minutes=30)) == 0


def test_erasure_anonymises_but_keeps_counts(session, admin_a):
    event = make_event(
        session, admin_a, people=[{"role": "speaker", "person_id": None, "name": "Guest speaker"}]
    )
    member = member_of(ASSOC_A)
    from services.events.domain import lifecycle

    lifecycle.update(
        session,
        admin_a,
        event["id"],
        {
            "people": [
                {"role": "speaker", "person_id": member.person_id, "name": "Mette"},
                {"role": "host_company", "organisation_id": "0c1b5a0e-6c2f-4bb0-9d7c-0a0f8b9f2c11"},
            ]
        },
    )
    registration = register_self(session, member, event["id"], source_channel="linkedin")
    attendance.record(session, admin_a, event["id"], {"registration_id": registration["id"]})
    feedback.give(session, member, event["id"], {"rating": 5, "comment": "Mette loved it"})
    exported = gdpr.export(session, member, member.person_id)
    assert [r["email"] for r in exported["registrations"]] == [email_of(member.person_id)]
    assert len(exported["attendance"]) == 1 and exported["feedback"][0]["rating"] == 5
    assert exported["event_roles"][0]["role"] == "speaker"
    move_to_past(session, event["id"])  # held: its registrations stay as they were, anonymised

    with session.begin():
        gdpr.erase_person(session, member.person_id)

    after = gdpr.export(session, member, member.person_id)
    assert after["registrations"] == after["attendance"] == after["feedback"] == after["event_roles"] == []
    summary = attendance.get(session, admin_a, event["id"])
    assert summary["registered_attendees"] == 1 and summary["items"][0]["name"] == "Erased person"
    kept = registrations.list_for_event(session, admin_a, event["id"], {})["items"][0]
    assert (kept["email"], kept["source_channel"], kept["status"]) == (None, "linkedin", "confirmed")
    assert feedback.event_summary(session, admin_a, event["id"])["average"] == 5.0


def test_erasure_cancels_upcoming_registrations_and_promotes_the_waitlist(session, admin_a):
    event = make_event(session, admin_a, capacity=1)
    member = member_of(ASSOC_A)
    held = register_self(session, member, event["id"])
    waiting = registrations.register(
        session, ANON, event["id"], {"name": "Guest", "email": "guest@example.org"}
    )

    with session.begin():
        gdpr.erase_person(session, member.person_id)

    assert registrations.get(session, admin_a, held["id"])["status"] == "cancelled"
    assert registrations.get(session, admin_a, waiting["id"])["status"] == "confirmed"
    published = [
        (e["type"], e["data"]["registration_id"], e["data"]["email"])
        for e in outbox(session)
        if e["type"] in ("registration.cancelled", "registration.promoted")
    ]
    assert published == [
        ("registration.cancelled", held["id"], None),
        ("registration.promoted", waiting["id"], "guest@example.org"),
    ]
