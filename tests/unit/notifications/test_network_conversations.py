"""What each member hears of a network's conversation: every post, a daily or weekly digest, only replies
and mentions, or nothing; the inbox gets what the mail gets; one click unsubscribes from a network."""
import dataclasses
import re
from datetime import timedelta
from email.utils import parseaddr
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import delete, select, update

from nabo_common.api.errors import ValidationFailed
from services.notifications import mailer as mail
from services.notifications.domain import digest, dispatch, gdpr, preferences, unsubscribe
from services.notifications.domain.common import utcnow
from services.notifications.models import AuthoredTitle, Contact, Delivery, InboxItem, NetworkPreference
from tests.support.smtp import message_defects
from tests.unit.notifications.conftest import new_id
from tests.unit.notifications.test_campaigns_and_dispatch import RecordingMailer, send_all
from tests.unit.notifications.test_consumed_contracts import network_data


def a_day_later():
    """When the items held now are due for their daily digest."""
    return utcnow() + timedelta(days=1, minutes=1)


def rows(session, **where):
    stmt = select(Delivery)
    for key, value in where.items():
        stmt = stmt.where(getattr(Delivery, key) == value)
    found = session.scalars(stmt.order_by(Delivery.id)).all()
    session.commit()
    return found


@pytest.fixture
def network(world):
    """A network of six people in an English-speaking association: the author and one per mode (and one
    who chose nothing)."""
    aid = world.association(language="en")
    network_id = new_id()
    world.apply("network.created", network_data(network_id, aid))
    people = {key: world.person(aid, language=language) for key, language in (
        ("author", "en"), ("every", "de"), ("daily", "da"), ("weekly", "sv"), ("replies", "nl"),
        ("none", "en"), ("default", "en"))}
    for pid in people.values():
        world.apply("network.member_joined", {"network_id": network_id, "person_id": pid,
                                              "association_ids": [aid], "name": "Kayak", "by_person_id": pid})
    return {"id": network_id, "aid": aid, "people": people}


def choose(session, system, network, key, mode):
    preferences.update(session, system, network["people"][key],
                       {"networks": [{"network_id": network["id"], "mode": mode}]})


def post(world, network, opening=True, author="author", **extra):
    data = {"post_id": new_id(), "thread_id": extra.pop("thread_id", new_id()), "network_id": network["id"],
            "network_name": "Kayak", "network_names": {"en": "Kayak", "da": "Kajak"},
            "association_ids": [network["aid"]], "author_person_id": network["people"][author],
            "kind": "question", "title": "Who rents kayaks?", "themes": [], "opening": opening,
            "reply_to_id": None, "thread_author_person_id": network["people"]["author"], **extra}
    event_id = new_id()
    world.apply("post.created", data, event_id=event_id)
    return event_id


@pytest.fixture
def chosen(session, system, network):
    for key in ("every", "daily", "weekly", "replies", "none"):
        choose(session, system, network, key, {"every": "every_post", "replies": "replies_and_mentions"}.get(
            key, key))
    return network


def test_each_member_hears_of_a_new_thread_as_they_chose(world, session, chosen):
    people = chosen["people"]
    cause = post(world, chosen)
    by_person = {r.person_id: r for r in rows(session, cause_id=cause, channel="email")}
    assert {p: (r.status, r.digest_period) for p, r in by_person.items()} == {
        people["every"]: ("queued", None),
        people["daily"]: ("held", "daily"),
        people["weekly"]: ("held", "weekly"),
        people["default"]: ("held", "daily"),
    }
    # each in their language, the network's name in theirs where it has one
    assert by_person[people["every"]].subject == "Neue Frage in Kayak"
    assert by_person[people["daily"]].subject == "Nyt spørgsmål i Kajak"
    # the inbox gets the same items, at once
    inbox = session.scalars(select(InboxItem.person_id).where(InboxItem.cause_id == cause)).all()
    assert set(inbox) == set(by_person)
    session.commit()


