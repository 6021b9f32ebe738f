"""What the notifications service does with each event from the other
services: update the read model, record the transactional messages it causes
(cause = the event's id), and queue matching webhooks.

Data shapes are the publishers' contracts in ``contracts/events``
(events, ideas, members, networks); the consumer hands each reaction the
envelope with ``data`` loaded by that contract's schema. Optional fields are
read with ``.get``.
"""
from sqlalchemy import select

from nabo_common.persistence import db
from services.notifications.domain import (
    cancel_links,
    conversations,
    deliveries,
    meeting_markets,
    readmodel,
    registration_statements,
    rendering,
    webhooks,
)
from services.notifications.domain.deliveries import guest, notify, person
from services.notifications.models import (
    Association,
    CalendarEvent,
    Contact,
    Idea,
    Network,
    Organisation,
    Registration,
)

ACTIVE_REGISTRATIONS = ("confirmed", "waitlisted")


def _event_context(event, data=None):
    """What templates show about an event: the read model, overridden by the event's own fresher data."""
    data = data or {}
    view = {
        "title": "",
        "starts_at": None,
        "ends_at": None,
        "time_zone": "UTC",
        "venue": None,
        "venue_address": None,
        "venue_host_name": None,
        "join_url": None,
        "format": None,
    }
    if event is not None:
        view.update(
            title=event.title,
            starts_at=event.starts_at.isoformat() if event.starts_at else None,
            ends_at=event.ends_at.isoformat() if event.ends_at else None,
            time_zone=event.time_zone,
            venue=event.venue,
            venue_address=event.venue_address,
            venue_host_name=event.venue_host_name,
            join_url=event.join_url,
            format=event.format,
        )
    for key in view:
        if data.get(key) is not None:
            view[key] = data[key]
    return view


def _primary_association(event):
    return (event.association_ids or [None])[0] if event is not None else None


def _registrants(session, event_id, statuses):
    rows = session.scalars(
        select(Registration).where(Registration.event_id == event_id, Registration.status.in_(statuses))
    ).all()
    fallback = lambda r: {"email": r.email, "name": r.name, "language": r.language}  # noqa: E731
    return [
        person(session, r.person_id, fallback(r)) if r.person_id else guest(r.email, r.name, r.language)
        for r in rows
    ]


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
    if (
        data["status"] == "active"
        and (data.get("previous_status") or previous) != "active"
        and envelope["type"] == "membership.status_changed"
    ):
        organisation = session.get(Organisation, data["organisation_id"])
        association = session.get(Association, data["association_id"])
        recipients = [
            person(session, c.person_id)
            for c in readmodel.organisation_contacts(session, data["organisation_id"])
        ]
        notify(
            session,
            envelope["id"],
            "membership_activated",
            recipients,
            {
                "organisation_name": organisation.name if organisation else "",
                "association_name": association.name if association else "",
            },
            data["association_id"],
        )


def membership_lapsing(session, membership, now):
    """The notice before an active membership's end date; once per membership and end date."""
    organisation = session.get(Organisation, membership.organisation_id)
    association = session.get(Association, membership.association_id)
    recipients = [
        person(session, c.person_id)
        for c in readmodel.organisation_contacts(session, membership.organisation_id)
    ]
    return notify(
        session,
        f"lapsing:{membership.id}:{membership.end_date.isoformat()}",
        "membership_lapsing",
        recipients,
        {
            "organisation_name": organisation.name if organisation else "",
            "association_name": association.name if association else "",
            "end_date": membership.end_date.isoformat(),
        },
        membership.association_id,
    )


# --- networks and matches -------------------------------------------------------------------


def on_network(session, envelope):
    readmodel.apply_network(session, envelope["data"])


def on_network_member(session, envelope):
    readmodel.apply_network_member(
        session, envelope["data"], joined=envelope["type"] == "network.member_joined"
    )


def _network_name(session, data):
    """Every network event's ``name`` is the network's display name (English first); the read model's
    copy stands in where a publisher left it empty."""
    network = session.get(Network, data["network_id"])
    return data.get("name") or (network.name if network else ""), network


def _network_association(network, envelope):
    return (
        (network.association_ids or [None])[0]
        if network is not None and network.association_ids
        else envelope.get("association_id")
    )


