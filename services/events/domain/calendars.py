"""iCalendar (RFC 5545) for one event and feeds per association and network,
built with the icalendar library: stable UIDs, SEQUENCE raised on every change,
STATUS:CANCELLED for cancelled events, a VTIMEZONE for every zone used. Feeds are
named after their association or network in the caller's language."""
import uuid
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import Calendar
from icalendar import Event as VEvent
from sqlalchemy import func, select

from nabo_common.api.errors import NotFound
from nabo_common.i18n.catalogues import N_, gettext
from services.events.domain import access, views, vtimezones
from services.events.domain.feed_names import feed_name, in_language
from services.events.domain.names import FixedNames, Names, NoNames, attachment_names
from services.events.models import Event, EventHost, Registration

PRODID = "-//nabo//events//EN"
STATUS = {"published": "CONFIRMED", "completed": "CONFIRMED", "cancelled": "CANCELLED", "draft": "TENTATIVE"}
FEED_LIMIT = 500


def uid(event):
    return f"{event.id}@nabo.events"


def _vevent(event, show_join_url, names):
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
        join = gettext(names.language, N_("Join: {url}"), url=event.join_url)
        description = f"{description}\n\n{join}".strip()
    if description:
        item.add("description", description)
    location = views.venue_text(event, names.host_name(event), names.language) or (
        event.join_url if show_join_url else None)
    if location:
        item.add("location", location)
    if event.themes:
        item.add("categories", names.theme_names(event.themes))
    return item


def render(events, name, show_join_url=lambda event: False, zone=None, method="PUBLISH", names=None):
    """The calendar of ``events``, its themes and host companies named by ``names`` (as stored without).
    RFC 5545 wants at least one component: a calendar without events carries the VTIMEZONE of ``zone``
    (the feed's own zone) instead."""
    names = names or NoNames()
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    calendar.add("x-wr-calname", name)
    if zone:
        calendar.add("x-wr-timezone", zone)
    for event in events:
        calendar.add_component(_vevent(event, show_join_url(event), names))
    zones = {event.time_zone for event in events} or {zone or "UTC"}
    components = [vtimezones.vtimezone(tzid) for tzid in sorted(zones)]
    calendar.subcomponents[:0] = [component for component in components if component is not None]
    return calendar.to_ical().decode("utf-8")


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
    venue_host_name: str | None
    themes: tuple

    @classmethod
    def of(cls, event):
        return cls(**{name: getattr(event, name) for name in cls.__dataclass_fields__ if name != "themes"},
                   themes=tuple(event.themes))


def _attached_names(event, language):
    """Names for a mail's attached calendar: in ``language``, else the event's first."""
    return attachment_names.names(language or (event.languages or ["en"])[0])


def event_ics(event, show_join_url, language=None):
    """The calendar attached to mails about ``event``, its themes and venue named in ``language``."""
    entry, names = CalendarEntry.of(event), _attached_names(event, language)
    return _entry_ics(entry, show_join_url, names.language, tuple(names.theme_names(entry.themes)))


@lru_cache(maxsize=256)
def _entry_ics(entry, show_join_url, language, categories):
    # every confirmation of an event carries the same calendar; rendering it was a seventh of a
    # registration's time
    labels = {theme: {language: name} for theme, name in zip(entry.themes, categories, strict=True)}
    return render([entry], entry.title, lambda _e: show_join_url, names=FixedNames(labels, language))


def cancellation_ics(event, language=None):
    """What a calendar that imported the event needs to drop it (RFC 5546 CANCEL): same UID, the raised
    SEQUENCE, STATUS:CANCELLED."""
    return render([CalendarEntry.of(event)], event.title, method="CANCEL",
                  names=_attached_names(event, language))


def calendar_id(raw, what):
    """The id in its one canonical spelling; anything that is not a UUID names no calendar."""
    try:
        return str(uuid.UUID(str(raw)))
    except ValueError:
        raise NotFound("{what} not found.", what=what) from None


def _answer(text, filename, last_modified):
    """A calendar with what the gateway needs for its headers, none of it taken from the request."""
    return {"calendar": text, "filename": filename,
            "last_modified": last_modified.isoformat() if last_modified else None}


def one_event(session, caller, event_id, directory):
    event = access.event_or_404(session, caller, calendar_id(event_id, "Event"))
    registered = event.id in views.events_registered_for(session, caller, [event.id])
    visible = views.join_url_visible(caller, event, registered)
    text = render([event], event.title, lambda _e: visible, names=Names(directory, caller.language))
    return _answer(text, f"event-{event.id}.ics", event.updated_at)


def _last_change(session, caller, condition):
    """When the feed last changed: the newest change of an event it lists or listed (one that left it, made
    members-only or moved, changed then too), or of the caller's registration for one (the join link)."""
    listed = select(Event.id).where(condition, Event.status != "draft")
    times = [session.scalar(select(func.max(Event.updated_at)).where(Event.id.in_(listed)))]
    if caller.person_id:
        times.append(session.scalar(select(func.max(Registration.updated_at)).where(
            Registration.person_id == caller.person_id, Registration.event_id.in_(listed))))
    return max((t for t in times if t is not None), default=None)


def _feed(session, caller, condition, name, zone, filename, directory):
    stmt = (select(Event).where(condition, Event.status != "draft", access.event_visibility_filter(caller))
            .order_by(Event.starts_at.desc(), Event.id).limit(FEED_LIMIT))
    events = list(reversed(session.scalars(stmt).all()))
    registered = views.events_registered_for(session, caller, [e.id for e in events])
    text = render(events, name, lambda e: views.join_url_visible(caller, e, e.id in registered), zone,
                  names=Names(directory, caller.language))
    return _answer(text, filename, _last_change(session, caller, condition))


def association_feed(session, caller, association_id, directory):
    association_id = calendar_id(association_id, "Association")
    association = directory.association(association_id)
    hosted = Event.id.in_(select(EventHost.event_id).where(EventHost.association_id == association_id))
    name = feed_name("association", association["name"], caller.language)
    return _feed(
        session, caller, hosted, name, association.get("time_zone"), f"association-{association_id}.ics",
        directory,
    )


def network_feed(session, caller, network_id, directory):
    network_id = calendar_id(network_id, "Network")
    network = directory.network(network_id)
    name = feed_name("network", in_language(network["name"] or {}, caller.language), caller.language)
    return _feed(session, caller, Event.network_id == network_id, name, None, f"network-{network_id}.ics",
                 directory)