def test_replies_and_mentions_come_at_once_in_every_mode_but_none(world, session, chosen):
    people = chosen["people"]
    thread_id = new_id()
    post(world, chosen, thread_id=thread_id)
    cause = post(world, chosen, opening=False, author="every", thread_id=thread_id,
                 mentioned_person_ids=[people["replies"], people["weekly"], people["none"]])
    by_person = {r.person_id: r for r in rows(session, cause_id=cause, channel="email")}
    assert {p: (r.status, r.kind) for p, r in by_person.items()} == {
        people["author"]: ("queued", "network_reply_posted"),  # the thread is theirs
        people["replies"]: ("queued", "network_reply_posted"),  # mentioned
        people["weekly"]: ("queued", "network_reply_posted"),  # mentioned: not held for the week
        people["daily"]: ("held", "network_reply_posted"),
        people["default"]: ("held", "network_reply_posted"),
    }
    assert by_person[people["author"]].subject.endswith("answered you in Kayak")
    assert by_person[people["replies"]].subject.endswith("heeft u genoemd in Kayak")
    assert by_person[people["weekly"]].subject.endswith("nämnde dig i Kayak")
    # a reply nobody is addressed in reaches only those who hear every post or a digest
    quiet = post(world, chosen, opening=False, author="daily", thread_id=thread_id)
    assert people["replies"] not in {r.person_id for r in rows(session, cause_id=quiet)}


def test_digests_bundle_network_posts_at_their_own_period(world, session, chosen):
    people = chosen["people"]
    post(world, chosen)
    now = utcnow()
    # with no digest yet, the period runs from when the item was held: nothing goes at once
    assert digest.send_due_digests(session, now=now) == []
    assert digest.send_due_digests(session, now=now + timedelta(hours=23)) == []
    assert rows(session, kind="digest") == []
    # a day after it was held, the daily readers' first digest goes; the weekly item waits for its week
    with session.begin():
        session.execute(update(Delivery).where(Delivery.status == "held")
                        .values(created_at=now - timedelta(days=1, minutes=1)))
    post(world, chosen)  # held since: rides along with the first digest
    served = set(digest.send_due_digests(session, now=now))
    assert {people["daily"], people["default"]} <= served and people["weekly"] not in served
    [bundle] = rows(session, person_id=people["daily"], kind="digest")
    assert bundle.text_body.count("Nyt spørgsmål i Kajak") == 2
    assert rows(session, person_id=people["daily"], status="held") == []
    post(world, chosen)
    assert digest.send_due_digests(session, now=now + timedelta(hours=1)) == []
    later = set(digest.send_due_digests(session, now=now + timedelta(days=1, minutes=1)))
    assert people["daily"] in later and people["weekly"] not in later
    assert people["weekly"] in digest.send_due_digests(session, now=now + timedelta(days=7, minutes=2))


def test_one_click_unsubscribes_from_the_network_only(world, session, system, config, chosen):
    people = chosen["people"]
    cause = post(world, chosen)
    mailer = RecordingMailer()
    send_all(session, config, mailer)
    [message] = [m for m in mailer.sent if m["Subject"] == "Neue Frage in Kayak"]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = message["List-Unsubscribe"].strip("<>")
    assert url in message.get_body(("plain",)).get_content()
    token = parse_qs(urlsplit(url).query)["token"][0]
    assert "Möchten Sie keine Nachrichten mehr aus dem Netzwerk Kayak erhalten?" in unsubscribe.page(
        session, config, token)["html"]
    session.commit()
    result = unsubscribe.withdraw(session, system, config, token)
    assert result == {"association_id": chosen["aid"], "kind": "network", "withdrawn": True,
                      "network_id": chosen["id"]}
    assert session.get(NetworkPreference, (people["every"], chosen["id"])).mode == "none"
    session.commit()
    again = post(world, chosen)
    assert people["every"] not in {r.person_id for r in rows(session, cause_id=again)}
    assert rows(session, cause_id=cause, person_id=people["every"], channel="email")[0].status == "sent"


