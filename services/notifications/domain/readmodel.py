"""The read model: copies of other services' data kept from their events.

Every apply function is an upsert keyed by the source's id, so replaying the
events rebuilds the same state; nothing here is the source of truth.
"""
from datetime import date, datetime

from sqlalchemy import bindparam, delete, select, update

from services.notifications.domain.common import upsert
from services.notifications.models import (
    Association,
    CalendarEvent,
    ConsentState,
    Contact,
    ContactOrganisation,
    Idea,
    Membership,
    Network,
    NetworkMember,
    Organisation,
    OrganisationTheme,
    Registration,
)


def _date(value):
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _datetime(value):
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def apply_association(session, data):
    upsert(
        session,
        Association,
        {
            "id": data["association_id"],
            "name": data["name"],
            "default_language": data["default_language"],
            "time_zone": data["time_zone"],
        },
        ["id"],
    )


def apply_organisation(session, data):
    upsert(
        session,
        Organisation,
        {
            "id": data["organisation_id"],
            "owner_association_id": data["owner_association_id"],
            "name": data["name"],
            "country": data["country"],
            "sector": data.get("sector"),
        },
        ["id"],
    )
    if data.get("themes") is not None:
        session.execute(
            delete(OrganisationTheme).where(OrganisationTheme.organisation_id == data["organisation_id"])
        )
        for theme in sorted(set(data["themes"])):
            session.add(OrganisationTheme(organisation_id=data["organisation_id"], theme=str(theme)))


def apply_membership(session, data):
    """Returns the previous status (None if the membership is new to us)."""
    existing = session.get(Membership, data["membership_id"])
    previous = existing.status if existing is not None else None
    upsert(
        session,
        Membership,
        {
            "id": data["membership_id"],
            "organisation_id": data["organisation_id"],
            "association_id": data["association_id"],
            "status": data["status"],
            "end_date": _date(data.get("end_date")),
        },
        ["id"],
    )
    return previous


def apply_person(session, data):
    contact = session.get(Contact, data["person_id"])
    if contact is not None and contact.erased:
        return  # an erased person stays erased even if an older event arrives late
    roles = data.get("roles") or []
    upsert(
        session,
        Contact,
        {
            "person_id": data["person_id"],
            "name": data["name"],
            "email": data.get("email"),
            "language": data.get("language") or "en",
            "birth_year": data.get("birth_year"),
            "home_association_id": data.get("home_association_id"),
            "admin_of": sorted(
                r["scope_id"] for r in roles if r["scope"] == "association" and r["role"] == "admin"
            ),
        },
        ["person_id"],
    )
    if contact is not None and contact.email != data.get("email"):
        session.get(Contact, data["person_id"]).email_bounced_at = None  # a new address gets a new chance
    session.execute(delete(ContactOrganisation).where(ContactOrganisation.person_id == data["person_id"]))
    seen = set()
    for role in roles:
        if role["scope"] == "organisation" and role["scope_id"] not in seen:
            seen.add(role["scope_id"])
            session.add(
                ContactOrganisation(
                    person_id=data["person_id"], organisation_id=role["scope_id"], role=role["role"]
                )
            )


def apply_consent(session, data):
    key = (data["person_id"], data["association_id"], data["kind"])
    recorded_at = _datetime(data["recorded_at"])
    current = session.get(ConsentState, key)
    if current is not None and current.recorded_at > recorded_at:
        return  # an older record arriving late does not override a newer one
    upsert(
        session,
        ConsentState,
        {
            "person_id": key[0],
            "association_id": key[1],
            "kind": key[2],
            "granted": bool(data["granted"]),
            "recorded_at": recorded_at,
        },
        ["person_id", "association_id", "kind"],
    )


def apply_network(session, data):
    values = {"id": data["network_id"]}
    existing = session.get(Network, data["network_id"])
    values["name"] = data.get("name") or (existing.name if existing else "")
    names = data.get("names") or data.get("network_names")
    if names:  # an event without them (a member's) leaves the ones an event of the network brought
        values["names"] = dict(names)
    if data.get("association_ids") is not None:
        values["association_ids"] = list(data["association_ids"])
    elif existing is None:
        values["association_ids"] = []
    upsert(session, Network, values, ["id"])


