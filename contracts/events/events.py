"""Events published by the events service (event-carried state: enough for
notifications to tell registrants and networks without calling back)."""

from marshmallow import Schema, fields, validate

from nabo_common.messaging.envelopes import event_type, example

FORMAT = validate.OneOf(["online", "in_person", "hybrid"])
LANG = validate.OneOf(["da", "nl", "de", "sv", "en"])


def _example_ics(sequence):
    """The iCalendar text of the examples' event, as the event and registration events attach it."""
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//nabo//events//EN\r\nBEGIN:VEVENT\r\n"
        "UID:655eea5e-aaf2-51c7-a75e-3ffd5c2bb201@nabo\r\nDTSTAMP:20250301T090000Z\r\n"
        f"SEQUENCE:{sequence}\r\nDTSTART:20250320T150000Z\r\nDTEND:20250320T170000Z\r\n"
        "SUMMARY:Netværksmøde: Grøn omstilling i praksis\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )


class _Strict(Schema):
    class Meta:
        ordered = True


@event_type("programme.created", "events", "A funded programme (series of events) was set up.")
@event_type(
    "programme.updated", "events", "A programme's title, goal, period, plan or budget changed (see changed)."
)
@example(
    {
        "programme_id": "208fdab0-a888-54b3-9a49-8ced2273168a",
        "association_ids": ["35988860-3159-5c9f-b227-10243ae955b5"],
        "title": "Grøn omstilling 2025",
        "period_start": "2025-01-01",
        "period_end": "2025-12-31",
        "planned_events": 7,
        "budget_amount_minor": 7500000,
        "currency": "DKK",
        "changed": ["budget_amount_minor"],
    }
)
class ProgrammeData(_Strict):
    programme_id = fields.String(required=True)
    association_ids = fields.List(fields.String(), required=True)
    title = fields.String(required=True)
    period_start = fields.Date(required=True)
    period_end = fields.Date(required=True)
    planned_events = fields.Integer(required=True)
    budget_amount_minor = fields.Integer(required=True)
    currency = fields.String(required=True)
    changed = fields.List(fields.String(), load_default=list)


@event_type("programme.cost_added", "events", "A cost line was booked on a programme's budget.")
@example(
    {
        "programme_id": "208fdab0-a888-54b3-9a49-8ced2273168a",
        "association_ids": ["35988860-3159-5c9f-b227-10243ae955b5"],
        "cost_id": "1cb4665d-b1ef-5983-a057-4450b1a73980",
        "date": "2025-03-21",
        "amount_minor": 1250000,
        "currency": "DKK",
    }
)
class ProgrammeCostData(_Strict):
    programme_id = fields.String(required=True)
    association_ids = fields.List(fields.String(), required=True)
    cost_id = fields.String(required=True)
    date = fields.Date(required=True)
    amount_minor = fields.Integer(required=True)
    currency = fields.String(required=True)


@event_type(
    "attendance.imported",
    "events",
    "An organiser imported an online meeting's participant list as attendance; the counts, no names.",
)
@example(
    {
        "event_id": "655eea5e-aaf2-51c7-a75e-3ffd5c2bb201",
        "association_ids": ["35988860-3159-5c9f-b227-10243ae955b5"],
        "rows": 38,
        "matched_registrations": 31,
        "added_walk_ins": 5,
        "duplicates": 2,
    }
)
class AttendanceImportedData(_Strict):
    event_id = fields.String(required=True)
    association_ids = fields.List(fields.String(), required=True)
    rows = fields.Integer(required=True)
    matched_registrations = fields.Integer(required=True)
    added_walk_ins = fields.Integer(required=True)
    duplicates = fields.Integer(required=True)


@event_type(
    "registrations.imported",
    "events",
    "An organiser registered many people at once, from a JSON list or a CSV table; the counts, no names.",
)
@example(
    {
        "event_id": "655eea5e-aaf2-51c7-a75e-3ffd5c2bb201",
        "association_ids": ["35988860-3159-5c9f-b227-10243ae955b5"],
        "source": "registrations",
        "registered": 24,
        "confirmed": 20,
        "waitlisted": 4,
    }
)
class RegistrationsImportedData(_Strict):
    event_id = fields.String(required=True)
    association_ids = fields.List(fields.String(), required=True)
    source = fields.String(
        required=True,
        validate=validate.OneOf(["registrations", "csv"]),
        metadata={"description": "`registrations`: a JSON list; `csv`: a CSV table."},
    )
    registered = fields.Integer(required=True)
    confirmed = fields.Integer(required=True)
    waitlisted = fields.Integer(required=True)