def on_dormancy_proposed(session, envelope):
    """A quiet network's conveners are asked before it is marked dormant."""
    data = envelope["data"]
    readmodel.apply_network(session, {"network_id": data["network_id"], "name": data["name"],
                                      "names": data.get("names"), "association_ids": data["association_ids"]})
    notify(
        session,
        envelope["id"],
        "network_dormancy_proposed",
        [person(session, pid) for pid in data["convener_person_ids"]],
        {"network_name": data["name"], "network_names": data.get("names") or {},
         # the dates alone (ISO text or a datetime, as the event was read)
         "last_activity_date": str(data["last_activity_at"])[:10] if data.get("last_activity_at") else None,
         "dormant_from_date": str(data["dormant_from"])[:10]},
        (data["association_ids"] or [envelope.get("association_id")])[0],
        link=f"/v1/networks/{data['network_id']}",
    )


def on_join_requested(session, envelope):
    data = envelope["data"]
    name, network = _network_name(session, data)
    requester = session.get(Contact, data["person_id"])
    if requester is None:
        raise deliveries.ReadModelBehind(f"person {data['person_id']} is not in the read model yet")
    conveners = [person(session, pid) for pid in data["convener_person_ids"]]
    notify(
        session,
        envelope["id"],
        "network_join_requested",
        conveners,
        {"network_name": name, "network_names": data.get("names") or {}, "requester_name": requester.name,
         "message": data.get("message")},
        _network_association(network, envelope),
    )


def on_join_decided(session, envelope):
    data = envelope["data"]
    name, network = _network_name(session, data)
    approved = data["decision"] == "approved"
    if approved:
        readmodel.apply_network_member(
            session, {"network_id": data["network_id"], "person_id": data["person_id"]}, joined=True
        )
    notify(
        session,
        envelope["id"],
        "network_join_decided",
        [person(session, data["person_id"])],
        {"network_name": name, "network_names": data.get("names") or {}, "approved": approved,
         "reason": data.get("reason")},
        _network_association(network, envelope),
    )


# match reasons are worded for the first organisation ("they need what you offer"); for the second one the
# two directions swap
MIRRORED_REASONS = {"needs_your_offer": "offers_your_need", "offers_your_need": "needs_your_offer",
                    "you_answered_their_opportunity": "they_answered_your_opportunity",
                    "they_answered_your_opportunity": "you_answered_their_opportunity"}


def _match_reasons(session, reasons, mirrored, language):
    """``[{kind, networks: [names]}]`` for the templates, each network named in the reader's ``language``
    where it has a name in it; theme ids are not shown (no labels here)."""
    result = []
    for reason in reasons:
        kind = MIRRORED_REASONS.get(reason["kind"], reason["kind"]) if mirrored else reason["kind"]
        names = [
            rendering.name_in(language, network.name, network.names)
            for network in (session.get(Network, n) for n in reason.get("networks") or ())
            if network is not None and network.name
        ]
        result.append({"kind": kind, "networks": names})
    return result


def _message_writer(session, data):
    """The name of whoever asked for the introduction and wrote its message (one side's person, or who
    answered an opportunity); None when they are not known or erased."""
    asker = data.get("introduced_by")
    for contact in data["contacts"]:
        if asker and contact.get("person_id") == asker and contact.get("name"):
            return contact["name"]
    found = session.get(Contact, asker) if asker else None
    return found.name if found is not None and not found.erased else None


def on_match_introduced(session, envelope):
    """Each contact of either organisation hears about the other organisation and its contacts."""
    data = envelope["data"]
    writer = _message_writer(session, data) if data.get("message") else None
    organisation_ids = list(data["organisation_ids"])
    names = dict(zip(organisation_ids, data["organisation_names"]))
    contacts = list(data["contacts"])
    for contact in contacts:
        others = [
            {
                "organisation_name": names.get(o["organisation_id"], ""),
                "contact_name": o["name"],
                "contact_email": o.get("email"),
            }
            for o in contacts
            if o["organisation_id"] != contact["organisation_id"]
        ]
        recipient = person(session, contact["person_id"], contact)
        reasons = _match_reasons(
            session, data["reasons"], mirrored=contact["organisation_id"] != organisation_ids[0],
            language=recipient.language if recipient else None,
        )
        org = session.get(Organisation, contact["organisation_id"])
        notify(
            session,
            envelope["id"],
            "match_introduced",
            [recipient],
            {"others": others, "reasons": reasons, "message": data.get("message"), "writer": writer},
            org.owner_association_id if org else envelope.get("association_id"),
        )


# --- events and registrations ---------------------------------------------------------------


def on_calendar_event(session, envelope):
    data = envelope["data"]
    readmodel.apply_calendar_event(session, data, data["status"])


