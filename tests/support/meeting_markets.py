"""A meeting market built through the events service's domain functions: a published in-person event,
its market, and participants who registered and joined, each with an organisation of their own."""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import update

from nabo_common.runtime.context import ASSOCIATION_ADMIN, MEMBER, Caller
from services.events.domain import lifecycle, registrations
from services.events.domain.meeting_market import markets, participants, requests, schedules
from services.events.models import Meeting


class _Everyone:
    """The members service as registration looks persons up: everyone exists (and no organisation's
    profile can be seen)."""

    def person(self, person_id):
        return {
            "id": person_id,
            "name": f"Person {person_id[:8]}",
            "email": f"{person_id}@people.example.org",
            "language": "en",
            "erased": False,
        }

    def person_with_email(self, email, association_ids):
        return None

    def themes(self, limit):
        return []

    def organisation_profile(self, organisation_id):
        """Organisations' profiles as the events service reads them: none to see here."""
        return None


@dataclass
class Market:
    event: dict
    market: dict
    admin: Caller
    people: list  # Caller of each participant


def participant(association_id):
    return Caller(
        person_id=str(uuid.uuid4()),
        roles=(MEMBER,),
        member_of=(association_id,),
        organisation_ids=(str(uuid.uuid4()),),
    )


def market_settings(start, hours=8, minutes=20, tables=("T1", "T2"), **extra):
    return dict(
        {
            "mode": "in_person",
            "meeting_minutes": minutes,
            "tables": list(tables),
            "windows": [
                {"starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=hours)).isoformat()}
            ],
            "max_meetings_per_participant": 10,
        },
        **extra,
    )


def build_market(session, people=4, hours=8, **settings):
    association_id = str(uuid.uuid4())
    admin = Caller(person_id=str(uuid.uuid4()), roles=(ASSOCIATION_ADMIN,), admin_of=(association_id,))
    start = (datetime.now(timezone.utc) + timedelta(days=14)).replace(minute=0, second=0, microsecond=0)
    event = lifecycle.create(
        session,
        admin,
        {
            "title": "Cross-border meeting day",
            "format": "in_person",
            "languages": ["en"],
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=hours)).isoformat(),
            "time_zone": "Europe/Copenhagen",
            "venue": {"address": "Grænsehallen 1, Padborg"},
            "capacity": 5000,
        },
    )
    lifecycle.transition(session, admin, event["id"], {"to": "published"})
    market = markets.configure(session, admin, event["id"], market_settings(start, hours, **settings))
    callers = [participant(association_id) for _ in range(people)]
    for caller in callers:
        registrations.register(session, caller, event["id"], {}, people=_Everyone())
        participants.join(session, caller, event["id"], {}, _Everyone())
    return Market(event, market, admin, callers)


def market_with_a_draft(session):
    """A market the organiser schedules, whose first two participants meet: the market and the id of
    their meeting, a draft of the organiser's schedule."""
    built = build_market(session, people=2, scheduling="by_organiser")
    one, other = built.people
    sent = requests.send(session, one, {"event_id": built.event["id"], "recipient_id": other.person_id})
    requests.answer(session, other, sent["id"], {"status": "accepted"})
    schedules.schedule_all(session, built.admin, built.event["id"])
    plan = schedules.table_plan(session, built.admin, built.event["id"], {})
    return built, plan["slots"][0]["meetings"][0]["meeting_id"]


def begun(session, meeting_id):
    """Move a meeting into the past, as if it had taken place (outcomes are recorded once it has begun)."""
    now = datetime.now(timezone.utc)
    with session.begin():
        session.execute(update(Meeting).where(Meeting.id == meeting_id).values(
            starts_at=now - timedelta(hours=1), ends_at=now - timedelta(minutes=40)))


def begun_in_database(database_url, meeting_id):
    """Time passes for a running system: the meeting moves into the past in the events service's database."""
    from nabo_common.persistence import db

    engine = db.make_engine(database_url)
    try:
        with engine.begin() as connection:
            now = datetime.now(timezone.utc)
            connection.execute(update(Meeting).where(Meeting.id == meeting_id).values(
                starts_at=now - timedelta(minutes=50), ends_at=now - timedelta(minutes=20)))
    finally:
        engine.dispose()
