"""What a person reads of an event's themes and host company in feeds and reports is a name in their
language, not an id; the report's table writes dates, numbers and money as their language does."""
import csv
import io
from dataclasses import replace

from services.events.domain import calendars, programmes, reports
from tests.support.icalendars import parse_everywhere
from tests.unit.events.conftest import ASSOC_A, HOST_COMPANY, THEME, Directory, make_event

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
