"""Reminders before each meeting, as the event reminders work (services/events/domain/reminders.py):
every meeting carries when its reminder is due; a timer on every replica claims due meetings with
SELECT ... FOR UPDATE SKIP LOCKED and marks them reminded together with the outbox event, so each
meeting is reminded once."""
from sqlalchemy import select

from services.events.domain.common import publish, utcnow
from services.events.domain.meeting_market import meetings
from services.events.models import Event, Meeting, MeetingMarket, MeetingRequest

BATCH = 100


def remind_due(session, now=None, batch=BATCH):
    """Claim meetings whose reminder is due and write meeting.reminder_due for each (both sides are
    told, in their language); returns how many were reminded."""
    now = now or utcnow()
    sent = 0
    with session.begin():
        rows = session.execute(
            select(Meeting, MeetingRequest, MeetingMarket, Event)
            .join(MeetingRequest, MeetingRequest.id == Meeting.request_id)
            .join(MeetingMarket, MeetingMarket.id == Meeting.market_id)
            .join(Event, Event.id == MeetingMarket.event_id)
            .where(Meeting.reminded_at.is_(None), Meeting.remind_at <= now)
            .order_by(Meeting.remind_at).limit(batch)
            .with_for_update(skip_locked=True, of=Meeting)).all()
        for meeting, request, market, event in rows:
            meeting.reminded_at = now
            # a cancelled or unpublished meeting, one already begun or an event no longer on: nobody to remind
            if (meeting.status != "scheduled" or meeting.published_at is None or meeting.starts_at <= now
                    or event.status != "published"):
                continue
            publish(session, "meeting.reminder_due",
                    dict(meetings.meeting_data(event, meeting, request), minutes=market.reminder_minutes),
                    association_id=event.association_ids[0] if event.association_ids else None)
            sent += 1
    return sent
