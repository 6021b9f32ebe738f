"""The associations that own a network: a convener asks another association
to co-own it, and that association's admin agrees or declines."""
from contracts.api import networks as schemas
from nabo_common.api.errors import Conflict, NotFound
from nabo_common.api.validation import load
from services.members.domain import access
from services.members.domain.networks.conveners import convened_network
from services.members.domain.networks.profile import check_associations
from services.members.domain.networks.publishing import publish_changed, publish_for
from services.members.domain.networks.views import network_result
from services.members.domain.networks.visibility import visible_or_404
from services.members.models import NetworkOwner


def add_owner(session, caller, network_id, payload):
    data = load(schemas.OwnerAdd, payload)
    with session.begin():
        network = convened_network(session, caller, network_id)
        association_id = data["association_id"]
        check_associations(session, [association_id], "association_id")
        if any(o.association_id == association_id for o in network.owners):
            raise Conflict("This association owns the network already, or has been asked to.")
        status = "active" if caller.administers(association_id) else "pending"
        network.owners.append(
            NetworkOwner(network_id=network.id, association_id=association_id, status=status)
        )
        session.flush()
        if status == "active":
            publish_changed(session, caller, network, {"owners"})
        else:  # not an owner yet, but asked: in the trails of the convener and of the association asked
            publish_for(session, caller, network, "network.owner_invited",
                        {"network_id": network.id, "association_id": association_id, "status": status})
    return network_result(session, caller, network)


def decide_owner(session, caller, network_id, association_id, payload):
    data = load(schemas.OwnerDecision, payload)
    with session.begin():
        network = visible_or_404(session, caller, network_id)
        owner = next((o for o in network.owners if o.association_id == association_id), None)
        if owner is None or owner.status != "pending":
            raise NotFound("No pending ownership of association {association_id}.",
                           association_id=association_id)
        access.require_admin_of(caller, association_id)
        if data["decision"] == "approved":
            owner.status = "active"
        else:
            network.owners.remove(owner)
        session.flush()
        if data["decision"] == "approved":
            publish_changed(session, caller, network, {"owners"})
    return network_result(session, caller, network)