@event_type(
    "attendance.recorded",
    "events",
    "An organiser checked in a registration, a walk-in or an anonymous head count; no names.",
)
@example(
    {
        "event_id": "655eea5e-aaf2-51c7-a75e-3ffd5c2bb201",
        "association_ids": ["35988860-3159-5c9f-b227-10243ae955b5"],
        "attendance_id": "904992f9-7ef1-5f67-8c57-38257b2e29dc",
        "kind": "check_in",
        "registration_id": "a2fecd73-0935-5bdb-8049-b3ab3dcb197e",
        "headcount": None,
    }
)
class AttendanceRecordedData(_Strict):
    event_id = fields.String(required=True)
    association_ids = fields.List(fields.String(), required=True)
    attendance_id = fields.String(required=True)
    kind = fields.String(required=True)
    registration_id = fields.String(allow_none=True, load_default=None)
    headcount = fields.Integer(allow_none=True, load_default=None)


class _CoHostInvited(_Strict):
    association_id = fields.String(required=True, metadata={"description": "The association asked."})
    host_association_ids = fields.List(fields.String(), required=True)
    title = fields.String(required=True)
    invited_by = fields.String(allow_none=True, load_default=None)


@event_type(
    "programme.co_host_invited",
    "events",
    "An association was asked to co-organise a programme; one of its admins accepts or declines.",
)
@example(
    {
        "association_id": "b82a57e1-5def-57c1-a8b7-27f9a16f01a4",
        "host_association_ids": ["a4dd9206-f170-5ab1-9120-773aee787aef"],
        "title": "Grøn omstilling 2025",
        "invited_by": "8430ae5b-33af-52e7-a218-af6523b0f859",
        "programme_id": "208fdab0-a888-54b3-9a49-8ced2273168a",
        "period_start": "2025-01-01",
        "period_end": "2025-12-31",
    }
)
class ProgrammeCoHostInvitedData(_CoHostInvited):
    programme_id = fields.String(required=True)
    period_start = fields.Date(required=True)
    period_end = fields.Date(required=True)


@event_type(
    "event.co_host_invited",
    "events",
    "An association was asked to co-host an event; one of its admins accepts or declines.",
)
@example(
    {
        "association_id": "b82a57e1-5def-57c1-a8b7-27f9a16f01a4",
        "host_association_ids": ["a4dd9206-f170-5ab1-9120-773aee787aef"],
        "title": "Netværksmøde: Grøn omstilling i praksis",
        "invited_by": "8430ae5b-33af-52e7-a218-af6523b0f859",
        "event_id": "655eea5e-aaf2-51c7-a75e-3ffd5c2bb201",
        "starts_at": "2025-03-20T16:00:00+01:00",
        "time_zone": "Europe/Copenhagen",
    }
)
class EventCoHostInvitedData(_CoHostInvited):
    event_id = fields.String(required=True)
    starts_at = fields.AwareDateTime(required=True)
    time_zone = fields.String(required=True)


class _CoHostDecided(_Strict):
    association_id = fields.String(required=True, metadata={"description": "The association that answered."})
    association_ids = fields.List(fields.String(), required=True, metadata={"description": "Its hosts now."})
    decision = fields.String(required=True, validate=validate.OneOf(["approved", "declined"]))


@event_type(
    "programme.co_host_decided",
    "events",
    "An invited association's admin accepted or declined co-organising.",
)
@example(
    {
        "association_id": "b82a57e1-5def-57c1-a8b7-27f9a16f01a4",
        "association_ids": ["35988860-3159-5c9f-b227-10243ae955b5"],
        "decision": "approved",
        "programme_id": "208fdab0-a888-54b3-9a49-8ced2273168a",
    }
)
class ProgrammeCoHostDecidedData(_CoHostDecided):
    programme_id = fields.String(required=True)


