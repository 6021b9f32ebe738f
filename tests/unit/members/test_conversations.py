"""Threads, posts and their moderation in networks, on SQLite."""

from datetime import timedelta

import orjson
import pytest
from sqlalchemy import func, select

from gateway import problems
from nabo_common.api.errors import Conflict, Forbidden, NotAuthenticated, NotFound, ValidationFailed
from nabo_common.messaging.outbox import utcnow
from nabo_common.runtime.context import ANONYMOUS
from services.members import demo_history
from services.members.domain import gdpr, offers
from services.members.domain.conversations import moderation, opportunities, pages, posts, threads
from services.members.domain.networks import directory, dormancy, joining, lifecycle, owners, roster
from services.members.models import Network, Post, Thread
from tests.unit.members.conftest import theme

KAYAKING = theme("kayaking")


@pytest.fixture
def se(world):
    association = world.association("SE", "sv")
    org = world.organisation(association)
    convener_person = world.person(association, org)
    member_person = world.person(association, org)
    return {
        "association": association,
        "org": org,
        "convener": world.caller(convener_person),
        "member": world.caller(member_person),
        "outsider": world.caller(world.person(association, org)),
    }


def _network(world, se, visibility="public"):
    network = world.call(
        lifecycle.create,
        se["convener"],
        {
            "name": {"sv": "Kajak i Höga Kusten"},
            "association_ids": [se["association"].id],
            "themes": [KAYAKING],
            "visibility": visibility,
            "join_policy": "open",
        },
    )
    world.call(joining.join, se["member"], network["id"], {})
    return network


def _thread(world, caller, network, **extra):
    body = {
        "kind": "question",
        "title": "Who rents out sea kayaks in May?",
        "body": "We are four, staying in Ullånger.",
        "themes": [KAYAKING],
        **extra,
    }
    return world.call(threads.start, caller, network["id"], body)


def _reply(world, caller, thread, body="Try the camping at Nordingrå.", **extra):
    return world.call(posts.reply, caller, thread["id"], {"body": body, **extra})


def test_members_start_threads_and_reply_newest_activity_first(world, se):
    network = _network(world, se)
    first = _thread(world, se["member"], network)
    second = _thread(world, se["convener"], network, kind="announcement", title="Paddling day 12 May")
    answer = _reply(world, se["convener"], first)
    _reply(world, se["member"], first, "Thanks!", reply_to_id=answer["id"])
    listed = world.call(threads.list_, ANONYMOUS, network["id"], {})
    assert [(t["id"], t["reply_count"]) for t in listed["items"]] == [(first["id"], 2), (second["id"], 0)]
    assert listed["total"] == 2
    assert listed["items"][0]["opening_post"]["body"] == "We are four, staying in Ullånger."
    created = world.events("post.created")
    assert [(e["opening"], e["kind"], e["network_id"]) for e in created] == [
        (True, "question", network["id"]),
        (True, "announcement", network["id"]),
        (False, "question", network["id"]),
        (False, "question", network["id"]),
    ]
    assert created[0]["themes"] == [KAYAKING] and created[0]["author_person_id"] == se["member"].person_id
    assert created[3]["reply_to_id"] == answer["id"]
    assert "body" not in created[0]


def test_a_public_networks_conversation_is_open_a_closed_ones_for_members(world, se):
    public = _network(world, se)
    thread = _thread(world, se["member"], public)
    assert world.call(threads.get, ANONYMOUS, thread["id"])["title"] == "Who rents out sea kayaks in May?"
    closed = _network(world, se, visibility="association")
    closed_thread = _thread(world, se["member"], closed)
    with pytest.raises(NotFound):
        world.call(threads.list_, ANONYMOUS, closed["id"], {})
    with pytest.raises(NotFound):
        world.call(threads.get, ANONYMOUS, closed_thread["id"])
    # the outsider sees the network (same association) but not its conversation
    with pytest.raises(Forbidden):
        world.call(threads.list_, se["outsider"], closed["id"], {})
    with pytest.raises(NotFound):
        world.call(posts.list_, se["outsider"], closed_thread["id"], {})
    assert world.call(posts.list_, se["member"], closed_thread["id"], {})["total"] == 1
    # posting there, they are told how to get in, not that they may not read
    with pytest.raises(Forbidden, match="Join the network to post in it."):
        _thread(world, se["outsider"], closed)


def _refused_field(world, fn, *args):
    with pytest.raises(ValidationFailed) as refused:
        world.call(fn, *args)
    return set(refused.value.errors)


def test_titles_are_one_line_and_bodies_hold_no_control_characters(world, se):
    network = _network(world, se)
    member = se["member"]
    for title in ("Kayaks\r\nBcc: evil@example.com\r\n\r\nInjected", "Kayaks\tin May", "Kayaks\x00",
                  "Kayaks \u202ekaerb", "Kayaks \u2066isolated\u2069"):
        body = {"kind": "question", "title": title, "body": "Who rents them?"}
        assert _refused_field(world, threads.start, member, network["id"], body) == {"title"}
    thread = _thread(world, member, network)
    retitled = {"title": "New\nBcc: x@y.z"}
    assert _refused_field(world, threads.update, member, thread["id"], retitled) == {"title"}
    for body in ("bell\u0007 esc\u001b[31m", "nul\x00", "del\x7f"):
        assert _refused_field(world, posts.reply, member, thread["id"], {"body": body}) == {"body"}
        opening = thread["opening_post"]["id"]
        assert _refused_field(world, posts.update, member, opening, {"body": body}) == {"body"}
    kept = _reply(world, member, thread, "Two lines,\r\nand a\ttab\n\nthen a paragraph \u202eright to left")
    assert kept["body"].startswith("Two lines,\r\n")


