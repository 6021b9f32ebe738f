"""A participant whose registration is cancelled leaves the event's meeting market: their meetings that
have not taken place are cancelled (both sides told, with the calendar CANCEL; a draft quietly), the
requests still open are closed (a pending one they were asked is declined, any other withdrawn; the
other side is told) and they no longer count among the participants. Meetings that took place stay."""
from sqlalchemy import or_, select

from services.events.domain.common import publish, utcnow
from services.events.domain.meeting_market import markets, meetings, moves, requests
from services.events.models import Meeting, MeetingMarket, MeetingRequest


def _close(session, caller, event, market, request, person_id):
    """Cancel the request's meetings still to come; close it if it is still open."""
    scheduled = session.scalars(select(Meeting).where(Meeting.request_id == request.id,
                                                      Meeting.status == "scheduled").with_for_update()).all()
    for meeting in scheduled:
        if not meetings.settled(meeting):
            moves.cancel_meeting(session, caller, meeting, request, market, event)
    if request.status == "accepted" and scheduled:
        return  # its meeting was placed: cancelling it (or its having taken place) is what the others hear
    was_accepted = request.status == "accepted"
    details = requests.event_data(event, request)
    if request.status == "pending" and request.recipient_id == person_id:
        request.status = "declined"
    else:
        request.status = "withdrawn"
        details.update(withdrawn_by=person_id, was_accepted=was_accepted)
    request.answered_at = utcnow()
    publish(session, f"meeting_request.{request.status}", details, caller, event.association_ids[0])


def leave(session, caller, event, person_id):
    """``person_id``'s registration for ``event`` (locked) was cancelled: they leave its market, if any."""
    market = session.scalars(select(MeetingMarket).where(MeetingMarket.event_id == event.id)).first()
    if person_id is None or market is None:
        return
    participant = markets.participant(session, market, person_id, lock=True)
    if participant is None:
        return
    open_requests = session.scalars(
        select(MeetingRequest).where(
            MeetingRequest.market_id == market.id,
            or_(MeetingRequest.requester_id == person_id, MeetingRequest.recipient_id == person_id),
            MeetingRequest.status.in_(("pending", "accepted")),
        ).order_by(MeetingRequest.created_at, MeetingRequest.id).with_for_update()
    ).all()
    for request in open_requests:
        _close(session, caller, event, market, request, person_id)
    session.delete(participant)
    session.flush()