def on_programme(session, envelope):
    """Programmes need no copy: registrations and events carry their programme id."""


# what registrants are told about when an event changes (the publisher lists every changed field,
# organisers' settings such as capacity, questions or reminder offsets included)
TOLD_CHANGES = (
    "title",
    "starts_at",
    "ends_at",
    "time_zone",
    "format",
    "languages",
    "join_url",
    "description",
)
VENUE_CHANGES = ("venue_address", "venue_organisation_id")
VENUE_PARTS = ("venue", "venue_address", "venue_host_name")


def _premises(address, host_name):
    """The host company's name where the venue is its premises (no address), for the reader's words."""
    return None if address else host_name


def _changes(changes, before, data):
    """The publisher's ``[{field, old, new}]`` as registrants see it: the venue as its text (the address or
    the host's premises, named in each reader's language: ``old_host_name``, ``new_host_name``), lists
    joined, a new description only announced."""
    told = []
    for change in changes:
        field = change["field"]
        if field in VENUE_CHANGES:
            if not any(c["field"] == "venue" for c in told) and before["venue"] != data.get("venue"):
                told.append({
                    "field": "venue", "old": before["venue"], "new": data.get("venue"),
                    "old_host_name": _premises(before["venue_address"], before["venue_host_name"]),
                    "new_host_name": _premises(data.get("venue_address"), data.get("venue_host_name")),
                })
        elif field == "description":
            told.append({"field": field, "old": None, "new": None})
        elif field in TOLD_CHANGES:
            old, new = change.get("old"), change.get("new")
            if isinstance(old, list) or isinstance(new, list):
                old, new = ", ".join(map(str, old or ())), ", ".join(map(str, new or ()))
            told.append({"field": field, "old": old, "new": new})
    return told


def _calendar_attachment(data):
    """The publisher's iCalendar text as the mail's calendar part, if it sent one."""
    if not data.get("ics"):
        return None
    return [{"filename": "event.ics", "content_type": "text/calendar", "content": data["ics"]}]


def on_event_updated(session, envelope):
    data = envelope["data"]
    previous = session.get(CalendarEvent, data["event_id"])
    # the venue as it was, before the read model takes the message's
    before = {key: getattr(previous, key) if previous is not None else None for key in VENUE_PARTS}
    event = readmodel.apply_calendar_event(session, data, data["status"])
    changes = _changes(data["changes"], before, data)
    if not changes:
        return  # only settings registrants do not see changed
    context = {"event": _event_context(event), "changes": changes}
    # the changed event replaces the one imported from the confirmation; the waitlisted got none to replace
    for statuses, attachments in ((("confirmed",), _calendar_attachment(data)), (("waitlisted",), None)):
        notify(
            session,
            envelope["id"],
            "event_updated",
            _registrants(session, event.id, statuses),
            context,
            _primary_association(event),
            attachments=attachments,
            event_id=event.id,
        )


def on_event_cancelled(session, envelope):
    data = envelope["data"]
    event = readmodel.apply_calendar_event(session, data, "cancelled")
    notify(
        session,
        envelope["id"],
        "event_cancelled",
        _registrants(session, event.id, ACTIVE_REGISTRATIONS),
        {"event": _event_context(event), "reason": data.get("reason")},
        _primary_association(event),
        attachments=_calendar_attachment(data),
        event_id=event.id,
    )


def on_reminder_due(session, envelope):
    data = envelope["data"]
    event = session.get(CalendarEvent, data["event_id"])
    view = _event_context(event, data)
    notify(
        session,
        envelope["id"],
        "event_reminder",
        _registrants(session, data["event_id"], ("confirmed",)),
        {"event": view, "minutes": data.get("offset_minutes") or 0, "action_url": view["join_url"]},
        _primary_association(event),
        link=view["join_url"],
        event_id=data["event_id"],
    )


def on_recording_published(session, envelope):
    data = envelope["data"]
    event = session.get(CalendarEvent, data["event_id"])
    notify(
        session,
        envelope["id"],
        "recording_published",
        _registrants(session, data["event_id"], ("confirmed", "attended")),
        {
            "event": _event_context(event, data),
            "recording_url": data["recording_url"],
            "action_url": data["recording_url"],
        },
        _primary_association(event),
        link=data["recording_url"],
        event_id=data["event_id"],
    )


REGISTRATION_KINDS = {
    "registration.confirmed": "registration_confirmed",
    "registration.waitlisted": "registration_waitlisted",
    "registration.promoted": "registration_promoted",
}


