"""One organisation for reads, straight from rows.

Through the ORM an organisation came with four queries (the row, its
memberships, their transitions, its theme links) and an object per row; a
read needs two: the row, then its memberships and profile themes together.
Writes keep using the ORM objects, which they lock and change.
"""
from types import SimpleNamespace

from sqlalchemy import bindparam, literal, null, select, union_all

from contracts.api import members as schemas
from nabo_common.api.validation import dump
from services.members.domain import access
from services.members.models import Membership, Organisation, OrganisationTheme

ORGANISATION_COLUMNS = tuple(Organisation.__table__.columns)
# built once: constructing these expressions cost more than running them
ONE_ORGANISATION = select(*ORGANISATION_COLUMNS).where(Organisation.id == bindparam("organisation_id"))
MEMBERSHIPS_AND_THEMES = union_all(
    select(
        literal("membership").label("part"),
        Membership.id,
        Membership.association_id,
        Membership.type,
        Membership.status,
        Membership.created_at,
    ).where(Membership.organisation_id == bindparam("organisation_id")),
    select(literal("theme"), OrganisationTheme.theme_id, null(), null(), null(), null()).where(
        OrganisationTheme.organisation_id == bindparam("organisation_id"), OrganisationTheme.kind == "profile"
    ),
)


def organisation_view(session, caller, organisation_id):
    """One organisation as ``caller`` sees it; NotFound when it does not exist, is erased or is hidden."""
    row = (
        session.execute(ONE_ORGANISATION, {"organisation_id": str(organisation_id)}).first()
        if organisation_id
        else None
    )
    access.not_found_unless(row is not None and not row.erased, "Organisation", organisation_id)
    org = SimpleNamespace(**row._mapping)
    parts = session.execute(MEMBERSHIPS_AND_THEMES, {"organisation_id": org.id}).all()
    org.memberships = [
        SimpleNamespace(id=p.id, association_id=p.association_id, type=p.type, status=p.status)
        for p in sorted((p for p in parts if p.part == "membership"), key=lambda p: (p.created_at, p.id))
    ]
    org.themes = sorted(p.id for p in parts if p.part == "theme")
    access.not_found_unless(access.can_see_organisation(caller, org), "Organisation", organisation_id)
    return dump(schemas.Organisation, org)
