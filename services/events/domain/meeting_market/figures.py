"""The organiser's figures of an event's meeting market, for the programme report: participants,
requests by answer, meetings scheduled and held, no-shows, what came of the meetings and how many
met across a border."""
from collections import Counter

from sqlalchemy import func, select

from contracts.api.meeting_markets import FOLLOW_UPS
from services.events.domain.meeting_market import markets
from services.events.domain.meeting_market import meetings as meeting_rules
from services.events.models import MarketParticipant, Meeting, MeetingMarket, MeetingOutcome, MeetingRequest

ANSWERS = ("accepted", "declined", "withdrawn", "expired")
COUNTS = ("participants", "requests_sent", *(f"requests_{answer}" for answer in ANSWERS),
          "meetings_scheduled", "meetings_held", "no_shows", "places_ended", "cross_border_meetings")


def _share(part, whole, digits=3):
    return round(part / whole, digits) if whole else None


def with_rates(figures):
    """The counts with the rates worked out from them (also for sums over events)."""
    return dict(figures, no_show_rate=_share(figures["no_shows"], figures["places_ended"]),
                cross_border_share=_share(figures["cross_border_meetings"], figures["meetings_scheduled"]))


def of_event(session, event, countries):
    """The figures of ``event``'s market, or None without one. ``countries``: organisation id -> its
    country, or None where the reader may not see it (a meeting is cross-border when both are known
    and differ)."""
    market = session.scalars(select(MeetingMarket).where(MeetingMarket.event_id == event.id)).first()
    if market is None:
        return None
    by_status = dict(session.execute(select(MeetingRequest.status, func.count())
                                     .where(MeetingRequest.market_id == market.id)
                                     .group_by(MeetingRequest.status)).all())
    organisations = dict(session.execute(
        select(MarketParticipant.person_id, MarketParticipant.organisation_id)
        .where(MarketParticipant.market_id == market.id)).all())
    published = session.scalars(select(Meeting).where(
        Meeting.market_id == market.id, Meeting.status == "scheduled",
        Meeting.published_at.is_not(None))).all()
    said_held = set(session.scalars(select(MeetingOutcome.meeting_id).join(
        Meeting, Meeting.id == MeetingOutcome.meeting_id).where(
        Meeting.market_id == market.id, MeetingOutcome.held.is_(True))))
    follow_ups = Counter(session.scalars(select(MeetingOutcome.follow_up).join(
        Meeting, Meeting.id == MeetingOutcome.meeting_id).where(
        Meeting.market_id == market.id, Meeting.status == "scheduled",
        MeetingOutcome.follow_up.is_not(None))))
    places, no_shows = markets.no_show_counts(session, [market.id])
    cross_border = 0
    for meeting in published:
        found = [countries(organisations.get(seat.person_id)) for seat in meeting.seats]
        cross_border += len(found) == 2 and None not in found and found[0] != found[1]
    return with_rates({
        "participants": len(organisations),
        "requests_sent": sum(by_status.values()),
        **{f"requests_{status}": by_status.get(status, 0) for status in ANSWERS},
        "meetings_scheduled": len(published),
        "meetings_held": sum(1 for m in published if meeting_rules.held(m) or m.id in said_held),
        "no_shows": no_shows, "places_ended": places,
        "outcomes": {follow_up: follow_ups.get(follow_up, 0) for follow_up in FOLLOW_UPS},
        "cross_border_meetings": cross_border,
    })


def total(lines):
    """The figures summed over the events that have a market, or None when none has."""
    figures = [line for line in lines if line]
    if not figures:
        return None
    summed = {key: sum(f[key] for f in figures) for key in COUNTS}
    summed["outcomes"] = {follow_up: sum(f["outcomes"][follow_up] for f in figures)
                          for follow_up in FOLLOW_UPS}
    return with_rates(summed)
