"""Creating and changing events, and their lifecycle: draft -> published ->
completed, or cancelled. Every change registrants should hear about is an
event in the outbox (event.published, event.updated with what changed,
event.cancelled, event.completed, event.recording_published)."""
from datetime import date, datetime

from contracts.api import events as schemas
from nabo_common.api.errors import Conflict, ValidationFailed
from nabo_common.api.validation import load
from services.events.domain import access, calendars, co_hosts, reading, registrations, reminders, views
from services.events.domain.common import idempotent_calls, publish, utcnow
from services.events.domain.names import Names, attachment_names
from services.events.models import Event, EventHost, EventTag, Programme

TRANSITIONS = {
    "draft": {"published", "cancelled"},
    "published": {"cancelled", "completed"},
    "cancelled": set(),
    "completed": set(),
}
# fields whose change is worth telling registrants about (and raises the calendar SEQUENCE)
NOTEWORTHY = ("title", "description", "starts_at", "ends_at", "time_zone", "format", "venue_address",
              "venue_organisation_id", "join_url", "languages", "capacity")


def _apply(session, event, data):
    """Copy validated fields onto the event; returns {field: (old, new)} of what changed."""
    changes = {}

    def put(field, value):
        old = getattr(event, field)
        if old != value:
            changes[field] = (old, value)
            setattr(event, field, value)

    for field in ("title", "description", "format", "starts_at", "ends_at", "time_zone", "join_url",
                  "join_url_visibility", "capacity", "registration_opens_at", "registration_closes_at",
                  "visibility", "network_id", "programme_id", "people", "questions", "reminder_offsets"):
        if field in data:
            put(field, data[field])
    if "title" in data:
        event.title_lower = data["title"].lower()
    if "venue" in data:
        venue = data["venue"] or {}
        put("venue_address", venue.get("address"))
        put("venue_organisation_id", venue.get("host_organisation_id"))
        if "venue_host_name" in data:
            event.venue_host_name = data["venue_host_name"]
    for kind, key in (("theme", "themes"), ("language", "languages")):
        if key in data:
            old = [t.value for t in event.tags if t.kind == kind]
            new = list(dict.fromkeys(data[key]))
            if old != new:
                changes[key] = (old, new)
                event.tags = [t for t in event.tags if t.kind != kind] + [
                    EventTag(kind=kind, value=value, position=i) for i, value in enumerate(new)]
    if event.format in ("in_person", "hybrid") and not (event.venue_address or event.venue_organisation_id):
        raise ValidationFailed("A {format} event needs a venue.",
                               {"venue": ["Give an address or a host_organisation_id for in_person "
                                          "and hybrid events."]}, format=event.format)
    if event.ends_at <= event.starts_at:
        raise ValidationFailed(
            "The event would end before it starts.", {"ends_at": ["ends_at must be after starts_at."]}
        )
    _registration_within(event)
    if event.programme_id and "programme_id" in changes:
        # no autoflush: flushing the event first would hit the foreign key before this clear answer
        with session.no_autoflush:
            programme = session.get(Programme, event.programme_id)
        if programme is None or not set(programme.association_ids) & set(event.association_ids):
            raise ValidationFailed(
                "Unknown programme.", {"programme_id": ["No such programme of these associations."]}
            )
    return changes


def _registration_within(event):
    """One registers for an event still to come: the window, as stored with the changes, closes by the end
    of the event and opens before it."""
    if event.registration_closes_at is not None and event.registration_closes_at > event.ends_at:
        raise ValidationFailed(
            "Registration would close after the event ends.",
            {"registration_closes_at": ["registration_closes_at may be no later than ends_at."]},
        )
    if event.registration_opens_at is not None and event.registration_opens_at >= event.ends_at:
        raise ValidationFailed(
            "Registration would open after the event ends.",
            {"registration_opens_at": ["registration_opens_at must be before ends_at."]},
        )


def _json_ready(value):
    return value.isoformat() if isinstance(value, (date, datetime)) else value


def _people(data):
    if "people" in data:
        data["people"] = [
            {
                "role": p["role"],
                "person_id": p.get("person_id"),
                "organisation_id": p.get("organisation_id"),
                "name": p.get("name"),
            }
            for p in data["people"]
        ]
    return data


def _with_host_name(caller, data, directory):
    """``data`` with the name of the company hosting the venue (``venue_host_name``), looked up through
    ``directory`` as the caller: before the transaction, so no row lock waits on the members service."""
    if directory is not None and "venue" in data:
        host = (data["venue"] or {}).get("host_organisation_id")
        data["venue_host_name"] = Names(directory, caller.language).organisation(host)
    return data


