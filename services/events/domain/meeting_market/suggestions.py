"""Whom a participant could meet: the members service's matches for their organisation (with its
reasons), narrowed to the organisations taking part in the same market.

Partners carried forward come first: an organisation whose match with the participant's was accepted
or introduced in the members service, or with which a meeting at an earlier market ended with a
follow-up agreed. The members service is asked as the participant, so a partner is only offered where
the organisations' visibility allows it."""
from sqlalchemy import select

from contracts.api import meeting_markets as schemas
from nabo_common.api.errors import Forbidden
from nabo_common.api.validation import dump
from services.events.domain import access
from services.events.domain.meeting_market import markets, participants
from services.events.models import MarketParticipant, Meeting, MeetingMarket, MeetingOutcome, MeetingSeat

# the members service's match statuses that carry a partner forward
CARRIED_STATUSES = {"accepted": "match_accepted", "introduced": "introduced"}


def agreed_follow_ups(session, market, organisation_id):
    """organisation id -> [{kind, event_id, meeting_id}] of the meetings at other markets where a
    participant of ``organisation_id``'s or their partner recorded that a follow-up was agreed."""
    mine = session.execute(select(MarketParticipant.market_id, MarketParticipant.person_id).where(
        MarketParticipant.organisation_id == organisation_id, MarketParticipant.market_id != market.id)).all()
    if not mine:
        return {}
    my_people = {person for _market, person in mine}
    agreed = session.execute(
        select(Meeting.id, Meeting.market_id, MeetingMarket.event_id)
        .join(MeetingMarket, MeetingMarket.id == Meeting.market_id)
        .join(MeetingOutcome, MeetingOutcome.meeting_id == Meeting.id)
        .join(MeetingSeat, MeetingSeat.meeting_id == Meeting.id)
        .where(Meeting.status == "scheduled", MeetingOutcome.follow_up == "meeting",
               MeetingSeat.person_id.in_(my_people)).distinct()).all()
    found = {}
    for meeting_id, market_id, event_id in agreed:
        seats = session.scalars(select(MeetingSeat.person_id).where(
            MeetingSeat.meeting_id == meeting_id)).all()
        for person_id in set(seats) - my_people:
            other = session.scalars(select(MarketParticipant.organisation_id).where(
                MarketParticipant.market_id == market_id, MarketParticipant.person_id == person_id)).first()
            if other and other != organisation_id:
                found.setdefault(other, []).append(
                    {"kind": "follow_up_agreed", "event_id": event_id, "meeting_id": meeting_id})
    return found


def suggest(session, caller, event_id, directory):
    access.require_authenticated(caller)
    with session.begin():
        event = access.event_or_404(session, caller, event_id)
        market = markets.market_of_event(session, event.id)
        me = markets.participant(session, market, caller.person_id)
        if me is None:
            raise Forbidden("Take part in the meeting market to see whom to meet.")
        others = session.scalars(select(MarketParticipant).where(
            MarketParticipant.market_id == market.id,
            MarketParticipant.organisation_id != me.organisation_id)).all()
        follow_ups = agreed_follow_ups(session, market, me.organisation_id)
    by_organisation = {}
    for row in others:
        by_organisation.setdefault(row.organisation_id, []).append(row)
    items, offered = [], set()
    # outside the transaction: the members service is asked as the caller
    for match in directory.matches(me.organisation_id):
        organisation_id = match["organisation"]["id"]
        carried = list(follow_ups.get(organisation_id, ()))
        if match.get("status") in CARRIED_STATUSES:
            carried.insert(0, {"kind": CARRIED_STATUSES[match["status"]], "match_id": match.get("match_id")})
        for row in by_organisation.get(organisation_id, ()):
            items.append({"participant": participants.data(row), "score": match["score"],
                          "reasons": match["reasons"], "carried_forward": carried})
            offered.add(organisation_id)
    # a partner with a follow-up agreed whom matchmaking does not suggest: offered only if the caller may
    # see the organisation in the members service
    for organisation_id, carried in follow_ups.items():
        if organisation_id in offered or organisation_id not in by_organisation:
            continue
        if directory.organisation_profile(organisation_id) is None:
            continue
        for row in by_organisation[organisation_id]:
            items.append({"participant": participants.data(row), "score": 0, "reasons": [],
                          "carried_forward": carried})
    # carried forward first; otherwise the matchmaking's order, best first
    items.sort(key=lambda item: not item["carried_forward"])
    return {"items": dump(schemas.MeetingSuggestion, items, many=True)}
