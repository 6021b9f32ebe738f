"""person.erased in the events service, on PostgreSQL through the migrations, deletes the outbox rows
already published that name the person, by id or by the e-mail address they registered with; the rows
still to go out stay, and so do the published rows about others."""
import json
import uuid

import pytest
from sqlalchemy import select, update

from services.events.domain import gdpr, registrations
from services.events.domain.common import utcnow
from services.events.models import OutboxEvent
from tests.integration.events.test_guest_retention import METTE, Organiser
from tests.support.infra import database_sessions


@pytest.fixture
def sessions():
    with database_sessions("events") as sessions:
        yield sessions


def outbox_rows(sessions):
    with sessions() as session:
        rows = session.scalars(select(OutboxEvent).order_by(OutboxEvent.position)).all()
        return [(row.event_type, row.published_at is not None, json.dumps(row.envelope).lower())
                for row in rows]


def test_person_erased_deletes_the_published_events_naming_the_person_and_keeps_the_rest(sessions):
    organiser = Organiser(sessions)
    person_id = str(uuid.uuid4())
    past, upcoming, later = (organiser.event(ended_days_ago=30), organiser.event(ended_days_ago=-30),
                             organiser.event(ended_days_ago=-60))
    for event_id in (past, upcoming):
        organiser.do(registrations.register, event_id, {"person_id": person_id}, None, METTE)
    organiser.guest(upcoming, "Gunnar Gæst")
    with sessions() as session, session.begin():  # as the relay marks what it published
        session.execute(update(OutboxEvent).values(published_at=utcnow()))
    organiser.do(registrations.register, later, {"person_id": person_id}, None, METTE)  # not published yet

    with sessions() as session, session.begin():
        gdpr.erase_person(session, person_id)

    rows = outbox_rows(sessions)
    naming_mette = [(kind, published) for kind, published, text in rows
                    if person_id in text or "mette@member.example" in text]
    assert naming_mette == [("registration.confirmed", False)]
    assert any(published and "gunnar@guest.example" in text for _kind, published, text in rows)
