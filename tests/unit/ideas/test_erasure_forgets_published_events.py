"""On person.erased the ideas service deletes its published outbox rows naming the person's id; rows
still to go out and rows about others stay."""
from services.ideas.domain import people
from services.ideas.models import OutboxEvent
from tests.support import outbox_rows
from tests.unit.ideas.conftest import new_id


def test_erasure_deletes_the_published_rows_naming_the_person(session_factory):
    person_id = new_id()
    with session_factory() as session:
        by_id = outbox_rows.write(session, OutboxEvent, {"submitter_person_id": person_id},
                                  published_days_ago=0)
        unpublished = outbox_rows.write(session, OutboxEvent, {"submitter_person_id": person_id})
        others = outbox_rows.write(session, OutboxEvent, {"submitter_person_id": new_id()},
                                   published_days_ago=0)
        with session.begin():
            people.erase_person(session, person_id)
        remaining = outbox_rows.positions(session, OutboxEvent)
    assert {unpublished, others} <= remaining
    assert by_id not in remaining
