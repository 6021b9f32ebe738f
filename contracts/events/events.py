"""Events published by the events service (event-carried state: enough for
notifications to tell registrants and networks without calling back)."""
from marshmallow import Schema, fields, validate

from nabo_common.messaging.envelopes import event_type

FORMAT = validate.OneOf(["online", "in_person", "hybrid"])
LANG = validate.OneOf(["da", "nl", "de", "sv", "en"])


class _Strict(Schema):
    class Meta:
        ordered = True


@event_type("programme.created", "events", "A funded programme (series of events) was set up.")
@event_type(
    "programme.updated", "events", "A programme's title, goal, period, plan or budget changed (see changed)."
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
class RegistrationsImportedData(_Strict):
    event_id = fields.String(required=True)
    association_ids = fields.List(fields.String(), required=True)
    source = fields.String(required=True, validate=validate.OneOf(["registrations", "csv"]),
                           metadata={"description": "`registrations`: a JSON list; `csv`: a CSV table."})
    registered = fields.Integer(required=True)
    confirmed = fields.Integer(required=True)
    waitlisted = fields.Integer(required=True)


@event_type(
    "attendance.recorded",
    "events",
    "An organiser checked in a registration, a walk-in or an anonymous head count; no names.",
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
class ProgrammeCoHostInvitedData(_CoHostInvited):
    programme_id = fields.String(required=True)
    period_start = fields.Date(required=True)
    period_end = fields.Date(required=True)


@event_type(
    "event.co_host_invited",
    "events",
    "An association was asked to co-host an event; one of its admins accepts or declines.",
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
class ProgrammeCoHostDecidedData(_CoHostDecided):
    programme_id = fields.String(required=True)


@event_type(
    "event.co_host_decided", "events", "An invited association's admin accepted or declined co-hosting."
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
    venue = fields.String(allow_none=True, load_default=None)
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
class RecordingData(_Strict):
    event_id = fields.String(required=True)
    association_ids = fields.List(fields.String(), required=True)
    recording_url = fields.String(required=True)
    network_id = fields.String(allow_none=True, load_default=None)
    title = fields.String(required=True)


# --- meeting markets -----------------------------------------------------------------------------------


class _MarketData(_Strict):
    event_id = fields.String(required=True)
    association_ids = fields.List(fields.String(), required=True)
    title = fields.String(required=True)
    time_zone = fields.String(required=True)


@event_type("meeting_request.sent", "events", "A participant asked another to meet at a meeting market.")
@event_type("meeting_request.declined", "events", "A meeting request was declined.")
@event_type("meeting_request.withdrawn", "events", "The requester withdrew a meeting request.")
@event_type(
    "meeting_request.expired", "events",
    "A meeting request was not answered in time (exactly once across replicas); the requester is told.",
)
class MeetingRequestData(_MarketData):
    request_id = fields.String(required=True)
    requester_id = fields.String(required=True)
    recipient_id = fields.String(required=True)
    message = fields.String(allow_none=True, load_default=None)


@event_type("meeting.scheduled", "events", "An accepted meeting request got its slot and table or link.")
@event_type("meeting.cancelled", "events", "A scheduled meeting was cancelled; its slot is free again.")
class MeetingData(_MarketData):
    meeting_id = fields.String(required=True)
    request_id = fields.String(required=True)
    person_ids = fields.List(fields.String(), required=True)
    starts_at = fields.AwareDateTime(required=True)
    ends_at = fields.AwareDateTime(required=True)
    table = fields.String(allow_none=True, load_default=None)
    online_url = fields.String(allow_none=True, load_default=None)


@event_type(
    "meeting_market.profile_reminder", "events",
    "An organiser asked a participant to complete their organisation's profile for a meeting market.",
)
class ProfileReminderData(_MarketData):
    person_id = fields.String(required=True)
    organisation_id = fields.String(required=True)
    missing = fields.List(fields.String(), required=True)
