"""A thread's page of posts and a network's page of threads written whole by PostgreSQL give the JSON the
ORM's pages give, for every reader: anonymous, members, a hidden post's author, conveners, outsiders;
with hidden, deleted, edited and erased posts, kinds, pages and closed networks."""
from datetime import datetime, timedelta, timezone

import orjson
import pytest
from sqlalchemy import text, update

from nabo_common.api.errors import NaboError
from nabo_common.persistence import db
from nabo_common.runtime.context import ANONYMOUS
from services.members.domain import gdpr
from services.members.domain.conversations import moderation, pages, posts, threads
from services.members.domain.networks import joining, lifecycle, roster
from services.members.models import Post, Thread
from tests.support import infra
from tests.unit.members.conftest import World, theme

QUERIES = ({}, {"limit": 2}, {"limit": 2, "offset": 1}, {"limit": 1, "offset": 50}, {"kind": "question"},
           {"kind": "announcement", "limit": 1})


@pytest.fixture(scope="module")
def world():
    engine = db.make_engine(infra.make_database("members"))
    session = db.make_sessionmaker(engine)()
    try:
        yield World(session)
    finally:
        session.close()
        engine.dispose()


def _network(world, convener, association, member_callers, visibility):
    network = world.call(lifecycle.create, convener, {
        "name": {"sv": "Kajak i Höga Kusten", "de": "Kajak an der Hohen Küste"},
        "association_ids": [association.id], "themes": [theme("kayaking")], "visibility": visibility,
        "join_policy": "open"})
    for caller in member_callers:
        world.call(joining.join, caller, network["id"], {})
    return network


@pytest.fixture(scope="module")
def conversation(world):
    association = world.association("SE", "sv")
    org = world.organisation(association)
    people = {name: world.person(association, org) for name in ("convener", "member", "other", "erased")}
    people["outsider"] = world.person(association, org)
    callers = {name: world.caller(person) for name, person in people.items()}
    callers["admin"] = world.caller(world.person(association, admin_of=association))
    callers["anonymous"] = ANONYMOUS
    members = [callers[n] for n in ("member", "other", "erased")]
    public = _network(world, callers["convener"], association, members, "public")
    closed = _network(world, callers["convener"], association, members, "association")

    def start(network, author, kind="question", **extra):
        return world.call(threads.start, callers[author], network["id"], {
            "kind": kind, "title": f"Var sjösätter man? ({kind})", "body": "Vi är fyra, i Ullånger.",
            "themes": [theme("kayaking")], "links": ["https://www.example.se/karta"], **extra})

    def reply(thread, author, body="Prova Nordingrå camping.", **extra):
        return world.call(posts.reply, callers[author], thread["id"], {"body": body, **extra})

    question = start(public, "member")
    answer = reply(question, "convener", reply_to_id=question["opening_post"]["id"])
    spam = reply(question, "other", "Köp billiga paddlar!")
    world.call(posts.update, callers["convener"], spam["id"], {"hidden": True})
    gone = reply(question, "member", "Fel tråd.")
    world.call(posts.delete, callers["member"], gone["id"])
    world.call(posts.update, callers["member"], question["opening_post"]["id"],
               {"body": "Vi är fem, i Ullånger.", "links": []})
    reply(question, "erased", "Jag hyr ut kajaker.", themes=[theme("kayaking")])
    announcement = start(public, "convener", "announcement")
    hidden_opening = start(public, "other", "opportunity")
    hidden_reply = reply(hidden_opening, "member", "Vi hyr ut paddlar.")
    world.call(posts.update, callers["convener"], hidden_opening["opening_post"]["id"], {"hidden": True})
    for i in range(3):
        reply(announcement, "member", f"Svar {i}")
    start(closed, "member")
    closed_thread = start(closed, "other")
    reply(closed_thread, "member")
    world.call(moderation.report, callers["other"], answer["id"], {"reason": "Reklam"})
    # moments with and without fractions of a second
    with world.session.begin():
        whole = datetime(2026, 5, 1, 9, 30, tzinfo=timezone.utc)
        world.session.execute(update(Post).where(Post.id == answer["id"]).values(
            created_at=whole, edited_at=whole + timedelta(microseconds=1)))
        world.session.execute(update(Thread).where(Thread.id == announcement["id"]).values(
            created_at=whole - timedelta(days=1)))
    world.call(gdpr.erase, callers["admin"], callers["erased"].person_id)
    return {"callers": callers, "public": public, "closed": closed,
            "threads": [question, announcement, hidden_opening, closed_thread], "hidden_reply": hidden_reply}


