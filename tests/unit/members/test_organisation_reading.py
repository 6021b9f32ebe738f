"""The row-level read of one organisation shows every caller exactly what the ORM view shows them."""
import pytest

from contracts.api import members as schemas
from nabo_common.api.errors import NotFound
from nabo_common.api.validation import dump
from nabo_common.runtime.context import Caller
from services.members.domain import organisations
from services.members.models import Membership, OrganisationTheme
from tests.unit.members.conftest import theme


def orm_view(session, caller, organisation_id):
    try:
        return dump(schemas.Organisation, organisations.visible_or_404(session, caller, organisation_id))
    except NotFound:
        return None
    finally:
        session.rollback()


def row_view(session, caller, organisation_id):
    try:
        return organisations.get(session, caller, organisation_id)
    except NotFound:
        return None
    finally:
        session.rollback()


def test_one_organisation_reads_as_the_orm_view_for_every_caller(session, world):
    home, other, third = world.association(), world.association("DE", "de"), world.association("DK", "da")
    shared = world.organisation(home, visibility="association")
    with session.begin():  # a second membership and profile themes, plus an offer theme the view leaves out
        session.add(Membership(organisation_id=shared.id, association_id=other.id, type="associate",
                               status="pending"))
        session.add_all(
            [
                OrganisationTheme(organisation_id=shared.id, theme_id=theme(key), kind=kind)
                for key, kind in (("financing", "profile"), ("tourism", "profile"), ("e-commerce", "offer"))
            ]
        )
    public = world.organisation(other, visibility="public")
    everyone = world.organisation(third, visibility="all_associations")
    contact = world.person(home, organisation=shared)
    callers = {
        "anonymous": Caller(),
        "contact": world.caller(contact),
        "admin of home": world.caller(world.person(home, admin_of=home)),
        "member elsewhere": world.caller(world.person(third, organisation=everyone)),
        "platform admin": world.caller(world.person(home), platform=True),
    }
    seen = 0
    for name, caller in callers.items():
        for org in (shared, public, everyone):
            expected = orm_view(session, caller, org.id)
            assert row_view(session, caller, org.id) == expected, (name, org.name)
            seen += expected is not None
    assert seen >= 10
    view = row_view(session, callers["contact"], shared.id)
    assert [m["association_id"] for m in view["memberships"]] == [home.id, other.id]
    assert view["themes"] == sorted([theme("financing"), theme("tourism")])


def test_unknown_and_erased_organisations_are_not_found(session, world):
    home = world.association()
    org = world.organisation(home, visibility="public")
    with session.begin():
        org.erased = True
    for unknown in (org.id, "00000000-0000-0000-0000-000000000000", None, ""):
        with pytest.raises(NotFound):
            organisations.get(session, Caller(), unknown)
