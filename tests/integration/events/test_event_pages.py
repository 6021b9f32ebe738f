"""A page of events written whole by PostgreSQL gives the JSON the Python views give, keys in the same
order, for every reader (anonymous, a registrant, a member, the organiser, the co-host, a platform admin)
and every filter: drafts and members-only events, time zones whose offsets have seconds in the past,
moments with microseconds, full events with a waitlist, registration windows not yet open, open and
closed, join URLs for registrants or everyone, venues at an address, at a host company or nowhere, and
empty pages. One event written by PostgreSQL is its Python view the same way, for every reader and
event, and unseen, missing or no events are NotFound the same way."""
import importlib.util
import json
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import orjson
import pytest
from sqlalchemy import delete, update

from nabo_common.api.errors import NotFound
from nabo_common.persistence.prepared import PREPARED_KEY
from nabo_common.runtime.context import PLATFORM_ADMIN, Caller
from nabo_common.runtime.jsoncodec import http_dumps
from services.events.domain import (
    lifecycle,
    listing,
    names,
    one_event,
    pages,
    reading,
    registrations,
    search,
    view_text,
)
from services.events.models import Event, EventHost, EventTag
from tests.support.infra import database_sessions
from tests.unit.events.conftest import (
    ANON,
    ASSOC_A,
    ASSOC_B,
    HOST_COMPANY,
    Directory,
    admin_of,
    at,
    call_session,
    make_event,
    member_of,
    register_self,
)

UNSEEN_COMPANY = "1a2b3c4d-5e6f-4a1b-8c2d-3e4f5a6b7c8d"
THEMES = ["financing", "export"]


@pytest.fixture(scope="module")
def session():
    with database_sessions("events") as sessions:
        session = call_session(sessions.kw["bind"])
        yield session
        session.close()


def _change(session, event_id, **values):
    with session.begin():
        session.execute(update(Event).where(Event.id == event_id).values(**values))


def _guests(session, event_id, count):
    for n in range(count):
        registrations.register(session, ANON, event_id, {"name": f"Gæst {n}", "email": f"g{n}@example.org"})


