"""What a network's members hear of its conversation, through the gateway with real mail: each chooses per
network, mail comes in the reader's language with a one-click unsubscribe from that network, replies and
mentions come at once, the inbox gets the same items, and bad choices are refused."""
import re
from datetime import datetime, timedelta, timezone
from email.utils import parseaddr

import requests

from services.members.taxonomy import seed_id
from tests.e2e.session_mail import SINK
from tests.integration.notifications.support import wait_until
from tests.support.api import check, unique
from tests.support.covers import covers

KAYAKING = seed_id("kayaking")


def _person(tenant, api, language):
    email = f"{unique('paddler')}@example.test"
    person = check(tenant.admin.post("/v1/persons", {
        "name": unique("Paddler"), "email": email, "language": language, "password": "person-password-1",
        "organisations": [{"organisation_id": tenant.organisation["id"]}]}), 201)
    return person, email, api.as_(api.sign_in(email, "person-password-1"))


def _mails_to(email, subject_part, timeout=30):
    return SINK.wait_for(1, timeout=timeout, where=lambda m: email in m["to"]
                         and subject_part in str(m["message"]["Subject"]))


def _links_to(mail, api, path, language):
    """The mail is written in ``language`` (its Content-Language says so) and links ``path`` on the public
    address, in its text and as a link of its HTML."""
    message = mail["message"]
    assert message["Content-Language"] == language, message["Content-Language"]
    url = f"{api.base_url}{path}"
    assert url in message.get_body(("plain",)).get_content()
    assert f'href="{url}"' in message.get_body(("html",)).get_content()
    return url


def _choose(client, person, network, mode):
    """The choice, once the notifications service knows the person is in the network."""
    def chosen():
        answer = client.patch(f"/v1/persons/{person['id']}/preferences",
                              {"networks": [{"network_id": network["id"], "mode": mode}]})
        return answer.json() if answer.status_code == 200 else None
    view = wait_until(chosen, timeout=20)
    assert view, f"could not choose {mode}"
    return view