def create(session, caller, payload, call_key=None, directory=None):
    """A retry with the same ``call_key`` (the request's Idempotency-Key) returns the first event;
    ``directory`` (the members service) names the venue's host company."""
    data = _with_host_name(caller, _people(load(schemas.EventCreate, payload)), directory)
    hosts, invited = co_hosts.organisers(caller, data.pop("association_ids", None))
    data.setdefault("themes", [])

    def write():
        event = Event(
            title=data["title"],
            title_lower=data["title"].lower(),
            format=data["format"],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            time_zone=data["time_zone"],
            status="draft",
            sequence=0,
        )
        event.hosts = [EventHost(association_id=a) for a in hosts]
        event.tags = []
        session.add(event)
        _apply(session, event, data)
        session.flush()
        publish(session, "event.created", views.event_data(event), caller, hosts[0])
        co_hosts.invite(session, caller, co_hosts.EVENT, event, invited)
        created = views.event_view(session, caller, event)
        return created

    with session.begin():
        return idempotent_calls.once(session, call_key, "create_event", write)


def get(session, caller, event_id):
    return reading.event_view(session, caller, event_id)


def update(session, caller, event_id, payload, directory=None):
    data = _with_host_name(caller, _people(load(schemas.EventUpdate, payload)), directory)
    attachment_names.warm(directory)
    with session.begin():
        event = access.managed_event_or_404(session, caller, event_id, lock=True)
        if event.status in ("cancelled", "completed"):
            raise Conflict("A {status} event cannot be changed.", status=event.status)
        capacity_before = event.capacity
        changes = _apply(session, event, data)
        if event.status == "published" and changes:
            noteworthy = [f for f in changes if f in NOTEWORTHY]
            if noteworthy:
                event.sequence += 1
            session.flush()
            if {"starts_at", "reminder_offsets"} & set(changes):
                reminders.schedule(session, event)
            if capacity_before is not None and (event.capacity is None or event.capacity > capacity_before):
                registrations.promote_waitlisted(session, caller, event)
            publish(
                session,
                "event.updated",
                views.event_data(
                    event,
                    [
                        {"field": f, "old": _json_ready(old), "new": _json_ready(new)}
                        for f, (old, new) in changes.items()
                    ],
                    ics=calendars.event_ics(event, show_join_url=True),
                ),
                caller,
                event.association_ids[0],
            )
        session.flush()
    return views.event_view(session, caller, event)


def transition(session, caller, event_id, payload, directory=None):
    data = load(schemas.EventTransition, payload)
    attachment_names.warm(directory)
    target = data["to"]
    with session.begin():
        event = access.managed_event_or_404(session, caller, event_id, lock=True)
        if target not in TRANSITIONS[event.status]:
            raise Conflict("An event that is {status} cannot become {target}.",
                           status=event.status, target=target)
        now = utcnow()
        if target == "completed" and event.starts_at > now:
            raise Conflict("An event can be completed once it has started.")
        event.status = target
        if target == "cancelled":
            event.cancel_reason = data.get("reason")
            event.sequence += 1
            reminders.unschedule(session, event)
        if target == "published":
            event.published_at = event.published_at or now
            reminders.schedule(session, event, now)
        session.flush()
        # a draft cancelled before anyone saw it needs no announcement
        if target != "cancelled" or event.published_at is not None:
            ics = calendars.cancellation_ics(event) if target == "cancelled" else None
            publish(
                session,
                f"event.{target}",
                views.event_data(event, reason=event.cancel_reason, ics=ics),
                caller,
                event.association_ids[0],
            )
    return views.event_view(session, caller, event)


def publish_recording(session, caller, event_id, payload):
    data = load(schemas.RecordingPublish, payload)
    with session.begin():
        event = access.managed_event_or_404(session, caller, event_id, lock=True)
        if event.status not in ("published", "completed") or event.starts_at > utcnow():
            raise Conflict("A recording can be published once the event has taken place.")
        event.recording_url = data["recording_url"]
        event.recording_published_at = utcnow()
        session.flush()
        publish(
            session,
            "event.recording_published",
            {
                "event_id": event.id,
                "association_ids": event.association_ids,
                "recording_url": event.recording_url,
                "network_id": event.network_id,
                "title": event.title,
            },
            caller,
            event.association_ids[0],
        )
    return views.event_view(session, caller, event)
