import pytest

from nabo_common.api.errors import Conflict, Forbidden, NotFound, ValidationFailed
from services.events.domain import calendars, co_hosts, lifecycle, search
from tests.unit.events.conftest import (
    ANON,
    ASSOC_A,
    ASSOC_B,
    Directory,
    at,
    event_payload,
    make_event,
    member_of,
    move_to_past,
    outbox,
    register_self,
)


def test_update_of_a_published_event_says_what_changed_and_raises_the_sequence(session, admin_a):
    event = make_event(session, admin_a)
    new_start = at(days=8)
    updated = lifecycle.update(
        session,
        admin_a,
        event["id"],
        {
            "starts_at": new_start.isoformat(),
            "ends_at": at(days=8, hours=2).isoformat(),
            "title": "Financing 2.0",
        },
    )
    assert updated["sequence"] == 1
    [change_event] = outbox(session, "event.updated")
    changes = {c["field"]: c for c in change_event["data"]["changes"]}
    assert changes["title"] == {"field": "title", "old": "Financing for growth", "new": "Financing 2.0"}
    assert changes["starts_at"]["new"].startswith(new_start.date().isoformat())


def test_drafts_change_silently(session, admin_a):
    event = make_event(session, admin_a, publish=False)
    lifecycle.update(session, admin_a, event["id"], {"title": "Still a draft"})
    assert outbox(session, "event.updated") == []


def test_lifecycle_transitions_are_checked(session, admin_a):
    event = make_event(session, admin_a)
    with pytest.raises(Conflict, match="once it has started"):
        lifecycle.transition(session, admin_a, event["id"], {"to": "completed"})
    cancelled = lifecycle.transition(
        session, admin_a, event["id"], {"to": "cancelled", "reason": "Speaker ill"}
    )
    assert cancelled["status"] == "cancelled"
    with pytest.raises(Conflict):
        lifecycle.transition(session, admin_a, event["id"], {"to": "published"})
    with pytest.raises(Conflict):
        lifecycle.update(session, admin_a, event["id"], {"title": "x"})
    [cancel] = outbox(session, "event.cancelled")
    assert cancel["data"]["reason"] == "Speaker ill" and cancel["data"]["sequence"] == 1


def test_complete_and_publish_recording_after_the_event(session, admin_a):
    event = make_event(session, admin_a)
    with pytest.raises(Conflict):
        lifecycle.publish_recording(
            session, admin_a, event["id"], {"recording_url": "https://video.example/1"}
        )
    move_to_past(session, event["id"])
    lifecycle.transition(session, admin_a, event["id"], {"to": "completed"})
    done = lifecycle.publish_recording(
        session, admin_a, event["id"], {"recording_url": "https://video.example/1"}
    )
    assert done["recording_url"] == "https://video.example/1"
    [published] = outbox(session, "event.recording_published")
    assert published["data"]["recording_url"] == "https://video.example/1"


def test_bad_input_is_a_validation_error(session, admin_a):
    with pytest.raises(ValidationFailed) as exc:
        lifecycle.create(
            session,
            admin_a,
            event_payload(time_zone="Mars/Olympus", format="telepathy", status="published", sequence=9),
        )
    assert {"time_zone", "format", "status", "sequence"} <= set(exc.value.errors)
    with pytest.raises(ValidationFailed):
        lifecycle.create(session, admin_a, event_payload(ends_at=at(days=1).isoformat()))
    with pytest.raises(ValidationFailed):
        lifecycle.create(session, admin_a, event_payload(starts_at="2024-05-01T10:00:00"))  # no offset


JANUARY_10 = {"starts_at": "2031-01-10T10:00:00+01:00", "ends_at": "2031-01-10T12:00:00+01:00"}


@pytest.mark.parametrize(
    "window, field",
    [
        ({"registration_closes_at": "2031-06-01T09:00:00+02:00"}, "registration_closes_at"),
        ({"registration_opens_at": "2031-05-01T09:00:00+02:00"}, "registration_opens_at"),
        ({"registration_opens_at": "2031-01-10T12:00:00+01:00"}, "registration_opens_at"),  # as it ends
        ({"registration_closes_at": "2031-01-10T12:00:01+01:00"}, "registration_closes_at"),
    ],
)
def test_registration_can_neither_open_nor_close_after_the_event_ends(session, admin_a, window, field):
    with pytest.raises(ValidationFailed) as exc:
        lifecycle.create(session, admin_a, event_payload(**JANUARY_10, **window))
    assert set(exc.value.errors) == {field}


