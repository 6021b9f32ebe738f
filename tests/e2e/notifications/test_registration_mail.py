"""Registrations and the mail about them, through the gateway: a campaign
mail's tagged link attributes the registration it brings to the campaign all
the way to the programme report, and mail about a guest an organiser
registered goes to the guest."""
import re
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qsl, urlsplit

from tests.e2e.session_mail import SINK  # the session's SMTP server
from tests.integration.notifications.support import wait_until
from tests.support.api import Tenant, check, unique
from tests.support.covers import covers


def published_event(admin, title, start, **extra):
    event = check(admin.post("/v1/events", dict({
        "title": title, "format": "online", "languages": ["en"], "time_zone": "Europe/Amsterdam",
        "starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=1)).isoformat(),
        "join_url": "https://meet.example/room"}, **extra)), 201)
    return check(admin.post(f"/v1/events/{event['id']}/transitions", {"to": "published"}), 200)


def in_days(days):
    return (datetime.now(timezone.utc) + timedelta(days=days)).replace(microsecond=0)


def _text(message):
    return message.get_body(("plain",)).get_content()


@covers(
    "GET /v1/campaigns/{id}/audience",
    "GET /v1/programmes/{id}/report",
    "POST /v1/campaigns",
    "POST /v1/events/{id}/registrations",
    "POST /v1/persons",
    "POST /v1/programmes",
)
def test_a_campaign_mail_link_attributes_the_registration_in_the_programme_report(api, platform):
    tenant_a = Tenant(api, platform)  # of its own: its reader is in the audience preview's sample
    admin = tenant_a.admin
    programme = check(admin.post("/v1/programmes", {
        "title": unique("Spring meetings"), "period_start": in_days(-1).date().isoformat(),
        "period_end": in_days(60).date().isoformat(), "planned_events": 1, "budget_amount_minor": 1000_00,
        "currency": "EUR"}), 201)
    event = published_event(admin, unique("Spring meeting"), in_days(20), programme_id=programme["id"])
    reader_email = f"{unique('reader')}@example.test"
    reader = check(
        admin.post(
            "/v1/persons",
            {
                "name": "Campaign reader",
                "email": reader_email,
                "language": "en",
                "home_association_id": tenant_a.id,
            },
        ),
        201,
    )
    check(
        admin.post(
            f"/v1/persons/{reader['id']}/consents",
            {
                "association_id": tenant_a.id,
                "kind": "newsletter",
                "granted": True,
                "source": "form",
                "wording_version": "v1",
            },
        ),
        201,
    )
    campaign = check(
        admin.post(
            "/v1/campaigns",
            {
                "name": unique("Spring"),
                "sender_name": "Association",
                "segment": {"association_ids": [tenant_a.id]},
                "contents": {
                    "en": {
                        "subject": unique("Come to spring"),
                        "text": f"Sign up: https://events.example/e/{event['id']}",
                    }
                },
            },
        ),
        201,
    )
    assert wait_until(
        lambda: (
            reader["id"]
            in {
                s["person_id"]
                for s in check(
                    admin.get(f"/v1/campaigns/{campaign['id']}/audience", params={"limit": 200}), 200
                )["sample"]
            }
        ),
        timeout=30,
    )
    check(admin.post(f"/v1/campaigns/{campaign['id']}/send", {}), 202)
    [mail] = SINK.wait_for(
        1,
        timeout=30,
        where=lambda m: (
            reader_email in m["to"] and campaign["contents"]["en"]["subject"] == m["message"]["Subject"]
        ),
    )

    link = re.search(r"https://events\.example/e/\S+", _text(mail["message"])).group(0)
    event_id = urlsplit(link).path.rsplit("/", 1)[-1]
    query = dict(parse_qsl(urlsplit(link).query))
    registration = check(
        api.post(
            f"/v1/events/{event_id}/registrations",
            {"name": "Campaign reader", "email": reader_email},
            params=query,
        ),
        201,
    )
    assert (registration["source_channel"], registration["campaign_code"]) == ("email", campaign["code"])

    report = check(admin.get(f"/v1/programmes/{programme['id']}/report"), 200)
    assert report["events"][0]["source_channels"]["email"] == {"registrations": 1, "attendees": 0}
    assert report["source_channels"]["email"]["registrations"] == 1


