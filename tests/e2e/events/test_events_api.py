"""Events through the gateway: the 7-meeting programme and its report, guests,
the registration race, attendance import, calendars, scoping and bad input."""
import csv
import io
import uuid
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import eventlet
import pytest
from icalendar import Calendar

from tests.integration.ideas.waiting import assert_equal, eventually
from tests.support.api import check, unique
from tests.support.charts import bars, chart, values
from tests.support.covers import covers

NETWORK = str(uuid.uuid4())
ZONE = ZoneInfo("Europe/Copenhagen")
MEETINGS = [  # theme, attendance, format
    ("e-commerce", 9), ("a municipal jobs model", 2), ("financing", 7), ("tourism", 7),
    ("skills development", 7), ("digital transformation", 6), ("HR and the difficult conversation", 3),
]


def when(days=0, hours=0):
    return (datetime.now(timezone.utc) + timedelta(days=days, hours=hours)).replace(microsecond=0)


def event_body(title, start, **extra):
    return dict(
        {
            "title": title,
            "format": "online",
            "languages": ["da"],
            "time_zone": "Europe/Copenhagen",
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=1, minutes=30)).isoformat(),
            "join_url": "https://meet.example/room",
        },
        **extra,
    )


def participants(names, *extra_rows):
    rows = ["Name (Original Name),User Email,Join Time,Duration (Minutes)"]
    rows += [f"{name},{name.lower().replace(' ', '.')}@example.dk,,45" for name in names]
    rows += list(extra_rows)
    return "\n".join(rows) + "\n"


def published_event(admin, title, start, **extra):
    event = check(admin.post("/v1/events", event_body(title, start, **extra)), 201)
    return check(admin.post(f"/v1/events/{event['id']}/transitions", {"to": "published"}), 200)


def register(client, event_id, n, **extra):
    return client.post(
        f"/v1/events/{event_id}/registrations",
        dict({"name": f"Person {n}", "email": f"p{n}-{uuid.uuid4().hex[:6]}@example.dk"}, **extra),
    )


