"""Per-person preferences: channels, digest of non-urgent messages, language, and what the person hears
from each network's conversation."""
from sqlalchemy import select

from contracts.api import notifications as schemas
from nabo_common.api.errors import ValidationFailed
from nabo_common.api.validation import load
from nabo_common.i18n.catalogues import N_
from services.notifications.domain import access, rendering
from services.notifications.domain.common import publish, upsert, utcnow
from services.notifications.models import Contact, Network, NetworkMember, NetworkPreference, Preference


def network_modes(session, person_id, language=None):
    """``[{network_id, network_name, mode, member}]`` by name: each network the person is a member of, and
    each they are not a member of but chose for (one click in an offer from it stopped its offers). The
    network's name in ``language`` where it has one, as mails name it; None for a network the read model
    does not know."""
    member_of = select(NetworkMember.network_id).where(NetworkMember.person_id == person_id)
    rows = session.execute(
        select(Network.id, Network.name, Network.names, NetworkPreference.mode)
        .join(NetworkMember, NetworkMember.network_id == Network.id)
        .outerjoin(NetworkPreference, (NetworkPreference.network_id == Network.id)
                   & (NetworkPreference.person_id == person_id))
        .where(NetworkMember.person_id == person_id)
    ).all()
    chosen_only = session.execute(
        select(NetworkPreference.network_id, Network.name, Network.names, NetworkPreference.mode)
        .outerjoin(Network, Network.id == NetworkPreference.network_id)
        .where(NetworkPreference.person_id == person_id, NetworkPreference.network_id.not_in(member_of))
    ).all()
    named = [(rendering.name_in(language, name, names) if name is not None else None, nid, mode, member)
             for member, found in ((True, rows), (False, chosen_only)) for nid, name, names, mode in found]
    return [{"network_id": nid, "network_name": name, "mode": mode or schemas.NETWORK_MODE_DEFAULT,
             "member": member}
            for name, nid, mode, member in sorted(named, key=lambda n: (n[0] is None, n[0] or "", n[1]))]


def view(person_id, preference, networks=()):
    if preference is None:
        return {"person_id": person_id, "channels": {"email": True, "inapp": True}, "digest": "immediate",
                "language": None, "networks": list(networks)}
    return {"person_id": person_id, "channels": {"email": preference.email, "inapp": preference.inapp},
            "digest": preference.digest, "language": preference.language, "networks": list(networks)}


def get(session, caller, person_id):
    person_id = access.person_or_404(session, caller, person_id)
    networks = network_modes(session, person_id, caller.language)
    return view(person_id, session.get(Preference, person_id), networks)


def choose_network_mode(session, person_id, network_id, mode):
    upsert(session, NetworkPreference,
           {"person_id": person_id, "network_id": network_id, "mode": mode, "updated_at": utcnow()},
           ["person_id", "network_id"])


def _choose_networks(session, person_id, choices):
    """A network the person is a member of, or one they are not but chose for already (they stopped its
    offers in one click, and may let them come again)."""
    known = set(session.scalars(select(NetworkMember.network_id).where(NetworkMember.person_id == person_id)))
    known.update(session.scalars(select(NetworkPreference.network_id)
                                 .where(NetworkPreference.person_id == person_id)))
    unknown = [i for i, choice in enumerate(choices) if choice["network_id"] not in known]
    if unknown:
        raise ValidationFailed(
            N_("The person is not a member of this network."),
            {"networks": {str(i): {"network_id": [N_("The person is not a member of this network.")]}
                          for i in unknown}},
        )
    for choice in choices:
        choose_network_mode(session, person_id, choice["network_id"], choice["mode"])


def update(session, caller, person_id, payload):
    data = load(schemas.PreferencesUpdate, payload)
    with session.begin():
        person_id = access.person_or_404(session, caller, person_id)
        preference = session.get(Preference, person_id)
        if preference is None:
            preference = Preference(person_id=person_id, email=True, inapp=True, digest="immediate")
            session.add(preference)
        for channel, enabled in (data.get("channels") or {}).items():
            setattr(preference, channel, enabled)
        if "digest" in data:
            preference.digest = data["digest"]
        if "language" in data:
            preference.language = data["language"]
        if "networks" in data:
            _choose_networks(session, person_id, data["networks"])
        session.flush()
        contact = session.get(Contact, person_id)
        association_id = contact.home_association_id if contact is not None else None
        # which settings, not their values, and the person as an id only
        publish(session, "preferences.updated", {
            "person_id": person_id, "association_id": association_id, "changed": sorted(data)},
            caller, association_id)
        return view(person_id, preference, network_modes(session, person_id, caller.language))
