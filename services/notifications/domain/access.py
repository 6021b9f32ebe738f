"""Who may see and change what in the notifications service (tenant scoping).

A resource of another association answers NotFound, so ids cannot be probed.
"""
from nabo_common.api.errors import Forbidden, NotAuthenticated, NotFound, ValidationFailed
from services.notifications.domain.readmodel import person_associations


def require_authenticated(caller):
    if not caller.authenticated:
        raise NotAuthenticated("Sign in first.")


def require_admin_of(caller, association_id):
    require_authenticated(caller)
    if not caller.administers(association_id):
        raise Forbidden("Only an admin of this association may do this.")


def own_association(caller, association_id, field="association_id"):
    """The association named in the request, or the one the admin administers."""
    require_authenticated(caller)
    if not caller.admin_of and not caller.is_privileged:
        raise Forbidden("Only an association's admins may do this.")
    if association_id is None:
        if len(caller.admin_of) != 1:
            raise ValidationFailed(
                "Say which association this is for.", {field: ["Missing data for required field."]}
            )
        association_id = caller.admin_of[0]
    require_admin_of(caller, association_id)
    return association_id


def owned_or_404(session, caller, model, id_, what):
    """Objects owned by an association are visible to its admins (and platform admins) only."""
    require_authenticated(caller)
    obj = session.get(model, str(id_)) if id_ else None
    if obj is None or not caller.administers(obj.association_id):
        raise NotFound("{what} {id} not found.", what=what, id=id_)
    return obj


def can_manage_person(session, caller, person_id):
    if caller.is_privileged or (caller.person_id and caller.person_id == person_id):
        return True
    return any(caller.administers(a) for a in person_associations(session, person_id))


def person_or_404(session, caller, person_id):
    require_authenticated(caller)
    if not person_id or not can_manage_person(session, caller, str(person_id)):
        raise NotFound("Person {person_id} not found.", person_id=person_id)
    return str(person_id)
