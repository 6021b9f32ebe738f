"""Feedback: a 1-5 rating and a comment per attendee, and a summary per event."""
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from contracts.api import events as schemas
from nabo_common.api.errors import Conflict, Forbidden, ValidationFailed
from nabo_common.api.validation import dump, load
from services.events.domain import access
from services.events.models import Attendance, Feedback, Registration


def summarise(rows):
    ratings = [f.rating for f in rows]
    return {"count": len(ratings), "average": round(sum(ratings) / len(ratings), 2) if ratings else None,
            "distribution": {str(score): ratings.count(score) for score in range(1, 6)}}


def _attendance_of(session, caller, event, attendance_id):
    if attendance_id:
        if not access.manages(caller, event.association_ids):
            raise Forbidden("Only the organisers record feedback on an attendee's behalf.")
        row = session.scalar(
            select(Attendance).where(Attendance.id == attendance_id, Attendance.event_id == event.id)
        )
        if row is None or row.kind == "anonymous":
            raise ValidationFailed("Unknown attendee.", {"attendance_id": ["No such named attendee here."]})
        return row
    access.require_authenticated(caller)
    own_registrations = select(Registration.id).where(Registration.person_id == caller.person_id)
    row = session.scalar(
        select(Attendance).where(
            Attendance.event_id == event.id,
            or_(Attendance.person_id == caller.person_id, Attendance.registration_id.in_(own_registrations)),
        )
    )
    if caller.person_id is None or row is None:
        raise Forbidden("Feedback is given by people who attended.")
    return row


def give(session, caller, event_id, payload):
    data = load(schemas.FeedbackCreate, payload)
    with session.begin():
        event = access.event_or_404(session, caller, event_id)
        attendance = _attendance_of(session, caller, event, data.get("attendance_id"))
        if session.scalar(select(Feedback.id).where(Feedback.attendance_id == attendance.id)):
            raise Conflict("Feedback for this attendee has been given already.")
        feedback = Feedback(
            event_id=event.id,
            attendance_id=attendance.id,
            person_id=attendance.person_id,
            rating=data["rating"],
            comment=data.get("comment"),
        )
        session.add(feedback)
        try:
            session.flush()
        except IntegrityError:
            raise Conflict("Feedback for this attendee has been given already.") from None
    return dump(schemas.FeedbackOut, feedback)


def event_summary(session, caller, event_id):
    event = access.event_or_404(session, caller, event_id)
    rows = session.scalars(
        select(Feedback).where(Feedback.event_id == event.id).order_by(Feedback.created_at, Feedback.id)
    ).all()
    result = summarise(rows)
    # the comments are for the organisers; everyone who sees the event sees the score
    result["comments"] = (
        dump(schemas.FeedbackOut, rows, many=True) if access.manages(caller, event.association_ids) else []
    )
    return result