@event_type(
    "event.co_host_decided", "events", "An invited association's admin accepted or declined co-hosting."
)
@example(
    {
        "association_id": "b82a57e1-5def-57c1-a8b7-27f9a16f01a4",
        "association_ids": ["35988860-3159-5c9f-b227-10243ae955b5"],
        "decision": "approved",
        "event_id": "655eea5e-aaf2-51c7-a75e-3ffd5c2bb201",
    }
)
class EventCoHostDecidedData(_CoHostDecided):
    event_id = fields.String(required=True)


class _Change(Schema):
    field = fields.String(required=True)
    old = fields.Raw(allow_none=True)
    new = fields.Raw(allow_none=True)


@event_type("event.created", "events", "An organiser drafted an event (not listed until published).")
@event_type("event.published", "events", "An event was published: it is listed and open for registration.")
@event_type(
    "event.updated",
    "events",
    "A published event changed; `changes` lists each changed field with its old and new value, "
    "`ics` is the changed event's iCalendar text (same UID, its SEQUENCE) to attach.",
)
@event_type(
    "event.cancelled",
    "events",
    "An event was cancelled; registrants should be told. `ics` is an iCalendar CANCEL to attach.",
)
@event_type("event.completed", "events", "An event took place and was closed by its organisers.")
@example(
    {
        "event_id": "655eea5e-aaf2-51c7-a75e-3ffd5c2bb201",
        "association_ids": ["35988860-3159-5c9f-b227-10243ae955b5"],
        "network_id": "a77204dd-cccd-5622-8d6b-6850e22c6e15",
        "programme_id": "208fdab0-a888-54b3-9a49-8ced2273168a",
        "title": "Netværksmøde: Grøn omstilling i praksis",
        "starts_at": "2025-03-20T16:00:00+01:00",
        "ends_at": "2025-03-20T18:00:00+01:00",
        "time_zone": "Europe/Copenhagen",
        "format": "hybrid",
        "languages": ["da", "de"],
        "themes": ["green-transition"],
        "venue": "Alsion, Alsion 2, 6400 Sønderborg",
        "venue_address": "Alsion, Alsion 2, 6400 Sønderborg",
        "venue_host_name": None,
        "join_url": "https://meet.example.dk/groen",
        "visibility": "public",
        "status": "published",
        "sequence": 1,
        "changes": [
            {
                "field": "venue",
                "old": "Fjordby Rådhus, Torvet 1, 6000 Fjordby",
                "new": "Alsion, Alsion 2, 6400 Sønderborg",
            }
        ],
        "reason": None,
        "ics": _example_ics(sequence=1),
    }
)
class EventData(_Strict):
    event_id = fields.String(required=True)
    association_ids = fields.List(fields.String(), required=True)
    network_id = fields.String(allow_none=True, load_default=None)
    programme_id = fields.String(allow_none=True, load_default=None)
    title = fields.String(required=True)
    starts_at = fields.AwareDateTime(required=True)
    ends_at = fields.AwareDateTime(required=True)
    time_zone = fields.String(required=True)
    format = fields.String(required=True, validate=FORMAT)
    languages = fields.List(fields.String(validate=LANG), required=True)
    themes = fields.List(fields.String(), load_default=list)
    # where: the address, else the host company's name (never an id); its parts follow, for texts that
    # say "premises of <company>" in their reader's language
    venue = fields.String(allow_none=True, load_default=None)
    venue_address = fields.String(allow_none=True, load_default=None)
    venue_host_name = fields.String(allow_none=True, load_default=None)
    join_url = fields.String(allow_none=True, load_default=None)
    visibility = fields.String(required=True)
    status = fields.String(required=True)
    sequence = fields.Integer(required=True)
    changes = fields.List(fields.Nested(_Change), load_default=list)
    reason = fields.String(allow_none=True, load_default=None)
    ics = fields.String(allow_none=True, load_default=None)


