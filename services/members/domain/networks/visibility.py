"""Who sees a network: public ones everyone, the others the owning
associations' people, its own members and, for ``all_associations``, anyone
signed in."""
from sqlalchemy import and_, exists, false, or_, select, true

from nabo_common.api.errors import NotFound
from services.members.domain import themes
from services.members.models import Network, NetworkMember, NetworkOwner


def active_owner_ids(network):
    return [o.association_id for o in network.owners if o.status == "active"]


def display_name(network, language="en"):
    return themes.label(network.name, language)


def membership(session, network_id, person_id):
    """The person's row in the network (member, requested or invited), or None."""
    if not person_id:
        return None
    return session.scalar(select(NetworkMember).where(NetworkMember.network_id == network_id,
                                                      NetworkMember.person_id == person_id))


def can_see(caller, network, membership):
    if caller.is_privileged or network.visibility == "public":
        return True
    if not caller.authenticated:
        return False
    if network.visibility == "all_associations" or membership is not None:
        return True
    return any(caller.belongs_to(a) for a in active_owner_ids(network)) or any(
        caller.administers(o.association_id) for o in network.owners)


def visibility_filter(caller):
    """SQL condition mirroring can_see."""
    if caller.is_privileged:
        return true()
    if not caller.authenticated:
        return Network.visibility == "public"
    mine = list(caller.visible_associations or ())
    admin_of = list(caller.admin_of)
    return or_(
        Network.visibility.in_(["public", "all_associations"]),
        exists(
            select(NetworkOwner.network_id).where(
                NetworkOwner.network_id == Network.id,
                or_(
                    and_(NetworkOwner.status == "active", NetworkOwner.association_id.in_(mine))
                    if mine
                    else false(),
                    NetworkOwner.association_id.in_(admin_of) if admin_of else false(),
                ),
            )
        ),
        exists(
            select(NetworkMember.id).where(
                NetworkMember.network_id == Network.id, NetworkMember.person_id == caller.person_id
            )
        )
        if caller.person_id
        else false(),
    )


def network_missing(network_id):
    return NotFound("Network {network_id} not found.", network_id=network_id)


def seen_network(session, caller, network_id, options=()):
    """The network and the caller's row in it (None when they have none), or 404 when it is out of their
    sight. ``options``: loader options for the network's row (what a read of its conversation leaves
    out)."""
    network = session.get(Network, str(network_id), options=options) if network_id else None
    mine = membership(session, network.id, caller.person_id) if network is not None else None
    if network is None or not can_see(caller, network, mine):
        raise network_missing(network_id)
    return network, mine


def visible_or_404(session, caller, network_id, options=()):
    return seen_network(session, caller, network_id, options)[0]
