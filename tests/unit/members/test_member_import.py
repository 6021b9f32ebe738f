"""Member companies from a CSV table: each line through the domain's own creation functions, a dry run
that writes nothing, and a real run that is all or nothing."""
import pytest
from sqlalchemy import func, select

from nabo_common.api.errors import Forbidden, ValidationFailed
from services.members.domain import member_import
from services.members.models import Membership, Organisation, Person
from tests.unit.members.conftest import members_database

HEADER = ("organisation_name,country,registration_kind,registration_number,contact_name,contact_email,"
          "membership_status\n")


@pytest.fixture
def session(tmp_path):
    # the engine as make run has it: SQLite opening its transactions itself
    with members_database(tmp_path) as session:
        yield session


def admin_world(world):
    association = world.association()
    admin = world.person(association, admin_of=association)
    return association, world.caller(admin)


def counts(world):
    session = world.session
    found = tuple(session.scalar(select(func.count()).select_from(model))
                  for model in (Organisation, Person, Membership))
    world._settle()
    return found


def test_a_dry_run_says_what_would_change_and_writes_nothing(world):
    association, admin = admin_world(world)
    table = HEADER + "Fjord Tools,NL,KvK,12345678,Ann Fjord,ann@fjord.test,active\n" \
                     "Bad Country,Atlantis,,,Bo Bad,bo@bad.test,active\n"
    before = counts(world)
    outcome = world.call(
        member_import.import_members, admin, association.id, {"csv": table}, {"dry_run": "true"}
    )
    assert outcome["dry_run"] is True and outcome["created"] == {
        "organisation": 1,
        "person": 1,
        "membership": 1,
    }
    assert list(outcome["errors"]) == ["line 3"] and "country" in outcome["errors"]["line 3"]
    assert counts(world) == before and world.events("organisation.created") == []


def test_a_real_run_creates_activates_and_leaves_what_is_present(world):
    association, admin = admin_world(world)
    table = (
        HEADER + "Fjord Tools,NL,KvK,12345678,Ann Fjord,ann@fjord.test,active\n"
        "Harbour Ltd,NL,KvK,87654321,Hal Harbour,hal@harbour.test,pending\n"
    )
    first = world.call(member_import.import_members, admin, association.id, {"csv": table}, {})
    assert first["created"] == {"organisation": 2, "person": 2, "membership": 2}
    statuses = {
        m.status
        for m in world.session.scalars(select(Membership).where(Membership.association_id == association.id))
    }
    world._settle()
    assert statuses == {"active", "pending"}
    again = world.call(member_import.import_members, admin, association.id, {"csv": table}, {})
    assert again["present"] == {"organisation": 2, "person": 2, "membership": 2}
    assert again["created"] == {"organisation": 0, "person": 0, "membership": 0}
    assert len(world.events("membership.status_changed")) == 1


def test_one_bad_line_imports_nothing_and_each_is_named_by_line_and_field(world):
    association, admin = admin_world(world)
    table = (
        HEADER + "Fjord Tools,NL,KvK,12345678,Ann Fjord,ann@fjord.test,active\n"
        "Nameless,NL,KvK,11112222,Ned Nameless,nobody-at-x.test,active\n"
        "Odd Status,NL,KvK,33334444,Olga Odd,olga@odd.test,dormant\n"
    )
    before = counts(world)
    with pytest.raises(ValidationFailed) as refused:
        world.call(member_import.import_members, admin, association.id, {"csv": table}, {})
    errors = refused.value.errors["csv"]
    assert set(errors) == {"line 3", "line 4"}
    assert "contact_email" in errors["line 3"] and "membership_status" in errors["line 4"]
    assert counts(world) == before


def test_only_the_associations_own_admins_import(world):
    association, _ = admin_world(world)
    other, other_admin = admin_world(world)
    with pytest.raises(Forbidden):
        world.call(member_import.import_members, other_admin, association.id, {"csv": HEADER}, {})


def test_a_table_the_csv_module_cannot_read_is_refused_naming_its_line():
    # a carriage return inside an unquoted cell once made the import a 500
    with pytest.raises(ValidationFailed) as refused:
        member_import.lines(HEADER + "Fjord\r Tools,NL,KvK,1,Ann,ann@fjord.test,active\n")
    assert refused.value.errors["csv"][0].startswith("line 2: ")


def test_the_first_of_a_fields_names_in_the_header_wins():
    table = "name,organisation_name,country,contact_name,contact_email,membership_status\n" \
            "Ann's shop,Fjord Tools,NL,Ann,ann@fjord.test,active\n"
    [(number, line)] = member_import.lines(table)
    assert (number, line["organisation_name"]) == (2, "Fjord Tools")
