"""Who may see and change what in the members service (tenant scoping).

A resource another tenant may not see answers NotFound, not Forbidden, so
ids cannot be probed across associations.
"""
from sqlalchemy import exists, false, or_, select, true

from nabo_common.api.errors import Forbidden, NotAuthenticated, NotFound
from services.members.models import Membership, Organisation, Person, PersonRole


def require_authenticated(caller):
    if not caller.authenticated:
        raise NotAuthenticated("Sign in first.")


def require_platform_admin(caller):
    require_authenticated(caller)
    if not caller.is_privileged:
        raise Forbidden("Only a platform admin may do this.")


def require_admin_of(caller, association_id):
    require_authenticated(caller)
    if not caller.administers(association_id):
        raise Forbidden("Only an admin of this association may do this.")


def organisation_associations(org):
    return {org.owner_association_id} | {m.association_id for m in org.memberships}


def can_see_organisation(caller, org):
    if caller.is_privileged or org.visibility == "public":
        return True
    if not caller.authenticated:
        return False
    if org.visibility == "all_associations":
        return True
    if org.id in caller.organisation_ids:
        return True
    return any(caller.belongs_to(a) for a in organisation_associations(org))


def organisation_visibility_filter(caller):
    """SQL condition mirroring can_see_organisation."""
    if caller.is_privileged:
        return true()
    if not caller.authenticated:
        return Organisation.visibility == "public"
    mine = list(caller.visible_associations or ())
    return or_(
        Organisation.visibility.in_(["public", "all_associations"]),
        Organisation.id.in_(list(caller.organisation_ids)) if caller.organisation_ids else false(),
        Organisation.owner_association_id.in_(mine) if mine else false(),
        exists(select(Membership.id).where(Membership.organisation_id == Organisation.id,
                                           Membership.association_id.in_(mine))) if mine else false(),
    )


def can_edit_organisation(caller, org):
    if caller.administers(org.owner_association_id):
        return True
    return org.id in caller.organisation_ids


def person_associations(session, person):
    """Associations a person is attached to: home, admin roles, and their organisations' memberships."""
    associations = {person.home_association_id} if person.home_association_id else set()
    org_ids = []
    for role in person.roles:
        if role.scope == "association":
            associations.add(role.scope_id)
        else:
            org_ids.append(role.scope_id)
    if org_ids:
        associations.update(session.scalars(
            select(Membership.association_id).where(Membership.organisation_id.in_(org_ids))).all())
        associations.update(session.scalars(
            select(Organisation.owner_association_id).where(Organisation.id.in_(org_ids))).all())
    return associations


def can_manage_person(session, caller, person):
    """The person themself, a platform admin, or an admin of an association they belong to."""
    if caller.is_privileged or (caller.person_id and caller.person_id == person.id):
        return True
    return any(caller.administers(a) for a in person_associations(session, person))


def person_or_404(session, caller, person_id):
    person = session.get(Person, str(person_id)) if person_id else None
    if person is None or not can_manage_person(session, caller, person):
        raise NotFound("Person {person_id} not found.", person_id=person_id)
    return person


def person_scope_filter(caller):
    """SQL condition: persons an admin may list."""
    if caller.is_privileged:
        return true()
    admin_of = list(caller.admin_of)
    if not admin_of:
        return Person.id == caller.person_id
    org_ids = select(Membership.organisation_id).where(Membership.association_id.in_(admin_of))
    owned_orgs = select(Organisation.id).where(Organisation.owner_association_id.in_(admin_of))
    return or_(
        Person.id == caller.person_id,
        Person.home_association_id.in_(admin_of),
        exists(
            select(PersonRole.id).where(
                PersonRole.person_id == Person.id,
                or_(
                    (PersonRole.scope == "association") & PersonRole.scope_id.in_(admin_of),
                    (PersonRole.scope == "organisation")
                    & (PersonRole.scope_id.in_(org_ids) | PersonRole.scope_id.in_(owned_orgs)),
                ),
            )
        ),
    )


def not_found_unless(condition, what, id_):
    if not condition:
        raise NotFound("{what} {id} not found.", what=what, id=id_)