def test_members_hear_a_network_as_they_chose_and_unsubscribe_in_one_click(api, tenant_a):
    convener = tenant_a.member
    names = {"de": unique("Kajak Ems-Dollart"), "nl": unique("Kajak Eems-Dollard")}
    network = check(convener.post("/v1/networks", {
        "name": names, "association_ids": [tenant_a.id], "themes": [KAYAKING], "visibility": "public",
        "join_policy": "open"}), 201)
    reader, reader_email, reader_client = _person(tenant_a, api, "de")
    quiet, quiet_email, quiet_client = _person(tenant_a, api, "nl")
    for client in (reader_client, quiet_client):
        check(client.post(f"/v1/networks/{network['id']}/members", {}), 201)
    view = _choose(reader_client, reader, network, "every_post")
    assert {"network_id": network["id"], "network_name": view["networks"][0]["network_name"],
            "mode": "every_post", "member": True} in view["networks"]
    _choose(quiet_client, quiet, network, "replies_and_mentions")
    # each reader's preferences name the network in their language, as its mail does (once the network's
    # names have reached the notifications service)
    for client, person, language in ((reader_client, reader, "de"), (quiet_client, quiet, "nl")):
        def named(client=client, path=f"/v1/persons/{person['id']}/preferences", language=language):
            return check(client.get(path), 200)["networks"][0]["network_name"] == names[language]
        assert wait_until(named, timeout=20), language

    title = unique("Wer verleiht Seekajaks")
    thread = check(convener.post(f"/v1/networks/{network['id']}/threads", {
        "kind": "question", "title": title, "body": "Wir sind vier.", "themes": [KAYAKING]}), 201)
    # every post, at once, in the reader's language, the network's name in theirs
    [mail] = _mails_to(reader_email, "Neue Frage in Kajak Ems-Dollart")
    message = mail["message"]
    text = message.get_body(("plain",)).get_content()
    assert title in text
    thread_url = _links_to(mail, api, f"/v1/threads/{thread['id']}", "de")
    assert requests.get(thread_url, timeout=30).json()["title"] == title  # readable without an account
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = re.fullmatch(r"<(.+)>", str(message["List-Unsubscribe"])).group(1)
    assert url in text
    # the inbox has the same item
    inbox = check(reader_client.get("/v1/me/inbox", params={"limit": 100}), 200)["items"]
    started = {i["link"] for i in inbox if i["kind"] == "network_thread_started"}
    assert f"/v1/threads/{thread['id']}" in started

    # a reply mentioning the quiet member reaches them (they hear replies and mentions only), and the
    # thread's author, at once
    check(reader_client.post(f"/v1/threads/{thread['id']}/posts", {
        "body": "Frag Anke.", "reply_to_id": thread["opening_post"]["id"], "mentions": [quiet["id"]]}), 201)
    [mention] = _mails_to(quiet_email, "heeft u genoemd in Kajak Eems-Dollard")
    assert title in mention["message"].get_body(("plain",)).get_content()
    # and so does the page its one-click link opens
    quiet_url = re.fullmatch(r"<(.+)>", str(mention["message"]["List-Unsubscribe"])).group(1)
    assert f"uit het netwerk {names['nl']}?" in requests.get(quiet_url, timeout=30).text
    _links_to(mention, api, f"/v1/threads/{thread['id']}", "nl")
    [answered] = _mails_to(tenant_a.member_email, "Kajak Eems-Dollard")
    _links_to(answered, api, f"/v1/threads/{thread['id']}", "nl")
    quiet_inbox = check(quiet_client.get("/v1/me/inbox", params={"limit": 100}), 200)["items"]
    assert [i["kind"] for i in quiet_inbox if i["link"] == f"/v1/threads/{thread['id']}"] == [
        "network_reply_posted"]

    # one click, as a mail client does it (multipart/form-data, as in RFC 8058's own example; it was once
    # refused with 415): the reader hears nothing more from this network
    page = requests.get(url, timeout=30)
    assert page.status_code == 200 and "Kajak Ems-Dollart" in page.text
    one_click = requests.post(url, files={"List-Unsubscribe": (None, "One-Click")}, allow_redirects=False,
                              timeout=30)
    assert one_click.status_code == 200 and "keine Nachrichten mehr aus dem Netzwerk" in one_click.text
    modes = check(reader_client.get(f"/v1/persons/{reader['id']}/preferences"), 200)["networks"]
    assert [n["mode"] for n in modes if n["network_id"] == network["id"]] == ["none"]
    later = unique("Paddeltag")
    check(convener.post(f"/v1/networks/{network['id']}/threads", {
        "kind": "announcement", "title": later, "body": "Am 12. Mai.", "mentions": [quiet["id"]]}), 201)
    def about_later(email):
        return lambda m: email in m["to"] and later in m["message"].get_body(("plain",)).get_content()

    # the next post has gone out to those who hear it, and not to the reader
    assert SINK.wait_for(1, timeout=30, where=about_later(quiet_email))
    assert SINK.wait_for(1, timeout=3, where=about_later(reader_email)) == []


def test_bad_choices_and_mentions_are_refused_and_change_nothing(api, tenant_a):
    convener = tenant_a.member
    network = check(convener.post("/v1/networks", {
        "name": {"nl": unique("Zeilen")}, "association_ids": [tenant_a.id], "visibility": "public",
        "join_policy": "open"}), 201)
    person, _email, client = _person(tenant_a, api, "sv")
    path = f"/v1/persons/{person['id']}/preferences"
    # not a member of the network
    refused = client.patch(path, {"networks": [{"network_id": network["id"], "mode": "every_post"}]})
    assert refused.status_code == 422 and "networks" in refused.json()["errors"]
    # in the reader's language, the field's message too (it once stayed in English)
    assert refused.json()["errors"]["networks"]["0"]["network_id"] == [
        "Personen är inte medlem i det här nätverket."]
    for bad in ({"networks": [{"network_id": network["id"], "mode": "hourly"}]},
                {"networks": [{"mode": "daily"}]}, {"networks": []}, {"networks": "all"}):
        assert client.patch(path, bad).status_code == 422, bad
    assert check(client.get(path), 200)["networks"] == []
    # someone outside the network cannot be mentioned; nothing is posted
    answer = convener.post(f"/v1/networks/{network['id']}/threads", {
        "kind": "question", "title": "Vem seglar?", "body": "Fråga", "mentions": [person["id"]]})
    assert answer.status_code == 422 and "mentions" in answer.json()["errors"]
    # in the caller's language (the convener reads Dutch)
    assert answer.json()["errors"]["mentions"] == ["Alleen leden van het netwerk kunnen worden genoemd."]
    assert check(api.get(f"/v1/networks/{network['id']}/threads"), 200)["total"] == 0


