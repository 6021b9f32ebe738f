import uuid

import pytest

from nabo_common.persistence import db, migrations
from nabo_common.runtime.context import Caller, system_caller
from services.ideas.domain import panels


def new_id():
    return str(uuid.uuid4())


class Directory:
    """Associations, organisations and persons the admin may see in the members service."""

    def __init__(self):
        self.associations, self.organisations, self.persons = {}, {}, {}

    def association(self, association_id):
        return self.associations.get(association_id)

    def organisation(self, organisation_id):
        return self.organisations.get(organisation_id)

    def person(self, person_id):
        return self.persons.get(person_id)


class World:
    """An association with an admin, two participating organisations with a
    person each, a bystander member and the admin of another association."""

    def __init__(self, session_factory):
        self.session_factory = session_factory
        self.association_id, self.other_association_id = new_id(), new_id()
        self.org_a, self.org_b, self.org_outside = new_id(), new_id(), new_id()
        self.admin = Caller(person_id=new_id(), roles=("association_admin",), admin_of=(self.association_id,))
        self.alice = Caller(person_id=new_id(), roles=("member",), member_of=(self.association_id,),
                            organisation_ids=(self.org_a,))
        self.bob = Caller(person_id=new_id(), roles=("member",), member_of=(self.association_id,),
                          organisation_ids=(self.org_b,))
        self.carol = Caller(person_id=new_id(), roles=("member",), member_of=(self.association_id,),
                            organisation_ids=(self.org_a,))
        self.bystander = Caller(person_id=new_id(), roles=("member",), member_of=(self.association_id,),
                                organisation_ids=(self.org_outside,))
        self.foreign_admin = Caller(person_id=new_id(), roles=("association_admin",),
                                    admin_of=(self.other_association_id,))
        self.anonymous = Caller()
        self.system = system_caller()
        self.directory = Directory()
        self.directory.associations = {a: {"id": a} for a in (self.association_id, self.other_association_id)}
        self.directory.organisations = {self.org_a: {"id": self.org_a, "name": "Alpha Solar ApS"},
                                        self.org_b: {"id": self.org_b, "name": "Beta Byg A/S"}}

    def panel(self, visibility="association", phase="collecting_ideas", **extra):
        panel = self.do(panels.create, self.admin, dict({
            "association_id": self.association_id, "year": 2025, "title": "Business panel 2025",
            "theme": "Green transition", "language": "da", "visibility": visibility,
            "sub_themes": [{"key": "green-guidance", "name": "Green guidance"},
                           {"key": "green-funding", "name": "Green funding"}]}, **extra), self.directory)
        self.do(
            panels.add_participants,
            self.admin,
            panel["id"],
            {"organisation_ids": [self.org_a, self.org_b]},
            self.directory,
        )
        if phase != "preparing":
            self.do(panels.transition, self.admin, panel["id"], {"to": phase})
        return self.do(panels.get, self.admin, panel["id"])

    def do(self, function, caller, *args):
        """Call a domain function with a fresh session, as one nameko worker would."""
        with self.session_factory() as session:
            return function(session, caller, *args)


@pytest.fixture
def session_factory(tmp_path):
    url = f"sqlite:///{tmp_path}/ideas.db"
    migrations.upgrade("ideas", url)
    engine = db.make_engine(url)
    yield db.make_sessionmaker(engine)
    engine.dispose()


@pytest.fixture
def world(session_factory):
    return World(session_factory)
