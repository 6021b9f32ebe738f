"""Campaign sending that survives a killed container, and signed webhooks."""
import hashlib
import hmac
import json
from collections import Counter

from sqlalchemy import select

from nabo_common.cli import load_service_class
from nabo_common.runtime.context import Caller
from services.notifications.domain import campaigns, dispatch, webhooks
from services.notifications.models import Campaign, Delivery, WebhookDelivery
from tests.integration.notifications.support import WebhookReceiver, new_id, restart, wait_until

RECIPIENTS = 300


def association(publisher, language="en"):
    association_id = new_id()
    publisher.publish("association.created", {
        "association_id": association_id, "name": "Ondernemers Twente", "slug": association_id[:8],
        "country": "NL", "default_language": language, "time_zone": "Europe/Amsterdam"})
    return association_id


def test_campaign_resumes_after_a_kill_without_second_copies(notifications, smtp_sink):
    system, database, publisher = notifications
    association_id = association(publisher)
    languages = ["nl", "de", "en"]
    for i in range(RECIPIENTS):
        person_id = new_id()
        publisher.publish(
            "person.created",
            {
                "person_id": person_id,
                "name": f"Reader {i}",
                "email": f"reader{i}-{person_id[:6]}@example.test",
                "language": languages[i % 3],
                "home_association_id": association_id,
                "roles": [],
            },
        )
        publisher.publish(
            "consent.changed",
            {
                "person_id": person_id,
                "association_id": association_id,
                "kind": "newsletter",
                "granted": True,
                "source": "form",
                "wording_version": "v1",
                "recorded_at": "2026-01-01T00:00:00+00:00",
            },
        )
    admin = Caller(person_id=new_id(), roles=("association_admin",), admin_of=(association_id,))
    with database.sessions() as session:
        campaign = campaigns.create(
            session,
            admin,
            {
                "name": "Nieuwsbrief",
                "sender_name": "Ondernemers Twente",
                "contents": {
                    "nl": {
                        "subject": "Nieuws",
                        "text": "Lees https://nabo.test/nieuws of https://twente.test/nieuws",
                    },
                    "en": {
                        "subject": "News",
                        "text": "Read https://nabo.test/nieuws or https://twente.test/nieuws",
                    },
                },
                "segment": {"association_ids": [association_id]},
            },
        )
        assert wait_until(
            lambda: campaigns.preview(session, admin, campaign["id"])["count"] == RECIPIENTS, timeout=60
        )
        session.commit()
        campaigns.schedule(session, admin, campaign["id"], {}, daily_cap=RECIPIENTS)

    smtp_sink.wait_for(RECIPIENTS // 3, timeout=60)
    system.kill("notifications")
    received_at_kill = len(smtp_sink.snapshot())
    assert received_at_kill < RECIPIENTS
    restart(system, "notifications", load_service_class("notifications"))

    def finished():
        rows = database.rows(select(Campaign).where(Campaign.id == campaign["id"]))
        return rows and rows[0].status == "sent"

    assert wait_until(finished, timeout=90)
    rows = database.rows(select(Delivery).where(Delivery.campaign_id == campaign["id"]))
    assert len(rows) == RECIPIENTS
    copies = Counter(m["to"][0] for m in smtp_sink.snapshot())
    assert max(copies.values()) == 1, "somebody received a second copy"
    sent = {r.email for r in rows if r.status == "sent"}
    interrupted = [r for r in rows if r.status == "failed"]
    # at most the one message that was on the wire when the container died; it is not sent again
    assert len(interrupted) <= 1 and all(r.last_error == dispatch.INTERRUPTED for r in interrupted)
    # the server may or may not have accepted that one before the kill: it arrived once or not at all
    assert sent <= set(copies) and set(copies) - sent <= {r.email for r in interrupted}
    assert len(sent) + len(interrupted) == RECIPIENTS
    dutch = next(m["message"] for m in smtp_sink.snapshot() if m["message"]["Subject"] == "Nieuws")
    assert (
        dutch["List-Unsubscribe"].startswith("<http")
        and dutch["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    )
    # on the wire: one angle-bracketed URL on one line, no encoded words, which one-click unsubscribe needs
    raw_unsubscribe = dict(dutch.raw_items())["List-Unsubscribe"]
    assert raw_unsubscribe.startswith("<http") and "=?" not in raw_unsubscribe and "\n" not in raw_unsubscribe
    dutch_text = dutch.get_body(("plain",)).get_content()
    assert f"https://nabo.test/nieuws?campaign_code={campaign['code']}" in dutch_text
    assert dutch_text.count("campaign_code=") == 1, "a link to someone else's site was tagged"
    german_readers = {r.email for r in rows if r.language == "de"}
    german_mail = [m for m in smtp_sink.snapshot() if m["to"][0] in german_readers]
    # no German content: the association's default language (English) is used
    assert german_mail and {m["message"]["Subject"] for m in german_mail} == {"News"}


def event_data(event_id, association_id, title):
    """An online event as the events service announces it."""
    return {
        "event_id": event_id,
        "association_ids": [association_id],
        "network_id": None,
        "programme_id": None,
        "title": title,
        "starts_at": "2026-05-01T16:00:00+00:00",
        "ends_at": "2026-05-01T18:00:00+00:00",
        "time_zone": "Europe/Amsterdam",
        "format": "online",
        "languages": ["nl", "en"],
        "themes": [],
        "venue": None,
        "join_url": "https://meet.test/x",
        "visibility": "association",
        "status": "published",
        "sequence": 0,
        "changes": [],
        "reason": None,
    }


def test_webhook_deliveries_are_signed_and_retried(notifications):
    system, database, publisher = notifications
    association_id = association(publisher)
    receiver = WebhookReceiver(failures=1)
    try:
        admin = Caller(person_id=new_id(), roles=("association_admin",), admin_of=(association_id,))
        from services.notifications import config as config_mod

        with database.sessions() as session:
            hook = webhooks.create(
                session,
                admin,
                config_mod.load(),
                {"url": receiver.url, "secret": "receiver-shared-secret", "event_types": ["event.published"]},
            )
        event_id = new_id()
        envelope = publisher.publish(
            "event.published", event_data(event_id, association_id, "Netwerkavond"), association_id
        )
        other_association = new_id()
        publisher.publish(
            "event.published", event_data(new_id(), other_association, "Someone else's"), other_association
        )
        delivered = wait_until(
            lambda: database.rows(
                select(WebhookDelivery).where(
                    WebhookDelivery.webhook_id == hook["id"], WebhookDelivery.status == "sent"
                )
            ),
            timeout=30,
        )
        assert delivered[0].attempts == 2 and delivered[0].response_status == 204
        assert len(receiver.requests) == 2
        headers, body = receiver.requests[-1]
        expected = hmac.new(
            b"receiver-shared-secret", headers["X-Nabo-Timestamp"].encode() + b"." + body, hashlib.sha256
        ).hexdigest()
        assert headers["X-Nabo-Signature"] == f"v1={expected}"
        assert headers["X-Nabo-Delivery"] == receiver.requests[0][0]["X-Nabo-Delivery"]
        payload = json.loads(body)
        assert payload["id"] == envelope["id"] and payload["data"] == envelope["data"]
    finally:
        receiver.stop()