def test_a_title_or_a_body_of_spaces_and_invisible_characters_is_empty(world, se):
    network = _network(world, se)
    member = se["member"]
    thread = _thread(world, member, network)
    for empty in ("   ", "\u200b", " \u200b\u200d\ufeff ", "\n\t\r\n", "\u00a0\u2060"):
        assert _refused_field(world, posts.reply, member, thread["id"], {"body": empty}) == {"body"}
        body = {"kind": "question", "title": empty, "body": "Who?"}
        assert _refused_field(world, threads.start, member, network["id"], body) == {"title"}
        body = {"kind": "question", "title": "Kayaks", "body": empty}
        assert _refused_field(world, threads.start, member, network["id"], body) == {"body"}
    assert world.session.scalar(select(func.count()).select_from(Post)) == 1


def test_links_refuse_invisible_format_characters(world, se):
    network = _network(world, se)
    member = se["member"]
    thread = _thread(world, member, network)
    for link in ("https://evil.com/\u202egpj.exe", "https://evil.com/a\u200bb", "https://evil.com/\u2066x"):
        reply = {"body": "See", "links": [link]}
        assert _refused_field(world, posts.reply, member, thread["id"], reply) == {"links"}
        body = {"kind": "question", "title": "Kayaks", "body": "Who?", "links": [link]}
        assert _refused_field(world, threads.start, member, network["id"], body) == {"links"}
    assert _reply(world, member, thread, "See", links=["https://hogakusten.com/kajak"])["links"]


def test_an_author_cannot_report_their_own_post(world, se):
    network = _network(world, se)
    thread = _thread(world, se["member"], network)
    own = thread["opening_post"]["id"]
    with pytest.raises(Conflict) as refused:
        world.call(moderation.report, se["member"], own, {"reason": "Testing"})
    assert "your own post" in refused.value.message
    assert world.call(moderation.list_reports, se["convener"], own, {})["total"] == 0
    assert world.call(moderation.report, se["convener"], own, {"reason": "Advertising"})["reason"]


def test_only_members_post_and_bad_input_writes_nothing(world, se):
    network = _network(world, se)
    with pytest.raises(Forbidden):
        _thread(world, se["outsider"], network)
    with pytest.raises(NotAuthenticated):
        _thread(world, ANONYMOUS, network)
    for bad in (
        {"links": ["javascript:alert(1)"]},
        {"links": ["data:text/html,hi"]},
        {"title": "x" * 201},
        {"kind": "rant"},
        {"themes": ["0" * 36]},
    ):
        with pytest.raises(ValidationFailed):
            _thread(world, se["member"], network, **bad)
    thread = _thread(world, se["member"], network, links=["https://hogakusten.com/kajak"])
    with pytest.raises(ValidationFailed) as refused:
        _reply(world, se["member"], thread, reply_to_id="f" * 36)
    assert "reply_to_id" in refused.value.errors
    assert world.session.scalar(select(func.count()).select_from(Thread)) == 1
    assert world.session.scalar(select(func.count()).select_from(Post)) == 1
    world.session.commit()


def test_authors_edit_and_delete_their_posts_leaving_a_placeholder(world, se):
    network = _network(world, se)
    thread = _thread(world, se["member"], network)
    question = _reply(world, se["member"], thread, "Do they have spray decks?")
    answer = _reply(world, se["convener"], thread, "Yes, they do.", reply_to_id=question["id"])
    with pytest.raises(Forbidden):
        world.call(posts.update, se["convener"], question["id"], {"body": "Hijacked"})
    edited = world.call(posts.update, se["member"], question["id"], {"body": "Do they rent spray decks?"})
    assert edited["body"] == "Do they rent spray decks?" and edited["edited_at"]
    with pytest.raises(Forbidden):
        world.call(posts.delete, se["convener"], question["id"])
    world.call(posts.delete, se["member"], question["id"])
    listed = world.call(posts.list_, ANONYMOUS, thread["id"], {})["items"]
    placeholder = next(p for p in listed if p["id"] == question["id"])
    assert (placeholder["deleted"], placeholder["body"], placeholder["author"]) == (True, None, None)
    assert next(p for p in listed if p["id"] == answer["id"])["reply_to_id"] == question["id"]
    with pytest.raises(Conflict):
        world.call(posts.update, se["member"], question["id"], {"body": "Back"})
    assert world.events("post.deleted")[0]["post_id"] == question["id"]


def test_conveners_hide_posts_from_everyone_but_the_author(world, se):
    network = _network(world, se)
    thread = _thread(world, se["member"], network)
    spam = _reply(world, se["member"], thread, "Cheap watches!")
    with pytest.raises(Forbidden):
        world.call(posts.update, se["member"], spam["id"], {"hidden": True})
    assert world.call(posts.update, se["convener"], spam["id"], {"hidden": True})["hidden"] is True
    with pytest.raises(NotFound):
        world.call(posts.get, ANONYMOUS, spam["id"])
    assert [p["id"] for p in world.call(posts.list_, ANONYMOUS, thread["id"], {})["items"]] == [
        thread["opening_post"]["id"]
    ]
    assert world.call(posts.get, se["member"], spam["id"])["hidden"] is True
    assert world.call(threads.get, ANONYMOUS, thread["id"])["reply_count"] == 0
    world.call(posts.update, se["convener"], spam["id"], {"hidden": False})
    assert world.call(posts.get, ANONYMOUS, spam["id"])["body"] == "Cheap watches!"
    assert [e["post_id"] for e in world.events("post.hidden")] == [spam["id"]]
    assert [e["post_id"] for e in world.events("post.restored")] == [spam["id"]]


