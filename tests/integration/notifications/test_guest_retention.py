"""The notifications service's copies of guests (its registration read model
and the messages it sent them) are anonymised once their event ended more
than the retention period ago, on PostgreSQL through the migrations: members
and recent events are untouched, messages not yet finished are left to the
dispatcher, counts stay, a second run changes nothing, and two replicas
running side by side anonymise every row exactly once. Messages sent before
the upgrade get the event of their guest's last registration."""
import uuid
from collections import Counter
from datetime import timedelta

import pytest
from nameko.testing.services import worker_factory
from sqlalchemy import select, text, update

from nabo_common.persistence import db, migrations
from services.notifications.domain import reactions, readmodel, retention
from services.notifications.domain.common import utcnow
from services.notifications.models import CalendarEvent, Delivery, Registration
from services.notifications.service import NotificationsService
from tests.support.infra import database_sessions, make_database, side_by_side

RETENTION_DAYS = 365
ASSOCIATION = str(uuid.uuid4())


@pytest.fixture
def sessions():
    with database_sessions("notifications") as sessions:
        yield sessions


class EventsFeed:
    """Calendar events and registrations arriving as the events service publishes them."""

    def __init__(self, sessions):
        self.sessions = sessions

    def event(self, ended_days_ago):
        ends_at = utcnow() - timedelta(days=ended_days_ago)
        event_id = str(uuid.uuid4())
        with self.sessions() as session, session.begin():
            readmodel.apply_calendar_event(session, {
                "event_id": event_id, "title": "Border business breakfast", "time_zone": "Europe/Copenhagen",
                "format": "physical", "venue": "Town hall", "association_ids": [ASSOCIATION],
                "starts_at": ends_at - timedelta(hours=2), "ends_at": ends_at}, "published")
        return event_id

    def register(self, event_id, name, person_id=None, registration_id=None, status="confirmed"):
        registration_id = registration_id or str(uuid.uuid4())
        with self.sessions() as session, session.begin():
            event = session.get(CalendarEvent, event_id)
            reactions.on_registration(
                session,
                {
                    "id": str(uuid.uuid4()),
                    "type": f"registration.{status}",
                    "data": {
                        "registration_id": registration_id,
                        "event_id": event_id,
                        "association_ids": [ASSOCIATION],
                        "person_id": person_id,
                        "name": name,
                        "email": f"{name.split()[0].lower()}@guest.example",
                        "language": "da",
                        "status": status,
                        "source_channel": "linkedin",
                        "campaign_code": None,
                        "title": event.title,
                        "starts_at": event.starts_at,
                        "time_zone": event.time_zone,
                        "ics": f"BEGIN:VCALENDAR\nATTENDEE;CN={name}\nEND:VCALENDAR",
                    },
                },
            )
        return registration_id

    def set_message_status(self, registration_id, status):
        with self.sessions() as session, session.begin():
            session.execute(
                update(Delivery)
                .where(Delivery.id == message_of(session, registration_id).id)
                .values(status=status, last_error=f"550 <{registration_id}> mailbox unavailable")
            )


def message_of(session, registration_id):
    """The e-mail sent for a registration (before anonymisation: it is found by its address)."""
    registration = session.get(Registration, registration_id)
    return session.scalars(
        select(Delivery).where(
            Delivery.event_id == registration.event_id,
            Delivery.channel == "email",
            Delivery.recipient == (registration.person_id or f"email:{registration.email}"),
        )
    ).one()


def snapshot(sessions, model, ids):
    with sessions() as session:
        rows = session.scalars(select(model).where(model.id.in_(ids))).all()
        session.expunge_all()
        return {row.id: row for row in rows}


def statistics(sessions, event_id):
    with sessions() as session:
        return (
            Counter(session.scalars(select(Registration.status).where(Registration.event_id == event_id))),
            Counter(session.scalars(select(Delivery.status).where(Delivery.event_id == event_id))),
        )


