"""One organisation for reads, straight from rows.

Through the ORM an organisation came with four queries (the row, its
memberships, their transitions, its theme links) and an object per row; a
read needs two: the row, then its memberships and profile themes together.
On PostgreSQL it is one statement, prepared once per pooled connection: the
row with its memberships and profile themes as JSON arrays (planning the two
statements was most of PostgreSQL's work for a read this small). Writes keep
using the ORM objects, which they lock and change.
"""
from types import SimpleNamespace

from sqlalchemy import bindparam, literal, null, select, text, union_all

from contracts.api import members as schemas
from nabo_common.api.validation import dump
from nabo_common.persistence.db import on_postgresql
from nabo_common.persistence.prepared import PreparedStatement
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
_COLUMN_NAMES = tuple(column.name for column in ORGANISATION_COLUMNS)
# the memberships and themes in the order the two statements' rows are sorted in (Python's order of texts is
# that of COLLATE "C"); a plan made once fits every organisation
ORGANISATION_WITH_PARTS = PreparedStatement(text(f"""
SELECT {", ".join(f"o.{name}" for name in _COLUMN_NAMES)},
    (SELECT json_agg(json_build_array(m.id, m.association_id, m.type, m.status)
                     ORDER BY m.created_at, m.id COLLATE "C")
     FROM memberships m WHERE m.organisation_id = o.id),
    (SELECT json_agg(t.theme_id ORDER BY t.theme_id COLLATE "C")
     FROM org_theme t WHERE t.organisation_id = o.id AND t.kind = 'profile')
FROM organisations o WHERE o.id = :organisation_id"""), {"organisation_id": "text"})


def _in_one_statement(session, organisation_id):
    row = ORGANISATION_WITH_PARTS.row(session, {"organisation_id": organisation_id})
    if row is None:
        return None
    org = SimpleNamespace(**dict(zip(_COLUMN_NAMES, row)))
    memberships, themes = row[len(_COLUMN_NAMES):]
    org.memberships = [SimpleNamespace(id=id_, association_id=association_id, type=type_, status=status)
                       for id_, association_id, type_, status in memberships or ()]
    org.themes = themes or []
    return org


def _in_two_statements(session, organisation_id):
    row = session.execute(ONE_ORGANISATION, {"organisation_id": organisation_id}).first()
    if row is None or row.erased:
        return None
    org = SimpleNamespace(**row._mapping)
    parts = session.execute(MEMBERSHIPS_AND_THEMES, {"organisation_id": org.id}).all()
    org.memberships = [
        SimpleNamespace(id=p.id, association_id=p.association_id, type=p.type, status=p.status)
        for p in sorted((p for p in parts if p.part == "membership"), key=lambda p: (p.created_at, p.id))
    ]
    org.themes = sorted(p.id for p in parts if p.part == "theme")
    return org


def organisation_view(session, caller, organisation_id):
    """One organisation as ``caller`` sees it; NotFound when it does not exist, is erased or is hidden."""
    read = _in_one_statement if on_postgresql(session) else _in_two_statements
    org = read(session, str(organisation_id)) if organisation_id else None
    access.not_found_unless(org is not None and not org.erased and access.can_see_organisation(caller, org),
                            "Organisation", organisation_id)
    return dump(schemas.Organisation, org)