@covers(
    "GET /v1/events/{id}/attendance",
    "GET /v1/programmes/{id}/report",
    "POST /v1/events/{id}/attendance",
    "POST /v1/events/{id}/attendance/import",
    "POST /v1/events/{id}/feedback",
    "POST /v1/events/{id}/recording",
    "POST /v1/events/{id}/registrations",
    "POST /v1/events/{id}/transitions",
    "POST /v1/programmes",
    "POST /v1/programmes/{id}/costs",
)
def test_seven_meeting_programme_report(tenant_a):
    admin = tenant_a.admin
    programme = check(
        admin.post(
            "/v1/programmes",
            {
                "title": "Virtual network meetings",
                "goal": "Keep the business networks alive online",
                "period_start": when(days=-90).date().isoformat(),
                "period_end": when(days=-1).date().isoformat(),
                "planned_events": 7,
                "budget_amount_minor": 75_000_00,
                "currency": "DKK",
                "partner_organisation_ids": [tenant_a.organisation["id"]],
            },
        ),
        201,
    )
    pid = programme["id"]
    for day, text, amount in (
        (-80, "Facilitation, 7 meetings", 35_000_00),
        (-75, "LinkedIn and Facebook ads", 15_000_00),
        (-70, "Video platform and technical support", 12_000_00),
        (-5, "Editing and publishing recordings", 8_000_00),
    ):
        check(
            admin.post(
                f"/v1/programmes/{pid}/costs",
                {"date": when(days=day).date().isoformat(), "description": text, "amount_minor": amount},
            ),
            201,
        )

    host = [{"role": "host_company", "organisation_id": tenant_a.organisation["id"]}]
    ids = []
    for index, (theme, _count) in enumerate(MEETINGS):
        event = published_event(
            admin,
            f"Network meeting: {theme}",
            when(days=-70 + 10 * index),
            themes=[theme],
            programme_id=pid,
            network_id=NETWORK,
            people=host if index in (3, 4) else [],
        )
        ids.append(event["id"])

    def organiser_registers(event_id, name, channel):
        return check(
            admin.post(
                f"/v1/events/{event_id}/registrations",
                {
                    "person_id": None,
                    "name": name,
                    "email": f"{name.lower().replace(' ', '.')}@example.dk",
                    "source_channel": channel,
                },
            ),
            201,
        )

    def import_csv(event_id, text):
        return check(
            admin.post(
                f"/v1/events/{event_id}/attendance/import",
                data=text.encode(),
                headers={"Content-Type": "text/csv"},
            ),
            200,
        )

    # 1 e-commerce: one registration (newsletter) who joined online, 6 more online, 2 counted anonymously = 9
    organiser_registers(ids[0], "Rikke Dahl", "newsletter")
    result = import_csv(
        ids[0],
        participants(["Rikke Dahl", "Ole Berg", "Lis Krog", "Jens Lund", "Mia Falk", "Ib Bech", "Tove Moe"]),
    )
    assert (result["matched_registrations"], result["added_walk_ins"]) == (1, 6)
    check(admin.post(f"/v1/events/{ids[0]}/attendance", {"anonymous_count": 2}), 201)
    # 2 municipal jobs model: two registered (LinkedIn, Facebook), one came, one walk-in = 2
    came = organiser_registers(ids[1], "Per Holm", "linkedin")
    organiser_registers(ids[1], "Sara Vang", "facebook")
    check(admin.post(f"/v1/events/{ids[1]}/attendance", {"registration_id": came["id"]}), 201)
    check(
        admin.post(f"/v1/events/{ids[1]}/attendance", {"name": "Kim Toft", "source_channel": "network"}), 201
    )
    # 3 financing: 7 joined the link directly
    import_csv(ids[2], participants([f"Finance {n}" for n in range(7)]))
    # 4 tourism (host company): one by direct mail, checked in, 6 walk-ins = 7
    mailed = organiser_registers(ids[3], "Anne Skov", "direct_mail")
    check(admin.post(f"/v1/events/{ids[3]}/attendance", {"registration_id": mailed["id"]}), 201)
    import_csv(ids[3], participants([f"Tourism {n}" for n in range(6)]))
    # 5 skills (host company): 7 online, one re-joined (counted once)
    result = import_csv(
        ids[4], participants([f"Skills {n}" for n in range(7)], "Skills 0,skills.0@example.dk,,10")
    )
    assert result["duplicates"] == 1
    # 6 digital transformation: one registered from the website who did not come, 6 online
    organiser_registers(ids[5], "Lone Juhl", "website")
    import_csv(ids[5], participants([f"Digital {n}" for n in range(6)]))
    # 7 HR: 3 counted
    check(admin.post(f"/v1/events/{ids[6]}/attendance", {"anonymous_count": 3}), 201)

    attendees = check(admin.get(f"/v1/events/{ids[0]}/attendance"), 200)["items"]
    rated = [a for a in attendees if a["kind"] == "online"][:2]
    for attendee, rating in zip(rated, (5, 4)):
        check(
            admin.post(
                f"/v1/events/{ids[0]}/feedback",
                {"attendance_id": attendee["id"], "rating": rating, "comment": "Good to meet peers"},
            ),
            201,
        )
    for event_id in ids:
        check(
            admin.post(
                f"/v1/events/{event_id}/recording", {"recording_url": f"https://video.example.dk/{event_id}"}
            ),
            200,
        )
        check(admin.post(f"/v1/events/{event_id}/transitions", {"to": "completed"}), 200)

    report = check(admin.get(f"/v1/programmes/{pid}/report"), 200)
    lines = report["events"]
    assert [line["themes"] for line in lines] == [[theme] for theme, _ in MEETINGS]
    assert [line["attendees"] for line in lines] == [9, 2, 7, 7, 7, 6, 3]
    assert [line["registrations"] for line in lines] == [1, 2, 0, 1, 0, 1, 0]
    assert [line["registered_attendees"] for line in lines] == [1, 1, 0, 1, 0, 0, 0]
    assert [line["no_shows"] for line in lines] == [0, 1, 0, 0, 0, 1, 0]
    assert all(line["recording_published"] and line["format"] == "online" for line in lines)
    assert lines[0]["feedback_average"] == 4.5 and lines[0]["source_channels"]["newsletter"] == {
        "registrations": 1,
        "attendees": 1,
    }
    assert lines[0]["date"] == when(days=-70).astimezone(ZONE).date().isoformat()
    totals = report["totals"]
    assert (totals["events"], totals["planned_events"], totals["attendees"], totals["registrations"]) == (
        7,
        7,
        41,
        5,
    )
    assert (totals["registered_attendees"], totals["walk_ins"], totals["no_shows"]) == (3, 38, 2)
    assert totals["average_attendance"] == 5.9 and totals["recordings_published"] == 7
    assert report["budget"] == {
        "currency": "DKK",
        "granted_minor": 75_000_00,
        "used_minor": 70_000_00,
        "remaining_minor": 5_000_00,
    }
    assert report["source_channels"]["linkedin"] == {"registrations": 1, "attendees": 1}
    assert report["source_channels"]["facebook"] == {"registrations": 1, "attendees": 0}
    assert report["networks"][NETWORK]["attendees"] == 41
    assert report["host_company"]["with_host_company"]["average_attendance"] == 7.0
    assert report["host_company"]["without_host_company"]["average_attendance"] == 5.4

    english = {"Accept-Language": "en"}
    response = admin.get(f"/v1/programmes/{pid}/report", params={"format": "csv"}, headers=english)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.text)))
    header, body = rows[0], rows[1:8]
    assert [row[header.index("Attendees")] for row in body] == ["9", "2", "7", "7", "7", "6", "3"]
    assert [row[header.index("Themes")] for row in body] == [theme for theme, _ in MEETINGS]
    total = rows[8]
    assert total[0] == "Total" and total[header.index("Attendees")] == "41"
    assert rows[9][header.index("Attendees")] == "5.9"
    assert rows[-2:] == [["Currency", "Granted", "Used", "Remaining"],
                         ["DKK", "DKK75,000.00", "DKK70,000.00", "DKK5,000.00"]]
    as_csv = admin.get(f"/v1/programmes/{pid}/report", headers={"Accept": "text/csv", **english})
    assert as_csv.text == response.text
    danish = admin.get(f"/v1/programmes/{pid}/report", params={"format": "csv"},
                       headers={"Accept-Language": "da"})
    rows = list(csv.reader(io.StringIO(danish.text)))
    assert rows[0][rows[0].index("Deltagere")] == "Deltagere" and rows[9][7] == "5,9"
    assert rows[-1] == ["DKK", "75.000,00\xa0kr.", "70.000,00\xa0kr.", "5.000,00\xa0kr."]

    # the same report as a printable page, in Danish, with its charts drawn from the same figures
    page = admin.get(
        f"/v1/programmes/{pid}/report", headers={"Accept": "text/html,*/*;q=0.8", "Accept-Language": "da"}
    )
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert page.headers["content-disposition"].startswith("inline")
    assert "Accept-Language" in page.headers["vary"]
    attendance_chart = chart(page.text, "attendance")
    assert len(bars(attendance_chart)) == 7
    assert values(attendance_chart) == ["9", "2", "7", "7", "7", "6", "3"]
    assert len(bars(chart(page.text, "turnout"))) == 3 * 7
    assert values(chart(page.text, "budget")) == ["75.000,00\xa0kr.", "70.000,00\xa0kr.", "5.000,00\xa0kr."]
    assert {"LinkedIn", "Facebook", "Nyhedsbrev", "Direkte mail"} <= set(
        t.text for t in chart(page.text, "channels").iter() if t.text
    )
    assert tenant_a.association["name"] in page.text and "Fremmøde pr. møde" in page.text
    assert admin.get(f"/v1/programmes/{pid}/report", params={"format": "html"}).text.count("<svg") == 4
    assert check(admin.get(f"/v1/programmes/{pid}/report", params={"format": "pdf"}), 422)

    summary = admin.get(
        f"/v1/events/{ids[0]}/attendance", params={"format": "html"}, headers={"Accept-Language": "nl"}
    )
    assert summary.status_code == 200 and "Evenementoverzicht" in summary.text
    # registrations, attendees, the registered among them and the walk-ins
    assert values(chart(summary.text, "turnout")) == ["1", "9", "1", "8"]
    assert values(chart(summary.text, "feedback")) == ["1", "1"]  # one 4, one 5
    assert check(admin.get(f"/v1/events/{ids[0]}/attendance"), 200)["attendees"] == 9


