"""What a person reads of an event's themes and host company in feeds and reports is a name in their
language, not an id; the report's table writes dates, numbers and money as their language does."""
import csv
import io
import json
from dataclasses import replace

from nabo_common.api.errors import ServiceUnavailable
from services.events.domain import calendars, lifecycle, programmes, registrations, reports
from tests.support.icalendars import parse_everywhere
from tests.unit.events.conftest import (
    ASSOC_A,
    HOST_COMPANY,
    PEOPLE,
    THEME,
    Directory,
    KnownPeople,
    make_event,
    outbox,
)

PROGRAMME = {"title": "Energi 2026", "period_start": "2026-01-01", "period_end": "2026-12-31",
             "planned_events": 4, "budget_amount_minor": 75_000_00, "currency": "DKK",
             "association_ids": [ASSOC_A]}


def _hosted_event(session, admin, **extra):
    return make_event(session, admin, format="hybrid", themes=[THEME, "free text"],
                      venue={"host_organisation_id": HOST_COMPANY},
                      people=[{"role": "host_company", "organisation_id": HOST_COMPANY}], **extra)


def test_a_feed_names_themes_and_the_host_company_in_the_readers_language(session, admin_a):
    event = _hosted_event(session, admin_a)
    for language, theme, join in (("de", "Energiewende", "Teilnehmen"), ("sv", "Energy transition", "Delta")):
        reader = replace(admin_a, language=language)
        text = calendars.one_event(session, reader, event["id"], Directory())["calendar"]
        [vevent] = parse_everywhere(text).walk("VEVENT")
        assert [str(c) for c in vevent["CATEGORIES"].cats] == [theme, "free text"]
        assert "Vindmølle ApS" in str(vevent["LOCATION"]) and HOST_COMPANY not in text
        assert f"{join}: https://meet.example/abc" in str(vevent["DESCRIPTION"])


def test_event_messages_name_the_host_company_never_its_id(session, admin_a):
    event = _hosted_event(session, admin_a, directory=Directory())
    [published] = outbox(session, "event.published")
    data = published["data"]
    assert (data["venue"], data["venue_address"], data["venue_host_name"]) == (
        "Vindmølle ApS", None, "Vindmølle ApS")
    assert HOST_COMPANY not in json.dumps(data)
    # a host the organiser may not see stays unnamed, and its id still untold
    hidden = Directory()
    hidden.organisations.clear()
    lifecycle.update(session, admin_a, event["id"],
                     {"title": "Renamed", "venue": {"host_organisation_id": HOST_COMPANY}}, hidden)
    [updated] = outbox(session, "event.updated")
    assert updated["data"]["venue"] is None and updated["data"]["venue_host_name"] is None
    assert HOST_COMPANY not in json.dumps(updated["data"])


def test_the_attached_calendar_names_themes_and_venue_in_the_registrants_language(session, admin_a):
    event = _hosted_event(session, admin_a, directory=Directory())
    registrations.register(session, admin_a, event["id"], {"name": "Gast", "email": "gast@example.org",
                                                           "language": "de"}, people=PEOPLE)
    [confirmed] = outbox(session, "registration.confirmed")
    [vevent] = parse_everywhere(confirmed["data"]["ics"]).walk("VEVENT")
    assert [str(c) for c in vevent["CATEGORIES"].cats] == ["Energiewende", "free text"]
    assert str(vevent["LOCATION"]) == "Räumlichkeiten von Vindmølle ApS"
    assert HOST_COMPANY not in confirmed["data"]["ics"] and THEME not in confirmed["data"]["ics"]


def test_the_cancellation_calendar_names_themes_in_the_events_first_language(session, admin_a):
    event = _hosted_event(session, admin_a, directory=Directory(), languages=["de", "da"])
    lifecycle.transition(session, admin_a, event["id"], {"to": "cancelled"}, Directory())
    [cancelled] = outbox(session, "event.cancelled")
    [vevent] = parse_everywhere(cancelled["data"]["ics"]).walk("VEVENT")
    assert [str(c) for c in vevent["CATEGORIES"].cats] == ["Energiewende", "free text"]
    assert str(vevent["LOCATION"]) == "Räumlichkeiten von Vindmølle ApS"


def test_the_report_names_themes_with_the_language_used_and_the_host_company(session, admin_a):
    programme = programmes.create(session, admin_a, dict(PROGRAMME))
    _hosted_event(session, admin_a, programme_id=programme["id"])
    german = replace(admin_a, language="de")
    [line] = reports.report(session, german, programme["id"], Directory())["events"]
    assert line["themes"] == [THEME, "free text"]
    assert line["theme_names"] == [{"id": THEME, "name": "Energiewende", "name_language": "de"},
                                   {"id": "free text", "name": "free text", "name_language": None}]
    assert (line["host_company"], line["host_company_name"]) == (HOST_COMPANY, "Vindmølle ApS")
    danish = reports.report(session, replace(admin_a, language="da"), programme["id"], Directory())
    assert danish["events"][0]["theme_names"][0]["name_language"] == "en"


def test_the_report_table_is_written_in_the_readers_language(session, admin_a):
    programme = programmes.create(session, admin_a, dict(PROGRAMME))
    _hosted_event(session, admin_a, programme_id=programme["id"])
    rows = list(csv.reader(io.StringIO(
        reports.report_csv(session, replace(admin_a, language="da"), programme["id"], Directory()))))
    header, line = rows[0], rows[1]
    assert header[:6] == ["Dato", "Titel", "Temaer", "Format", "Status", "Værtsvirksomhed"]
    assert line[header.index("Temaer")] == "Energy transition; free text"
    assert line[header.index("Værtsvirksomhed")] == "Vindmølle ApS"
    assert line[header.index("Format")] == "Hybrid" and line[header.index("Status")] == "Offentliggjort"
    assert rows[-2] == ["Valuta", "Bevilget", "Brugt", "Tilbage"]
    assert rows[-1][:2] == ["DKK", "75.000,00\xa0kr."]  # CLDR keeps the amount and its unit together
    english = list(csv.reader(io.StringIO(
        reports.report_csv(session, replace(admin_a, language="en"), programme["id"], Directory()))))
    assert english[0][:3] == ["Date", "Title", "Themes"] and english[-1][1] == "DKK75,000.00"


def test_without_the_members_service_attached_calendars_show_theme_ids_and_are_asked_once(session, admin_a):
    class Unavailable(KnownPeople):
        asked = 0

        def themes(self, limit):
            Unavailable.asked += 1
            raise ServiceUnavailable("{service_name} is not running", service_name="members")

    event = _hosted_event(session, admin_a)
    for n in range(2):
        registrations.register(session, admin_a, event["id"], {"name": "G", "email": f"g{n}@example.org"},
                               people=Unavailable())
    sent = [parse_everywhere(m["data"]["ics"]).walk("VEVENT")[0]
            for m in outbox(session, "registration.confirmed")]
    assert [[str(c) for c in vevent["CATEGORIES"].cats] for vevent in sent] == [[THEME, "free text"]] * 2
    assert Unavailable.asked == 1


def test_a_reader_who_may_not_see_the_host_company_still_reads_where_the_event_is(session, admin_a):
    event = _hosted_event(session, admin_a, directory=Directory())
    stranger = Directory()
    stranger.organisations.clear()  # the host's profile is not visible to this reader
    text = calendars.one_event(session, replace(admin_a, language="da"), event["id"], stranger)["calendar"]
    [vevent] = parse_everywhere(text).walk("VEVENT")
    assert str(vevent["LOCATION"]) == "Lokaler hos Vindmølle ApS" and HOST_COMPANY not in text