def test_digest_mail_carries_no_network_unsubscribe_but_network_mail_does(world, session, config, chosen):
    post(world, chosen)
    assert digest.send_due_digests(session, now=a_day_later())
    mailer = RecordingMailer()
    send_all(session, config, mailer)
    subjects = {m["Subject"]: m for m in mailer.sent}
    assert subjects["Neue Frage in Kayak"]["List-Unsubscribe"]
    bundles = [m for m in mailer.sent if "summary" in m["Subject"] or "oversigt" in m["Subject"].lower()]
    assert bundles and all(m["List-Unsubscribe"] is None for m in bundles)
    assert dispatch.PLACEHOLDER not in "".join(m.get_body(("plain",)).get_content() for m in mailer.sent)


def test_network_mail_is_a_list_of_its_network_and_digests_of_none(world, session, config, chosen):
    """RFC 2919: ``List-Id: "<the network's name in the reader's language>" <<id>.networks.<domain>>``,
    encoded for a non-ASCII name and read back whole by Python's e-mail parser."""
    offer(world, chosen, german_reader(world))
    post(world, chosen, network_names={"de": "Kajak „Nord“ Øresund", "da": "Kajak"})  # the name now
    assert digest.send_due_digests(session, now=a_day_later())
    mailer = RecordingMailer()
    send_all(session, config, mailer)
    expected = f"{chosen['id']}.networks.{mail.sender_domain(config.mail_from)}"
    network_mail = [m for m in mailer.sent if m["List-Unsubscribe"]]
    assert {m["Subject"] for m in network_mail} >= {"Neue Frage in Kajak „Nord“ Øresund",
                                                     "Eine Gelegenheit für Kajak Leer GmbH: Guides wanted"}
    for message in network_mail:
        raw = dict(message.raw_items())["List-Id"]
        assert raw.isascii() and message_defects(message) == []
        assert parseaddr(str(message["List-Id"])) == (
            {"de": "Kajak „Nord“ Øresund", "en": "Kayak", "nl": "Kayak"}[message["Content-Language"]],
            expected)
    bundles = [m for m in mailer.sent if m["List-Unsubscribe"] is None]
    assert bundles and all(m["List-Id"] is None for m in bundles)


def test_choices_only_for_ones_own_networks(session, system, chosen, world):
    people = chosen["people"]
    view = preferences.get(session, system, people["every"])
    session.commit()
    assert view["networks"] == [{"network_id": chosen["id"], "network_name": "Kayak", "mode": "every_post",
                                 "member": True}]
    default = preferences.get(session, system, people["default"])["networks"][0]["mode"]
    session.commit()
    assert default == "daily"
    stranger = world.person(chosen["aid"])
    with pytest.raises(ValidationFailed) as refused:
        preferences.update(session, system, stranger,
                           {"networks": [{"network_id": chosen["id"], "mode": "every_post"}]})
    session.rollback()
    assert "networks" in refused.value.errors
    # the headline says what is wrong: the network exists, the person is not in it
    assert refused.value.message == "The person is not a member of this network."
    chosen_by_stranger = select(NetworkPreference.mode).where(NetworkPreference.person_id == stranger)
    assert session.scalars(chosen_by_stranger).all() == []
    session.commit()


def test_a_question_in_a_dormant_network_reaches_everyone_and_says_so(world, session, chosen):
    people = chosen["people"]
    convener = world.person(chosen["aid"], language="de")  # an admin convening it, not a member
    cause = post(world, chosen, network_dormant=True, convener_person_ids=[convener, people["author"]])
    by_person = {r.person_id: r for r in rows(session, cause_id=cause, channel="email")}
    # at once, whatever they chose, but for those who silenced the network
    everyone = [people[k] for k in ("every", "daily", "weekly", "replies", "default")] + [convener]
    assert {p: r.status for p, r in by_person.items()} == {p: "queued" for p in everyone}
    assert "Das Netzwerk ruhte" in by_person[convener].text_body
    assert "Det første svar vækker netværket" in by_person[people["daily"]].text_body