@event_type(
    "registration.confirmed",
    "events",
    "A seat was confirmed; `ics` is the event's iCalendar text to attach to the confirmation.",
)
@event_type("registration.waitlisted", "events", "The event was full; the person is on the waitlist.")
@event_type(
    "registration.promoted", "events", "A seat freed and the first waitlisted person got it; `ics` to attach."
)
@event_type(
    "registration.updated",
    "events",
    "An organiser or the person changed a registration's name, language or answers.",
)
@event_type(
    "registration.cancelled",
    "events",
    "A registration was cancelled by the person or the organiser, or as the person was erased.",
)
@example(
    {
        "registration_id": "a2fecd73-0935-5bdb-8049-b3ab3dcb197e",
        "event_id": "655eea5e-aaf2-51c7-a75e-3ffd5c2bb201",
        "association_ids": ["35988860-3159-5c9f-b227-10243ae955b5"],
        "person_id": "da31ce8d-7381-5ff0-b6e0-3fb2cc13915d",
        "name": "Anne Holm",
        "email": "anne.holm@example.dk",
        "language": "da",
        "status": "confirmed",
        "source_channel": "newsletter",
        "campaign_code": "spring-24",
        "title": "Netværksmøde: Grøn omstilling i praksis",
        "starts_at": "2025-03-20T16:00:00+01:00",
        "time_zone": "Europe/Copenhagen",
        "join_url": "https://meet.example.dk/groen",
        "ics": _example_ics(sequence=0),
        "cancelled_by": None,
    }
)
class RegistrationData(_Strict):
    registration_id = fields.String(required=True)
    event_id = fields.String(required=True)
    association_ids = fields.List(fields.String(), required=True)
    person_id = fields.String(allow_none=True, load_default=None)
    name = fields.String(required=True)
    email = fields.String(allow_none=True, load_default=None)
    language = fields.String(required=True, validate=LANG)
    status = fields.String(required=True)
    source_channel = fields.String(required=True)
    campaign_code = fields.String(allow_none=True, load_default=None)
    title = fields.String(required=True)
    starts_at = fields.AwareDateTime(required=True)
    time_zone = fields.String(required=True)
    join_url = fields.String(allow_none=True, load_default=None)
    ics = fields.String(allow_none=True, load_default=None)
    cancelled_by = fields.String(
        allow_none=True,
        load_default=None,
        validate=validate.OneOf(("registrant", "organiser")),
        metadata={"description": "registration.cancelled: who cancelled it."},
    )


@event_type(
    "event.reminder_due",
    "events",
    "A reminder offset before an event's start was reached (exactly once across replicas).",
)
@example(
    {
        "event_id": "655eea5e-aaf2-51c7-a75e-3ffd5c2bb201",
        "association_ids": ["35988860-3159-5c9f-b227-10243ae955b5"],
        "offset_minutes": 1440,
        "starts_at": "2025-03-20T16:00:00+01:00",
        "title": "Netværksmøde: Grøn omstilling i praksis",
        "time_zone": "Europe/Copenhagen",
        "join_url": "https://meet.example.dk/groen",
    }
)
class ReminderData(_Strict):
    event_id = fields.String(required=True)
    association_ids = fields.List(fields.String(), required=True)
    offset_minutes = fields.Integer(required=True)
    starts_at = fields.AwareDateTime(required=True)
    title = fields.String(required=True)
    time_zone = fields.String(required=True)
    join_url = fields.String(allow_none=True, load_default=None)


@event_type(
    "event.recording_published",
    "events",
    "A recording of the event was published; registrants and the network can be told.",
)
@example(
    {
        "event_id": "655eea5e-aaf2-51c7-a75e-3ffd5c2bb201",
        "association_ids": ["35988860-3159-5c9f-b227-10243ae955b5"],
        "recording_url": "https://video.example.dk/groen-1",
        "network_id": "a77204dd-cccd-5622-8d6b-6850e22c6e15",
        "title": "Netværksmøde: Grøn omstilling i praksis",
    }
)
class RecordingData(_Strict):
    event_id = fields.String(required=True)
    association_ids = fields.List(fields.String(), required=True)
    recording_url = fields.String(required=True)
    network_id = fields.String(allow_none=True, load_default=None)
    title = fields.String(required=True)


# --- meeting markets -----------------------------------------------------------------------------------


# the market an organiser's write is about, in the examples of those writes
MARKET_EXAMPLE = {
    "event_id": "0b6f3c1e-5a7d-5e21-9c44-2f1d7a9e8b10",
    "association_ids": ["35988860-3159-5c9f-b227-10243ae955b5"],
    "title": "Grenzenlos Geschäfte machen: Emsland trifft Drenthe",
    "time_zone": "Europe/Berlin",
}


class _MarketData(_Strict):
    event_id = fields.String(required=True)
    association_ids = fields.List(fields.String(), required=True)
    title = fields.String(required=True)
    time_zone = fields.String(required=True)


