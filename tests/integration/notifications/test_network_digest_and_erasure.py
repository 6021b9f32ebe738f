"""A network's conversation with the service on PostgreSQL, RabbitMQ and an SMTP server: a new member's
first daily digest waits a day from the first item held, and an erased author's thread title and name
leave the inbox and the held items of others, in the reader's language."""
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, select, update

from services.notifications.domain import digest
from services.notifications.models import AuthoredTitle, Contact, Delivery, InboxItem, NetworkMember
from tests.integration.notifications.support import new_id, now_iso, wait_until
from tests.integration.notifications.test_transactional_mail import person
from tests.unit.notifications.test_consumed_contracts import network_data

TITLE = "Eriks fråga om kajaker"


def network_of(publisher, association_id, *person_ids):
    network_id = new_id()
    publisher.publish("network.created", network_data(network_id, association_id),
                      association_id=association_id)
    for person_id in person_ids:
        publisher.publish("network.member_joined", {
            "network_id": network_id, "person_id": person_id, "association_ids": [association_id],
            "name": "Kayak", "by_person_id": person_id}, association_id=association_id)
    return network_id


def thread(publisher, association_id, network_id, author_id, title=TITLE):
    thread_id = new_id()
    publisher.publish("post.created", {
        "post_id": new_id(), "thread_id": thread_id, "network_id": network_id, "network_name": "Kayak",
        "network_names": {"en": "Kayak"}, "association_ids": [association_id], "author_person_id": author_id,
        "kind": "question", "title": title, "themes": [], "opening": True, "reply_to_id": None,
        "thread_author_person_id": author_id}, association_id=association_id)
    return thread_id


def swedish_network(database, publisher):
    """A Swedish association's network of Erik Lind and Maja Olsson, known to the read model: the
    association, Erik, Maja, Maja's address and the network."""
    association_id = new_id()
    publisher.publish("association.created", {
        "association_id": association_id, "name": "Företagare Umeå", "slug": association_id[:8],
        "country": "SE", "default_language": "sv", "time_zone": "Europe/Stockholm"})
    author, _ = person(publisher, association_id, "sv", "Erik Lind")
    reader, reader_email = person(publisher, association_id, "sv", "Maja Olsson")
    network_id = network_of(publisher, association_id, author, reader)
    # the post's handler reads the members and their contacts from the read model, which other queues fill
    members = select(NetworkMember).where(NetworkMember.network_id == network_id)
    assert len(database.wait_rows(members, 2, timeout=30)) == 2
    assert len(database.wait_rows(select(Contact).where(Contact.person_id.in_((author, reader))), 2)) == 2
    return association_id, author, reader, reader_email, network_id


def digest_of(database, smtp_sink, held, address):
    """The digest of the ``held`` item, once due, as the SMTP server received it."""
    with database.sessions() as session, session.begin():
        session.execute(update(Delivery).where(Delivery.id == held.id)
                        .values(created_at=datetime.now(timezone.utc) - timedelta(days=1, minutes=1)))
    with database.sessions() as session:
        digest.send_due_digests(session)  # the service's own minute timer may be first: either sends it
    [sent] = smtp_sink.wait_for(1, timeout=20, where=lambda m: address in m["to"])
    return sent["message"]


def test_first_digest_waits_a_day_and_erasure_takes_the_title_and_name_out(notifications, smtp_sink):
    _system, database, publisher = notifications
    association_id, author, reader, reader_email, network_id = swedish_network(database, publisher)
    thread_id = thread(publisher, association_id, network_id, author)
    held = select(Delivery).where(Delivery.person_id == reader, Delivery.status == "held")
    assert len(database.wait_rows(held, 1, timeout=30)) == 1
    # a new member with the default daily digest: nothing goes until a day after the item was held
    with database.sessions() as session:
        assert digest.send_due_digests(session) == []
    digests = select(Delivery).where(Delivery.person_id == reader, Delivery.kind == "digest")
    assert database.rows(digests) == [] and len(database.rows(held)) == 1
    item_of = select(InboxItem).where(InboxItem.person_id == reader,
                                      InboxItem.link == f"/v1/threads/{thread_id}")
    [item] = database.wait_rows(item_of, 1)
    assert TITLE in item.body and "Skrivet av Erik Lind." in item.body

    publisher.publish("person.erased", {"person_id": author, "erased_at": now_iso()},
                      association_id=association_id)

    def erased_out():
        [item] = database.rows(item_of)
        return "Erik Lind" not in item.body and item

    item = wait_until(erased_out, timeout=30)
    assert item and TITLE not in item.title + item.body
    assert "Skrivet av Raderad person." in item.body and "(titel borttagen)" in item.body
    [mail] = database.rows(held)
    assert TITLE not in mail.text_body + mail.html_body and "Raderad person" in mail.text_body

    sent = digest_of(database, smtp_sink, mail, reader_email)
    text = sent.get_body(("plain",)).get_content()
    assert "sammanfattning" in str(sent["Subject"])
    assert TITLE not in text and "(titel borttagen)" in text


def test_erasure_takes_out_a_title_recorded_before_authored_titles_only_where_it_is_the_title(
        notifications, smtp_sink):
    """A thread titled "Hej", as Swedish mail greets its reader, opened before the service remembered who
    wrote which title: its title is found in the reader's messages and goes, the greeting stays."""
    _system, database, publisher = notifications
    association_id, author, reader, reader_email, network_id = swedish_network(database, publisher)
    thread_id = thread(publisher, association_id, network_id, author, title="Hej")
    item_of = select(InboxItem).where(InboxItem.person_id == reader,
                                      InboxItem.link == f"/v1/threads/{thread_id}")
    held = select(Delivery).where(Delivery.person_id == reader, Delivery.status == "held")
    [item] = database.wait_rows(item_of, 1, timeout=30)
    assert len(database.wait_rows(held, 1, timeout=30)) == 1
    assert "i nätverket Kayak: Hej" in item.body
    with database.sessions() as session, session.begin():
        session.execute(delete(AuthoredTitle).where(AuthoredTitle.person_id == author))

    publisher.publish("person.erased", {"person_id": author, "erased_at": now_iso()},
                      association_id=association_id)
    item = wait_until(lambda: next((i for i in database.rows(item_of) if "Erik Lind" not in i.body), None),
                      timeout=30)
    assert item.body.startswith("Hej Maja Olsson,") and "i nätverket Kayak: (titel borttagen)" in item.body
    [mail] = database.rows(held)
    assert mail.text_body.startswith("Hej Maja Olsson,") and "Hej Maja Olsson," in mail.html_body
    assert "i nätverket Kayak: (titel borttagen)" in mail.text_body

    sent = digest_of(database, smtp_sink, mail, reader_email)
    text = sent.get_body(("plain",)).get_content()
    assert text.startswith("Hej Maja Olsson,") and "i nätverket Kayak: (titel borttagen)" in text
    assert "Kayak: Hej" not in text
