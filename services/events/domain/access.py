"""Who may see and change what in the events service (tenant scoping).

Organisers are the admins of an event's (or programme's) associations;
co-hosted events belong to several. A private resource of another tenant
answers NotFound, so ids cannot be probed.
"""
from sqlalchemy import and_, bindparam, false, or_, select, true
from sqlalchemy.orm import joinedload

from nabo_common.api.errors import Forbidden, NotAuthenticated, NotFound, ValidationFailed
from services.events.models import Event, EventHost, Programme, ProgrammeHost


def require_authenticated(caller):
    if not caller.authenticated:
        raise NotAuthenticated("Sign in first.")


def organising_associations(caller, requested):
    """The associations a new programme or event belongs to; the caller must administer one."""
    require_authenticated(caller)
    if not requested:
        if len(caller.admin_of) != 1:
            raise ValidationFailed("Say which associations organise it.",
                                   {"association_ids": ["Missing data for required field."]})
        requested = [caller.admin_of[0]]
    requested = list(dict.fromkeys(requested))
    if not any(caller.administers(a) for a in requested):
        raise Forbidden("Only an admin of an organising association may do this.")
    return requested


def manages(caller, association_ids):
    return any(caller.administers(a) for a in association_ids)


def can_see_event(caller, event):
    if manages(caller, event.association_ids):
        return True
    if event.status == "draft":
        return False
    if event.visibility == "public":
        return True
    return any(caller.belongs_to(a) for a in event.association_ids)


def _hosted_by(associations):
    if not associations:
        return false()
    return Event.id.in_(select(EventHost.event_id).where(EventHost.association_id.in_(list(associations))))


def event_visibility_filter(caller):
    """SQL condition mirroring can_see_event."""
    if caller.is_privileged:
        return true()
    listed = Event.status != "draft"
    return or_(
        and_(listed, Event.visibility == "public"),
        and_(listed, _hosted_by(caller.visible_associations)),
        _hosted_by(caller.admin_of),
    )


def not_found(event_id):
    raise NotFound("Event {event_id} not found.", event_id=event_id)


# Built once: building them, and SQLAlchemy keying its statement cache on a new statement with its eager
# loads, cost a registration more than the round trip.
EVENT_BY_ID = select(Event).where(Event.id == bindparam("event_id"))
# serialises seat counting, waitlist promotion and lifecycle changes of one event; hosts and tags come in
# the same round trip (a write holds the lock until commit, so each one counts)
LOCKED_EVENT_BY_ID = EVENT_BY_ID.options(joinedload(Event.hosts), joinedload(Event.tags)).with_for_update(
    of=Event
)


def event_or_404(session, caller, event_id, lock=False):
    if not event_id:
        not_found(event_id)
    stmt = LOCKED_EVENT_BY_ID if lock else EVENT_BY_ID
    event = session.scalars(stmt, {"event_id": str(event_id)}).unique().first()
    if event is None or not can_see_event(caller, event):
        not_found(event_id)
    return event


def managed_event_or_404(session, caller, event_id, lock=False):
    require_authenticated(caller)
    event = event_or_404(session, caller, event_id, lock=lock)
    if not manages(caller, event.association_ids):
        raise Forbidden("Only an admin of an organising association may do this.")
    return event


def programme_or_404(session, caller, programme_id):
    require_authenticated(caller)
    programme = session.get(Programme, str(programme_id)) if programme_id else None
    if programme is None or not manages(caller, programme.association_ids):
        raise NotFound("Programme {programme_id} not found.", programme_id=programme_id)
    return programme


def programme_scope_filter(caller):
    if caller.is_privileged:
        return true()
    if not caller.admin_of:
        return false()
    return Programme.id.in_(
        select(ProgrammeHost.programme_id).where(ProgrammeHost.association_id.in_(list(caller.admin_of)))
    )
