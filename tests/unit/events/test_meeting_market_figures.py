"""The organiser's figures of a meeting market in the programme report: requests by answer, meetings
scheduled and held, no-shows, outcomes and the cross-border share, per event and for the programme,
in JSON, the CSV table and the printable page in the reader's language."""

import csv
import io
from dataclasses import replace
from datetime import timedelta

from sqlalchemy import update

from services.events.domain import programmes, report_pages, reports
from services.events.domain.common import utcnow
from services.events.domain.meeting_market import meetings, requests
from services.events.models import Event, Meeting
from tests.support.meeting_markets import begun, build_market
from tests.unit.events.conftest import Directory

EXPECTED = {
    "participants": 3, "requests_sent": 5, "requests_accepted": 2, "requests_declined": 1,
    "requests_withdrawn": 1, "requests_expired": 1, "meetings_scheduled": 2, "meetings_held": 1,
    "no_shows": 1, "places_ended": 4,
    "no_show_rate": 0.25, "outcomes": {"none": 0, "meeting": 1, "offer": 0, "deal": 1},
    "cross_border_meetings": 1, "cross_border_share": 0.5,
}


class Countries(Directory):
    def __init__(self, countries):
        super().__init__()
        self.organisations.update({org: {"id": org, "name": f"Org {country}", "country": country}
                                   for org, country in countries.items()})


def _market_in_a_programme(session):
    built = build_market(session, people=3)
    ana, ben, cai = built.people
    event_id = built.event["id"]
    programme = programmes.create(session, built.admin, {
        "title": "Grenzenlos 2027", "period_start": "2026-01-01", "period_end": "2030-12-31",
        "planned_events": 2, "budget_amount_minor": 10_000_00, "currency": "EUR",
        "association_ids": [built.admin.admin_of[0]]})
    with session.begin():
        session.execute(update(Event).where(Event.id == event_id).values(programme_id=programme["id"]))

    def ask(one, other):
        return requests.send(session, one, {"event_id": event_id, "recipient_id": other.person_id})

    across = requests.answer(session, ben, ask(ana, ben)["id"], {"status": "accepted"})["meeting"]
    at_home = requests.answer(session, cai, ask(ana, cai)["id"], {"status": "accepted"})["meeting"]
    requests.answer(session, ben, ask(cai, ben)["id"], {"status": "declined"})
    ask(ben, cai)
    requests.expire_due(session, now=utcnow() + timedelta(days=400))
    requests.answer(session, cai, ask(cai, ben)["id"], {"status": "withdrawn"})
    meetings.check_in(session, ana, across["id"], {})
    meetings.check_in(session, built.admin, at_home["id"], {"present": [ana.person_id]})
    begun(session, across["id"])
    meetings.record_outcome(session, ana, across["id"], {"held": True, "follow_up": "meeting"})
    meetings.record_outcome(session, ben, across["id"], {"held": True, "follow_up": "deal"})
    now = utcnow()
    with session.begin():
        session.execute(update(Meeting).values(starts_at=now - timedelta(hours=1),
                                               ends_at=now - timedelta(minutes=40)))
    countries = Countries({ana.organisation_ids[0]: "NL", ben.organisation_ids[0]: "DE",
                           cai.organisation_ids[0]: "NL"})
    return built, programme, countries


def test_the_programme_report_carries_each_markets_figures_and_their_total(session):
    built, programme, countries = _market_in_a_programme(session)
    report = reports.report(session, built.admin, programme["id"], countries)
    [line] = report["events"]
    assert line["meeting_market"] == EXPECTED
    assert report["totals"]["meeting_market"] == EXPECTED


def test_a_meeting_with_an_organisation_the_reader_may_not_see_is_not_counted_as_cross_border(
        session):
    built, programme, _countries = _market_in_a_programme(session)
    report = reports.report(session, built.admin, programme["id"], Directory())
    assert report["totals"]["meeting_market"]["cross_border_meetings"] == 0
    assert report["totals"]["meeting_market"]["cross_border_share"] == 0.0


def test_the_report_table_and_page_name_the_market_figures_in_the_readers_language(session):
    built, programme, countries = _market_in_a_programme(session)
    german = replace(built.admin, language="de")
    rows = list(csv.reader(io.StringIO(reports.report_csv(session, german, programme["id"], countries))))
    header, line, total = rows[0], rows[1], rows[2]
    for row in (line, total):
        assert row[header.index("Teilnehmende der Kooperationsbörse")] == "3"
        assert row[header.index("Gesprächsanfragen abgelaufen")] == "1"
        assert row[header.index("Anteil nicht erschienen zu Gesprächen")] == "25\xa0%"
        assert row[header.index("Abschluss")] == "1"
        assert row[header.index("Anteil grenzüberschreitend")] == "50\xa0%"
    page = report_pages.programme_page(session, replace(built.admin, language="nl"), programme["id"],
                                       countries)["body"]
    assert "Matchmakingbeurzen" in page and "Vervolg afgesproken: 1" in page and "50%" in page


def test_the_request_columns_use_one_word_per_language_and_the_shares_are_percentages(session):
    built, programme, countries = _market_in_a_programme(session)
    words = {"nl": "Gespreksverzoeken ", "da": "Mødeanmodninger ", "de": "Gesprächsanfragen ",
             "sv": "Mötesförfrågningar "}
    for language, word in words.items():
        reader = replace(built.admin, language=language)
        rows = list(csv.reader(io.StringIO(reports.report_csv(session, reader, programme["id"], countries))))
        header, line = rows[0], rows[1]
        asked = header[header.index(next(h for h in header if h.startswith(word))):][:5]
        assert all(heading.startswith(word) for heading in asked), (language, asked)
        assert line[-1].replace("\xa0", " ") in ("50%", "50 %"), (language, line[-1])