def _same(session, fast, slow, *args):
    """Both answers, or both refusals with the same error and message."""
    try:
        expected = slow(session, *args)
    except NaboError as exc:
        with pytest.raises(type(exc)) as raised:
            fast(session, *args)
        assert str(raised.value) == str(exc)
        return None
    written = fast(session, *args)
    assert isinstance(written, str)
    assert orjson.loads(written) == expected
    return expected


@pytest.mark.parametrize("reader", ["anonymous", "member", "other", "convener", "admin", "outsider"])
def test_a_threads_page_written_by_postgresql_is_the_orms(world, conversation, reader):
    caller = conversation["callers"][reader]
    seen = 0
    for thread in conversation["threads"]:
        for query in QUERIES:
            query = {k: v for k, v in query.items() if k != "kind"}
            page = world.call(_same, pages.thread_posts, posts.list_, caller, thread["id"], query)
            seen += page is not None and len(page["items"])
    assert seen


@pytest.mark.parametrize("reader", ["anonymous", "member", "other", "convener", "admin", "outsider"])
def test_a_networks_page_of_threads_written_by_postgresql_is_the_orms(world, conversation, reader):
    caller = conversation["callers"][reader]
    for network in (conversation["public"], conversation["closed"]):
        for query in QUERIES:
            world.call(_same, pages.network_threads, threads.list_, caller, network["id"], query)


def test_the_pages_cover_what_differs_between_readers(world, conversation):
    """The cases above are not vacuous: hidden posts, placeholders, erased authors and whole seconds."""
    callers, question = conversation["callers"], conversation["threads"][0]
    as_convener = orjson.loads(world.call(pages.thread_posts, callers["convener"], question["id"], {}))
    as_anyone = orjson.loads(world.call(pages.thread_posts, ANONYMOUS, question["id"], {}))
    assert as_convener["total"] == as_anyone["total"] + 1
    assert any(p["deleted"] and p["author"] is None for p in as_anyone["items"])
    assert any(p["author"] and p["author"]["name"] == gdpr.ERASED_NAME for p in as_anyone["items"])
    assert "2026-05-01T09:30:00Z" in {p["created_at"] for p in as_anyone["items"]}
    assert "2026-05-01T09:30:00.000001Z" in {p["edited_at"] for p in as_anyone["items"]}
    listed = orjson.loads(world.call(pages.network_threads, ANONYMOUS, conversation["public"]["id"], {}))
    assert [(t["kind"], t["reply_count"]) for t in listed["items"]] == [("announcement", 3), ("question", 3)]
    assert listed["total"] == 2


def test_a_thread_whose_opening_post_is_hidden_is_out_of_sight_with_it(world, conversation):
    """As ``GET /v1/threads/{id}`` is 404 for whoever may not see its opening post, so is its page."""
    callers, hidden_opening = conversation["callers"], conversation["threads"][2]
    for reader in ("anonymous", "member", "outsider"):
        for read in (pages.thread_posts, posts.list_, lambda s, c, t, q: threads.get(s, c, t)):
            with pytest.raises(NaboError) as raised:
                world.call(read, callers[reader], hidden_opening["id"], {})
            assert raised.value.status == 404
    for reader in ("other", "convener", "admin"):  # its author, the conveners, the owners' admins
        page = world.call(pages.thread_posts, callers[reader], hidden_opening["id"], {})
        assert orjson.loads(page)["total"]