def _network_with_members(api, tenant, *languages):
    network = check(tenant.member.post("/v1/networks", {
        "name": {"en": unique("Climbing Fjordby")}, "association_ids": [tenant.id], "themes": [KAYAKING],
        "visibility": "public", "join_policy": "open"}), 201)
    people = [_person(tenant, api, language) for language in languages]
    for *_, client in people:
        check(client.post(f"/v1/networks/{network['id']}/members", {}), 201)
    return network, people


def test_a_question_in_a_dormant_network_reaches_everyone_and_the_first_answer_wakes_it(api, tenant_a):
    network, [(asker, _, asker_client), (reader, reader_email, reader_client)] = _network_with_members(
        api, tenant_a, "en", "de")
    before = check(api.get(f"/v1/networks/{network['id']}"), 200)["last_activity_at"]
    assert before
    dormant = check(tenant_a.member.patch(f"/v1/networks/{network['id']}", {"activity": "dormant"}), 200)
    assert dormant["activity"] == "dormant"
    # the read model must know the reader is in the network before the question is asked
    wait_until(lambda: reader_client.get(f"/v1/persons/{reader['id']}/preferences").json()["networks"],
               timeout=20)
    title = unique("Who belays on Sundays")
    thread = check(asker_client.post(f"/v1/networks/{network['id']}/threads", {
        "kind": "question", "title": title, "body": "New in town."}), 201)
    # the reader would get this network's daily digest; a question in a dormant network comes at once
    [mail] = _mails_to(reader_email, "Neue Frage in")
    text = mail["message"].get_body(("plain",)).get_content()
    assert title in text and "Das Netzwerk ruhte" in text
    [to_convener] = _mails_to(tenant_a.member_email, f"Nieuwe vraag in {network['name']['en']}")
    assert "Het netwerk sliep" in to_convener["message"].get_body(("plain",)).get_content()
    _links_to(mail, api, f"/v1/threads/{thread['id']}", "de")
    _links_to(to_convener, api, f"/v1/threads/{thread['id']}", "nl")
    # still dormant, but its last activity is the question; the directory shows it
    asked = check(api.get(f"/v1/networks/{network['id']}"), 200)
    assert asked["activity"] == "dormant" and asked["last_activity_at"] > before
    listed = check(api.get("/v1/networks", params={"q": network["name"]["en"]}), 200)["items"]
    assert [(n["id"], n["last_activity_at"]) for n in listed] == [(network["id"], asked["last_activity_at"])]
    # the first answer wakes it
    check(reader_client.post(f"/v1/threads/{thread['id']}/posts", {"body": "I do."}), 201)
    assert check(api.get(f"/v1/networks/{network['id']}"), 200)["activity"] == "active"


def test_a_quiet_networks_conveners_are_asked_before_it_is_marked_dormant(api, tenant_a, system):
    from nabo_common.persistence import db
    from services.members.domain.networks import dormancy
    from services.members.models import Network

    network, _people = _network_with_members(api, tenant_a, "sv")
    engine = db.make_engine(system.settings["members"].database_url)
    session = db.make_sessionmaker(engine)()
    try:
        with session.begin():
            session.get(Network, network["id"]).last_activity_at = dormancy.utcnow() - timedelta(days=200)
        # an hourly tick of the members service, run here at once
        asked, _ = dormancy.sweep(session, after_days=180, notice_days=14)
        assert network["id"] in asked
        [mail] = _mails_to(tenant_a.member_email, "stil geweest")
        assert network["name"]["en"] in str(mail["message"]["Subject"])
        _links_to(mail, api, f"/v1/networks/{network['id']}", "nl")
        # the convener keeps it active: the next ticks do not mark it dormant
        check(tenant_a.member.patch(f"/v1/networks/{network['id']}", {"activity": "active"}), 200)
        later = dormancy.utcnow() + timedelta(days=15)
        assert network["id"] not in dormancy.sweep(session, 180, 14, now=later)[1]
        # left quiet after the question, it is marked dormant once the notice has passed
        with session.begin():
            session.get(Network, network["id"]).last_activity_at = dormancy.utcnow() - timedelta(days=200)
        assert network["id"] in dormancy.sweep(session, 180, 14)[0]
        assert network["id"] in dormancy.sweep(session, 180, 14, now=later)[1]
    finally:
        session.close()
        engine.dispose()
    assert check(api.get(f"/v1/networks/{network['id']}"), 200)["activity"] == "dormant"