def _registration_kind(envelope):
    """What the registrant is told; cancelling themself needs no mail, an organiser cancelling does."""
    if envelope["type"] == "registration.cancelled":
        return "registration_cancelled" if envelope["data"].get("cancelled_by") == "organiser" else None
    return REGISTRATION_KINDS.get(envelope["type"])


def on_registration(session, envelope, config=None):
    """``config`` (the service's settings) signs the cancel link each registration mail carries. The
    registration carries the event's title, start, zone and (for a confirmed seat) join link, and the
    .ics to attach; the read model adds the venue and format. Its event.published may still be in a
    concurrent worker (same queue, several workers): then retry rather than send without the venue.
    On PostgreSQL a message's reads and writes are two prepared statements (``registration_statements``)."""
    data = envelope["data"]
    # loaded once and held: the session's identity map keeps no unchanged object nobody refers to. The
    # association the message speaks for comes with the event, in the same statement.
    named = (data["association_ids"] or [None])[0]
    read_for = named or envelope.get("association_id")
    on_postgresql = db.on_postgresql(session)
    reading = registration_statements if on_postgresql else readmodel
    event, association = reading.event_with_association(session, data["event_id"], read_for)
    kind = _registration_kind(envelope)
    # the copy is written with the message where there is one to write
    together = on_postgresql and kind is not None and event is not None
    if not together:
        kept = readmodel.apply_registration(session, data, event)
        if kind is None or not kept:
            return
        if event is None:
            raise deliveries.ReadModelBehind(f"event {data['event_id']} is not in the read model yet")
    try:
        recipient = _registrant(session, data)
    except deliveries.ReadModelBehind:
        if together and not readmodel.apply_registration(session, data, event):
            return  # anonymised already: nobody is written to, as above
        raise
    message, options = _registration_message(session, envelope, config, kind, event, association, recipient)
    if not together:
        notify(session, *message, **options)
        return
    delivery_rows, inbox_rows = deliveries.rows_of(session, *message, **options)
    registration_statements.write(session, readmodel.registration_values(data, event), delivery_rows,
                                  inbox_rows)


def on_registration_alone(session, envelope, config, processed):
    """``on_registration`` as the service runs it on PostgreSQL, on a ``session`` whose statements commit
    alone: the reads, then the event's processed-event row (``processed``), the copy and the message in
    one statement (``registration_statements.write_once``), two round trips where a transaction took
    five. Returns False, having written nothing, where it takes more than that: another type of event,
    a registration that tells nobody, an event or a person the read model does not know yet (the caller
    applies it in a transaction, as ``on_registration`` does: recorded, or retried later)."""
    kind = REACTIONS.get(envelope["type"]) is on_registration and _registration_kind(envelope)
    if not kind or envelope["type"] in webhooks.SUBSCRIBABLE:
        return False
    data = envelope["data"]
    read_for = (data["association_ids"] or [None])[0] or envelope.get("association_id")
    event, association = registration_statements.event_with_association(session, data["event_id"], read_for)
    if event is None:
        return False
    try:
        recipient = _registrant(session, data)
    except deliveries.ReadModelBehind:
        return False
    message, options = _registration_message(session, envelope, config, kind, event, association, recipient)
    delivery_rows, inbox_rows = deliveries.rows_of(session, *message, **options)
    registration_statements.write_once(session, processed, readmodel.registration_values(data, event),
                                       delivery_rows, inbox_rows)
    return True


def _registration_message(session, envelope, config, kind, event, association, recipient):
    """A registration's message to ``recipient``: ``notify``'s (and ``rows_of``'s) arguments and options."""
    data = envelope["data"]
    named = (data["association_ids"] or [None])[0]
    read_for = named or envelope.get("association_id")
    view = _event_context(event, data)
    view["join_url"] = data.get("join_url")  # only a confirmed seat gets the link
    attachments = _calendar_attachment(data) if kind != "registration_waitlisted" else None
    association_id = named or _primary_association(event) or envelope.get("association_id")
    if association_id != read_for:  # the registration named none: the event's own
        association = session.get(Association, association_id) if association_id else None
    cancels = config is not None and kind in REGISTRATION_KINDS.values()
    context = {
        "event": view,
        "action_url": view["join_url"],
        "cancel_url": cancel_links.link(config, data["registration_id"]) if cancels else None,
    }
    message = (envelope["id"], kind, [recipient], context, association_id)
    options = {"attachments": attachments, "link": view["join_url"], "event_id": data["event_id"],
               "association": association}
    return message, options


