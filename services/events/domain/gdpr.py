"""GDPR: what the events service holds about a person, and anonymisation on
person.erased (counts for reports stay; names, e-mails, answers and comments go).
An erased person's registrations for events still to come are cancelled, so
their seats go to the waitlist."""
from sqlalchemy import String, cast, select, update

from contracts.api import events as schemas
from nabo_common.api.validation import dump
from nabo_common.messaging import outbox
from services.events.domain import access, registrations, views
from services.events.domain.common import ERASED_NAME, utcnow
from services.events.models import (
    Attendance,
    Event,
    EventHostInvitation,
    Feedback,
    OutboxEvent,
    ProgrammeHostInvitation,
    Registration,
)


def _visible(caller, person_id):
    """The person sees everything; an organiser sees what concerns their own events."""
    if caller.is_privileged or caller.person_id == str(person_id):
        return lambda _event: True
    return lambda event: access.manages(caller, event.association_ids)


def export(session, caller, person_id):
    access.require_authenticated(caller)
    allowed = _visible(caller, person_id)
    events = {}

    def event_of(event_id):
        if event_id not in events:
            events[event_id] = session.get(Event, event_id)
        return events[event_id]

    registrations = [
        r
        for r in session.scalars(select(Registration).where(Registration.person_id == str(person_id)))
        if allowed(event_of(r.event_id))
    ]
    attendances = [
        a
        for a in session.scalars(select(Attendance).where(Attendance.person_id == str(person_id)))
        if allowed(event_of(a.event_id))
    ]
    feedback = [
        f
        for f in session.scalars(select(Feedback).where(Feedback.person_id == str(person_id)))
        if allowed(event_of(f.event_id))
    ]
    roles = [
        {"event_id": e.id, "title": e.title, **p}
        for e in _events_naming(session, person_id)
        if allowed(e)
        for p in e.people
        if p.get("person_id") == str(person_id)
    ]
    return {
        "service": "events",
        "registrations": [
            dict(dump(schemas.Registration, r), event_title=event_of(r.event_id).title) for r in registrations
        ],
        "attendance": dump(schemas.Attendance, attendances, many=True),
        "feedback": [dict(dump(schemas.FeedbackOut, f), event_id=f.event_id) for f in feedback],
        "event_roles": roles,
    }


def _events_naming(session, person_id):
    """Events listing the person among speakers, facilitators and the like."""
    # people are stored as JSON; a text match narrows the scan before the exact check
    candidates = session.scalars(select(Event).where(cast(Event.people, String).contains(str(person_id))))
    return [e for e in candidates if any(p.get("person_id") == str(person_id) for p in e.people)]


def _anonymise(registration, now):
    registration.person_id = None
    registration.name = ERASED_NAME
    registration.email = registration.email_lower = None
    registration.answers = {}
    registration.erased_at = now


def _cancel_upcoming(session, person_id, now):
    """Cancel the person's active registrations for events still to come, as a cancellation by the
    person would: registration.cancelled (carrying no personal data) and the waitlist moves up."""
    registered = select(Registration.event_id).where(
        Registration.person_id == person_id, Registration.status.in_(views.ACTIVE)
    )
    # the events' rows locked in one order, so that concurrent registrations cannot deadlock with this
    events = session.scalars(
        select(Event)
        .where(Event.id.in_(registered), Event.starts_at > now)
        .order_by(Event.id)
        .with_for_update()
    ).all()
    for event in events:
        for registration in session.scalars(
            select(Registration).where(
                Registration.event_id == event.id,
                Registration.person_id == person_id,
                Registration.status.in_(views.ACTIVE),
            )
        ):
            was_confirmed = registration.status == "confirmed"
            registration.status, registration.cancelled_at = "cancelled", now
            _anonymise(registration, now)
            session.flush()
            registrations.announce(session, None, event, registration, "registration.cancelled")
            if was_confirmed and event.status == "published":
                registrations.promote_waitlisted(session, None, event)


def erase_person(session, person_id):
    """Anonymise every copy of the person; called inside the consumer's transaction."""
    person_id = str(person_id)
    now = utcnow()
    emails = session.scalars(select(Registration.email).where(Registration.person_id == person_id)).all()
    outbox.forget_published(session, OutboxEvent, (person_id, *emails))
    _cancel_upcoming(session, person_id, now)
    for registration in session.scalars(select(Registration).where(Registration.person_id == person_id)):
        _anonymise(registration, now)
    for row in session.scalars(select(Attendance).where(Attendance.person_id == person_id)):
        row.person_id, row.name, row.email_lower, row.erased_at = None, ERASED_NAME, None, now
    for row in session.scalars(select(Feedback).where(Feedback.person_id == person_id)):
        row.person_id, row.comment = None, None
    for event in _events_naming(session, person_id):
        event.people = [
            dict(p, person_id=None, name=ERASED_NAME) if p.get("person_id") == person_id else p
            for p in event.people
        ]
    for invitation in (EventHostInvitation, ProgrammeHostInvitation):
        session.execute(update(invitation).where(invitation.invited_by == person_id).values(invited_by=None))
    session.flush()