def test_a_thread_with_a_hidden_opening_post_leaves_the_list(world, se):
    network = _network(world, se)
    thread = _thread(world, se["member"], network)
    world.call(posts.update, se["convener"], thread["opening_post"]["id"], {"hidden": True})
    assert world.call(threads.list_, ANONYMOUS, network["id"], {})["total"] == 0
    assert world.call(threads.list_, se["member"], network["id"], {})["total"] == 1
    with pytest.raises(NotFound):
        world.call(threads.get, ANONYMOUS, thread["id"])


def test_the_posts_of_a_thread_whose_opening_post_is_hidden_are_out_of_sight_with_it(world, se):
    network = _network(world, se)
    replier = world.caller(world.person(se["association"], se["org"]))
    world.call(joining.join, replier, network["id"], {})
    thread = _thread(world, se["member"], network)
    answer = _reply(world, replier, thread)
    world.call(posts.update, se["convener"], thread["opening_post"]["id"], {"hidden": True})
    for reader in (ANONYMOUS, se["outsider"], replier):
        with pytest.raises(NotFound):
            world.call(posts.get, reader, answer["id"])
    for reader in (se["outsider"], replier):
        with pytest.raises(NotFound):
            world.call(moderation.report, reader, answer["id"], {"reason": "Off topic"})
        with pytest.raises(NotFound):
            world.call(posts.update, reader, answer["id"], {"body": "Rewritten"})
        with pytest.raises(NotFound):
            world.call(posts.delete, reader, answer["id"])
        with pytest.raises(NotFound):
            world.call(opportunities.answer_privately, reader, answer["id"],
                       {"organisation_id": se["org"].id, "message": "Hej"})
    with pytest.raises(NotFound):
        world.call(moderation.list_reports, replier, answer["id"], {})
    # its author and the conveners read the thread, and its posts
    assert world.call(posts.get, se["member"], answer["id"])["id"] == answer["id"]
    assert world.call(posts.get, se["convener"], answer["id"])["id"] == answer["id"]
    assert world.call(moderation.report, se["member"], answer["id"], {"reason": "Off topic"})["reason"]


NOT_FOUND_IN = {  # how each language says a post or a thread was not found
    "sv": ("Inlägget {id} hittades inte.", "Tråden {id} hittades inte."),
    "da": ("Indlægget {id} blev ikke fundet.", "Tråden {id} blev ikke fundet."),
    "de": ("Beitrag {id} nicht gefunden.", "Diskussion {id} nicht gefunden."),
    "nl": ("Bericht {id} niet gevonden.", "Gesprek {id} niet gevonden."),
}


def _detail(error, language):
    """The 404's detail as the gateway renders it for a reader of ``language``; it crosses RPC as its
    message id and the values for its places, never as English text made up before it was raised."""
    assert error.value.params and error.value.message.endswith("} not found.")
    return problems.problem_for(error.value).nabo_problem.rendered(language)["detail"]


@pytest.mark.parametrize("language", sorted(NOT_FOUND_IN))
def test_a_post_or_thread_not_found_is_named_in_the_readers_language(world, se, language):
    post_missing, thread_missing = NOT_FOUND_IN[language]
    network = _network(world, se, visibility="association")
    thread = _thread(world, se["member"], network)
    opportunity = _thread(world, se["member"], network, kind="opportunity")
    hidden = _reply(world, se["member"], thread)
    world.call(posts.update, se["convener"], hidden["id"], {"hidden": True})
    unknown = "00000000-0000-4000-8000-000000000000"
    offered = opportunity["opening_post"]["id"]
    for call, caller, post_id in ((posts.get, se["member"], unknown), (posts.get, ANONYMOUS, hidden["id"]),
                                  (posts.get, se["outsider"], hidden["id"]),
                                  (opportunities.offered_post, se["outsider"], offered)):
        with pytest.raises(NotFound) as missing:
            world.call(call, caller, post_id)
        assert _detail(missing, language) == post_missing.format(id=post_id)
    with pytest.raises(NotFound) as missing:
        world.call(opportunities.answer_privately, se["outsider"], unknown,
                   {"organisation_id": se["org"].id, "message": "Hej"})
    assert _detail(missing, language) == post_missing.format(id=unknown)
    world.call(posts.update, se["convener"], thread["opening_post"]["id"], {"hidden": True})
    for caller, thread_id in ((se["member"], unknown), (ANONYMOUS, thread["id"]),
                              (se["outsider"], thread["id"])):
        with pytest.raises(NotFound) as missing:
            world.call(threads.get, caller, thread_id)
        assert _detail(missing, language) == thread_missing.format(id=thread_id)