REQUEST_EXAMPLE = {
    **MARKET_EXAMPLE,
    "association_ids": ["35988860-3159-5c9f-b227-10243ae955b5", "8f0c2a71-4b3e-5d19-a6e2-91c7d4f0b352"],
    "request_id": "c3a9e0d4-7f12-5b6e-8a31-4d2c9e7f1a05",
    "requester_id": "e41b7c93-2d8a-5f60-b1c7-3a9e5d2f8c14",
    "recipient_id": "5d8e1f2a-9c37-5b4d-a6e0-7f3b2c1d9e48",
    "message": "Wij zoeken een partner voor zonnepanelen aan beide kanten van de grens.",
}


@event_type("meeting_request.sent", "events", "A participant asked another to meet at a meeting market.")
@event_type(
    "meeting_request.accepted", "events",
    "A meeting request was accepted at a market the organiser schedules; its meeting follows later.",
)
@event_type("meeting_request.declined", "events", "A meeting request was declined.")
@event_type(
    "meeting_request.expired", "events",
    "A meeting request was not answered in time (exactly once across replicas); the requester is told.",
)
@example(REQUEST_EXAMPLE)
class MeetingRequestData(_MarketData):
    request_id = fields.String(required=True)
    requester_id = fields.String(required=True)
    recipient_id = fields.String(required=True)
    message = fields.String(allow_none=True, load_default=None)


@event_type(
    "meeting_request.withdrawn", "events",
    "A meeting request was withdrawn: a pending one by its requester, or one accepted and waiting for the "
    "organiser's schedule by either side; the other side is told.",
)
@example(dict(REQUEST_EXAMPLE, message=None, withdrawn_by=REQUEST_EXAMPLE["recipient_id"], was_accepted=True))
class MeetingRequestWithdrawnData(MeetingRequestData):
    withdrawn_by = fields.String(required=True, metadata={"description": "The side who withdrew it."})
    was_accepted = fields.Boolean(required=True, metadata={
        "description": "It had been accepted and was waiting for the organiser's schedule."})


MEETING_EXAMPLE = {
    **MARKET_EXAMPLE,
    "association_ids": ["35988860-3159-5c9f-b227-10243ae955b5", "8f0c2a71-4b3e-5d19-a6e2-91c7d4f0b352"],
    "meeting_id": "9a2f4c6e-1b3d-5e7f-8091-a2b3c4d5e6f7",
    "request_id": "c3a9e0d4-7f12-5b6e-8a31-4d2c9e7f1a05",
    "person_ids": ["e41b7c93-2d8a-5f60-b1c7-3a9e5d2f8c14", "5d8e1f2a-9c37-5b4d-a6e0-7f3b2c1d9e48"],
    "starts_at": "2027-03-11T10:20:00+01:00",
    "ends_at": "2027-03-11T10:40:00+01:00",
    "table": "Tisch 4",
    "online_url": None,
    "draft": False,
}


class MeetingData(_MarketData):
    meeting_id = fields.String(required=True)
    request_id = fields.String(required=True)
    person_ids = fields.List(fields.String(), required=True)
    starts_at = fields.AwareDateTime(required=True)
    ends_at = fields.AwareDateTime(required=True)
    table = fields.String(allow_none=True, load_default=None)
    online_url = fields.String(allow_none=True, load_default=None)
    draft = fields.Boolean(load_default=False, metadata={
        "description": "A draft of the organiser's schedule: its participants were never told of it."})


@event_type(
    "meeting.scheduled", "events",
    "An accepted meeting request got its slot and table or link. `calendars` holds each participant's "
    "invitation (METHOD:REQUEST, the agenda's UID, ORGANIZER and ATTENDEEs) in their language; a meeting "
    "of a published schedule comes `in_agenda` instead (meeting_market.agenda_published) and a draft "
    "with neither.",
)
@example(dict(MEETING_EXAMPLE, calendars=[], in_agenda=False))
class MeetingScheduledData(MeetingData):
    calendars = fields.List(fields.Nested(lambda: _MeetingCalendar()), load_default=list)
    in_agenda = fields.Boolean(load_default=False, metadata={
        "description": "Published with the organiser's schedule: its participants hear of it in one agenda "
                       "mail each (meeting_market.agenda_published), not per meeting."})