def test_old_guests_are_anonymised_once_and_everything_else_is_left_alone(sessions):
    feed = EventsFeed(sessions)
    old_event, recent_event = feed.event(ended_days_ago=RETENTION_DAYS + 30), feed.event(ended_days_ago=30)
    sent, failed, bounced, queued, sending = (
        feed.register(old_event, name)
        for name in ("Anna Berg", "Bo Dahl", "Cato Eng", "Dina Falk", "Erik Gade")
    )
    cancelled = feed.register(old_event, "Frida Holm", status="waitlisted")
    member = feed.register(old_event, "Mette Member", person_id=str(uuid.uuid4()))
    recent = feed.register(recent_event, "Gustav Ny")
    for registration_id, status in (
        (sent, "sent"),
        (failed, "failed"),
        (bounced, "bounced"),
        (queued, "queued"),
        (sending, "sending"),
        (cancelled, "sent"),
        (member, "sent"),
        (recent, "sent"),
    ):
        feed.set_message_status(registration_id, status)
    feed.register(old_event, "Frida Holm", registration_id=cancelled, status="cancelled")
    with sessions() as session:
        messages = {
            r: message_of(session, r).id
            for r in (sent, failed, bounced, queued, sending, cancelled, member, recent)
        }
    before = statistics(sessions, old_event)

    with sessions() as session:
        assert retention.anonymise_past_guests(session, RETENTION_DAYS, batch=2) == {
            "registrations": 6,
            "deliveries": 4,
        }

    guests = snapshot(sessions, Registration, [sent, failed, bounced, queued, sending, cancelled])
    for registration in guests.values():
        assert (registration.name, registration.email, registration.person_id) == (
            "Anonymised guest",
            None,
            None,
        )
        assert registration.anonymised_at is not None
    assert guests[cancelled].status == "cancelled"
    finished = snapshot(sessions, Delivery, [messages[r] for r in (sent, failed, bounced, cancelled)])
    for message in finished.values():
        assert (message.recipient, message.email, message.name) == (f"anonymised:{message.id}", None, None)
        assert (
            message.subject,
            message.text_body,
            message.html_body,
            message.attachments,
            message.last_error,
        ) == (None, None, None, None, None)
        assert message.anonymised_at is not None
        # what campaign and delivery statistics need stays
        assert (
            message.kind.startswith("registration_"),
            message.channel,
            message.language,
            message.event_id,
        ) == (True, "email", "da", old_event)
    assert {m.status for m in finished.values()} == {"sent", "failed", "bounced"}

    untouched = snapshot(sessions, Delivery, [messages[r] for r in (queued, sending, member, recent)])
    for registration_id in (queued, sending, member, recent):
        message = untouched[messages[registration_id]]
        assert message.email.endswith("@guest.example") and message.name and message.text_body
        assert message.anonymised_at is None
    assert "Dina Falk" in untouched[messages[queued]].text_body
    kept = snapshot(sessions, Registration, [member, recent])
    assert (kept[member].name, kept[member].email) == ("Mette Member", "mette@guest.example")
    assert (kept[recent].name, kept[recent].email) == ("Gustav Ny", "gustav@guest.example")
    assert {r.anonymised_at for r in kept.values()} == {None}
    assert statistics(sessions, old_event) == before

    first_marks = {r.id: r.anonymised_at for r in guests.values()}
    with sessions() as session:
        assert retention.anonymise_past_guests(session, RETENTION_DAYS) == {
            "registrations": 0,
            "deliveries": 0,
        }
    assert {
        r.id: r.anonymised_at for r in snapshot(sessions, Registration, list(guests)).values()
    } == first_marks

    # a replayed registration event neither brings the guest back nor writes to them
    feed.register(old_event, "Anna Berg", registration_id=sent)
    assert snapshot(sessions, Registration, [sent])[sent].email is None
    assert statistics(sessions, old_event)[1] == before[1]

    # the message being sent when the run came is anonymised at a later run, once it is finished
    finished_now = {queued: "sent", sending: "failed"}
    with sessions() as session, session.begin():
        for registration_id, status in finished_now.items():
            session.get(Delivery, messages[registration_id]).status = status
    with sessions() as session:
        assert retention.anonymise_past_guests(session, RETENTION_DAYS) == {
            "registrations": 0,
            "deliveries": 2,
        }

    # the recent event's guest goes once its own retention period has passed
    with sessions() as session:
        later = utcnow() + timedelta(days=RETENTION_DAYS)
        assert retention.anonymise_past_guests(session, RETENTION_DAYS, now=later) == {
            "registrations": 1,
            "deliveries": 1,
        }