def test_a_locked_thread_takes_no_more_replies(world, se):
    network = _network(world, se)
    thread = _thread(world, se["member"], network)
    with pytest.raises(Forbidden):
        world.call(threads.update, se["member"], thread["id"], {"locked": True})
    assert world.call(threads.update, se["convener"], thread["id"], {"locked": True})["locked"] is True
    with pytest.raises(Conflict):
        _reply(world, se["member"], thread)
    assert world.events("thread.locked")[0]["thread_id"] == thread["id"]
    world.call(threads.update, se["convener"], thread["id"], {"locked": False})
    assert _reply(world, se["member"], thread)["thread_id"] == thread["id"]
    with pytest.raises(Forbidden):
        world.call(threads.update, se["convener"], thread["id"], {"title": "Hijacked"})
    assert world.call(threads.update, se["member"], thread["id"], {"kind": "opportunity"})["kind"] == (
        "opportunity"
    )


def test_authors_neither_edit_nor_retitle_in_a_locked_thread_but_still_delete(world, se):
    network = _network(world, se)
    thread = _thread(world, se["member"], network)
    answer = _reply(world, se["member"], thread)
    other = _reply(world, se["convener"], thread)
    world.call(threads.update, se["convener"], thread["id"], {"locked": True})
    for post_id in (thread["opening_post"]["id"], answer["id"]):
        with pytest.raises(Conflict) as refused:
            world.call(posts.update, se["member"], post_id, {"body": "Rewritten"})
        assert refused.value.message == "This thread is locked: its posts can no longer be edited."
    for change in ({"title": "Retitled"}, {"kind": "announcement"}):
        with pytest.raises(Conflict) as refused:
            world.call(threads.update, se["member"], thread["id"], change)
        assert refused.value.message == "This thread is locked: its title and kind can no longer be changed."
    with pytest.raises(Conflict):  # conveners are authors like anyone else here
        world.call(posts.update, se["convener"], other["id"], {"body": "Rewritten"})
    assert world.events("post.updated") == [] and world.events("thread.updated") == []
    # conveners still moderate, and authors still delete
    assert world.call(posts.update, se["convener"], answer["id"], {"hidden": True})["hidden"] is True
    world.call(posts.delete, se["member"], answer["id"])
    assert world.call(posts.get, se["member"], answer["id"])["deleted"] is True
    world.call(threads.update, se["convener"], thread["id"], {"locked": False})
    retitled = world.call(threads.update, se["member"], thread["id"], {"title": "Retitled"})
    assert retitled["title"] == "Retitled"


def test_a_convener_who_wrote_a_thread_retitles_and_locks_it_in_one_request(world, se):
    network = _network(world, se)
    thread = _thread(world, se["convener"], network)
    both = world.call(threads.update, se["convener"], thread["id"], {"title": "Nytt namn", "locked": True})
    assert both["title"] == "Nytt namn" and both["locked"] is True
    assert world.call(threads.get, se["member"], thread["id"])["title"] == "Nytt namn"
    assert len(world.events("thread.locked")) == 1 and len(world.events("thread.updated")) == 1
    # once locked, the lock is judged by the state before the request
    for locked in (None, True, False):
        change = {"title": "Again"} if locked is None else {"title": "Again", "locked": locked}
        with pytest.raises(Conflict) as refused:
            world.call(threads.update, se["convener"], thread["id"], change)
        assert refused.value.message == "This thread is locked: its title and kind can no longer be changed."
    kept = world.call(threads.get, se["member"], thread["id"])
    assert kept["title"] == "Nytt namn" and kept["locked"] is True


def test_a_thread_whose_opening_post_is_deleted_keeps_its_title(world, se):
    network = _network(world, se)
    thread = _thread(world, se["member"], network)
    answer = _reply(world, se["convener"], thread, reply_to_id=thread["opening_post"]["id"])
    world.call(posts.delete, se["member"], thread["opening_post"]["id"])
    for change in ({"title": "Something else entirely"}, {"kind": "announcement"}):
        with pytest.raises(Conflict) as refused:
            world.call(threads.update, se["member"], thread["id"], change)
        assert refused.value.message == (
            "This thread's opening post has been deleted: its title and kind stay as they are.")
    kept = world.call(threads.get, ANONYMOUS, thread["id"])
    assert kept["title"] == "Who rents out sea kayaks in May?" and kept["opening_post"]["deleted"] is True
    assert world.events("thread.updated") == []
    assert world.call(posts.get, ANONYMOUS, answer["id"])["reply_to_id"] == thread["opening_post"]["id"]
    # conveners still lock it
    assert world.call(threads.update, se["convener"], thread["id"], {"locked": True})["locked"] is True


def test_members_report_posts_once_and_conveners_read_the_reports(world, se):
    network = _network(world, se)
    thread = _thread(world, se["convener"], network)
    post_id = thread["opening_post"]["id"]
    report = world.call(moderation.report, se["member"], post_id, {"reason": "Advertising"})
    assert report["reason"] == "Advertising"
    with pytest.raises(Conflict):
        world.call(moderation.report, se["member"], post_id, {"reason": "Again"})
    with pytest.raises(Forbidden):
        world.call(moderation.report, se["outsider"], post_id, {"reason": "Not a member"})
    with pytest.raises(ValidationFailed):
        world.call(moderation.report, se["member"], post_id, {})
    with pytest.raises(Forbidden):
        world.call(moderation.list_reports, se["member"], post_id, {})
    reports = world.call(moderation.list_reports, se["convener"], post_id, {})
    assert [r["reason"] for r in reports["items"]] == ["Advertising"]
    assert world.events("post.reported")[0]["post_id"] == post_id