def test_a_quiet_networks_conveners_are_asked(world, session, network):
    convener = network["people"]["author"]
    event_id = new_id()
    world.apply("network.dormancy_proposed", {
        "network_id": network["id"], "name": "Kayak", "names": {"da": "Kajak"},
        "association_ids": [network["aid"]],
        "convener_person_ids": [convener], "last_activity_at": "2026-03-01T09:30:00+00:00",
        "dormant_from": "2026-09-14T09:30:00+00:00"}, event_id=event_id)
    [asked] = rows(session, cause_id=event_id, channel="email")
    assert (asked.person_id, asked.subject) == (convener, "The network Kayak has been quiet")
    assert "since March 1, 2026" in asked.text_body and "September 14, 2026" in asked.text_body


def offer(world, network, reader, title="Guides wanted"):
    """An opportunity of the network offered to ``reader`` of Kajak Leer GmbH; the event's id."""
    event_id = new_id()
    world.apply("opportunity.offered", {
        "post_id": new_id(), "thread_id": new_id(), "network_id": network["id"], "network_name": "Kayak",
        "network_names": {"de": "Kajak am Deich"}, "association_ids": [network["aid"]],
        "author_person_id": network["people"]["author"], "title": title,
        "theme_labels": {"t1": {"en": "Kayaking", "de": "Kajakfahren"}, "t2": {"en": "Guiding"}},
        "recipients": [{"person_id": reader, "organisation_id": new_id(),
                        "organisation_name": "Kajak Leer GmbH", "theme_ids": ["t1", "t2"]}]},
                event_id=event_id)
    return event_id


def german_reader(world):
    aid = world.association(language="de")
    return world.person(aid, organisation_id=world.organisation(aid, country="DE"), language="de")


def test_an_opportunity_offered_across_the_border_says_why_in_the_readers_language(world, session, network):
    reader = german_reader(world)
    event_id = offer(world, network, reader)
    [mail] = rows(session, cause_id=event_id, channel="email")
    assert (mail.person_id, mail.subject) == (reader, "Eine Gelegenheit für Kajak Leer GmbH: Guides wanted")
    assert "im Netzwerk Kajak am Deich" in mail.text_body
    assert "weil Kajak Leer GmbH Kajakfahren, Guiding anbietet" in mail.text_body
    inbox = session.scalars(select(InboxItem.link).where(InboxItem.cause_id == event_id)).all()
    session.commit()
    assert inbox and inbox[0].startswith("/v1/posts/")


def offered_mail(world, session, config, network):
    """A German reader offered an opportunity of the network: the reader, the mail, its one-click token."""
    reader = german_reader(world)
    offer(world, network, reader)
    mailer = RecordingMailer()
    send_all(session, config, mailer)
    [message] = [m for m in mailer.sent if m["Subject"].startswith("Eine Gelegenheit")]
    return reader, message, parse_qs(urlsplit(message["List-Unsubscribe"].strip("<>")).query)["token"][0]


def test_an_offer_beyond_the_network_unsubscribes_from_its_offers_in_one_click(
        world, session, system, config, network):
    reader, message, token = offered_mail(world, session, config, network)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Content-Language"] == "de"
    assert "Netzwerk Kajak am Deich" in unsubscribe.page(session, config, token)["html"]  # as the mail says
    session.commit()
    unsubscribe.withdraw(session, system, config, token)
    again = offer(world, network, reader, title="More guides wanted")
    assert rows(session, cause_id=again) == []


