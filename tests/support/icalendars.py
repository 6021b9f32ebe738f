"""Reading calendars as clients nobody on the project wrote read them: icalendar, vobject and ical
must each take the text, and a strict check holds it to what RFC 5545 requires of a calendar."""
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import vobject
from ical.calendar_stream import IcsCalendarStream
from icalendar import Calendar, Timezone


def strict_check(text):
    """What RFC 5545 requires and the parsers let pass: CRLF lines of at most 75 octets, VERSION and
    PRODID once, at least one component (3.6), each VTIMEZONE with an observance written as a rule."""
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    lines = text.split("\r\n")[:-1]
    assert all(len(line.encode("utf-8")) <= 75 for line in lines)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    top = [line for depth, line in _depths(lines) if depth == 1]
    assert sum(line.startswith("VERSION:") for line in top) == 1
    assert sum(line.startswith("PRODID:") for line in top) == 1
    assert any(line.startswith("BEGIN:") for line in top), "a calendar needs at least one component"
    calendar = Calendar.from_ical(text)
    for zone in calendar.walk("VTIMEZONE"):
        assert zone.walk("STANDARD") or zone.walk("DAYLIGHT")
        assert "RDATE" not in zone.to_ical().decode(), f"{zone['TZID']} is a list of dates, not a rule"


def _depths(lines):
    depth = 0
    for line in lines:
        if line.startswith("END:"):
            depth -= 1
        yield depth, line
        if line.startswith("BEGIN:"):
            depth += 1


def parse_everywhere(text):
    """The calendar as icalendar reads it, after vobject and ical read it too; all three must agree on
    its events' UIDs."""
    strict_check(text)
    calendar = Calendar.from_ical(text)
    by_vobject = vobject.readOne(text)
    by_ical = IcsCalendarStream.calendar_from_ics(text)
    uids = sorted(str(e["UID"]) for e in calendar.walk("VEVENT"))
    assert sorted(e.uid.value for e in getattr(by_vobject, "vevent_list", [])) == uids
    assert sorted(e.uid for e in by_ical.events) == uids
    return calendar


def offsets_agree(text, tzid, instants):
    """Each parser's reading of the calendar's VTIMEZONE ``tzid`` gives the tz database's UTC offset at
    every instant (the wall clock it shows is then right in every client)."""
    zone = ZoneInfo(tzid)
    [component] = [z for z in Calendar.from_ical(text).walk("VTIMEZONE") if str(z["TZID"]) == tzid]
    by_icalendar = Timezone.from_ical(component.to_ical()).to_tz()
    by_vobject = next(z for z in vobject.readOne(text).vtimezone_list if z.tzid.value == tzid).gettzinfo()
    by_ical = next(z for z in IcsCalendarStream.calendar_from_ics(text).timezones if z.tz_id == tzid)
    for instant in instants:
        wall = instant.astimezone(zone).replace(tzinfo=None)
        expected = zone.utcoffset(wall)
        assert by_icalendar.utcoffset(wall) == expected, (tzid, wall, "icalendar")
        assert by_vobject.utcoffset(wall) == expected, (tzid, wall, "vobject")
        assert by_ical.get_observance(wall).observance.tz_offset_to.offset == expected, (tzid, wall, "ical")


def instants_around_transitions(first_year, last_year):
    """Noon on the 1st and 15th of every month: both sides of every transition, away from the hour that
    a clock skips or repeats."""
    return [datetime(year, month, day, 12, tzinfo=timezone.utc)
            for year in range(first_year, last_year + 1) for month in range(1, 13) for day in (1, 15)]