@covers("GET /v1/events", "POST /v1/events/{id}/registrations")
def test_guest_registers_without_an_account_from_a_campaign_link(api, tenant_a):
    event = published_event(
        tenant_a.admin,
        unique("Open meeting"),
        when(days=14),
        themes=["export"],
        join_url_visibility="registrants",
    )
    listed = check(api.get("/v1/events", params={"when": "upcoming", "theme": "export"}), 200)
    mine = next(e for e in listed["items"] if e["id"] == event["id"])
    assert mine["join_url"] is None and mine["join_url_hidden"] is True
    registration = check(
        api.post(
            f"/v1/events/{event['id']}/registrations?channel=linkedin&campaign=spring-24",
            {"name": "Gæst Hansen", "email": "gaest@example.dk", "language": "da"},
        ),
        201,
    )
    assert (registration["source_channel"], registration["campaign_code"]) == ("linkedin", "spring-24")
    assert registration["person_id"] is None and registration["join_url"] == "https://meet.example/room"
    again = api.post(f"/v1/events/{event['id']}/registrations", {"name": "Gæst", "email": "GAEST@example.dk"})
    assert again.status_code == 409 and again.headers["content-type"] == "application/problem+json"
    assert "already" in again.json()["detail"]
    assert api.get(f"/v1/registrations/{registration['id']}").status_code == 401