@pytest.fixture(scope="module")
def catalogue(session):
    organiser, co_host = admin_of(ASSOC_A), admin_of(ASSOC_B)
    registrant = member_of(ASSOC_A)
    full = make_event(session, organiser, title="Kapital til vækst", capacity=2, themes=THEMES,
                      languages=["da", "de"], format="hybrid", venue={"address": "Havnegade 1, Fjordby"},
                      description='Tal om "vækst",\n\tbackslash \\ og ø/å, emoji 🌱 og \u2028.',
                      people=[{"role": "speaker", "name": 'Åse "Ø" Ødegård',
                               "person_id": registrant.person_id},
                              {"role": "host_company", "organisation_id": HOST_COMPANY}],
                      questions=[{"id": "company", "text": "Virksomhed? «CVR»", "required": False},
                                 {"id": "diet", "text": "Kost\tog drikke"}],
                      reminder_offsets=[1440, 60])
    register_self(session, registrant, full["id"])
    _guests(session, full["id"], 1)
    _change(session, full["id"], reminder_offsets=[1440, 60, 5])  # written by the ORM's JSON, not the API
    waiting = member_of(ASSOC_A)
    register_self(session, waiting, full["id"])  # on the waitlist: sees no join URL
    open_to_all = make_event(session, co_host, title="Grenzüberschreitend", start=at(days=9),
                             join_url_visibility="public", languages=["de"], themes=["export"],
                             association_ids=[ASSOC_B, ASSOC_A])
    hosted = make_event(session, organiser, title="Hos Vindmølle", start=at(days=10), format="in_person",
                        venue={"host_organisation_id": HOST_COMPANY}, capacity=None)
    unseen_host = make_event(session, organiser, title="Hos en anden", start=at(days=11),
                             format="in_person", venue={"host_organisation_id": HOST_COMPANY})
    _change(session, unseen_host["id"], venue_organisation_id=UNSEEN_COMPANY, venue_host_name="Skjult A/S")
    not_yet = make_event(session, organiser, title="Not yet open", start=at(days=12),
                         registration_opens_at=at(days=2).isoformat())
    closed = make_event(session, organiser, title="Closed early", start=at(days=13),
                        registration_closes_at=at(days=1).isoformat())
    _change(session, closed["id"], registration_closes_at=at(hours=-1))
    draft = make_event(session, organiser, publish=False, title="Kladde", start=at(days=14))
    members_only = make_event(session, co_host, title="Nur für Mitglieder", visibility="members",
                              start=at(days=15), time_zone="Asia/Kathmandu")
    cancelled = make_event(session, organiser, title="Aflyst", start=at(days=16),
                           time_zone="America/St_Johns")
    lifecycle.transition(session, organiser, cancelled["id"], {"to": "cancelled", "reason": "Sne"})
    # the past, in zones whose offsets then had seconds (local mean time), and half a minute (Monrovia)
    kyiv = make_event(session, organiser, title="Kyiv 1900", time_zone="Europe/Kyiv", themes=["history"])
    _change(session, kyiv["id"], starts_at=datetime(1900, 5, 1, 8, 0, 0, 250, tzinfo=timezone.utc),
            ends_at=datetime(1900, 5, 1, 10, 0, tzinfo=timezone.utc),
            registration_opens_at=datetime(1900, 4, 1, 12, 0, 0, 999999, tzinfo=timezone.utc),
            recording_url="https://video.example/kyiv",
            recording_published_at=datetime(1900, 6, 1, tzinfo=timezone.utc),
            created_at=datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=timezone.utc))
    monrovia = make_event(session, organiser, title="Monrovia 1950", time_zone="Africa/Monrovia")
    _change(session, monrovia["id"], starts_at=datetime(1950, 1, 1, 12, 0, 30, tzinfo=timezone.utc),
            ends_at=datetime(1950, 1, 1, 14, 0, tzinfo=timezone.utc),
            registration_closes_at=datetime(1949, 12, 31, 12, 0, tzinfo=timezone.utc))
    west = make_event(session, co_host, title="Past in Los Angeles", time_zone="America/Los_Angeles",
                      association_ids=[ASSOC_B])
    _change(session, west["id"], starts_at=at(days=-3) + timedelta(microseconds=17),
            ends_at=at(days=-3, hours=2))
    listed = (full, open_to_all, hosted, unseen_host, not_yet, closed, draft, members_only, cancelled, kyiv,
              monrovia, west)
    return {"events": {e["title"]: e["id"] for e in listed},
            "readers": {"anonymous": ANON, "registrant": registrant, "waiting": waiting,
                        "member": member_of(ASSOC_B),
                        "organiser": organiser, "co_host": co_host, "both": admin_of(ASSOC_A, ASSOC_B),
                        "platform": Caller(person_id=str(uuid.uuid4()), roles=(PLATFORM_ADMIN,))}}


QUERIES = (
    {}, {"when": "upcoming"}, {"when": "past"}, {"when": "all", "limit": 200},
    {"theme": "export"}, {"theme": "history", "when": "past"}, {"language": "de"},
    {"q": "KAPITAL"}, {"q": "1900"}, {"association_id": ASSOC_B}, {"status": "draft"},
    {"status": "cancelled"},
    {"format": "in_person"}, {"from": at(days=10).isoformat(), "to": at(days=14).isoformat()},
    {"from": "1900-01-01T00:00:00+02:00", "to": "1960-01-01T00:00:00Z"},
    {"limit": 2}, {"limit": 3, "offset": 2}, {"limit": 5, "offset": 500}, {"q": "nothing is called this"},
)


def _ordered(written):
    """The JSON with each object as its list of (key, value): equal only with the keys in the same order."""
    return json.loads(written, object_pairs_hook=list)


