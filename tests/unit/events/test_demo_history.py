"""The demo's unanswered meeting request runs out as any other does, once."""
from sqlalchemy import select

from services.events.demo_history import make_due
from services.events.domain.meeting_market import requests
from services.events.models import MeetingRequest, OutboxEvent
from tests.support.meeting_markets import build_market


def test_a_demo_request_made_due_is_expired_by_the_timer_once(session):
    built = build_market(session, people=3)
    ana, ben, cai = built.people
    waiting = requests.send(session, ana, {"event_id": built.event["id"], "recipient_id": ben.person_id,
                                           "message": "Wärmepumpen für Ferienhäuser?"})
    other = requests.send(session, ana, {"event_id": built.event["id"], "recipient_id": cai.person_id,
                                         "message": "Solceller?"})
    assert make_due(session, "Wärmepumpen für Ferienhäuser?") == [waiting["id"]]
    assert requests.expire_due(session) == 1
    with session.begin():
        statuses = {r.id: r.status for r in session.scalars(select(MeetingRequest))}
        expired = session.scalars(select(OutboxEvent).where(
            OutboxEvent.event_type == "meeting_request.expired")).all()
    assert statuses == {waiting["id"]: "expired", other["id"]: "pending"}
    assert [e.envelope["data"]["request_id"] for e in expired] == [waiting["id"]]
    assert make_due(session, "Wärmepumpen für Ferienhäuser?") == []  # a second run changes nothing
