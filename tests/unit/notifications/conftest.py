import os
import uuid
from dataclasses import replace
from datetime import datetime, timezone

import pytest

from nabo_common.messaging import envelopes
from nabo_common.persistence import db, migrations
from nabo_common.runtime.context import Caller, system_caller
from services.notifications import config as config_mod
from services.notifications.domain import reactions


@pytest.fixture
def session(tmp_path):
    url = f"sqlite:///{tmp_path / 'notifications.db'}"
    migrations.upgrade("notifications", url)
    engine = db.make_engine(url)
    s = db.make_sessionmaker(engine)()
    yield s
    s.close()
    engine.dispose()


@pytest.fixture
def config(monkeypatch):
    for name in list(os.environ):
        if name.startswith("NOTIFICATIONS_"):
            monkeypatch.delenv(name)
    return replace(config_mod.load(), public_base_url="https://nabo.test", retry_base_seconds=60)


def new_id():
    return str(uuid.uuid4())


def admin_of(association_id):
    return Caller(person_id=new_id(), roles=("association_admin",), admin_of=(association_id,))


class World:
    """Builds read-model state by applying events, exactly as the consumers do."""

    def __init__(self, session):
        self.session = session

    def apply(self, event_type, data, association_id=None, event_id=None):
        envelope = envelopes.build(event_type, data, association_id=association_id, event_id=event_id)
        envelope = envelopes.parse(envelope)
        with self.session.begin():
            reactions.react(self.session, envelope)
        return envelope

    def association(self, language="da", zone="Europe/Copenhagen"):
        aid = new_id()
        self.apply("association.created", {"association_id": aid, "name": f"Assoc {aid[:4]}", "slug": aid[:8],
                                           "country": "DK", "default_language": language, "time_zone": zone})
        return aid

    def organisation(self, association_id, country="DK", sector="62.01", themes=None):
        oid = new_id()
        data = {"organisation_id": oid, "owner_association_id": association_id, "name": f"Org {oid[:4]}",
                "kind": "company", "country": country, "sector": sector, "visibility": "association"}
        self.apply("organisation.created", data)
        if themes is not None:
            from services.notifications.domain import readmodel

            with self.session.begin():
                readmodel.apply_organisation(self.session, dict(data, themes=themes))
        return oid

    def membership(self, association_id, organisation_id, status="active", end_date=None):
        mid = new_id()
        self.apply("membership.status_changed", {
            "membership_id": mid, "organisation_id": organisation_id, "association_id": association_id,
            "type": "full", "status": status, "previous_status": "pending", "end_date": end_date})
        return mid

    def person(self, association_id=None, organisation_id=None, language="da", birth_year=None, email=None):
        pid = new_id()
        roles = (
            [{"scope": "organisation", "scope_id": organisation_id, "role": "contact"}]
            if organisation_id
            else []
        )
        self.apply(
            "person.created",
            {
                "person_id": pid,
                "name": f"Person {pid[:4]}",
                "email": email or f"{pid[:8]}@example.test",
                "language": language,
                "birth_year": birth_year,
                "home_association_id": association_id,
                "roles": roles,
            },
        )
        return pid

    def consent(self, person_id, association_id, kind="newsletter", granted=True, at=None):
        self.apply(
            "consent.changed",
            {
                "person_id": person_id,
                "association_id": association_id,
                "kind": kind,
                "granted": granted,
                "source": "test",
                "wording_version": "v1",
                "recorded_at": (at or datetime.now(timezone.utc)).isoformat(),
            },
        )


@pytest.fixture
def world(session):
    return World(session)


@pytest.fixture
def system():
    return system_caller()
