"""Calendars as clients read them: every calendar parses in icalendar, vobject and ical and passes the
strict check; feeds are named in the caller's language; ids are checked; time zones are rules."""
import uuid
from datetime import timezone

import pytest

from nabo_common.api.errors import NotFound
from nabo_common.runtime.context import Caller
from services.events.domain import calendars, lifecycle, vtimezones
from services.events.domain.names import attachment_names
from services.events.models import Event
from tests.support.icalendars import instants_around_transitions, offsets_agree, parse_everywhere
from tests.unit.events.conftest import (
    ANON,
    ASSOC_A,
    NETWORK,
    Directory,
    at,
    make_event,
    member_of,
    register_self,
)

# the zones of the platform's countries, and one across the Atlantic
ZONES = ("Europe/Amsterdam", "Europe/Berlin", "Europe/Copenhagen", "Europe/Stockholm", "America/New_York")


def speaking(language):
    return Caller(language=language)


def test_calendar_is_valid_icalendar_with_time_zone_and_cancellation(session, admin_a):
    event = make_event(session, admin_a)
    answer = calendars.one_event(session, ANON, event["id"], Directory())
    assert answer["filename"] == f"event-{event['id']}.ics"
    text = answer["calendar"]
    cal = parse_everywhere(text)
    [vevent] = cal.walk("VEVENT")
    assert str(vevent["UID"]) == f"{event['id']}@nabo.events"
    assert vevent.decoded("DTSTART").tzinfo is not None
    assert "TZID=Europe/Copenhagen" in text
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Europe/Copenhagen"]
    lifecycle.transition(session, admin_a, event["id"], {"to": "cancelled"})
    feed = parse_everywhere(calendars.association_feed(session, ANON, ASSOC_A, Directory())["calendar"])
    [cancelled] = feed.walk("VEVENT")
    assert (str(cancelled["STATUS"]), int(cancelled["SEQUENCE"])) == ("CANCELLED", 1)
    assert str(cancelled["UID"]) == f"{event['id']}@nabo.events"


def test_network_feed_lists_the_networks_public_events(session, admin_a):
    mine = make_event(session, admin_a, network_id=NETWORK)
    make_event(session, admin_a)
    feed = parse_everywhere(calendars.network_feed(session, ANON, NETWORK, Directory())["calendar"])
    assert [str(e["UID"]) for e in feed.walk("VEVENT")] == [f"{mine['id']}@nabo.events"]


@pytest.mark.parametrize(
    "language, association_name, network_name",
    [
        ("da", "Arrangementer hos Fjordby Erhverv", "Arrangementer i netværket Grønne byggere"),
        ("nl", "Evenementen van Fjordby Erhverv", "Evenementen van het netwerk Green builders"),
        ("de", "Veranstaltungen von Fjordby Erhverv", "Veranstaltungen des Netzwerks Green builders"),
        ("sv", "Evenemang hos Fjordby Erhverv", "Evenemang i nätverket Green builders"),
        ("en", "Events of Fjordby Erhverv", "Events of the network Green builders"),
    ],
)
def test_feeds_are_named_after_their_association_or_network_in_the_callers_language(
    session, language, association_name, network_name
):
    caller = speaking(language)
    association = parse_everywhere(
        calendars.association_feed(session, caller, ASSOC_A, Directory())["calendar"]
    )
    network = parse_everywhere(calendars.network_feed(session, caller, NETWORK, Directory())["calendar"])
    assert str(association["X-WR-CALNAME"]) == association_name
    assert str(network["X-WR-CALNAME"]) == network_name


@pytest.mark.parametrize("raw", ["not-a-uuid", "a\r\nb", "\u0100", "\"; filename*=UTF-8''nabo.html; x=", ""])
def test_an_id_that_is_not_a_uuid_names_no_calendar(session, raw):
    for feed in (calendars.association_feed, calendars.network_feed):
        with pytest.raises(NotFound):
            feed(session, ANON, raw, Directory())
    with pytest.raises(NotFound):
        calendars.one_event(session, ANON, raw, Directory())


def test_an_unknown_association_or_network_has_no_feed(session):
    with pytest.raises(NotFound):
        calendars.association_feed(session, ANON, str(uuid.uuid4()), Directory())
    with pytest.raises(NotFound):
        calendars.network_feed(session, ANON, str(uuid.uuid4()), Directory())


