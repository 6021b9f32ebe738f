"""Moving a meeting to another slot: the organiser or either participant names a slot, or takes the
earliest one after now free for both sides at a free table (or behind its online link).

A move locks the meeting and its two participants' rows as an accept does, and moves its seats and
table under the same unique constraints, so no one is ever double-booked; a move that loses a table
to a concurrent placement starts again from a fresh read. Both sides get a calendar update (same UID,
a higher SEQUENCE) with meeting.rescheduled; a draft moves without a word to them."""
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from contracts.api import meeting_markets as schemas
from nabo_common.api.errors import Conflict, ValidationFailed
from nabo_common.api.validation import load
from nabo_common.i18n.catalogues import N_
from services.events.domain.common import publish, utcnow
from services.events.domain.meeting_market import agenda, markets, meetings, requests, scheduler
from services.events.models import MeetingSeat

NOT_A_SLOT = N_("Name the start of one of the market's meeting slots, in the future.")
# why a meeting stays where it is: cancelled, said to have taken place, checked in
UNMOVABLE = (N_("A cancelled meeting cannot be moved."),
             N_("A participant said this meeting took place: it can no longer be moved."),
             N_("This meeting was checked in: it can no longer be moved."))
REFUSALS = {
    "same": N_("The meeting already takes place at that time."),
    "busy": N_("One of you already has a meeting at that time."),
    "no_table": N_("No table is free at that time."),
    "no_slot": N_("No later meeting slot is free for both of you."),
}


def _placement(session, market, meeting, pair, wanted):
    busy = set(session.scalars(select(MeetingSeat.slot).where(
        MeetingSeat.market_id == market.id, MeetingSeat.person_id.in_(pair),
        MeetingSeat.meeting_id != meeting.id)))
    taken = meetings.tables_taken(session, market)
    if meeting.table_name is not None:
        taken.get(meeting.slot, set()).discard(meeting.table_name)
    placement, why_not = scheduler.move(scheduler.slots(market.windows, market.meeting_minutes),
                                        meeting.slot, busy, taken, market.tables, market.mode, utcnow(),
                                        wanted)
    if why_not in ("not_a_slot", "past"):
        raise ValidationFailed(NOT_A_SLOT, {"starts_at": [NOT_A_SLOT]})
    if why_not:
        raise Conflict(REFUSALS[why_not])
    return placement


def reschedule(session, caller, meeting_id, payload):
    """Move a scheduled meeting (either participant or an organiser) to ``starts_at`` or the earliest
    free slot; its reminder is due anew."""
    wanted = load(schemas.MeetingReschedule, payload).get("starts_at")
    for _attempt in range(requests.ACCEPT_ATTEMPTS):  # a move loses a table as often as an accept
        try:
            with session.begin():
                return _reschedule(session, caller, meeting_id, wanted)
        except IntegrityError:
            continue
    raise Conflict("Meeting slots are changing fast right now; move the meeting again in a moment.")


def _reschedule(session, caller, meeting_id, wanted):
    meeting, request, market, event = meetings.meeting_or_404(session, caller, meeting_id, lock=True)
    meetings.refuse_if_settled(meeting, UNMOVABLE)
    markets.open_for_meetings(event)
    pair = sorted((request.requester_id, request.recipient_id))
    meetings.lock_participants(session, market, pair)
    placement = _placement(session, market, meeting, pair, wanted)
    before = meetings.meeting_data(event, meeting, request)
    meeting.slot, meeting.starts_at, meeting.ends_at = (placement.slot.index, placement.slot.starts_at,
                                                        placement.slot.ends_at)
    meeting.table_name = placement.table
    for seat in meeting.seats:
        seat.slot = placement.slot.index
    meeting.sequence += 1
    if meeting.published_at is not None:
        meeting.remind_at, meeting.reminded_at = meetings.reminder_due(market, meeting.starts_at), None
    session.flush()
    calendars = (agenda.messages(session, meeting, market, request, event)
                 if meeting.published_at is not None else [])
    publish(session, "meeting.rescheduled",
            dict(meetings.meeting_data(event, meeting, request), sequence=meeting.sequence,
                 previous_starts_at=before["starts_at"], previous_ends_at=before["ends_at"],
                 previous_table=before["table"], calendars=calendars),
            caller, event.association_ids[0])
    return meetings.view(session, meeting, market, request)


def cancel(session, caller, meeting_id, payload):
    """Cancel a scheduled meeting (either participant or an organiser): its slot and table are free
    again and both sides are told (meeting.cancelled, with each one's calendar CANCEL: the agenda's UID,
    a higher SEQUENCE); a draft goes without a word to them."""
    load(schemas.MeetingUpdate, payload)
    with session.begin():
        meeting, request, market, event = meetings.meeting_or_404(session, caller, meeting_id, lock=True)
        meetings.refuse_if_settled(meeting, meetings.UNCANCELLABLE)
        cancel_meeting(session, caller, meeting, request, market, event)
        return meetings.view(session, meeting, market, request)


def cancel_meeting(session, caller, meeting, request, market, event):
    """Free the (locked, unsettled) meeting's slot and table and tell both sides, as ``cancel`` says."""
    data = meetings.meeting_data(event, meeting, request)
    meeting.sequence += 1
    calendars = (agenda.messages(session, meeting, market, request, event, cancelled=True)
                 if meeting.published_at is not None else [])
    meeting.status, meeting.table_name = "cancelled", None
    meeting.seats.clear()
    session.flush()
    publish(session, "meeting.cancelled", dict(data, sequence=meeting.sequence, calendars=calendars),
            caller, event.association_ids[0])