def test_a_network_shared_by_two_associations_has_one_conversation(world, se):
    dk = world.association("DK", "da")
    dk_org = world.organisation(dk)
    dk_member = world.caller(world.person(dk, dk_org))
    dk_admin = world.caller(world.person(dk, admin_of=dk))
    network = _network(world, se)
    world.call(owners.add_owner, se["convener"], network["id"], {"association_id": dk.id})
    world.call(owners.decide_owner, dk_admin, network["id"], dk.id, {"decision": "approved"})
    world.call(joining.join, dk_member, network["id"], {})
    swedish = _thread(world, se["member"], network)
    _reply(world, dk_member, swedish, "Hej fra Danmark")
    listed = world.call(threads.list_, dk_member, network["id"], {})["items"]
    assert [(t["id"], t["reply_count"]) for t in listed] == [(swedish["id"], 1)]
    # the second association's admin convenes the shared network too
    world.call(threads.update, dk_admin, swedish["id"], {"locked": True})
    assert sorted(world.events("thread.locked")[0]["association_ids"]) == sorted(
        [se["association"].id, dk.id]
    )


def test_posts_are_in_the_export_and_erasure_keeps_the_others_replies(world, se):
    network = _network(world, se)
    thread = _thread(world, se["member"], network)
    answer = _reply(
        world, se["convener"], thread, "Nordingrå camping.", reply_to_id=thread["opening_post"]["id"]
    )
    world.call(moderation.report, se["member"], answer["id"], {"reason": "Wrong place"})
    admin = world.caller(world.person(se["association"], admin_of=se["association"]))
    exported = world.call(gdpr.export, admin, se["member"].person_id)["conversations"]
    assert [t["title"] for t in exported["threads"]] == ["Who rents out sea kayaks in May?"]
    assert [p["body"] for p in exported["posts"]] == ["We are four, staying in Ullånger."]
    assert [r["reason"] for r in exported["reports"]] == ["Wrong place"]
    world.call(gdpr.erase, admin, se["member"].person_id)
    erased = world.call(threads.get, ANONYMOUS, thread["id"])
    assert erased["title"] is None and erased["opening_post"]["body"] is None
    assert erased["opening_post"]["author"]["name"] == gdpr.ERASED_NAME
    replies = world.call(posts.list_, ANONYMOUS, thread["id"], {})["items"]
    assert [p["body"] for p in replies] == [None, "Nordingrå camping."]
    assert (
        world.call(gdpr.export, admin, se["member"].person_id)["conversations"]["reports"][0]["reason"]
        is None
    )


def test_a_question_reaches_a_dormant_network_and_the_first_answer_wakes_it(world, se):
    network = _network(world, se)
    world.call(lifecycle.update, se["convener"], network["id"], {"activity": "dormant"})
    thread = _thread(world, se["member"], network)
    # the question says the network was dormant, names its conveners, and leaves it dormant
    opening = world.events("post.created")[-1]
    assert opening["network_dormant"] is True and se["convener"].person_id in opening["convener_person_ids"]
    assert world.call(directory.get, ANONYMOUS, network["id"])["activity"] == "dormant"
    updates = len(world.events("network.updated"))
    _reply(world, se["member"], thread, "Anyone? We could also take canoes.")  # its author, not an answer
    assert world.call(directory.get, ANONYMOUS, network["id"])["activity"] == "dormant"
    assert world.events("post.created")[-1]["network_dormant"] is True
    assert world.events("network.updated")[updates:] == []
    _reply(world, se["convener"], thread)
    woken = world.call(directory.get, ANONYMOUS, network["id"])
    assert woken["activity"] == "active" and woken["last_activity_at"]
    assert [e["changed"] for e in world.events("network.updated")[updates:]] == [["activity"]]
    assert world.events("post.created")[-1]["network_dormant"] is True  # the answer that woke it
    _reply(world, se["member"], thread)
    assert world.events("post.created")[-1]["network_dormant"] is False


def test_a_dormant_shared_networks_question_and_quiet_notice_reach_every_owners_admins(world, se):
    dk = world.association("DK", "da")
    dk_admin = world.caller(world.person(dk, admin_of=dk))
    se_admin = world.caller(world.person(se["association"], admin_of=se["association"]))
    pending = world.association("NO", "nb")
    pending_admin = world.caller(world.person(pending, admin_of=pending))
    network = _network(world, se)
    world.call(owners.add_owner, se["convener"], network["id"], {"association_id": dk.id})
    world.call(owners.decide_owner, dk_admin, network["id"], dk.id, {"decision": "approved"})
    world.call(owners.add_owner, se["convener"], network["id"], {"association_id": pending.id})
    erased_admin = world.person(dk, admin_of=dk)
    erased_admin.erased_at = utcnow()
    world.session.commit()
    conveners = sorted([se["convener"].person_id, dk_admin.person_id, se_admin.person_id])
    world.call(lifecycle.update, se["convener"], network["id"], {"activity": "dormant"})
    assert world.events("network.updated")[-1]["convener_person_ids"] == conveners
    _thread(world, se["member"], network)
    assert world.events("post.created")[-1]["convener_person_ids"] == conveners
    assert pending_admin.person_id not in conveners
    world.call(lifecycle.update, se["convener"], network["id"], {"activity": "active"})
    world.session.get(Network, network["id"]).last_activity_at = utcnow() - timedelta(days=200)
    world.session.commit()
    assert dormancy.sweep(world.session, after_days=180, notice_days=14)[0] == [network["id"]]
    assert world.events("network.dormancy_proposed")[-1]["convener_person_ids"] == conveners


