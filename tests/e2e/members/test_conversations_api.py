"""Conversations in networks through the gateway: threads and replies, authors' edits and deletions,
the conveners' moderation and its audit trail, who reads what, and a person's export and erasure."""

import pytest

from services.members.taxonomy import seed_id
from tests.integration.ideas.waiting import eventually
from tests.support.api import check, unique
from tests.support.covers import covers

KAYAKING = seed_id("kayaking")


def _person(tenant):
    email = f"{unique('paddler')}@nabo.test"
    body = {
        "name": unique("Paddler"),
        "email": email,
        "password": "person-password-1",
        "organisations": [{"organisation_id": tenant.organisation["id"]}],
    }
    person = check(tenant.admin.post("/v1/persons", body), 201)
    return person, tenant.admin.as_(tenant.admin.sign_in(email, "person-password-1"))


def _network(tenant, visibility="public"):
    """A network the tenant's member convenes, with a second person who joined it."""
    network = check(
        tenant.member.post(
            "/v1/networks",
            {
                "name": {"sv": unique("Kajak i Höga Kusten")},
                "association_ids": [tenant.id],
                "themes": [KAYAKING],
                "visibility": visibility,
                "join_policy": "open",
            },
        ),
        201,
    )
    person, client = _person(tenant)
    check(client.post(f"/v1/networks/{network['id']}/members", {}), 201)
    return network, person, client


def _thread(client, network, **extra):
    body = {
        "kind": "question",
        "title": "Who rents out sea kayaks in May?",
        "body": "We are four, staying in Ullånger.",
        "themes": [KAYAKING],
        **extra,
    }
    return client.post(f"/v1/networks/{network['id']}/threads", body)


@covers(
    "POST /v1/networks/{id}/threads",
    "GET /v1/me/inbox",
    "GET /v1/networks/{id}/threads",
    "GET /v1/threads/{id}",
    "POST /v1/threads/{id}/posts",
    "GET /v1/threads/{id}/posts",
    "GET /v1/posts/{id}",
    "PATCH /v1/posts/{id}",
    "DELETE /v1/posts/{id}",
)
def test_members_ask_and_answer_in_a_public_network_anyone_reads(api, tenant_a):
    network, asker, asker_client = _network(tenant_a)
    convener = tenant_a.member
    thread = check(_thread(asker_client, network, links=["https://hogakusten.com/kajak"]), 201)
    assert (thread["kind"], thread["author"]["person_id"], thread["reply_count"]) == (
        "question",
        asker["id"],
        0,
    )
    older = check(_thread(convener, network, kind="announcement", title="Paddling day 12 May"), 201)
    answer = check(
        convener.post(
            f"/v1/threads/{thread['id']}/posts",
            {"body": "Try the camping at Nordingrå.", "reply_to_id": thread["opening_post"]["id"]},
        ),
        201,
    )
    thanks = check(
        asker_client.post(
            f"/v1/threads/{thread['id']}/posts", {"body": "Thanks!", "reply_to_id": answer["id"]}
        ),
        201,
    )
    # the network's other members find the new thread in their in-app inbox

    def in_the_conveners_inbox():
        items = check(convener.get("/v1/me/inbox", params={"limit": 200}), 200)["items"]
        assert f"/v1/threads/{thread['id']}" in {
            i["link"] for i in items if i["kind"] == "network_thread_started"
        }

    eventually(in_the_conveners_inbox)
    # anyone reads a public network's conversation, most recently active thread first
    listed = check(api.get(f"/v1/networks/{network['id']}/threads"), 200)
    assert [(t["id"], t["reply_count"]) for t in listed["items"]] == [(thread["id"], 2), (older["id"], 0)]
    assert check(api.get(f"/v1/threads/{thread['id']}"), 200)["opening_post"]["links"] == [
        "https://hogakusten.com/kajak"
    ]
    edited = check(convener.patch(f"/v1/posts/{answer['id']}", {"body": "Try the camping at Mjällom."}), 200)
    assert edited["edited_at"] and check(api.get(f"/v1/posts/{answer['id']}"), 200)["body"] == (
        "Try the camping at Mjällom."
    )
    check(convener.delete(f"/v1/posts/{answer['id']}"), 204)
    posts = check(api.get(f"/v1/threads/{thread['id']}/posts"), 200)["items"]
    assert [(p["id"], p["deleted"], p["body"], p["author"]) for p in posts[:2]] == [
        (
            thread["opening_post"]["id"],
            False,
            "We are four, staying in Ullånger.",
            {"person_id": asker["id"], "name": asker["name"]},
        ),
        (answer["id"], True, None, None),
    ]
    assert posts[2]["id"] == thanks["id"] and posts[2]["reply_to_id"] == answer["id"]


