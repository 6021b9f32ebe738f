"""VTIMEZONE components (RFC 5545 3.6.5) written as yearly rules.

A zone written as one RDATE per transition is valid, but Outlook on the desktop misplaces events in
summer time with such zones. Most zones follow one yearly rule today, which the tz database states
as a POSIX TZ string at the end of the zone's file (``CET-1CEST,M3.5.0,M10.5.0/3``): that rule
becomes an RRULE, starting in the first year since which the zone has followed it. Zones whose
rule an RRULE cannot say (a transition at 26:00, a non-Sunday rule that wraps) keep icalendar's
transition list.
"""
import os
import re
import zoneinfo
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from importlib import resources

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard

FIRST_YEAR = 1970
LAST_YEAR = 2037
WEEKDAYS = ("SU", "MO", "TU", "WE", "TH", "FR", "SA")  # POSIX counts days from Sunday
_NAME = r"([A-Za-z]{3,}|<[+\-0-9A-Za-z]+>)"
_OFFSET = r"([+-]?\d{1,2}(?::\d{2}){0,2})"
_RULE = r"M(\d{1,2})\.([1-5])\.([0-6])(?:/([+-]?\d{1,3}(?::\d{2}){0,2}))?"
POSIX_TZ = re.compile(rf"^{_NAME}{_OFFSET}(?:{_NAME}{_OFFSET}?,{_RULE},{_RULE})?$")


def _posix_tz(tzid):
    """The footer of the zone's TZif file, read where ``zoneinfo`` reads it (system first, then tzdata)."""
    for base in zoneinfo.TZPATH:
        path = os.path.join(base, tzid)
        if os.path.isfile(path):
            with open(path, "rb") as tzif:
                return _footer(tzif.read())
    return _footer(resources.files("tzdata.zoneinfo").joinpath(*tzid.split("/")).read_bytes())


def _footer(data):
    if data[4:5] in (b"\x00", b""):  # version 1 files have no rule
        return None
    return data.rstrip(b"\n").rsplit(b"\n", 1)[-1].decode("ascii")


def _duration(text, sign=1):
    negative = text.startswith("-")
    parts = [int(p) for p in text.lstrip("+-").split(":")] + [0, 0]
    seconds = parts[0] * 3600 + parts[1] * 60 + parts[2]
    return timedelta(seconds=-seconds if negative else seconds) * sign


class _Rule:
    """``Mm.w.d/time``: the w-th (5: last) weekday d of month m, at local time."""

    def __init__(self, month, week, weekday, at):
        self.month, self.week, self.weekday = int(month), int(week), int(weekday)
        self.at = _duration(at) if at else timedelta(hours=2)

    @property
    def expressible(self):
        return timedelta(0) <= self.at < timedelta(days=1)

    def local(self, year):
        first = date(year, self.month, 1)
        day = first + timedelta(days=(self.weekday - (first.isoweekday() % 7)) % 7 + 7 * (self.week - 1))
        while day.month != self.month:  # week 5: the last one in the month
            day -= timedelta(days=7)
        return datetime.combine(day, datetime.min.time()) + self.at

    def rrule(self):
        return {"freq": "yearly", "bymonth": self.month,
                "byday": f"{-1 if self.week == 5 else self.week}{WEEKDAYS[self.weekday]}"}


def _name(text):
    return text.strip("<>")


def _offset_at(zone, instant):
    return instant.astimezone(zone).utcoffset()


def _follows(zone, rule, year, before, after):
    instant = (rule.local(year) - before).replace(tzinfo=timezone.utc)
    return _offset_at(zone, instant - timedelta(seconds=1)) == before and _offset_at(zone, instant) == after


def _observance(kind, name, start, offset_from, offset_to, rrule=None):
    component = kind()
    component.add("tzname", name)
    component.add("dtstart", start)
    component.add("tzoffsetfrom", offset_from)
    component.add("tzoffsetto", offset_to)
    if rrule:
        component.add("rrule", rrule)
    return component


def _fixed(tzid, zone, name, offset):
    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        for month in (1, 7):
            if _offset_at(zone, datetime(year, month, 1, tzinfo=timezone.utc)) != offset:
                return None
    component = Timezone()
    component.add("tzid", tzid)
    # a yearly "change" to the same offset: some readers (ical) count an observance only from its rule
    component.add_component(_observance(TimezoneStandard, name, datetime(FIRST_YEAR, 1, 1), offset, offset,
                                        {"freq": "yearly"}))
    return component


def _yearly(tzid, zone, names, offsets, rules):
    (std_name, dst_name), (std, dst), (begins, ends) = names, offsets, rules
    if not (begins.expressible and ends.expressible):
        return None
    this_year = datetime.now(timezone.utc).year
    years = range(this_year, LAST_YEAR + 1)
    if not all(_follows(zone, begins, y, std, dst) and _follows(zone, ends, y, dst, std) for y in years):
        return None
    first = this_year
    while first > FIRST_YEAR and _follows(zone, begins, first - 1, std, dst) \
            and _follows(zone, ends, first - 1, dst, std):
        first -= 1
    component = Timezone()
    component.add("tzid", tzid)
    component.add_component(
        _observance(TimezoneStandard, std_name, ends.local(first), dst, std, ends.rrule())
    )
    component.add_component(
        _observance(TimezoneDaylight, dst_name, begins.local(first), std, dst, begins.rrule())
    )
    return component


def _from_posix(tzid, zone):
    posix = _posix_tz(tzid)
    match = POSIX_TZ.match(posix or "")
    if match is None:
        return None
    std_name, std_text, dst_name, dst_text, *rule_parts = match.groups()
    std = _duration(std_text, sign=-1)  # POSIX offsets count west of Greenwich
    if dst_name is None:
        return _fixed(tzid, zone, _name(std_name), std)
    dst = _duration(dst_text, sign=-1) if dst_text else std + timedelta(hours=1)
    begins, ends = _Rule(*rule_parts[:4]), _Rule(*rule_parts[4:])
    return _yearly(tzid, zone, (_name(std_name), _name(dst_name)), (std, dst), (begins, ends))


@lru_cache(maxsize=128)
def vtimezone(tzid):
    """The zone's VTIMEZONE, or None for a zone the tz database does not know (clients then fall back to
    the UTC offset). Built once per process: the component is never changed after it is built."""
    try:
        zone = zoneinfo.ZoneInfo(tzid)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None
    return _from_posix(tzid, zone) or Timezone.from_tzinfo(zone, tzid)
