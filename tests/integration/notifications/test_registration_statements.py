"""A registration's message on PostgreSQL, read and written by two prepared statements, leaves the rows
the ORM's path leaves (the one SQLite runs): the registration's copy, its deliveries with their bodies
and calendar, its inbox item, for guests and members, confirmed and waitlisted, redelivered, for a
guest anonymised already, for a registrant cancelling themself and for an event not in the read model
yet. The service's consumer runs them committed alone, the processed-event row in the statement that
writes: the same rows, an event delivered again or twice at once applied once, and what one statement
cannot write (a registrant cancelling themself, an event or person not known yet) handed to the
transaction."""
from dataclasses import replace
from datetime import datetime, timezone
from types import SimpleNamespace

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import func, select, update

from nabo_common.messaging import envelopes
from nabo_common.persistence import db, prepared
from services.notifications import config as config_mod
from services.notifications.domain import reactions
from services.notifications.domain.deliveries import ReadModelBehind
from services.notifications.models import Delivery, InboxItem, ProcessedEvent, Registration
from services.notifications.service import NotificationsService
from tests.support.infra import database_sessions, side_by_side
from tests.support.payloads import event_data
from tests.unit.notifications.test_consumed_contracts import registration_data

ASSOCIATION = "6f1d2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b"
EVENT = "7a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
MEMBER = "8b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e"
STRANGER = "9c4d5e6f-7a8b-4c9d-8e1f-2a3b4c5d6e7f"  # a member the read model does not know yet
ORM_PATH = SimpleNamespace(on_postgresql=lambda session: False)


@pytest.fixture(scope="module")
def config():
    return replace(config_mod.load(), public_base_url="https://nabo.test")


@pytest.fixture
def databases():
    """Two fresh databases: one written the ORM's way, one by the prepared statements."""
    with database_sessions("notifications") as orm, database_sessions("notifications") as statements:
        sessions = orm(), statements()
        yield sessions
        for session in sessions:
            session.close()


def envelope(event_type, data, event_id):
    return envelopes.parse(envelopes.build(event_type, data, association_id=ASSOCIATION, event_id=event_id))


def apply(session, config, message):
    with session.begin():
        reactions.react(session, message, config)


def apply_both(databases, config, monkeypatch, message, way=apply):
    """``message`` applied the ORM's way to the first database and ``way`` to the second."""
    orm, statements = databases
    with monkeypatch.context() as patch:
        patch.setattr(reactions, "db", ORM_PATH)
        apply(orm, config, message)
    way(statements, config, message)


def rows(session, model, skip):
    found = [
        {c.key: getattr(row, c.key) for c in model.__table__.columns if c.key not in skip}
        for row in session.scalars(select(model))
    ]
    session.commit()
    return sorted(found, key=repr)


def same_rows(databases):
    orm, statements = databases
    for model, skip in ((Registration, ()), (Delivery, ("id", "created_at", "next_attempt_at", "sent_at")),
                        (InboxItem, ("id", "created_at"))):
        assert rows(statements, model, skip) == rows(orm, model, skip), model.__name__
    return rows(statements, Delivery, ())


def seed(databases, config, monkeypatch, language="da"):
    for event_type, data in (
        ("association.created", {"association_id": ASSOCIATION, "name": "Erhverv", "slug": "erhverv",
                                 "country": "DK", "default_language": language,
                                 "time_zone": "Europe/Copenhagen"}),
        ("person.created", {"person_id": MEMBER, "name": "Sven Berg", "email": "sven@example.test",
                            "language": "sv", "birth_year": None, "home_association_id": ASSOCIATION,
                            "roles": []}),
        ("event.published", event_data(EVENT, ASSOCIATION, venue="Rådhuset", venue_address="Torvet 1")),
    ):
        apply_both(databases, config, monkeypatch, envelope(event_type, data, None))