def _both(session, caller, query, directory):
    expected = search.search(session, caller, query)
    names.name_host_companies(expected["items"], names.Names(directory, "da"))
    written = pages.search_json(session, caller, query, names.Names(directory, "da"))
    assert isinstance(written, str)
    assert _ordered(written) == _ordered(http_dumps(expected))  # what differs, when something does
    assert written.encode() == http_dumps(expected)
    return expected


class NoOrganisations(Directory):
    def __init__(self):
        super().__init__()
        self.organisations = {}


@pytest.mark.parametrize("reader", ["anonymous", "registrant", "waiting", "member", "organiser", "co_host",
                                    "both", "platform"])
def test_a_page_of_events_written_by_postgresql_is_the_python_views(session, catalogue, reader):
    caller = catalogue["readers"][reader]
    seen = 0
    for query in QUERIES:
        for directory in (Directory(), NoOrganisations()):
            seen += len(_both(session, caller, query, directory)["items"])
    assert seen


def test_the_pages_cover_what_differs_between_readers_and_events(session, catalogue):
    """The cases above are not vacuous."""
    events = catalogue["events"]

    def page(caller, **query):
        written = pages.search_json(session, caller, dict(query, limit=200), names.Names(Directory(), "da"))
        return {item["title"]: item for item in orjson.loads(written)["items"]}

    as_anyone = page(ANON)
    as_registrant = page(catalogue["readers"]["registrant"])
    as_organiser = page(catalogue["readers"]["organiser"])
    assert "Kladde" not in as_anyone and "Kladde" in as_organiser
    members_only = "Nur für Mitglieder"
    assert members_only not in as_anyone and members_only in page(catalogue["readers"]["member"])
    full = "Kapital til vækst"
    assert as_anyone[full]["seats"] == {"capacity": 2, "confirmed": 2, "waitlisted": 1, "available": 0}
    assert as_anyone[full]["join_url"] is None and as_anyone[full]["join_url_hidden"]
    assert as_registrant[full]["join_url"] and not as_registrant[full]["join_url_hidden"]
    assert page(catalogue["readers"]["waiting"])[full]["join_url_hidden"]
    assert as_organiser[full]["join_url"] and as_organiser["Hos Vindmølle"]["join_url"]
    assert as_anyone["Grenzüberschreitend"]["join_url"]
    assert as_anyone[full]["people"][0]["name"] == 'Åse "Ø" Ødegård'
    assert [q["required"] for q in as_anyone[full]["questions"]] == [False, False]
    assert as_anyone[full]["reminder_offsets"] == [1440, 60, 5]
    assert as_anyone["Hos Vindmølle"]["seats"]["available"] is None
    assert as_anyone["Hos Vindmølle"]["venue"]["host_organisation_name"] == "Vindmølle ApS"
    assert as_anyone["Hos en anden"]["venue"]["host_organisation_name"] == "Skjult A/S"
    assert as_anyone[full]["venue"]["address"] and as_anyone["Aflyst"]["venue"] is None
    assert [as_anyone[t]["registration_open"] for t in ("Not yet open", full, "Closed early", "Aflyst")] == [
        False, True, False, False]
    kyiv, monrovia = as_anyone["Kyiv 1900"], as_anyone["Monrovia 1950"]
    assert kyiv["starts_at"].endswith(".000250+02:02") and kyiv["local_start"] == kyiv["starts_at"]
    assert kyiv["registration_opens_at"].endswith(".999999+02:02")
    assert kyiv["created_at"] == "2026-01-02T03:04:05.000006Z"
    assert monrovia["starts_at"] == "1950-01-01T11:16:30-00:44"
    assert as_anyone["Aflyst"]["starts_at"][-6:] in ("-02:30", "-03:30")
    assert as_anyone["Past in Los Angeles"]["starts_at"].split(".")[1][:6] == "000017"
    assert events