@covers(
    "PATCH /v1/threads/{id}",
    "PATCH /v1/posts/{id}",
    "POST /v1/posts/{id}/reports",
    "GET /v1/posts/{id}/reports",
    "DELETE /v1/networks/{id}/members/{person_id}",
    "GET /v1/associations/{id}/audit",
)
def test_a_convener_moderates_alone_and_the_audit_trail_keeps_every_act(api, tenant_a):
    network, spammer, spammer_client = _network(tenant_a)
    convener = tenant_a.member
    thread = check(_thread(convener, network), 201)
    spam = check(spammer_client.post(f"/v1/threads/{thread['id']}/posts", {"body": "Cheap watches!"}), 201)
    report = check(convener.post(f"/v1/posts/{spam['id']}/reports", {"reason": "Advertising"}), 201)
    assert convener.post(f"/v1/posts/{spam['id']}/reports", {"reason": "Again"}).status_code == 409
    assert check(convener.get(f"/v1/posts/{spam['id']}/reports"), 200)["items"] == [report]
    assert spammer_client.get(f"/v1/posts/{spam['id']}/reports").status_code == 403
    assert spammer_client.patch(f"/v1/posts/{spam['id']}", {"hidden": True}).status_code == 403
    check(convener.patch(f"/v1/posts/{spam['id']}", {"hidden": True}), 200)
    assert api.get(f"/v1/posts/{spam['id']}").status_code == 404
    assert check(spammer_client.get(f"/v1/posts/{spam['id']}"), 200)["hidden"] is True
    assert check(api.get(f"/v1/threads/{thread['id']}"), 200)["reply_count"] == 0
    locked = check(convener.patch(f"/v1/threads/{thread['id']}", {"locked": True}), 200)
    assert locked["locked"] is True
    refused = spammer_client.post(f"/v1/threads/{thread['id']}/posts", {"body": "Why?"})
    assert refused.status_code == 409 and "locked" in refused.json()["detail"]
    check(convener.delete(f"/v1/networks/{network['id']}/members/{spammer['id']}"), 204)
    assert _thread(spammer_client, network).status_code == 403

    def trail_has_every_act():
        entries = check(
            tenant_a.admin.get(f"/v1/associations/{tenant_a.id}/audit", params={"limit": 200}), 200
        )["items"]
        acts = {(e["action"], e["subject_id"]) for e in entries}
        assert {
            ("post.reported", spam["id"]),
            ("post.hidden", spam["id"]),
            ("thread.locked", thread["id"]),
            ("network.member_left", network["id"]),
        } <= acts, acts

    eventually(trail_has_every_act)