@event_type(
    "meeting.cancelled", "events",
    "A scheduled meeting was cancelled; its slot is free again. `calendars` holds each participant's "
    "calendar cancellation (METHOD:CANCEL, STATUS:CANCELLED, the agenda's UID, SEQUENCE `sequence`), "
    "none for a draft.",
)
@example(dict(MEETING_EXAMPLE, sequence=1, calendars=[]))
class MeetingCancelledData(MeetingData):
    sequence = fields.Integer(required=True)
    calendars = fields.List(fields.Nested(lambda: _MeetingCalendar()), load_default=list)


@event_type(
    "meeting.reminder_due", "events",
    "A meeting begins in minutes (exactly once across replicas); both sides are reminded.",
)
@example(dict(MEETING_EXAMPLE, minutes=15))
class MeetingReminderData(MeetingData):
    minutes = fields.Integer(required=True)


def _example_meeting_ics(person_language_summary):
    """One participant's calendar update of the examples' meeting, moved once."""
    return (
        "BEGIN:VCALENDAR\r\nPRODID:-//nabo//events//EN\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\n"
        "BEGIN:VEVENT\r\nUID:9a2f4c6e-1b3d-5e7f-8091-a2b3c4d5e6f7@nabo.meetings\r\n"
        "DTSTAMP:20270301T090000Z\r\nSEQUENCE:1\r\nDTSTART:20270311T100000Z\r\n"
        f"DTEND:20270311T102000Z\r\nSUMMARY:{person_language_summary}\r\nLOCATION:Tisch 2\r\n"
        "ORGANIZER;CN=Grenzenlos Geschäfte machen:urn:uuid:0b6f3c1e-5a7d-5e21-9c44-2f1d7a9e8b10\r\n"
        "ATTENDEE;CN=Anke Mulder;PARTSTAT=ACCEPTED;ROLE=REQ-PARTICIPANT;RSVP=FALSE:\r\n"
        " urn:uuid:e41b7c93-2d8a-5f60-b1c7-3a9e5d2f8c14\r\n"
        "ATTENDEE;CN=Jens Hoffmann;PARTSTAT=ACCEPTED;ROLE=REQ-PARTICIPANT;RSVP=FALSE:\r\n"
        " mailto:jens.hoffmann@grenzhandel.example\r\nSTATUS:CONFIRMED\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )


class _MeetingCalendar(_Strict):
    person_id = fields.String(required=True)
    ics = fields.String(required=True)


@event_type(
    "meeting.rescheduled", "events",
    "A meeting moved to another slot (its participants or an organiser moved it); `calendars` holds each "
    "participant's iCalendar update (METHOD:REQUEST, the agenda's UID, SEQUENCE `sequence`) in their "
    "language, none for a draft.",
)
@example(dict(
    MEETING_EXAMPLE, starts_at="2027-03-11T11:00:00+01:00", ends_at="2027-03-11T11:20:00+01:00",
    table="Tisch 2", sequence=1, previous_starts_at="2027-03-11T10:20:00+01:00",
    previous_ends_at="2027-03-11T10:40:00+01:00", previous_table="Tisch 4",
    calendars=[
        {"person_id": "e41b7c93-2d8a-5f60-b1c7-3a9e5d2f8c14",
         "ics": _example_meeting_ics("Gesprek met Grenzhandel GmbH (Grenzenlos Geschäfte machen)")},
        {"person_id": "5d8e1f2a-9c37-5b4d-a6e0-7f3b2c1d9e48",
         "ics": _example_meeting_ics("Treffen mit Drenthe Web BV (Grenzenlos Geschäfte machen)")},
    ],
))
class MeetingRescheduledData(MeetingData):
    sequence = fields.Integer(required=True)
    previous_starts_at = fields.AwareDateTime(required=True)
    previous_ends_at = fields.AwareDateTime(required=True)
    previous_table = fields.String(allow_none=True, load_default=None)
    calendars = fields.List(fields.Nested(_MeetingCalendar), load_default=list)


@event_type(
    "meeting.checked_in", "events",
    "A participant or an organiser checked a meeting in: who of its two participants came.",
)
@example(dict(MEETING_EXAMPLE, present=MEETING_EXAMPLE["person_ids"]))
class MeetingCheckedInData(MeetingData):
    present = fields.List(fields.String(), required=True)


@event_type(
    "meeting_market.profile_reminder", "events",
    "An organiser asked a participant to complete their organisation's profile for a meeting market.",
)
@example(
    {
        "event_id": "0b6f3c1e-5a7d-5e21-9c44-2f1d7a9e8b10",
        "association_ids": ["35988860-3159-5c9f-b227-10243ae955b5", "8f0c2a71-4b3e-5d19-a6e2-91c7d4f0b352"],
        "title": "Grenzenlos Geschäfte machen: Emsland trifft Drenthe",
        "time_zone": "Europe/Berlin",
        "person_id": "5d8e1f2a-9c37-5b4d-a6e0-7f3b2c1d9e48",
        "organisation_id": "1c7e9a3b-5d2f-5a8c-b4e6-0f9d8c7b6a51",
        "missing": ["offers", "themes"],
    }
)
class ProfileReminderData(_MarketData):
    person_id = fields.String(required=True)
    organisation_id = fields.String(required=True)
    missing = fields.List(fields.String(), required=True)


@event_type(
    "meeting_market.configured", "events",
    "An organiser turned a meeting market on for an event or changed its settings.",
)
@example(dict(MARKET_EXAMPLE, mode="in_person", scheduling="by_organiser", meeting_minutes=20, tables=12,
              max_meetings_per_participant=8))
class MarketConfiguredData(_MarketData):
    mode = fields.String(required=True)
    scheduling = fields.String(required=True)
    meeting_minutes = fields.Integer(required=True)
    tables = fields.Integer(required=True, metadata={"description": "How many tables or rooms."})
    max_meetings_per_participant = fields.Integer(required=True)


@event_type(
    "meeting_market.profiles_reminded", "events",
    "An organiser reminded every participant whose profile is incomplete (one "
    "meeting_market.profile_reminder each).",
)
@example(dict(MARKET_EXAMPLE, reminded=7))
class MarketProfilesRemindedData(_MarketData):
    reminded = fields.Integer(required=True)


@event_type(
    "meeting_market.scheduled", "events",
    "An organiser scheduled every accepted request of a meeting market at once; drafts until published.",
)
@example(dict(MARKET_EXAMPLE, scheduled=118, unplaced=3))
class MarketScheduledData(_MarketData):
    scheduled = fields.Integer(required=True)
    unplaced = fields.Integer(required=True)


@event_type(
    "meeting_market.published", "events",
    "An organiser published a meeting market's schedule; each meeting follows as meeting.scheduled.",
)
@example(dict(MARKET_EXAMPLE, published=118, participants=64))
class MarketPublishedData(_MarketData):
    published = fields.Integer(required=True)
    participants = fields.Integer(required=True)


@event_type(
    "meeting_market.agenda_published", "events",
    "A participant's agenda of a published schedule (one per participant with meetings newly published): "
    "their meetings at the market, and `ics`, one calendar (METHOD:REQUEST) with one VEVENT per meeting in "
    "their language.",
)
@example(dict(
    MARKET_EXAMPLE, person_id="5d8e1f2a-9c37-5b4d-a6e0-7f3b2c1d9e48",
    meetings=[{"meeting_id": "9a2f4c6e-1b3d-5e7f-8091-a2b3c4d5e6f7",
               "other_id": "e41b7c93-2d8a-5f60-b1c7-3a9e5d2f8c14",
               "starts_at": "2027-03-11T10:20:00+01:00", "ends_at": "2027-03-11T10:40:00+01:00",
               "table": "Tisch 4", "online_url": None, "new": True}],
    ics=_example_meeting_ics("Treffen mit Drenthe Web BV (Grenzenlos Geschäfte machen)"),
))
class AgendaPublishedData(_MarketData):
    person_id = fields.String(required=True)
    meetings = fields.List(fields.Nested(lambda: _AgendaMeeting()), required=True)
    ics = fields.String(required=True)


class _AgendaMeeting(_Strict):
    meeting_id = fields.String(required=True)
    other_id = fields.String(allow_none=True, load_default=None)
    starts_at = fields.AwareDateTime(required=True)
    ends_at = fields.AwareDateTime(required=True)
    table = fields.String(allow_none=True, load_default=None)
    online_url = fields.String(allow_none=True, load_default=None)
    new = fields.Boolean(required=True, metadata={"description": "Published with this schedule."})
