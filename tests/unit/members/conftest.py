"""Domain functions of networks, themes and matchmaking on SQLite, with a
small world built directly in the database."""
import uuid
from contextlib import contextmanager

import pytest
from sqlalchemy import select

from nabo_common.persistence import db
from nabo_common.runtime.context import PLATFORM_ADMIN, Caller
from services.members.domain.accounts import claims_for
from services.members.models import (
    Association,
    Base,
    Membership,
    Organisation,
    OutboxEvent,
    Person,
    PersonRole,
)
from services.members.taxonomy import seed_id, seed_themes


@contextmanager
def members_database(path):
    """A session on a seeded members database on SQLite, its engine as the service makes it."""
    engine = db.make_engine(f"sqlite:///{path / 'members.db'}")
    Base.metadata.create_all(engine)
    with engine.begin() as connection:
        seed_themes(connection)
    session = db.make_sessionmaker(engine)()
    try:
        yield session
    finally:
        session.close()
        engine.dispose()


@pytest.fixture
def session(tmp_path):
    with members_database(tmp_path) as session:
        yield session


def theme(key):
    return seed_id(key)


class World:
    """Builds associations, organisations and persons, and calls domain
    functions the way a worker does: each call starts with no transaction open."""

    def __init__(self, session):
        self.session = session

    def call(self, fn, *args):
        self._settle()  # reading arguments may have reloaded objects a rollback expired
        try:
            return fn(self.session, *args)
        finally:
            self._settle()

    def _settle(self):
        if self.session.in_transaction():
            self.session.commit()

    def association(self, country="NL", language="nl"):
        with self.session.begin():
            a = Association(name=f"Assoc {uuid.uuid4().hex[:6]}", slug=uuid.uuid4().hex[:10], country=country,
                            default_language=language, time_zone="Europe/Amsterdam")
            self.session.add(a)
        return a

    def organisation(self, association, name=None, country=None, sector=None, visibility="association"):
        with self.session.begin():
            name = name or f"Org {uuid.uuid4().hex[:6]}"
            org = Organisation(owner_association_id=association.id, kind="company", name=name,
                               name_lower=name.lower(), country=country or association.country, sector=sector,
                               visibility=visibility)
            self.session.add(org)
            self.session.flush()
            self.session.add(Membership(organisation_id=org.id, association_id=association.id, type="full",
                                        status="active"))
        self.session.refresh(org)
        self._settle()
        return org

    def person(self, association=None, organisation=None, birth_year=None, admin_of=None, language="en"):
        with self.session.begin():
            p = Person(name=f"Person {uuid.uuid4().hex[:6]}", email=f"{uuid.uuid4().hex}@nabo.test",
                       language=language, birth_year=birth_year,
                       home_association_id=association.id if association else None)
            if organisation is not None:
                p.roles.append(PersonRole(scope="organisation", scope_id=organisation.id, role="contact"))
            if admin_of is not None:
                p.roles.append(PersonRole(scope="association", scope_id=admin_of.id, role="admin"))
            self.session.add(p)
        return p

    def caller(self, person, platform=False):
        claims = claims_for(self.session, person)
        self._settle()
        roles = tuple(claims["roles"]) + ((PLATFORM_ADMIN,) if platform else ())
        return Caller(
            person_id=person.id,
            roles=roles,
            admin_of=tuple(claims["admin_of"]),
            member_of=tuple(claims["member_of"]),
            organisation_ids=tuple(claims["organisation_ids"]),
            language=person.language,
        )

    def events(self, event_type):
        rows = self.session.scalars(
            select(OutboxEvent).where(OutboxEvent.event_type == event_type).order_by(OutboxEvent.position)
        ).all()
        self._settle()
        return [row.envelope["data"] for row in rows]


@pytest.fixture
def world(session):
    return World(session)
