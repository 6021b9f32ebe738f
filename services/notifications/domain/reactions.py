"""What the notifications service does with each event from the other
services: update the read model, record the transactional messages it causes
(cause = the event's id), and queue matching webhooks.

Data shapes are the agreed event catalogue; fields that may be missing are
read with ``.get`` so an older or newer publisher does not break delivery.
"""
from sqlalchemy import select

from services.notifications.domain import deliveries, readmodel, webhooks
from services.notifications.domain.deliveries import guest, notify, person
from services.notifications.models import (Association, CalendarEvent, Contact, Idea, Network, Organisation,
                                           Registration)

ACTIVE_REGISTRATIONS = ("confirmed", "waitlisted")


def _event_context(event, data=None):
    """What templates show about an event: the read model, overridden by the event's own fresher data."""
    data = data or {}
    view = {"title": "", "starts_at": None, "ends_at": None, "time_zone": "UTC", "venue": None, "join_url": None,
            "format": None}
    if event is not None:
        view.update(title=event.title, starts_at=event.starts_at.isoformat() if event.starts_at else None,
                    ends_at=event.ends_at.isoformat() if event.ends_at else None, time_zone=event.time_zone,
                    venue=event.venue, join_url=event.join_url, format=event.format)
    for key in view:
        if data.get(key) is not None:
            view[key] = data[key]
    return view


def _primary_association(event):
    return (event.association_ids or [None])[0] if event is not None else None


def _registrants(session, event_id, statuses):
    rows = session.scalars(select(Registration).where(Registration.event_id == event_id,
                                                      Registration.status.in_(statuses))).all()
    fallback = lambda r: {"email": r.email, "name": r.name, "language": r.language}  # noqa: E731
    return [person(session, r.person_id, fallback(r)) if r.person_id else guest(r.email, r.name, r.language)
            for r in rows]


# --- members ------------------------------------------------------------------------------

def on_association(session, envelope):
    readmodel.apply_association(session, envelope["data"])


def on_organisation(session, envelope):
    readmodel.apply_organisation(session, envelope["data"])


def on_person(session, envelope):
    readmodel.apply_person(session, envelope["data"])


def on_consent(session, envelope):
    readmodel.apply_consent(session, envelope["data"])


def on_membership(session, envelope):
    data = envelope["data"]
    previous = readmodel.apply_membership(session, data)
    if data["status"] == "active" and (data.get("previous_status") or previous) != "active" \
            and envelope["type"] == "membership.status_changed":
        organisation = session.get(Organisation, data["organisation_id"])
        association = session.get(Association, data["association_id"])
        recipients = [person(session, c.person_id) for c in readmodel.organisation_contacts(session,
                                                                                             data["organisation_id"])]
        notify(session, envelope["id"], "membership_activated", recipients, {
            "organisation_name": organisation.name if organisation else "",
            "association_name": association.name if association else ""}, data["association_id"])


def membership_lapsing(session, membership, now):
    """The notice before an active membership's end date; once per membership and end date."""
    organisation = session.get(Organisation, membership.organisation_id)
    association = session.get(Association, membership.association_id)
    recipients = [person(session, c.person_id) for c in readmodel.organisation_contacts(session,
                                                                                         membership.organisation_id)]
    return notify(session, f"lapsing:{membership.id}:{membership.end_date.isoformat()}", "membership_lapsing",
                  recipients, {"organisation_name": organisation.name if organisation else "",
                               "association_name": association.name if association else "",
                               "end_date": membership.end_date.isoformat()}, membership.association_id)


# --- networks and matches -------------------------------------------------------------------

def on_network(session, envelope):
    readmodel.apply_network(session, envelope["data"])


def on_network_member(session, envelope):
    readmodel.apply_network_member(session, envelope["data"], joined=envelope["type"] == "network.member_joined")


def _network_name(session, data):
    network = session.get(Network, data["network_id"])
    return data.get("name") or (network.name if network else ""), network


def on_join_requested(session, envelope):
    data = envelope["data"]
    name, network = _network_name(session, data)
    requester = session.get(Contact, data["person_id"])
    conveners = [person(session, pid) for pid in data.get("convener_person_ids") or ()]
    notify(session, envelope["id"], "network_join_requested", conveners, {
        "network_name": name, "requester_name": requester.name if requester else data.get("person_name", "")},
        (network.association_ids or [None])[0] if network else envelope.get("association_id"))


