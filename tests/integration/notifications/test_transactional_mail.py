"""The notifications service against real RabbitMQ, PostgreSQL and an SMTP
server (aiosmtpd): what arrives, in which language, once."""
import time
from datetime import timedelta

from sqlalchemy import select

from services.notifications.models import Delivery, InboxItem
from tests.integration.notifications.support import new_id, now_iso, wait_until
from tests.support.payloads import ICS, event_data


def setup_event(publisher, association_language="da"):
    association_id = new_id()
    publisher.publish("association.created", {
        "association_id": association_id, "name": "Erhverv Sønderborg", "slug": association_id[:8],
        "country": "DK", "default_language": association_language, "time_zone": "Europe/Copenhagen"})
    event_id = new_id()
    publisher.publish("event.published", event_data(event_id, association_id))
    return association_id, event_id


def person(publisher, association_id, language, name):
    person_id = new_id()
    email = f"{person_id[:8]}@example.test"
    publisher.publish("person.created", {"person_id": person_id, "name": name, "email": email,
                                         "language": language, "home_association_id": association_id,
                                         "roles": []})
    return person_id, email


def registration_data(association_id, event_id, person_id, email, language, status="confirmed", name="Ane"):
    """A registration as the events service announces it: the event's essentials and, for a seat, the .ics."""
    confirmed = status == "confirmed"
    return {"registration_id": new_id(), "event_id": event_id, "association_ids": [association_id],
            "person_id": person_id, "name": name, "email": email, "language": language, "status": status,
            "source_channel": "email", "campaign_code": None, "title": "Grøn omstilling",
            "starts_at": "2026-03-03T13:00:00+00:00", "time_zone": "Europe/Copenhagen",
            "join_url": "https://meet.test/groen" if confirmed else None, "ics": ICS if confirmed else None}


def registration(publisher, association_id, event_id, person_id, email, language, status="confirmed",
                 name="Ane"):
    data = registration_data(association_id, event_id, person_id, email, language, status, name)
    return publisher.envelope(f"registration.{status}", data, association_id=association_id)


def test_registration_confirmed_once_with_calendar_in_the_persons_language(notifications, smtp_sink):
    system, database, publisher = notifications
    association_id, event_id = setup_event(publisher)
    person_id, email = person(publisher, association_id, "da", "Ane Hansen")
    confirmed = registration(publisher, association_id, event_id, person_id, email, "da", name="Ane Hansen")
    publisher.send(confirmed)
    publisher.send(confirmed)  # redelivered: the same event id again
    [mail] = smtp_sink.wait_for(1, where=lambda m: email in m["to"])
    time.sleep(1.5)  # give a duplicate every chance to show up
    assert len(smtp_sink.to(email)) == 1
    message = mail["message"]
    assert mail["to"] == [email]
    assert message["Subject"] == "Du er tilmeldt: Grøn omstilling"
    assert message["To"].addresses[0].display_name == "Ane Hansen"
    assert "List-Unsubscribe" not in message  # a service message, not a mailing
    text = message.get_body(("plain",)).get_content()
    assert "tirsdag den 3. marts 2026, 14.00" in text and "Hvor: Alsion" in text
    assert "https://meet.test/groen" in message.get_body(("html",)).get_content()
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "text/calendar"
    assert "SUMMARY:Grøn omstilling" in attachment.get_content()
    [item] = database.wait_rows(select(InboxItem).where(InboxItem.person_id == person_id), 1)
    assert item.title == "Du er tilmeldt: Grøn omstilling"
    rows = database.rows(select(Delivery).where(Delivery.cause_id == confirmed["id"]))
    assert sorted(r.channel for r in rows) == ["email", "inapp"]


