"""The network events the members service publishes, through its outbox."""
from services.members.domain.common import publish
from services.members.domain.networks.conveners import convener_ids
from services.members.domain.networks.visibility import active_owner_ids, display_name


def network_event(session, network, changed=()):
    return {
        "network_id": network.id,
        "name": display_name(network),
        "names": dict(network.name),
        "association_ids": active_owner_ids(network),
        "themes": sorted(link.theme_id for link in network.theme_links),
        "join_policy": network.join_policy,
        "visibility": network.visibility,
        "activity": network.activity,
        "convener_person_ids": convener_ids(session, network),
        "changed": sorted(changed),
    }


def publish_for(session, caller, network, event_type, data):
    """Publish an event about ``network`` under its first active owner."""
    owners = active_owner_ids(network)
    publish(session, event_type, data, caller, owners[0] if owners else None)


def publish_changed(session, caller, network, changed):
    publish_for(session, caller, network, "network.updated", network_event(session, network, changed))


def publish_member(session, caller, network, event_type, person_id):
    publish_for(
        session,
        caller,
        network,
        event_type,
        {
            "network_id": network.id,
            "person_id": person_id,
            "association_ids": active_owner_ids(network),
            "name": display_name(network),
            "by_person_id": caller.person_id,
        },
    )