def test_guests_and_members_confirmed_and_waitlisted_get_the_same_rows(databases, config, monkeypatch):
    seed(databases, config, monkeypatch)
    messages = [
        ("registration.confirmed", registration_data(EVENT, ASSOCIATION, None, "ane@example.test", "da",
                                                     name="Ane & Bo <b>")),
        ("registration.waitlisted", registration_data(EVENT, ASSOCIATION, None, "bo@example.test", "de",
                                                      status="waitlisted", name="Bo Müller")),
        ("registration.confirmed", registration_data(EVENT, ASSOCIATION, MEMBER, "sven@work.test", "en")),
        ("registration.confirmed", registration_data(EVENT, ASSOCIATION, STRANGER, "new@example.test", "nl",
                                                     name="Nieuw Lid")),
    ]
    counted = []

    def count(*args):
        counted.append(args[2])

    sa_event.listen(databases[1].get_bind(), "before_cursor_execute", count)
    for event_type, data in messages:
        apply_both(databases, config, monkeypatch, envelope(event_type, data, None))
    sa_event.remove(databases[1].get_bind(), "before_cursor_execute", count)
    written = same_rows(databases)
    assert {(row["kind"], row["channel"], row["language"]) for row in written} == {
        ("registration_confirmed", "email", "da"), ("registration_waitlisted", "email", "de"),
        ("registration_confirmed", "email", "sv"), ("registration_confirmed", "inapp", "sv"),
        ("registration_confirmed", "email", "nl"), ("registration_confirmed", "inapp", "nl"),
    }
    # the guests' messages go past SQLAlchemy altogether; a member's reads their contact and preference
    assert len(counted) == 2 * 2, counted


def test_a_redelivered_registration_writes_no_second_message(databases, config, monkeypatch):
    seed(databases, config, monkeypatch)
    data = registration_data(EVENT, ASSOCIATION, MEMBER, None, "sv")
    message = envelope("registration.confirmed", data, None)
    apply_both(databases, config, monkeypatch, message)
    apply_both(databases, config, monkeypatch, message)
    assert len(same_rows(databases)) == 2  # e-mail and in-app, once


def test_an_anonymised_guest_gets_no_message_and_keeps_only_the_status(databases, config, monkeypatch):
    seed(databases, config, monkeypatch)
    data = registration_data(EVENT, ASSOCIATION, None, "ane@example.test", "da", status="waitlisted")
    apply_both(databases, config, monkeypatch, envelope("registration.waitlisted", data, None))
    now = datetime.now(timezone.utc)
    for session in databases:
        with session.begin():
            session.execute(update(Registration).values(name="", email=None, anonymised_at=now))
    promoted = dict(data, status="confirmed")
    apply_both(databases, config, monkeypatch, envelope("registration.confirmed", promoted, None))
    written = same_rows(databases)
    assert [row["kind"] for row in written] == ["registration_waitlisted"]
    [registration] = rows(databases[1], Registration, ())
    assert registration["status"] == "confirmed" and registration["email"] is None


def test_cancelling_oneself_and_an_unknown_event_take_the_same_way(databases, config, monkeypatch):
    seed(databases, config, monkeypatch)
    data = registration_data(EVENT, ASSOCIATION, None, "ane@example.test", "da")
    apply_both(databases, config, monkeypatch, envelope("registration.confirmed", data, None))
    cancelled = dict(data, status="cancelled", cancelled_by="registrant", join_url=None, ics=None)
    apply_both(databases, config, monkeypatch, envelope("registration.cancelled", cancelled, None))
    same_rows(databases)
    unknown = registration_data("0d5e6f7a-8b9c-4d0e-9f1a-2b3c4d5e6f7a", ASSOCIATION, None, "x@example.test",
                                "da")
    for session in databases:
        with pytest.raises(ReadModelBehind), session.begin():
            reactions.react(session, envelope("registration.confirmed", unknown, None), config)
    same_rows(databases)


def test_the_statements_are_prepared_once_per_connection(databases, config, monkeypatch):
    seed(databases, config, monkeypatch)
    statements = databases[1]
    for n in range(3):
        data = registration_data(EVENT, ASSOCIATION, None, f"g{n}@example.test", "da")
        apply(statements, config, envelope("registration.confirmed", data, None))
    with statements.begin():
        names = statements.connection().connection.info[prepared.PREPARED_KEY]
        assert len(names) == 2


def consume(session, config, message):
    """The service's consumer of calendar activity, as its worker runs it."""
    worker = SimpleNamespace(name="notifications", db=session, delivery=SimpleNamespace(config=config))
    NotificationsService.on_calendar_activity(worker, message)


def processed(session, message):
    found = session.scalar(select(func.count()).select_from(ProcessedEvent)
                           .where(ProcessedEvent.event_id == message["id"]))
    session.commit()
    return found


