"""Guests' data is anonymised once their event ended more than the retention
period ago, on PostgreSQL through the migrations: members' registrations and
recent events are untouched, counts stay, a second run changes nothing, and
two replicas running side by side anonymise every row exactly once."""
import uuid
from datetime import timedelta

import pytest
from nameko.testing.services import worker_factory
from sqlalchemy import select

from services.events.domain import attendance, feedback, lifecycle, registrations, retention
from services.events.domain.common import utcnow
from services.events.models import Attendance, Event, Feedback, Registration
from services.events.service import EventsService
from tests.integration.events.conftest import admin_caller
from tests.support.infra import database_sessions, side_by_side
from tests.unit.events.conftest import event_payload

RETENTION_DAYS = 365
QUESTIONS = [{"id": "company", "text": "Which company do you run?", "required": False}]


@pytest.fixture
def sessions():
    with database_sessions("events") as sessions:
        yield sessions


class OnePerson:
    """The members service as the events service looks persons up: everyone is this person."""

    def __init__(self, **person):
        self.found = person

    def person(self, person_id):
        return dict(self.found, id=person_id)

    def themes(self, page):
        # the taxonomy a registration's calendar names its themes from: none here
        return []


METTE = OnePerson(name="Mette Member", email="mette@member.example", language="da")


class Organiser:
    """An association admin calling the domain, a fresh session per call as in a worker."""

    def __init__(self, sessions):
        self.sessions = sessions
        self.caller = admin_caller(str(uuid.uuid4()))

    def do(self, function, *args):
        with self.sessions() as session:
            return function(session, self.caller, *args)

    def event(self, ended_days_ago):
        event = self.do(lifecycle.create, event_payload(questions=QUESTIONS))
        self.do(lifecycle.transition, event["id"], {"to": "published"})
        with self.sessions() as session, session.begin():
            row = session.get(Event, event["id"])
            row.ends_at = utcnow() - timedelta(days=ended_days_ago)
            row.starts_at = row.ends_at - timedelta(hours=2)
        return event["id"]

    def guest(self, event_id, name, **extra):
        return self.do(
            registrations.register,
            event_id,
            dict(
                {
                    "person_id": None,
                    "name": name,
                    "email": f"{name.split()[0].lower()}@guest.example",
                    "answers": {"company": f"{name} Consulting"},
                    "source_channel": "linkedin",
                    "campaign_code": "spring",
                },
                **extra,
            ),
        )["id"]


def rows(sessions, model, ids):
    with sessions() as session:
        return {row.id: row for row in session.scalars(select(model).where(model.id.in_(ids)))}


def counts(organiser, event_id):
    summary = organiser.do(attendance.get, event_id)
    return {key: value for key, value in summary.items() if key != "items"}


