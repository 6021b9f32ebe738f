"""The audit trail's recording rules: scoping per association, no personal data, one entry per
association an event concerns."""
import uuid
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from nabo_common.api.errors import Forbidden
from nabo_common.messaging import envelopes
from nabo_common.persistence import db
from nabo_common.runtime.context import Caller
from services.members.domain import audit
from services.members.models import AuditEntry, Base


@pytest.fixture
def session(tmp_path):
    engine = db.make_engine(f"sqlite:///{tmp_path / 'members.db'}")
    Base.metadata.create_all(engine)
    session = db.make_sessionmaker(engine)()
    yield session
    session.close()
    engine.dispose()


def envelope(event_type, data, association_id=None, actor_id=None):
    return envelopes.parse(
        envelopes.build(event_type, data, association_id=association_id, actor_id=actor_id)
    )


def record(session, env):
    with session.begin():
        audit.record(session, env)


def test_person_changes_are_recorded_without_personal_data(session):
    person_id, actor = str(uuid.uuid4()), str(uuid.uuid4())
    record(
        session,
        envelope(
            "person.updated",
            {
                "person_id": person_id,
                "name": "Jens Jensen",
                "email": "jens@example.dk",
                "language": "da",
                "birth_year": 1980,
                "home_association_id": "a" * 36,
                "roles": [],
            },
            association_id="a" * 36,
            actor_id=actor,
        ),
    )
    [entry] = session.scalars(select(AuditEntry)).all()
    assert (entry.action, entry.subject_id, entry.actor_id, entry.association_id) == (
        "person.updated",
        person_id,
        actor,
        "a" * 36,
    )
    assert entry.details == {"person_id": person_id, "home_association_id": "a" * 36}


def test_an_event_of_two_associations_is_in_both_trails_and_the_system_has_no_actor(session):
    a, b = "a" * 36, "b" * 36
    record(
        session,
        envelope(
            "event.cancelled",
            {
                "event_id": str(uuid.uuid4()),
                "association_ids": [a, b],
                "sequence": 2,
                "reason": "Speaker ill",
                "starts_at": datetime.now(timezone.utc).isoformat(),
                "ends_at": datetime.now(timezone.utc).isoformat(),
                "format": "online",
                "languages": ["da"],
                "title": "Export breakfast",
                "time_zone": "Europe/Copenhagen",
                "visibility": "public",
                "status": "cancelled",
            },
            association_id=a,
        ),
    )
    entries = session.scalars(select(AuditEntry).order_by(AuditEntry.association_id)).all()
    assert [e.association_id for e in entries] == [a, b]
    assert all(e.actor_id is None for e in entries)
    assert "reason" not in entries[0].details  # free text may name people


def test_only_the_associations_admins_read_its_trail(session):
    a = "a" * 36
    record(
        session,
        envelope(
            "association.updated",
            {
                "association_id": a,
                "name": "Ondernemers Emmen",
                "slug": "emmen",
                "country": "NL",
                "default_language": "nl",
                "time_zone": "Europe/Amsterdam",
            },
            association_id=a,
            actor_id="p" * 36,
        ),
    )
    admin = Caller(person_id="p" * 36, admin_of=frozenset({a}))
    page = audit.list_for_association(session, admin, a, {})
    assert page["total"] == 1 and page["items"][0]["details"]["name"] == "Ondernemers Emmen"
    other_admin = Caller(person_id="q" * 36, admin_of=frozenset({"b" * 36}))
    with pytest.raises(Forbidden):
        audit.list_for_association(session, other_admin, a, {})
