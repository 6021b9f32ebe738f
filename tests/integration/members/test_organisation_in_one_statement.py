"""One organisation read on PostgreSQL in one prepared statement gives the view, in the bytes the gateway
writes, and the NotFound of the two statements SQLite keeps and of the ORM, for every reader: anonymous,
platform admins, the system, association admins, members through an organisation's membership, the
organisation's people, outsiders; of organisations of every visibility, erased ones, ones with memberships of
several types and statuses, profile themes and text that needs escaping, and of ids that name nothing."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import text

from contracts.api import members as schemas
from nabo_common.api.errors import NotFound
from nabo_common.api.validation import dump
from nabo_common.runtime.context import ANONYMOUS, MEMBER, Caller, system_caller
from nabo_common.runtime.jsoncodec import http_dumps
from services.members.domain import organisations as organisation_domain
from services.members.domain import reading
from services.members.models import Membership, Organisation, OrganisationTheme
from tests.support import infra
from tests.unit.members.conftest import World, theme

NOW = datetime(2026, 12, 7, 9, 30, 15, 123456, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def world():
    with infra.database_sessions("members") as sessions:
        session = sessions()
        try:
            yield World(session)
        finally:
            session.close()


def _organisation(world, association, visibility, memberships=(), themes=(), **columns):
    """An organisation with ``memberships`` (association, type, status, created_at) and profile ``themes``."""
    with world.session.begin():
        name = columns.pop("name", "Kajakhuset i Ullånger")
        org = Organisation(owner_association_id=association.id, kind="company", name=name,
                           name_lower=name.lower(), country=association.country, visibility=visibility,
                           **columns)
        world.session.add(org)
        world.session.flush()
        for member_of, type_, status, created_at in memberships:
            world.session.add(Membership(organisation_id=org.id, association_id=member_of.id, type=type_,
                                         status=status, created_at=created_at))
        for key, kind in themes:
            world.session.add(OrganisationTheme(organisation_id=org.id, theme_id=theme(key), kind=kind))
    return org.id


@pytest.fixture(scope="module")
def case(world):
    home, other, stranger = (world.association(country, language)
                             for country, language in (("SE", "sv"), ("DK", "da"), ("NL", "nl")))
    employer = world.organisation(other)  # makes its people members of ``other``
    organisations = {
        "busy": _organisation(
            world, home, "association", name='Ö "Paddel" & <Kajak>\\ \n\t\x01 😀 /',
            registration_kind="vat", registration_number="SE556677889901", region="Västernorrland",
            sector="93.29", size_band="1-9", website="https://kajak.example.se/?a=1&b=2",
            description="Vi hyr ut kajaker.\r\nRing oss!", languages=["sv", "en", "de"],
            created_at=NOW.replace(microsecond=0), updated_at=NOW,
            memberships=[(home, "full", "active", NOW), (other, "associate", "pending", NOW),
                         (stranger, "honorary", "lapsed", NOW - timedelta(days=3))],
            themes=[("tourism", "profile"), ("financing", "profile"), ("e-commerce", "profile"),
                    ("hr", "offer"), ("skills-development", "need")]),
        "plain": _organisation(world, home, "association", languages=[]),
        "member_of_other": _organisation(world, home, "association",
                                         memberships=[(other, "start-up", "cancelled", NOW)]),
        "all_associations": _organisation(world, stranger, "all_associations",
                                          memberships=[(stranger, "partner", "active", NOW)]),
        "public": _organisation(world, stranger, "public", themes=[("tourism", "profile")]),
        "erased_public": _organisation(world, home, "public", erased=True,
                                       memberships=[(home, "full", "active", NOW)]),
        "erased_hidden": _organisation(world, stranger, "association", erased=True),
        "employer": employer.id,
    }
    readers = {
        "anonymous": ANONYMOUS,
        "system": system_caller(),
        "platform admin": world.caller(world.person(stranger), platform=True),
        "admin of home": world.caller(world.person(home, admin_of=home)),
        "admin of stranger": world.caller(world.person(stranger, admin_of=stranger)),
        "member of other": world.caller(world.person(other, employer)),
        "person without association": world.caller(world.person()),
        # claims name the associations of one's organisations too; these name the organisation alone
        "person of plain": Caller(person_id=world.person().id, roles=(MEMBER,),
                                  organisation_ids=(organisations["plain"],)),
    }
    return organisations, readers


def _answer(world, caller, organisation_id, view=reading.organisation_view):
    """The gateway's bytes of the view, or the NotFound raised."""
    try:
        return http_dumps(view(world.session, caller, organisation_id))
    except NotFound as error:
        return ("NotFound", error.args, error.detail)
    finally:
        world.session.rollback()


def _orm_view(session, caller, organisation_id):
    return dump(schemas.Organisation, organisation_domain.visible_or_404(session, caller, organisation_id))


def test_one_statement_gives_the_answer_of_two(world, case, monkeypatch):
    organisations, readers = case
    ids = [*organisations.values(), "", None, "no-such-organisation", "0" * 36]
    seen = hidden = 0
    for reader, caller in readers.items():
        for organisation_id in ids:
            now = _answer(world, caller, organisation_id)
            with monkeypatch.context() as patched:
                patched.setattr(reading, "on_postgresql", lambda session: False)
                before = _answer(world, caller, organisation_id)
            orm = _answer(world, caller, organisation_id, _orm_view)
            assert now == before == orm, (reader, organisation_id)
            seen += isinstance(before, bytes)
            hidden += not isinstance(before, bytes) and organisation_id in organisations.values()
    assert seen and hidden  # both kinds of answer were compared


def test_the_one_statement_is_prepared(world, case):
    organisations, readers = case
    reading.organisation_view(world.session, readers["anonymous"], organisations["public"])
    assert world.session.scalar(text("SELECT count(*) FROM pg_prepared_statements WHERE name = :name"),
                                {"name": reading.ORGANISATION_WITH_PARTS.name}) == 1


def test_the_readers_see_what_the_rules_say(world, case):
    organisations, readers = case

    def sees(reader):
        return {name for name, organisation_id in organisations.items()
                if isinstance(_answer(world, readers[reader], organisation_id), bytes)}

    assert sees("anonymous") == {"public"}
    assert sees("platform admin") == set(organisations) - {"erased_public", "erased_hidden"}
    assert sees("admin of home") == {"busy", "plain", "member_of_other", "all_associations", "public"}
    assert sees("member of other") == {"busy", "member_of_other", "all_associations", "public", "employer"}
    assert sees("person without association") == {"all_associations", "public"}
    assert sees("person of plain") == {"plain", "all_associations", "public"}
