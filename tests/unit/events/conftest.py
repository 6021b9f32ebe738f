"""Domain functions of the events service on SQLite, with callers as the gateway would sign them."""
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from nabo_common.api.errors import NotFound
from nabo_common.persistence import db
from nabo_common.runtime.context import ASSOCIATION_ADMIN, MEMBER, Caller
from services.events.domain import access, lifecycle, registrations, views
from services.events.domain.names import attachment_names
from services.events.models import Base, Event, OutboxEvent

ASSOC_A = str(uuid.uuid4())
ASSOC_B = str(uuid.uuid4())


NETWORK = "5b0e9a3e-8a55-4d0b-9d49-6f8b9d3c7a11"
THEME = "0c1d2e3f-4a5b-4c6d-8e7f-8091a2b3c4d5"
HOST_COMPANY = "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a"


class Directory:
    """The members service as the events service sees it: names, and NotFound for what the caller may not
    see."""

    def __init__(self):
        self.associations = {
            ASSOC_A: {"id": ASSOC_A, "name": "Fjordby Erhverv", "time_zone": "Europe/Copenhagen"},
            ASSOC_B: {"id": ASSOC_B, "name": "Grenzland Unternehmer", "time_zone": "Europe/Berlin"},
        }
        self.networks = {NETWORK: {"id": NETWORK, "name": {"en": "Green builders", "da": "Grønne byggere"}}}
        self.themes_ = [{"id": THEME, "labels": {"en": "Energy transition", "de": "Energiewende"}}]
        self.organisations = {HOST_COMPANY: {"id": HOST_COMPANY, "name": "Vindmølle ApS"}}

    def association(self, association_id):
        if association_id not in self.associations:
            raise NotFound(f"Association {association_id} not found.")
        return self.associations[association_id]

    def network(self, network_id):
        if network_id not in self.networks:
            raise NotFound(f"Network {network_id} not found.")
        return self.networks[network_id]

    def themes(self, limit):
        return self.themes_[:limit]

    def organisation(self, organisation_id):
        if organisation_id not in self.organisations:
            raise NotFound("Organisation not found.")
        return self.organisations[organisation_id]



class CallSession(Session):
    """Each domain call in the service gets a fresh session; here one session
    serves many calls, so a read left open by the previous call is ended first."""

    def begin(self, nested=False):
        if not nested and self.in_transaction():
            self.commit()
        return super().begin(nested=nested)


def call_session(engine):
    """One session for many domain calls on ``engine`` (see CallSession)."""
    return sessionmaker(bind=engine, expire_on_commit=False, class_=CallSession)()


@pytest.fixture(autouse=True)
def fresh_theme_labels():
    """Each test looks the attached calendars' theme labels up anew (a process shares them)."""
    attachment_names.clear()
    yield
    attachment_names.clear()


@pytest.fixture
def session(tmp_path):
    engine = db.make_engine(f"sqlite:///{tmp_path / 'events.db'}")
    Base.metadata.create_all(engine)
    session = call_session(engine)
    yield session
    session.close()
    engine.dispose()


def admin_of(*association_ids):
    return Caller(person_id=str(uuid.uuid4()), roles=(ASSOCIATION_ADMIN,), admin_of=association_ids)


def member_of(association_id):
    return Caller(person_id=str(uuid.uuid4()), roles=(MEMBER,), member_of=(association_id,))


ANON = Caller()


def email_of(person_id):
    return f"{person_id}@people.example.org"


class KnownPeople(Directory):
    """The members service's persons as the events service looks them up: everyone exists."""

    def person(self, person_id):
        return {
            "id": person_id,
            "name": f"Person {person_id[:8]}",
            "email": email_of(person_id),
            "language": "da",
            "erased": False,
        }

    def person_with_email(self, email, association_ids):
        local, _, domain = email.lower().partition("@")
        return self.person(local) if domain == "people.example.org" else None


PEOPLE = KnownPeople()


def register_self(session, caller, event_id, **fields):
    """``caller`` registers themself, sending none of their own name and address."""
    return registrations.register(session, caller, event_id, fields, people=PEOPLE)


@pytest.fixture
def admin_a():
    return admin_of(ASSOC_A)


@pytest.fixture
def admin_b():
    return admin_of(ASSOC_B)


def at(days=0, hours=0, minutes=0):
    return (datetime.now(timezone.utc) + timedelta(days=days, hours=hours, minutes=minutes)).replace(
        microsecond=0
    )


def event_payload(**overrides):
    start = overrides.pop("start", at(days=7))
    payload = {
        "title": "Financing for growth",
        "format": "online",
        "languages": ["da"],
        "themes": ["financing"],
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=2)).isoformat(),
        "time_zone": "Europe/Copenhagen",
        "join_url": "https://meet.example/abc",
    }
    payload.update(overrides)
    return payload


def make_event(session, caller, publish=True, directory=None, **overrides):
    event = lifecycle.create(session, caller, event_payload(**overrides), directory=directory)
    if publish:
        event = lifecycle.transition(session, caller, event["id"], {"to": "published"}, directory)
    return event


def move_to_past(session, event_id, days=1):
    """Let time pass: the event took place ``days`` ago."""
    with session.begin():
        event = session.get(Event, event_id)
        length = event.ends_at - event.starts_at
        event.starts_at = at(days=-days)
        event.ends_at = event.starts_at + length


def outbox(session, event_type=None):
    stmt = select(OutboxEvent).order_by(OutboxEvent.position)
    if event_type:
        stmt = stmt.where(OutboxEvent.event_type == event_type)
    session.rollback()
    return [row.envelope for row in session.scalars(stmt)]


def orm_view(session, caller, event_id):
    """One event as the ORM view shows it to ``caller``; None when hidden from them."""
    try:
        return views.event_view(session, caller, access.event_or_404(session, caller, event_id))
    except NotFound:
        return None


def read_view(session, caller, event_id):
    """One event as the read path (rows, no ORM) shows it to ``caller``; None when hidden from them."""
    try:
        return lifecycle.get(session, caller, event_id)
    except NotFound:
        return None
