"""The programme report and the event summary as printable pages: their
charts are SVG with one bar per meeting and series, the figures and amounts
are written the reader's way, and the texts come in the reader's language."""

import dataclasses

from nabo_common.printable.pages import money
from services.events.domain import attendance, programmes, registrations, report_pages
from tests.support.charts import SVG, bars, chart, hatches, values
from tests.unit.events.conftest import ASSOC_A, PEOPLE, Directory, make_event, move_to_past

ATTENDANCE = (9, 2, 7, 7, 7, 6, 3)


def in_language(caller, language):
    return dataclasses.replace(caller, language=language)


def programme_with_meetings(session, caller):
    programme = programmes.create(
        session,
        caller,
        {
            "association_ids": [ASSOC_A],
            "title": "Virtuelle netværksmøder",
            "period_start": "2024-01-15",
            "period_end": "2024-11-30",
            "planned_events": 7,
            "budget_amount_minor": 75_000_00,
            "currency": "DKK",
        },
    )
    programmes.add_cost(
        session,
        caller,
        programme["id"],
        {"date": "2024-01-20", "description": "Facilitering", "amount_minor": 70_000_00},
    )
    for n, people in enumerate(ATTENDANCE):
        event = make_event(session, caller, programme_id=programme["id"], title=f"Netværksmøde {n + 1}")
        if n == 1:
            registrations.register(
                session,
                caller,
                event["id"],
                {"name": "Rikke Holm", "email": "rikke@example.dk", "source_channel": "linkedin"},
                people=PEOPLE,
            )
        move_to_past(session, event["id"], days=30 - n)
        attendance.record(
            session, caller, event["id"], {"anonymous_count": people, "source_channel": "newsletter"}
        )
    return programme


def test_programme_page_draws_one_bar_per_meeting_with_its_attendance(session, admin_a):
    programme = programme_with_meetings(session, admin_a)
    page = report_pages.programme_page(session, in_language(admin_a, "da"), programme["id"], Directory())
    assert page["content_type"].startswith("text/html")
    body = page["body"]

    attendance_chart = chart(body, "attendance")
    assert len(bars(attendance_chart)) == 7
    assert values(attendance_chart) == [str(n) for n in ATTENDANCE]

    turnout = chart(body, "turnout")
    assert len(bars(turnout)) == 3 * 7  # registrations, attendees and no-shows of each meeting
    assert [
        s.get("class") for s in turnout.findall(f".//{SVG}g[@class]") if s.get("class").startswith("series")
    ][:3] == ["series serie-0 color-0", "series serie-1 color-1", "series serie-2 color-2"]
    # every series has a hatch of its own, so a black-and-white print tells them apart
    assert len(hatches(turnout)) == 3

    channels = chart(body, "channels")
    assert len(bars(channels)) == 2 * 2  # linkedin and newsletter, registrations and attendees
    assert "41" in values(channels)  # all attendees came by the newsletter

    budget = chart(body, "budget")
    assert len(bars(budget)) == 3
    assert values(budget) == ["75.000,00\xa0kr.", "70.000,00\xa0kr.", "5.000,00\xa0kr."]

    assert "Fjordby Erhverv" in body and "Fremmøde pr. møde" in body and "Nøgletal" in body
    assert "15. januar 2024" in body  # the period, as a Danish reader writes dates
    assert body.count('<tr><td class="date">') == 7 + 1  # a row per meeting and the cost line
    assert "@media print" in body and "<script" not in body


def test_programme_page_speaks_the_readers_language(session, admin_a):
    programme = programme_with_meetings(session, admin_a)
    dutch = report_pages.programme_page(session, in_language(admin_a, "nl"), programme["id"], Directory())[
        "body"
    ]
    assert "Opkomst per bijeenkomst" in dutch and "15 januari 2024" in dutch and "DKK" in dutch
    english = report_pages.programme_page(session, admin_a, programme["id"], Directory())["body"]
    assert "Attendance per meeting" in english and '<html lang="en">' in english
    for language, heading in (("de", "Teilnahme je Treffen"), ("sv", "Deltagande per möte")):
        assert (
            heading
            in report_pages.programme_page(
                session, in_language(admin_a, language), programme["id"], Directory()
            )["body"]
        )


def test_amounts_are_written_per_locale_from_minor_units():
    # with a no-break space, so an amount never breaks across lines
    assert money(75_000_00, "DKK", "da") == "75.000,00\xa0kr."
    assert money(7_500_00, "EUR", "nl") == "€\xa07.500,00"


def test_event_summary_page_shows_turnout_channels_and_feedback(session, admin_a):
    programme = programme_with_meetings(session, admin_a)
    event = make_event(session, admin_a, programme_id=programme["id"], title="<b>Ekstra</b> møde")
    move_to_past(session, event["id"])
    attendance.record(session, admin_a, event["id"], {"anonymous_count": 4})
    body = report_pages.event_page(session, in_language(admin_a, "da"), event["id"], Directory())["body"]
    turnout = chart(body, "turnout")
    assert len(bars(turnout)) == 5
    assert values(turnout) == ["4", "4"]  # attendees and walk-ins; zeroes carry no label
    assert len(bars(chart(body, "feedback"))) == 5  # one per rating 1-5
    assert "&lt;b&gt;Ekstra&lt;/b&gt;" in body and "<b>Ekstra" not in body
    assert "Mødeoversigt" in body


def test_a_programme_before_its_first_meeting_still_has_its_page(session, admin_a):
    programme = programmes.create(
        session,
        admin_a,
        {
            "association_ids": [ASSOC_A],
            "title": "Not started",
            "period_start": "2026-01-01",
            "period_end": "2026-12-31",
            "planned_events": 4,
            "budget_amount_minor": 0,
            "currency": "EUR",
        },
    )
    event = make_event(session, admin_a, programme_id=programme["id"])
    body = report_pages.programme_page(session, in_language(admin_a, "nl"), programme["id"], Directory())[
        "body"
    ]
    attendance_chart = chart(body, "attendance")
    assert len(bars(attendance_chart)) == 1 and values(attendance_chart) == []  # planned, nobody yet
    assert values(chart(body, "budget")) == ["€\xa00,00"] * 3
    assert "1 van 4 geplande" in body
    summary = report_pages.event_page(session, in_language(admin_a, "sv"), event["id"], Directory())["body"]
    assert bars(chart(summary, "channels")) == [] and "Sammanställning av evenemanget" in summary
