"""The row-level read path shows every caller exactly what the ORM view shows them."""
import orjson
import pytest

from nabo_common.api.errors import NotFound
from nabo_common.runtime.jsoncodec import http_dumps
from services.events.domain import lifecycle, names, one_event, pages, reading, registrations, search
from tests.unit.events import conftest
from tests.unit.events.conftest import (
    ANON,
    ASSOC_A,
    ASSOC_B,
    admin_of,
    at,
    make_event,
    member_of,
    orm_view,
    read_view,
    register_self,
)


def guest(n):
    return {"name": f"Guest {n}", "email": f"reader{n}@example.org"}


@pytest.fixture
def catalogue(session, admin_a):
    """Events that exercise every part of the view: co-hosts, several themes and languages, seats taken
    and a waitlist, a members-only event, a hidden join link, a draft, an in-person venue."""
    registered = member_of(ASSOC_A)
    # staff of both associations: co-hosted at once
    full = make_event(session, admin_of(ASSOC_A, ASSOC_B), capacity=2,
                      themes=["financing", "export", "digital"],
                      languages=["da", "en", "de"], association_ids=[ASSOC_A, ASSOC_B])
    for n in range(3):
        registrations.register(session, ANON, full["id"], guest(n))
    members_only = make_event(session, admin_a, visibility="members", start=at(days=9))
    register_self(session, registered, members_only["id"])
    draft = make_event(session, admin_a, publish=False, start=at(days=10))
    venue = make_event(session, admin_a, format="in_person", join_url=None, start=at(days=11),
                       venue={"address": "Havnegade 1, Aarhus"}, capacity=None)
    return {"ids": [full["id"], members_only["id"], draft["id"], venue["id"]], "registered": registered}


def callers(catalogue):
    return {"anonymous": ANON, "member of A": member_of(ASSOC_A), "member of B": member_of(ASSOC_B),
            "registered member": catalogue["registered"], "admin of A": admin_of(ASSOC_A),
            "admin of B": admin_of(ASSOC_B)}


def test_one_event_reads_as_the_orm_view_for_every_caller(session, catalogue):
    compared = 0
    for name, caller in callers(catalogue).items():
        for event_id in catalogue["ids"]:
            expected = orm_view(session, caller, event_id)
            assert read_view(session, caller, event_id) == expected, (name, event_id)
            compared += expected is not None
    assert compared >= 12  # most pairs are visible, so the views themselves were compared


def test_seats_waitlist_and_registration_show_in_the_read_view(session, catalogue):
    full, members_only = catalogue["ids"][:2]
    view = lifecycle.get(session, ANON, full)
    assert view["seats"] == {"capacity": 2, "confirmed": 2, "waitlisted": 1, "available": 0}
    assert view["association_ids"] == sorted([ASSOC_A, ASSOC_B])
    assert view["themes"] == ["financing", "export", "digital"] and view["languages"] == ["da", "en", "de"]
    assert view["join_url"] is None and view["join_url_hidden"] is True
    mine = lifecycle.get(session, catalogue["registered"], members_only)
    assert mine["join_url"] == "https://meet.example/abc" and mine["join_url_hidden"] is False


def test_hidden_and_unknown_events_are_not_found(session, catalogue):
    draft = catalogue["ids"][2]
    for caller in (ANON, member_of(ASSOC_A), admin_of(ASSOC_B)):
        with pytest.raises(NotFound):
            lifecycle.get(session, caller, draft)
    for unknown in ("00000000-0000-0000-0000-000000000000", None, ""):
        with pytest.raises(NotFound):
            lifecycle.get(session, ANON, unknown)


def test_a_page_holds_the_orm_views_and_the_total(session, catalogue):
    for name, caller in callers(catalogue).items():
        result = search.search(session, caller, {"limit": 2, "offset": 1})
        everything = search.search(session, caller, {"limit": 50})
        assert result["total"] == everything["total"] == len(everything["items"]), name
        assert result["items"] == everything["items"][1:3], name
        for item in everything["items"]:
            assert item == orm_view(session, caller, item["id"]), (name, item["id"])


def test_a_page_past_the_end_still_counts_the_total(session, catalogue):
    page = search.search(session, admin_of(ASSOC_A), {"limit": 10, "offset": 100})
    assert page["items"] == [] and page["total"] == 4
    assert search.search(session, ANON, {"q": "no such words here"})["total"] == 0


def test_the_read_statements_are_compiled_once_and_cached():
    # a construct without inherit_cache leaves its statements without a cache key: compiled on every read
    for statement in (reading.ONE_EVENT, reading.HOSTS_AND_TAGS):
        assert statement._generate_cache_key() is not None


def test_a_page_of_events_as_json_text_on_sqlite_is_the_python_views_named(session, admin_a):
    """Without PostgreSQL the page's JSON is ``search.search``'s, its host companies named as the reader
    sees them, in the bytes the gateway writes."""
    company = conftest.HOST_COMPANY
    hosted = make_event(session, admin_a, format="in_person", venue={"host_organisation_id": company})
    written = pages.search_json(session, ANON, {"limit": 10}, names.Names(conftest.Directory(), "da"))
    expected = search.search(session, ANON, {"limit": 10})
    names.name_host_companies(expected["items"], names.Names(conftest.Directory(), "da"))
    assert written == http_dumps(expected).decode()
    venue = orjson.loads(written)["items"][0]["venue"]
    assert (venue["host_organisation_id"], venue["host_organisation_name"]) == (company, "Vindmølle ApS")
    assert orjson.loads(written)["items"][0]["id"] == hosted["id"]


def test_one_event_as_json_text_on_sqlite_is_the_python_view_named(session, admin_a):
    """Without PostgreSQL one event's JSON is ``reading.event_view``'s, its host company named as the
    reader sees it, in the bytes the gateway writes; NotFound as there."""
    company = conftest.HOST_COMPANY
    hosted = make_event(session, admin_a, format="in_person", venue={"host_organisation_id": company})
    reader = names.Names(conftest.Directory(), "da")
    written = one_event.event_json(session, ANON, hosted["id"], reader)
    expected = names.name_host_companies([reading.event_view(session, ANON, hosted["id"])], reader)[0]
    assert written == http_dumps(expected).decode()
    assert orjson.loads(written)["venue"]["host_organisation_name"] == "Vindmølle ApS"
    with pytest.raises(NotFound):
        one_event.event_json(session, ANON, "no-such-event", reader)