def on_join_decided(session, envelope):
    data = envelope["data"]
    name, network = _network_name(session, data)
    approved = data.get("decision") == "approved"
    if approved:
        readmodel.apply_network_member(session, {"network_id": data["network_id"], "person_id": data["person_id"]},
                                       joined=True)
    notify(session, envelope["id"], "network_join_decided", [person(session, data["person_id"])],
           {"network_name": name, "approved": approved, "reason": data.get("reason")},
           (network.association_ids or [None])[0] if network else envelope.get("association_id"))


def on_match_introduced(session, envelope):
    data = envelope["data"]
    organisation_ids = list(data.get("organisation_ids") or ())
    contacts = list(data.get("contacts") or ())
    for index, contact in enumerate(contacts):
        if not contact.get("organisation_id") and index < len(organisation_ids):
            contact["organisation_id"] = organisation_ids[index]

    def org_name(org_id):
        org = session.get(Organisation, org_id) if org_id else None
        return org.name if org else ""

    reasons = [r if isinstance(r, str) else r.get("text") or r.get("label") or str(r)
               for r in data.get("reasons") or ()]
    for contact in contacts:
        others = [{"organisation_name": org_name(o.get("organisation_id")), "contact_name": o.get("name"),
                   "contact_email": o.get("email")}
                  for o in contacts if o.get("organisation_id") != contact.get("organisation_id")]
        recipient = person(session, contact.get("person_id"), contact)
        org = session.get(Organisation, contact.get("organisation_id") or "")
        notify(session, envelope["id"], "match_introduced", [recipient], {"others": others, "reasons": reasons},
               org.owner_association_id if org else envelope.get("association_id"))


# --- events and registrations ---------------------------------------------------------------

def on_calendar_event(session, envelope):
    status = {"event.cancelled": "cancelled", "event.completed": "completed", "event.published": "published"}
    readmodel.apply_calendar_event(session, envelope["data"], status.get(envelope["type"]))


def on_programme(session, envelope):
    """Programmes need no copy: registrations and events carry their programme id."""


def _changes(raw):
    if isinstance(raw, dict):
        return [{"field": k, "old": (v or {}).get("old"), "new": (v or {}).get("new")} for k, v in raw.items()]
    return [c if isinstance(c, dict) else {"field": str(c), "old": None, "new": None} for c in raw or ()]


def on_event_updated(session, envelope):
    data = envelope["data"]
    event = readmodel.apply_calendar_event(session, data)
    notify(session, envelope["id"], "event_updated", _registrants(session, event.id, ACTIVE_REGISTRATIONS),
           {"event": _event_context(event), "changes": _changes(data.get("changes"))}, _primary_association(event))


def on_event_cancelled(session, envelope):
    event = readmodel.apply_calendar_event(session, envelope["data"], "cancelled")
    notify(session, envelope["id"], "event_cancelled", _registrants(session, event.id, ACTIVE_REGISTRATIONS),
           {"event": _event_context(event)}, _primary_association(event))


def on_reminder_due(session, envelope):
    data = envelope["data"]
    event = session.get(CalendarEvent, data["event_id"])
    view = _event_context(event, data)
    notify(session, envelope["id"], "event_reminder", _registrants(session, data["event_id"], ("confirmed",)),
           {"event": view, "minutes": data.get("offset_minutes") or 0, "action_url": view["join_url"]},
           _primary_association(event), link=view["join_url"])


def on_recording_published(session, envelope):
    data = envelope["data"]
    event = session.get(CalendarEvent, data["event_id"])
    notify(session, envelope["id"], "recording_published",
           _registrants(session, data["event_id"], ("confirmed", "attended")),
           {"event": _event_context(event, data), "recording_url": data["recording_url"],
            "action_url": data["recording_url"]}, _primary_association(event), link=data["recording_url"])


REGISTRATION_KINDS = {"registration.confirmed": "registration_confirmed",
                      "registration.waitlisted": "registration_waitlisted",
                      "registration.promoted": "registration_promoted"}


