"""Transactional mail caused by the real publishers, through the gateway: an
event published and registered for by a member, and a request to join a
network reaching its convener. The events are the services' own, not test
payloads, so a reaction reading another shape than the publisher sends fails here."""
import time
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from babel.dates import format_date

from tests.e2e.session_mail import SINK
from tests.integration.notifications.support import wait_until
from tests.support.api import check, unique
from tests.support.covers import covers
from tests.support.icalendars import parse_everywhere


def _person(tenant, language, name, organisation_id=None):
    """A signed-in person of ``tenant``, once the notifications service knows them (their person.created
    travels on another queue than the events that mail them)."""
    email = f"{unique('p')}@example.test"
    body = {"name": name, "email": email, "language": language, "password": "person-password-1"}
    if organisation_id:
        body["organisations"] = [{"organisation_id": organisation_id, "role": "contact"}]
    person = check(tenant.admin.post("/v1/persons", body), 201)
    assert wait_until(
        lambda: tenant.admin.get(f"/v1/persons/{person['id']}/preferences").status_code == 200, timeout=20
    )
    return person, email, tenant.admin.as_(tenant.admin.sign_in(email, "person-password-1"))


def _text(message):
    return message.get_body(("plain",)).get_content()


@covers("POST /v1/events", "POST /v1/events/{id}/registrations")
def test_member_registration_confirmed_once_with_calendar_in_the_members_language(tenant_a):
    # a German-speaking contact in a Dutch association
    person, email, member = _person(tenant_a, "de", "Dieter Grenz", tenant_a.organisation["id"])
    start = (datetime.now(timezone.utc) + timedelta(days=12)).replace(
        hour=13, minute=0, second=0, microsecond=0
    )
    title = unique("Grenzüberschreitender Handel")
    event = check(
        tenant_a.admin.post(
            "/v1/events",
            {
                "title": title,
                "format": "hybrid",
                "languages": ["nl", "de"],
                "time_zone": "Europe/Amsterdam",
                "starts_at": start.isoformat(),
                "ends_at": (start + timedelta(hours=2)).isoformat(),
                "venue": {"address": "Stationsplein 1, Enschede"},
                "join_url": "https://meet.example/grens",
                "join_url_visibility": "registrants",
            },
        ),
        201,
    )
    check(tenant_a.admin.post(f"/v1/events/{event['id']}/transitions", {"to": "published"}), 200)

    # the form leaves the language out (it defaults to English): the person's own language counts
    registration = check(
        member.post(f"/v1/events/{event['id']}/registrations", {"name": "Dieter Grenz", "email": email}), 201
    )
    assert registration["status"] == "confirmed" and registration["person_id"] == person["id"]

    [mail] = SINK.wait_for(1, timeout=30, where=lambda m: email in m["to"])
    time.sleep(1.5)  # a second copy would show up by now
    assert len(SINK.to(email)) == 1
    message = mail["message"]
    assert message["Subject"] == f"Sie sind angemeldet: {title}"
    text = _text(message)
    local = start.astimezone(ZoneInfo("Europe/Amsterdam"))  # in German, in the event's zone
    assert f"Wann: {format_date(local, 'full', locale='de')}, {local:%H:%M}" in text
    assert "Wo: Stationsplein 1, Enschede" in text and "https://meet.example/grens" in text
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "text/calendar"
    calendar = attachment.get_content()
    assert "BEGIN:VEVENT" in calendar and title in calendar.replace("\r\n ", "")


def _calendar_of(mail):
    [attachment] = list(mail["message"].iter_attachments())
    assert attachment.get_content_type() == "text/calendar"
    calendar = parse_everywhere(attachment.get_content())
    [vevent] = calendar.walk("VEVENT")
    return calendar, vevent