@covers("GET /v1/events/{id}")
def test_fifty_guests_race_for_the_last_ten_seats_through_the_gateway(api, tenant_a):
    event = published_event(
        tenant_a.admin,
        unique("Small room"),
        when(days=10),
        capacity=12,
        format="in_person",
        venue={"address": "Torvet 1, 6400 Sønderborg"},
    )
    for n in range(2):
        check(register(api, event["id"], f"early{n}"), 201)
    pool = eventlet.GreenPool(50)
    responses = list(pool.imap(lambda n: register(api, event["id"], n), range(50)))
    assert [r.status_code for r in responses] == [201] * 50
    statuses = [r.json()["status"] for r in responses]
    assert (statuses.count("confirmed"), statuses.count("waitlisted")) == (10, 40)
    seats = check(api.get(f"/v1/events/{event['id']}"), 200)["seats"]
    assert seats == {"capacity": 12, "confirmed": 12, "waitlisted": 40, "available": 0}


@covers("DELETE /v1/registrations/{id}", "GET /v1/registrations/{id}")
def test_organiser_cancellation_promotes_the_first_waitlisted(tenant_a, api):
    event = published_event(tenant_a.admin, unique("One seat"), when(days=9), capacity=1)
    first = check(register(api, event["id"], "a"), 201)
    second = check(register(api, event["id"], "b"), 201)
    assert second["status"] == "waitlisted"
    check(tenant_a.admin.delete(f"/v1/registrations/{first['id']}"), 200)
    assert check(tenant_a.admin.get(f"/v1/registrations/{second['id']}"), 200)["status"] == "confirmed"