def apply_network_member(session, data, joined):
    if data.get("name") or data.get("names") or data.get("association_ids") is not None:
        apply_network(session, {k: data.get(k) for k in ("network_id", "name", "names", "association_ids")})
    if joined:
        upsert(
            session,
            NetworkMember,
            {"network_id": data["network_id"], "person_id": data["person_id"]},
            ["network_id", "person_id"],
        )
    else:
        session.execute(
            delete(NetworkMember).where(
                NetworkMember.network_id == data["network_id"], NetworkMember.person_id == data["person_id"]
            )
        )


EVENT_FIELDS = ("programme_id", "network_id", "title", "time_zone", "format", "venue", "venue_address",
                "venue_host_name", "join_url")


def apply_calendar_event(session, data, status=None):
    existing = session.get(CalendarEvent, data["event_id"])
    values = {"id": data["event_id"]}
    for key in EVENT_FIELDS:
        if key in data:
            values[key] = data[key]
        elif existing is None:
            values[key] = None
    for key in ("starts_at", "ends_at"):
        if key in data:
            values[key] = _datetime(data[key])
    if data.get("association_ids") is not None:
        values["association_ids"] = list(data["association_ids"])
    elif existing is None:
        values["association_ids"] = []
    if existing is None:
        values["title"] = values.get("title") or ""
        values["time_zone"] = values.get("time_zone") or "UTC"
    if status:
        values["status"] = status
    upsert(session, CalendarEvent, values, ["id"])
    # the row as written: the upsert goes past the session, whose copy may be the one read before it
    return session.get(CalendarEvent, data["event_id"], populate_existing=True)


# built once: a registration's event and the association its message speaks for, in one round trip
EVENT_WITH_ASSOCIATION = (
    select(CalendarEvent, Association)
    .select_from(CalendarEvent)
    .outerjoin(Association, Association.id == bindparam("association_id"))
    .where(CalendarEvent.id == bindparam("event_id"))
)


def event_with_association(session, event_id, association_id):
    """The read model's event and association (each None when missing) in one query. Whoever holds the
    association finds it in the session's identity map: ``session.get`` by its id asks the database no
    more."""
    if association_id is None:
        return session.get(CalendarEvent, event_id), None
    row = session.execute(
        EVENT_WITH_ASSOCIATION, {"event_id": event_id, "association_id": association_id}
    ).first()
    return (row[0], row[1]) if row is not None else (None, None)


def registration_values(data, event):
    """The registration's row in the read model, from its event's ``data`` and its ``event`` (or None)."""
    return {
        "id": data["registration_id"],
        "event_id": data["event_id"],
        "programme_id": data.get("programme_id") or (event.programme_id if event else None),
        "person_id": data.get("person_id"),
        "name": data.get("name") or "",
        "email": data.get("email"),
        "language": data.get("language") or "en",
        "status": data["status"],
    }


def apply_registration(session, data, event):
    """Returns False for a guest anonymised already (the event arrives replayed or late): their name and
    e-mail stay gone and nobody is written to. ``event``: the registration's CalendarEvent, None when the
    read model lacks it."""
    written = upsert(session, Registration, registration_values(data, event), ["id"],
                     unless_set="anonymised_at")
    if not written:  # anonymised: only the status follows the source
        session.execute(
            update(Registration)
            .where(Registration.id == data["registration_id"])
            .values(status=data["status"])
        )
    return written


def apply_idea(session, data):
    existing = session.get(Idea, data["idea_id"])
    values = {
        "id": data["idea_id"],
        "panel_id": data.get("panel_id"),
        "title": data.get("title") or (existing.title if existing else ""),
        "submitter_person_id": data.get("submitter_person_id")
        or (existing.submitter_person_id if existing else None),
        "association_id": data.get("association_id") or (existing.association_id if existing else None),
    }
    upsert(session, Idea, values, ["id"])


def organisation_contacts(session, organisation_id):
    return session.scalars(
        select(Contact)
        .join(ContactOrganisation, ContactOrganisation.person_id == Contact.person_id)
        .where(ContactOrganisation.organisation_id == organisation_id, Contact.erased.is_(False))
    ).all()


def person_associations(session, person_id):
    """Associations a person belongs to, as far as the read model knows."""
    contact = session.get(Contact, person_id)
    if contact is None:
        return set()
    result = {contact.home_association_id} if contact.home_association_id else set()
    result.update(contact.admin_of or ())
    org_ids = select(ContactOrganisation.organisation_id).where(ContactOrganisation.person_id == person_id)
    result.update(
        session.scalars(select(Membership.association_id).where(Membership.organisation_id.in_(org_ids)))
    )
    result.update(
        session.scalars(select(Organisation.owner_association_id).where(Organisation.id.in_(org_ids)))
    )
    return result
