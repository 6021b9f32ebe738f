"""Accepted meetings: placed in the earliest slot free for both sides at a free table (or behind an
online link), listed in each participant's agenda, cancelled to free the slot.

Two accepts for the same participant wait for each other on the participant rows; the unique
constraints of meeting_participants (market, slot, person) and meetings (market, slot, table) refuse
a double booking whatever the code does, and an accept that loses a table to another tries again."""
from datetime import timedelta

from sqlalchemy import func, select

from contracts.api import meeting_markets as schemas
from nabo_common.api.errors import Conflict, Forbidden, NotFound, ValidationFailed
from nabo_common.api.validation import dump, load
from nabo_common.i18n.catalogues import N_
from services.events.domain import access
from services.events.domain.common import publish, utcnow
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
    new_id,
)

# a generated room per meeting when the organiser gives no template of their own
GENERATED_LINK = "https://meet.jit.si/nabo-{meeting_id}"


def count_scheduled(session, market_id, person_id):
    return session.scalar(select(func.count()).select_from(MeetingSeat).where(
        MeetingSeat.market_id == market_id, MeetingSeat.person_id == person_id))


def of_request(session, request_id):
    return session.scalars(select(Meeting).where(Meeting.request_id == request_id)).first()


def _names(session, market_id, person_ids):
    rows = session.scalars(select(MarketParticipant).where(
        MarketParticipant.market_id == market_id, MarketParticipant.person_id.in_(list(person_ids))))
    return {row.person_id: row for row in rows}


def participant_data(row):
    return {"person_id": row.person_id, "name": row.name, "organisation_id": row.organisation_id,
            "joined_at": row.created_at}


def view(session, meeting, market, request=None):
    return dump(schemas.MeetingOut, data(session, meeting, market, request))


def data(session, meeting, market, request=None):
    """A meeting as the API shows it, not yet dumped."""
    request = request or session.get(MeetingRequest, meeting.request_id)
    event = session.get(Event, market.event_id)
    people = _names(session, market.id, (request.requester_id, request.recipient_id))
    participants = [participant_data(p) for p in (people.get(request.requester_id),
                                                  people.get(request.recipient_id)) if p]
    return {
        "id": meeting.id, "event_id": market.event_id, "request_id": meeting.request_id,
        "starts_at": event_moment(event, meeting.starts_at), "ends_at": event_moment(event, meeting.ends_at),
        "time_zone": event.time_zone, "table": meeting.table_name,
        "online_url": meeting.online_url, "status": meeting.status,
        "published": meeting.published_at is not None, "participants": participants,
        "present": sorted(seat.person_id for seat in meeting.seats if seat.checked_in_at is not None),
        "held": held(meeting),
        "outcomes": [{"person_id": o.person_id, "held": o.held, "rating": o.rating, "follow_up": o.follow_up,
                      "note": o.note, "recorded_at": o.recorded_at} for o in meeting.outcomes]}


def held(meeting):
    """Checked in with both sides present."""
    return bool(meeting.seats) and all(seat.checked_in_at is not None for seat in meeting.seats)


def reminder_due(market, starts_at):
    """When a meeting starting at ``starts_at`` is reminded, or None when the market reminds nobody."""
    return starts_at - timedelta(minutes=market.reminder_minutes) if market.reminder_minutes else None


def online_link(market, meeting_id):
    if market.mode == "in_person":
        return None
    return (market.online_link_template or GENERATED_LINK).replace("{meeting_id}", meeting_id)


def lock_participants(session, market, person_ids=None):
    """Lock the participant rows of ``person_ids`` (all of the market's by default) in id order: placements
    of the same person wait for each other, and two never deadlock."""
    stmt = select(MarketParticipant.person_id).where(MarketParticipant.market_id == market.id)
    if person_ids is not None:
        stmt = stmt.where(MarketParticipant.person_id.in_(list(person_ids)))
    return session.scalars(stmt.order_by(MarketParticipant.person_id).with_for_update()).all()