def test_hidden_opening_posts_hide_replies_and_locked_or_headless_threads_stay_as_they_are(api, tenant_a):
    network, _asker, asker_client = _network(tenant_a)
    convener = tenant_a.member
    _replier, replier_client = _person(tenant_a)
    check(replier_client.post(f"/v1/networks/{network['id']}/members", {}), 201)
    hidden = check(_thread(asker_client, network), 201)
    reply = check(replier_client.post(f"/v1/threads/{hidden['id']}/posts", {"body": "Ask the camping."}), 201)
    check(convener.patch(f"/v1/posts/{hidden['opening_post']['id']}", {"hidden": True}), 200)
    # the thread is out of sight, and each of its posts with it
    for client in (api, replier_client):
        assert client.get(f"/v1/threads/{hidden['id']}").status_code == 404
        assert client.get(f"/v1/posts/{reply['id']}").status_code == 404
    assert replier_client.post(f"/v1/posts/{reply['id']}/reports", {"reason": "Spam"}).status_code == 404
    assert check(asker_client.get(f"/v1/posts/{reply['id']}"), 200)["id"] == reply["id"]
    # a locked thread's authors neither edit nor retitle it, in their language; they still delete
    locked = check(_thread(asker_client, network), 201)
    check(convener.patch(f"/v1/threads/{locked['id']}", {"locked": True}), 200)
    refused = asker_client.patch(f"/v1/posts/{locked['opening_post']['id']}", {"body": "Rewritten"},
                                 headers={"Accept-Language": "de"})
    assert refused.status_code == 409, refused.text
    assert refused.json()["detail"] == (
        "Diese Diskussion ist gesperrt: Ihre Beiträge können nicht mehr bearbeitet werden.")
    assert asker_client.patch(f"/v1/threads/{locked['id']}", {"title": "Retitled"}).status_code == 409
    check(asker_client.delete(f"/v1/posts/{locked['opening_post']['id']}"), 204)
    # a thread whose opening post is deleted keeps its title
    headless = check(_thread(asker_client, network, title="Where to launch?"), 201)
    check(asker_client.delete(f"/v1/posts/{headless['opening_post']['id']}"), 204)
    assert asker_client.patch(f"/v1/threads/{headless['id']}", {"title": "Other"}).status_code == 409
    assert check(api.get(f"/v1/threads/{headless['id']}"), 200)["title"] == "Where to launch?"


def test_one_removed_from_a_closed_network_still_deletes_their_post(api, tenant_a):
    network, person, client = _network(tenant_a, visibility="association")
    thread = check(_thread(client, network), 201)
    post = thread["opening_post"]["id"]
    check(tenant_a.member.delete(f"/v1/networks/{network['id']}/members/{person['id']}"), 204)
    assert check(client.get(f"/v1/posts/{post}"), 200)["body"] == "We are four, staying in Ullånger."
    assert client.patch(f"/v1/posts/{post}", {"body": "Rewritten"}).status_code == 403
    check(client.delete(f"/v1/posts/{post}"), 204)
    assert client.get(f"/v1/threads/{thread['id']}").status_code == 404


@pytest.mark.parametrize(
    "bad",
    [
        {"links": ["javascript:alert(1)"]},
        {"links": ["data:text/html,<script>alert(1)</script>"]},
        {"title": "x" * 201},
        {"body": "x" * 10_001},
        {"kind": "rant"},
        {"themes": ["0" * 36]},
        {"author_id": "0" * 36},
    ],
)
def test_bad_posts_are_422_and_leave_nothing_behind(api, tenant_a, bad):
    network, _person_, client = _network(tenant_a)
    refused = _thread(client, network, **bad)
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"]
    assert check(api.get(f"/v1/networks/{network['id']}/threads"), 200)["total"] == 0


@pytest.mark.parametrize("language, post_missing, thread_missing", [
    ("sv", "Inlägget {id} hittades inte.", "Tråden {id} hittades inte."),
    ("de", "Beitrag {id} nicht gefunden.", "Diskussion {id} nicht gefunden."),
])
def test_a_post_or_thread_not_found_is_named_in_the_readers_language(api, tenant_a, language, post_missing,
                                                                      thread_missing):
    network, _person_, client = _network(tenant_a, visibility="association")
    thread = check(_thread(client, network), 201)
    unknown, opening = "00000000-0000-4000-8000-000000000000", thread["opening_post"]["id"]
    # anonymous: the closed network's thread and post are out of sight, as the unknown ones are missing
    for path, id_, said in (("posts", unknown, post_missing), ("posts", opening, post_missing),
                            ("threads", unknown, thread_missing), ("threads", thread["id"], thread_missing)):
        r = api.get(f"/v1/{path}/{id_}", headers={"Accept-Language": language})
        assert r.status_code == 404 and r.json()["detail"] == said.format(id=id_), r.text