def test_registrations_leave_the_rows_of_the_orm_in_statements_committed_alone(databases, config,
                                                                               monkeypatch):
    seed(databases, config, monkeypatch)
    messages = [envelope(event_type, data, None) for event_type, data in (
        ("registration.confirmed", registration_data(EVENT, ASSOCIATION, None, "ane@example.test", "da",
                                                     name="Ane & Bo <b>")),
        ("registration.waitlisted", registration_data(EVENT, ASSOCIATION, None, "bo@example.test", "de",
                                                      status="waitlisted", name="Bo Müller")),
        ("registration.confirmed", registration_data(EVENT, ASSOCIATION, MEMBER, "sven@work.test", "en")),
    )]
    run = []
    original = prepared.PreparedStatement.row

    def counted(statement, session, params):
        run.append(statement)
        return original(statement, session, params)

    monkeypatch.setattr(prepared.PreparedStatement, "row", counted)
    with monkeypatch.context() as patch:
        # the transaction's way is not taken
        patch.setattr(reactions, "react", lambda *args: pytest.fail("applied in a transaction"))
        for message in messages:
            consume(databases[1], config, message)
    for message in messages:
        with monkeypatch.context() as patch:
            patch.setattr(reactions, "db", ORM_PATH)
            apply(databases[0], config, message)
    written = same_rows(databases)
    assert {(row["kind"], row["channel"], row["language"]) for row in written} == {
        ("registration_confirmed", "email", "da"), ("registration_waitlisted", "email", "de"),
        ("registration_confirmed", "email", "sv"), ("registration_confirmed", "inapp", "sv"),
    }
    # a read and a write each
    assert len(run) == 2 * len(messages)
    assert all(processed(databases[1], message) == 1 for message in messages)


def test_a_redelivered_registration_is_applied_once(databases, config, monkeypatch):
    seed(databases, config, monkeypatch)
    data = registration_data(EVENT, ASSOCIATION, MEMBER, None, "sv")
    message = envelope("registration.confirmed", data, None)
    apply_both(databases, config, monkeypatch, message, consume)
    with monkeypatch.context() as patch:
        patch.setattr(reactions, "react", lambda *args: pytest.fail("applied in a transaction"))
        consume(databases[1], config, message)
    assert len(same_rows(databases)) == 2  # e-mail and in-app, once
    assert processed(databases[1], message) == 1


def test_the_same_registration_delivered_twice_at_once_is_applied_once(databases, config, monkeypatch):
    seed(databases, config, monkeypatch)
    message = envelope("registration.confirmed",
                       registration_data(EVENT, ASSOCIATION, None, "ane@example.test", "da"), None)
    def deliver():  # each in a worker of its own, with a session of its own
        session = db.make_sessionmaker(databases[1].get_bind())()
        try:
            consume(session, config, message)
        finally:
            session.close()

    side_by_side(deliver)
    with databases[1].begin():
        assert databases[1].scalar(select(func.count()).select_from(Delivery)) == 1
    assert processed(databases[1], message) == 1


def test_what_one_statement_cannot_write_goes_to_the_transaction(databases, config, monkeypatch):
    seed(databases, config, monkeypatch)
    data = registration_data(EVENT, ASSOCIATION, None, "ane@example.test", "da")
    apply_both(databases, config, monkeypatch, envelope("registration.confirmed", data, None), consume)
    # cancelling oneself tells nobody: the copy's status alone, in the transaction
    cancelled = dict(data, status="cancelled", cancelled_by="registrant", join_url=None, ics=None)
    message = envelope("registration.cancelled", cancelled, None)
    apply_both(databases, config, monkeypatch, message, consume)
    same_rows(databases)
    assert [row["status"] for row in rows(databases[1], Registration, ())] == ["cancelled"]
    assert processed(databases[1], message) == 1
    # an event not in the read model yet, or a member not known yet without an address: retried later
    unknown_event = registration_data("0d5e6f7a-8b9c-4d0e-9f1a-2b3c4d5e6f7a", ASSOCIATION, None,
                                      "x@example.test", "da")
    unknown_member = registration_data(EVENT, ASSOCIATION, STRANGER, None, "nl")
    for data in (unknown_event, unknown_member):
        message = envelope("registration.confirmed", data, None)
        with pytest.raises(ReadModelBehind):
            consume(databases[1], config, message)
        assert processed(databases[1], message) == 0  # rolled back with the transaction: delivered again
    same_rows(databases)


def test_a_confirmation_delivered_again_after_a_cancellation_changes_nothing(databases, config, monkeypatch):
    seed(databases, config, monkeypatch)
    data = registration_data(EVENT, ASSOCIATION, None, "ane@example.test", "da")
    confirmed = envelope("registration.confirmed", data, None)
    consume(databases[1], config, confirmed)
    cancelled = dict(data, status="cancelled", cancelled_by="organiser", join_url=None, ics=None)
    consume(databases[1], config, envelope("registration.cancelled", cancelled, None))
    consume(databases[1], config, confirmed)  # the first one again, as RabbitMQ may deliver it
    [registration] = rows(databases[1], Registration, ())
    assert registration["status"] == "cancelled"
    kinds = sorted(row["kind"] for row in rows(databases[1], Delivery, ("id",)))
    assert kinds == ["registration_cancelled", "registration_confirmed"]