def test_old_guests_are_anonymised_once_and_everything_else_is_left_alone(sessions):
    organiser = Organiser(sessions)
    old_event, recent_event = (
        organiser.event(ended_days_ago=RETENTION_DAYS + 30),
        organiser.event(ended_days_ago=30),
    )
    old_guests = [
        organiser.guest(old_event, name) for name in ("Anna Berg", "Bo Dahl", "Cato Eng", "Dina Falk")
    ]
    cancelled_guest = organiser.guest(old_event, "Erik Gade")
    organiser.do(registrations.cancel, cancelled_guest)
    member = organiser.do(
        registrations.register,
        old_event,
        {"person_id": str(uuid.uuid4()), "answers": {"company": "Member ApS"}},
        None,
        METTE,
    )["id"]
    recent_guest = organiser.guest(recent_event, "Frida Holm")

    def check_in(event_id, **payload):
        organiser.do(attendance.record, event_id, payload)
        with sessions() as session:
            return session.scalars(
                select(Attendance.id)
                .where(Attendance.event_id == event_id)
                .order_by(Attendance.created_at.desc())
                .limit(1)
            ).one()

    guest_check_in = check_in(old_event, registration_id=old_guests[0])
    walk_in = check_in(old_event, name="Gustav Walk-in", email="gustav@walk.example")
    head_count = check_in(old_event, anonymous_count=3)
    member_check_in = check_in(old_event, registration_id=member)
    recent_walk_in = check_in(recent_event, name="Hanne Recent")
    guest_feedback = organiser.do(
        feedback.give,
        old_event,
        {"attendance_id": guest_check_in, "rating": 4, "comment": "Anna here: great, call me"},
    )["id"]
    member_feedback = organiser.do(
        feedback.give, old_event, {"attendance_id": member_check_in, "rating": 5, "comment": "Very useful"}
    )["id"]
    before = counts(organiser, old_event)

    with sessions() as session:
        anonymised = retention.anonymise_past_guests(session, RETENTION_DAYS, batch=2)
    assert anonymised == {"registrations": 5, "attendance": 2}

    for registration in rows(sessions, Registration, old_guests + [cancelled_guest]).values():
        assert (registration.name, registration.email, registration.email_lower, registration.answers) == (
            "Anonymised guest",
            None,
            None,
            {},
        )
        assert registration.anonymised_at is not None and registration.person_id is None
        # what the statistics need stays
        assert (registration.source_channel, registration.campaign_code, registration.language) == (
            "linkedin",
            "spring",
            "en",
        )
    assert rows(sessions, Registration, [cancelled_guest])[cancelled_guest].status == "cancelled"
    kept = rows(sessions, Registration, [member, recent_guest])
    assert (kept[member].name, kept[member].email, kept[member].answers) == (
        "Mette Member",
        "mette@member.example",
        {"company": "Member ApS"},
    )
    assert (kept[recent_guest].name, kept[recent_guest].email) == ("Frida Holm", "frida@guest.example")
    assert {r.anonymised_at for r in kept.values()} == {None}

    seen = rows(sessions, Attendance, [guest_check_in, walk_in, head_count, member_check_in, recent_walk_in])
    for row_id in (guest_check_in, walk_in):
        assert (seen[row_id].name, seen[row_id].email_lower) == ("Anonymised guest", None)
        assert seen[row_id].anonymised_at is not None
    assert (seen[head_count].name, seen[head_count].headcount, seen[head_count].anonymised_at) == (
        None,
        3,
        None,
    )
    assert (seen[member_check_in].name, seen[member_check_in].email_lower) == (
        "Mette Member",
        "mette@member.example",
    )
    assert (seen[recent_walk_in].name, seen[recent_walk_in].anonymised_at) == ("Hanne Recent", None)
    opinions = rows(sessions, Feedback, [guest_feedback, member_feedback])
    assert (opinions[guest_feedback].rating, opinions[guest_feedback].comment) == (4, None)
    assert (opinions[member_feedback].rating, opinions[member_feedback].comment) == (5, "Very useful")
    assert counts(organiser, old_event) == before

    first_marks = {r.id: r.anonymised_at for r in rows(sessions, Registration, old_guests).values()}
    with sessions() as session:
        assert retention.anonymise_past_guests(session, RETENTION_DAYS) == {
            "registrations": 0,
            "attendance": 0,
        }
    assert {r.id: r.anonymised_at for r in rows(sessions, Registration, old_guests).values()} == first_marks

    # the recent event's guest goes once its own retention period has passed
    with sessions() as session:
        later = utcnow() + timedelta(days=RETENTION_DAYS)
        assert retention.anonymise_past_guests(session, RETENTION_DAYS, now=later) == {
            "registrations": 1,
            "attendance": 1,
        }


def test_two_replicas_anonymise_every_guest_exactly_once(sessions):
    organiser = Organiser(sessions)
    guests = [
        organiser.guest(organiser.event(ended_days_ago=RETENTION_DAYS + 1 + n), f"Guest{g} Number{n}")
        for n in range(4)
        for g in range(10)
    ]

    def replica():
        with sessions() as session:
            return retention.anonymise_past_guests(session, RETENTION_DAYS, batch=3)["registrations"]

    assert sum(side_by_side(replica)) == len(guests)
    assert {r.name for r in rows(sessions, Registration, guests).values()} == {"Anonymised guest"}


def test_the_service_timer_applies_the_configured_retention(sessions):
    organiser = Organiser(sessions)
    guest = organiser.guest(organiser.event(ended_days_ago=40), "Ida Juhl")
    with sessions() as session:
        worker_factory(EventsService, db=session, guest_retention_days=60).anonymise_past_guests()
    assert rows(sessions, Registration, [guest])[guest].anonymised_at is None
    with sessions() as session:
        worker_factory(EventsService, db=session, guest_retention_days=30).anonymise_past_guests()
    assert rows(sessions, Registration, [guest])[guest].name == "Anonymised guest"