def _registrant(session, data):
    """Who a registration's mail goes to."""
    if not data.get("person_id"):
        return guest(data.get("email"), data["name"], data["language"])
    # a member: the address given when registering, the person's own language (the registration's
    # language defaults to English when the form leaves it out; it counts for a person not known yet)
    fallback = {"email": data.get("email"), "name": data["name"], "language": data["language"]}
    recipient = person(session, data["person_id"], fallback)
    if recipient is not None and data.get("email"):
        recipient = deliveries.Recipient(
            recipient.person_id, data["email"], data["name"] or recipient.name, recipient.language
        )
    return recipient


# --- ideas --------------------------------------------------------------------------------------


def on_idea(session, envelope):
    readmodel.apply_idea(session, envelope["data"])


def _submitters(session, person_id, organisation_id):
    """Who hears about an idea: its submitting person, else the contacts of its submitting organisation (an
    idea a facilitator recorded for an organisation)."""
    if person_id:
        return [person(session, person_id)]
    if organisation_id:
        return [
            person(session, c.person_id) for c in readmodel.organisation_contacts(session, organisation_id)
        ]
    return []


def on_idea_status_changed(session, envelope):
    data = envelope["data"]
    readmodel.apply_idea(session, data)
    recipients = _submitters(session, data.get("submitter_person_id"), data.get("submitter_organisation_id"))
    notify(
        session,
        envelope["id"],
        "idea_status_changed",
        recipients,
        {
            "idea_title": data["title"],
            "status": data["status"],
            "previous_status": data.get("previous_status"),
            "reason": data.get("reason"),
        },
        data["association_id"],
    )


def on_initiative_launched(session, envelope):
    data = envelope["data"]
    idea_ids = list(dict.fromkeys(data["idea_ids"]))
    ideas = session.scalars(select(Idea).where(Idea.id.in_(idea_ids))).all()
    if len(ideas) < len(idea_ids):
        raise deliveries.ReadModelBehind("an idea of the initiative is not in the read model yet")
    by_submitter = {}
    for idea in ideas:
        if idea.submitter_person_id:
            by_submitter.setdefault(idea.submitter_person_id, []).append(idea)
    for submitter, own_ideas in by_submitter.items():
        notify(
            session,
            envelope["id"],
            "initiative_launched",
            [person(session, submitter)],
            {"initiative_title": data["title"], "idea_titles": [i.title for i in own_ideas]},
            data["association_id"],
        )


def ignore(session, envelope):
    """Events kept for webhooks only."""


REACTIONS = {
    "association.created": on_association,
    "association.updated": on_association,
    "organisation.created": on_organisation,
    "organisation.updated": on_organisation,
    "person.created": on_person,
    "person.updated": on_person,
    "membership.created": on_membership,
    "membership.status_changed": on_membership,
    "consent.changed": on_consent,
    "network.created": on_network,
    "network.updated": on_network,
    "network.member_joined": on_network_member,
    "network.member_left": on_network_member,
    "network.member_invited": ignore,
    "network.join_requested": on_join_requested,
    "network.join_decided": on_join_decided,
    "network.dormancy_proposed": on_dormancy_proposed,
    "match.introduced": on_match_introduced,
    "post.created": conversations.on_post_created,
    "opportunity.offered": conversations.on_opportunity_offered,
    "programme.created": on_programme,
    "event.published": on_calendar_event,
    "event.completed": on_calendar_event,
    "event.updated": on_event_updated,
    "event.cancelled": on_event_cancelled,
    "event.reminder_due": on_reminder_due,
    "event.recording_published": on_recording_published,
    "registration.confirmed": on_registration,
    "registration.waitlisted": on_registration,
    "registration.promoted": on_registration,
    "registration.cancelled": on_registration,
    "panel.created": ignore,
    "panel.phase_changed": ignore,
    "decision.recorded": ignore,
    "idea.submitted": on_idea,
    "idea.supported": ignore,
    "idea.commented": ignore,
    "idea.merged": ignore,
    "idea.status_changed": on_idea_status_changed,
    "initiative.launched": on_initiative_launched,
    "initiative.progress_updated": ignore,
    **meeting_markets.REACTIONS,
}


def react(session, envelope, config=None):
    """Apply one event (inside the handler's transaction); ``config`` signs the links mail carries."""
    reaction = REACTIONS[envelope["type"]]
    if reaction is on_registration:
        on_registration(session, envelope, config)
    else:
        reaction(session, envelope)
    webhooks.enqueue(session, envelope)