def test_two_replicas_anonymise_every_guest_exactly_once(sessions):
    feed = EventsFeed(sessions)
    guests = [
        feed.register(feed.event(ended_days_ago=RETENTION_DAYS + 1 + n), f"Guest{g} Number{n}")
        for n in range(4)
        for g in range(10)
    ]
    with sessions() as session, session.begin():
        session.execute(update(Delivery).values(status="sent"))

    def replica():
        with sessions() as session:
            return retention.anonymise_past_guests(session, RETENTION_DAYS, batch=3)

    results = side_by_side(replica)
    assert sum(r["registrations"] for r in results) == len(guests)
    assert sum(r["deliveries"] for r in results) == len(guests)
    assert {r.name for r in snapshot(sessions, Registration, guests).values()} == {"Anonymised guest"}
    with sessions() as session:
        assert set(session.scalars(select(Delivery.email))) == {None}


def test_the_service_timer_applies_the_configured_retention(sessions):
    feed = EventsFeed(sessions)
    guest = feed.register(feed.event(ended_days_ago=40), "Ida Juhl")
    with sessions() as session:
        worker_factory(NotificationsService, db=session, guest_retention_days=60).anonymise_past_guests()
    assert snapshot(sessions, Registration, [guest])[guest].anonymised_at is None
    with sessions() as session:
        worker_factory(NotificationsService, db=session, guest_retention_days=30).anonymise_past_guests()
    assert snapshot(sessions, Registration, [guest])[guest].name == "Anonymised guest"


def test_messages_sent_before_the_upgrade_follow_the_last_event_of_their_guest():
    url = make_database("notifications", migrate=False)
    migrations.upgrade("notifications", url, "5ab1be5e82e3")
    engine = db.make_engine(url)
    now = utcnow()
    ended = {"old": now - timedelta(days=800), "recent": now - timedelta(days=10)}
    with engine.begin() as connection:
        for event_id, ends_at in ended.items():
            connection.execute(
                text(
                    "INSERT INTO calendar_events (id, association_ids, title, ends_at, time_zone,"
                    " status) VALUES (:id, '[]', 'Breakfast', :ends_at, 'UTC', 'completed')"
                ),
                {"id": event_id, "ends_at": ends_at},
            )
        for registration_id, event_id, person_id, email in (
            ("r1", "old", None, "Anna@Guest.example"),
            ("r2", "recent", None, "anna@guest.example"),
            ("r3", "old", None, "bo@guest.example"),
            ("r4", "old", "p1", "mette@member.example"),
        ):
            connection.execute(
                text(
                    "INSERT INTO registrations (id, event_id, person_id, name, email, language, status)"
                    " VALUES (:id, :event_id, :person_id, 'Someone', :email, 'en', 'confirmed')"
                ),
                {"id": registration_id, "event_id": event_id, "person_id": person_id, "email": email},
            )
        for cause, recipient, person_id in (
            ("c1", "email:anna@guest.example", None),
            ("c2", "email:bo@guest.example", None),
            ("c3", "p1", "p1"),
            ("c4", "email:nobody@guest.example", None),
        ):
            connection.execute(
                text(
                    "INSERT INTO deliveries (cause_id, recipient, channel, kind, priority, person_id,"
                    " language, status, attempts, next_attempt_at, created_at)"
                    " VALUES (:cause, :recipient, 'email', 'registration_confirmed', 0, :person_id,"
                    " 'en', 'sent', 1, now(), now())"
                ),
                {"cause": cause, "recipient": recipient, "person_id": person_id},
            )
    migrations.upgrade("notifications", url)
    with engine.connect() as connection:
        assert dict(connection.execute(text("SELECT cause_id, event_id FROM deliveries")).all()) == {
            "c1": "recent",
            "c2": "old",
            "c3": None,
            "c4": None,
        }
    engine.dispose()
