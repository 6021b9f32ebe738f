"""Partners carried forward between events: at the next market a participant is offered first the
organisations their own accepted a match with or was introduced to, and those with which a meeting
ended with a follow-up agreed, and those only where the members service lets them see them."""

from datetime import datetime, timedelta

import pytest

from nabo_common.api.errors import ValidationFailed
from services.events.domain import lifecycle, registrations
from services.events.domain.meeting_market import markets, meetings, participants, requests, suggestions
from tests.support.meeting_markets import _Everyone, begun, build_market, market_settings


class Members:
    """The members service as the participant sees it: matches with their status, and the profiles of
    the organisations they may see."""

    def __init__(self, matches, visible):
        self._matches, self.visible = matches, visible

    def matches(self, organisation_id, limit=200):
        return self._matches

    def organisation_profile(self, organisation_id):
        return {"id": organisation_id} if organisation_id in self.visible else None


def _match(caller, score, status="suggested"):
    return {"organisation": {"id": caller.organisation_ids[0]}, "score": score,
            "reasons": [{"kind": "shared_themes"}], "status": status,
            "match_id": "m-1" if status != "suggested" else None}


def _next_market(session, built):
    """A second event of the same association with a market, which everyone of the first joins."""
    start = datetime.fromisoformat(built.event["starts_at"]) + timedelta(days=30)
    event = lifecycle.create(session, built.admin, {
        "title": "Meeting day, once more", "format": "in_person", "languages": ["en"],
        "starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=8)).isoformat(),
        "time_zone": "Europe/Copenhagen", "venue": {"address": "Grænsehallen 1, Padborg"}, "capacity": 100})
    lifecycle.transition(session, built.admin, event["id"], {"to": "published"})
    markets.configure(session, built.admin, event["id"], market_settings(start))
    for caller in built.people:
        registrations.register(session, caller, event["id"], {}, people=_Everyone())
        participants.join(session, caller, event["id"], {}, _Everyone())
    return event


def _met(session, built, one, other, follow_up):
    sent = requests.send(session, one, {"event_id": built.event["id"], "recipient_id": other.person_id})
    meeting = requests.answer(session, other, sent["id"], {"status": "accepted"})["meeting"]
    begun(session, meeting["id"])
    meetings.record_outcome(session, one, meeting["id"], {"held": True, "follow_up": follow_up})
    return meeting


def test_partners_carried_forward_are_offered_first_where_the_participant_may_see_them(session):
    built = build_market(session, people=4)
    ana, ben, cai, dan = built.people
    agreed = _met(session, built, ana, ben, "meeting")
    _met(session, built, ana, cai, "offer")  # an offer sent carries nothing forward
    event = _next_market(session, built)
    matches = [_match(cai, 90), _match(dan, 50, status="accepted")]  # Ben is no match of Ana's
    members = Members(matches, visible={ben.organisation_ids[0]})
    offered = suggestions.suggest(session, ana, event["id"], members)
    assert [(item["participant"]["person_id"], [c["kind"] for c in item["carried_forward"]])
            for item in offered["items"]] == [
        (dan.person_id, ["match_accepted"]),
        (ben.person_id, ["follow_up_agreed"]),
        (cai.person_id, []),
    ]
    [carried] = offered["items"][1]["carried_forward"]
    assert (carried["event_id"], carried["meeting_id"]) == (built.event["id"], agreed["id"])
    # Ben's organisation, hidden from Ana in the members service, is not offered
    hidden = suggestions.suggest(session, ana, event["id"], Members(matches, visible=set()))
    assert ben.person_id not in {item["participant"]["person_id"] for item in hidden["items"]}
    # the follow-up works both ways: Ben is offered Ana
    for_ben = suggestions.suggest(session, ben, event["id"], Members([], visible={ana.organisation_ids[0]}))
    assert [(i["participant"]["person_id"], i["carried_forward"][0]["kind"]) for i in for_ben["items"]] == [
        (ana.person_id, "follow_up_agreed")]


def test_a_follow_up_agreed_becomes_a_request_at_the_next_event(session):
    built = build_market(session, people=3)
    ana, ben, cai = built.people
    agreed = _met(session, built, ana, ben, "meeting")
    offer = _met(session, built, ana, cai, "offer")
    event = _next_market(session, built)
    sent = requests.send(session, ben, {"event_id": event["id"], "recipient_id": ana.person_id,
                                        "follow_up_of": agreed["id"], "message": "As agreed in Padborg."})
    assert (sent["follow_up_of"], sent["status"]) == (agreed["id"], "pending")
    assert requests.get(session, ana, sent["id"])["follow_up_of"] == agreed["id"]
    # a meeting that agreed no follow-up, or not with the person asked, is refused
    for meeting_id, recipient in ((offer["id"], cai), (agreed["id"], cai)):
        with pytest.raises(ValidationFailed) as refused:
            requests.send(session, ana, {"event_id": event["id"], "recipient_id": recipient.person_id,
                                         "follow_up_of": meeting_id})
        assert "follow_up_of" in refused.value.errors
