"""On PostgreSQL through the migrations, one event's read (its hosts and tags aggregated on its row as
JSON) and a page's read (hosts and tags in a second query) show what the ORM view shows: co-hosts in
order, themes and languages in the order given, an event with no themes, every caller."""
import pytest
from sqlalchemy import delete, update

from services.events.domain import lifecycle, registrations, search
from services.events.models import EventTag
from tests.support.infra import database_sessions
from tests.unit.events.conftest import (
    ANON,
    ASSOC_A,
    ASSOC_B,
    admin_of,
    at,
    call_session,
    make_event,
    member_of,
    orm_view,
    read_view,
)


@pytest.fixture
def session():
    with database_sessions("events") as sessions:
        session = call_session(sessions.kw["bind"])
        yield session
        session.close()


@pytest.fixture
def catalogue(session):
    organiser = admin_of(ASSOC_A)
    co_hosted = make_event(session, admin_of(ASSOC_A, ASSOC_B), capacity=1,
                           themes=["export", "digital", "financing"],
                           languages=["de", "da", "en"], association_ids=[ASSOC_B, ASSOC_A])
    # an order that is neither the rows' order on disk nor their key's, so only sorting by position gives it
    with session.begin():
        for position, theme in enumerate(("financing", "digital", "export")):
            session.execute(
                update(EventTag)
                .where(
                    EventTag.event_id == co_hosted["id"], EventTag.kind == "theme", EventTag.value == theme
                )
                .values(position=position)
            )
    registrations.register(session, ANON, co_hosted["id"], {"name": "Guest", "email": "guest@example.org"})
    untagged = make_event(session, organiser, themes=[], start=at(days=8))
    members_only = make_event(session, organiser, visibility="members", start=at(days=9))
    # the migrations require a language, so an event without one exists only by a change outside the API
    no_languages = make_event(session, organiser, start=at(days=10))
    with session.begin():
        session.execute(delete(EventTag).where(EventTag.event_id == no_languages["id"]))
    return [co_hosted["id"], untagged["id"], members_only["id"], no_languages["id"]]


def test_one_event_and_a_page_read_as_the_orm_view_on_postgresql(session, catalogue):
    compared = 0
    for caller in (ANON, member_of(ASSOC_A), member_of(ASSOC_B), admin_of(ASSOC_A), admin_of(ASSOC_B)):
        page = {item["id"]: item for item in search.search(session, caller, {"limit": 50})["items"]}
        for event_id in catalogue:
            expected = orm_view(session, caller, event_id)
            assert read_view(session, caller, event_id) == expected
            assert page.get(event_id) == expected
            compared += expected is not None
    assert compared >= 16


def test_hosts_and_tags_keep_their_order_and_may_be_empty_on_postgresql(session, catalogue):
    co_hosted, untagged, no_languages = (lifecycle.get(session, ANON, catalogue[n]) for n in (0, 1, 3))
    assert co_hosted["association_ids"] == sorted([ASSOC_A, ASSOC_B])
    assert co_hosted["themes"] == ["financing", "digital", "export"]
    assert co_hosted["languages"] == ["de", "da", "en"]
    assert co_hosted["seats"] == {"capacity": 1, "confirmed": 1, "waitlisted": 0, "available": 0}
    assert untagged["themes"] == [] and untagged["languages"] == ["da"]
    assert no_languages["themes"] == [] and no_languages["languages"] == []