def test_the_posts_of_a_thread_whose_opening_post_is_hidden_are_out_of_sight_with_it(world, conversation):
    """A reply of that thread is 404 by its id too, also to its own author, for reading and reporting."""
    callers, hidden_reply = conversation["callers"], conversation["hidden_reply"]
    acts = {"read": lambda s, c, p: posts.get(s, c, p),
            "report": lambda s, c, p: moderation.report(s, c, p, {"reason": "Reklam"})}
    for reader, act in [("anonymous", "read")] + [(r, a) for r in ("member", "outsider") for a in acts]:
        with pytest.raises(NaboError) as raised:
            world.call(acts[act], callers[reader], hidden_reply["id"])
        assert raised.value.status == 404
    for reader in ("other", "convener", "admin"):
        assert world.call(posts.get, callers[reader], hidden_reply["id"])["body"] == "Vi hyr ut paddlar."


def test_one_removed_from_a_closed_network_reads_only_their_own_posts(world):
    """Their post by its id, to read and delete it; the thread's page stays closed to them on both paths."""
    association = world.association("SE", "sv")
    org = world.organisation(association)
    convener, leaver = (world.caller(world.person(association, org)) for _ in range(2))
    closed = _network(world, convener, association, [leaver], "association")
    thread = world.call(threads.start, leaver, closed["id"], {"kind": "question", "title": "Sjösätta?",
                                                            "body": "Vi är fyra.", "themes": []})
    world.call(roster.remove, convener, closed["id"], leaver.person_id)
    own = thread["opening_post"]["id"]
    assert world.call(posts.get, leaver, own)["body"] == "Vi är fyra."
    for read in (pages.thread_posts, posts.list_):
        with pytest.raises(NaboError) as raised:
            world.call(read, leaver, thread["id"], {})
        assert raised.value.status == 404
    world.call(posts.delete, leaver, own)
    assert world.call(posts.get, leaver, own)["deleted"] is True


def test_unknown_threads_and_networks_are_404_on_both_paths(world, conversation):
    for fast, slow in ((pages.thread_posts, posts.list_), (pages.network_threads, threads.list_)):
        world.call(_same, fast, slow, ANONYMOUS, "00000000-0000-0000-0000-000000000000", {})
        world.call(_same, fast, slow, ANONYMOUS, "not-an-id", {"limit": 5})


def _counted_and_recounted(session):
    """Each network's and thread's count kept by PostgreSQL, and the same counted from the posts."""
    kept = session.execute(text(
        "SELECT 'n' || id, visible_thread_count FROM networks UNION ALL "
        "SELECT 't' || id, visible_reply_count FROM threads")).all()
    recounted = session.execute(text(
        "SELECT 'n' || n.id, (SELECT count(*) FROM posts p WHERE p.network_id = n.id AND p.opening "
        "AND NOT p.hidden) FROM networks n UNION ALL "
        "SELECT 't' || t.id, (SELECT count(*) FROM posts p WHERE p.thread_id = t.id AND NOT p.opening "
        "AND NOT p.hidden) FROM threads t")).all()
    return sorted(kept), sorted(recounted)


def test_the_counts_follow_posts_hidden_and_restored(world, conversation):
    callers, public = conversation["callers"], conversation["public"]
    question, announcement = conversation["threads"][:2]
    kept, recounted = world.call(_counted_and_recounted)
    assert kept == recounted and any(count for _, count in kept)
    steps = [(announcement["opening_post"]["id"], True), (announcement["opening_post"]["id"], False)]
    steps += [(p["id"], hidden) for p in orjson.loads(world.call(
        pages.thread_posts, callers["convener"], question["id"], {}))["items"] if not p["opening"]
        for hidden in (not p["hidden"], p["hidden"])]
    for post_id, hidden in steps:
        world.call(posts.update, callers["convener"], post_id, {"hidden": hidden})
        kept, recounted = world.call(_counted_and_recounted)
        assert kept == recounted
        for reader in ("anonymous", "member", "convener"):
            world.call(_same, pages.network_threads, threads.list_, callers[reader], public["id"], {})
