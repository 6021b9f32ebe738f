"""Reminders before an event's start. Each (event, offset) is one row; a
timer on every replica claims due rows with SELECT ... FOR UPDATE SKIP LOCKED
and marks them sent together with the outbox event, so each fires once."""
from datetime import timedelta

from sqlalchemy import select

from services.events.domain.common import publish, utcnow
from services.events.models import Event, Reminder

BATCH = 100


def schedule(session, event, now=None):
    """Align reminder rows with the event's start and offsets (call while published)."""
    now = now or utcnow()
    existing = {
        r.offset_minutes: r for r in session.scalars(select(Reminder).where(Reminder.event_id == event.id))
    }
    wanted = set(event.reminder_offsets or ())
    for offset, reminder in existing.items():
        if offset not in wanted and reminder.sent_at is None:
            session.delete(reminder)
    for offset in wanted:
        due = event.starts_at - timedelta(minutes=offset)
        reminder = existing.get(offset)
        if due <= now:
            continue  # too late for this one: never send a "tomorrow" reminder an hour before
        if reminder is None:
            session.add(Reminder(event_id=event.id, offset_minutes=offset, due_at=due))
        elif reminder.due_at != due:
            reminder.due_at, reminder.sent_at = due, None


def unschedule(session, event):
    for reminder in session.scalars(
        select(Reminder).where(Reminder.event_id == event.id, Reminder.sent_at.is_(None))
    ):
        session.delete(reminder)


def fire_due(session, now=None, batch=BATCH):
    """Claim due reminders and write event.reminder_due for each; returns how many were sent."""
    now = now or utcnow()
    sent = 0
    with session.begin():
        rows = session.execute(
            select(Reminder, Event)
            .join(Event, Event.id == Reminder.event_id)
            .where(Reminder.sent_at.is_(None), Reminder.due_at <= now, Event.status == "published")
            .order_by(Reminder.due_at)
            .limit(batch)
            .with_for_update(skip_locked=True, of=Reminder)
        ).all()
        for reminder, event in rows:
            reminder.sent_at = now
            if event.starts_at <= now:
                continue  # the event has begun: a late reminder helps nobody
            publish(
                session,
                "event.reminder_due",
                {
                    "event_id": event.id,
                    "association_ids": event.association_ids,
                    "offset_minutes": reminder.offset_minutes,
                    "starts_at": event.starts_at.isoformat(),
                    "title": event.title,
                    "time_zone": event.time_zone,
                    "join_url": event.join_url,
                },
                association_id=event.association_ids[0] if event.association_ids else None,
            )
            sent += 1
    return sent