def test_a_removed_member_no_longer_edits_but_still_deletes(world, se):
    network = _network(world, se)
    thread = _thread(world, se["member"], network)
    world.call(roster.remove, se["convener"], network["id"], se["member"].person_id)
    with pytest.raises(Forbidden):
        world.call(posts.update, se["member"], thread["opening_post"]["id"], {"body": "Rewritten"})
    world.call(posts.delete, se["member"], thread["opening_post"]["id"])
    assert world.call(posts.get, ANONYMOUS, thread["opening_post"]["id"])["deleted"] is True


def test_one_removed_from_a_closed_network_reads_and_deletes_their_posts_but_no_longer_edits(world, se):
    network = _network(world, se, visibility="association")
    thread = _thread(world, se["member"], network)
    own = _reply(world, se["member"], thread, "Our kayaks are back.")
    others = _reply(world, se["convener"], thread)
    world.call(roster.remove, se["convener"], network["id"], se["member"].person_id)
    assert world.call(posts.get, se["member"], own["id"])["body"] == "Our kayaks are back."
    with pytest.raises(Forbidden):
        world.call(posts.update, se["member"], own["id"], {"body": "Rewritten"})
    world.call(posts.delete, se["member"], own["id"])
    world.call(posts.delete, se["member"], thread["opening_post"]["id"])
    assert world.call(posts.get, se["member"], own["id"])["deleted"] is True
    assert [e["post_id"] for e in world.events("post.deleted")] == [own["id"], thread["opening_post"]["id"]]
    # the rest of the conversation is out of their sight: the thread and others' posts are 404
    for act in (lambda: world.call(threads.get, se["member"], thread["id"]),
                lambda: world.call(threads.update, se["member"], thread["id"], {"title": "Rewritten"}),
                lambda: world.call(posts.get, se["member"], others["id"]),
                lambda: world.call(posts.delete, se["member"], others["id"]),
                lambda: world.call(posts.get, se["outsider"], own["id"])):
        with pytest.raises(NotFound):
            act()
    # their export and erasure are as they were
    admin = world.caller(world.person(se["association"], admin_of=se["association"]))
    exported = world.call(gdpr.export, admin, se["member"].person_id)["conversations"]
    assert [p["deleted"] for p in exported["posts"]] == [True, True]
    world.call(gdpr.erase, admin, se["member"].person_id)
    assert world.call(posts.get, se["convener"], own["id"])["body"] is None


def test_quiet_networks_conveners_are_asked_before_it_is_marked_dormant(world, se):
    network = _network(world, se)
    quiet = _network(world, se)
    other = _network(world, se)
    now = utcnow()
    for n, days in ((network, 200), (quiet, 200), (other, 10)):
        world.session.get(Network, n["id"]).last_activity_at = now - timedelta(days=days)
    world.session.commit()
    asked, dormant = dormancy.sweep(world.session, after_days=180, notice_days=14, now=now)
    assert sorted(asked) == sorted([network["id"], quiet["id"]]) and dormant == []
    proposed = {e["network_id"]: e for e in world.events("network.dormancy_proposed")}
    assert se["convener"].person_id in proposed[quiet["id"]]["convener_person_ids"]
    # asking again changes nothing
    assert dormancy.sweep(world.session, 180, 14, now=now + timedelta(days=1)) == ([], [])
    # a post in one, a convener keeping the other active: neither is marked dormant
    _thread(world, se["member"], network)
    world.call(lifecycle.update, se["convener"], quiet["id"], {"activity": "active"})
    assert dormancy.sweep(world.session, 180, 14, now=now + timedelta(days=15)) == ([], [])
    # then silence again: asked, and dormant once the notice has passed
    later = now + timedelta(days=200)
    everyone = sorted(n["id"] for n in (network, quiet, other))
    assert sorted(dormancy.sweep(world.session, 180, 14, now=later)[0]) == everyone
    assert dormancy.sweep(world.session, 180, 14, now=later + timedelta(days=13)) == ([], [])
    asked, dormant = dormancy.sweep(world.session, 180, 14, now=later + timedelta(days=14))
    assert (asked, sorted(dormant)) == ([], everyone)
    assert world.call(directory.get, ANONYMOUS, quiet["id"])["activity"] == "dormant"
    assert world.events("network.updated")[-1]["changed"] == ["activity"]


def test_a_meeting_is_activity(world, se):
    network = _network(world, se)
    before = utcnow() - timedelta(days=300)
    world.session.get(Network, network["id"]).last_activity_at = before
    world.session.commit()
    with world.session.begin():
        dormancy.on_meeting(world.session, {"network_id": network["id"]}, utcnow().isoformat())
    assert dormancy.sweep(world.session, 180, 14) == ([], [])


