"""Erasing a person in members, on PostgreSQL through the migrations, deletes the outbox rows already
published that name them, by id or by e-mail address in any case; the rows still to go out stay, and so
do the published rows about others."""
import json

import pytest
from sqlalchemy import select, update

from nabo_common.messaging.outbox import utcnow
from services.members.domain import gdpr, persons
from services.members.models import OutboxEvent
from tests.support import infra
from tests.unit.members.conftest import World


@pytest.fixture
def world():
    with infra.database_sessions("members") as sessions, sessions() as session:
        yield World(session)


def outbox_rows(world):
    rows = world.session.scalars(select(OutboxEvent).order_by(OutboxEvent.position)).all()
    world.session.commit()
    return [(row.event_type, row.published_at is not None, json.dumps(row.envelope).lower()) for row in rows]


def test_erasure_deletes_the_published_events_naming_the_person_and_keeps_the_rest(world):
    association = world.association("DK", "da")
    admin = world.caller(world.person(association, admin_of=association))
    karen = world.call(persons.create, admin, {"name": "Karen Hansen", "email": "Karen.Hansen@Example.org",
                                                "language": "da"})
    ole = world.call(persons.create, admin, {"name": "Ole Olsen", "email": "ole@example.org",
                                              "language": "da"})
    with world.session.begin():  # as the relay marks what it published
        world.session.execute(update(OutboxEvent).values(published_at=utcnow()))
    world.call(persons.update, admin, karen["id"], {"name": "Karen Holm"})  # not published yet

    world.call(gdpr.erase, admin, karen["id"])

    rows = outbox_rows(world)
    naming_karen = [(kind, published) for kind, published, text in rows
                    if karen["id"] in text or "karen.hansen@example.org" in text]
    assert naming_karen == [("person.updated", False), ("person.erased", False)]
    assert [(kind, published) for kind, published, text in rows if ole["id"] in text] == [
        ("person.created", True)]