def test_an_offers_one_click_shows_in_the_preferences_of_a_non_member_who_may_undo_it(
        world, session, system, config, network):
    reader, _, token = offered_mail(world, session, config, network)
    unsubscribe.withdraw(session, system, config, token)
    german = dataclasses.replace(system, language="de")
    stopped = {"network_id": network["id"], "network_name": "Kajak am Deich", "mode": "none", "member": False}
    assert preferences.get(session, german, reader)["networks"] == [stopped]
    session.commit()
    # the export names the network in the caller's language, as the preferences do
    assert gdpr.export(session, german, reader)["preferences"]["networks"] == [stopped]
    session.commit()
    exported = gdpr.export(session, system, reader)["preferences"]["networks"]
    assert exported == [dict(stopped, network_name="Kayak")]
    session.commit()
    # refused like any choice: a network neither joined nor chosen, a network named twice; nothing changes
    again = {"network_id": network["id"], "mode": "daily"}
    for refused in ([again, {"network_id": new_id(), "mode": "daily"}],
                    [again, {"network_id": network["id"], "mode": "none"}]):
        with pytest.raises(ValidationFailed) as failed:
            preferences.update(session, german, reader, {"networks": refused})
        session.rollback()
        assert "networks" in failed.value.errors
    assert preferences.get(session, german, reader)["networks"] == [stopped]
    session.commit()
    # choosing again lets the network's offers come again
    [chosen] = preferences.update(session, german, reader, {"networks": [again]})["networks"]
    session.commit()
    assert chosen == dict(stopped, mode="daily")
    more = offer(world, network, reader, title="More guides wanted")
    assert [r.subject for r in rows(session, cause_id=more, channel="email")] == [
        "Eine Gelegenheit für Kajak Leer GmbH: More guides wanted"]


def test_what_one_hears_of_each_network_is_in_the_export_and_gone_on_erasure(session, system, chosen):
    person_id = chosen["people"]["weekly"]
    exported = gdpr.export(session, system, person_id)
    session.commit()
    assert exported["preferences"]["networks"] == [
        {"network_id": chosen["id"], "network_name": "Kayak", "mode": "weekly", "member": True}]
    with session.begin():
        gdpr.erase(session, person_id)
    left = select(NetworkPreference.mode).where(NetworkPreference.person_id == person_id)
    assert session.scalars(left).all() == []
    session.commit()


def test_a_digest_links_each_thread_and_unsubscribes_from_its_network_in_one_click(
        world, session, system, config, chosen):
    people = chosen["people"]
    thread_id = new_id()
    post(world, chosen, thread_id=thread_id)
    assert people["daily"] in digest.send_due_digests(session, now=a_day_later())
    mailer = RecordingMailer()
    send_all(session, config, mailer)
    daily = f"{people['daily'][:8]}@example.test"
    [bundle] = [m for m in mailer.sent if m["To"].addresses[0].addr_spec == daily]
    assert bundle["Content-Language"] == "da"
    text = bundle.get_body(("plain",)).get_content()
    assert f"https://nabo.test/v1/threads/{thread_id}" in text
    [url] = re.findall(r"Ikke flere mails fra dette netværk: (\S+)", text)
    assert f'href="{url}"' in bundle.get_body(("html",)).get_content()
    assert "placeholder" not in text
    token = parse_qs(urlsplit(url).query)["token"][0]
    session.commit()
    assert unsubscribe.withdraw(session, system, config, token)["network_id"] == chosen["id"]
    assert session.get(NetworkPreference, (people["daily"], chosen["id"])).mode == "none"


def test_network_mail_links_the_thread_on_the_public_address(world, session, config, chosen):
    thread_id = new_id()
    post(world, chosen, thread_id=thread_id)
    mailer = RecordingMailer()
    send_all(session, config, mailer)
    [message] = [m for m in mailer.sent if m["Subject"] == "Neue Frage in Kayak"]
    assert message["Content-Language"] == "de"
    text = message.get_body(("plain",)).get_content()
    assert f"Zur Diskussion: https://nabo.test/v1/threads/{thread_id}" in text
    assert f'href="https://nabo.test/v1/threads/{thread_id}"' in message.get_body(("html",)).get_content()