def test_an_empty_page_still_counts_and_says_its_limit_and_offset(session, catalogue):
    written = pages.search_json(session, ANON, {"limit": 5, "offset": 500}, names.Names(Directory(), "da"))
    found = orjson.loads(written)
    assert found["items"] == [] and found["total"] > 0 and (found["limit"], found["offset"]) == (5, 500)
    nothing = orjson.loads(pages.search_json(session, ANON, {"q": "zzz"}, names.Names(Directory(), "da")))
    assert nothing == {"items": [], "total": 0, "limit": 50, "offset": 0}


class RenamedOrganisations(Directory):
    """The host companies seen by all, renamed since the organisers chose their premises as venues."""

    def __init__(self):
        super().__init__()
        self.organisations = {HOST_COMPANY: {"id": HOST_COMPANY, "name": 'Vindmølle "Nord" A/S'},
                              UNSEEN_COMPANY: {"id": UNSEEN_COMPANY, "name": "Skjult & Co"}}


class StoredNames(Directory):
    """The host companies seen by all under the names the organisers' choices stored."""

    def __init__(self):
        super().__init__()
        self.organisations = {UNSEEN_COMPANY: {"id": UNSEEN_COMPANY, "name": "Skjult A/S"}}


class AskedOrganisations(Directory):
    """Remembers which organisations it was asked for."""

    def __init__(self):
        super().__init__()
        self.asked = []

    def organisation(self, organisation_id):
        self.asked.append(organisation_id)
        return super().organisation(organisation_id)


def _one_of_both(session, caller, event_id, directory):
    """One event's JSON written by PostgreSQL, checked against the Python view's; None when unseen."""
    try:
        view = reading.event_view(session, caller, event_id)
    except NotFound as hidden:
        with pytest.raises(NotFound) as raised:
            one_event.event_json(session, caller, event_id, names.Names(directory, "da"))
        assert (raised.value.message, raised.value.params) == (hidden.message, hidden.params)
        return None
    expected = names.name_host_companies([view], names.Names(directory, "da"))[0]
    written = one_event.event_json(session, caller, event_id, names.Names(directory, "da"))
    assert isinstance(written, str)
    assert _ordered(written) == _ordered(http_dumps(expected))  # what differs, when something does
    assert written.encode() == http_dumps(expected)
    return orjson.loads(written)


@pytest.mark.parametrize("reader", ["anonymous", "registrant", "waiting", "member", "organiser", "co_host",
                                    "both", "platform"])
def test_one_event_written_by_postgresql_is_the_python_view(session, catalogue, reader):
    caller = catalogue["readers"][reader]
    seen = set()
    for title, event_id in catalogue["events"].items():
        for directory in (Directory(), NoOrganisations(), RenamedOrganisations(), StoredNames()):
            if _one_of_both(session, caller, event_id, directory) is not None:
                seen.add(title)
    assert seen
    if reader == "platform":
        assert seen == set(catalogue["events"])


def test_one_event_unseen_missing_or_unnamed_is_not_found_as_its_view_is(session, catalogue):
    events = catalogue["events"]
    hidden = {"Kladde", "Nur für Mitglieder"}
    for title in hidden:
        assert _one_of_both(session, ANON, events[title], Directory()) is None
    for event_id in (None, "", 0, str(uuid.uuid4()), "not an event", "ø" * 40):
        assert _one_of_both(session, ANON, event_id, Directory()) is None


def test_one_event_names_its_host_company_as_the_reader_sees_it_and_only_once_seen(session, catalogue):
    events, member = catalogue["events"], catalogue["readers"]["member"]
    def host_name(title, directory):
        return _one_of_both(session, ANON, events[title], directory)["venue"]["host_organisation_name"]

    assert host_name("Hos Vindmølle", Directory()) == "Vindmølle ApS"
    assert host_name("Hos Vindmølle", NoOrganisations()) is None  # no name was stored with the venue
    assert host_name("Hos en anden", Directory()) == "Skjult A/S"  # the stored name
    assert host_name("Hos en anden", StoredNames()) == "Skjult A/S"
    assert host_name("Hos en anden", RenamedOrganisations()) == "Skjult & Co"
    directory = AskedOrganisations()
    with pytest.raises(NotFound):
        one_event.event_json(session, ANON, events["Kladde"], names.Names(directory, "da"))
    one_event.event_json(session, member, events["Kapital til vækst"], names.Names(directory, "da"))
    assert directory.asked == []  # hidden, or held at an address
    one_event.event_json(session, member, events["Hos Vindmølle"], names.Names(directory, "da"))
    assert directory.asked == [HOST_COMPANY]
