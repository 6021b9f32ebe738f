"""Events become read-model rows and once-only transactional deliveries."""
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from services.notifications.domain import digest, gdpr, preferences
from services.notifications.models import ConsentState, Contact, Delivery, InboxItem, Preference
from tests.unit.notifications.conftest import new_id


def deliveries(session, **where):
    stmt = select(Delivery)
    for key, value in where.items():
        stmt = stmt.where(getattr(Delivery, key) == value)
    rows = session.scalars(stmt.order_by(Delivery.id)).all()
    session.commit()  # end the read so the next domain call can open its own transaction
    return rows


def test_membership_activation_notifies_contacts_once_per_cause(world, session):
    aid = world.association(language="da")
    oid = world.organisation(aid)
    sv = world.person(organisation_id=oid, language="sv")
    de = world.person(organisation_id=oid, language="de")
    event_id = new_id()
    world.apply("membership.status_changed", {"membership_id": new_id(), "organisation_id": oid,
                                              "association_id": aid, "type": "full", "status": "active",
                                              "previous_status": "pending"}, event_id=event_id)
    # the same event again (redelivery) changes nothing
    world.apply("membership.status_changed", {"membership_id": new_id(), "organisation_id": oid,
                                              "association_id": aid, "type": "full", "status": "active",
                                              "previous_status": "pending"}, event_id=event_id)
    emails = deliveries(session, kind="membership_activated", channel="email")
    assert {(d.person_id, d.language) for d in emails} == {(sv, "sv"), (de, "de")}
    assert all(d.status == "queued" and d.cause_id == event_id for d in emails)
    assert session.scalar(select(func.count()).select_from(InboxItem)) == 2


def test_preferences_switch_channels_and_language(world, session, system):
    aid = world.association()
    oid = world.organisation(aid)
    pid = world.person(organisation_id=oid, language="da")
    preferences.update(session, system, pid, {"channels": {"email": False}, "language": "nl"})
    world.membership(aid, oid)
    assert deliveries(session, person_id=pid, channel="email") == []
    [inapp] = deliveries(session, person_id=pid, channel="inapp")
    assert inapp.language == "nl"


def test_non_urgent_messages_wait_for_the_digest(world, session, system):
    aid = world.association(language="en")
    oid = world.organisation(aid)
    pid = world.person(organisation_id=oid, language="en")
    preferences.update(session, system, pid, {"digest": "daily"})
    world.membership(aid, oid)
    [held] = deliveries(session, person_id=pid, channel="email")
    assert held.status == "held"
    # the first digest goes a day after the item was held, not at once
    assert digest.send_due_digests(session) == []
    later = datetime.now(timezone.utc) + timedelta(days=1, minutes=1)
    assert digest.send_due_digests(session, now=later) == [pid]
    [bundle] = deliveries(session, person_id=pid, kind="digest")
    assert bundle.status == "queued" and "summary: 1 message" in bundle.subject
    assert "is now active" in bundle.text_body
    assert deliveries(session, id=held.id)[0].status == "digested"
    # nothing more until the period has passed
    world.membership(aid, world.organisation(aid))
    assert digest.send_due_digests(session, now=later + timedelta(hours=1)) == []


def test_lapsing_notice_once_per_end_date(world, session):
    aid = world.association(language="de")
    oid = world.organisation(aid)
    pid = world.person(organisation_id=oid, language="de")
    soon = (datetime.now(timezone.utc) + timedelta(days=10)).date().isoformat()
    world.membership(aid, oid, end_date=soon)
    assert digest.notify_lapsing_memberships(session) == 2  # e-mail and in-app
    assert digest.notify_lapsing_memberships(session) == 0
    [notice] = deliveries(session, person_id=pid, kind="membership_lapsing", channel="email")
    assert notice.subject.startswith("Die Mitgliedschaft von")


def test_late_older_consent_does_not_override_newer(world, session):
    aid = world.association()
    pid = world.person(aid)
    now = datetime.now(timezone.utc)
    world.consent(pid, aid, granted=False, at=now)
    world.consent(pid, aid, granted=True, at=now - timedelta(minutes=5))
    assert session.get(ConsentState, (pid, aid, "newsletter")).granted is False
    session.commit()


def test_erasure_removes_personal_data_and_stops_queued_mail(world, session, system):
    aid = world.association()
    oid = world.organisation(aid)
    pid = world.person(organisation_id=oid)
    preferences.update(session, system, pid, {"digest": "weekly"})
    world.membership(aid, oid)
    with session.begin():
        gdpr.erase(session, pid)
    contact = session.get(Contact, pid)
    assert contact.erased and contact.email is None and contact.name == "Erased person"
    assert session.get(Preference, pid) is None
    assert session.scalars(select(InboxItem).where(InboxItem.person_id == pid)).all() == []
    session.commit()
    for row in deliveries(session, person_id=pid):
        assert row.email is None and row.text_body is None
        assert row.status in ("failed", "sent")
    # a late person.updated does not bring the data back
    world.apply("person.updated", {"person_id": pid, "name": "Back again", "email": "back@example.test",
                                   "language": "da"})
    assert session.get(Contact, pid).email is None
    session.commit()
