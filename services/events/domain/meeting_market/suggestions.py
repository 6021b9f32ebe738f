"""Whom a participant could meet: the members service's matches for their organisation (with its
reasons), narrowed to the organisations taking part in the same market."""
from sqlalchemy import select

from contracts.api import meeting_markets as schemas
from nabo_common.api.errors import Forbidden
from nabo_common.api.validation import dump
from services.events.domain import access
from services.events.domain.meeting_market import markets, participants
from services.events.models import MarketParticipant


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
    by_organisation = {}
    for row in others:
        by_organisation.setdefault(row.organisation_id, []).append(row)
    items = []
    # outside the transaction: the members service is asked once, as the caller
    for match in directory.matches(me.organisation_id):
        for row in by_organisation.get(match["organisation"]["id"], ()):
            items.append({"participant": participants.data(row), "score": match["score"],
                          "reasons": match["reasons"]})
    return {"items": dump(schemas.MeetingSuggestion, items, many=True)}
