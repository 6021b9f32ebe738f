"""Who runs a network: its conveners and the owning associations' admins."""
from sqlalchemy import select

from nabo_common.api.errors import Forbidden, NotFound
from services.members.domain import access
from services.members.domain.networks.visibility import active_owner_ids, membership, visible_or_404
from services.members.models import NetworkMember, Person, PersonRole


def convener_ids(session, network):
    """The person ids of everyone who convenes ``network`` by name, each once: its active conveners and
    the admins of each of its active owning associations (not erased). Platform admins convene every
    network and are not named."""
    conveners = select(NetworkMember.person_id).where(
        NetworkMember.network_id == network.id, NetworkMember.role == "convener",
        NetworkMember.status == "active")
    owners = active_owner_ids(network)
    admins = select(PersonRole.person_id).join(Person, Person.id == PersonRole.person_id).where(
        PersonRole.scope == "association", PersonRole.role == "admin", PersonRole.scope_id.in_(owners),
        Person.erased_at.is_(None))
    found = set(session.scalars(conveners)) | (set(session.scalars(admins)) if owners else set())
    return sorted(found)


UNREAD = object()


def can_convene(session, caller, network, mine=UNREAD):
    """``mine``: the caller's row in the network when it was read already (None when they have none)."""
    if caller.is_privileged or any(caller.administers(a) for a in active_owner_ids(network)):
        return True
    if mine is UNREAD:
        mine = membership(session, network.id, caller.person_id)
    return mine is not None and mine.status == "active" and mine.role == "convener"


def require_convener(session, caller, network):
    access.require_authenticated(caller)
    if not can_convene(session, caller, network):
        raise Forbidden("Only the network's conveners or its associations' admins may do this.")


def convened_network(session, caller, network_id):
    """The network, for one of its conveners to change."""
    network = visible_or_404(session, caller, network_id)
    require_convener(session, caller, network)
    return network


def convened_member(session, caller, network_id, person_id, status, missing):
    """The network and one of its members with ``status``, for a convener to act on; NotFound says
    ``missing`` (a message with a ``{person_id}`` place) otherwise."""
    network = convened_network(session, caller, network_id)
    member = membership(session, network.id, person_id)
    if member is None or member.status != status:
        raise NotFound(missing, person_id=person_id)
    return network, member