def tables_taken(session, market):
    """slot index -> tables in use."""
    taken = {}
    for slot, table in session.execute(select(Meeting.slot, Meeting.table_name).where(
            Meeting.market_id == market.id, Meeting.table_name.is_not(None))):
        taken.setdefault(slot, set()).add(table)
    return taken


def schedule(session, market, request, not_before=None):
    """Place the accepted ``request`` (inside the caller's transaction) and return its meeting, published at
    once; Conflict
    when either side is at the maximum or no slot is free for both. May raise IntegrityError when a
    concurrent accept took the table first: the caller retries."""
    pair = sorted((request.requester_id, request.recipient_id))
    # waits for any other accept of either person (or the organiser's scheduling) until it commits
    lock_participants(session, market, pair)
    for person_id in pair:
        if count_scheduled(session, market.id, person_id) >= market.max_meetings_per_participant:
            raise Conflict("One of you already has the most meetings a participant may have.")
    busy = set(session.scalars(select(MeetingSeat.slot).where(
        MeetingSeat.market_id == market.id, MeetingSeat.person_id.in_(pair))))
    placement = scheduler.place(scheduler.slots(market.windows, market.meeting_minutes), busy,
                                tables_taken(session, market), market.tables, market.mode, not_before)
    if placement is None:
        raise Conflict("No meeting slot is free for both of you.")
    meeting_id = new_id()
    meeting = Meeting(id=meeting_id, market_id=market.id, request_id=request.id, slot=placement.slot.index,
                      starts_at=placement.slot.starts_at, ends_at=placement.slot.ends_at,
                      table_name=placement.table, online_url=online_link(market, meeting_id),
                      status="scheduled", published_at=utcnow(),
                      remind_at=reminder_due(market, placement.slot.starts_at),
                      seats=[MeetingSeat(person_id=p, market_id=market.id, slot=placement.slot.index)
                             for p in pair])
    session.add(meeting)
    session.flush()
    return meeting


def meeting_data(event, meeting, request):
    return {"event_id": event.id, "association_ids": event.association_ids, "title": event.title,
            "time_zone": event.time_zone, "meeting_id": meeting.id, "request_id": request.id,
            "person_ids": [request.requester_id, request.recipient_id],
            "starts_at": meeting.starts_at.isoformat(), "ends_at": meeting.ends_at.isoformat(),
            "table": meeting.table_name, "online_url": meeting.online_url,
            "draft": meeting.published_at is None}


def _in_context(stmt):
    """``stmt`` on meetings joined to their request, market and event."""
    return (stmt.join(MeetingRequest, MeetingRequest.id == Meeting.request_id)
            .join(MeetingMarket, MeetingMarket.id == Meeting.market_id)
            .join(Event, Event.id == MeetingMarket.event_id))


def meeting_or_404(session, caller, meeting_id, lock=False):
    """The meeting with its request, market and event, for its two participants and the event's
    organisers."""
    access.require_authenticated(caller)
    stmt = _in_context(select(Meeting, MeetingRequest, MeetingMarket, Event)).where(
        Meeting.id == str(meeting_id or ""))
    found = session.execute(stmt.with_for_update(of=Meeting) if lock else stmt).first()
    if found is None:
        raise NotFound("Meeting {meeting_id} not found.", meeting_id=meeting_id)
    meeting, request, _market, event = found
    if access.manages(caller, event.association_ids):
        return found
    # a draft of the organiser's schedule is not its participants' yet
    if caller.person_id not in (request.requester_id, request.recipient_id) or meeting.published_at is None:
        raise NotFound("Meeting {meeting_id} not found.", meeting_id=meeting_id)
    return found


def get(session, caller, meeting_id):
    with session.begin():
        meeting, request, market, _event = meeting_or_404(session, caller, meeting_id)
        return view(session, meeting, market, request)


# why a meeting cannot be cancelled: it is cancelled already, someone said it took place, it was checked in
UNCANCELLABLE = (N_("This meeting is already cancelled."),
                 N_("A participant said this meeting took place: it can no longer be cancelled."),
                 N_("This meeting was checked in: it can no longer be cancelled."))


