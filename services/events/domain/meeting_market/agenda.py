"""A participant's personal agenda: their scheduled meetings as JSON, and as iCalendar with one
VEVENT per meeting (built with the icalendar library, like the event feeds)."""
from zoneinfo import ZoneInfo

from icalendar import Calendar
from icalendar import Event as VEvent

from contracts.api import meeting_markets as schemas
from nabo_common.api.validation import dump, load
from nabo_common.i18n.catalogues import N_, gettext
from services.events.domain import vtimezones
from services.events.domain.calendars import PRODID
from services.events.domain.meeting_market import meetings

FILENAME = "agenda.ics"


def _rows(session, caller, query):
    q = load(schemas.AgendaQuery, query or {})
    return meetings.agenda_rows(session, caller, q.get("event_id"))


def as_json(session, caller, query):
    with session.begin():
        rows = _rows(session, caller, query)
        return dump(schemas.Agenda, {"items": [meetings.data(session, meeting, market, request)
                                               for meeting, request, market, _event in rows]})


def _vevent(meeting, meeting_view, event, me, language):
    others = ", ".join(p["name"] for p in meeting_view["participants"] if p["person_id"] != me)
    zone = ZoneInfo(event.time_zone)
    item = VEvent()
    item.add("uid", f"{meeting.id}@nabo.meetings")
    item.add("dtstamp", meeting.updated_at)
    # each move counts up, so a calendar that imported the meeting takes the new time
    item.add("sequence", meeting.sequence)
    summary = (gettext(language, N_("Meeting with {names} ({event})"), names=others, event=event.title)
               if others else gettext(language, N_("Meeting at {event}"), event=event.title))
    item.add("summary", summary)
    item.add("dtstart", meeting.starts_at.astimezone(zone))
    item.add("dtend", meeting.ends_at.astimezone(zone))
    if meeting.table_name or meeting.online_url:
        item.add("location", meeting.table_name or meeting.online_url)
    if meeting.online_url:
        item.add("url", meeting.online_url)
    return item


def _calendar(zones, method=None):
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    if method:
        calendar.add("method", method)
    # RFC 5545: every TZID a VEVENT names has its VTIMEZONE
    for tzid in sorted(zones):
        calendar.add_component(vtimezones.vtimezone(tzid))
    return calendar


def update(session, meeting, market, request, event, person_id, language):
    """One participant's calendar update of ``meeting``: METHOD:REQUEST with the VEVENT their agenda
    holds (same UID and SEQUENCE), in their language, for the mail that tells them of a move."""
    calendar = _calendar({event.time_zone}, method="REQUEST")
    calendar.add_component(_vevent(meeting, meetings.view(session, meeting, market, request), event,
                                   person_id, language))
    return calendar.to_ical().decode("utf-8")


def as_icalendar(session, caller, query):
    with session.begin():
        rows = _rows(session, caller, query)
        calendar = _calendar({event.time_zone for *_rest, event in rows})
        calendar.add("x-wr-calname", gettext(caller.language, N_("My meetings")))
        for meeting, request, market, event in rows:
            calendar.add_component(_vevent(meeting, meetings.view(session, meeting, market, request), event,
                                           caller.person_id, caller.language))
        return {"calendar": calendar.to_ical().decode("utf-8"), "filename": FILENAME}
