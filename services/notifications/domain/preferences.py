"""Per-person preferences: channels, digest of non-urgent messages, language."""
from contracts.api import notifications as schemas
from nabo_common.api.validation import load
from services.notifications.domain import access
from services.notifications.domain.common import publish
from services.notifications.models import Contact, Preference


def view(person_id, preference):
    if preference is None:
        return {"person_id": person_id, "channels": {"email": True, "inapp": True}, "digest": "immediate",
                "language": None}
    return {"person_id": person_id, "channels": {"email": preference.email, "inapp": preference.inapp},
            "digest": preference.digest, "language": preference.language}


def get(session, caller, person_id):
    person_id = access.person_or_404(session, caller, person_id)
    return view(person_id, session.get(Preference, person_id))


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
        session.flush()
        contact = session.get(Contact, person_id)
        association_id = contact.home_association_id if contact is not None else None
        # which settings, not their values, and the person as an id only
        publish(session, "preferences.updated", {
            "person_id": person_id, "association_id": association_id, "changed": sorted(data)},
            caller, association_id)
        return view(person_id, preference)
