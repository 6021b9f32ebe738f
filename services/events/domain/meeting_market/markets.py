"""Turning a meeting market on for an event and reading its settings."""
from datetime import timezone

from sqlalchemy import and_, func, or_, select

from contracts.api import meeting_markets as schemas
from nabo_common.api.errors import Conflict, Forbidden, NotFound, ValidationFailed
from nabo_common.api.validation import dump, load
from nabo_common.i18n.catalogues import N_
from services.events.domain import access
from services.events.domain.common import publish, utcnow
from services.events.domain.meeting_market import meetings as meeting_rules
from services.events.domain.meeting_market import scheduler
from services.events.domain.views import event_moment
from services.events.models import (
    Event,
    MarketParticipant,
    Meeting,
    MeetingMarket,
    MeetingOutcome,
    MeetingRequest,
    MeetingSeat,
)


def market_of_event(session, event_id, lock=False):
    stmt = select(MeetingMarket).where(MeetingMarket.event_id == str(event_id))
    market = session.scalars(stmt.with_for_update() if lock else stmt).first()
    if market is None:
        raise NotFound("Event {event_id} has no meeting market.", event_id=event_id)
    return market


def participant(session, market, person_id, lock=False):
    stmt = select(MarketParticipant).where(MarketParticipant.market_id == market.id,
                                           MarketParticipant.person_id == str(person_id or ""))
    return session.scalars(stmt.with_for_update() if lock else stmt).first()


def settings_data(market):
    return {"mode": market.mode, "meeting_minutes": market.meeting_minutes, "windows": market.windows,
            "tables": market.tables, "online_link_template": market.online_link_template,
            "max_meetings_per_participant": market.max_meetings_per_participant,
            "request_expiry_hours": market.request_expiry_hours, "scheduling": market.scheduling,
            "reminder_minutes": market.reminder_minutes}


def _counts(session, market):
    participants = session.scalar(select(func.count()).select_from(MarketParticipant)
                                  .where(MarketParticipant.market_id == market.id))
    by_status = dict(session.execute(select(MeetingRequest.status, func.count())
                                     .where(MeetingRequest.market_id == market.id)
                                     .group_by(MeetingRequest.status)).all())
    meetings = session.scalar(select(func.count()).select_from(Meeting).where(
        Meeting.market_id == market.id, Meeting.status == "scheduled"))
    drafts = session.scalar(select(func.count()).select_from(Meeting).where(
        Meeting.market_id == market.id, Meeting.status == "scheduled", Meeting.published_at.is_(None)))
    unscheduled = session.scalar(select(func.count()).select_from(MeetingRequest)
                                 .outerjoin(Meeting, Meeting.request_id == MeetingRequest.id)
                                 .where(MeetingRequest.market_id == market.id,
                                        MeetingRequest.status == "accepted", Meeting.id.is_(None)))
    said_held = select(MeetingOutcome.meeting_id).where(MeetingOutcome.held.is_(True))
    absent = select(MeetingSeat.meeting_id).where(MeetingSeat.checked_in_at.is_(None))
    checked_in = select(MeetingSeat.meeting_id).where(MeetingSeat.checked_in_at.is_not(None))
    held = session.scalar(select(func.count()).select_from(Meeting).where(
        Meeting.market_id == market.id, Meeting.status == "scheduled",
        or_(Meeting.id.in_(said_held), and_(Meeting.id.in_(checked_in), Meeting.id.not_in(absent)))))
    places, no_shows = no_show_counts(session, [market.id])
    return {"participants": participants, "meetings": meetings, "meetings_held": held, "drafts": drafts,
            "no_shows": no_shows, "no_show_rate": round(no_shows / places, 3) if places else None,
            "unscheduled": unscheduled,
            "requests": {status: by_status.get(status, 0) for status in schemas.REQUEST_STATUSES}}


def ended_places(market_ids, now=None):
    """The places (seats) in published meetings of ``market_ids`` that have ended."""
    return (select(MeetingSeat.person_id, MeetingSeat.checked_in_at, Meeting.market_id)
            .join(Meeting, Meeting.id == MeetingSeat.meeting_id)
            .where(Meeting.market_id.in_(list(market_ids)), Meeting.status == "scheduled",
                   Meeting.published_at.is_not(None), Meeting.ends_at <= (now or utcnow())))


def no_show_counts(session, market_ids, now=None):
    """(places in ended meetings, of them not checked in)."""
    rows = session.execute(ended_places(market_ids, now)).all()
    return len(rows), sum(1 for row in rows if row.checked_in_at is None)