def test_hidden_posts_lose_their_text_after_the_retention(world, se):
    network = _network(world, se)
    thread = _thread(world, se["member"], network)
    answer = _reply(world, se["member"], thread, "Buy cheap watches")
    kept = _reply(world, se["member"], thread, "Hidden yesterday")
    for post in (answer, kept):
        world.call(posts.update, se["convener"], post["id"], {"hidden": True})
    world.session.get(Post, answer["id"]).hidden_at = utcnow() - timedelta(days=31)
    world.session.commit()
    assert moderation.forget_hidden_posts(world.session, retention_days=30) == 1
    assert moderation.forget_hidden_posts(world.session, retention_days=30) == 0
    forgotten = world.call(posts.get, se["convener"], answer["id"])
    assert (forgotten["body"], forgotten["hidden"]) == (None, True)
    assert world.call(posts.get, se["convener"], kept["id"])["body"] == "Hidden yesterday"
    # restoring clears when it was hidden
    world.call(posts.update, se["convener"], kept["id"], {"hidden": False})
    assert world.session.get(Post, kept["id"]).hidden_at is None
    world.session.commit()


def test_mentions_name_the_networks_members_and_travel_with_the_post(world, se):
    network = _network(world, se)
    thread = _thread(world, se["member"], network, mentions=[se["convener"].person_id])
    answer = _reply(world, se["convener"], thread, reply_to_id=thread["opening_post"]["id"],
                    mentions=[se["member"].person_id, se["member"].person_id])
    opening, reply = world.events("post.created")
    assert (opening["mentioned_person_ids"], opening["reply_to_author_person_id"]) == (
        [se["convener"].person_id], None)
    assert (reply["post_id"], reply["mentioned_person_ids"], reply["reply_to_author_person_id"]) == (
        answer["id"], [se["member"].person_id], se["member"].person_id)
    # someone outside the network cannot be mentioned; nothing is posted
    with pytest.raises(ValidationFailed) as refused:
        _reply(world, se["member"], thread, mentions=[se["outsider"].person_id])
    assert "mentions" in refused.value.errors
    # the person exists: the headline says why they cannot be mentioned
    assert refused.value.message == "Only the network's members can be mentioned."
    with pytest.raises(ValidationFailed):
        _thread(world, se["member"], network, mentions=["not-an-id"])
    assert world.session.scalar(select(func.count()).select_from(Post)) == 2
    assert len(world.events("post.created")) == 2


def test_an_opportunity_from_someone_speaking_for_no_organisation_stays_in_its_network(world, se):
    network = _network(world, se, visibility="association")  # its conversation is for its members
    de = world.association("DE", "de")
    offering = world.organisation(de, name="Kajak Leer GmbH", visibility="all_associations")
    contact = world.caller(world.person(de, offering, language="de"))
    world.call(offers.create, contact, offering.id, {"kind": "offer", "title": "Tours", "themes": [KAYAKING]})
    # an association admin without an organisation: nothing to introduce, so no offer outside
    admin = world.caller(world.person(se["association"], admin_of=se["association"]))
    world.call(joining.join, admin, network["id"], {})
    alone = _thread(world, admin, network, kind="opportunity", title="Guides wanted for June")
    assert world.events("opportunity.offered") == []
    with pytest.raises(NotFound):
        world.call(posts.get, contact, alone["opening_post"]["id"])
    with pytest.raises(NotFound):
        world.call(opportunities.answer_privately, contact, alone["opening_post"]["id"],
                   {"organisation_id": offering.id, "message": "Wir haben Guides."})
    # a member of the network reading it answers in the thread: the private answer is refused
    with pytest.raises(Conflict):
        world.call(opportunities.answer_privately, se["member"], alone["opening_post"]["id"],
                   {"organisation_id": se["org"].id, "message": "We have guides."})
    # an author whose only organisation was erased speaks for none either
    gone = world.organisation(se["association"])
    author = world.caller(world.person(se["association"], gone))
    world.call(joining.join, author, network["id"], {})
    gone.erased = True
    world.session.commit()
    _thread(world, author, network, kind="opportunity", title="Guides wanted for July")
    assert world.events("opportunity.offered") == []
    # one who speaks for an organisation offers it, and the recipient's private answer introduces them
    offered = _thread(world, se["member"], network, kind="opportunity", title="Guides wanted for August")
    [event] = world.events("opportunity.offered")
    assert [r["person_id"] for r in event["recipients"]] == [contact.person_id]
    answered = world.call(opportunities.answer_privately, contact, offered["opening_post"]["id"],
                          {"organisation_id": offering.id, "message": "Wir haben Guides."})
    assert answered["status"] == "introduced"