def test_a_closed_networks_conversation_is_for_its_members(api, tenant_a, tenant_b):
    network, _person_, client = _network(tenant_a, visibility="association")
    thread = check(_thread(client, network), 201)
    _outsider, outsider_client = _person(tenant_a)
    assert outsider_client.get(f"/v1/networks/{network['id']}/threads").status_code == 403
    assert outsider_client.get(f"/v1/threads/{thread['id']}").status_code == 404
    assert _thread(outsider_client, network).status_code == 403
    for stranger in (api, tenant_b.member, tenant_b.admin):
        assert stranger.get(f"/v1/networks/{network['id']}/threads").status_code == 404
        assert stranger.get(f"/v1/threads/{thread['id']}/posts").status_code == 404
    # the owning association's admin convenes it, so reads it
    assert check(tenant_a.admin.get(f"/v1/networks/{network['id']}/threads"), 200)["total"] == 1


@covers("GET /v1/persons/{id}/export", "DELETE /v1/persons/{id}")
def test_a_persons_posts_are_in_their_export_and_erasure_leaves_the_others_replies(api, tenant_a):
    network, person, client = _network(tenant_a)
    thread = check(_thread(client, network), 201)
    answer = check(
        tenant_a.member.post(f"/v1/threads/{thread['id']}/posts", {"body": "Nordingrå camping."}), 201
    )
    export = check(tenant_a.admin.get(f"/v1/persons/{person['id']}/export"), 200)
    conversations = export["services"]["members"]["conversations"]
    assert [p["body"] for p in conversations["posts"]] == ["We are four, staying in Ullånger."]
    assert [t["title"] for t in conversations["threads"]] == ["Who rents out sea kayaks in May?"]
    # the convener heard of the thread in their inbox, by its author's name
    link = f"/v1/threads/{thread['id']}"

    def convener_heard():
        items = check(tenant_a.member.get("/v1/me/inbox", params={"limit": 100}), 200)["items"]
        [item] = [i for i in items if i["link"] == link]
        return item

    assert person["name"] in eventually(convener_heard)["body"]
    check(tenant_a.admin.delete(f"/v1/persons/{person['id']}"), 202)

    def named_no_more():
        item = convener_heard()
        assert person["name"] not in item["title"] + item["body"] and "Verwijderde persoon" in item["body"]
        # nor its title: the convener reads Dutch
        assert "sea kayaks" not in item["title"] + item["body"] and "(titel verwijderd)" in item["body"]

    eventually(named_no_more, timeout=20)
    erased = check(api.get(f"/v1/threads/{thread['id']}"), 200)
    assert (erased["title"], erased["opening_post"]["body"], erased["author"]["name"]) == (
        None,
        None,
        "Erased person",
    )
    posts = check(api.get(f"/v1/threads/{thread['id']}/posts"), 200)["items"]
    assert [(p["id"], p["body"]) for p in posts][1] == (answer["id"], "Nordingrå camping.")


def test_a_network_shared_across_the_border_has_one_conversation(api, tenant_a, tenant_b):
    network, _person_, asker_client = _network(tenant_a, visibility="all_associations")
    check(tenant_a.member.post(f"/v1/networks/{network['id']}/owners", {"association_id": tenant_b.id}), 201)
    check(
        tenant_b.admin.post(
            f"/v1/networks/{network['id']}/owners/{tenant_b.id}/decision", {"decision": "approved"}
        ),
        200,
    )
    check(tenant_b.member.post(f"/v1/networks/{network['id']}/members", {}), 201)
    thread = check(_thread(asker_client, network), 201)
    check(
        tenant_b.member.post(f"/v1/threads/{thread['id']}/posts", {"body": "Wir haben Kajaks in Leer."}), 201
    )
    for client in (asker_client, tenant_b.member):
        listed = check(client.get(f"/v1/networks/{network['id']}/threads"), 200)["items"]
        assert [(t["id"], t["reply_count"]) for t in listed] == [(thread["id"], 1)]
    # the second owner's admin convenes it as much as the first's
    assert check(tenant_b.admin.patch(f"/v1/threads/{thread['id']}", {"locked": True}), 200)["locked"] is True
