"""Starting a network, changing its profile, letting it doze and waking it."""
from datetime import datetime, timezone

from contracts.api import networks as schemas
from nabo_common.api.errors import Conflict, Forbidden
from nabo_common.api.validation import load
from services.members.domain import access
from services.members.domain.common import idempotent_calls
from services.members.domain.networks import dormancy
from services.members.domain.networks.conveners import convened_network
from services.members.domain.networks.profile import (
    PROFILE_FIELDS,
    apply_eligibility,
    check_associations,
    search_fields,
    set_themes,
)
from services.members.domain.networks.publishing import (
    network_event,
    publish_changed,
    publish_for,
    publish_member,
)
from services.members.domain.networks.views import network_result
from services.members.models import Network, NetworkMember, NetworkOwner


def create(session, caller, payload, call_key=None):
    access.require_authenticated(caller)
    data = load(schemas.NetworkCreate, payload)
    if not caller.person_id:
        raise Forbidden("A person starts a network.")
    owners = list(dict.fromkeys(data["association_ids"]))
    home = next((a for a in owners if caller.belongs_to(a)), None)
    if home is None:
        raise Forbidden(
            "Start a network in an association you belong to; others can then be asked to co-own it."
        )

    def write():
        check_associations(session, owners, "association_ids")
        search_text, languages = search_fields(data["name"], data["description"])
        network = Network(
            name=data["name"],
            description=data["description"],
            search_text=search_text,
            languages=languages,
            join_policy=data["join_policy"],
            visibility=data["visibility"],
            external_link=data.get("external_link"),
            created_by=caller.person_id,
        )
        apply_eligibility(session, network, data["eligibility"])
        # a second association owns the network only once its admin agrees
        network.owners = [
            NetworkOwner(
                association_id=a, status="active" if a == home or caller.administers(a) else "pending"
            )
            for a in owners
        ]
        session.add(network)
        session.flush()
        set_themes(session, network, data["themes"])
        session.add(
            NetworkMember(
                network_id=network.id,
                person_id=caller.person_id,
                role="convener",
                status="active",
                joined_at=datetime.now(timezone.utc),
            )
        )
        session.flush()
        publish_for(session, caller, network, "network.created", network_event(session, network))
        publish_member(session, caller, network, "network.member_joined", caller.person_id)
        return network_result(session, caller, network)

    with session.begin():
        return idempotent_calls.once(session, call_key, "create_network", write)


def update(session, caller, network_id, payload):
    data = load(schemas.NetworkUpdate, payload)
    with session.begin():
        network = convened_network(session, caller, network_id)
        changed = {k for k in PROFILE_FIELDS if k in data and getattr(network, k) != data[k]}
        for key in changed:
            setattr(network, key, data[key])
        if data.get("activity") == "active":  # a convener's decision: awake, or kept so when asked
            dormancy.record_activity(network)
        if "eligibility" in data:
            before = (list(network.eligible_association_ids), network.max_age)
            apply_eligibility(session, network, data["eligibility"])
            if before != (network.eligible_association_ids, network.max_age):
                changed.add("eligibility")
        if "themes" in data and set_themes(session, network, data["themes"]):
            changed.add("themes")
        network.search_text, network.languages = search_fields(network.name, network.description)
        session.flush()
        if changed:
            publish_changed(session, caller, network, changed)
    return network_result(session, caller, network)


def wake(session, caller, network_id):
    """A convener's decision wakes a dormant network (as do its owning associations' admins and platform
    admins); members wake it by answering a question in it (posts.reply)."""
    access.require_authenticated(caller)
    with session.begin():
        network = convened_network(session, caller, network_id)
        if not dormancy.wake(session, caller, network):
            raise Conflict("The network is active already.")
    return network_result(session, caller, network)
