"""Who is in a network: the list, conveners' roles, leaving and removal, and
a person's memberships for their export and erasure."""
from sqlalchemy import func, select

from contracts.api import networks as schemas
from nabo_common.api.errors import Forbidden, NotFound
from nabo_common.api.moments import utc_text
from nabo_common.api.pagination import page
from nabo_common.api.validation import load
from nabo_common.i18n.catalogues import N_
from services.members.domain import access
from services.members.domain.networks.conveners import can_convene, convened_member, require_convener
from services.members.domain.networks.publishing import publish_changed, publish_member
from services.members.domain.networks.views import member_result, member_view
from services.members.domain.networks.visibility import membership, visible_or_404
from services.members.models import Network, NetworkMember, Person


def _drop(session, caller, network, member):
    was_active = member.status == "active"
    session.delete(member)
    session.flush()
    if was_active:
        publish_member(session, caller, network, "network.member_left", member.person_id)


def remove(session, caller, network_id, person_id):
    """Leave (yourself: also withdraws a request or declines an invitation) or remove a member (conveners)."""
    access.require_authenticated(caller)
    with session.begin():
        network = visible_or_404(session, caller, network_id)
        if person_id != caller.person_id:
            require_convener(session, caller, network)
        member = membership(session, network.id, person_id)
        if member is None:
            raise NotFound("Person {person_id} is not in this network.", person_id=person_id)
        _drop(session, caller, network, member)
    return None


def update_member(session, caller, network_id, person_id, payload):
    data = load(schemas.MemberUpdate, payload)
    with session.begin():
        network, member = convened_member(session, caller, network_id, person_id, "active",
                                          N_("Person {person_id} is not a member of this network."))
        if member.role != data["role"]:
            member.role = data["role"]
            session.flush()
            publish_changed(session, caller, network, {"conveners"})
    return member_result(session, member)


def list_members(session, caller, network_id, query):
    access.require_authenticated(caller)
    q = load(schemas.NetworkMemberQuery, query)
    network = visible_or_404(session, caller, network_id)
    mine = membership(session, network.id, caller.person_id)
    convener = can_convene(session, caller, network)
    if not convener and not (mine is not None and mine.status == "active" and q["status"] == "active"):
        raise Forbidden(
            "Members see who else is in the network; conveners also see requests and invitations."
        )
    stmt = (
        select(NetworkMember, Person.name)
        .join(Person, Person.id == NetworkMember.person_id)
        .where(NetworkMember.network_id == network.id, NetworkMember.status == q["status"])
        .order_by(NetworkMember.role.desc(), Person.name, NetworkMember.id)
    )
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    rows = session.execute(stmt.limit(q["limit"]).offset(q["offset"])).all()
    return page([member_view(m, name) for m, name in rows], total, q["limit"], q["offset"])


def export_person(session, person_id):
    rows = session.execute(
        select(NetworkMember, Network)
        .join(Network, Network.id == NetworkMember.network_id)
        .where(NetworkMember.person_id == person_id)
        .order_by(NetworkMember.created_at)
    ).all()
    return [
        {
            "network_id": n.id,
            "name": dict(n.name),
            "role": m.role,
            "status": m.status,
            "message": m.message,
            "joined_at": utc_text(m.joined_at),
            "since": utc_text(m.created_at),
        }
        for m, n in rows
    ]


def erase_person(session, caller, person_id):
    """Remove every network membership, request and invitation of an erased person."""
    for member in session.scalars(select(NetworkMember).where(NetworkMember.person_id == person_id)).all():
        _drop(session, caller, session.get(Network, member.network_id), member)