def test_event_update_reaches_every_registrant_in_their_language(notifications, smtp_sink):
    system, database, publisher = notifications
    association_id, event_id = setup_event(publisher)
    de_id, de_email = person(publisher, association_id, "de", "Dieter")
    guest_email = f"guest-{new_id()[:6]}@example.test"
    publisher.send(registration(publisher, association_id, event_id, de_id, de_email, "de"))
    publisher.send(
        registration(
            publisher, association_id, event_id, None, guest_email, "sv", status="waitlisted", name="Guest"
        )
    )
    # both registrations handled (each has its own mail) before the update: they are handled side by side
    smtp_sink.wait_for(2, where=lambda m: m["to"][0] in (de_email, guest_email))
    publisher.publish(
        "event.updated",
        event_data(
            event_id,
            association_id,
            starts_at="2026-03-04T13:00:00+00:00",
            ends_at="2026-03-04T15:00:00+00:00",
            sequence=1,
            changes=[
                {
                    "field": "starts_at",
                    "old": "2026-03-03T13:00:00+00:00",
                    "new": "2026-03-04T13:00:00+00:00",
                },
                {"field": "ends_at", "old": "2026-03-03T15:00:00+00:00", "new": "2026-03-04T15:00:00+00:00"},
                {"field": "reminder_offsets", "old": [1440], "new": [1440, 60]},
            ],
        ),
        association_id,
    )
    updates = smtp_sink.wait_for(
        2, where=lambda m: m["message"]["Subject"].startswith(("Geändert", "Ändrat"))
    )
    by_address = {m["to"][0]: m["message"] for m in updates}
    assert set(by_address) == {de_email, guest_email}
    assert (
        "Beginn: Dienstag, 3. März 2026, 14:00 MEZ → Mittwoch, 4. März 2026, 14:00 MEZ"
        in by_address[de_email].get_body(("plain",)).get_content()
    )
    assert by_address[guest_email]["Subject"] == "Ändrat: Grøn omstilling"


def test_temporary_smtp_failure_is_retried_permanent_is_recorded(notifications, smtp_sink):
    system, database, publisher = notifications
    association_id, event_id = setup_event(publisher, association_language="en")
    retry_id, retry_email = person(publisher, association_id, "en", "Retry")
    gone_id, gone_email = person(publisher, association_id, "en", "Gone")
    smtp_sink.script(retry_email, "451 4.3.0 Mailbox busy, try later")
    smtp_sink.script(gone_email, "550 5.1.1 No such user")
    publisher.send(registration(publisher, association_id, event_id, retry_id, retry_email, "en"))
    publisher.send(registration(publisher, association_id, event_id, gone_id, gone_email, "en"))
    [mail] = smtp_sink.wait_for(1, where=lambda m: retry_email in m["to"])
    assert mail["message"]["Subject"] == "You are registered: Grøn omstilling"
    retried = wait_until(
        lambda: database.rows(
            select(Delivery).where(Delivery.email == retry_email, Delivery.status == "sent")
        )
    )
    assert retried[0].attempts == 2
    failed = wait_until(
        lambda: database.rows(
            select(Delivery).where(Delivery.email == gone_email, Delivery.status == "failed")
        )
    )
    assert failed[0].attempts == 1 and "550" in failed[0].last_error
    assert smtp_sink.to(gone_email) == []


def test_network_join_request_reaches_conveners_and_outcome_the_requester(notifications, smtp_sink):
    system, database, publisher = notifications
    association_id, _ = setup_event(publisher, association_language="nl")
    convener_id, convener_email = person(publisher, association_id, "nl", "Convener")
    requester_id, requester_email = person(publisher, association_id, "de", "Requester")
    network_id = new_id()
    publisher.publish(
        "network.created",
        {
            "network_id": network_id,
            "name": "Kajak",
            "names": {"nl": "Kajak", "de": "Kajak"},
            "association_ids": [association_id],
            "themes": [],
            "join_policy": "request",
            "visibility": "association",
            "activity": "active",
            "convener_person_ids": [convener_id],
            "changed": [],
        },
        association_id,
    )
    publisher.publish(
        "network.join_requested",
        {
            "network_id": network_id,
            "person_id": requester_id,
            "convener_person_ids": [convener_id],
            "name": "Kajak",
            "message": "Ik peddel elk weekend.",
        },
        association_id,
    )
    [request] = smtp_sink.wait_for(1, where=lambda m: convener_email in m["to"])
    assert request["message"]["Subject"] == "Requester wil lid worden van Kajak"
    assert "Bericht: Ik peddel elk weekend." in request["message"].get_body(("plain",)).get_content()
    publisher.publish(
        "network.join_decided",
        {
            "network_id": network_id,
            "person_id": requester_id,
            "decision": "approved",
            "reason": None,
            "name": "Kajak",
        },
        association_id,
    )
    [outcome] = smtp_sink.wait_for(1, where=lambda m: requester_email in m["to"])
    assert outcome["message"]["Subject"] == "Willkommen bei Kajak"