@covers(
    "DELETE /v1/persons/{id}",
    "GET /v1/events/{id}/registrations",
    "POST /v1/events/{id}/registrations",
    "POST /v1/persons",
)
def test_erasing_a_person_gives_their_future_seats_to_the_waitlist(tenant_a, api):
    email = f"{unique('leaving')}@example.dk"
    person = check(
        tenant_a.admin.post("/v1/persons", {"name": "Leaving member", "email": email, "language": "nl"}), 201
    )
    upcoming = published_event(tenant_a.admin, unique("One seat"), when(days=9), capacity=1)
    held = check(
        tenant_a.admin.post(
            f"/v1/events/{upcoming['id']}/registrations",
            {"person_id": person["id"], "name": "Leaving member", "email": email},
        ),
        201,
    )
    waiting = check(register(api, upcoming["id"], "w"), 201)
    assert (held["status"], waiting["status"]) == ("confirmed", "waitlisted")
    check(tenant_a.admin.delete(f"/v1/persons/{person['id']}"), 202)

    def seats():
        rows = check(tenant_a.admin.get(f"/v1/events/{upcoming['id']}/registrations"), 200)["items"]
        return {r["id"]: (r["status"], r["person_id"], r["email"]) for r in rows}

    eventually(
        lambda: assert_equal(
            seats(),
            {held["id"]: ("cancelled", None, None), waiting["id"]: ("confirmed", None, waiting["email"])},
        ),
        timeout=20,
    )


@covers("GET /v1/events/{id}", "GET /v1/persons/{id}/export", "POST /v1/events/{id}/registrations")
def test_member_registers_themself_and_sees_the_join_link(tenant_a):
    event = published_event(
        tenant_a.admin,
        unique("Members meeting"),
        when(days=5),
        visibility="members",
        join_url_visibility="registrants",
    )
    assert check(tenant_a.member.get(f"/v1/events/{event['id']}"), 200)["join_url"] is None
    mine = check(
        tenant_a.member.post(
            f"/v1/events/{event['id']}/registrations",
            {"name": "Member person", "email": tenant_a.member_email},
        ),
        201,
    )
    assert mine["person_id"] == tenant_a.member_person["id"]
    assert (
        check(tenant_a.member.get(f"/v1/events/{event['id']}"), 200)["join_url"]
        == "https://meet.example/room"
    )
    exported = check(tenant_a.member.get(f"/v1/persons/{tenant_a.member_person['id']}/export"), 200)
    assert [r["id"] for r in exported["services"]["events"]["registrations"]] == [mine["id"]]


def open_network(admin, association_id):
    return check(
        admin.post("/v1/networks", {"name": {"en": unique("Builders")}, "association_ids": [association_id]}),
        201,
    )["id"]


@covers(
    "GET /v1/associations/{id}/calendar.ics",
    "GET /v1/events/{id}/calendar.ics",
    "GET /v1/networks/{id}/calendar.ics",
    "POST /v1/events/{id}/transitions",
)
def test_calendars_are_text_calendar_and_reflect_cancellation(api, tenant_a):
    network = open_network(tenant_a.admin, tenant_a.id)
    event = published_event(
        tenant_a.admin,
        unique("Hybrid evening"),
        when(days=21),
        format="hybrid",
        network_id=network,
        venue={"address": "Havnegade 5, Aabenraa"},
    )
    one = api.get(f"/v1/events/{event['id']}/calendar.ics")
    assert one.status_code == 200 and one.headers["content-type"].startswith("text/calendar")
    assert "meet.example" not in one.text  # the link is for registrants only
    check(
        tenant_a.admin.post(f"/v1/events/{event['id']}/transitions", {"to": "cancelled", "reason": "Storm"}),
        200,
    )
    for path in (f"/v1/associations/{tenant_a.id}/calendar.ics", f"/v1/networks/{network}/calendar.ics"):
        feed = api.get(path)
        assert feed.headers["content-type"].startswith("text/calendar")
        entries = {str(e["UID"]): e for e in Calendar.from_ical(feed.text).walk("VEVENT")}
        cancelled = entries[f"{event['id']}@nabo.events"]
        assert str(cancelled["STATUS"]) == "CANCELLED" and int(cancelled["SEQUENCE"]) == 1
        assert "BEGIN:VTIMEZONE" in feed.text