def test_an_empty_feed_carries_its_time_zone_so_it_has_a_component(session):
    answer = calendars.association_feed(session, ANON, ASSOC_A, Directory())
    calendar = parse_everywhere(answer["calendar"])
    assert calendar.walk("VEVENT") == []
    assert [str(z["TZID"]) for z in calendar.walk("VTIMEZONE")] == ["Europe/Copenhagen"]
    assert answer["last_modified"] is None
    network = parse_everywhere(calendars.network_feed(session, ANON, NETWORK, Directory())["calendar"])
    assert [str(z["TZID"]) for z in network.walk("VTIMEZONE")] == ["UTC"]


@pytest.mark.parametrize("tzid", ZONES)
def test_time_zones_are_yearly_rules_that_every_reader_follows(session, admin_a, tzid):
    summer, winter = at(days=7).replace(month=7, day=1, hour=16), at(days=7).replace(month=1, day=15, hour=16)
    for start in (summer.replace(year=summer.year + 1), winter.replace(year=winter.year + 1)):
        make_event(session, admin_a, start=start, time_zone=tzid, network_id=NETWORK)
    text = calendars.network_feed(session, ANON, NETWORK, Directory())["calendar"]
    calendar = parse_everywhere(text)
    [zone] = calendar.walk("VTIMEZONE")
    assert zone.walk("STANDARD")[0]["RRULE"] and zone.walk("DAYLIGHT")[0]["RRULE"]
    offsets_agree(text, tzid, instants_around_transitions(2010, 2037))
    for vevent in calendar.walk("VEVENT"):
        start = vevent.decoded("DTSTART")
        assert start.astimezone(timezone.utc).hour == 16 and str(start.tzinfo) in (tzid, zone["TZID"])


def test_a_zone_without_summer_time_is_one_yearly_observance():
    text = calendars.render([], "x", zone="Asia/Tokyo")
    parse_everywhere(text)
    offsets_agree(text, "Asia/Tokyo", instants_around_transitions(1971, 2037))


def test_a_zone_no_rule_can_say_keeps_its_transitions_and_an_unknown_zone_none():
    assert "RDATE" in vtimezones.vtimezone("Asia/Jerusalem").to_ical().decode()  # a change at 26:00
    assert vtimezones.vtimezone("Nowhere/Town") is None


def test_last_modified_follows_listed_events_and_the_callers_registrations(session, admin_a):
    event = make_event(session, admin_a, network_id=NETWORK)
    first = calendars.network_feed(session, ANON, NETWORK, Directory())["last_modified"]
    assert first == session.get(Event, event["id"]).updated_at.isoformat()
    lifecycle.update(session, admin_a, event["id"], {"visibility": "members"})
    after_hiding = calendars.network_feed(session, ANON, NETWORK, Directory())
    assert after_hiding["last_modified"] > first  # the event left the feed: the feed changed
    member = member_of(ASSOC_A)
    before = calendars.network_feed(session, member, NETWORK, Directory())["last_modified"]
    register_self(session, member, event["id"])
    assert calendars.network_feed(session, member, NETWORK, Directory())["last_modified"] > before


def test_a_cancellation_calendar_asks_clients_to_drop_the_event(session, admin_a):
    created = make_event(session, admin_a)
    lifecycle.transition(session, admin_a, created["id"], {"to": "cancelled"})
    session.commit()
    calendar = parse_everywhere(calendars.cancellation_ics(session.get(Event, created["id"])))
    [vevent] = calendar.walk("VEVENT")
    assert str(calendar["METHOD"]) == "CANCEL" and str(vevent["STATUS"]) == "CANCELLED"
    assert str(vevent["UID"]) == f"{created['id']}@nabo.events" and int(vevent["SEQUENCE"]) == 1


def test_a_confirmation_calendar_is_reused_only_while_the_event_is_unchanged(session, admin_a):
    created = make_event(session, admin_a, themes=["financing", "export"], venue={"address": "Havnegade 1"})

    def confirmation_ics():
        session.commit()
        return calendars.event_ics(session.get(Event, created["id"]), show_join_url=True)

    first = confirmation_ics()
    assert confirmation_ics() is first  # the same calendar object: rendered once
    event = session.get(Event, created["id"])
    # as rendering it afresh in the event's first language would
    assert first == calendars.render([event], event.title, lambda _e: True,
                                     names=attachment_names.names("da"))
    lifecycle.update(session, admin_a, created["id"], {"title": "Financing 2.0"})
    retitled = confirmation_ics()
    assert "SUMMARY:Financing 2.0" in retitled and "SEQUENCE:1" in retitled
    lifecycle.update(session, admin_a, created["id"], {"themes": ["export"]})
    rethemed = confirmation_ics()
    assert "CATEGORIES:export" in rethemed and "financing" not in rethemed
    assert "meet.example" not in calendars.event_ics(session.get(Event, created["id"]), show_join_url=False)
