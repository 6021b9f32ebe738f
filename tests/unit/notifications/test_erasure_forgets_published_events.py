"""On person.erased the notifications service deletes its published outbox rows naming the person, by id
or by the contact's e-mail address; rows still to go out and rows about others stay."""
from services.notifications.domain import gdpr
from services.notifications.models import OutboxEvent
from tests.support import outbox_rows


def test_erasure_deletes_the_published_rows_naming_the_contact(world, session):
    aid = world.association()
    katrin = world.person(aid, email="Katrin@Example.test")
    session.commit()
    by_id = outbox_rows.write(session, OutboxEvent, {"person_ids": [katrin]}, published_days_ago=0)
    by_email = outbox_rows.write(session, OutboxEvent, {"to": "katrin@example.test"}, published_days_ago=0)
    unpublished = outbox_rows.write(session, OutboxEvent, {"person_id": katrin})
    others = outbox_rows.write(session, OutboxEvent, {"person_id": "someone else"}, published_days_ago=0)
    with session.begin():
        gdpr.erase(session, katrin)
    remaining = outbox_rows.positions(session, OutboxEvent)
    assert {unpublished, others} <= remaining
    assert not {by_id, by_email} & remaining