@covers("GET /v1/events/{id}/attendance")
def test_bad_csv_rows_give_422_with_line_numbers(tenant_a):
    event = published_event(tenant_a.admin, unique("Import"), when(days=-1, hours=-2))
    r = tenant_a.admin.post(
        f"/v1/events/{event['id']}/attendance/import",
        json={"csv": "name,email,joined_at\nA,a@example.dk,\nB,b@example.dk,soon\n"},
    )
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    assert list(r.json()["errors"]["csv"]) == ["line 3"]
    assert check(tenant_a.admin.get(f"/v1/events/{event['id']}/attendance"), 200)["attendees"] == 0
    assert (
        tenant_a.admin.post(
            f"/v1/events/{event['id']}/attendance/import",
            data=b"{",
            headers={"Content-Type": "application/json"},
        ).status_code
        == 400
    )


@covers("GET /v1/events", "GET /v1/programmes", "POST /v1/events", "POST /v1/programmes")
def test_other_associations_see_nothing_private(tenant_a, tenant_b, api):
    draft = check(tenant_a.admin.post("/v1/events", event_body(unique("Draft"), when(days=30))), 201)
    private = published_event(tenant_a.admin, unique("Members only"), when(days=30), visibility="members")
    programme = check(
        tenant_a.admin.post(
            "/v1/programmes",
            {
                "title": unique("Programme"),
                "period_start": "2025-01-01",
                "period_end": "2025-12-31",
                "budget_amount_minor": 1000,
                "currency": "EUR",
            },
        ),
        201,
    )
    for client in (tenant_b.admin, tenant_b.member, api):
        for path in (
            f"/v1/events/{draft['id']}",
            f"/v1/events/{private['id']}",
            f"/v1/events/{private['id']}/calendar.ics",
        ):
            assert client.get(path).status_code == 404, path
        listed = check(client.get("/v1/events", params={"association_id": tenant_a.id, "limit": 200}), 200)
        assert not {draft["id"], private["id"]} & {e["id"] for e in listed["items"]}
    assert tenant_b.admin.get(f"/v1/programmes/{programme['id']}").status_code == 404
    assert tenant_b.admin.get(f"/v1/programmes/{programme['id']}/report").status_code == 404
    assert tenant_b.admin.patch(f"/v1/events/{private['id']}", {"title": "x"}).status_code == 404
    assert programme["id"] not in {p["id"] for p in check(tenant_b.admin.get("/v1/programmes"), 200)["items"]}


@pytest.mark.parametrize(
    "body, field",
    [
        ({"status": "published"}, "status"),
        ({"sequence": 7}, "sequence"),
        ({"time_zone": "Europe/Atlantis"}, "time_zone"),
        ({"capacity": 0}, "capacity"),
        ({"reminder_offsets": [-5]}, "reminder_offsets"),
        ({"format": "carrier-pigeon"}, "format"),
        ({"registration_closes_at": when(days=40).isoformat()}, "registration_closes_at"),
        ({"registration_opens_at": when(days=30).isoformat()}, "registration_opens_at"),
    ],
)
def test_bad_event_input_is_422_and_changes_nothing(tenant_a, body, field):
    r = tenant_a.admin.post("/v1/events", dict(event_body("Bad", when(days=3)), **body))
    assert r.status_code == 422 and field in r.json()["errors"]