def test_idea_status_and_initiative_reach_the_submitter(notifications, smtp_sink):
    system, database, publisher = notifications
    association_id, _ = setup_event(publisher, association_language="sv")
    submitter_id, email = person(publisher, association_id, "sv", "Sven")
    idea_id, panel_id = new_id(), new_id()
    state = {
        "idea_id": idea_id,
        "panel_id": panel_id,
        "association_id": association_id,
        "title": "Solceller på taken",
        "status": "submitted",
        "sub_theme": "energy",
        "submitter_person_id": submitter_id,
        "submitter_organisation_id": None,
    }
    publisher.publish("idea.submitted", dict(state, recorded_by_person_id=None), association_id)
    publisher.publish(
        "idea.status_changed",
        dict(state, status="accepted", previous_status="under_review", reason="Passar årets tema."),
        association_id,
    )
    publisher.publish(
        "initiative.launched",
        {
            "initiative_id": new_id(),
            "panel_id": panel_id,
            "association_id": association_id,
            "title": "Gröna tak",
            "status": "launched",
            "idea_ids": [idea_id],
            "owner": {"kind": "association", "association_id": association_id, "name": "Kommunen"},
        },
        association_id,
    )
    mails = smtp_sink.wait_for(2, where=lambda m: email in m["to"])
    assert sorted(m["message"]["Subject"] for m in mails) == [
        'Din idé "Solceller på taken" är antagen',
        "Ett initiativ bygger på din idé: Gröna tak",
    ]


def test_malformed_event_is_dead_lettered_not_crashing(notifications, smtp_sink):
    system, database, publisher = notifications
    envelope = publisher.envelope(
        "registration.confirmed", registration_data(new_id(), new_id(), None, "guest@example.test", "en")
    )
    del envelope["data"]["registration_id"]
    publisher.send(envelope)
    queue = "nabo.notifications.on_calendar_activity.dead"
    count = wait_until(lambda: publisher.channel.queue_declare(queue, passive=True).method.message_count)
    assert count == 1


def test_reminder_uses_the_events_zone_and_join_link(notifications, smtp_sink):
    system, database, publisher = notifications
    association_id, event_id = setup_event(publisher, association_language="en")
    person_id, email = person(publisher, association_id, "en", "Early Bird")
    publisher.send(registration(publisher, association_id, event_id, person_id, email, "en"))
    smtp_sink.wait_for(1, where=lambda m: email in m["to"])
    publisher.publish(
        "event.reminder_due",
        {
            "event_id": event_id,
            "association_ids": [association_id],
            "offset_minutes": 60,
            "starts_at": now_iso(timedelta(hours=1)),
            "title": "Grøn omstilling",
            "time_zone": "Europe/Copenhagen",
            "join_url": "https://meet.test/groen",
        },
        association_id,
    )
    [reminder] = smtp_sink.wait_for(
        1, where=lambda m: email in m["to"] and m["message"]["Subject"].startswith("Reminder")
    )
    text = reminder["message"].get_body(("plain",)).get_content()
    assert "starts in 60 minutes" in text and "Join the meeting: https://meet.test/groen" in text