def test_an_erased_authors_name_leaves_the_messages_others_got_of_their_posts(world, session, chosen):
    author = chosen["people"]["author"]
    name = f"Person {author[:4]}"
    cause = post(world, chosen)
    named = rows(session, cause_id=cause, person_id=chosen["people"]["every"], channel="email")[0]
    assert f"Geschrieben von {name}." in named.text_body
    with session.begin():
        gdpr.erase(session, author)
    for row in rows(session, cause_id=cause):
        assert name not in " ".join(filter(None, (row.subject, row.text_body, row.html_body)))
    [mail] = rows(session, cause_id=cause, person_id=chosen["people"]["every"], channel="email")
    # in the reader's language (German)
    assert "Geschrieben von Gelöschte Person." in mail.text_body and "Gelöschte Person" in mail.html_body
    items = session.scalars(select(InboxItem).where(InboxItem.cause_id == cause)).all()
    session.commit()
    assert items and all(name not in item.title + item.body for item in items)
    [german] = [item.body for item in items if item.person_id == chosen["people"]["every"]]
    assert "Gelöschte Person" in german and "Erased person" not in german


def test_an_erased_authors_thread_titles_leave_others_messages_inbox_and_digests(world, session, chosen):
    people = chosen["people"]
    thread_id = new_id()
    title = "Eriks Frage zum Kajak"
    started = post(world, chosen, thread_id=thread_id, title=title)
    reply = post(world, chosen, opening=False, author="every", thread_id=thread_id, title=title)
    held = rows(session, person_id=people["daily"], status="held")
    assert held and all(title in row.text_body for row in held)
    with session.begin():
        gdpr.erase(session, people["author"])
    others = [row for cause in (started, reply) for row in rows(session, cause_id=cause)
              if row.person_id != people["author"]]
    assert others and not any(title in " ".join(filter(None, (r.subject, r.text_body, r.html_body)))
                              for r in others)
    [daily] = [r for r in others
               if (r.person_id, r.cause_id, r.channel) == (people["daily"], reply, "email")]
    assert daily.status == "held" and '"(titel fjernet)"' in daily.text_body  # in the reader's Danish
    items = session.scalars(select(InboxItem).where(InboxItem.link == f"/v1/threads/{thread_id}")).all()
    session.commit()
    assert items and not any(title in item.title + item.body for item in items)
    swedish = [item.body for item in items if item.person_id == people["weekly"] and item.cause_id == started]
    assert swedish and "(titel borttagen)" in swedish[0] and "Raderad person" in swedish[0]
    # the held items' digest quotes no title either
    assert people["daily"] in digest.send_due_digests(session, now=a_day_later())
    [bundle] = rows(session, person_id=people["daily"], kind="digest")
    assert title not in bundle.text_body and "(titel fjernet)" in bundle.text_body


def quoting(session, title, *causes):
    """Others' mail rows and inbox items of ``causes`` whose words hold ``title``."""
    found = [r for cause in causes for r in rows(session, cause_id=cause)
             if title in " ".join(filter(None, (r.subject, r.text_body, r.html_body)))]
    items = session.scalars(select(InboxItem).where(InboxItem.cause_id.in_(causes))).all()
    session.commit()
    return found + [item for item in items if title in item.title + item.body]


def test_titles_of_threads_opened_before_authored_titles_are_found_in_others_messages(
        world, session, config, chosen):
    people = chosen["people"]
    thread_id, title = new_id(), "Paddeln am Deich"
    started = post(world, chosen, thread_id=thread_id, title=title)
    reply = post(world, chosen, opening=False, author="every", thread_id=thread_id, title=title)
    offered = offer(world, chosen, german_reader(world), title="Kajakguides gesucht")
    digest.send_due_digests(session, now=a_day_later())
    send_all(session, config, RecordingMailer())  # some sent and kept, some held for a weekly digest
    with session.begin():  # as if opened before the table that remembers who wrote which title existed
        session.execute(delete(AuthoredTitle))
    assert quoting(session, title, started, reply) and quoting(session, "Kajakguides gesucht", offered)
    with session.begin():
        gdpr.erase(session, people["author"])
    assert quoting(session, title, started, reply) == []
    assert quoting(session, "Kajakguides gesucht", offered) == []
    [german] = rows(session, cause_id=offered, channel="email")
    assert german.subject == "Eine Gelegenheit für Kajak Leer GmbH: (Titel entfernt)"
    [swedish] = rows(session, cause_id=started, person_id=people["weekly"], channel="email")
    assert swedish.status == "held" and "i nätverket Kayak: (titel borttagen)" in swedish.text_body
    [bundle] = rows(session, person_id=people["daily"], kind="digest")
    assert "(titel fjernet)" in bundle.text_body