@covers("POST /v1/events")
def test_change_and_cancellation_notices_carry_the_calendar_that_replaces_the_confirmations(tenant_a):
    person, email, member = _person(tenant_a, "en", "Cal Endar", tenant_a.organisation["id"])
    start = (datetime.now(timezone.utc) + timedelta(days=15)).replace(
        hour=9, minute=0, second=0, microsecond=0
    )
    event = check(
        tenant_a.admin.post(
            "/v1/events",
            {
                "title": unique("Imported meeting"),
                "format": "online",
                "languages": ["en"],
                "time_zone": "Europe/Berlin",
                "starts_at": start.isoformat(),
                "ends_at": (start + timedelta(hours=1)).isoformat(),
                "join_url": "https://meet.example/imported",
            },
        ),
        201,
    )
    check(tenant_a.admin.post(f"/v1/events/{event['id']}/transitions", {"to": "published"}), 200)
    check(member.post(f"/v1/events/{event['id']}/registrations", {"name": "Cal Endar", "email": email}), 201)
    [confirmation] = SINK.wait_for(1, timeout=30, where=lambda m: email in m["to"])
    _, imported = _calendar_of(confirmation)

    moved = start + timedelta(days=1, hours=2)
    check(
        tenant_a.admin.patch(
            f"/v1/events/{event['id']}",
            {"starts_at": moved.isoformat(), "ends_at": (moved + timedelta(hours=1)).isoformat()},
        ),
        200,
    )
    change = SINK.wait_for(2, timeout=30, where=lambda m: email in m["to"])[1]
    calendar, updated = _calendar_of(change)
    assert str(calendar["METHOD"]) == str(_calendar_of(confirmation)[0]["METHOD"]) == "PUBLISH"
    assert str(updated["UID"]) == str(imported["UID"]) and int(updated["SEQUENCE"]) > int(
        imported["SEQUENCE"]
    )
    assert updated.decoded("DTSTART") == moved and "meet.example/imported" in str(updated["URL"])

    check(
        tenant_a.admin.post(f"/v1/events/{event['id']}/transitions", {"to": "cancelled", "reason": "Storm"}),
        200,
    )
    cancellation = SINK.wait_for(3, timeout=30, where=lambda m: email in m["to"])[2]
    calendar, cancelled = _calendar_of(cancellation)
    assert str(calendar["METHOD"]) == "CANCEL" and str(cancelled["STATUS"]) == "CANCELLED"
    assert next(cancellation["message"].iter_attachments()).get_param("method") == "CANCEL"
    assert str(cancelled["UID"]) == str(imported["UID"]) and int(cancelled["SEQUENCE"]) > int(
        updated["SEQUENCE"]
    )


@covers("POST /v1/networks", "POST /v1/networks/{id}/members")
def test_join_request_reaches_the_convener_and_the_decision_the_requester(tenant_a, tenant_b):
    convener, convener_email, convener_api = _person(tenant_a, "nl", "Carla Coördinator")
    requester, requester_email, requester_api = _person(tenant_b, "de", "Rainer Anfrage")
    name = unique("Kajakclub Vecht")
    network = check(
        convener_api.post(
            "/v1/networks",
            {
                "name": {"nl": name},
                "association_ids": [tenant_a.id],
                "join_policy": "request",
                "visibility": "all_associations",
            },
        ),
        201,
    )
    asked = check(
        requester_api.post(
            f"/v1/networks/{network['id']}/members", {"message": "Ich paddle jedes Wochenende."}
        ),
        201,
    )
    assert asked["status"] == "requested"

    [request] = SINK.wait_for(1, timeout=30, where=lambda m: convener_email in m["to"])
    assert request["message"]["Subject"] == f"Rainer Anfrage wil lid worden van {name}"
    assert "Bericht: Ich paddle jedes Wochenende." in _text(request["message"])

    decision = f"/v1/networks/{network['id']}/join-requests/{requester['id']}/decision"
    check(convener_api.post(decision, {"decision": "approved"}), 200)
    [welcome] = SINK.wait_for(1, timeout=30, where=lambda m: requester_email in m["to"])
    assert welcome["message"]["Subject"] == f"Willkommen bei {name}"
    time.sleep(1.0)
    assert len(SINK.to(convener_email)) == 1 and len(SINK.to(requester_email)) == 1