def test_an_events_kept_json_follows_its_columns_hosts_and_tags(session, catalogue):
    """What the page reads from the event's row is written again whenever the event, its hosts or its tags
    change, however they are written: through the domain, or by statements of their own."""
    organiser = catalogue["readers"]["organiser"]
    event = make_event(session, organiser, title="Skifter", start=at(days=20), themes=["export"],
                       languages=["da"])
    query = {"q": "skifter"}

    def item():
        written = pages.search_json(session, ANON, query, names.Names(Directory(), "da"))
        return orjson.loads(written)["items"][0]

    lifecycle.update(session, organiser, event["id"],
                     {"title": "Skifter igen", "themes": ["financing", "export"], "languages": ["de", "da"]})
    query = {"q": "skifter igen"}
    changed = item()
    assert (changed["title"], changed["themes"], changed["languages"]) == (
        "Skifter igen", ["financing", "export"], ["de", "da"])
    with session.begin():
        session.execute(delete(EventTag).where(EventTag.event_id == event["id"], EventTag.kind == "language"))
        session.add(EventHost(event_id=event["id"], association_id=ASSOC_B))
    changed = item()
    assert changed["languages"] == [] and changed["association_ids"] == sorted([ASSOC_A, ASSOC_B])
    with session.begin():
        session.execute(update(EventTag).where(EventTag.event_id == event["id"], EventTag.value == "export")
                        .values(value="history"))
    assert item()["themes"] == ["financing", "history"]
    for reader in catalogue["readers"].values():
        _both(session, reader, query, Directory())


def test_the_newest_migration_installs_the_function_the_pages_read():
    """The trigger that writes an event's JSON is the one ``pages`` would write today: a change of the
    view's fields needs a migration that installs it again."""
    versions = Path(__file__).parents[3] / "services" / "events" / "migrations" / "versions"
    installing = sorted((path for path in versions.glob("*.py") if "WRITE_EVENT_JSON" in path.read_text()),
                        key=lambda path: _position_in_history(versions, path))
    installed = _module(installing[-1]).WRITE_EVENT_JSON
    assert " ".join(installed.split()) == " ".join(view_text.stored_json_function().split())


def _module(path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _position_in_history(versions, path):
    """How many revisions come before ``path``'s."""
    parents = {}
    for each in versions.glob("*.py"):
        module = _module(each)
        parents[module.revision] = module.down_revision
    position, revision = 0, _module(path).down_revision
    while revision is not None:
        position, revision = position + 1, parents[revision]
    return position


def test_a_listing_with_no_filter_is_chosen_by_its_prepared_statement(session, catalogue):
    """The unfiltered searches above (the same pages as the ordinary statement, for every reader) went
    through the prepared listing; a filtered one does not."""
    prepared = session.connection().connection.info.get(PREPARED_KEY, set())
    for when in ("upcoming", "past", "all"):
        pages.search_json(session, ANON, {"when": when}, names.Names(Directory(), "da"))
    assert {listing.PAGES[when].name for when in ("upcoming", "past", "all")} <= prepared
    rows = listing.page_rows(session, catalogue["readers"]["organiser"], search.loaded({"when": "all"}))
    assert len(rows) == rows[0][-1] == len(catalogue["events"])
    assert search.filtered(search.loaded({"q": "kapital"})) and not search.filtered(search.loaded({}))
