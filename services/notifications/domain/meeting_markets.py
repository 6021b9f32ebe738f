"""Mails about meeting markets: a participant asked to complete their organisation's profile, asked to
meet, told that their request was accepted (at a market the organiser schedules), declined or expired or
that the other side withdrew it, sent their agenda when the
organiser publishes the schedule (one mail, one calendar with every meeting), and both sides told of a
meeting scheduled (with the invitation), moved (with the calendar update) or cancelled (with the
calendar cancellation) and reminded before it begins."""

from services.notifications.domain.deliveries import notify, person
from services.notifications.models import Contact


def _event(data):
    return {"title": data["title"], "time_zone": data["time_zone"]}


def _name(session, person_id):
    contact = session.get(Contact, person_id)
    return contact.name if contact is not None and not contact.erased else ""


def _tell(session, envelope, kind, person_id, context, attachments=None, link=None):
    data = envelope["data"]
    notify(
        session,
        envelope["id"],
        kind,
        [person(session, person_id)],
        dict(context, event=_event(data)),
        envelope.get("association_id"),
        attachments=attachments,
        link=link,
        event_id=data["event_id"],
    )


def _attached(ics, filename="meeting.ics"):
    return [{"filename": filename, "content_type": "text/calendar", "content": ics}] if ics else None


def _calendar_update(data, person_id):
    """The publisher's calendar message for ``person_id`` (the UID of their agenda: an invitation, an update
    with a higher SEQUENCE or a cancellation)."""
    return _attached(next((c["ics"] for c in data.get("calendars") or () if c["person_id"] == person_id),
                          None))


def on_profile_reminder(session, envelope):
    _tell(
        session,
        envelope,
        "meeting_profile_reminder",
        envelope["data"]["person_id"],
        {"missing": envelope["data"]["missing"]},
    )


def on_request_sent(session, envelope):
    data = envelope["data"]
    _tell(
        session,
        envelope,
        "meeting_requested",
        data["recipient_id"],
        {"other": _name(session, data["requester_id"]), "message": data.get("message")},
        link=f"/v1/meeting-requests/{data['request_id']}",
    )


def _requester_told(kind):
    """The requester hears the answer: the recipient is the other side."""

    def react(session, envelope):
        data = envelope["data"]
        _tell(session, envelope, kind, data["requester_id"], {"other": _name(session, data["recipient_id"])})

    return react


on_request_expired = _requester_told("meeting_request_expired")


def on_request_withdrawn(session, envelope):
    """The side who did not withdraw the request hears of it (the person asked of a pending request,
    either side of one accepted and waiting for the organiser's schedule)."""
    data = envelope["data"]
    withdrawn_by = data.get("withdrawn_by") or data["requester_id"]
    other = data["recipient_id"] if withdrawn_by == data["requester_id"] else data["requester_id"]
    _tell(session, envelope, "meeting_request_withdrawn", other,
          {"other": _name(session, withdrawn_by), "was_accepted": data.get("was_accepted", False)})


def on_agenda_published(session, envelope):
    """A participant's agenda of the published schedule: one mail, one calendar of all their meetings."""
    data = envelope["data"]
    items = [dict(item, other=_name(session, item.get("other_id"))) for item in data["meetings"]]
    _tell(session, envelope, "meeting_agenda", data["person_id"], {"meetings": items},
          _attached(data["ics"], "agenda.ics"))


MEETING_KINDS = {"meeting.scheduled": "meeting_scheduled", "meeting.cancelled": "meeting_cancelled",
                 "meeting.rescheduled": "meeting_rescheduled", "meeting.reminder_due": "meeting_reminder"}


def on_meeting(session, envelope):
    """meeting.scheduled, .rescheduled, .cancelled and .reminder_due: each side hears with whom, when and
    where (a move: instead of when, with their calendar update)."""
    data = envelope["data"]
    if data.get("draft") or data.get("in_agenda"):
        # a draft was never announced to its participants; a published schedule comes as one agenda each
        return
    kind = MEETING_KINDS[envelope["type"]]
    for person_id in data["person_ids"]:
        other = next((p for p in data["person_ids"] if p != person_id), None)
        _tell(
            session,
            envelope,
            kind,
            person_id,
            {
                "other": _name(session, other),
                "starts_at": data["starts_at"],
                "table": data.get("table"),
                "online_url": data.get("online_url"),
                "minutes": data.get("minutes"),
                "previous_starts_at": data.get("previous_starts_at"),
            },
            _calendar_update(data, person_id),
        )


REACTIONS = {
    "meeting_market.profile_reminder": on_profile_reminder,
    "meeting_request.sent": on_request_sent,
    "meeting_request.expired": on_request_expired,
    "meeting_request.accepted": _requester_told("meeting_request_accepted"),
    "meeting_request.declined": _requester_told("meeting_request_declined"),
    "meeting_request.withdrawn": on_request_withdrawn,
    "meeting_market.agenda_published": on_agenda_published,
    "meeting.scheduled": on_meeting,
    "meeting.cancelled": on_meeting,
    "meeting.rescheduled": on_meeting,
    "meeting.reminder_due": on_meeting,
}