def _offered(api, tenant_a, tenant_b):
    """An opportunity of a closed Dutch network offered to the German contact of a company offering kayak
    tours: the company, the contact (person, address, client), the network, the thread and the mail."""
    # a German company that shows itself to all associations offers kayak tours
    company = check(tenant_b.admin.post("/v1/organisations", {
        "name": unique("Kajaktouren Leer"), "country": "DE", "sector": "93.29",
        "visibility": "all_associations"}), 201)
    check(tenant_b.admin.post("/v1/memberships", {
        "organisation_id": company["id"], "association_id": tenant_b.id, "type": "full"}), 201)
    email = f"{unique('guide')}@example.test"
    person = check(tenant_b.admin.post("/v1/persons", {
        "name": "Greta Guide", "email": email, "language": "de", "password": "guide-password-1",
        "organisations": [{"organisation_id": company["id"], "role": "contact"}]}), 201)
    guide = api.as_(api.sign_in(email, "guide-password-1"))
    check(guide.post(f"/v1/organisations/{company['id']}/offers-and-needs",
                     {"kind": "offer", "title": "Geführte Kajaktouren", "themes": [KAYAKING]}), 201)
    # a Dutch network, closed to its members, shares an opportunity about kayaking
    network = check(tenant_a.member.post("/v1/networks", {
        "name": {"nl": unique("Kajak Groningen")}, "association_ids": [tenant_a.id], "themes": [KAYAKING],
        "visibility": "association", "join_policy": "open"}), 201)
    title = unique("Gidsen gezocht voor juni")
    thread = check(tenant_a.member.post(f"/v1/networks/{network['id']}/threads", {
        "kind": "opportunity", "title": title, "body": "Wie begeleidt onze gasten?",
        "themes": [KAYAKING]}), 201)
    [mail] = _mails_to(email, f"Eine Gelegenheit für {company['name']}")
    return company, (person, email, guide), network, thread, mail


@covers("POST /v1/posts/{id}/private-answers")
def test_an_opportunity_crosses_the_border_and_its_answer_introduces_the_companies(api, tenant_a, tenant_b):
    company, (person, email, guide), network, thread, mail = _offered(api, tenant_a, tenant_b)
    # the German contact hears of it in German, with the reason; the footer says it too (not that they
    # take part in a network), and that its link stops only this network's mail
    text = mail["message"].get_body(("plain",)).get_content()
    assert thread["title"] in text and f"weil {company['name']} " in text
    footer = text.replace("\r\n", "\n").split("\n-- \n")[1]
    assert f"weil {company['name']} Themen anbietet" in footer and "Teilnahme" not in footer
    assert f"Keine Mails mehr aus {network['name']['nl']}: http" in footer
    post_id = thread["opening_post"]["id"]
    _links_to(mail, api, f"/v1/posts/{post_id}", "de")
    # the post its mail links opens for the guide, though the network's conversation is closed to them
    assert check(guide.get(f"/v1/posts/{post_id}"), 200)["body"] == "Wie begeleidt onze gasten?"
    assert guide.get(f"/v1/threads/{thread['id']}").status_code == 404
    # and answers the author privately: the two companies are introduced
    path = f"/v1/posts/{post_id}/private-answers"
    assert guide.post(path, {"organisation_id": company["id"]}).status_code == 422
    # for an organisation the guide does not belong to: 403, the post being one they see
    assert guide.post(path, {"organisation_id": tenant_a.organisation["id"], "message": "Hallo"}
                      ).status_code == 403
    match = check(guide.post(path, {"organisation_id": company["id"],
                                    "message": "Wir haben drei Guides im Juni."}), 201)
    assert (match["organisation_id"], match["candidate_id"], match["status"]) == (
        company["id"], tenant_a.organisation["id"], "introduced")
    [introduced] = _mails_to(tenant_a.member_email, company["name"])
    assert "Wir haben drei Guides im Juni." in introduced["message"].get_body(("plain",)).get_content()
    assert guide.post(path, {"organisation_id": company["id"], "message": "Nochmal"}).status_code == 409
    # the guide is erased: the author's inbox item of the introduction keeps neither the guide's name,
    # address nor message
    assert tenant_b.admin.delete(f"/v1/persons/{person['id']}").status_code == 202

    def introduction():
        items = check(tenant_a.member.get("/v1/me/inbox", params={"limit": 100}), 200)["items"]
        [item] = [i for i in items if i["kind"] == "match_introduced" and company["name"] in i["title"]]
        return item["body"]
    assert wait_until(lambda: "Greta Guide" not in introduction())
    body = introduction()
    assert email not in body and "drei Guides" not in body and "Greta" not in body