def settled(meeting):
    """Someone said the meeting took place, or it was checked in: it stays as it is."""
    return (any(outcome.held for outcome in meeting.outcomes)
            or any(seat.checked_in_at is not None for seat in meeting.seats))


def refuse_if_settled(meeting, refusals):
    """Conflict, with the first of ``refusals`` (cancelled, said to be held, checked in) that applies."""
    cancelled, said_held, checked_in = refusals
    if meeting.status == "cancelled":
        raise Conflict(cancelled)
    if any(outcome.held for outcome in meeting.outcomes):
        raise Conflict(said_held)
    if any(seat.checked_in_at is not None for seat in meeting.seats):
        raise Conflict(checked_in)


def check_in(session, caller, meeting_id, payload):
    """Either participant or an organiser says who came to a published meeting (both, unless named):
    checked in, a participant is no no-show. Check-ins add up; meeting.checked_in names who came."""
    data = load(schemas.MeetingCheckIn, payload)
    with session.begin():
        meeting, request, market, event = meeting_or_404(session, caller, meeting_id, lock=True)
        if meeting.status != "scheduled":
            raise Conflict("A cancelled meeting cannot be checked in.")
        if meeting.published_at is None:
            raise Conflict("Publish the schedule before checking its meetings in.")
        people = {seat.person_id: seat for seat in meeting.seats}
        present = data["present"] or list(people)
        if set(present) - set(people):
            raise ValidationFailed("Only the meeting's two participants can be checked in.",
                                   {"present": ["Name the person ids of this meeting's participants."]})
        now = utcnow()
        for person_id in present:
            if people[person_id].checked_in_at is None:
                people[person_id].checked_in_at, people[person_id].checked_in_by = now, caller.person_id
        session.flush()
        publish(session, "meeting.checked_in",
                dict(meeting_data(event, meeting, request), present=sorted(present)), caller,
                event.association_ids[0])
        return view(session, meeting, market, request)


TOO_EARLY_FOR_AN_OUTCOME = N_("What came of a meeting can be recorded once it has begun.")


def record_outcome(session, caller, meeting_id, payload):
    """A participant records (or corrects) what came of a scheduled meeting, once it has begun."""
    data = load(schemas.MeetingOutcomeCreate, payload)
    with session.begin():
        meeting, request, market, _event = meeting_or_404(session, caller, meeting_id, lock=True)
        if caller.person_id not in (request.requester_id, request.recipient_id):
            raise Forbidden("Only the meeting's participants record what came of it.")
        if meeting.status != "scheduled":
            raise Conflict("A cancelled meeting has no outcome.")
        if utcnow() < meeting.starts_at:
            raise Conflict(TOO_EARLY_FOR_AN_OUTCOME)
        mine = next((o for o in meeting.outcomes if o.person_id == caller.person_id), None)
        if mine is None:
            mine = MeetingOutcome(person_id=caller.person_id)
            meeting.outcomes.append(mine)
        for key, value in data.items():
            setattr(mine, key, value)
        mine.recorded_at = utcnow()
        session.flush()
        return view(session, meeting, market, request)


def agenda_rows(session, caller, event_id=None):
    """(meeting, request, market, event) of the caller's scheduled meetings in time order."""
    access.require_authenticated(caller)
    if caller.person_id is None:
        raise Forbidden("An agenda belongs to a person.")
    stmt = (_in_context(select(Meeting, MeetingRequest, MeetingMarket, Event)
                        .join(MeetingSeat, MeetingSeat.meeting_id == Meeting.id))
            .where(MeetingSeat.person_id == caller.person_id, Meeting.status == "scheduled",
                   Meeting.published_at.is_not(None)))
    if event_id:
        stmt = stmt.where(Event.id == event_id)
    return session.execute(stmt.order_by(Meeting.starts_at, Meeting.id)).all()