def on_registration(session, envelope):
    data = envelope["data"]
    readmodel.apply_registration(session, data)
    kind = REGISTRATION_KINDS.get(envelope["type"])
    if kind is None:
        return
    event = session.get(CalendarEvent, data["event_id"])
    if event is None:
        raise deliveries.ReadModelBehind(f"event {data['event_id']} is not in the read model yet")
    view = _event_context(event)
    fallback = {"email": data.get("email"), "name": data.get("name"), "language": data.get("language")}
    recipient = person(session, data["person_id"], fallback) if data.get("person_id") else \
        guest(data.get("email"), data.get("name"), data.get("language"))
    if recipient is not None and data.get("email"):
        recipient = deliveries.Recipient(recipient.person_id, data["email"], data.get("name") or recipient.name,
                                         data.get("language") or recipient.language)
    attachments = [{"filename": "event.ics", "content_type": "text/calendar", "content": data["ics"]}] \
        if data.get("ics") and kind != "registration_waitlisted" else None
    notify(session, envelope["id"], kind, [recipient], {"event": view, "action_url": view["join_url"]},
           _primary_association(event) or envelope.get("association_id"), attachments=attachments,
           link=view["join_url"])


# --- ideas --------------------------------------------------------------------------------------

def on_idea(session, envelope):
    readmodel.apply_idea(session, envelope["data"])


def on_idea_status_changed(session, envelope):
    data = envelope["data"]
    readmodel.apply_idea(session, data)
    idea = session.get(Idea, data["idea_id"])
    if not idea.submitter_person_id:
        raise deliveries.ReadModelBehind(f"the submitter of idea {idea.id} is not known yet")
    notify(session, envelope["id"], "idea_status_changed", [person(session, idea.submitter_person_id)],
           {"idea_title": idea.title, "status": data["status"], "previous_status": data.get("previous_status"),
            "reason": data.get("reason")}, idea.association_id or envelope.get("association_id"))


def on_initiative_launched(session, envelope):
    data = envelope["data"]
    ideas = session.scalars(select(Idea).where(Idea.id.in_(list(data.get("idea_ids") or ())))).all()
    if len(ideas) < len(set(data.get("idea_ids") or ())):
        raise deliveries.ReadModelBehind("an idea of the initiative is not in the read model yet")
    by_submitter = {}
    for idea in ideas:
        if idea.submitter_person_id:
            by_submitter.setdefault(idea.submitter_person_id, []).append(idea)
    for submitter, own_ideas in by_submitter.items():
        notify(session, envelope["id"], "initiative_launched", [person(session, submitter)],
               {"initiative_title": data["title"], "idea_titles": [i.title for i in own_ideas]},
               own_ideas[0].association_id or envelope.get("association_id"))


def ignore(session, envelope):
    """Events kept for webhooks only."""


REACTIONS = {
    "association.created": on_association, "association.updated": on_association,
    "organisation.created": on_organisation, "organisation.updated": on_organisation,
    "person.created": on_person, "person.updated": on_person,
    "membership.created": on_membership, "membership.status_changed": on_membership,
    "consent.changed": on_consent,
    "network.created": on_network, "network.updated": on_network,
    "network.member_joined": on_network_member, "network.member_left": on_network_member,
    "network.member_invited": ignore, "network.join_requested": on_join_requested,
    "network.join_decided": on_join_decided, "match.introduced": on_match_introduced,
    "programme.created": on_programme, "event.published": on_calendar_event, "event.completed": on_calendar_event,
    "event.updated": on_event_updated, "event.cancelled": on_event_cancelled, "event.reminder_due": on_reminder_due,
    "event.recording_published": on_recording_published,
    "registration.confirmed": on_registration, "registration.waitlisted": on_registration,
    "registration.promoted": on_registration, "registration.cancelled": on_registration,
    "panel.created": ignore, "panel.phase_changed": ignore, "decision.recorded": ignore,
    "idea.submitted": on_idea, "idea.supported": ignore, "idea.commented": ignore, "idea.merged": ignore,
    "idea.status_changed": on_idea_status_changed, "initiative.launched": on_initiative_launched,
    "initiative.progress_updated": ignore,
}


def react(session, envelope):
    """Apply one event (inside the handler's transaction)."""
    REACTIONS[envelope["type"]](session, envelope)
    webhooks.enqueue(session, envelope)


# the service's event subscriptions: consumer handler -> event types
# which handler consumes which types: declared with the contracts so queues exist up front
from nabo_common.contracts.subscriptions import NOTIFICATIONS as SUBSCRIPTIONS  # noqa: E402