def test_a_namesakes_thread_known_to_authored_titles_keeps_its_title(world, session, chosen):
    people = chosen["people"]
    with session.begin():  # "every" is called as the author is
        session.get(Contact, people["every"]).name = session.get(Contact, people["author"]).name
    theirs = post(world, chosen, author="every", title="Ein Paddeltag im Mai")
    with session.begin():
        gdpr.erase(session, people["author"])
    assert quoting(session, "Ein Paddeltag im Mai", theirs)


def threads_of_the_erased(world, session, chosen, *titles):
    """A thread of each title by the author, with a reply by another member, then the author erased: the
    posts' event ids, and the Danish daily reader's mail of them."""
    causes = []
    for title in titles:
        thread_id = new_id()
        causes += [post(world, chosen, thread_id=thread_id, title=title),
                   post(world, chosen, opening=False, author="every", thread_id=thread_id, title=title)]
    with session.begin():
        gdpr.erase(session, chosen["people"]["author"])
    mail = rows(session, person_id=chosen["people"]["daily"], channel="email")
    return causes, [r for r in mail if r.cause_id in causes]


def test_an_erased_authors_title_goes_only_where_it_stands_as_the_title(world, session, chosen):
    """A thread titled "Hej" (or "Hello"): the greeting "Hej Ane," of the same message stays."""
    people = chosen["people"]
    causes, danish = threads_of_the_erased(world, session, chosen, "Hej", "Hello")
    assert len(danish) == 4
    for row in danish:
        assert row.text_body.startswith(f"Hej {row.name},") and f"Hej {row.name}," in row.html_body
        assert "(titel fjernet)" in row.text_body and "(titel fjernet)" in row.html_body
        assert not re.search(r"(: |\")(Hej|Hello)\b", row.text_body)
    english = [r for r in rows(session, person_id=people["default"], channel="email") if r.cause_id in causes]
    assert english and all(r.text_body.startswith(f"Hello {r.name},") for r in english)
    items = session.scalars(select(InboxItem).where(InboxItem.person_id == people["daily"],
                                                    InboxItem.cause_id.in_(causes))).all()
    session.commit()
    assert len(items) == 4 and all(i.body.startswith("Hej ") and "(titel fjernet)" in i.body for i in items)


def test_a_title_with_quotes_and_ampersands_goes_from_the_text_and_the_html(world, session, chosen):
    _, danish = threads_of_the_erased(world, session, chosen, 'Paddel & "Sø" <tur>')
    assert len(danish) == 2
    for row in danish:
        assert "Paddel" not in row.text_body + row.html_body and "(titel fjernet)" in row.html_body
    assert "tråden &#34;(titel fjernet)&#34;" in danish[1].html_body


def test_preferences_and_the_unsubscribe_page_name_the_network_in_the_readers_language(
        world, session, system, config, chosen):
    daily = chosen["people"]["daily"]  # reads Danish; the network is "Kayak", in Danish "Kajak"
    post(world, chosen)
    for language, name in (("da", "Kajak"), ("en", "Kayak"), ("sv", "Kayak")):  # no Swedish name: the usual
        reader = dataclasses.replace(system, language=language)
        [network] = preferences.get(session, reader, daily)["networks"]
        assert network["network_name"] == name
    session.commit()
    [changed] = preferences.update(session, dataclasses.replace(system, language="da"), daily, {
        "networks": [{"network_id": chosen["id"], "mode": "every_post"}]})["networks"]
    assert changed["network_name"] == "Kajak"
    session.commit()
    url = unsubscribe.network_link(config, daily, chosen["aid"], chosen["id"])
    html = unsubscribe.page(session, config, parse_qs(urlsplit(url).query)["token"][0])["html"]
    assert "netværket Kajak" in html and "Kayak" not in html
