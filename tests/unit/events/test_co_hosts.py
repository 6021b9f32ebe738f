"""Co-organising across associations: another association is invited, and co-organises only once
one of its admins approves."""
import pytest

from nabo_common.api.errors import Forbidden, NotFound
from services.events.domain import calendars, co_hosts, gdpr, programmes, registrations, search
from tests.unit.events.conftest import ANON, ASSOC_A, ASSOC_B, Directory, admin_of, make_event, outbox

PROGRAMME = {"title": "Grenzeloos", "period_start": "2026-01-01", "period_end": "2026-12-31",
             "budget_amount_minor": 1000, "currency": "EUR", "association_ids": [ASSOC_A, ASSOC_B]}


def decide(session, caller, resource, resource_id, decision="approved"):
    return co_hosts.decide(session, caller, resource, resource_id, ASSOC_B, {"decision": decision})


def test_an_invited_association_sees_nothing_until_it_approves(session, admin_a, admin_b):
    event = make_event(session, admin_a, association_ids=[ASSOC_A, ASSOC_B])
    assert event["association_ids"] == [ASSOC_A]
    [invited] = outbox(session, "event.co_host_invited")
    assert invited["association_id"] == ASSOC_B
    assert invited["data"]["event_id"] == event["id"] and invited["data"]["host_association_ids"] == [ASSOC_A]
    assert search.search(session, ANON, {"association_id": ASSOC_B})["items"] == []
    assert event["id"] not in calendars.association_feed(session, ANON, ASSOC_B, Directory())["calendar"]
    with pytest.raises(Forbidden):
        registrations.list_for_event(session, admin_b, event["id"], {})

    approved = decide(session, admin_b, co_hosts.EVENT, event["id"])
    assert approved["status"] == "approved"
    listed = search.search(session, ANON, {"association_id": ASSOC_B})["items"]
    assert [e["id"] for e in listed] == [event["id"]]
    assert event["id"] in calendars.association_feed(session, ANON, ASSOC_B, Directory())["calendar"]
    assert registrations.list_for_event(session, admin_b, event["id"], {})["items"] == []
    [updated] = outbox(session, "event.updated")
    assert updated["data"]["changes"] == [{"field": "association_ids", "old": [ASSOC_A],
                                           "new": sorted([ASSOC_A, ASSOC_B])}]


def test_only_the_invited_associations_admins_answer(session, admin_a, admin_b):
    event = make_event(session, admin_a, publish=False, association_ids=[ASSOC_A, ASSOC_B])
    with pytest.raises(Forbidden):
        decide(session, admin_a, co_hosts.EVENT, event["id"])
    with pytest.raises(NotFound):
        decide(session, admin_of("someone-else"), co_hosts.EVENT, event["id"])
    assert decide(session, admin_b, co_hosts.EVENT, event["id"], "declined")["status"] == "declined"
    with pytest.raises(NotFound):
        decide(session, admin_b, co_hosts.EVENT, event["id"])
    assert outbox(session, "event.updated") == []
    [declined] = outbox(session, "event.co_host_decided")
    assert declined["association_id"] == ASSOC_B and declined["data"] == {
        "event_id": event["id"], "association_id": ASSOC_B, "association_ids": [ASSOC_A],
        "decision": "declined"}


def test_programme_invitations_are_listed_to_both_sides_until_answered(session, admin_a, admin_b):
    programme = programmes.create(session, admin_a, dict(PROGRAMME))
    assert programme["association_ids"] == [ASSOC_A]
    [invited] = outbox(session, "programme.co_host_invited")
    assert (invited["association_id"], invited["data"]["programme_id"]) == (ASSOC_B, programme["id"])
    with pytest.raises(NotFound):
        programmes.get(session, admin_b, programme["id"])
    for caller in (admin_a, admin_b):
        [listed] = co_hosts.search(session, caller, {})["items"]
        assert (listed["resource"], listed["resource_id"], listed["status"]) == ("programme", programme["id"],
                                                                                "pending")
    assert co_hosts.search(session, admin_of("someone-else"), {})["items"] == []
    decide(session, admin_b, co_hosts.PROGRAMME, programme["id"])
    assert programmes.get(session, admin_b, programme["id"])["association_ids"] == sorted([ASSOC_A, ASSOC_B])
    [approved] = outbox(session, "programme.co_host_decided")
    assert approved["data"]["decision"] == "approved" and approved["actor_id"] == admin_b.person_id
    assert co_hosts.search(session, admin_b, {})["items"] == []


def test_staff_of_both_associations_co_host_at_once(session):
    event = make_event(session, admin_of(ASSOC_A, ASSOC_B), association_ids=[ASSOC_A, ASSOC_B])
    assert event["association_ids"] == sorted([ASSOC_A, ASSOC_B])
    assert outbox(session, "event.co_host_invited") == []


def test_an_erased_inviter_is_no_longer_named(session, admin_a, admin_b):
    make_event(session, admin_a, publish=False, association_ids=[ASSOC_A, ASSOC_B])
    assert co_hosts.search(session, admin_b, {})["items"][0]["invited_by"] == admin_a.person_id
    with session.begin():
        gdpr.erase_person(session, admin_a.person_id)
    assert co_hosts.search(session, admin_b, {})["items"][0]["invited_by"] is None