def test_an_event_cannot_move_before_its_registration_window(tenant_a):
    event = check(tenant_a.admin.post("/v1/events", event_body(
        unique("Window"), when(days=10), registration_opens_at=when(days=1).isoformat(),
        registration_closes_at=when(days=5).isoformat())), 201)
    moved = event_body(event["title"], when(days=2))
    r = tenant_a.admin.patch(f"/v1/events/{event['id']}", {k: moved[k] for k in ("starts_at", "ends_at")})
    assert r.status_code == 422 and list(r.json()["errors"]) == ["registration_closes_at"]
    assert check(tenant_a.admin.get(f"/v1/events/{event['id']}"), 200)["starts_at"] == event["starts_at"]


def test_bad_query_and_money_input(tenant_a, api):
    assert api.get("/v1/events", params={"when": "someday"}).status_code == 422
    assert api.get("/v1/events", params={"from": "yesterday"}).status_code == 422
    r = tenant_a.admin.post(
        "/v1/programmes",
        {
            "title": "x",
            "period_start": "2025-02-01",
            "period_end": "2025-01-01",
            "budget_amount_minor": 10.5,
            "currency": "kroner",
        },
    )
    assert r.status_code == 422 and {"budget_amount_minor", "currency"} <= set(r.json()["errors"])


def test_unknown_programme_is_422_not_500(tenant_a):
    from tests.support.api import unique as _unique

    body = {
        "title": _unique("Netværksmøde"),
        "languages": ["da"],
        "format": "online",
        "starts_at": "2030-03-20T16:00:00+01:00",
        "ends_at": "2030-03-20T17:30:00+01:00",
        "time_zone": "Europe/Copenhagen",
        "programme_id": "3f0c2a4e-8d1b-4c7a-9e55-2b6f0d9a1c33",
    }
    r = tenant_a.admin.post("/v1/events", body)
    assert r.status_code == 422, r.text
    assert "programme_id" in r.json()["errors"]


@pytest.mark.parametrize("event_format", ["in_person", "hybrid"])
@covers("PATCH /v1/events/{id}", "POST /v1/events")
def test_an_event_held_somewhere_needs_a_venue(tenant_a, event_format):
    r = tenant_a.admin.post("/v1/events", event_body(unique("Nowhere"), when(days=12), format=event_format))
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    assert "venue" in r.json()["errors"]
    online = check(tenant_a.admin.post("/v1/events", event_body(unique("Online first"), when(days=12))), 201)
    r = tenant_a.admin.patch(f"/v1/events/{online['id']}", {"format": event_format})
    assert r.status_code == 422 and "venue" in r.json()["errors"]
    moved = check(
        tenant_a.admin.patch(
            f"/v1/events/{online['id']}",
            {"format": event_format, "venue": {"address": "Torvet 1, 6400 Sønderborg"}},
        ),
        200,
    )
    assert moved["format"] == event_format
    r = tenant_a.admin.patch(f"/v1/events/{online['id']}", {"venue": None})
    assert r.status_code == 422 and "venue" in r.json()["errors"]


def test_one_event_is_answered_in_the_readers_language_and_304_while_unchanged(tenant_a, api):
    event = published_event(tenant_a.admin, unique("Revalidated"), when(days=20))
    path = f"/v1/events/{event['id']}"
    for client, cache_control in ((tenant_a.admin, "private, no-cache"), (api, "no-cache")):
        first = client.get(path, headers={"Accept-Language": "de"})
        assert check(first, 200)["id"] == event["id"]
        assert first.headers["Content-Type"] == "application/json"
        assert first.headers["Content-Language"] == "de"
        assert first.headers["Cache-Control"] == cache_control
        assert "Accept-Language" in {v.strip() for v in first.headers["Vary"].split(",")}
        again = client.get(path, headers={"Accept-Language": "de", "If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304, again.text
        assert again.content == b"" and again.headers["ETag"] == first.headers["ETag"]
    check(tenant_a.admin.patch(path, {"title": unique("Renamed")}), 200)
    changed = api.get(path, headers={"Accept-Language": "de", "If-None-Match": first.headers["ETag"]})
    assert check(changed, 200)["title"].startswith("Renamed")
    assert changed.headers["ETag"] != first.headers["ETag"]
