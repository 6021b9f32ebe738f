"""A participant's personal agenda: their scheduled meetings as JSON, and as iCalendar with one
VEVENT per meeting (built with the icalendar library, like the event feeds, and the same VEVENT as the
mails carry), and the calendar messages
the mails carry (RFC 5546): the invitation and the agenda (METHOD:REQUEST), a move (REQUEST with a
higher SEQUENCE) and a cancellation (METHOD:CANCEL, STATUS:CANCELLED, a higher SEQUENCE), all with the
agenda's UID, an ORGANIZER and both sides as ATTENDEEs.

The ORGANIZER is the event's market (CN the event's title, ``urn:uuid:<event id>``): answers go through
nabo, not to a mailbox, so every ATTENDEE says RSVP=FALSE. The person a message goes to is named by the
e-mail address they registered with; the other side only by name (``urn:uuid:<person id>``), as nabo
hands nobody's address to the other participant."""
from zoneinfo import ZoneInfo

from icalendar import Calendar, vCalAddress
from icalendar import Event as VEvent
from sqlalchemy import select

from contracts.api import meeting_markets as schemas
from nabo_common.api.validation import dump, load
from nabo_common.i18n.catalogues import N_, gettext
from services.events.domain import vtimezones
from services.events.domain.calendars import PRODID
from services.events.domain.meeting_market import meetings
from services.events.models import MarketParticipant, Registration

FILENAME = "agenda.ics"


def _rows(session, caller, query):
    q = load(schemas.AgendaQuery, query or {})
    return meetings.agenda_rows(session, caller, q.get("event_id"))


def as_json(session, caller, query):
    with session.begin():
        rows = _rows(session, caller, query)
        return dump(schemas.Agenda, {"items": [meetings.data(session, meeting, market, request)
                                               for meeting, request, market, _event in rows]})


def contacts(session, market, person_ids):
    """person id -> (name, e-mail or None, language) as they registered for the event."""
    rows = session.execute(
        select(MarketParticipant.person_id, MarketParticipant.name, Registration.email, Registration.language)
        .join(Registration, Registration.id == MarketParticipant.registration_id)
        .where(MarketParticipant.market_id == market.id, MarketParticipant.person_id.in_(list(person_ids))))
    return {person_id: (name, email, language) for person_id, name, email, language in rows}


def _address(uri, name):
    address = vCalAddress(uri)
    if name:
        address.params["cn"] = name
    return address


def _people(item, event, request, me, people):
    """ORGANIZER (the market) and both participants as ATTENDEEs; only ``me`` by e-mail."""
    item.add("organizer", _address(f"urn:uuid:{event.id}", event.title))
    for person_id in (request.requester_id, request.recipient_id):
        name, email, _language = people.get(person_id, ("", None, "en"))
        attendee = _address(f"mailto:{email}" if person_id == me and email else f"urn:uuid:{person_id}", name)
        attendee.params.update({"role": "REQ-PARTICIPANT", "partstat": "ACCEPTED", "rsvp": "FALSE"})
        item.add("attendee", attendee)


def _vevent(meeting, others, event, language):
    """The VEVENT of ``meeting`` for a participant meeting ``others`` (their names, joined)."""
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


def _message_vevent(meeting, request, event, person_id, people, cancelled=False, language=None):
    """The VEVENT of ``meeting`` as ``person_id`` holds it, with ORGANIZER and ATTENDEEs, in ``language``
    (else the one they registered in)."""
    other = request.recipient_id if request.requester_id == person_id else request.requester_id
    item = _vevent(meeting, people.get(other, ("",))[0], event,
                   language or people.get(person_id, ("", None, "en"))[2])
    _people(item, event, request, person_id, people)
    item.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    return item


def messages(session, meeting, market, request, event, cancelled=False):
    """Each participant's calendar message of ``meeting`` in the language they registered in: the VEVENT
    their agenda holds (same UID and SEQUENCE) as METHOD:REQUEST, or METHOD:CANCEL when ``cancelled``.
    Returns [{person_id, ics}] for the meeting's event."""
    pair = (request.requester_id, request.recipient_id)
    people = contacts(session, market, pair)
    found = []
    for person_id in pair:
        calendar = _calendar({event.time_zone}, method="CANCEL" if cancelled else "REQUEST")
        calendar.add_component(_message_vevent(meeting, request, event, person_id, people, cancelled))
        found.append({"person_id": person_id, "ics": calendar.to_ical().decode("utf-8")})
    return found


def agenda_message(rows, event, person_id, people):
    """One participant's agenda of a published schedule: METHOD:REQUEST with one VEVENT per meeting of
    ``rows`` ((meeting, request) in time order), each with the UID and SEQUENCE of their agenda."""
    calendar = _calendar({event.time_zone}, method="REQUEST")
    for meeting, request in rows:
        calendar.add_component(_message_vevent(meeting, request, event, person_id, people))
    return calendar.to_ical().decode("utf-8")


def as_icalendar(session, caller, query):
    with session.begin():
        rows = _rows(session, caller, query)
        calendar = _calendar({event.time_zone for *_rest, event in rows})
        calendar.add("x-wr-calname", gettext(caller.language, N_("My meetings")))
        # each meeting as the mailed calendars carry it: ORGANIZER and both sides as ATTENDEEs
        for meeting, request, market, event in rows:
            people = contacts(session, market, (request.requester_id, request.recipient_id))
            calendar.add_component(_message_vevent(meeting, request, event, caller.person_id, people,
                                                   language=caller.language))
        return {"calendar": calendar.to_ical().decode("utf-8"), "filename": FILENAME}
