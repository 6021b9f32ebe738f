"""Co-organising across associations, only with consent.

An admin names the associations that organise a new event or programme. Those the admin
administers organise it at once; every other one is invited (``event.co_host_invited``,
``programme.co_host_invited``) and becomes a host only when one of its admins approves. Until
then nothing of it shows for the invited association: not in its listings or calendar feed,
and its admins see no registrants. Declining removes the invitation.
"""
from dataclasses import dataclass

from sqlalchemy import or_, select

from contracts.api import events as schemas
from nabo_common.api.errors import Forbidden, NotFound
from nabo_common.api.pagination import page
from nabo_common.api.validation import dump, load
from nabo_common.i18n.catalogues import N_
from services.events.domain import access, views
from services.events.domain.common import publish
from services.events.models import (
    Event,
    EventHost,
    EventHostInvitation,
    Programme,
    ProgrammeHost,
    ProgrammeHostInvitation,
)

# per resource, whole sentences for translators
PENDING_INVITATION_MISSING = {
    "event": N_("No pending invitation of association {association_id} to event {resource_id}."),
    "programme": N_("No pending invitation of association {association_id} to programme {resource_id}."),
}


@dataclass(frozen=True)
class Resource:
    """What can be co-organised: its model, host and invitation rows, and the key naming it."""
    name: str
    model: type
    host: type
    invitation: type
    key: str

    def invitation_data(self, item, invitation):
        """The ``<name>.co_host_invited`` event's data."""
        data = {self.key: item.id, "association_id": invitation.association_id,
                "host_association_ids": item.association_ids, "title": item.title,
                "invited_by": invitation.invited_by}
        if self.name == "event":
            data.update(starts_at=item.starts_at.isoformat(), time_zone=item.time_zone)
        else:
            data.update(period_start=item.period_start.isoformat(), period_end=item.period_end.isoformat())
        return data


EVENT = Resource("event", Event, EventHost, EventHostInvitation, "event_id")
PROGRAMME = Resource("programme", Programme, ProgrammeHost, ProgrammeHostInvitation, "programme_id")


def organisers(caller, requested):
    """(hosts, invited) of a new event or programme: the named associations the caller administers
    organise it at once, the others are asked."""
    association_ids = access.organising_associations(caller, requested)
    hosts = [a for a in association_ids if caller.administers(a)]
    return hosts, [a for a in association_ids if a not in hosts]


def invite(session, caller, resource, item, association_ids):
    """Ask each of ``association_ids`` to co-organise ``item`` (flushed, with its hosts)."""
    for association_id in association_ids:
        invitation = resource.invitation(association_id=association_id, invited_by=caller.person_id,
                                         **{resource.key: item.id})
        session.add(invitation)
        session.flush()
        # addressed to the invited association, so notifications can tell its admins
        publish(session, f"{resource.name}.co_host_invited", resource.invitation_data(item, invitation),
                caller, association_id)


def _view(resource, item, invitation, status="pending"):
    return dump(schemas.CoHostInvitation, {
        "resource": resource.name, "resource_id": item.id, "title": item.title,
        "starts_at": views.event_moment(item, item.starts_at) if resource is EVENT else None,
        "time_zone": item.time_zone if resource is EVENT else None,
        "association_id": invitation.association_id,
        "host_association_ids": item.association_ids, "invited_by": invitation.invited_by, "status": status,
        "created_at": invitation.created_at})


def _pending_or_404(session, caller, resource, resource_id, association_id):
    """The pending invitation for one of the caller's associations; its organisers learn they may not
    answer it, anyone else that there is none."""
    access.require_authenticated(caller)
    found = session.execute(
        select(resource.invitation, resource.model).join(resource.model)
        .where(getattr(resource.invitation, resource.key) == str(resource_id or ""),
               resource.invitation.association_id == str(association_id or ""))
        .with_for_update(of=resource.invitation)).first()
    if found is not None and caller.administers(association_id):
        return found
    if found is not None and access.manages(caller, found[1].association_ids):
        raise Forbidden("Only an admin of the invited association may answer its invitation.")
    raise NotFound(PENDING_INVITATION_MISSING[resource.name], association_id=association_id,
                   resource_id=resource_id)


def decide(session, caller, resource, resource_id, association_id, payload):
    """Approve (the association co-organises from now on) or decline an invitation."""
    data = load(schemas.CoHostDecision, payload)
    with session.begin():
        invitation, item = _pending_or_404(session, caller, resource, resource_id, association_id)
        before = item.association_ids
        session.delete(invitation)
        if data["decision"] == "approved":
            item.hosts.append(resource.host(association_id=invitation.association_id))
            session.flush()
            if resource is EVENT and item.status == "published":
                # event-carried state: notifications and webhooks learn the new organiser
                publish(session, "event.updated", views.event_data(item, [
                    {"field": "association_ids", "old": before, "new": item.association_ids}]),
                    caller, item.association_ids[0])
        # for the audit trails of the association that answered and of the hosts
        publish(session, f"{resource.name}.co_host_decided", {
            resource.key: item.id, "association_id": invitation.association_id,
            "association_ids": item.association_ids, "decision": data["decision"]},
            caller, invitation.association_id)
        return _view(resource, item, invitation, data["decision"])


def _involving(resource, associations):
    """Invitations to one of ``associations`` or to something they organise."""
    resource_ids = (select(getattr(resource.host, resource.key))
                    .where(resource.host.association_id.in_(associations)))
    return or_(resource.invitation.association_id.in_(associations),
               getattr(resource.invitation, resource.key).in_(resource_ids))


def search(session, caller, query):
    """Pending invitations to or from the associations the caller administers, oldest first."""
    access.require_authenticated(caller)
    q = load(schemas.CoHostInvitationQuery, query)
    associations = None if caller.is_privileged else list(caller.admin_of)
    if q.get("association_id"):
        associations = [a for a in associations or [q["association_id"]] if a == q["association_id"]]
    found = []
    for resource in (EVENT, PROGRAMME):
        stmt = select(resource.invitation, resource.model).join(resource.model)
        if associations is not None:
            stmt = stmt.where(_involving(resource, associations))
        found += [(invitation.created_at, resource, item, invitation)
                  for invitation, item in session.execute(stmt).all()]
    # few are ever pending at once: both kinds are read and paged together here
    found.sort(key=lambda row: (row[0], row[2].id, row[3].association_id))
    chosen = found[q["offset"]:q["offset"] + q["limit"]]
    return page([_view(resource, item, invitation) for _, resource, item, invitation in chosen],
                len(found), q["limit"], q["offset"])
