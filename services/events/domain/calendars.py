"""iCalendar (RFC 5545) for one event and feeds per association and network,
built with the icalendar library: stable UIDs, SEQUENCE raised on every change,
STATUS:CANCELLED for cancelled events, VTIMEZONE for every zone used."""
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event as VEvent, Timezone
from sqlalchemy import select

from nabo_common.api.errors import NotFound
from services.events.domain import access, views
from services.events.models import Event, EventHost

PRODID = "-//nabo//events//EN"
STATUS = {"published": "CONFIRMED", "completed": "CONFIRMED", "cancelled": "CANCELLED", "draft": "TENTATIVE"}
FEED_LIMIT = 500


def uid(event):
    return f"{event.id}@nabo.events"


def _vevent(event, show_join_url):
    zone = ZoneInfo(event.time_zone)
    item = VEvent()
    item.add("uid", uid(event))
    item.add("dtstamp", event.updated_at)
    item.add("last-modified", event.updated_at)
    item.add("created", event.created_at)
    item.add("sequence", event.sequence)
    item.add("status", STATUS[event.status])
    item.add("summary", event.title)
    item.add("dtstart", event.starts_at.astimezone(zone))
    item.add("dtend", event.ends_at.astimezone(zone))
    description = event.description or ""
    if show_join_url and event.join_url:
        item.add("url", event.join_url)
        description = f"{description}\n\nJoin: {event.join_url}".strip()
    if description:
        item.add("description", description)
    location = views.venue_text(event) or (event.join_url if show_join_url else None)
    if location:
        item.add("location", location)
    if event.themes:
        item.add("categories", list(event.themes))
    return item


def render(events, name, show_join_url=lambda event: False):
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    for event in events:
        calendar.add_component(_vevent(event, show_join_url(event)))
    _add_timezones(calendar)
    return calendar.to_ical().decode("utf-8")


@lru_cache(maxsize=128)
def _vtimezone(tzid):
    # building a VTIMEZONE walks the zone's transitions over decades, too dear to repeat per calendar;
    # the component is never changed after it is built
    try:
        return Timezone.from_tzid(tzid)
    except ValueError:  # a zone the tz database does not know: clients fall back to the UTC offset
        return None


def _add_timezones(calendar):
    """``Calendar.add_missing_timezones``, with each zone's component built once per process."""
    position = 0
    for tzid in sorted(calendar.get_missing_tzids()):
        component = _vtimezone(tzid)
        if component is not None:
            calendar.subcomponents.insert(position, component)
            position += 1


@dataclass(frozen=True)
class CalendarEntry:
    """Everything of an event that its calendar shows, and nothing else: equal entries have equal
    calendars, so an entry is also the cache key of its calendar."""
    id: str
    title: str
    description: str | None
    status: str
    sequence: int
    created_at: datetime
    updated_at: datetime
    starts_at: datetime
    ends_at: datetime
    time_zone: str
    join_url: str | None
    venue_address: str | None
    venue_organisation_id: str | None
    themes: tuple

    @classmethod
    def of(cls, event):
        return cls(**{name: getattr(event, name) for name in cls.__dataclass_fields__ if name != "themes"},
                   themes=tuple(event.themes))


def event_ics(event, show_join_url):
    return _entry_ics(CalendarEntry.of(event), show_join_url)


@lru_cache(maxsize=256)
def _entry_ics(entry, show_join_url):
    # every confirmation of an event carries the same calendar; rendering it was a seventh of a
    # registration's time
    return render([entry], entry.title, lambda _e: show_join_url)


def one_event(session, caller, event_id):
    event = access.event_or_404(session, caller, event_id)
    registered = event.id in views.events_registered_for(session, caller, [event.id])
    return event_ics(event, views.join_url_visible(caller, event, registered))


def _feed(session, caller, condition, name):
    stmt = (select(Event).where(condition, Event.status != "draft", access.event_visibility_filter(caller))
            .order_by(Event.starts_at.desc(), Event.id).limit(FEED_LIMIT))
    events = list(reversed(session.scalars(stmt).all()))
    registered = views.events_registered_for(session, caller, [e.id for e in events])
    return render(events, name, lambda e: views.join_url_visible(caller, e, e.id in registered))


def association_feed(session, caller, association_id):
    hosted = Event.id.in_(select(EventHost.event_id).where(EventHost.association_id == str(association_id)))
    return _feed(session, caller, hosted, f"Events of association {association_id}")


def network_feed(session, caller, network_id):
    if not network_id:
        raise NotFound("Network not found.")
    return _feed(session, caller, Event.network_id == str(network_id), f"Events of network {network_id}")