@covers("POST /v1/events/{id}/registrations")
def test_mail_about_a_guest_an_organiser_registered_goes_to_the_guest_and_a_cancellation_is_told(tenant_a):
    admin = tenant_a.admin
    event = published_event(admin, unique("Recorded talk"), in_days(-2))
    path = f"/v1/events/{event['id']}/registrations"
    guest_email, other_email = f"{unique('ga')}@x.test", f"{unique('gb')}@x.test"
    guest = check(admin.post(path, {"name": "Guest A", "email": guest_email}), 201)
    other = check(admin.post(path, {"name": "Guest B", "email": other_email, "language": "da"}), 201)
    assert guest["person_id"] is None and other["person_id"] is None
    check(
        admin.post(f"/v1/events/{event['id']}/recording", {"recording_url": "https://video.example/talk"}),
        200,
    )
    [recording] = SINK.wait_for(
        1,
        timeout=30,
        where=lambda m: guest_email in m["to"] and "https://video.example/talk" in _text(m["message"]),
    )
    assert "Guest A" in _text(recording["message"])
    assert not [
        m for m in SINK.to(tenant_a.admin_email) if "https://video.example/talk" in _text(m["message"])
    ]

    check(admin.delete(f"/v1/registrations/{other['id']}"), 200)
    [told] = SINK.wait_for(
        1,
        timeout=30,
        where=lambda m: (
            other_email in m["to"] and m["message"]["Subject"].startswith("Tilmelding annulleret")
        ),
    )
    assert event["title"] in told["message"]["Subject"]


def test_each_registration_of_a_bulk_import_is_confirmed_by_mail(tenant_a):
    event = published_event(tenant_a.admin, unique("Bulk seminar"), in_days(25))
    emails = [f"{unique('bulk')}@x.test" for _ in range(3)]
    table = "name,email\n" + "".join(f"Guest {n},{email}\n" for n, email in enumerate(emails))
    check(tenant_a.admin.post(f"/v1/events/{event['id']}/registrations/import", {"csv": table}), 201)
    confirmations = SINK.wait_for(
        3,
        timeout=30,
        where=lambda m: set(m["to"]) & set(emails) and event["title"] in m["message"]["Subject"],
    )
    assert sorted(address for m in confirmations for address in m["to"]) == sorted(emails)


def _cancel_link(email, title):
    [mail] = SINK.wait_for(
        1, timeout=30, where=lambda m: email in m["to"] and title in m["message"]["Subject"]
    )
    link = re.search(r"https?://\S+/v1/cancel-registration\?token=\S+", _text(mail["message"])).group(0)
    assert link in mail["message"].get_body(("html",)).get_content()
    parts = urlsplit(link)
    return parts.path, dict(parse_qsl(parts.query))


@covers(
    "GET /v1/cancel-registration",
    "GET /v1/registrations/{id}",
    "POST /v1/cancel-registration",
    "POST /v1/events/{id}/registrations",
)
def test_a_guest_cancels_through_the_link_in_the_confirmation_and_the_waitlist_moves_up(api, tenant_a):
    title = unique("Tasting evening")
    event = published_event(tenant_a.admin, title, in_days(26), capacity=1)
    path = f"/v1/events/{event['id']}/registrations"
    guest_email, waiting_email = f"{unique('gc')}@x.test", f"{unique('gw')}@x.test"
    guest = check(api.post(path, {"name": "Guest C", "email": guest_email, "language": "da"}), 201)
    waiting = check(api.post(path, {"name": "Guest W", "email": waiting_email}), 201)
    assert waiting["status"] == "waitlisted"
    link_path, query = _cancel_link(guest_email, title)
    assert link_path == "/v1/cancel-registration"

    page = api.get(link_path, params=query)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "Ja, afmeld min tilmelding" in page.text and title in page.text
    assert check(tenant_a.admin.get(f"/v1/registrations/{guest['id']}"), 200)["status"] == "confirmed"

    cancelled = check(api.post(link_path, params=query), 200)
    assert (cancelled["registration_id"], cancelled["status"], cancelled["already_cancelled"]) == (
        guest["id"],
        "cancelled",
        False,
    )
    again = check(api.post(link_path, params=query), 200)
    assert (again["status"], again["already_cancelled"]) == ("cancelled", True)
    form = api.post(link_path, params=query, headers={"Accept": "text/html"})
    assert form.status_code == 200 and "allerede afmeldt" in form.text
    assert check(tenant_a.admin.get(f"/v1/registrations/{waiting['id']}"), 200)["status"] == "confirmed"
    # the waitlisted mail, then the promoted one: each with the link
    mails = SINK.wait_for(
        2, timeout=30, where=lambda m: waiting_email in m["to"] and title in m["message"]["Subject"]
    )
    assert len(mails) == 2 and all("/v1/cancel-registration?token=" in _text(m["message"]) for m in mails)


def test_a_cancel_link_that_is_not_ours_is_refused(api):
    forged = api.post(
        "/v1/cancel-registration", params={"token": "eyJhbGciOiJIUzI1NiJ9.e30.forgedforgedforged"}
    )
    assert forged.status_code == 400