def windows_in_event_zone(market, event):
    """The windows as the API writes an event's moments: in the event's own time zone (stored in UTC)."""
    return [{key: event_moment(event, scheduler.instant(window[key])).isoformat()
             for key in ("starts_at", "ends_at")} for window in market.windows]


def view(session, market):
    event = session.get(Event, market.event_id)
    return dump(schemas.MeetingMarket, dict(
        settings_data(market), windows=windows_in_event_zone(market, event), time_zone=event.time_zone,
        id=market.id, event_id=market.event_id, schedule_published_at=market.schedule_published_at,
        slots=len(scheduler.slots(market.windows, market.meeting_minutes)), **_counts(session, market)))


# why a market takes no requests or meetings, by the event's status
CLOSED = {"draft": N_("The event is not published yet: its meeting market is closed."),
          "cancelled": N_("The event is cancelled: its meeting market is closed."),
          "completed": N_("The event is over: its meeting market is closed.")}


def open_for_meetings(event):
    if event.status != "published":
        raise Conflict(CLOSED.get(event.status, N_("The event's meeting market is closed.")))


def _instants(windows):
    """Windows compared as moments: the same window written with another offset is the same window."""
    return [(scheduler.instant(w["starts_at"]), scheduler.instant(w["ends_at"])) for w in windows]


def _keep_scheduled_meetings(session, market, data):
    """Scheduled meetings hold their slot and table: settings that would move or remove them wait until
    no meeting is scheduled."""
    tables_in_use = set(session.scalars(select(Meeting.table_name).where(
        Meeting.market_id == market.id, Meeting.status == "scheduled")))
    if not tables_in_use:
        return
    moved = (data["mode"], data["meeting_minutes"], _instants(data["windows"])) != (
        market.mode, market.meeting_minutes, _instants(market.windows))
    if moved or (tables_in_use - {None}) - set(data["tables"]):
        raise Conflict("Meetings are scheduled: change the mode, meeting length or windows, or remove a "
                       "table in use, only once they are cancelled. Adding tables is fine.")


def configure(session, caller, event_id, payload):
    """Turn the market on, or change its settings (an organiser of the event)."""
    data = load(schemas.MeetingMarketSettings, payload)
    with session.begin():
        event = access.managed_event_or_404(session, caller, event_id, lock=True)
        if not scheduler.within(data["windows"], event.starts_at, event.ends_at):
            raise ValidationFailed("Meetings happen within the event's time.",
                                   {"windows": ["Each window must lie between the event's start and end."]})
        if scheduler.overlapping(data["windows"]):
            raise ValidationFailed("Meeting windows must not overlap.", {"windows": [
                "Windows must not overlap: one may begin when another ends, not before."]})
        if scheduler.too_short(data["windows"], data["meeting_minutes"]):
            raise ValidationFailed("Each window must hold at least one meeting.", {"windows": [
                "Each window must be at least as long as one meeting."]})
        data["windows"] = [{k: w[k].astimezone(timezone.utc).isoformat() for k in ("starts_at", "ends_at")}
                           for w in data["windows"]]
        market = session.scalars(select(MeetingMarket).where(MeetingMarket.event_id == event.id)).first()
        if market is not None:
            _keep_scheduled_meetings(session, market, data)
        if market is None:
            market = MeetingMarket(event_id=event.id)
            session.add(market)
        for key, value in data.items():
            setattr(market, key, value)
        session.flush()
        _move_reminders(session, market)
        publish(session, "meeting_market.configured", {
            "event_id": event.id, "association_ids": event.association_ids, "title": event.title,
            "time_zone": event.time_zone, "mode": market.mode, "scheduling": market.scheduling,
            "meeting_minutes": market.meeting_minutes, "tables": len(market.tables),
            "max_meetings_per_participant": market.max_meetings_per_participant},
            caller, event.association_ids[0])
        return view(session, market)


def _move_reminders(session, market):
    """Reminders not yet sent follow the market's reminder_minutes."""
    for meeting in session.scalars(select(Meeting).where(
            Meeting.market_id == market.id, Meeting.status == "scheduled", Meeting.published_at.is_not(None),
            Meeting.reminded_at.is_(None))):
        meeting.remind_at = meeting_rules.reminder_due(market, meeting.starts_at)


def get(session, caller, event_id):
    """The market's settings, for the event's organisers and its participants."""
    access.require_authenticated(caller)
    with session.begin():
        event = access.event_or_404(session, caller, event_id)
        market = market_of_event(session, event.id)
        taking_part = participant(session, market, caller.person_id) is not None
        if not (taking_part or access.manages(caller, event.association_ids)):
            raise Forbidden("The meeting market is for the event's organisers and participants.")
        return view(session, market)
