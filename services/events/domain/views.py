"""How an event looks to a caller, and the state events carry about it."""
from datetime import timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from contracts.api import events as schemas
from nabo_common.api.validation import dump
from nabo_common.i18n.catalogues import N_, gettext
from services.events.domain import access
from services.events.domain.common import utcnow
from services.events.models import Registration

ACTIVE = ("confirmed", "waitlisted")


def venue_text(event, host_name=None, language="en"):
    """Where the event is, in ``language``: its address, else its host company's premises where the
    company's name (``host_name``) is known; never an id."""
    if event.venue_address:
        return event.venue_address
    if event.venue_organisation_id and host_name:
        return gettext(language, N_("Premises of {name}"), name=host_name)
    return None


# the moments of an event, written in its own time zone wherever the API shows them
EVENT_TIMES = ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at")


def local_time(event, moment):
    return moment.astimezone(ZoneInfo(event.time_zone))


def event_moment(event, moment):
    """``moment`` in the event's time zone, as RFC 3339 can write it: before standard time a zone's offset
    was local mean time with seconds (Kyiv +02:02:04), which becomes the nearest whole minute."""
    local = local_time(event, moment)
    offset = local.utcoffset()
    if offset.total_seconds() % 60:
        local = moment.astimezone(timezone(timedelta(minutes=round(offset.total_seconds() / 60))))
    return local


def in_event_zone(event, data):
    """``data`` with the event's moments in its time zone: as sent, as stored and as read they look the
    same (a created event still holds the offset it was sent with; one read back holds UTC)."""
    for key in EVENT_TIMES:
        if data.get(key) is not None:
            data[key] = event_moment(event, getattr(event, key)).isoformat()
    return data


def event_data(event, changes=(), reason=None, ics=None):
    """Event-carried state for event.* messages; ``ics``: the calendar to attach to what registrants are
    told."""
    return {
        "event_id": event.id, "association_ids": event.association_ids, "network_id": event.network_id,
        "programme_id": event.programme_id, "title": event.title, "starts_at": event.starts_at.isoformat(),
        "ends_at": event.ends_at.isoformat(), "time_zone": event.time_zone, "format": event.format,
        "languages": event.languages, "themes": event.themes,
        # the venue's parts, for each reader's language; "venue" the same in no language
        "venue": event.venue_address or event.venue_host_name, "venue_address": event.venue_address,
        "venue_host_name": event.venue_host_name if event.venue_organisation_id else None,
        "join_url": event.join_url, "visibility": event.visibility, "status": event.status,
        "sequence": event.sequence, "changes": list(changes), "reason": reason, "ics": ics,
    }


def seat_counts(session, event_ids):
    counts = {event_id: {"confirmed": 0, "waitlisted": 0} for event_id in event_ids}
    if event_ids:
        rows = session.execute(
            select(Registration.event_id, Registration.status, func.count())
            .where(Registration.event_id.in_(list(event_ids)), Registration.status.in_(ACTIVE))
            .group_by(Registration.event_id, Registration.status))
        for event_id, status, count in rows:
            counts[event_id][status] = count
    return counts


def events_registered_for(session, caller, event_ids):
    if not caller.person_id or not event_ids:
        return set()
    return set(session.scalars(select(Registration.event_id).where(
        Registration.event_id.in_(list(event_ids)), Registration.person_id == caller.person_id,
        Registration.status == "confirmed")).all())


def registration_open(event, now=None):
    now = now or utcnow()
    if event.status != "published":
        return False
    opens = event.registration_opens_at
    closes = event.registration_closes_at or event.ends_at
    return (opens is None or opens <= now) and now < closes


def join_url_visible(caller, event, registered):
    return (event.join_url_visibility == "public" or registered
            or access.manages(caller, event.association_ids))


def event_views(session, caller, events):
    ids = [e.id for e in events]
    return render_views(
        caller, events, seat_counts(session, ids), events_registered_for(session, caller, ids)
    )


def render_views(caller, events, seats, registered):
    """Views of ``events`` (ORM objects or rows with the same attributes) from their seat counts and the
    ids of those the caller is registered for."""
    now = utcnow()
    views = []
    for event in events:
        data = in_event_zone(event, dump(schemas.Event, event))
        data["venue"] = (
            {"address": event.venue_address, "host_organisation_id": event.venue_organisation_id,
             # as the organiser named it: where a published event is held is part of it
             "host_organisation_name": event.venue_host_name if event.venue_organisation_id else None}
            if event.venue_address or event.venue_organisation_id
            else None
        )
        visible = join_url_visible(caller, event, event.id in registered)
        data["join_url"] = event.join_url if visible else None
        data["join_url_hidden"] = bool(event.join_url) and not visible
        counts = seats[event.id]
        data["seats"] = {
            "capacity": event.capacity,
            **counts,
            "available": None if event.capacity is None else max(0, event.capacity - counts["confirmed"]),
        }
        data["registration_open"] = registration_open(event, now)
        data["local_start"] = event_moment(event, event.starts_at).isoformat()
        views.append(data)
    return views


def event_view(session, caller, event):
    return event_views(session, caller, [event])[0]