def test_registration_may_close_as_the_event_ends(session, admin_a):
    created = lifecycle.create(
        session,
        admin_a,
        event_payload(
            **JANUARY_10,
            registration_opens_at="2030-12-01T09:00:00+01:00",
            registration_closes_at=JANUARY_10["ends_at"],
        ),
    )
    assert created["registration_closes_at"] == JANUARY_10["ends_at"]


def test_moving_an_event_before_its_registration_window_is_refused(session, admin_a):
    event = make_event(
        session,
        admin_a,
        registration_opens_at=at(days=1).isoformat(),
        registration_closes_at=at(days=6).isoformat(),
    )
    with pytest.raises(ValidationFailed) as exc:
        lifecycle.update(
            session,
            admin_a,
            event["id"],
            {"starts_at": at(days=2).isoformat(), "ends_at": at(days=3).isoformat()},
        )
    assert set(exc.value.errors) == {"registration_closes_at"}
    assert lifecycle.get(session, admin_a, event["id"])["starts_at"] == event["starts_at"]


def test_other_associations_and_guests_cannot_see_drafts_or_private_events(session, admin_a, admin_b):
    draft = make_event(session, admin_a, publish=False)
    private = make_event(session, admin_a, visibility="members", title="Members only")
    public = make_event(session, admin_a, title="Open to all")
    for caller in (admin_b, ANON, member_of(ASSOC_B)):
        with pytest.raises(NotFound):
            lifecycle.get(session, caller, draft["id"])
        with pytest.raises(NotFound):
            lifecycle.get(session, caller, private["id"])
        ids = {e["id"] for e in search.search(session, caller, {})["items"]}
        assert ids == {public["id"]}
    assert lifecycle.get(session, member_of(ASSOC_A), private["id"])["title"] == "Members only"
    with pytest.raises(Forbidden):
        lifecycle.update(session, member_of(ASSOC_A), public["id"], {"title": "hijack"})
    with pytest.raises(Forbidden):
        lifecycle.update(session, admin_b, public["id"], {"title": "hijack"})


def test_co_hosted_events_belong_to_both_associations(session, admin_a, admin_b):
    event = make_event(session, admin_a, association_ids=[ASSOC_A, ASSOC_B], visibility="members")
    co_hosts.decide(session, admin_b, co_hosts.EVENT, event["id"], ASSOC_B, {"decision": "approved"})
    assert (
        lifecycle.update(session, admin_b, event["id"], {"title": "Grenzeloos ondernemen"})["title"]
        == "Grenzeloos ondernemen"
    )
    assert lifecycle.get(session, member_of(ASSOC_B), event["id"])["association_ids"] == sorted(
        [ASSOC_A, ASSOC_B]
    )


def test_join_link_hidden_until_registered(session, admin_a):
    event = make_event(session, admin_a, join_url_visibility="registrants")
    member = member_of(ASSOC_A)
    seen = lifecycle.get(session, member, event["id"])
    assert seen["join_url"] is None and seen["join_url_hidden"] is True
    register_self(session, member, event["id"])
    assert lifecycle.get(session, member, event["id"])["join_url"] == "https://meet.example/abc"
    assert "meet.example" not in calendars.one_event(session, ANON, event["id"], Directory())["calendar"]
    assert "meet.example" in calendars.one_event(session, member, event["id"], Directory())["calendar"]


def test_search_filters(session, admin_a):
    a = make_event(
        session,
        admin_a,
        themes=["tourism"],
        languages=["de"],
        format="hybrid",
        title="Wandern",
        venue={"address": "Marktplatz 1, Flensburg"},
    )
    b = make_event(
        session,
        admin_a,
        themes=["e-commerce"],
        languages=["da"],
        start=at(days=20),
        description="Webshops that sell abroad",
    )
    past = make_event(session, admin_a, themes=["tourism"])
    move_to_past(session, past["id"], days=3)

    def ids(**query):
        return [e["id"] for e in search.search(session, ANON, {k: str(v) for k, v in query.items()})["items"]]

    assert set(ids(theme="tourism")) == {a["id"], past["id"]}
    assert ids(theme="tourism", when="upcoming") == [a["id"]]
    assert ids(when="past") == [past["id"]]
    assert ids(language="de") == [a["id"]]
    assert ids(format="hybrid") == [a["id"]]
    assert ids(q="webshop") == [b["id"]]
    assert ids(**{"from": at(days=10).isoformat(), "to": at(days=30).isoformat()}) == [b["id"]]
    assert set(ids(association_id=ASSOC_A)) == {a["id"], b["id"], past["id"]}
    with pytest.raises(ValidationFailed):
        search.search(session, ANON, {"when": "someday"})
