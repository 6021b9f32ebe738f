"""The first platform admin is announced like any person, so read models in
other services (notifications, ideas) know who submits and who receives."""
from sqlalchemy import select

from nabo_common.persistence import db, migrations
from services.members.bootstrap import ensure_platform_admin
from services.members.models import OutboxEvent, Person


def test_bootstrap_creates_the_admin_once_and_publishes_person_created(tmp_path):
    url = f"sqlite:///{tmp_path / 'members.db'}"
    migrations.upgrade("members", url)
    factory = db.make_sessionmaker(db.make_engine(url))
    assert ensure_platform_admin(factory, "Root@Example.org", "a-long-password") is True
    assert ensure_platform_admin(factory, "root@example.org", "a-long-password") is False
    session = factory()
    person = session.scalar(select(Person))
    assert person.is_platform_admin and person.email == "root@example.org"
    events = session.scalars(select(OutboxEvent).where(OutboxEvent.event_type == "person.created")).all()
    assert [e.envelope["data"]["person_id"] for e in events] == [person.id]