def test_an_offers_one_click_shows_in_a_non_members_preferences_and_is_undone_there(
        api, tenant_a, tenant_b):
    _, (person, email, guide), network, _, mail = _offered(api, tenant_a, tenant_b)
    message = mail["message"]
    # a list of its network (RFC 2919), as Python's parser reads it
    dutch = network["name"]["nl"]  # its only name, also for a German reader
    name, list_id = parseaddr(str(message["List-Id"]))
    assert (name, list_id.partition(".networks.")[0]) == (dutch, network["id"])
    url = re.fullmatch(r"<(.+)>", str(message["List-Unsubscribe"])).group(1)
    assert requests.post(url, data={"List-Unsubscribe": "One-Click"}, allow_redirects=False,
                         timeout=30).status_code == 200
    path = f"/v1/persons/{person['id']}/preferences"
    stopped = {"network_id": network["id"], "network_name": dutch, "mode": "none", "member": False}
    assert check(guide.get(path), 200)["networks"] == [stopped]
    # refused like any choice, changing nothing: a network neither joined nor chosen, one named twice
    for refused in ([{"network_id": network["id"], "mode": "daily"},
                     {"network_id": tenant_a.organisation["id"], "mode": "daily"}],
                    [{"network_id": network["id"], "mode": "daily"},
                     {"network_id": network["id"], "mode": "none"}]):
        answer = guide.patch(path, {"networks": refused})
        assert answer.status_code == 422 and "networks" in answer.json()["errors"], answer.text
    assert check(guide.get(path), 200)["networks"] == [stopped]
    # choosing again: the network's next offer reaches the guide
    assert check(guide.patch(path, {"networks": [{"network_id": network["id"], "mode": "daily"}]}),
                 200)["networks"] == [dict(stopped, mode="daily")]
    again = unique("Noch mehr Gidsen")
    check(tenant_a.member.post(f"/v1/networks/{network['id']}/threads", {
        "kind": "opportunity", "title": again, "body": "Ook in juli?", "themes": [KAYAKING]}), 201)
    assert SINK.wait_for(1, timeout=30, where=lambda m: email in m["to"]
                         and again in m["message"].get_body(("plain",)).get_content())


def test_a_networks_digest_links_each_thread_in_the_readers_language(api, tenant_a, system):
    from nabo_common.persistence import db
    from services.notifications.domain import digest

    network, [(reader, reader_email, reader_client)] = _network_with_members(api, tenant_a, "sv")
    _choose(reader_client, reader, network, "daily")
    title = unique("Vem klättrar på söndag")
    thread = check(tenant_a.member.post(f"/v1/networks/{network['id']}/threads", {
        "kind": "question", "title": title, "body": "Nya i stan."}), 201)
    engine = db.make_engine(system.settings["notifications"].database_url)
    session = db.make_sessionmaker(engine)()

    def digested():
        # the new thread waits for the reader's daily digest: a tick of the digest timer a day later
        digest.send_due_digests(session, now=datetime.now(timezone.utc) + timedelta(days=1, minutes=1))
        return SINK.wait_for(1, timeout=1, where=lambda m: reader_email in m["to"]
                             and "sammanfattning" in str(m["message"]["Subject"]))

    try:
        [mail] = wait_until(digested, timeout=30)
    finally:
        session.close()
        engine.dispose()
    assert title in mail["message"].get_body(("plain",)).get_content()
    _links_to(mail, api, f"/v1/threads/{thread['id']}", "sv")