def test_an_opportunity_is_offered_across_the_border_and_answered_privately(world, se):
    network = _network(world, se, visibility="association")  # its conversation is for its members
    de = world.association("DE", "de")
    # a German organisation visible to all associations offers kayak tours; one visible to its own
    # association only offers them too; a third offers something else
    offering = world.organisation(de, name="Kajak Leer GmbH", visibility="all_associations")
    hidden = world.organisation(de, visibility="association")
    elsewhere = world.organisation(de, visibility="all_associations")
    contact = world.caller(world.person(de, offering, language="de"))
    world.person(de, hidden)
    world.person(de, elsewhere)
    for org, caller, key in ((offering, contact, "kayaking"), (hidden, None, "kayaking"),
                             (elsewhere, None, "e-commerce")):
        world.call(offers.create, caller or world.caller(world.person(de, admin_of=de)), org.id,
                   {"kind": "offer", "title": "Tours", "themes": [theme(key)]})
    thread = _thread(world, se["member"], network, kind="opportunity", title="Guides wanted for June")
    [offered] = world.events("opportunity.offered")
    assert [(r["person_id"], r["organisation_id"], r["theme_ids"]) for r in offered["recipients"]] == [
        (contact.person_id, offering.id, [KAYAKING])]
    assert offered["theme_labels"][KAYAKING]["de"] and offered["title"] == "Guides wanted for June"
    # the recipient reads the opportunity its mail links, though the network's conversation is closed to
    # them; not its thread, and not a question of the network
    post_id = thread["opening_post"]["id"]
    assert world.call(posts.get, contact, post_id)["body"] == thread["opening_post"]["body"]
    with pytest.raises(NotFound):
        world.call(threads.get, contact, thread["id"])
    # a question is offered to no one
    question = _thread(world, se["member"], network, kind="question", themes=[KAYAKING])
    assert len(world.events("opportunity.offered")) == 1
    with pytest.raises(NotFound):
        world.call(posts.get, contact, question["opening_post"]["id"])
    # the author answering their own opportunity is told so (not that they speak for no other one)
    with pytest.raises(Conflict) as own:
        world.call(opportunities.answer_privately, se["member"], thread["opening_post"]["id"],
                   {"organisation_id": se["org"].id, "message": "Hallo"})
    assert "your own opportunity" in str(own.value)
    # the recipient answers the author privately: the two organisations are introduced
    answered = world.call(opportunities.answer_privately, contact, thread["opening_post"]["id"],
                          {"organisation_id": offering.id, "message": "Wir haben drei Guides."})
    assert (answered["organisation_id"], answered["candidate_id"], answered["status"]) == (
        offering.id, se["org"].id, "introduced")
    [introduced] = world.events("match.introduced")
    assert introduced["message"] == "Wir haben drei Guides."
    assert {c["person_id"] for c in introduced["contacts"]} >= {contact.person_id, se["member"].person_id}
    assert introduced["reasons"][0]["kind"] == "you_answered_their_opportunity"
    with pytest.raises(Conflict):
        world.call(opportunities.answer_privately, contact, thread["opening_post"]["id"],
                   {"organisation_id": offering.id, "message": "Noch einmal"})
    # someone the opportunity was not offered to, who cannot read the network, finds nothing
    outsider = world.caller(world.person(de, elsewhere))
    with pytest.raises(NotFound):
        world.call(posts.get, outsider, post_id)
    with pytest.raises(NotFound):
        world.call(opportunities.answer_privately, outsider, thread["opening_post"]["id"],
                   {"organisation_id": elsewhere.id, "message": "Hallo"})
    # nor for an organisation one does not belong to; bad input is a 422
    with pytest.raises(NotFound):
        world.call(opportunities.answer_privately, outsider, thread["opening_post"]["id"],
                   {"organisation_id": offering.id, "message": "Hallo"})
    with pytest.raises(ValidationFailed):
        world.call(opportunities.answer_privately, contact, thread["opening_post"]["id"],
                   {"organisation_id": offering.id})
    # the recipient, who sees the opportunity, answering for someone else's organisation: 403, not 404
    with pytest.raises(Forbidden):
        world.call(opportunities.answer_privately, contact, thread["opening_post"]["id"],
                   {"organisation_id": se["org"].id, "message": "Hallo"})
    assert len(world.events("match.introduced")) == 1


def test_a_demos_dormant_networks_get_their_past_and_the_lively_ones_keep_theirs(world, se):
    quiet, lively = _network(world, se), _network(world, se)
    thread = _thread(world, se["member"], quiet)
    _reply(world, se["convener"], thread)
    _thread(world, se["member"], lively)
    world.call(lifecycle.update, se["convener"], quiet["id"], {"activity": "dormant"})
    slug = se["association"].slug
    now = utcnow()
    assert demo_history.age_dormant_networks(world.session, slug, 240, now=now) == [quiet["id"]]
    assert demo_history.age_dormant_networks(world.session, slug, 240, now=now) == []  # once
    shown = world.call(directory.get, ANONYMOUS, quiet["id"])
    assert shown["activity"] == "dormant"
    assert world.session.get(Network, quiet["id"]).last_activity_at == now - timedelta(days=240)
    dates = [p.created_at for p in world.session.scalars(select(Post).where(Post.network_id == quiet["id"]))]
    dates += [t.created_at for t in world.session.scalars(
        select(Thread).where(Thread.network_id == quiet["id"]))]
    assert len(dates) == 3 and all(d <= now - timedelta(days=240) for d in dates)
    assert world.session.get(Network, lively["id"]).last_activity_at > now - timedelta(days=1)
    world.session.commit()
    # the quiet network is not asked about again by the hourly check: it is dormant already
    assert dormancy.sweep(world.session, after_days=180, notice_days=14) == ([], [])


def test_the_pages_as_json_text_are_the_pages_on_sqlite(world, se):
    network = _network(world, se)
    thread = _thread(world, se["member"], network)
    _reply(world, se["convener"], thread)
    for caller in (ANONYMOUS, se["member"], se["convener"]):
        assert orjson.loads(world.call(pages.thread_posts, caller, thread["id"], {"limit": 5})) == world.call(
            posts.list_, caller, thread["id"], {"limit": 5})
        assert orjson.loads(world.call(pages.network_threads, caller, network["id"], {})) == world.call(
            threads.list_, caller, network["id"], {})
